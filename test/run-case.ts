/**
 * Runs one golden runtime case: compiles `query.sq`, re-points every file path at the case
 * folder, captures every sink in memory, runs the job to completion and returns a transcript:
 *
 *   -- sink counts, batch 0
 *   +I {"window_start":"2025-04-21T14:00:00.000Z","page":"/","n":2}
 *   -- progress: 12 rows in, 1 late, 0 malformed skipped
 *   -- error: query "insert_into_counts" failed reading source "clicks" at input.jsonl:3: ...
 *
 * Optional `case.json`: `{ "set": { "trigger.mode": "available-now" } }` (SET overrides).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile } from '../compiler/index.ts';
import type { Job, JobOverrides, MemorySinkBinding, QueryProgress, SinkBatch } from '../runtime/index.ts';
import { armFault, faultCount, resetFaults, type FaultPoint } from '../runtime/checkpoint/faults.ts';

const RUNTIME = pathToFileURL(join(import.meta.dirname, '..', 'runtime', 'index.ts')).href;
let counter = 0;

export interface CaseConfig {
  readonly set?: Record<string, string>;
}

interface Loaded {
  readonly mod: { createJob(o?: JobOverrides): Job };
  readonly sources: Record<string, Record<string, string>>;
  readonly sinkNames: readonly string[];
  readonly set: Record<string, string>;
}

async function load(dir: string): Promise<Loaded> {
  const source = readFileSync(join(dir, 'query.sq'), 'utf8');
  const config: CaseConfig = existsSync(join(dir, 'case.json'))
    ? JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8'))
    : {};
  const result = await compile(source, 'query.sq', { runtimeImport: RUNTIME, dir, functionImports: 'absolute' });
  if (!result.code || !result.plan) {
    throw new Error(
      `case does not compile:\n${result.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.message}`).join('\n')}`,
    );
  }
  const out = join(tmpdir(), 'sqc-run-cases');
  mkdirSync(out, { recursive: true });
  const modulePath = join(out, `case-${process.pid}-${counter++}.ts`);
  writeFileSync(modulePath, result.code);
  const mod = (await import(pathToFileURL(modulePath).href)) as { createJob(o?: JobOverrides): Job };
  const sources: Record<string, Record<string, string>> = {};
  for (const s of result.plan.sources) {
    const path = s.source.options['path'];
    if (path && !isAbsolute(path)) sources[s.name] = { path: resolve(dir, path) };
  }
  return { mod, sources, sinkNames: result.plan.sinks.map((s) => s.name), set: config.set ?? {} };
}

/** What a run delivered: sink batches by `sink/query/batch`, progress by `query/batch` (a re-run replaces). */
interface Delivered {
  readonly batches: Map<
    string,
    { readonly query: string; readonly batchId: number; readonly header: string; readonly rows: readonly string[] }
  >;
  readonly progress: Map<string, QueryProgress>;
}

/** Runs the job once; returns its error message (paths relative to the case folder) or null. */
async function execute(dir: string, c: Loaded, set: Record<string, string>, into: Delivered): Promise<string | null> {
  const sinks: Record<string, MemorySinkBinding> = {};
  for (const name of c.sinkNames) {
    sinks[name] = {
      json: true,
      onBatch: (b: SinkBatch) => {
        if (b.rows.length === 0) return;
        const key = `${name}/${b.query}/${b.batchId}`;
        const batch = {
          query: b.query,
          batchId: b.batchId,
          header: `-- sink ${name}, query ${b.query}, batch ${b.batchId}`,
          rows: b.rows.map((row, i) => `${b.kinds[i]} ${JSON.stringify(row)}`),
        };
        const before = into.batches.get(key);
        // At-least-once delivery after a restart may repeat a batch, but never change it.
        if (before !== undefined && before.rows.join('\n') !== batch.rows.join('\n')) {
          throw new Error(
            `${key} delivered again with different rows:\n${before.rows.join('\n')}\n--- now ---\n${batch.rows.join('\n')}`,
          );
        }
        into.batches.set(key, batch);
      },
    };
  }
  const job = c.mod.createJob({ sources: c.sources, sinks, set: { ...c.set, ...set }, print: () => {} });
  job.on('progress', (p) => {
    // A batch replayed after a restart reports again (kept once, by id); the report that carries
    // a stop's state snapshot repeats the last batch id with no rows and must not replace it.
    const key = `${p.query}/${p.batchId}`;
    const empty = p.numInputRows === 0 && p.lateRowsDropped === 0 && p.parseErrorsSkipped === 0;
    if (!(empty && into.progress.has(key))) into.progress.set(key, p);
  });
  job.on('notice', () => {});
  try {
    await job.run();
    return null;
  } catch (e) {
    // Paths in messages are made relative to the case folder, so transcripts are portable.
    return (e as Error).message
      .split(dir + '/')
      .join('')
      .split(relative(process.cwd(), dir) + '/')
      .join('');
  }
}

function transcript(d: Delivered, error: string | null): string {
  const lines: string[] = [];
  // Queries run concurrently: their batches are listed per query (by name), each in batch order.
  const batches = [...d.batches.values()].sort(
    (a, b) => (a.query < b.query ? -1 : a.query > b.query ? 1 : 0) || a.batchId - b.batchId,
  );
  for (const b of batches) lines.push(b.header, ...b.rows);
  const progress = [...d.progress.values()];
  const sum = (f: (p: QueryProgress) => number) => progress.reduce((n, p) => n + f(p), 0);
  lines.push(
    `-- progress: ${sum((p) => p.numInputRows)} rows in, ${sum((p) => p.lateRowsDropped)} late, ` +
      `${sum((p) => p.parseErrorsSkipped)} malformed skipped`,
  );
  if (error !== null) lines.push(`-- error: ${error}`);
  return lines.join('\n') + '\n';
}

export async function runCase(dir: string): Promise<string> {
  const c = await load(dir);
  const d: Delivered = { batches: new Map(), progress: new Map() };
  const error = await execute(dir, c, {}, d);
  return transcript(d, error);
}

/**
 * A transcript with its sink batches in a canonical order (by query, batch, sink), for comparing
 * runs whose queries interleaved differently (a restart replays one query while another runs).
 */
export function canonical(text: string): string {
  const blocks: { key: string; text: string }[] = [];
  const tail: string[] = [];
  for (const line of text.trimEnd().split('\n')) {
    const m = /^-- sink (\S+), query (\S+), batch (\d+)$/.exec(line);
    if (m) blocks.push({ key: `${m[2]}\u0000${m[3]!.padStart(9, '0')}\u0000${m[1]}`, text: line });
    else if (line.startsWith('-- ') || blocks.length === 0) tail.push(line);
    else blocks[blocks.length - 1]!.text += '\n' + line;
  }
  return (
    [...blocks.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((b) => b.text), ...tail].join('\n') +
    '\n'
  );
}

export interface CrashVariant {
  /** `checkpoint.interval` ('0': state after every batch; '1 h': only at the end, so a restart replays the log). */
  readonly interval: string;
  /** Where the first run fails, in the middle of the run. */
  readonly point: FaultPoint;
}

/**
 * Runs the case with `checkpoint.dir`, failing at `variant.point` halfway through, then again
 * from the checkpoint to the end; returns the transcript of what both runs delivered together.
 * (Memory sinks are at-least-once: a batch interrupted by the failure may be delivered twice, and
 * must be the same both times.)
 */
export async function runCaseWithCrash(
  dir: string,
  variant: CrashVariant,
): Promise<{ transcript: string; firstError: string | null }> {
  const c = await load(dir);
  const base = mkdtempSync(join(tmpdir(), 'sqc-crash-case-'));
  try {
    // a checkpointed run without failure, to count how often the point is reached
    resetFaults();
    const probe: Delivered = { batches: new Map(), progress: new Map() };
    await execute(dir, c, { 'checkpoint.dir': join(base, 'probe'), 'checkpoint.interval': variant.interval }, probe);
    const reached = faultCount(variant.point);
    resetFaults();
    const set = { 'checkpoint.dir': join(base, 'chk'), 'checkpoint.interval': variant.interval };
    const d: Delivered = { batches: new Map(), progress: new Map() };
    if (reached > 0) armFault(variant.point, Math.ceil(reached / 2), 'throw');
    const firstError = await execute(dir, c, set, d);
    resetFaults();
    const error = await execute(dir, c, set, d);
    return { transcript: transcript(d, error), firstError };
  } finally {
    resetFaults();
    rmSync(base, { recursive: true, force: true });
  }
}
