/**
 * The checkpoint directory of a job (`SET 'checkpoint.dir'`):
 *
 *   <dir>/metadata                     job name, per query its plan fingerprint and state schema
 *   <dir>/.lock                        pid of the process running the job (stale locks are taken over)
 *   <dir>/<query>/log-<first>.log      per micro-batch: the write-ahead offsets record, then the
 *                                      commit marker; one segment per state snapshot
 *   <dir>/<query>/state-<batch>.ckpt   the query's state after <batch>: operator snapshots, the
 *                                      watermark, per input its offsets and watermark
 *
 * A restart restores the newest state file S, replays the batches S+1..C whose offsets and
 * commit markers are in the log (each exactly as it ran: the same records per input, the same
 * idle and end-of-input flags), re-runs batch C+1 if its offsets were logged but it never
 * committed, then goes on reading. The newest `checkpoint.retained` state files are kept, with
 * the log segments that follow them.
 */
import { closeSync, fdatasync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { mkdir, open, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Json, QuerySnapshot } from '../types.ts';
import { decodeState } from '../state/snapshot.ts';
import { compare, fingerprint, type QueryDescription } from './describe.ts';
import { fault } from './faults.ts';
import {
  CheckpointError,
  decodeFile,
  describeIoError,
  encodeFile,
  encodeRecord,
  isIoError,
  parseLog,
  writeAtomic,
  mkdirFailure,
} from './files.ts';

/** One input's part of a batch: how many records were polled, its idle/end flags, its offsets after. */
export interface InputRecord {
  readonly n: number;
  readonly idle: boolean;
  readonly exhausted: boolean;
  readonly end: Json;
}

/** The write-ahead record of one micro-batch: enough to run it again exactly. */
export interface BatchRecord {
  readonly batch: number;
  /** The end-of-input batch (watermark +infinity, `onEnd`). */
  readonly final: boolean;
  readonly inputs: readonly InputRecord[];
}

export interface CheckpointSettings {
  readonly dir: string;
  readonly job: string;
  /** `checkpoint.interval`: minimum time between state snapshots (0: after every batch). */
  readonly intervalMs: number;
  /** `checkpoint.retained`: state snapshots kept. */
  readonly retained: number;
  readonly notice: (message: string) => void;
}

/** A state snapshot that was written. */
export interface StateWritten {
  readonly batch: number;
  readonly bytes: number;
  readonly durationMs: number;
  /** Epoch ms. */
  readonly at: number;
}

const STATE_RE = /^state-(\d+)\.ckpt$/;
const LOG_RE = /^log-(\d+)\.log$/;

function dirName(query: string): string {
  return query.replace(/[^A-Za-z0-9_.-]/g, '_');
}

function ioFailure(path: string, e: unknown, hint: string): CheckpointError {
  if (e instanceof CheckpointError) return e;
  return new CheckpointError(path, `could not be written: ${describeIoError(e)}`, hint, { cause: e });
}

/** One query's checkpoint: what a restart resumes from, and the writer of its log and state. */
export class QueryLog {
  /** State to restore (newest state file), or null: start from the beginning. */
  state: QuerySnapshot | null = null;
  /** Batch of that state, -1 for none. */
  stateBatch = -1;
  /** Batches to run again, in order: committed ones (S+1..C), then possibly C+1 (logged, never committed). */
  replay: BatchRecord[] = [];
  /** Last committed batch (-1: none). */
  committed = -1;
  /** The query's end-of-input batch committed in an earlier run: nothing left to do. */
  finished = false;
  /** Per sink, what it had published for this query when that state was written (`checkpointMark`). */
  sinkMarks: Readonly<Record<string, Json>> = {};
  /** The last state snapshot written by this run. */
  lastState: StateWritten | null = null;

  private readonly states: number[] = [];
  private readonly segments: number[] = [];
  private fd: number | null = null;
  private segmentPath = '';
  private lastStateAt = Date.now();

  constructor(
    private readonly settings: CheckpointSettings,
    readonly name: string,
    readonly dir: string,
  ) {}

  private statePath(batch: number): string {
    return join(this.dir, `state-${batch}.ckpt`);
  }

  private logPath(first: number): string {
    return join(this.dir, `log-${first}.log`);
  }

  /** What to do after a write failed: the checkpoint on disk is still good up to `committed`. */
  private lastGoodHint(e?: unknown): string {
    const at = this.committed >= 0 ? `up to batch ${this.committed}` : 'as it was before this run';
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    const fix =
      code === 'ENOSPC' || code === 'EDQUOT'
        ? 'Free some space'
        : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
          ? `Make ${this.settings.dir} writable`
          : 'Fix the cause';
    return `the job stopped; the checkpoint in ${this.settings.dir} is intact ${at}. ${fix} and run the job again to resume from it`;
  }

  private startOverHint(): string {
    return `start from a new checkpoint directory (SET 'checkpoint.dir'), or delete ${this.settings.dir} to start over`;
  }

  /** Reads the query's directory: newest state, the log after it. Nothing damaged is used. */
  async load(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (const f of await readdir(this.dir)) {
      if (f.startsWith('.') && f.endsWith('.tmp')) await rm(join(this.dir, f), { force: true });
      const s = STATE_RE.exec(f);
      if (s) this.states.push(Number(s[1]));
      const l = LOG_RE.exec(f);
      if (l) this.segments.push(Number(l[1]));
    }
    this.states.sort((a, b) => a - b);
    this.segments.sort((a, b) => a - b);
    if (this.states.length > 0) await this.loadState(this.states[this.states.length - 1]!);
    this.committed = this.stateBatch;
    await this.loadLog();
  }

  private async loadState(batch: number): Promise<void> {
    const path = this.statePath(batch);
    const older = this.states.filter((b) => b < batch);
    const hint =
      older.length > 0
        ? `move it away to resume from the previous checkpoint (state-${older[older.length - 1]}.ckpt, replaying the batches since), or ${this.startOverHint()}`
        : this.startOverHint();
    const payload = decodeFile(path, await readFile(path), 'state', hint);
    let p: {
      job?: unknown;
      query?: unknown;
      batch?: unknown;
      finished?: unknown;
      snapshot?: unknown;
      sinks?: unknown;
    };
    try {
      p = decodeState(payload) as typeof p;
    } catch (e) {
      throw new CheckpointError(path, `is corrupt: its payload is not valid JSON (${(e as Error).message})`, hint);
    }
    if (p.job !== this.settings.job || p.query !== this.name || p.batch !== batch) {
      throw new CheckpointError(
        path,
        `belongs to job ${JSON.stringify(p.job)} query ${JSON.stringify(p.query)} batch ${p.batch}, not job "${this.settings.job}" query "${this.name}" batch ${batch}`,
        hint,
      );
    }
    this.state = p.snapshot as QuerySnapshot;
    this.stateBatch = batch;
    this.finished = p.finished === true;
    if (typeof p.sinks === 'object' && p.sinks !== null) this.sinkMarks = p.sinks as Record<string, Json>;
  }

  private async loadLog(): Promise<void> {
    const chain = this.segments.filter((f) => f > this.stateBatch);
    if (chain.length === 0) return;
    const hint = `the log cannot be trusted: ${this.startOverHint()}`;
    if (chain[0] !== this.stateBatch + 1) {
      const missing = this.logPath(this.stateBatch + 1);
      throw new CheckpointError(
        missing,
        this.stateBatch < 0
          ? `is missing, and no state file is left to resume from: the log starts at log-${chain[0]}.log (the state files before it were deleted)`
          : `is missing: it holds the batches after state-${this.stateBatch}.ckpt (the next log is log-${chain[0]}.log)`,
        hint,
      );
    }
    let expect = this.stateBatch + 1;
    let pending: BatchRecord | null = null;
    for (let k = 0; k < chain.length; k++) {
      const first = chain[k]!;
      const path = this.logPath(first);
      if (first !== expect || pending !== null) {
        throw new CheckpointError(
          path,
          `does not continue the previous log (it starts at batch ${first}, expected ${expect})`,
          hint,
        );
      }
      const data = await readFile(path);
      const log = parseLog(path, data, hint);
      const last = k === chain.length - 1;
      if (log.tornTail !== null) {
        if (!last) throw new CheckpointError(path, `is corrupt: ${log.tornTail}, and a later log follows it`, hint);
        this.settings.notice(
          `checkpoint file ${path}: ignored an unfinished last record (${log.tornTail}); the batch it belonged to runs again`,
        );
      }
      const records = log.records;
      if (records.length === 0) {
        if (!last) throw new CheckpointError(path, 'is empty, and a later log follows it', hint);
      } else {
        const header = JSON.parse(records[0]!) as { t?: string; job?: string; query?: string; first?: number };
        if (header.t !== 'log')
          throw new CheckpointError(path, 'is corrupt: it does not start with a log header record', hint);
        if (header.job !== this.settings.job || header.query !== this.name || header.first !== first) {
          throw new CheckpointError(
            path,
            `belongs to job ${JSON.stringify(header.job)} query ${JSON.stringify(header.query)} (first batch ${header.first}), not job "${this.settings.job}" query "${this.name}" (first batch ${first})`,
            hint,
          );
        }
      }
      for (let i = 1; i < records.length; i++) {
        const r = JSON.parse(records[i]!) as {
          t?: string;
          b?: number;
          final?: boolean;
          in?: { n: number; idle: boolean; ex: boolean; end: Json }[];
        };
        const where = `line ${i + 1}`;
        if (this.finished) throw new CheckpointError(path, `is corrupt: ${where} follows the end-of-input batch`, hint);
        if (r.t === 'offsets') {
          if (pending !== null || r.b !== expect || !Array.isArray(r.in)) {
            throw new CheckpointError(
              path,
              `is corrupt: ${where} is an offsets record for batch ${r.b}, expected batch ${expect}`,
              hint,
            );
          }
          pending = {
            batch: r.b,
            final: r.final === true,
            inputs: r.in.map((x) => ({ n: x.n, idle: x.idle, exhausted: x.ex, end: x.end })),
          };
        } else if (r.t === 'commit') {
          if (pending === null || r.b !== pending.batch) {
            throw new CheckpointError(
              path,
              `is corrupt: ${where} commits batch ${r.b}, whose offsets are not logged before it`,
              hint,
            );
          }
          this.replay.push(pending);
          this.committed = pending.batch;
          if (pending.final) this.finished = true;
          pending = null;
          expect++;
        } else {
          throw new CheckpointError(path, `is corrupt: ${where} is an unknown record (${JSON.stringify(r.t)})`, hint);
        }
      }
      if (last) {
        this.segmentPath = path;
        if (log.validBytes < data.length) await truncate(path, log.validBytes);
        if (records.length === 0) await writeFile(path, encodeRecord(this.headerRecord(first)));
      }
    }
    if (pending !== null) this.replay.push(pending);
  }

  private headerRecord(first: number): string {
    return JSON.stringify({ t: 'log', job: this.settings.job, query: this.name, first });
  }

  /** Opens the log for appending (after `load`): the last segment, or a new one after the state. */
  async openForAppend(): Promise<void> {
    if (this.segmentPath === '') {
      const first = this.stateBatch + 1;
      this.segmentPath = this.logPath(first);
      try {
        await mkdir(this.dir, { recursive: true });
        await writeFile(this.segmentPath, encodeRecord(this.headerRecord(first)));
      } catch (e) {
        throw ioFailure(this.segmentPath, e, this.lastGoodHint(e));
      }
      this.segments.push(first);
    }
    this.fd = openSync(this.segmentPath, 'a');
  }

  private append(json: string): void {
    const path = this.segmentPath;
    try {
      fault('log.write');
      const buf = Buffer.from(encodeRecord(json), 'utf8');
      let off = 0;
      while (off < buf.length) off += writeSync(this.fd!, buf, off, buf.length - off);
    } catch (e) {
      throw ioFailure(path, e, this.lastGoodHint(e));
    }
  }

  /** The write-ahead record of batch `r.batch`, before it is processed. */
  writeAhead(r: BatchRecord): void {
    this.append(
      JSON.stringify({
        t: 'offsets',
        b: r.batch,
        final: r.final,
        in: r.inputs.map((i) => ({ n: i.n, idle: i.idle, ex: i.exhausted, end: i.end })),
      }),
    );
  }

  /** The commit marker of `batch`, after every sink staged its output. */
  commit(batch: number, final: boolean): void {
    this.append(JSON.stringify({ t: 'commit', b: batch, final }));
    this.committed = batch;
    if (final) this.finished = true;
  }

  /** A state snapshot is due (interval elapsed, or `force`: end of input, stop). */
  due(force: boolean): boolean {
    return force || this.settings.intervalMs === 0 || Date.now() - this.lastStateAt >= this.settings.intervalMs;
  }

  /**
   * Writes the state after `batch` (already committed): fsyncs the log and, through `syncSinks`,
   * the sinks' output; writes `state-<batch>.ckpt` atomically; starts a new log segment; deletes
   * checkpoints beyond the retained number.
   */
  async checkpoint(
    batch: number,
    snapshotJson: string,
    finished: boolean,
    syncSinks: () => Promise<void>,
    sinkMarks: Readonly<Record<string, Json>> = {},
  ): Promise<StateWritten> {
    const t0 = performance.now();
    const path = this.statePath(batch);
    const hint = (e: unknown) => this.lastGoodHint(e);
    // the log and the sinks' output are made durable together, off the event loop for the log
    const logSynced = new Promise<void>((resolve, reject) =>
      fdatasync(this.fd!, (e) => (e ? reject(ioFailure(this.segmentPath, e, hint(e))) : resolve())),
    );
    logSynced.catch(() => {}); // awaited below; a sink failure must not leave it unhandled
    await syncSinks();
    await logSynced;
    const payload =
      `{"job":${JSON.stringify(this.settings.job)},"query":${JSON.stringify(this.name)},"batch":${batch},` +
      `"finished":${finished},"created":${JSON.stringify(new Date().toISOString())},` +
      `"sinks":${JSON.stringify(sinkMarks)},"snapshot":${snapshotJson}}`;
    const data = encodeFile('state', payload);
    try {
      await writeAtomic(path, data, { before: 'state.write', beforeRename: 'state.temp-written' });
    } catch (e) {
      throw ioFailure(path, e, hint(e));
    }
    this.states.push(batch);
    this.stateBatch = batch;
    fault('state.renamed');
    // a new log segment after the state; the old one is complete
    const next = this.logPath(batch + 1);
    try {
      await writeFile(next, encodeRecord(this.headerRecord(batch + 1)));
    } catch (e) {
      throw ioFailure(next, e, hint(e));
    }
    closeSync(this.fd!);
    this.fd = openSync(next, 'a');
    this.segmentPath = next;
    this.segments.push(batch + 1);
    await this.cleanup();
    const now = Date.now();
    this.lastStateAt = now;
    this.lastState = { batch, bytes: data.length, durationMs: performance.now() - t0, at: now };
    return this.lastState;
  }

  /** Keeps the newest `retained` restart points (a state, or the very start) and their logs. */
  private async cleanup(): Promise<void> {
    const points = [...(this.segments.includes(0) ? [-1] : []), ...this.states];
    if (points.length <= this.settings.retained) return;
    const oldest = points[points.length - this.settings.retained]!;
    const doomed = [
      ...this.states.filter((b) => b < oldest).map((b) => this.statePath(b)),
      ...this.segments.filter((f) => f <= oldest).map((f) => this.logPath(f)),
    ];
    for (const f of doomed) {
      fault('cleanup.delete');
      // a state file goes before its log (a restart never sees a state without its log)
      await rm(f, { force: true });
    }
    this.states.splice(0, this.states.filter((b) => b < oldest).length);
    this.segments.splice(0, this.segments.filter((f) => f <= oldest).length);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

interface Metadata {
  readonly format: 1;
  readonly job: string;
  readonly created: string;
  readonly updated: string;
  readonly queries: readonly {
    readonly name: string;
    readonly fingerprint: string;
    readonly description: QueryDescription;
  }[];
}

/** Directories locked by this process (a second job on the same directory is refused). */
const lockedHere = new Set<string>();

/** A job's checkpoint directory, opened for a run. */
export class CheckpointStore {
  readonly queries = new Map<string, QueryLog>();
  private locked = false;

  private constructor(
    readonly settings: CheckpointSettings,
    /** The directory held a checkpoint of this job: the run resumes. */
    readonly resumed: boolean,
  ) {}

  /**
   * Opens (or creates) the directory for `queries`: takes the lock, checks the metadata against
   * the job as it is now (an incompatible change is refused with what changed), and loads every
   * query's restart point.
   */
  static async open(settings: CheckpointSettings, queries: readonly QueryDescription[]): Promise<CheckpointStore> {
    const dir = settings.dir;
    const startOver = `start from a new checkpoint directory (SET 'checkpoint.dir'), or delete ${dir} to start over`;
    try {
      await mkdir(dir, { recursive: true });
    } catch (thrown) {
      const e = await mkdirFailure(dir, thrown);
      const code = (e as NodeJS.ErrnoException).code;
      const reason =
        code === 'EEXIST' || code === 'ENOTDIR'
          ? 'is a file, or lies under one: it must be a directory'
          : `cannot be created: ${describeIoError(e)}${e !== thrown ? ` (in ${(e as NodeJS.ErrnoException).path})` : ''}`;
      throw new CheckpointError(dir, reason, 'choose a writable checkpoint.dir', {
        cause: e,
        subject: 'checkpoint directory',
      });
    }
    const metaPath = join(dir, 'metadata');
    let meta: Metadata | null = null;
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch (e) {
      throw new CheckpointError(dir, `cannot be read: ${describeIoError(e)}`, null, {
        cause: e,
        subject: 'checkpoint directory',
      });
    }
    const store = new CheckpointStore(settings, entries.includes('metadata'));
    await store.lock();
    try {
      if (entries.includes('.metadata.tmp')) await rm(join(dir, '.metadata.tmp'), { force: true });
      if (store.resumed) {
        const payload = decodeFile(metaPath, await readFile(metaPath), 'metadata', startOver);
        try {
          meta = JSON.parse(payload) as Metadata;
        } catch (e) {
          throw new CheckpointError(
            metaPath,
            `is corrupt: its payload is not valid JSON (${(e as Error).message})`,
            startOver,
          );
        }
        if (meta.job !== settings.job) {
          throw new CheckpointError(
            dir,
            `holds the checkpoint of job "${meta.job}", not of job "${settings.job}"`,
            startOver,
            {
              subject: 'checkpoint directory',
            },
          );
        }
      } else {
        const other = entries.filter((e) => !e.startsWith('.'));
        if (other.length > 0) {
          throw new CheckpointError(
            dir,
            `is not empty and has no metadata file (found ${other.slice(0, 3).join(', ')}${other.length > 3 ? ', ...' : ''}): it is not an sqc checkpoint, or its metadata was deleted`,
            `point checkpoint.dir at an empty or new directory; if ${dir} held this job's checkpoint, it cannot be used without its metadata: delete it to start over`,
            { subject: 'checkpoint directory' },
          );
        }
      }
      const notes: string[] = [];
      if (meta !== null) {
        const problems: string[] = [];
        const saved = new Map(meta.queries.map((q) => [q.name, q]));
        for (const q of queries) {
          const old = saved.get(q.name);
          if (!old) {
            problems.push(
              `query "${q.name}" is new: the checkpoint has no offsets or state for it (it has ${meta.queries.map((x) => `"${x.name}"`).join(', ')})`,
            );
            continue;
          }
          if (old.fingerprint === fingerprint(q)) continue;
          const c = compare(old.description, q);
          problems.push(...c.incompatible);
          notes.push(...c.compatible);
        }
        for (const old of meta.queries) {
          if (!queries.some((q) => q.name === old.name))
            problems.push(`query "${old.name}" is in the checkpoint but no longer in the job`);
        }
        if (problems.length > 0) {
          throw new CheckpointError(
            dir,
            `was written by an incompatible version of this job:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
            startOver,
            { subject: 'checkpoint' },
          );
        }
      }
      for (const q of queries) {
        const log = new QueryLog(settings, q.name, join(dir, dirName(q.name)));
        if (store.resumed) await log.load();
        store.queries.set(q.name, log);
      }
      const changed =
        meta === null ||
        queries.some((q) => meta!.queries.find((x) => x.name === q.name)?.fingerprint !== fingerprint(q));
      if (changed) {
        const now = new Date().toISOString();
        const m: Metadata = {
          format: 1,
          job: settings.job,
          created: meta?.created ?? now,
          updated: now,
          queries: queries.map((q) => ({ name: q.name, fingerprint: fingerprint(q), description: q })),
        };
        try {
          await writeAtomic(metaPath, encodeFile('metadata', JSON.stringify(m)));
        } catch (e) {
          throw ioFailure(
            metaPath,
            e,
            store.resumed
              ? 'the checkpoint is unchanged; fix the cause and run again'
              : 'choose a writable checkpoint.dir',
          );
        }
      }
      if (notes.length > 0) settings.notice(`checkpoint ${dir}: accepted compatible changes: ${notes.join('; ')}`);
      for (const log of store.queries.values()) await log.openForAppend();
    } catch (e) {
      store.close();
      if (e instanceof CheckpointError) throw e;
      if (isIoError(e))
        throw new CheckpointError(dir, `cannot be used: ${describeIoError(e)}`, null, {
          cause: e,
          subject: 'checkpoint directory',
        });
      throw e;
    }
    return store;
  }

  private async lock(): Promise<void> {
    const dir = this.settings.dir;
    const path = join(dir, '.lock');
    const inUse = (holder: string, hint = 'stop that job first, or use another checkpoint.dir') =>
      new CheckpointError(dir, `is in use by ${holder}`, hint, { subject: 'checkpoint directory' });
    if (lockedHere.has(dir)) throw inUse('another job in this process');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fh = await open(path, 'wx');
        await fh.writeFile(`${process.pid} ${startTime(process.pid) ?? '-'} ${hostname()}`);
        await fh.close();
        lockedHere.add(dir);
        this.locked = true;
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
          // a checkpoint already there is worth keeping: changing checkpoint.dir starts over
          const kept = await stat(join(dir, 'metadata')).then(
            () => true,
            () => false,
          );
          throw new CheckpointError(
            dir,
            `cannot be written: ${describeIoError(e)}`,
            kept
              ? `make ${dir} writable again and rerun to resume from it, or choose another checkpoint.dir (which starts over)`
              : 'choose a writable checkpoint.dir',
            {
              cause: e,
              subject: 'checkpoint directory',
            },
          );
        }
      }
      // `<pid> <start time> <host>` (older locks: `<pid>`)
      const [pidText, started, host] = (await readFile(path, 'utf8').catch(() => '')).trim().split(' ');
      const pid = Number(pidText);
      if (host !== undefined && host !== hostname()) {
        throw inUse(`process ${pid} on host ${host}`, `stop that job first; if it is gone, delete ${path}`);
      }
      // Stale when its process is gone, or the pid now belongs to another process (pids are reused).
      const live = Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid);
      if (live && (started === undefined || started === '-' || startTime(pid) === null || startTime(pid) === started))
        throw inUse(`process ${pid}`);
      await rm(path, { force: true });
    }
    throw inUse('another process');
  }

  close(): void {
    for (const q of this.queries.values()) q.close();
    if (this.locked) {
      this.locked = false;
      lockedHere.delete(this.settings.dir);
      try {
        // the lock file goes last, synchronously (close runs on every way out)
        rmSyncQuiet(join(this.settings.dir, '.lock'));
      } catch {
        /* ignore */
      }
    }
  }
}

/** When process `pid` started (Linux: clock ticks since boot, from /proc), or null where unknown. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function rmSyncQuiet(path: string): void {
  rmSync(path, { force: true });
}
