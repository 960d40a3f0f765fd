/**
 * RecordBatch v2 (magic 2), the only format the broker stores. Batches stay the bytes the
 * producer sent: the broker reads the 61-byte header, checks the CRC-32C, rewrites the base
 * offset (bytes 0–7, outside the CRC) and keeps them. Records are decoded only to answer
 * ListOffsets by timestamp, and only for codecs Node can inflate itself (none, gzip).
 *
 *   0 baseOffset i64 · 8 length i32 · 12 partitionLeaderEpoch i32 · 16 magic i8 · 17 crc u32
 *   21 attributes i16 · 23 lastOffsetDelta i32 · 27 firstTimestamp i64 · 35 maxTimestamp i64
 *   43 producerId i64 · 51 producerEpoch i16 · 53 baseSequence i32 · 57 count i32 · 61 records
 */
import { gunzipSync } from 'node:zlib';

export const BATCH_HEADER = 61;
export const ATTR_CODEC = 0x07;
export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;

const CRC_TABLE = (() => {
  const t = new Int32Array(256 * 8);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c;
  }
  for (let i = 0; i < 256; i++) {
    for (let s = 1; s < 8; s++) t[s * 256 + i] = (t[(s - 1) * 256 + i]! >>> 8) ^ t[t[(s - 1) * 256 + i]! & 0xff]!;
  }
  return t;
})();

/** CRC-32C (Castagnoli), slicing by 8. */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  const t = CRC_TABLE;
  let c = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    c ^= buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
    c =
      t[7 * 256 + (c & 0xff)]! ^
      t[6 * 256 + ((c >>> 8) & 0xff)]! ^
      t[5 * 256 + ((c >>> 16) & 0xff)]! ^
      t[4 * 256 + (c >>> 24)]! ^
      t[3 * 256 + buf[i + 4]!]! ^
      t[2 * 256 + buf[i + 5]!]! ^
      t[256 + buf[i + 6]!]! ^
      t[buf[i + 7]!]!;
  }
  for (; i < end; i++) c = t[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** The header fields of one stored batch, plus its bytes. */
export interface Batch {
  baseOffset: number;
  /** baseOffset + lastOffsetDelta. */
  lastOffset: number;
  readonly attributes: number;
  readonly maxTimestamp: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly count: number;
  readonly bytes: Buffer;
}

export const isTransactional = (b: Batch) => (b.attributes & ATTR_TRANSACTIONAL) !== 0;
export const isControl = (b: Batch) => (b.attributes & ATTR_CONTROL) !== 0;

export class BatchError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Splits a produce request's (or a log file's) bytes into batches, checking each one's magic
 * and CRC. Trailing bytes shorter than a batch header are an error unless `allowTail` (a log
 * file cut short by a crash): then they are ignored and `consumed` says where the good part ends.
 */
export function splitBatches(bytes: Buffer, allowTail = false): { batches: Batch[]; consumed: number } {
  const batches: Batch[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < BATCH_HEADER) {
      if (allowTail) break;
      throw new BatchError(2, `record batch of ${bytes.length - at} bytes is shorter than its header`);
    }
    const size = 12 + bytes.readInt32BE(at + 8);
    if (size < BATCH_HEADER || at + size > bytes.length) {
      if (allowTail) break;
      throw new BatchError(2, `record batch length ${size} does not fit the ${bytes.length - at} bytes sent`);
    }
    const magic = bytes.readInt8(at + 16);
    if (magic !== 2) throw new BatchError(43, `record batch magic ${magic}: only magic 2 (Kafka ≥ 0.11) is supported`);
    const crc = bytes.readUInt32BE(at + 17);
    if (crc32c(bytes, at + 21, at + size) !== crc) {
      if (allowTail) break;
      throw new BatchError(2, `record batch CRC mismatch at byte ${at}`);
    }
    batches.push(parseHeader(bytes.subarray(at, at + size)));
    at += size;
  }
  return { batches, consumed: at };
}

function parseHeader(b: Buffer): Batch {
  const baseOffset = Number(b.readBigInt64BE(0));
  return {
    baseOffset,
    lastOffset: baseOffset + b.readInt32BE(23),
    attributes: b.readInt16BE(21),
    maxTimestamp: Number(b.readBigInt64BE(35)),
    producerId: Number(b.readBigInt64BE(43)),
    producerEpoch: b.readInt16BE(51),
    baseSequence: b.readInt32BE(53),
    count: b.readInt32BE(57),
    bytes: b,
  };
}

/** Gives the batch its place in the log (bytes 0–7, not covered by the CRC). */
export function assignOffset(b: Batch, baseOffset: number): void {
  const delta = b.lastOffset - b.baseOffset;
  b.bytes.writeBigInt64BE(BigInt(baseOffset), 0);
  b.baseOffset = baseOffset;
  b.lastOffset = baseOffset + delta;
}

/** A transaction marker: a control batch with one record, key (version 0, type), value (version 0, coordinator epoch). */
export function controlBatch(
  offset: number,
  producerId: number,
  producerEpoch: number,
  commit: boolean,
  now: number,
): Batch {
  // One record: length, attributes 0, timestampDelta 0, offsetDelta 0, key (4 bytes), value (6 bytes), 0 headers.
  const record = Buffer.from([0, 0, 0, 8, 0, 0, 0, commit ? 1 : 0, 12, 0, 0, 0, 0, 0, 0, 0]);
  const body = Buffer.concat([Buffer.from([record.length << 1]), record]);
  const b = Buffer.alloc(BATCH_HEADER + body.length);
  b.writeBigInt64BE(BigInt(offset), 0);
  b.writeInt32BE(b.length - 12, 8);
  b.writeInt32BE(0, 12);
  b.writeInt8(2, 16);
  b.writeInt16BE(ATTR_TRANSACTIONAL | ATTR_CONTROL, 21);
  b.writeInt32BE(0, 23);
  b.writeBigInt64BE(BigInt(now), 27);
  b.writeBigInt64BE(BigInt(now), 35);
  b.writeBigInt64BE(BigInt(producerId), 43);
  b.writeInt16BE(producerEpoch, 51);
  b.writeInt32BE(-1, 53);
  b.writeInt32BE(1, 57);
  body.copy(b, BATCH_HEADER);
  b.writeUInt32BE(crc32c(b, 21), 17);
  return parseHeader(b);
}

/** Whether a control batch commits (true) or aborts (false). */
export function markerCommits(b: Batch): boolean {
  const rec = readRecords(b);
  const key = rec?.[0]?.key;
  return key !== null && key !== undefined && key.length >= 4 && key.readInt16BE(2) === 1;
}

function varint(buf: Buffer, pos: { at: number }): number {
  let shift = 0;
  let v = 0;
  for (;;) {
    if (pos.at >= buf.length) throw new BatchError(2, 'record varint runs past the batch');
    const byte = buf[pos.at++]!;
    v += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
    if (shift > 63) throw new BatchError(2, 'record varint longer than 10 bytes');
  }
  // zigzag
  return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
}

export interface RecordView {
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
}

/**
 * The records of a batch with their offsets and timestamps, or null when the batch uses a codec
 * (snappy, lz4, zstd) this broker does not inflate.
 */
export function readRecords(b: Batch): RecordView[] | null {
  const codec = b.attributes & ATTR_CODEC;
  let data: Buffer;
  if (codec === 0) data = b.bytes.subarray(BATCH_HEADER);
  else if (codec === 1) data = gunzipSync(b.bytes.subarray(BATCH_HEADER));
  else return null;
  const firstTimestamp = Number(b.bytes.readBigInt64BE(27));
  const pos = { at: 0 };
  const out: RecordView[] = [];
  for (let i = 0; i < b.count; i++) {
    const len = varint(data, pos);
    const end = pos.at + len;
    pos.at += 1; // attributes
    const tsDelta = varint(data, pos);
    const offDelta = varint(data, pos);
    const keyLen = varint(data, pos);
    const key = keyLen < 0 ? null : data.subarray(pos.at, pos.at + keyLen);
    out.push({ offset: b.baseOffset + offDelta, timestamp: firstTimestamp + tsDelta, key });
    pos.at = end;
  }
  return out;
}
