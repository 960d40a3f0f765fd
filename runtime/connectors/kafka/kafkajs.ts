/**
 * kafkajs, loaded once through `require`: it is a CommonJS module whose exports Node's ESM
 * loader cannot all detect (`import { CompressionCodecs } from 'kafkajs'` fails outside bundlers).
 */
import { createRequire, Module } from 'node:module';
import type * as KafkaJs from 'kafkajs';
import { decodeRecordBatch } from './record-batch.ts';
import { produceRequest } from './produce-request.ts';

const require = createRequire(import.meta.url);
let loaded: typeof KafkaJs | null = null;

/** kafkajs, required on first use: jobs without Kafka do not pay its ~150 ms of start-up. */
export function kafkajs(): typeof KafkaJs {
  if (loaded === null) {
    patchKafkajs();
    loaded = require('kafkajs') as typeof KafkaJs;
  }
  return loaded;
}

/** A kafkajs client (`new Kafka(config)`), loading kafkajs on first use. */
export function newKafka(config: KafkaJs.KafkaConfig): KafkaJs.Kafka {
  return new (kafkajs().Kafka)(config);
}

/** kafkajs's `CompressionTypes`: the codec ids of the Kafka protocol, without loading kafkajs. */
export const CompressionTypes = {
  None: 0 as KafkaJs.CompressionTypes.None,
  GZIP: 1 as KafkaJs.CompressionTypes.GZIP,
  Snappy: 2 as KafkaJs.CompressionTypes.Snappy,
  LZ4: 3 as KafkaJs.CompressionTypes.LZ4,
  ZSTD: 4 as KafkaJs.CompressionTypes.ZSTD,
} as const;

let patched = false;

/** The kafkajs release whose internals the replacements below were written and tested against. */
const KAFKAJS_PATCHED_VERSION = '2.2.4';

/**
 * Puts sqc's versions of four kafkajs internals in kafkajs's module cache, before the modules
 * that require them load: the per-partition grouping of a send, the record encoder, the Produce
 * request (produce-request.ts) and the fetch response's record batch decoder (record-batch.ts)
 * (same results, less time; see each). Called before any kafkajs module is required. Only for
 * the kafkajs release they were tested against (package.json pins it): another release, e.g.
 * one an app's lockfile resolved, keeps its own internals.
 */
export function patchKafkajs(): void {
  if (patched) return;
  patched = true;
  const { version } = require('kafkajs/package.json') as { version: string };
  if (version !== KAFKAJS_PATCHED_VERSION) return;
  replaceModule('kafkajs/src/producer/groupMessagesPerPartition.js', groupMessagesPerPartition);
  const record = require.resolve('kafkajs/src/protocol/recordBatch/record/v0/index.js');
  kafkajsRecord = require(record) as RecordEncoder;
  replaceModule(record, encodeRecord);
  replaceModule('kafkajs/src/protocol/recordBatch/v0/decoder.js', decodeRecordBatch);
  replaceModule('kafkajs/src/protocol/requests/produce/v3/request.js', produceRequest);
}

function replaceModule(id: string, exports: unknown): void {
  const path = require.resolve(id);
  const m = require.cache[path] ?? new Module(path);
  m.filename = path;
  m.loaded = true;
  m.exports = exports;
  require.cache[path] = m;
}

type Grouping = (o: {
  topic: string;
  partitionMetadata: readonly unknown[];
  messages: readonly unknown[];
  partitioner: (o: { topic: string; partitionMetadata: readonly unknown[]; message: unknown }) => number;
}) => Record<number, unknown[]>;

/**
 * A send's messages per partition, as kafkajs 2.2.4's `groupMessagesPerPartition` returns them
 * (`{ [partition]: messages in order }`), in linear time: kafkajs's copies the partition's array
 * for every message (O(n²) per send; kafkajs#1576, unreleased), which made a 10,000-row output
 * batch cost more CPU and garbage than the rest of its produce request.
 */
export const groupMessagesPerPartition: Grouping = ({ topic, partitionMetadata, messages, partitioner }) => {
  const out: Record<number, unknown[]> = {};
  if (partitionMetadata.length === 0) return out;
  for (const message of messages) (out[partitioner({ topic, partitionMetadata, message })] ??= []).push(message);
  return out;
};

/** What kafkajs's record encoder takes (RecordBatch v2's record) and returns (an `Encoder`: `buf`, `buffer`). */
export type RecordEncoder = (r: {
  offsetDelta?: number;
  timestampDelta?: number;
  key?: unknown;
  value?: unknown;
  headers?: Record<string, unknown>;
}) => { readonly buf: Buffer; readonly buffer: Buffer };

/** kafkajs's own record encoder (for what `encodeRecord` leaves to it). */
let kafkajsRecord: RecordEncoder | null = null;

/** An encoded record as kafkajs's batch encoder reads it (`buf`, `buffer`). */
class EncodedRecord {
  constructor(readonly buf: Buffer) {}
  get buffer(): Buffer {
    return this.buf;
  }
  size(): number {
    return this.buf.length;
  }
}

const varIntSize = (n: number): number => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);
/** Zigzag of an integer of at most 2^52 in magnitude (exact in a double). */
const zigzag = (n: number): number => (n >= 0 ? n * 2 : -n * 2 - 1);

function varLongSize(zz: number): number {
  let n = 1;
  while (zz >= 0x80) {
    zz = Math.floor(zz / 0x80);
    n++;
  }
  return n;
}

function writeVar(buf: Buffer, at: number, zz: number): number {
  while (zz >= 0x80) {
    buf[at++] = (zz % 0x80) | 0x80;
    zz = Math.floor(zz / 0x80);
  }
  buf[at++] = zz;
  return at;
}

const bytesOf = (v: unknown): number =>
  v === null || v === undefined ? -1 : typeof v === 'string' ? Buffer.byteLength(v) : (v as Buffer).length;
const plain = (v: unknown): boolean => v === null || v === undefined || typeof v === 'string' || Buffer.isBuffer(v);

function writeBytes(buf: Buffer, at: number, v: unknown, n: number): number {
  at = writeVar(buf, at, zigzag(n));
  if (n <= 0) return at;
  if (typeof v === 'string') buf.write(v, at, n, 'utf8');
  else (v as Buffer).copy(buf, at);
  return at + n;
}

/**
 * One record of a RecordBatch v2, the bytes kafkajs 2.2.4's record encoder writes, into one buffer
 * of its exact size: kafkajs's zero-fills 512 bytes per record, allocates a Buffer per varint and
 * copies into a growing buffer, which made encoding a produce request cost more than building its
 * rows. Records it does not expect (a timestamp delta past 2^52, header values that are arrays or
 * not strings or buffers, keys or values of other types) go to kafkajs's own encoder.
 */
export const encodeRecord: RecordEncoder = (r) => {
  const offsetDelta = r.offsetDelta ?? 0;
  const timestampDelta = r.timestampDelta ?? 0;
  const { key, value, headers } = r;
  let fast =
    Number.isSafeInteger(timestampDelta) &&
    Math.abs(timestampDelta) <= 2 ** 52 &&
    Number.isInteger(offsetDelta) &&
    offsetDelta >= 0 &&
    offsetDelta < 2 ** 30 &&
    plain(key) &&
    plain(value);
  const names = headers === undefined ? [] : Object.keys(headers);
  for (const k of names) {
    const v = headers![k];
    if (v === null || v === undefined || !plain(v)) fast = false;
  }
  if (!fast) return kafkajsRecord!(r);
  const ts = zigzag(timestampDelta);
  const keyBytes = bytesOf(key);
  const valueBytes = bytesOf(value);
  let size =
    1 +
    varLongSize(ts) +
    varIntSize(offsetDelta * 2) +
    varIntSize(zigzag(keyBytes)) +
    Math.max(0, keyBytes) +
    varIntSize(zigzag(valueBytes)) +
    Math.max(0, valueBytes) +
    varIntSize(names.length * 2);
  const headerBytes: number[] = [];
  for (const k of names) {
    const kb = Buffer.byteLength(k);
    const vb = bytesOf(headers![k]);
    headerBytes.push(kb, vb);
    size += varIntSize(kb * 2) + kb + varIntSize(vb * 2) + vb;
  }
  const buf = Buffer.allocUnsafe(varIntSize(size * 2) + size);
  let at = writeVar(buf, 0, size * 2);
  buf[at++] = 0; // attributes
  at = writeVar(buf, at, ts);
  at = writeVar(buf, at, offsetDelta * 2);
  at = writeBytes(buf, at, key, keyBytes);
  at = writeBytes(buf, at, value, valueBytes);
  at = writeVar(buf, at, names.length * 2);
  names.forEach((k, i) => {
    at = writeBytes(buf, at, k, headerBytes[2 * i]!);
    at = writeBytes(buf, at, headers![k], headerBytes[2 * i + 1]!);
  });
  return new EncodedRecord(buf);
};
