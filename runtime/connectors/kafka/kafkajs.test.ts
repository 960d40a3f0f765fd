/**
 * kafkajs's producer groups a send's messages per partition with sqc's linear
 * `groupMessagesPerPartition` and encodes records with sqc's `encodeRecord` (kafkajs.ts), which
 * return what kafkajs 2.2.4's own do.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { encodeRecord, groupMessagesPerPartition, kafkajs, type RecordEncoder } from './kafkajs.ts';

const require = createRequire(import.meta.url);
const PATH = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');

/** kafkajs's own module `path`, evaluated from its file (the module cache holds sqc's once kafkajs is loaded). */
function original<T>(path: string): T {
  const module = { exports: {} as unknown };
  const from = createRequire(path);
  new Function('module', 'exports', 'require', readFileSync(path, 'utf8'))(module, module.exports, from);
  return module.exports as T;
}
const RECORD = require.resolve('kafkajs/src/protocol/recordBatch/record/v0/index.js');

/** A small deterministic PRNG (mulberry32), so a failure can be reproduced from its seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('groupMessagesPerPartition', () => {
  it("groups like kafkajs's own on random sends: same partitions, same order of keys and of messages", () => {
    const kafkajsGrouping = original<typeof groupMessagesPerPartition>(PATH);
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = random(seed);
      const partitions = 1 + Math.floor(rnd() * 12);
      const partitionMetadata = Array.from({ length: rnd() < 0.05 ? 0 : partitions }, (_, i) => ({ partitionId: i }));
      const messages = Array.from({ length: Math.floor(rnd() * 400) }, (_, i) => ({
        key: `k${Math.floor(rnd() * 50)}`,
        value: `v${i}`,
        partition: rnd() < 0.5 ? Math.floor(rnd() * partitions) : undefined,
      }));
      const partitioner = ({ message }: { message: unknown }) => {
        const m = message as { key: string; partition?: number };
        return m.partition ?? Number(m.key.slice(1)) % partitions;
      };
      const o = { topic: 't', partitionMetadata, messages, partitioner };
      const want = kafkajsGrouping(o);
      const got = groupMessagesPerPartition(o);
      expect(Object.keys(got), `seed ${seed}`).toEqual(Object.keys(want));
      expect(got, `seed ${seed}`).toEqual(want);
      for (const k of Object.keys(want)) expect(got[Number(k)]!.every((m, i) => m === want[Number(k)]![i])).toBe(true);
    }
  });

  it("is what kafkajs's producer requires once sqc loads kafkajs", () => {
    kafkajs();
    expect(require.cache[PATH]?.exports).toBe(groupMessagesPerPartition);
    expect(require('kafkajs/src/producer/groupMessagesPerPartition.js')).toBe(groupMessagesPerPartition);
  });

  it("encodes records byte for byte as kafkajs's own: keys, values and headers as strings, buffers or null, any timestamp delta", () => {
    const kafkajsRecord = original<RecordEncoder>(RECORD);
    let fast = 0;
    const texts = ['', 'a', 'k42', 'ünïcödé ✓ 🚀', 'x'.repeat(200), '{"k":"k1","n":3}'];
    for (let seed = 1; seed <= 3000; seed++) {
      const rnd = random(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
      const bytes = (): unknown => {
        const r = rnd();
        if (r < 0.15) return null;
        if (r < 0.2) return undefined;
        if (r < 0.6) return pick(texts) + (rnd() < 0.5 ? String(seed) : '');
        return Buffer.from(Array.from({ length: Math.floor(rnd() * 300) }, () => Math.floor(rnd() * 256)));
      };
      const headers: Record<string, unknown> = {};
      const nh = rnd() < 0.5 ? 0 : Math.floor(rnd() * 4);
      for (let h = 0; h < nh; h++) {
        const v = bytes();
        headers[pick(texts) + h] = v === null || v === undefined || rnd() < 0.1 ? (rnd() < 0.5 ? ['a', 'b'] : null) : v;
      }
      const scale = pick([1, 100, 1e4, 1e6, 3e9, 2 ** 40, 2 ** 52]);
      const r = {
        offsetDelta: rnd() < 0.1 ? undefined : Math.floor(rnd() * pick([10, 1000, 1e6])),
        timestampDelta: rnd() < 0.1 ? undefined : Math.round((rnd() - 0.3) * scale),
        key: bytes(),
        value: bytes(),
        headers: rnd() < 0.2 ? undefined : headers,
      };
      let want: Buffer;
      try {
        want = kafkajsRecord(r).buffer;
      } catch {
        continue; // kafkajs refuses it (a null header value): sqc hands such records to kafkajs too
      }
      const got = encodeRecord(r);
      expect(Buffer.isBuffer(got.buf)).toBe(true);
      expect(got.buffer.toString('hex'), `seed ${seed}`).toBe(want.toString('hex'));
      if (got.constructor.name === 'EncodedRecord') fast++;
    }
    expect(fast).toBeGreaterThan(1500); // most went through sqc's encoder, not kafkajs's
  });

  it('is what kafkajs requires as its record encoder once sqc loads kafkajs', () => {
    kafkajs();
    expect(require(RECORD)).toBe(encodeRecord);
  });
});
