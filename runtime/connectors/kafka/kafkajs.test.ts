/**
 * kafkajs's producer groups a send's messages per partition with sqc's linear
 * `groupMessagesPerPartition` (kafkajs.ts), which returns what kafkajs 2.2.4's own does.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { groupMessagesPerPartition, kafkajs } from './kafkajs.ts';

const require = createRequire(import.meta.url);
const PATH = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');

/** kafkajs's own function, evaluated from its file (the module cache holds sqc's once kafkajs is loaded). */
function kafkajsGrouping(): typeof groupMessagesPerPartition {
  const module = { exports: {} as unknown };
  new Function('module', 'exports', 'require', readFileSync(PATH, 'utf8'))(module, module.exports, require);
  return module.exports as typeof groupMessagesPerPartition;
}

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
    const original = kafkajsGrouping();
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
      const want = original(o);
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
});
