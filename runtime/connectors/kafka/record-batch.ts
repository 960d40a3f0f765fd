/**
 * The record batches of a fetch response, decoded into what kafkajs 2.2.4's
 * `protocol/recordBatch/v0/decoder` returns (same objects, same fields in the same order), with
 * less work per record: kafkajs's builds two `Decoder`s per record, parses the batch's first
 * offset and first timestamp from their decimal strings and prints them back through its 64-bit
 * `Long` for every record (a dozen `Long` objects each), and folds the headers through an
 * object spread — in a profile of a Kafka → filter → Kafka job a fifth of the process's CPU, and
 * much of its garbage. Here a batch's first offset and timestamp are parsed once and each record's
 * are number sums; the key and value are views of the batch's buffer, as kafkajs's.
 *
 * Records this does not expect — a varint of 5 bytes or more, a field past the record's end, a
 * record with headers, a first offset or timestamp beyond 2^52 — go through kafkajs's own record
 * decoder, from the same position, so they decode (or fail) exactly as before. Installed by
 * `patchKafkajs` (kafkajs.ts) for the kafkajs release it was tested against.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** kafkajs's `protocol/decoder` (the parts used here). */
interface KafkajsDecoder {
  buffer: Buffer;
  offset: number;
  readInt8(): number;
  readInt16(): number;
  readInt32(): number;
  readInt64(): { toString(): string };
  readAll(): Buffer;
  readVarIntBytes(): Buffer | null;
  slice(size: number): KafkajsDecoder;
  forward(size: number): void;
}

/** The fields of a batch every record refers to (kafkajs's `batchContext`). */
interface BatchContext {
  readonly firstOffset: string;
  readonly firstTimestamp: string;
  readonly partitionLeaderEpoch: number;
  readonly inTransaction: boolean;
  readonly isControlBatch: boolean;
  readonly lastOffsetDelta: number;
  readonly producerId: string;
  readonly producerEpoch: number;
  readonly firstSequence: number;
  readonly maxTimestamp: string;
  readonly timestampType: number;
  readonly magicByte: number;
}

interface Internals {
  readonly Decoder: new (buffer: Buffer | null) => KafkajsDecoder;
  readonly PartialMessageError: new (message: string) => Error;
  readonly codecOf: (attributes: number) => { decompress(b: Buffer): Promise<Buffer> } | null;
  /** kafkajs's record decoder (`recordBatch/record/v0/decoder`). */
  readonly record: (decoder: KafkajsDecoder, context: BatchContext) => unknown;
  readonly LOG_APPEND_TIME: number;
  readonly CREATE_TIME: number;
}

let internals: Internals | null = null;

function kafkajsParts(): Internals {
  if (internals !== null) return internals;
  const types = require('kafkajs/src/protocol/timestampTypes.js') as { LOG_APPEND_TIME: number; CREATE_TIME: number };
  internals = {
    Decoder: require('kafkajs/src/protocol/decoder.js') as Internals['Decoder'],
    PartialMessageError: (
      require('kafkajs/src/errors.js') as { KafkaJSPartialMessageError: Internals['PartialMessageError'] }
    ).KafkaJSPartialMessageError,
    codecOf: (
      require('kafkajs/src/protocol/message/compression/index.js') as { lookupCodecByAttributes: Internals['codecOf'] }
    ).lookupCodecByAttributes,
    record: require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as Internals['record'],
    LOG_APPEND_TIME: types.LOG_APPEND_TIME,
    CREATE_TIME: types.CREATE_TIME,
  };
  return internals;
}

const TIMESTAMP_TYPE_FLAG = 0x8;
const TRANSACTIONAL_FLAG = 0x10;
const CONTROL_FLAG = 0x20;

/** Where the last `varint` ended. */
let varintEnd = 0;

/**
 * The zigzag varint at `i` if it has at most 4 bytes, all before `end` (then `varintEnd` is past
 * it); NaN otherwise. For such varints kafkajs's `readVarInt` and `readVarLong` give this value.
 */
function varint(b: Buffer, i: number, end: number): number {
  let raw = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (i >= end) return NaN;
    const byte = b[i++]!;
    raw |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      varintEnd = i;
      return (raw >>> 1) ^ -(raw & 1);
    }
  }
  return NaN;
}

/** A record as kafkajs's record decoder returns it. */
interface DecodedRecord {
  readonly magicByte: number;
  readonly attributes: number;
  readonly timestamp: string;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, never>;
  readonly isControlRecord: boolean;
  readonly batchContext: BatchContext;
}

/**
 * The record in `b` [start, end), or null when kafkajs's own decoder must decide (see the file's
 * comment). `firstOffset` and `firstTimestamp` are the batch's, as numbers; `timestamp` is the
 * record's when the batch's time is the log-append time (kafkajs: the batch's max timestamp).
 */
function fastRecord(
  b: Buffer,
  start: number,
  end: number,
  context: BatchContext,
  firstOffset: number,
  firstTimestamp: number,
  timestamp: string | null,
): DecodedRecord | null {
  if (start >= end) return null;
  // a signed byte (Buffer's readInt8 checks its argument through a wrapper that cost 2% of a process)
  const byte = b[start]!;
  const attributes = byte > 127 ? byte - 256 : byte;
  const timestampDelta = varint(b, start + 1, end);
  if (timestampDelta !== timestampDelta) return null;
  const offsetDelta = varint(b, varintEnd, end);
  if (offsetDelta !== offsetDelta) return null;
  const keyLength = varint(b, varintEnd, end);
  if (!(keyLength >= -1) || varintEnd + keyLength > end) return null;
  let i = varintEnd;
  const key = keyLength === -1 ? null : b.subarray(i, i + keyLength);
  if (keyLength > 0) i += keyLength;
  const valueLength = varint(b, i, end);
  if (!(valueLength >= -1) || varintEnd + valueLength > end) return null;
  i = varintEnd;
  const value = valueLength === -1 ? null : b.subarray(i, i + valueLength);
  if (valueLength > 0) i += valueLength;
  const headers = varint(b, i, end);
  // no headers (an empty or a null array); records with headers go to kafkajs's decoder
  if (headers !== 0 && headers !== -1) return null;
  return {
    magicByte: context.magicByte,
    attributes,
    timestamp: timestamp ?? String(firstTimestamp + timestampDelta),
    offset: String(firstOffset + offsetDelta),
    key,
    value,
    headers: {},
    isControlRecord: context.isControlBatch,
    batchContext: context,
  };
}

/** `count` records from `b` at `at`, the batch's records ending at the buffer's end (kafkajs's `readArray` of records). */
function decodeRecords(k: Internals, b: Buffer, at: number, count: number, context: BatchContext): unknown[] {
  const records: unknown[] = new Array(count);
  const firstOffset = Number(context.firstOffset);
  const firstTimestamp = Number(context.firstTimestamp);
  // kafkajs: a log-append-time batch's records all have its max timestamp
  const timestamp = context.timestampType === k.LOG_APPEND_TIME && context.maxTimestamp ? context.maxTimestamp : null;
  const exact = (n: number): boolean => Number.isSafeInteger(n) && Math.abs(n) < 2 ** 52;
  const fast = exact(firstOffset) && (timestamp !== null || exact(firstTimestamp));
  const end = b.length;
  let decoder: KafkajsDecoder | null = null;
  for (let n = 0; n < count; n++) {
    if (fast) {
      const length = varint(b, at, end);
      const start = varintEnd;
      if (length >= 0 && start + length <= end) {
        const r = fastRecord(b, start, start + length, context, firstOffset, firstTimestamp, timestamp);
        if (r !== null) {
          records[n] = r;
          at = start + length;
          continue;
        }
      }
    }
    // kafkajs's own, from this record on the same buffer
    decoder ??= new k.Decoder(b);
    decoder.offset = at;
    records[n] = k.record(new k.Decoder(decoder.readVarIntBytes()), context);
    at = decoder.offset;
  }
  return records;
}

/** Decodes one record batch from a fetch response, as kafkajs 2.2.4's `recordBatch/v0/decoder` does. */
export async function decodeRecordBatch(fetchDecoder: KafkajsDecoder): Promise<unknown> {
  const k = kafkajsParts();
  const firstOffset = fetchDecoder.readInt64().toString();
  const length = fetchDecoder.readInt32();
  const decoder = fetchDecoder.slice(length);
  fetchDecoder.forward(length);
  const remainingBytes = decoder.buffer.length;
  if (remainingBytes < length)
    throw new k.PartialMessageError(
      `Tried to decode a partial record batch: remainingBytes(${remainingBytes}) < recordBatchLength(${length})`,
    );
  const partitionLeaderEpoch = decoder.readInt32();
  const magicByte = decoder.readInt8();
  decoder.readInt32(); // the CRC (kafkajs does not check it either)
  const attributes = decoder.readInt16();
  const lastOffsetDelta = decoder.readInt32();
  const firstTimestamp = decoder.readInt64().toString();
  const maxTimestamp = decoder.readInt64().toString();
  const producerId = decoder.readInt64().toString();
  const producerEpoch = decoder.readInt16();
  const firstSequence = decoder.readInt32();
  const batch = {
    firstOffset,
    firstTimestamp,
    partitionLeaderEpoch,
    inTransaction: (attributes & TRANSACTIONAL_FLAG) > 0,
    isControlBatch: (attributes & CONTROL_FLAG) > 0,
    lastOffsetDelta,
    producerId,
    producerEpoch,
    firstSequence,
    maxTimestamp,
    timestampType: (attributes & TIMESTAMP_TYPE_FLAG) > 0 ? k.LOG_APPEND_TIME : k.CREATE_TIME,
  };
  const context: BatchContext = { ...batch, magicByte };
  const codec = k.codecOf(attributes);
  let records: unknown[];
  if (!codec) {
    const count = decoder.readInt32();
    // kafkajs: a null array is no records; a negative count fails creating the array
    records = count === -1 ? [] : decodeRecords(k, decoder.buffer, decoder.offset, count, context);
  } else {
    const count = decoder.readInt32();
    if (count <= 0) records = [];
    else {
      const decompressed = await codec.decompress(decoder.readAll());
      records = decodeRecords(k, decompressed, 0, count, context);
    }
  }
  return { ...batch, records };
}
