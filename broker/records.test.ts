import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { assignOffset, controlBatch, crc32c, markerCommits, readRecords, splitBatches } from './records.ts';

const require = createRequire(import.meta.url);
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0');
const Record = require('kafkajs/src/protocol/recordBatch/record/v0');
const { Types } = require('kafkajs/src/protocol/message/compression');

async function kafkajsBatch(values: string[], compression = Types.None): Promise<Buffer> {
  const first = 1_700_000_000_000;
  const records = values.map((v, i) => Record({ key: `k${i}`, value: v, offsetDelta: i, timestampDelta: i * 10 }));
  const batch = await RecordBatch({
    compression,
    records,
    firstTimestamp: first,
    maxTimestamp: first + (values.length - 1) * 10,
    lastOffsetDelta: values.length - 1,
  });
  return batch.buffer;
}

describe('CRC-32C', () => {
  it('matches the standard check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });
  it('agrees with the CRC kafkajs writes into a batch, for every length up to 100', () => {
    for (let n = 0; n <= 100; n++) {
      const b = Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff));
      expect(crc32c(b)).toBe(require('kafkajs/src/protocol/recordBatch/crc32C')(b));
    }
  });
});

describe('record batches', () => {
  it('reads a kafkajs batch, rewrites its base offset and keeps the CRC valid', async () => {
    const bytes = await kafkajsBatch(['a', 'bb', 'ccc']);
    const [b] = splitBatches(bytes).batches;
    expect(b!.count).toBe(3);
    assignOffset(b!, 42);
    expect(b!.baseOffset).toBe(42);
    expect(b!.lastOffset).toBe(44);
    const again = splitBatches(b!.bytes).batches[0]!;
    expect(again.baseOffset).toBe(42);
    expect(readRecords(again)!.map((r) => [r.offset, r.timestamp, r.key?.toString()])).toEqual([
      [42, 1_700_000_000_000, 'k0'],
      [43, 1_700_000_000_010, 'k1'],
      [44, 1_700_000_000_020, 'k2'],
    ]);
  });

  it('reads records of a gzip batch', async () => {
    const [b] = splitBatches(await kafkajsBatch(['x', 'y'], Types.GZIP)).batches;
    expect(readRecords(b!)!.map((r) => r.key?.toString())).toEqual(['k0', 'k1']);
  });

  it('rejects a corrupted batch and a wrong magic byte', async () => {
    const bytes = await kafkajsBatch(['a']);
    const corrupt = Buffer.from(bytes);
    corrupt[corrupt.length - 1]! ^= 0xff;
    expect(() => splitBatches(corrupt)).toThrow(/CRC mismatch/);
    const magic = Buffer.from(bytes);
    magic[16] = 1;
    expect(() => splitBatches(magic)).toThrow(/magic 1/);
  });

  it('keeps the complete batches of a log cut short by a crash', async () => {
    const one = await kafkajsBatch(['a']);
    const two = await kafkajsBatch(['b', 'c']);
    const torn = Buffer.concat([one, two.subarray(0, two.length - 3)]);
    const { batches, consumed } = splitBatches(torn, true);
    expect(batches).toHaveLength(1);
    expect(consumed).toBe(one.length);
  });

  it('builds commit and abort markers that parse back', () => {
    const commit = splitBatches(controlBatch(7, 1000, 3, true, 1).bytes).batches[0]!;
    const abort = splitBatches(controlBatch(8, 1000, 3, false, 1).bytes).batches[0]!;
    expect([commit.baseOffset, commit.producerId, commit.producerEpoch, commit.attributes]).toEqual([7, 1000, 3, 0x30]);
    expect(markerCommits(commit)).toBe(true);
    expect(markerCommits(abort)).toBe(false);
  });
});
