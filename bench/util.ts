/** Small helpers shared by the benchmarks: timing, medians and a side-by-side report. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function time(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

export async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface Row {
  readonly name: string;
  readonly ms: number;
  /** Rows processed, for a rows/s column. */
  readonly rows?: number;
}

/** Prints a table: median time, throughput, and the ratio to the first row. */
export function report(title: string, rows: readonly Row[], note = ''): void {
  console.log(`\n## ${title}${note ? `  (${note})` : ''}`);
  const base = rows[0]!.ms;
  for (const r of rows) {
    const rate = r.rows ? `${(r.rows / (r.ms / 1000) / 1e6).toFixed(2)} M rows/s` : '';
    const ratio = r === rows[0] ? '1.00x' : `${(r.ms / base).toFixed(2)}x`;
    console.log(
      `  ${r.name.padEnd(44)} ${r.ms.toFixed(1).padStart(9)} ms  ${rate.padStart(16)}  ${ratio.padStart(7)} time vs first`,
    );
  }
}

/** Writes a suite's results to bench/results/<suite>.json (gitignored); returns the path. */
export function writeResults(suite: string, results: unknown): string {
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${suite}.json`);
  writeFileSync(
    path,
    JSON.stringify({ suite, at: new Date().toISOString(), node: process.version, results }, null, 2) + '\n',
  );
  return path;
}

/** One whole process as /usr/bin/time measured it. */
export interface Measured {
  /** Wall-clock seconds. */
  readonly seconds: number;
  /** CPU seconds, user + system, over all threads (GC and compiler threads included). */
  readonly cpuSeconds: number;
  readonly rssMiB: number;
  /** What it printed (stdout, then stderr without the timing line). */
  readonly output: string;
}

/** Runs a command under /usr/bin/time: wall and CPU seconds, peak RSS, its stdout. */
export function measure(cmd: string[], cwd: string): Measured {
  const r = spawnSync('/usr/bin/time', ['-f', 'SQC_TIME %e %U %S %M', ...cmd], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const m = /SQC_TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${cmd.join(' ')} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  return {
    seconds: Number(m[1]),
    cpuSeconds: Number(m[2]) + Number(m[3]),
    rssMiB: Number(m[4]) / 1024,
    output: r.stdout + r.stderr.replace(/^SQC_TIME .*$/m, ''),
  };
}

let distBuilt = false;

/**
 * Whole-process suites time `sqc` as an installed package runs it: the compiled dist/ (built
 * here once, so it matches the sources), not the repository's TypeScript through tsx, whose
 * loader costs ~1 s of start-up CPU. Child processes inherit SQC_DIST=1; with SQC_DIST=1 already
 * set, dist/ is taken as built.
 */
export function useDist(): void {
  // SQC_DIST=1 set by the caller: dist/ is built (rebuilding it would break sqc processes of
  // another suite running from it)
  if (distBuilt || process.env['SQC_DIST'] === '1') return;
  const r = spawnSync(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'build.mjs')], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stderr.slice(-2000)}`);
  process.env['SQC_DIST'] = '1';
  distBuilt = true;
}
