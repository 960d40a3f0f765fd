/**
 * Crash tests with the record shapes users produce (issue 15): the file source's saved position
 * must be exact whatever the line lengths, read chunks and batch sizes.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { killAll, runJob, type RunResult } from './crash/harness.ts';

const TMP = mkdtempSync(join(tmpdir(), 'sqc-crash-shapes-'));
const CACHE = join(TMP, 'cache');
afterAll(() => {
  killAll();
  rmSync(TMP, { recursive: true, force: true });
});

/** A job copying `id` from `path` (JSON lines) to out/ids.jsonl, exactly-once. */
function copyJob(dir: string, batchSize: number): string {
  const job = join(dir, 'job.sq');
  writeFileSync(
    job,
    `SET 'pipeline.name' = 'copy';
CREATE STREAM src (id BIGINT, pad STRING) WITH (
  'connector' = 'file', 'path' = 'in.jsonl', 'format' = 'json', 'scan.batch-size' = '${batchSize}');
CREATE SINK ids WITH ('connector' = 'file', 'path' = 'out/ids.jsonl', 'format' = 'json');
INSERT INTO ids SELECT id FROM src;
`,
  );
  return job;
}

/** A JSON line of `bytes` bytes before its newline. */
function line(id: number, bytes: number): string {
  const head = `{"id":${id},"pad":"`;
  return `${head}${'x'.repeat(bytes - head.length - 2)}"}\n`;
}

/** Runs `job` in `dir` with checkpoints in dir/chk; fails unless killed at `crashAt` (when given) or exits 0. */
async function run(dir: string, job: string, crashAt?: string, sets: Record<string, string> = {}): Promise<RunResult> {
  const r = await runJob({
    job,
    cwd: dir,
    cacheDir: CACHE,
    sets: { 'checkpoint.dir': join(dir, 'chk'), ...sets },
    ...(crashAt !== undefined ? { crashAt } : {}),
  });
  if (crashAt !== undefined) expect(r.signal, `${crashAt}: ${r.stderr}`).toBe('SIGKILL');
  else expect(r.code, r.stderr).toBe(0);
  return r;
}

function ids(dir: string): number[] {
  return readFileSync(join(dir, 'out', 'ids.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { id: number }).id);
}

function expectEachOnce(got: number[], n: number): void {
  const seen = new Map<number, number>();
  for (const id of got) seen.set(id, (seen.get(id) ?? 0) + 1);
  const twice = [...seen].filter(([, c]) => c > 1).map(([id]) => id);
  expect({ rows: got.length, distinct: seen.size, twice: twice.slice(0, 5) }).toEqual({
    rows: n,
    distinct: n,
    twice: [],
  });
  expect(got).toEqual(Array.from({ length: n }, (_, i) => i));
}

it('a restart after a crash reads a 900,000-byte line among 99-byte lines once (issue 15)', async () => {
  const dir = join(TMP, 'long-line');
  mkdirSync(dir);
  const parts: string[] = [];
  let id = 0;
  for (let i = 0; i < 5000; i++) parts.push(line(id++, 99));
  parts.push(line(id++, 900_000));
  for (let i = 0; i < 30_000; i++) parts.push(line(id++, 99));
  writeFileSync(join(dir, 'in.jsonl'), parts.join(''));
  const job = copyJob(dir, 1000);
  await run(dir, job, 'batch.polled:11', { 'checkpoint.interval': '0' });
  const r = await run(dir, job, undefined, { 'checkpoint.interval': '0' });
  expect(r.stderr).not.toContain('did not reach the logged offsets');
  expectEachOnce(ids(dir), 35_001);
});

it('a crash at state.renamed:67 with uniform lines and batches of 313 loses and repeats nothing (issue 15)', async () => {
  const dir = join(TMP, 'uniform');
  mkdirSync(dir);
  const parts: string[] = [];
  for (let id = 0; id < 30_000; id++) parts.push(line(id, 99));
  writeFileSync(join(dir, 'in.jsonl'), parts.join(''));
  const job = copyJob(dir, 313);
  await run(dir, job, 'state.renamed:67', { 'checkpoint.interval': '0' });
  const r = await run(dir, job, undefined, { 'checkpoint.interval': '0' });
  expect(r.stderr).not.toContain('did not reach the logged offsets');
  expectEachOnce(ids(dir), 30_000);
});
