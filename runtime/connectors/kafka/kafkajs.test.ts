/**
 * kafkajs's producer groups a send's messages per partition with sqc's linear
 * `groupMessagesPerPartition` and encodes records with sqc's `encodeRecord` (kafkajs.ts), which
 * return what kafkajs 2.2.4's own do.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { encodeRecord, groupMessagesPerPartition, kafkajs, type RecordEncoder } from './kafkajs.ts';
import { decodeRecordBatch } from './record-batch.ts';
import { produceRequest } from './produce-request.ts';

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

describe('decodeRecordBatch', () => {
  const BATCH_DECODER = require.resolve('kafkajs/src/protocol/recordBatch/v0/decoder.js');
  const Decoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => { offset: number };
  const encodeBatch = (
    require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
      RecordBatch: (o: Record<string, unknown>) => Promise<{ buffer: Buffer }>;
    }
  ).RecordBatch;
  const Long = require('kafkajs/src/utils/long.js') as { fromString(s: string): unknown };

  /** Random record batches as kafkajs's producer encodes them, some with flags flipped or bytes broken. */
  async function batches(seed: number): Promise<Buffer> {
    const rnd = random(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const texts = ['', 'a', 'k42', 'ünïcödé ✓ 🚀', 'x'.repeat(300), '{"event_id":1,"action":"purchase"}'];
    const bytes = (): string | Buffer | null => {
      const r = rnd();
      if (r < 0.15) return null;
      if (r < 0.7) return pick(texts) + (rnd() < 0.5 ? String(seed) : '');
      return Buffer.from(Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)));
    };
    const parts: Buffer[] = [];
    for (let b = 1 + Math.floor(rnd() * 3); b > 0; b--) {
      const n = Math.floor(rnd() * 40);
      const scale = pick([0, 10, 1e6, 2 ** 27, 2 ** 31, 2 ** 40]);
      const records = Array.from({ length: n }, (_, i) => {
        const headers: Record<string, unknown> = {};
        if (rnd() < 0.1)
          for (let h = Math.floor(rnd() * 3); h >= 0; h--)
            headers[pick(['h', 'trace', 'h'])] = rnd() < 0.3 ? ['x', 'y'] : pick(texts);
        return {
          offsetDelta: rnd() < 0.05 ? Math.floor(rnd() * 2 ** 30) : i,
          timestampDelta: Math.round((rnd() - 0.2) * scale),
          key: bytes(),
          value: bytes(),
          headers,
        };
      });
      const record = require(RECORD) as RecordEncoder;
      const first = pick(['0', '17', '4503599627370000', '9007199254740993', String(Math.floor(rnd() * 1e9))]);
      const encoded = await encodeBatch({
        compression: rnd() < 0.25 ? 1 : 0,
        firstOffset: Long.fromString(first),
        firstTimestamp: pick([-1, 0, 1_796_000_000_000, 2 ** 53 + 2, Math.floor(rnd() * 1e12)]),
        maxTimestamp: pick([0, 1_796_000_000_123]),
        lastOffsetDelta: Math.max(0, n - 1),
        transactional: rnd() < 0.3,
        records: records.map((r) => record(r)),
      });
      const buf = Buffer.from(encoded.buffer);
      // attributes (at byte 21): log-append time, control batch
      if (rnd() < 0.2) buf[22] = buf[22]! | 0x08;
      if (rnd() < 0.1) buf[22] = buf[22]! | 0x20;
      // the first record's attributes (unused by Kafka, a signed byte to the decoders)
      if (rnd() < 0.3 && buf.length > 62 && buf[61]! < 0x80) buf[62] = Math.floor(rnd() * 256);
      // broken bytes in the records, or a batch cut short
      if (rnd() < 0.15)
        for (let k = 0; k < 3; k++) buf[61 + Math.floor(rnd() * (buf.length - 61))] = Math.floor(rnd() * 256);
      parts.push(rnd() < 0.05 ? buf.subarray(0, Math.floor(rnd() * buf.length)) : buf);
    }
    return Buffer.concat(parts);
  }

  /** Every batch of `buf` decoded by `decode`, or the error it threw, and where each left the decoder. */
  async function decodeAll(decode: (d: unknown) => Promise<unknown>, buf: Buffer): Promise<unknown[]> {
    const d = new Decoder(buf);
    const out: unknown[] = [];
    while (d.offset < buf.length) {
      try {
        out.push(await decode(d), d.offset);
      } catch (e) {
        out.push({ error: (e as Error).name, message: (e as Error).message });
        break;
      }
    }
    return out;
  }

  /** The objects with their fields' order, buffers as hex. */
  const canonical = (x: unknown): string =>
    JSON.stringify(x, (_k, v: unknown) =>
      v !== null && typeof v === 'object' && (v as { type?: string }).type === 'Buffer'
        ? `buf:${Buffer.from((v as { data: number[] }).data).toString('hex')}`
        : v,
    );

  it("decodes like kafkajs's own: random batches, compressed or not, headers, offsets and timestamps past 2^52, broken bytes", async () => {
    const kafkajsDecoder = original<(d: unknown) => Promise<unknown>>(BATCH_DECODER);
    let records = 0;
    let failed = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const buf = await batches(seed);
      const want = await decodeAll(kafkajsDecoder, buf);
      const got = await decodeAll(decodeRecordBatch as (d: unknown) => Promise<unknown>, buf);
      expect(canonical(got), `seed ${seed}`).toBe(canonical(want));
      expect(got, `seed ${seed}`).toEqual(want);
      for (const b of got) {
        records += (b as { records?: unknown[] }).records?.length ?? 0;
        if ((b as { error?: string }).error !== undefined) failed++;
      }
    }
    expect(records).toBeGreaterThan(2500);
    expect(failed).toBeGreaterThan(5); // broken batches fail alike
  });

  it('is what kafkajs requires as its record batch decoder once sqc loads kafkajs', () => {
    kafkajs();
    expect(require(BATCH_DECODER)).toBe(decodeRecordBatch);
  });
});

describe('produceRequest', () => {
  const PRODUCE = require.resolve('kafkajs/src/protocol/requests/produce/v3/request.js');
  const Long = require('kafkajs/src/utils/long.js') as { fromString(s: string): unknown };
  type Request = (o: Record<string, unknown>) => {
    apiKey: number;
    apiVersion: number;
    apiName: string;
    expectResponse(): boolean;
    encode(): Promise<{ buffer: Buffer }>;
  };

  it("encodes Produce requests byte for byte as kafkajs's own: timestamps or none, headers, compression, transactions", async () => {
    const kafkajsRequest = original<Request>(PRODUCE);
    const texts = ['', 'a', 'k42', 'ünïcödé ✓ 🚀', '{"event_id":1,"amount":12.5}'];
    const now = Date.now;
    try {
      for (let seed = 1; seed <= 200; seed++) {
        const rnd = random(seed);
        const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
        const clock = 1_796_000_000_000 + seed;
        Date.now = () => clock;
        const withTimestamps = rnd() < 0.3;
        const topicData = Array.from({ length: 1 + Math.floor(rnd() * 2) }, (_, t) => ({
          topic: `topic-${t}`,
          partitions: Array.from({ length: 1 + Math.floor(rnd() * 3) }, (_, p) => ({
            partition: p,
            firstSequence: rnd() < 0.5 ? undefined : Math.floor(rnd() * 1000),
            messages: Array.from({ length: Math.floor(rnd() * 30) }, () => {
              const m: Record<string, unknown> = {
                key: rnd() < 0.3 ? null : pick(texts) + String(Math.floor(rnd() * 100)),
                value: rnd() < 0.1 ? null : rnd() < 0.2 ? Buffer.from(pick(texts)) : pick(texts),
                partition: p,
              };
              if (withTimestamps && rnd() < 0.8)
                m['timestamp'] = String(clock - Math.floor(rnd() * 1e6) * pick([1, 100]));
              if (rnd() < 0.1) m['headers'] = { h: pick(texts), trace: Buffer.from('x') };
              return m;
            }),
          })),
        }));
        const o = {
          acks: pick([-1, 1, 0]),
          timeout: 30000,
          transactionalId: rnd() < 0.5 ? undefined : `tx-${seed}`,
          producerId: rnd() < 0.5 ? undefined : Long.fromString(String(1000 + seed)),
          producerEpoch: rnd() < 0.5 ? undefined : seed % 7,
          compression: rnd() < 0.2 ? 1 : rnd() < 0.5 ? undefined : 0,
          topicData,
        };
        const want = kafkajsRequest(o);
        const got = produceRequest(o) as ReturnType<Request>;
        expect([got.apiKey, got.apiVersion, got.apiName, got.expectResponse()]).toEqual([
          want.apiKey,
          want.apiVersion,
          want.apiName,
          want.expectResponse(),
        ]);
        const [a, b] = [await want.encode(), await got.encode()];
        expect(b.buffer.toString('hex'), `seed ${seed}`).toBe(a.buffer.toString('hex'));
      }
    } finally {
      Date.now = now;
    }
  });

  it('is what kafkajs requires as its Produce request once sqc loads kafkajs', () => {
    kafkajs();
    expect(require(PRODUCE)).toBe(produceRequest);
  });
});
