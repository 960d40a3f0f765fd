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
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile } from '../compiler/index.ts';
import type { Job, JobOverrides, MemorySinkBinding, QueryProgress, SinkBatch } from '../runtime/index.ts';

const RUNTIME = pathToFileURL(join(import.meta.dirname, '..', 'runtime', 'index.ts')).href;
let counter = 0;

export interface CaseConfig {
  readonly set?: Record<string, string>;
}

export async function runCase(dir: string): Promise<string> {
  const source = readFileSync(join(dir, 'query.sq'), 'utf8');
  const config: CaseConfig = existsSync(join(dir, 'case.json')) ? JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) : {};
  const result = await compile(source, 'query.sq', { runtimeImport: RUNTIME });
  if (!result.code || !result.plan) {
    throw new Error(`case does not compile:\n${result.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.message}`).join('\n')}`);
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
  const lines: string[] = [];
  const sinks: Record<string, MemorySinkBinding> = {};
  for (const s of result.plan.sinks) {
    sinks[s.name] = {
      json: true,
      onBatch: (b: SinkBatch) => {
        if (b.rows.length === 0) return;
        lines.push(`-- sink ${s.name}, query ${b.query}, batch ${b.batchId}`);
        b.rows.forEach((row, i) => lines.push(`${b.kinds[i]} ${JSON.stringify(row)}`));
      },
    };
  }
  const progress: QueryProgress[] = [];
  const job = mod.createJob({ sources, sinks, set: config.set ?? {}, print: () => {} });
  job.on('progress', (p) => progress.push(p));
  let error: string | null = null;
  try {
    await job.run();
  } catch (e) {
    // Paths in messages are made relative to the case folder, so transcripts are portable.
    error = (e as Error).message.split(dir + '/').join('').split(relative(process.cwd(), dir) + '/').join('');
  }
  const sum = (f: (p: QueryProgress) => number) => progress.reduce((n, p) => n + f(p), 0);
  lines.push(
    `-- progress: ${sum((p) => p.numInputRows)} rows in, ${sum((p) => p.lateRowsDropped)} late, ` +
      `${sum((p) => p.parseErrorsSkipped)} malformed skipped`,
  );
  if (error !== null) lines.push(`-- error: ${error}`);
  return lines.join('\n') + '\n';
}
