/**
 * The `file` sink: JSON lines or CSV into one file, committed once per micro-batch so that a
 * crash never leaves a partial or duplicated committed row.
 *
 * Commit protocol (per query, per batch):
 * 1. the batch's encoded rows go to a hidden staging file `.<name>.<query>.staging`
 *    (uncommitted data lives only in hidden files, which file sources never read);
 * 2. the staged bytes are appended to the target file;
 * 3. a line `{query, batch, size}` is appended to the hidden manifest `.<name>.manifest`.
 * The manifest is kept only when the job checkpoints. On open with `resume` (restart from a checkpoint), the target is truncated to the size of the
 * last manifest entry (dropping a partial append), and a batch the manifest already has for that
 * query is not written again. Without `resume` the file starts empty (a fresh run).
 * COMPLETE mode rewrites the whole file per batch (write hidden temp file, then rename).
 * The file holds result rows only, so `-D` retractions (merged sessions in CHANGES mode) are
 * not written; use a memory or Kafka sink to observe them.
 */
import { appendFile, mkdir, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { RowKind } from '../index.ts';
import { csvHeader, csvLineEncoder, csvOptions, jsonLineEncoder, jsonWriteOptions } from '../formats/encode.ts';
import type { BatchSinkWriter, SinkConnector, SinkContext, WriterOptions } from './types.ts';

interface ManifestEntry {
  readonly query: string;
  readonly batch: number;
  readonly size: number;
}

class FileSink implements SinkConnector {
  private readonly path: string;
  private readonly encode: (row: Record<string, unknown>) => string;
  private readonly header: string | null;
  private readonly manifestPath: string;
  /** Last committed batch per query (from the manifest). */
  private readonly committed = new Map<string, number>();
  /** Commits of several queries into one file are serialised. */
  private chain: Promise<void> = Promise.resolve();
  private size = 0;

  constructor(private readonly ctx: SinkContext) {
    const path = ctx.options['path'];
    if (!path) throw new Error(`file sink "${ctx.name}" needs a 'path' option`);
    this.path = path;
    const dir = dirname(path);
    this.manifestPath = join(dir, `.${basename(path)}.manifest`);
    if (ctx.format === 'csv') {
      const o = csvOptions(ctx.options);
      this.encode = csvLineEncoder(ctx.schema, o);
      this.header = o.header ? csvHeader(ctx.schema, o) : null;
    } else {
      this.encode = jsonLineEncoder(ctx.schema, jsonWriteOptions(ctx.options));
      this.header = null;
    }
  }

  async open(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    if (!this.ctx.resume) {
      await rm(this.manifestPath, { force: true });
      await writeFile(this.path, this.header === null ? '' : this.header + '\n');
      this.size = (await stat(this.path)).size;
      return;
    }
    let entries: ManifestEntry[] = [];
    try {
      entries = (await readFile(this.manifestPath, 'utf8'))
        .split('\n')
        .filter((l) => l.trim() !== '')
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as ManifestEntry];
          } catch {
            return []; // a torn last line: that commit never finished
          }
        });
    } catch {
      entries = [];
    }
    for (const e of entries) this.committed.set(e.query, Math.max(this.committed.get(e.query) ?? -1, e.batch));
    const last = entries.length > 0 ? entries[entries.length - 1]!.size : null;
    let size = 0;
    try {
      size = (await stat(this.path)).size;
    } catch {
      await writeFile(this.path, this.header === null ? '' : this.header + '\n');
      size = (await stat(this.path)).size;
    }
    if (last !== null && size > last) {
      await truncate(this.path, last);
      size = last;
    }
    this.size = size;
  }

  /** Batch id of the last committed batch of `query` (restarts skip up to it), or -1. */
  lastCommittedBatch(query: string): number {
    return this.committed.get(query) ?? -1;
  }

  writer(o: WriterOptions): BatchSinkWriter {
    return new FileWriter(this, o);
  }

  encodeRow(row: Record<string, unknown>): string {
    return this.encode(row);
  }

  commitBatch(query: string, batchId: number, text: string, replace: boolean): Promise<void> {
    const run = async (): Promise<void> => {
      if (batchId <= this.lastCommittedBatch(query)) return;
      const staging = join(dirname(this.path), `.${basename(this.path)}.${query}.staging`);
      if (replace) {
        await writeFile(staging, (this.header === null ? '' : this.header + '\n') + text);
        await rename(staging, this.path);
        this.size = (await stat(this.path)).size;
      } else if (text.length > 0) {
        await writeFile(staging, text);
        await appendFile(this.path, text);
        this.size += Buffer.byteLength(text);
        await rm(staging, { force: true });
      }
      if (this.ctx.checkpointing) {
        await appendFile(this.manifestPath, JSON.stringify({ query, batch: batchId, size: this.size }) + '\n');
      }
      this.committed.set(query, batchId);
    };
    this.chain = this.chain.then(run, run);
    return this.chain;
  }

  async close(): Promise<void> {
    await this.chain.catch(() => {});
  }
}

class FileWriter implements BatchSinkWriter {
  private lines: string[] = [];
  constructor(
    private readonly sink: FileSink,
    private readonly o: WriterOptions,
  ) {}
  write(row: unknown, kind: RowKind = '+I'): void {
    if (kind === '-D') return;
    this.lines.push(this.sink.encodeRow(row as Record<string, unknown>));
  }
  pendingRows(): number {
    return this.lines.length;
  }
  commit(batchId: number): Promise<void> {
    const complete = this.o.emit === 'complete';
    if (this.lines.length === 0 && !complete) return Promise.resolve();
    const text = this.lines.length === 0 ? '' : this.lines.join('\n') + '\n';
    this.lines = [];
    return this.sink.commitBatch(this.o.query, batchId, text, complete);
  }
}

export function fileSink(ctx: SinkContext): SinkConnector {
  return new FileSink(ctx);
}
