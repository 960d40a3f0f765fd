/**
 * One partition's log: its batches in offset order, the high watermark (single replica, so the
 * log end offset), the transactions still open on it (they hold back the last stable offset)
 * and the aborted ones (read_committed fetches list them). With a file, every appended batch is
 * written through to `<dir>/<partition>.log` and read back on restart. DeleteRecords moves the log
 * start (kept in `<partition>.start`); the bytes below it stay in the file but are never served.
 */
import * as fs from 'node:fs';
import { writeAll, writeFileAtomic } from './journal.ts';
import {
  assignOffset,
  controlBatch,
  isControl,
  isTransactional,
  markerCommits,
  readRecords,
  splitBatches,
  type Batch,
} from './records.ts';

export interface AbortedTxn {
  readonly producerId: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
}

/** Idempotent-producer state of one producer id on one partition. */
export interface ProducerEntry {
  epoch: number;
  /** Sequence of the last record appended (-1 = none yet in this epoch). */
  lastSequence: number;
  /** The last few batches (base sequence → base offset), to answer retried duplicates. */
  recent: { baseSequence: number; lastSequence: number; baseOffset: number }[];
}

const RECENT_BATCHES = 5;

/** Where the log start offset moved by DeleteRecords is kept: `<partition>.start` beside the log. */
const startFile = (logFile: string) => logFile.replace(/\.log$/, '.start');

export class PartitionLog {
  readonly batches: Batch[] = [];
  logStartOffset = 0;
  highWatermark = 0;
  /** producerId → first offset of its open transaction. */
  readonly openTxns = new Map<number, number>();
  readonly aborted: AbortedTxn[] = [];
  readonly producers = new Map<number, ProducerEntry>();
  private fd: number | null = null;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly file: string | null,
  ) {
    if (file !== null) this.load(file);
  }

  private load(file: string): void {
    const bytes = fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
    const { batches, consumed } = splitBatches(bytes, true);
    if (consumed < bytes.length) fs.truncateSync(file, consumed); // a write cut short by a crash
    for (const b of batches) this.track(b);
    this.fd = fs.openSync(file, 'a');
    const start = startFile(file);
    if (fs.existsSync(start)) this.trimBefore(Number(fs.readFileSync(start, 'utf8')));
  }

  /**
   * DeleteRecords: records below `offset` (-1 = the high watermark) become unreadable and the log
   * start moves there. Returns the new log start, or null when `offset` is past the end.
   */
  deleteBefore(offset: number): number | null {
    const target = offset === -1 ? this.highWatermark : offset;
    if (target < 0 || target > this.highWatermark) return null;
    if (target > this.logStartOffset) {
      this.trimBefore(target);
      if (this.file !== null) writeFileAtomic(startFile(this.file), `${target}\n`);
    }
    return this.logStartOffset;
  }

  private trimBefore(offset: number): void {
    this.logStartOffset = Math.max(this.logStartOffset, offset);
    const keep = this.indexOf(this.logStartOffset);
    if (keep > 0) this.batches.splice(0, keep);
    while (this.aborted.length > 0 && this.aborted[0]!.lastOffset < this.logStartOffset) this.aborted.shift();
  }

  get lastStableOffset(): number {
    let lso = this.highWatermark;
    for (const first of this.openTxns.values()) if (first < lso) lso = first;
    return lso;
  }

  /** Appends a batch (offsets assigned here) and returns its base offset. */
  append(b: Batch): number {
    assignOffset(b, this.highWatermark);
    if (this.fd !== null) writeAll(this.fd, b.bytes);
    this.track(b);
    return b.baseOffset;
  }

  /** Writes a transaction marker for `producerId` and closes its open transaction here. */
  writeMarker(producerId: number, epoch: number, commit: boolean): void {
    this.append(controlBatch(0, producerId, epoch, commit, Date.now()));
  }

  private track(b: Batch): void {
    this.batches.push(b);
    this.highWatermark = b.lastOffset + 1;
    if (b.producerId < 0) return;
    if (isControl(b)) {
      const first = this.openTxns.get(b.producerId);
      if (first !== undefined) {
        this.openTxns.delete(b.producerId);
        if (!markerCommits(b))
          this.aborted.push({ producerId: b.producerId, firstOffset: first, lastOffset: b.baseOffset });
      }
      const p = this.producers.get(b.producerId);
      if (p && b.producerEpoch > p.epoch)
        this.producers.set(b.producerId, { epoch: b.producerEpoch, lastSequence: -1, recent: [] });
      return;
    }
    if (isTransactional(b) && !this.openTxns.has(b.producerId)) this.openTxns.set(b.producerId, b.baseOffset);
    let p = this.producers.get(b.producerId);
    if (!p || p.epoch !== b.producerEpoch) {
      p = { epoch: b.producerEpoch, lastSequence: -1, recent: [] };
      this.producers.set(b.producerId, p);
    }
    p.lastSequence = (b.baseSequence + b.count - 1) % 2 ** 31;
    p.recent.push({ baseSequence: b.baseSequence, lastSequence: p.lastSequence, baseOffset: b.baseOffset });
    if (p.recent.length > RECENT_BATCHES) p.recent.shift();
  }

  /** Index of the first batch whose last offset is ≥ `offset`. */
  indexOf(offset: number): number {
    let lo = 0;
    let hi = this.batches.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.batches[mid]!.lastOffset < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Whole batches from the one holding `offset`, below `limit`, up to `maxBytes` (but at least
   * one when `atLeastOne`).
   */
  read(offset: number, limit: number, maxBytes: number, atLeastOne: boolean): Batch[] {
    const out: Batch[] = [];
    let size = 0;
    for (let i = this.indexOf(offset); i < this.batches.length; i++) {
      const b = this.batches[i]!;
      if (b.lastOffset >= limit) break;
      if (size + b.bytes.length > maxBytes && !(atLeastOne && out.length === 0)) break;
      out.push(b);
      size += b.bytes.length;
    }
    return out;
  }

  /**
   * Aborted transactions overlapping [from, to], in the order they ended (as Kafka's transaction
   * index lists them; not by first offset: readers sort them, see visibleMessages).
   */
  abortedBetween(from: number, to: number): AbortedTxn[] {
    return this.aborted.filter((a) => a.lastOffset >= from && a.firstOffset <= to);
  }

  /** Offset of the first record with timestamp ≥ `ts`, or null if there is none. */
  offsetForTime(ts: number): { offset: number; timestamp: number } | null {
    for (const b of this.batches) {
      if (b.maxTimestamp < ts || isControl(b)) continue;
      const records = readRecords(b);
      // A codec the broker cannot inflate: the batch's first offset (never skips a record).
      if (records === null) return { offset: b.baseOffset, timestamp: b.maxTimestamp };
      const r = records.find((x) => x.timestamp >= ts);
      if (r) return { offset: r.offset, timestamp: r.timestamp };
    }
    return null;
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}
