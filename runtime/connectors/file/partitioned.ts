/**
 * The partitioned `file` sink (`PARTITIONED BY (dt, hm)`, Flink's filesystem sink): 'path' is a
 * folder, and each row goes to the file of its partition, `path/dt=2025-01-01/hm=10:00/part-<sink>.<ext>`,
 * without the partition columns (they are in the folder names, as Flink writes them).
 *
 * Each partition's file is a `file` sink of its own (sink.ts), with its staging files, manifest
 * and recovery: exactly-once per partition as the file sink is. The partitioned sink routes a
 * batch's rows, commits and publishes the partitions that received rows, records each
 * partition's checkpoint mark, and on a restart reopens every partition it finds (its manifest)
 * with the checkpoint's marks. A fresh run (no checkpoint to resume) removes this sink's earlier
 * part files and success files.
 *
 * Partition commit (`sink.partition-commit.*`): once its data is published, a partition is
 * committed when the trigger says so — 'process-time': the wall clock passes the time this run
 * first wrote to it plus the delay; 'partition-time': the query's watermark passes the time its
 * values name (`partition.time-extractor.timestamp-pattern`) plus the delay — and at the end of
 * bounded input. The 'success-file' policy then writes an empty `_SUCCESS` into its folder.
 */
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Json, RowKind } from '../../types.ts';
import type { BatchSinkWriter, SinkConnector, SinkContext, SinkRecovery, WriterOptions } from '../types.ts';
import { DEFAULT_PARTITION_COMMIT, type FileConfig, type PartitionCommit } from './options.ts';
import { fileSink } from './sink.ts';

/** Flink's name for the partition of a NULL value. */
const DEFAULT_PARTITION = '__DEFAULT_PARTITION__';

/** A partition value as a folder name: characters unsafe in paths escaped as `%XX` (as Flink does). */
function escapeValue(v: unknown): string {
  if (v === null || v === undefined || v === '') return DEFAULT_PARTITION;
  const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  return s.replace(
    /[\x00-\x1f"#%'*/:=?\\\x7f{[\]^]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

interface Partition {
  readonly path: string;
  readonly values: readonly string[];
  readonly sink: SinkConnector;
  readonly writers: Map<string, BatchSinkWriter>;
  /** Wall-clock time this run first wrote to it (process-time trigger). */
  readonly created: number;
  committed: boolean;
}

class PartitionedFileSink implements SinkConnector {
  readonly guarantee = 'exactly-once' as const;
  private readonly base: string;
  private readonly cols: readonly string[];
  private readonly partFile: string;
  private readonly queries: WriterOptions[] = [];
  private readonly partitions = new Map<string, Partition>();
  private recovery: SinkRecovery | null = null;
  /** The largest watermark a batch ended with (partition-time trigger). */
  private watermark = -Infinity;
  private readonly commit: PartitionCommit;

  constructor(private readonly ctx: SinkContext<FileConfig>) {
    this.commit = ctx.config.partitionCommit ?? DEFAULT_PARTITION_COMMIT;
    this.base = ctx.config.path;
    this.cols = ctx.partitionBy ?? [];
    const ext = ctx.format === 'csv' ? 'csv' : 'json';
    this.partFile = `part-${ctx.name.replace(/[^A-Za-z0-9_.-]/g, '_')}.${ext}`;
  }

  async open(recovery?: SinkRecovery | null): Promise<void> {
    this.recovery = recovery ?? null;
    const found = this.existing();
    if (this.recovery === null) {
      // a fresh run starts the output anew: this sink's earlier files go
      for (const rel of found) {
        const dir = join(this.base, rel);
        for (const f of readdirSync(dir)) {
          if (f === this.partFile || f.startsWith(`.${this.partFile}.`) || f === this.commit.successFile)
            rmSync(join(dir, f), { force: true });
        }
      }
      return;
    }
    // a restart: every partition written before, with the checkpoint's marks
    const marked = new Set<string>();
    for (const marks of this.recovery.marks.values()) {
      const m = marks[this.ctx.name] as Record<string, Json> | null | undefined;
      for (const rel of Object.keys(m ?? {})) marked.add(rel);
    }
    for (const rel of new Set([...found, ...marked])) await this.partition(rel);
  }

  /** Partition folders (relative paths) holding this sink's manifest. */
  private existing(): string[] {
    const out: string[] = [];
    const walk = (rel: string, depth: number): void => {
      const dir = join(this.base, rel);
      if (!existsSync(dir)) return;
      if (depth === this.cols.length) {
        if (existsSync(join(dir, `.${this.partFile}.manifest`)) || existsSync(join(dir, this.partFile))) out.push(rel);
        return;
      }
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory() && e.name.startsWith(`${this.cols[depth]}=`))
          walk(rel ? `${rel}/${e.name}` : e.name, depth + 1);
      }
    };
    walk('', 0);
    return out.sort();
  }

  /** The partition at `rel` (`dt=2025-01-01/hm=10:00`), opened on first use. */
  async partition(rel: string): Promise<Partition> {
    let p = this.partitions.get(rel);
    if (p) return p;
    const sink = fileSink({
      ...this.ctx,
      config: { ...this.ctx.config, path: join(this.base, rel, this.partFile) },
      schema: this.ctx.schema.filter((f) => !this.cols.includes(f.name)),
      partitionBy: [],
    });
    const writers = new Map<string, BatchSinkWriter>();
    for (const o of this.queries) writers.set(o.query, sink.writer(o));
    await sink.open(this.recoveryOf(rel));
    const values = rel.split('/').map((part) => decodeURIComponent(part.slice(part.indexOf('=') + 1)));
    const committed = existsSync(join(this.base, rel, this.commit.successFile));
    p = { path: rel, values, sink, writers, created: Date.now(), committed };
    this.partitions.set(rel, p);
    return p;
  }

  /** The checkpoint's recovery as partition `rel`'s file sink sees it (its own marks). */
  private recoveryOf(rel: string): SinkRecovery | null {
    const r = this.recovery;
    if (r === null) return null;
    // a partition this run creates starts empty; one from before resumes
    if (!existsSync(join(this.base, rel, `.${this.partFile}.manifest`)) && !this.markedIn(rel)) return null;
    const marks = new Map<string, Readonly<Record<string, Json>>>();
    for (const [q, m] of r.marks) {
      const mine = (m[this.ctx.name] as Record<string, Json> | null | undefined)?.[rel];
      marks.set(q, mine === undefined ? {} : { [this.ctx.name]: mine });
    }
    return { ...r, marks };
  }

  private markedIn(rel: string): boolean {
    for (const m of this.recovery?.marks.values() ?? []) {
      const mine = (m[this.ctx.name] as Record<string, Json> | null | undefined)?.[rel];
      if (mine !== undefined && mine !== null) return true;
    }
    return false;
  }

  /** The partition folder of a row: `col=value/...`. */
  pathOf(row: Record<string, unknown>): string {
    return this.cols.map((c) => `${c}=${escapeValue(row[c])}`).join('/');
  }

  writer(o: WriterOptions): BatchSinkWriter {
    this.queries.push(o);
    for (const p of this.partitions.values()) p.writers.set(o.query, p.sink.writer(o));
    return new PartitionedWriter(this, o.query, this.ctx.checkpointing);
  }

  /** A batch ended with watermark `w`. */
  advance(w: number | undefined): void {
    if (w !== undefined && w > this.watermark) this.watermark = w;
  }

  /** Commits (success file) every partition whose trigger time has come, once its data is visible. */
  commitPartitions(): void {
    const pc = this.commit;
    if (pc.policy === null) return;
    const now = Date.now();
    for (const p of this.partitions.values()) {
      if (p.committed) continue;
      const due =
        this.watermark === Infinity ||
        (pc.trigger === 'process-time'
          ? now >= p.created + pc.delayMs
          : this.watermark >= this.partitionTime(p) + pc.delayMs);
      if (!due) continue;
      writeFileSync(join(this.base, p.path, pc.successFile), '');
      p.committed = true;
    }
  }

  /** The time a partition's values name (`$dt $hm:00` → epoch ms, UTC); +Infinity when they name none. */
  private partitionTime(p: Partition): number {
    const pattern = this.commit.timestampPattern;
    let text = pattern ?? p.values[0] ?? '';
    if (pattern !== null) {
      this.cols.forEach((c, i) => {
        text = text.split(`$${c}`).join(p.values[i] ?? '');
      });
    }
    const iso = /^\d{4}-\d\d-\d\d$/.test(text) ? `${text}T00:00:00Z` : `${text.trim().replace(' ', 'T')}Z`;
    const t = Date.parse(iso);
    return Number.isNaN(t) ? Infinity : t;
  }

  checkpointMark(query: string): Json {
    const out: Record<string, Json> = {};
    for (const [rel, p] of this.partitions) out[rel] = p.sink.checkpointMark?.(query) ?? null;
    return out;
  }

  async sync(durable: ReadonlyMap<string, number>, query?: string): Promise<void> {
    for (const p of this.partitions.values()) await p.sink.sync?.(durable, query);
  }

  async close(): Promise<void> {
    for (const p of this.partitions.values()) await p.sink.close();
  }
}

class PartitionedWriter implements BatchSinkWriter {
  private rows = new Map<string, { row: unknown; kind: RowKind }[]>();
  private count = 0;
  /** The partitions' writers that staged the current batch (published after the commit marker). */
  private staged: BatchSinkWriter[] = [];
  constructor(
    private readonly sink: PartitionedFileSink,
    private readonly query: string,
    private readonly checkpointing: boolean,
  ) {}
  write(row: unknown, kind: RowKind = '+I'): void {
    const rel = this.sink.pathOf(row as Record<string, unknown>);
    let list = this.rows.get(rel);
    if (!list) this.rows.set(rel, (list = []));
    list.push({ row, kind });
    this.count++;
  }
  pendingRows(): number {
    return this.count;
  }
  async commit(batchId: number, watermark?: number): Promise<void> {
    this.sink.advance(watermark);
    const rows = this.rows;
    this.rows = new Map();
    this.count = 0;
    this.staged = [];
    for (const rel of [...rows.keys()].sort()) {
      const w = (await this.sink.partition(rel)).writers.get(this.query)!;
      for (const r of rows.get(rel)!) w.write(r.row, r.kind);
      await w.commit(batchId, watermark);
      this.staged.push(w);
    }
    if (!this.checkpointing) this.sink.commitPartitions();
  }
  async publish(batchId: number): Promise<void> {
    for (const w of this.staged) await w.publish?.(batchId);
    this.staged = [];
    this.sink.commitPartitions();
  }
}

export function partitionedFileSink(ctx: SinkContext<FileConfig>): SinkConnector {
  return new PartitionedFileSink(ctx);
}
