/**
 * The `file` source: JSON lines, CSV or raw lines from a file, a directory or a glob.
 *
 * Reading is chunked (1 MiB `read`s, split on newlines; `readline` is several times slower; a
 * line longer than a chunk is carried over until its newline): each poll returns up to
 * `scan.batch-size` records, a batch may span files (but not files with different CSV headers).
 * A UTF-8 byte order mark at the start of a file is skipped. Blank lines are skipped; with
 * `csv.header` (default true) each file's first record is its header; `csv.allow-comments` skips
 * `#` lines; a CSV record whose quoted field holds line breaks spans lines (RFC 4180). With
 * `source.monitor-interval` the path is rescanned for new files (files are read once, when
 * first found; appends to a file already read are not seen) and the source is unbounded.
 *
 * Offsets: `{ done: [files read to the end, in the order read], file, byte, line }` — `file` is
 * the file being read (null between files), `byte` the offset of its next unread record, `line`
 * the number of lines before it. Every poll ends at a canonical position: past the blank lines,
 * comments and record-less files after its last record, but before any record it did not hand
 * out; a file is named only once a record of it was handed out. So a position is exact whatever
 * the chunk, line and batch sizes, and a batch replayed from the same start ends at the same
 * offsets. `replayTo(end)` makes the polls of a replayed batch read the files in the order the
 * logged offsets `end` name them (a watched directory may list files in another order now).
 */
import { isAscii } from 'node:buffer';
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { Json, RecordContext } from '../../types.ts';
import { csvOptions, csvRecordOpen, splitCsvLine, type CsvOptions } from '../../formats/csv.ts';
import { listFiles } from './list-files.ts';
import type { RecordBatch, SourceConnector, SourceContext } from '../types.ts';
import type { FileConfig } from './options.ts';

const CHUNK = 1 << 20;
const NO_BYTES = Buffer.alloc(0);
/**
 * A chunk is decoded in pieces of about this many bytes (cut at newlines): strings of this size
 * are ordinary heap objects, where a 1 MiB string is a large object (mapped, page-faulted and
 * unmapped per chunk); measured on 230 MB of JSON lines, decoding and splitting took ~0.35 s of
 * CPU in pieces vs ~0.7 s in whole chunks.
 */
const PIECE = 32 << 10;
/** Reused read buffers hold a chunk and a carried line of up to this many bytes. */
const POOLED = CHUNK + (64 << 10);

/** A JSON-lines batch's arrays are allocated for up to this many records at once (then grow). */
const PREALLOCATED = 1 << 16;

/** A chunk read after the carried bytes: `buf` holds the carry, then `bytesRead` new bytes. */
type Read = { buf: Buffer; bytesRead: number } | Error;

/** The saved position of a file source (see the header). */
interface FileOffsets {
  done: string[];
  file: string | null;
  byte: number;
  line: number;
}

/**
 * UTF-8 bytes as text. ASCII chunks (the common case) go through the one-byte latin1 decoder,
 * which gives the same string ~10x faster than Node 20's UTF-8 decoding (measured on JSON lines:
 * ~20 ms vs ~1-2 ms per MiB); `isAscii` itself is a vectorised scan.
 */
function text(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/**
 * Appends the lines of `bytes` (split on newlines; the last one ends at the end of `bytes`) to
 * `into`, decoding `PIECE`-sized runs of whole lines at a time (a newline never lies inside a
 * UTF-8 sequence, so the text is the same as decoding all of `bytes` at once).
 */
function splitLines(bytes: Buffer, into: string[]): void {
  const n = bytes.length;
  for (let a = 0; ;) {
    let b = n;
    if (n - a > PIECE) {
      b = bytes.lastIndexOf(10, a + PIECE);
      if (b < a) {
        b = bytes.indexOf(10, a + PIECE);
        if (b < 0) b = n;
      }
    }
    const lines = text(bytes.subarray(a, b)).split('\n');
    for (let i = 0; i < lines.length; i++) into.push(lines[i]!);
    if (b >= n) return;
    a = b + 1;
  }
}

/**
 * Reads one file as lines, knowing the byte offset of the next unread one. As text (`lines`), or
 * in bytes mode (JSON lines) as byte ranges of the loaded chunk: `cursor` is where the next line
 * starts in `bytes`, no string is made.
 */
class LineReader {
  /** Complete lines of the loaded chunk (CR kept) and the next one to hand out (text mode). */
  lines: string[] = [];
  idx = 0;
  /** Number of the last line taken (1-based). */
  lineNo = 0;
  /** The loaded chunk's bytes (its lines and their newlines) and their offset in the file. */
  bytes: Buffer = NO_BYTES;
  /** Bytes mode: the start in `bytes` of the next line to hand out. */
  cursor = 0;
  /**
   * Bytes mode: read buffers that batches handed out still point into (by their memory), with
   * the number of such batches; they are not reused for reading until every one was released.
   */
  private readonly lent = new Map<ArrayBufferLike, number>();
  private chunkStart = 0;
  /** Line `markIdx` of the chunk starts at byte `markByte` (advanced lazily by `offset()`). */
  private markIdx = 0;
  private markByte = 0;
  /** The next byte to read, and the bytes before it that end in no newline yet. */
  private pos = 0;
  private carry: Buffer | null = null;
  private eof = false;
  /** The reused read buffers (see `buffer`). */
  private readonly pool: Buffer[] = [];
  /**
   * Read-ahead: the read of the chunk at `pos`, issued as soon as the previous chunk was split,
   * so the disk read overlaps the processing of that chunk (measured: ~250 ms of 780 ms for
   * 120 MB were spent waiting on reads without it).
   */
  private ahead: { readonly pos: number; readonly carry: Buffer | null; readonly read: Promise<Read> } | null = null;

  constructor(
    private readonly fh: FileHandle,
    readonly bytesMode: boolean,
  ) {}

  /** A line of the loaded chunk is left to hand out. */
  hasLine(): boolean {
    return this.bytesMode ? this.cursor < this.bytes.length : this.idx < this.lines.length;
  }

  /** Bytes mode: the next line is empty (or a lone CR). */
  blankNext(): boolean {
    const b = this.bytes;
    const c = this.cursor;
    return b[c] === 10 || (b[c] === 13 && (c + 1 === b.length || b[c + 1] === 10)) || c === b.length;
  }

  /** Bytes mode: passes the next line. */
  skipLine(): void {
    const nl = this.bytes.indexOf(10, this.cursor);
    this.cursor = nl < 0 ? this.bytes.length : nl + 1;
    this.lineNo++;
  }

  /** Bytes mode: a batch points into `buf` until it calls `release(buf)`. */
  lend(buf: Buffer): void {
    this.lent.set(buf.buffer, (this.lent.get(buf.buffer) ?? 0) + 1);
  }

  release(buf: Buffer): void {
    const n = this.lent.get(buf.buffer) ?? 0;
    if (n <= 1) this.lent.delete(buf.buffer);
    else this.lent.set(buf.buffer, n - 1);
  }

  /** Loads the next chunk's lines; false at end of file. */
  async fill(): Promise<boolean> {
    for (;;) {
      if (this.eof) return false;
      const carry = this.carry;
      const ahead = this.ahead;
      const pending =
        ahead !== null && ahead.pos === this.pos && ahead.carry === carry ? ahead.read : this.readAt(this.pos, carry);
      this.ahead = null;
      const result = await pending;
      if (result instanceof Error) throw result;
      const { buf, bytesRead } = result;
      const carryLen = carry === null ? 0 : carry.length;
      const start = this.pos - carryLen;
      this.pos += bytesRead;
      this.lines = [];
      this.idx = 0;
      this.cursor = 0;
      if (bytesRead === 0) {
        this.eof = true;
        this.carry = null;
        if (carry === null) {
          this.setChunk(start, NO_BYTES);
          return false;
        }
        this.setChunk(start, carry); // the last line, without a newline
        if (!this.bytesMode) this.lines = [text(carry)];
        return true;
      }
      // the carry, then what was just read; only the latter can hold a newline
      let data = buf.subarray(0, carryLen + bytesRead);
      const last = data.lastIndexOf(10);
      const nl = last < carryLen ? -1 : last - carryLen;
      let from = start;
      if (from === 0 && data.length >= 3 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) {
        data = data.subarray(3); // a UTF-8 byte order mark is not data
        from = 3;
      }
      if (nl < 0) {
        this.carry = data;
        continue;
      }
      const end = nl + carryLen - (from - start) + 1;
      this.setChunk(from, data.subarray(0, end));
      if (!this.bytesMode) splitLines(data.subarray(0, end - 1), this.lines);
      this.carry = end < data.length ? data.subarray(end) : null;
      this.ahead = { pos: this.pos, carry: this.carry, read: this.readAt(this.pos, this.carry) };
      return true;
    }
  }

  private setChunk(start: number, bytes: Buffer): void {
    this.chunkStart = start;
    this.bytes = bytes;
    this.markIdx = 0;
    this.markByte = start;
  }

  /**
   * One positional chunk read into a buffer that starts with `carry` (the unfinished line before
   * `pos`, copied once: no concatenation of whole chunks); errors are returned, not thrown, so
   * an unused read-ahead never rejects unhandled.
   */
  private readAt(pos: number, carry: Buffer | null): Promise<Read> {
    const carryLen = carry === null ? 0 : carry.length;
    const buf = this.buffer(carryLen + CHUNK, carry);
    if (carry !== null) carry.copy(buf, 0);
    return this.fh.read(buf, carryLen, CHUNK, pos).then(
      ({ bytesRead }) => ({ buf, bytesRead }),
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
  }

  /**
   * A buffer of at least `size` bytes for the next read: one of two reused ones (a fresh buffer
   * per 1 MiB read costs page faults and GC work), never the one holding the loaded chunk or
   * `carry`; a larger one when a long line is carried.
   */
  private buffer(size: number, carry: Buffer | null): Buffer {
    if (size > POOLED) return Buffer.allocUnsafeSlow(size);
    const busy = (b: Buffer) =>
      b.buffer === this.bytes.buffer || (carry !== null && b.buffer === carry.buffer) || this.lent.has(b.buffer);
    for (const b of this.pool) if (!busy(b)) return b;
    const b = Buffer.allocUnsafeSlow(POOLED);
    // bytes mode: the chunk being read and the one a batch still holds may both be in use
    if (this.pool.length < (this.bytesMode ? 4 : 2)) this.pool.push(b);
    return b;
  }

  /** The byte offset of the next unread line (of the file's end when all were read). */
  offset(): number {
    if (this.bytesMode) return this.chunkStart + this.cursor;
    const bytes = this.bytes;
    while (this.markIdx < this.idx) {
      const nl = bytes.indexOf(10, this.markByte - this.chunkStart);
      this.markByte = this.chunkStart + (nl < 0 ? bytes.length : nl + 1);
      this.markIdx++;
    }
    return this.markByte;
  }

  /** Resumes at `byte` (a line start), `line` lines having been read before it. */
  async seek(byte: number, line: number): Promise<void> {
    if (this.ahead) await this.ahead.read;
    this.pos = byte;
    this.carry = null;
    this.eof = false;
    this.ahead = null;
    this.lines = [];
    this.idx = 0;
    this.cursor = 0;
    this.setChunk(byte, NO_BYTES);
    this.lineNo = line;
  }

  /** The next line of the loaded chunk, CR kept (call only when `idx < lines.length`). */
  take(): string {
    this.lineNo++;
    return this.lines[this.idx++]!;
  }

  /** The next line (CR kept), or null at end of file. */
  async next(): Promise<string | null> {
    while (this.idx >= this.lines.length) if (!(await this.fill())) return null;
    return this.take();
  }

  async close(): Promise<void> {
    // Let an in-flight read-ahead finish before the handle goes away.
    if (this.ahead) await this.ahead.read;
    this.ahead = null;
    return this.fh.close();
  }
}

/** An error with what to do (`hint`, shown by the engine). */
function withHint(message: string, hint: string): Error {
  return Object.assign(new Error(message), { hint });
}

function stripCr(line: string): string {
  return line.length > 0 && line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}

class OpenFile {
  header: (string | null)[] | null = null;
  /** A record of this file was handed out (the offsets name it). */
  started = false;
  constructor(
    readonly path: string,
    readonly reader: LineReader,
  ) {}
}

class FileBatch implements RecordBatch {
  readonly kind: 'text' | 'bytes' = 'text';
  constructor(
    readonly values: string[] | number[],
    private readonly lines: number[],
    /** [index of the first record, file] per file in the batch. */
    private readonly files: [number, string][],
    readonly header: (string | null)[] | null,
  ) {}
  locate(i: number, ctx: RecordContext): void {
    let f = this.files.length - 1;
    while (f > 0 && this.files[f]![0] > i) f--;
    ctx.file = this.files[f]![1];
    ctx.line = this.lines[i]!;
  }
}

/** JSON lines as bytes: record i is bytes [values[i], ends[i]) of buffers[i], a chunk its reader lent. */
class BytesBatch extends FileBatch {
  override readonly kind = 'bytes';
  constructor(
    values: number[],
    readonly ends: number[],
    readonly buffers: Buffer[],
    lines: number[],
    files: [number, string][],
    /** The chunks the records are in, each with the reader that lent it. */
    private readonly lent: [LineReader, Buffer][],
  ) {
    super(values, lines, files, null);
  }
  release(): void {
    for (const [reader, buf] of this.lent) reader.release(buf);
    this.lent.length = 0;
  }
}

function sameHeader(a: readonly (string | null)[] | null, b: readonly (string | null)[] | null): boolean {
  return a === b || (a !== null && b !== null && a.length === b.length && a.every((x, i) => x === b[i]));
}

class FileSource implements SourceConnector {
  private readonly path: string;
  private readonly csv: CsvOptions | null;
  /** The quote character when CSV records may span lines, else null. */
  private readonly quote: string | null;
  private readonly comments: boolean;
  /** JSON lines are handed out as bytes (`BytesBatch`), not strings. */
  private readonly bytesMode: boolean;
  private readonly monitorMs: number | null;
  private readonly unending: boolean;
  /** Files found and not yet opened, in the order found (sorted per scan). */
  private queue: string[] = [];
  private readonly seen = new Set<string>();
  private readonly done: string[] = [];
  private cur: OpenFile | null = null;
  /**
   * While a logged batch is replayed (`replayTo`): its logged end offsets (JSON) until the
   * position reaches them, and the files it read that are not open yet.
   */
  private replayEnd: string | null = null;
  private readonly planned = new Set<string>();
  private nextScan = 0;

  constructor(private readonly ctx: SourceContext<FileConfig>) {
    const path = ctx.config.path;
    if (!path) throw new Error(`file source "${ctx.name}" needs a 'path' option`);
    this.path = path;
    this.csv = ctx.format === 'csv' ? csvOptions(ctx.options) : null;
    this.quote = this.csv?.quote ?? null;
    this.comments = this.csv?.allowComments ?? false;
    this.bytesMode = ctx.format === 'json';
    this.monitorMs = ctx.config.monitorIntervalMs;
    this.unending = this.monitorMs !== null && !ctx.availableNow;
  }

  async open(start: Json | null): Promise<void> {
    const s = start === null ? null : this.checkOffsets(start);
    for (const f of s?.done ?? []) {
      this.seen.add(f);
      this.done.push(f);
    }
    await this.scan();
    if (this.queue.length === 0 && this.done.length === 0 && this.monitorMs === null) {
      throw new Error(`file source "${this.ctx.name}": no file found at '${this.path}'`);
    }
    if (s !== null && s.file !== null) {
      let size: number;
      try {
        size = (await stat(s.file)).size;
      } catch (e) {
        throw this.changed(
          `'${s.file}', which the checkpoint resumes at byte ${s.byte}, cannot be read (${String(e)})`,
        );
      }
      if (size < s.byte) {
        throw this.changed(
          `'${s.file}' has ${size} bytes, fewer than the ${s.byte} the checkpoint resumes after: it changed since the checkpoint was written`,
        );
      }
      const f = await this.openFile(s.file);
      await f.reader.seek(s.byte, s.line);
      f.started = true;
    }
  }

  /** The offsets a checkpoint saved, checked; an older sqc's format is refused. */
  private checkOffsets(start: Json): FileOffsets {
    const s = start as Partial<FileOffsets> & { skip?: unknown };
    if ('skip' in s) {
      throw withHint(
        'the checkpoint holds file offsets in the format of an older sqc ({byte, skip}: a read chunk and lines into it), which this version cannot resume exactly',
        "start over: delete the checkpoint directory and the job's output, and run the job again",
      );
    }
    if (
      !Array.isArray(s.done) ||
      (s.file !== null && typeof s.file !== 'string') ||
      typeof s.byte !== 'number' ||
      typeof s.line !== 'number'
    ) {
      throw withHint(
        `the checkpoint's offsets for this source are not file offsets: ${JSON.stringify(start).slice(0, 200)}`,
        "start from a new checkpoint directory, or delete it and the job's output to start over",
      );
    }
    return s as FileOffsets;
  }

  private changed(what: string): Error {
    return withHint(
      what,
      "files read by a job must not be modified or removed: start from a new checkpoint directory, or delete it and the job's output to start over",
    );
  }

  private async scan(): Promise<void> {
    this.nextScan = this.monitorMs === null ? Infinity : Date.now() + this.monitorMs;
    for (const f of await listFiles(this.path)) {
      if (!this.seen.has(f)) {
        this.seen.add(f);
        this.queue.push(f);
      }
    }
  }

  /** The file to read after the current one. */
  private nextFile(): string | null {
    return this.queue.length > 0 ? this.queue[0]! : null;
  }

  private async openFile(path: string): Promise<OpenFile> {
    const q = this.queue.indexOf(path);
    if (q >= 0) this.queue.splice(q, 1);
    this.planned.delete(path);
    this.seen.add(path);
    const f = new OpenFile(path, new LineReader(await open(path, 'r'), this.bytesMode));
    this.cur = f;
    if (this.csv?.header) {
      const h = await this.nextRecord(f);
      f.header = h === null ? [] : splitCsvLine(h, this.csv);
    }
    return f;
  }

  private async finish(f: OpenFile): Promise<void> {
    await f.reader.close();
    this.cur = null;
    this.done.push(f.path);
  }

  /** Reads on after `first`, a line ending inside a quoted CSV field, to the record's end. */
  private async restOfRecord(f: OpenFile, first: string): Promise<string> {
    const parts = [first];
    for (;;) {
      const line = await f.reader.next();
      if (line === null) break; // unterminated: splitCsvLine reports it
      parts.push(line);
      if (!csvRecordOpen(line, this.csv!, true)) break;
    }
    return stripCr(parts.join('\n'));
  }

  /** The next record of `f` (blank lines and comments skipped), or null at its end. */
  private async nextRecord(f: OpenFile): Promise<string | null> {
    for (;;) {
      const raw = await f.reader.next();
      if (raw === null) return null;
      const line = stripCr(raw);
      if (line.length === 0 || (this.comments && line.charCodeAt(0) === 35)) continue;
      if (this.quote !== null && line.includes(this.quote) && csvRecordOpen(raw, this.csv!, false)) {
        return this.restOfRecord(f, raw);
      }
      return line;
    }
  }

  async poll(max: number): Promise<RecordBatch | null> {
    if (this.unending && Date.now() >= this.nextScan) await this.scan();
    if (this.bytesMode) return this.pollBytes(max);
    const values: string[] = [];
    const lines: number[] = [];
    const files: [number, string][] = [];
    let header: (string | null)[] | null = null;
    const comments = this.comments;
    const quote = this.quote;
    while (values.length < max) {
      let f = this.cur;
      if (f === null) {
        const next = this.nextFile();
        if (next === null) break;
        f = await this.openFile(next);
      }
      if (values.length > 0 && !sameHeader(header, f.header)) break;
      if (files.length === 0 || files[files.length - 1]![1] !== f.path) files.push([values.length, f.path]);
      header = f.header;
      const r = f.reader;
      if (r.idx >= r.lines.length && !(await r.fill())) {
        await this.finish(f);
        continue;
      }
      // the hot loop: hand out the chunk's lines
      let open: string | null = null;
      while (r.idx < r.lines.length && values.length < max) {
        const raw = r.take();
        const line = stripCr(raw);
        if (line.length === 0 || (comments && line.charCodeAt(0) === 35)) continue;
        f.started = true;
        if (quote !== null && line.includes(quote) && csvRecordOpen(raw, this.csv!, false)) {
          open = raw;
          break;
        }
        values.push(line);
        lines.push(r.lineNo);
      }
      if (open !== null) {
        const lineNo = r.lineNo;
        values.push(await this.restOfRecord(f, open));
        lines.push(lineNo);
      }
    }
    await this.settle();
    this.reached();
    if (values.length === 0) return null;
    return new FileBatch(values, lines, files, header);
  }

  /** `poll` for JSON lines: records as byte ranges of the chunks read (blank lines skipped). */
  private async pollBytes(max: number): Promise<RecordBatch | null> {
    // sized for the batch at once (grown by push, the arrays would be copied ~10 times each, and
    // at 1,000 records a batch be garbage of about three times their size)
    const cap = Math.min(max, PREALLOCATED);
    const starts = new Array<number>(cap);
    const ends = new Array<number>(cap);
    const buffers = new Array<Buffer>(cap);
    const lines = new Array<number>(cap);
    const files: [number, string][] = [];
    const lent: [LineReader, Buffer][] = [];
    let count = 0;
    while (count < max) {
      let f = this.cur;
      if (f === null) {
        const next = this.nextFile();
        if (next === null) break;
        f = await this.openFile(next);
      }
      if (files.length === 0 || files[files.length - 1]![1] !== f.path) files.push([count, f.path]);
      const r = f.reader;
      if (!r.hasLine() && !(await r.fill())) {
        await this.finish(f);
        continue;
      }
      // the hot loop: hand out the chunk's lines; the chunk is lent before anything else is read
      const bytes = r.bytes;
      r.lend(bytes);
      lent.push([r, bytes]);
      const n = bytes.length;
      const before = count;
      let cursor = r.cursor;
      let lineNo = r.lineNo;
      while (cursor < n && count < max) {
        const start = cursor;
        let nl = bytes.indexOf(10, start);
        if (nl < 0) nl = n;
        cursor = nl + 1;
        lineNo++;
        const end = nl > start && bytes[nl - 1] === 13 ? nl - 1 : nl;
        if (end === start) continue;
        starts[count] = start;
        ends[count] = end;
        buffers[count] = bytes;
        lines[count] = lineNo;
        count++;
      }
      r.cursor = Math.min(cursor, n);
      r.lineNo = lineNo;
      if (count > before) f.started = true;
    }
    await this.settle();
    this.reached();
    if (count === 0) {
      for (const [r, b] of lent) r.release(b);
      return null;
    }
    starts.length = count;
    ends.length = count;
    buffers.length = count;
    lines.length = count;
    return new BytesBatch(starts, ends, buffers, lines, files, lent);
  }

  /**
   * Moves past what is not a record after the last one handed out — blank lines, comments, the
   * end of the file, files without records (while replaying, only those the batch passed) — and
   * stops before the next record: the canonical position that `offsets()` reports.
   */
  private async settle(): Promise<void> {
    for (;;) {
      let f = this.cur;
      if (f === null) {
        const next = this.nextFile();
        if (next === null || (this.replayEnd !== null && !this.planned.has(next))) return;
        f = await this.openFile(next);
      }
      const r = f.reader;
      for (;;) {
        if (!r.hasLine() && !(await r.fill())) break;
        if (r.bytesMode) {
          if (!r.blankNext()) return;
          r.skipLine();
          continue;
        }
        const line = stripCr(r.lines[r.idx]!);
        if (line.length > 0 && !(this.comments && line.charCodeAt(0) === 35)) return;
        r.take();
      }
      await this.finish(f);
    }
  }

  isExhausted(): boolean {
    return !this.unending && this.cur === null && this.queue.length === 0;
  }

  async waitForData(ms: number): Promise<void> {
    const wait = Math.max(0, Math.min(ms, this.nextScan - Date.now()));
    await new Promise((r) => setTimeout(r, wait));
  }

  /**
   * A logged batch is replayed: the files it read come first, in the order it read them (a
   * watched directory may list them in another order now), and until the position reaches `end`
   * no other file is passed.
   */
  async replayTo(end: Json): Promise<void> {
    const e = this.checkOffsets(end);
    const done = new Set(this.done);
    const plan = e.done.filter((f) => !done.has(f) && f !== this.cur?.path);
    if (e.file !== null && e.file !== this.cur?.path && !done.has(e.file)) plan.push(e.file);
    const first = new Set(plan);
    this.queue = [...plan, ...this.queue.filter((f) => !first.has(f))];
    for (const f of plan) this.seen.add(f);
    this.planned.clear();
    for (const f of plan) this.planned.add(f);
    this.replayEnd = JSON.stringify(end);
    // a batch that read no record may still have passed files without records
    await this.settle();
    this.reached();
  }

  /** Ends the replay of a batch once the position is its logged end. */
  private reached(): void {
    if (this.replayEnd !== null && JSON.stringify(this.offsets()) === this.replayEnd) {
      this.replayEnd = null;
      this.planned.clear();
    }
  }

  offsets(): Json {
    const f = this.cur !== null && this.cur.started ? this.cur : null;
    const o: FileOffsets = {
      done: this.done.slice(),
      file: f?.path ?? null,
      byte: f?.reader.offset() ?? 0,
      line: f?.reader.lineNo ?? 0,
    };
    return o as unknown as Json;
  }

  async close(): Promise<void> {
    await this.cur?.reader.close();
    this.cur = null;
  }
}

export function fileSource(ctx: SourceContext<FileConfig>): SourceConnector {
  return new FileSource(ctx);
}
