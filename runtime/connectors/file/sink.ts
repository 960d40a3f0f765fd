/**
 * The `file` sink: JSON lines or CSV into one file. With checkpoints it is exactly-once: a
 * committed row is in the file once, an uncommitted one never.
 *
 * Commit protocol per query and micro-batch, as the engine drives it (docs/checkpoints.md):
 * 1. `commit(batch)` (pre-commit): the batch's encoded rows go to the hidden staging file
 *    `.<file>.<query>.pending` (a header line `{q, b, bytes, crc}`, then the rows). Uncommitted
 *    output lives only there; file sources never read hidden files.
 * 2. The engine writes the batch's commit marker to the checkpoint log: the batch is committed.
 * 3. `publish(batch)`: the rows are appended to the target and an entry `{q, b, from, size}`
 *    (checksummed line) is appended to the hidden manifest `.<file>.manifest`.
 * On restart (`open(recovery)`), with the last committed batch per query from the checkpoint:
 * manifest entries of batches that never committed (possible only after a machine crash lost
 * the log's tail) are rolled back; bytes after the last manifest entry (an append cut short) are
 * truncated; a staged batch that committed but was not published is published from its staging
 * file; later staging files are deleted. Batches the engine replays from the log are skipped up
 * to the last published one per query, so a replayed batch never duplicates committed rows.
 * `sync()` (at every state checkpoint) fsyncs the file and the manifest and trims the manifest.
 *
 * Without checkpoints each commit appends straight to the file, and every run starts it empty.
 * COMPLETE mode rewrites the whole file per batch (hidden `.<file>.<query>.next`, renamed over
 * the file). The file holds result rows only, so `-D` retractions (merged sessions in CHANGES
 * mode) are not written; use a memory or Kafka sink to observe them.
 */
import { closeSync, fsyncSync, ftruncateSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Json, RowKind } from '../../types.ts';
import { fault } from '../../checkpoint/faults.ts';
import {
  CheckpointError,
  atomicTempPath,
  crcHex,
  describeIoError,
  encodeRecord,
  mkdirFailure,
  parseLog,
  writeAtomic,
  writeAtomicSync,
} from '../../checkpoint/files.ts';
import {
  changelogJsonLineEncoder,
  csvHeader,
  csvLineEncoder,
  csvOptions,
  jsonLineWriter,
  jsonWriteOptions,
  LineBuffer,
} from '../../formats/encode.ts';
import type { BatchSinkWriter, SinkConnector, SinkContext, SinkRecovery, WriterOptions } from '../types.ts';
import type { FileConfig } from './options.ts';

/** One published batch: bytes [from, size) of the file (COMPLETE: the whole file). */
interface Entry {
  readonly q: string;
  readonly b: number;
  readonly from: number;
  readonly size: number;
  readonly replace?: true;
}

/** Manifest entries beyond this are trimmed at the next `sync` (the committed prefix goes). */
const MANIFEST_TRIM = 4096;

function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

class FileSink implements SinkConnector {
  readonly guarantee = 'exactly-once' as const;
  readonly path: string;
  private readonly dir: string;
  private readonly base: string;
  /** Writes a row's line (with its newline) into the batch's buffer. */
  readonly encode: (row: Record<string, unknown>, kind: RowKind, out: LineBuffer) => void;
  /** changelog-json: retractions are written (with their kind) rather than left out. */
  readonly writesRetractions: boolean;
  private readonly header: string;
  private readonly manifestPath: string;
  private readonly checkpointing: boolean;
  /** Queries writing here (known from `writer()` before `open`). */
  private readonly queries = new Set<string>();
  /** Last published batch per query. */
  private readonly published = new Map<string, number>();
  /** File size after the last published batch per query (its `checkpointMark`). */
  private readonly ends = new Map<string, number>();
  /** Last staged batch per query (staging files to remove at close). */
  private readonly staged = new Map<string, number>();
  /** Open staging file per query (`.<file>.<query>.pending`). */
  private readonly pendingFds = new Map<string, number>();
  private entries: Entry[] = [];
  private fd = -1;
  private mfd = -1;
  private size = 0;

  constructor(private readonly ctx: SinkContext<FileConfig>) {
    const path = ctx.config.path;
    if (!path) throw new Error(`file sink "${ctx.name}" needs a 'path' option`);
    this.path = path;
    this.dir = dirname(path);
    this.base = basename(path);
    this.manifestPath = join(this.dir, `.${this.base}.manifest`);
    this.checkpointing = ctx.checkpointing;
    this.writesRetractions = ctx.format === 'changelog-json';
    if (ctx.format === 'csv') {
      const o = csvOptions(ctx.options);
      const line = csvLineEncoder(ctx.schema, o);
      this.encode = (row, _kind, out) => out.line(line(row));
      this.header = o.header ? csvHeader(ctx.schema, o) + '\n' : '';
    } else if (ctx.format === 'changelog-json') {
      const opField = ctx.options['changelog-json.op-field'] ?? 'op';
      const line = changelogJsonLineEncoder(ctx.schema, opField, jsonWriteOptions(ctx.options));
      this.encode = (row, kind, out) => out.line(line(row, kind));
      this.header = '';
    } else {
      const write = jsonLineWriter(ctx.schema, jsonWriteOptions(ctx.options));
      this.encode = (row, _kind, out) => write(row, out);
      this.header = '';
    }
  }

  private pendingPath(query: string): string {
    return join(this.dir, `.${this.base}.${query.replace(/[^A-Za-z0-9_.-]/g, '_')}.pending`);
  }

  private nextPath(query: string): string {
    return join(this.dir, `.${this.base}.${query.replace(/[^A-Za-z0-9_.-]/g, '_')}.next`);
  }

  private fail(what: string, e: unknown): never {
    if (e instanceof CheckpointError) throw e;
    throw new Error(
      `${what} ${this.path}: ${(e as NodeJS.ErrnoException).code ? `${describe(e)}` : (e as Error).message}`,
      { cause: e },
    );
  }

  /** The output cannot be created: why (a directory at the path, a read-only or denied folder) and what to do. */
  private unwritable(e: unknown): Error {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'EISDIR'
        ? 'the path is a directory; a file sink writes one file'
        : `${describeIoError(e)}${err.path && err.path !== this.path ? ` (at ${err.path})` : ''}`;
    return Object.assign(new Error(`file sink "${this.ctx.name}": cannot write ${this.path}: ${why}`, { cause: e }), {
      hint:
        err.code === 'EISDIR'
          ? `give the sink the path of a file, e.g. '${join(this.path, `${this.ctx.name}.jsonl`)}'`
          : 'choose a writable path for the sink',
    });
  }

  async open(recovery?: SinkRecovery | null): Promise<void> {
    const resume = recovery !== undefined && recovery !== null && (await exists(this.manifestPath));
    if (recovery && !resume) this.checkMarks(recovery, null);
    try {
      await mkdir(this.dir, { recursive: true });
    } catch (e) {
      throw this.unwritable(await mkdirFailure(this.dir, e));
    }
    if (resume) await this.recover(recovery);
    else {
      await this.removeHidden();
      try {
        await writeFile(this.path, this.header);
      } catch (e) {
        throw this.unwritable(e);
      }
      this.size = Buffer.byteLength(this.header);
      if (this.checkpointing) await writeFile(this.manifestPath, '');
    }
    this.fd = openSync(this.path, 'a');
    if (this.checkpointing) this.mfd = openSync(this.manifestPath, 'a');
  }

  /** The last batch of `query` published here and the file size after it (in its state file). */
  checkpointMark(query: string): Json {
    const b = this.published.get(query);
    return b === undefined ? null : { b, bytes: this.ends.get(query) ?? 0 };
  }

  /**
   * The checkpoint's state files rely on the output their marks name: the manifest (null: there
   * is none) must still record it. Resuming without it would replay only the batches after the
   * state and silently drop what was published before; a restart without any state replays
   * everything, so nothing is lost there.
   */
  private checkMarks(recovery: SinkRecovery, entries: readonly Entry[] | null): void {
    for (const [q, marks] of recovery.marks) {
      const m = marks[this.ctx.name] as { b: number; bytes: number } | null | undefined;
      if (m === null || m === undefined || m.b < 0) continue;
      let recorded = -1;
      for (const e of entries ?? []) if (e.q === q && e.b > recorded) recorded = e.b;
      if (recorded >= m.b) continue;
      const manifest =
        entries === null
          ? `its manifest ${this.manifestPath} is missing`
          : recorded < 0
            ? `its manifest ${this.manifestPath} records no output of query "${q}"`
            : `its manifest ${this.manifestPath} records output of query "${q}" only up to batch ${recorded}`;
      throw this.lost(
        `cannot be resumed: ${manifest}, but the checkpoint in ${recovery.dir} holds that query's output up to batch ${m.b} (${m.bytes} bytes): the output or its manifest was deleted, emptied or truncated outside sqc`,
        recovery,
      );
    }
  }

  /** Committed output is gone: refuse, saying how to get going again. */
  private lost(reason: string, recovery: SinkRecovery): CheckpointError {
    return new CheckpointError(
      this.path,
      reason,
      `restore ${this.path} and ${this.manifestPath} as they were; or delete ${recovery.dir} and ${this.path} to start over (the output is then written anew from all the input)`,
      { subject: `file sink "${this.ctx.name}": output file` },
    );
  }

  /** Staging and temp files this sink left (a fresh run starts clean). */
  private async removeHidden(): Promise<void> {
    const prefix = `.${this.base}.`;
    for (const f of await readdir(this.dir)) {
      if (f.startsWith(prefix) && (f.endsWith('.pending') || f.endsWith('.next') || f.endsWith('.tmp')))
        await rm(join(this.dir, f), { force: true });
    }
    await rm(this.manifestPath, { force: true });
    await rm(atomicTempPath(this.manifestPath), { force: true });
  }

  private async recover(recovery: SinkRecovery): Promise<void> {
    const committed = recovery.committed;
    const hint = `restore ${this.path} and ${this.manifestPath} as they were; or delete ${recovery.dir} and ${this.path} to start over (the output is then written anew from all the input)`;
    // a manifest rewrite (trim, rollback) the process died in: the manifest itself is intact
    await rm(atomicTempPath(this.manifestPath), { force: true });
    const parsed = parseLog(this.manifestPath, await readFile(this.manifestPath), hint);
    let entries: Entry[] = parsed.records.map((r) => JSON.parse(r) as Entry);
    this.checkMarks(recovery, entries);
    let data: Buffer | null = null;
    let actual: number;
    try {
      actual = (await stat(this.path)).size;
    } catch {
      if (entries.length > 0) {
        const last = entries[entries.length - 1]!;
        throw this.lost(
          `is missing, but its manifest ${this.manifestPath} records output up to batch ${last.b} of query "${last.q}" (${last.size} bytes)`,
          recovery,
        );
      }
      await writeFile(this.path, this.header);
      actual = Buffer.byteLength(this.header);
    }
    const done = (e: Entry) => e.b <= (committed.get(e.q) ?? -1);
    // 1. roll back batches whose commit marker was lost (a machine crash, not a process crash)
    const cut = entries.findIndex((e) => !done(e));
    if (cut >= 0) {
      const keep = entries.slice(cut).filter(done);
      const from = entries[cut]!.from;
      data = await readFile(this.path);
      const rewritten: Entry[] = [];
      let pos = from;
      const chunks: Buffer[] = [];
      for (const e of keep) {
        if (e.replace) continue;
        if (e.size > data.length) {
          throw new CheckpointError(
            this.path,
            `is shorter (${data.length} bytes) than its committed output (${e.size} bytes)`,
            hint,
            {
              subject: `file sink "${this.ctx.name}": output file`,
            },
          );
        }
        chunks.push(data.subarray(e.from, e.size));
        rewritten.push({ q: e.q, b: e.b, from: pos, size: pos + (e.size - e.from) });
        pos += e.size - e.from;
      }
      if (!entries.slice(cut).some((e) => e.replace)) {
        await truncate(this.path, from);
        if (chunks.length > 0) await writeFile(this.path, Buffer.concat(chunks), { flag: 'a' });
        actual = pos;
      }
      entries = [...entries.slice(0, cut), ...rewritten];
      await writeAtomic(this.manifestPath, Buffer.from(entries.map((e) => encodeRecord(JSON.stringify(e))).join('')));
    } else if (parsed.tornTail !== null) {
      await truncate(this.manifestPath, parsed.validBytes);
    }
    // 2. an append cut short: bytes after the last published batch belong to no batch
    const last = entries.length > 0 ? entries[entries.length - 1]! : null;
    const end = last === null ? Buffer.byteLength(this.header) : last.size;
    if (last === null || !last.replace) {
      if (actual > end) await truncate(this.path, end);
      else if (actual < end) {
        throw new CheckpointError(
          this.path,
          `is shorter (${actual} bytes) than its committed output (${end} bytes): it was truncated or changed outside sqc`,
          hint,
          {
            subject: `file sink "${this.ctx.name}": output file`,
          },
        );
      }
      this.size = end;
    } else {
      this.size = actual;
    }
    this.entries = entries;
    for (const e of entries) {
      if (e.b < (this.published.get(e.q) ?? -1)) continue;
      this.published.set(e.q, e.b);
      this.ends.set(e.q, e.size);
    }
    // 3. staged batches: publish the committed ones, drop the rest
    const prefix = `.${this.base}.`;
    const pendings: { path: string; q: string; b: number; text: Buffer }[] = [];
    for (const f of await readdir(this.dir)) {
      if (!f.startsWith(prefix)) continue;
      const p = join(this.dir, f);
      if (f.endsWith('.next') || f.endsWith('.tmp')) await rm(p, { force: true });
      if (!f.endsWith('.pending')) continue;
      const staged = parsePending(await readFile(p));
      if (
        staged !== null &&
        staged.b <= (committed.get(staged.q) ?? -1) &&
        staged.b > (this.published.get(staged.q) ?? -1)
      ) {
        pendings.push({ path: p, ...staged });
      } else await rm(p, { force: true });
    }
    if (pendings.length > 0) {
      this.fd = openSync(this.path, 'a');
      this.mfd = openSync(this.manifestPath, 'a');
      for (const s of pendings.sort((a, b) => a.b - b.b)) {
        this.appendPublished(s.q, s.b, s.text);
        await rm(s.path, { force: true });
      }
      closeSync(this.fd);
      closeSync(this.mfd);
    }
  }

  writer(o: WriterOptions): BatchSinkWriter {
    this.queries.add(o.query);
    return new FileWriter(this, o);
  }

  /**
   * Pre-commit: makes batch `batchId`'s rows durable in hidden files (checkpointing) or, without
   * checkpoints, writes them at once. Returns false when the batch was published before.
   */
  stage(query: string, batchId: number, text: Buffer, replace: boolean): boolean {
    if (!this.checkpointing) {
      this.publish(query, batchId, text, replace);
      return false;
    }
    if (batchId <= (this.published.get(query) ?? -1)) return false;
    try {
      fault('sink.write');
      const body = replace ? this.withHeader(text) : text;
      if (replace) {
        const fd = openSync(this.nextPath(query), 'w');
        try {
          writeAll(fd, body);
        } finally {
          closeSync(fd);
        }
      } else {
        const head = Buffer.from(
          JSON.stringify({ q: query, b: batchId, bytes: body.length, crc: crcHex(body) }) + '\n',
          'utf8',
        );
        // One open staging file per query, overwritten in place: re-creating it each batch
        // (O_TRUNC on a file with unflushed data) makes ext4 flush it on close, ~1-2 ms a batch.
        // A crash mid-overwrite leaves a length or CRC mismatch, which recovery discards; the
        // batch had no commit marker yet.
        let fd = this.pendingFds.get(query);
        if (fd === undefined) {
          fd = openSync(this.pendingPath(query), 'w');
          this.pendingFds.set(query, fd);
        }
        const data = Buffer.concat([head, body]);
        let off = 0;
        while (off < data.length) off += writeSync(fd, data, off, data.length - off, off);
        ftruncateSync(fd, data.length);
      }
      fault('sink.staged');
    } catch (e) {
      this.fail('staging a batch for', e);
    }
    this.staged.set(query, batchId);
    return true;
  }

  /** After the batch's commit marker: makes the staged rows visible in the file. */
  publish(query: string, batchId: number, text: Buffer, replace: boolean): void {
    if (batchId <= (this.published.get(query) ?? -1)) return;
    try {
      if (!this.checkpointing) fault('sink.write');
      if (replace) {
        const body = this.withHeader(text);
        const next = this.nextPath(query);
        if (!this.checkpointing) writeFileSync(next, body); // with checkpoints it was staged
        renameSync(next, this.path);
        closeSync(this.fd);
        this.fd = openSync(this.path, 'a');
        this.size = body.length;
        this.record({ q: query, b: batchId, from: 0, size: this.size, replace: true });
      } else {
        this.appendPublished(query, batchId, text);
      }
    } catch (e) {
      this.fail('writing', e);
    }
  }

  /** A whole file's content (COMPLETE mode): the CSV header, if any, then the rows. */
  private withHeader(rows: Buffer): Buffer {
    return this.header === '' ? rows : Buffer.concat([Buffer.from(this.header, 'utf8'), rows]);
  }

  private appendPublished(query: string, batchId: number, body: Buffer): void {
    const from = this.size;
    writeAll(this.fd, body);
    this.size += body.length;
    fault('sink.published');
    this.record({ q: query, b: batchId, from, size: this.size });
  }

  private record(e: Entry): void {
    this.published.set(e.q, e.b);
    this.ends.set(e.q, e.size);
    if (!this.checkpointing) return;
    writeAll(this.mfd, Buffer.from(encodeRecord(JSON.stringify(e)), 'utf8'));
    this.entries.push(e);
  }

  /**
   * A state checkpoint is being written: the output so far must be durable first. `durable` is,
   * per query, the batch of its last state snapshot: manifest entries before the first one a
   * restart could still roll back are trimmed.
   */
  async sync(durable: ReadonlyMap<string, number>): Promise<void> {
    if (!this.checkpointing) return;
    try {
      fsyncSync(this.fd);
      if (this.entries.length > MANIFEST_TRIM) {
        const first = this.entries.findIndex((e) => e.b > (durable.get(e.q) ?? -1));
        const from = first < 0 ? this.entries.length - 1 : first;
        if (from > 0) {
          const lastOf = new Map<string, Entry>();
          for (const e of this.entries.slice(0, from)) lastOf.set(e.q, e);
          const kept = [...[...lastOf.values()].sort((a, b) => a.size - b.size), ...this.entries.slice(from)];
          // synchronously: another query writing to this sink must not append an entry to the
          // old manifest (or to `entries`) while the trimmed one replaces it
          writeAtomicSync(this.manifestPath, Buffer.from(kept.map((e) => encodeRecord(JSON.stringify(e))).join('')));
          closeSync(this.mfd);
          this.mfd = openSync(this.manifestPath, 'a');
          this.entries = kept;
          return;
        }
      }
      fsyncSync(this.mfd);
    } catch (e) {
      this.fail('syncing', e);
    }
  }

  async close(): Promise<void> {
    for (const fd of this.pendingFds.values()) closeSync(fd);
    this.pendingFds.clear();
    if (this.fd >= 0) closeSync(this.fd);
    if (this.mfd >= 0) closeSync(this.mfd);
    this.fd = -1;
    this.mfd = -1;
    // staging files of published batches are done with; others stay for the restart
    for (const [q, b] of this.staged) {
      if (b <= (this.published.get(q) ?? -1)) {
        await rm(this.pendingPath(q), { force: true });
        await rm(this.nextPath(q), { force: true });
      }
    }
  }
}

function describe(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
  };
  return code && reasons[code] ? `${reasons[code]} (${code})` : (e as Error).message;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** A staging file: `{q, b, bytes, crc}` line, then exactly `bytes` bytes with that CRC; else null. */
function parsePending(buf: Buffer): { q: string; b: number; text: Buffer } | null {
  const nl = buf.indexOf(10);
  if (nl < 0) return null;
  try {
    const h = JSON.parse(buf.subarray(0, nl).toString('utf8')) as { q: string; b: number; bytes: number; crc: string };
    const body = buf.subarray(nl + 1);
    if (body.length !== h.bytes || crcHex(body) !== h.crc) return null;
    return { q: h.q, b: h.b, text: body };
  } catch {
    return null;
  }
}

class FileWriter implements BatchSinkWriter {
  /** The batch's encoded rows so far. */
  private readonly lines = new LineBuffer();
  private rows = 0;
  private staged: { batch: number; text: Buffer } | null = null;
  private readonly complete: boolean;
  constructor(
    private readonly sink: FileSink,
    private readonly o: WriterOptions,
  ) {
    this.complete = o.emit === 'complete';
  }
  write(row: unknown, kind: RowKind = '+I'): void {
    if (kind === '-D' && !this.sink.writesRetractions) return;
    this.sink.encode(row as Record<string, unknown>, kind, this.lines);
    this.rows++;
  }
  pendingRows(): number {
    return this.rows;
  }
  async commit(batchId: number): Promise<void> {
    this.staged = null;
    if (this.rows === 0 && !this.complete) return;
    const text = this.lines.take();
    this.rows = 0;
    if (this.sink.stage(this.o.query, batchId, text, this.complete)) this.staged = { batch: batchId, text };
  }
  async publish(batchId: number): Promise<void> {
    const s = this.staged;
    this.staged = null;
    if (s !== null && s.batch === batchId) this.sink.publish(this.o.query, batchId, s.text, this.complete);
  }
}

export function fileSink(ctx: SinkContext<FileConfig>): SinkConnector {
  return new FileSink(ctx);
}
