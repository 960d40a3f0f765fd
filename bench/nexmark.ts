/**
 * Benchmark: the NEXMark queries as Flink runs them, over the in-memory `nexmark` source into
 * Flink's blackhole sinks — every query of `bench/nexmark/flink/` (Flink's `ddl_gen.sql`,
 * `ddl_views.sql` and `qN.sql`, unchanged but for q6, which Flink cannot run either, and q14's
 * function DDL, which names the TypeScript CountChar of test/nexmark/udf/ instead of Flink's Java
 * class: `EDITS`) that `sqc check` accepts; the others are listed with the checker's first error.
 *
 * Each query is a whole `sqc run` process of the built package (dist/, as installed; start-up
 * included, compiled module cached by a warm-up run), timed by /usr/bin/time: wall seconds, CPU seconds (user + system, every thread),
 * peak RSS. Events per second per core = events / CPU seconds, the measure Flink's NEXMark
 * reports (throughput / cores). Every run of a query must write the same number of rows (the
 * generator is deterministic), checked before the times count.
 *
 * Start-up: the same query over 1,000 events, timed as often; `(start-up excluded)` is the
 * events of the full run minus those over its CPU seconds minus the start-up run's, the rate a
 * long run (Flink's suite runs 100M events) approaches.
 *
 * Live state: one more run of each query (not timed) with a state snapshot every second and
 * `--progress-json` reports the most state rows any batch ended with and, from the snapshots, the
 * state's serialized size per row, so the table shows the state at its largest (rows, and an
 * estimate of its size as the checkpoint writes it) beside the peak RSS.
 *
 * Longer runs: the queries of `SQC_BENCH_NEXMARK_LONG_QUERIES` (default q0, q1, q2) also run over
 * `SQC_BENCH_NEXMARK_LONG_EVENTS` events (default 10M; 0 turns it off), whole process as above:
 * start-up and the JIT's warm-up then weigh less, as in Flink's 100M-event suite, and the per-core
 * figure of that run is reported beside the 2M one.
 *
 * Settings as Flink's NEXMark suite: `first-event.rate` (TPS) 10,000,000, proportions 1:3:46;
 * `SQC_BENCH_NEXMARK_EVENTS` events (default 2M; Flink's suite runs 100M),
 * `SQC_BENCH_RUNS` runs (default 3), `SQC_BENCH_NEXMARK_QUERIES` (e.g. `q0,q5`) a subset.
 * Results: bench/results/nexmark.json.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { DATA } from './pipeline.ts';
import { FLINK, SIDE_INPUT, flinkProgram } from './nexmark/program.ts';
import { measure, median, useDist, writeResults, type Measured } from './util.ts';

const ROOT = join(import.meta.dirname, '..');
const DIR = join(DATA, 'nexmark');
const EVENTS = Number(process.env['SQC_BENCH_NEXMARK_EVENTS'] ?? 2_000_000);
const RUNS = Number(process.env['SQC_BENCH_RUNS'] ?? 3);
const TPS = 10_000_000;
const LONG_EVENTS = Number(process.env['SQC_BENCH_NEXMARK_LONG_EVENTS'] ?? 10_000_000);
const LONG_QUERIES = (process.env['SQC_BENCH_NEXMARK_LONG_QUERIES'] ?? 'q0,q1,q2').split(',');
export { DIR as NEXMARK_DIR, EVENTS as NEXMARK_EVENTS };

/**
 * Published events/s per core (issue 11): Flink's NEXMark results and DBSP's (q0–q2).
 */
const PUBLISHED: Readonly<Record<string, string>> = {
  q0: 'Flink ~380K; DBSP ~1.1M',
  q1: 'DBSP ~1.1M',
  q2: 'DBSP ~1.1M',
  q5: 'Flink ~75K',
  q7: 'Flink ~23K',
  q11: 'Flink ~46K',
};

/** Flink's program for query `q` with this suite's settings (or `events` events). */
export const nexmarkProgram = (q: string, events = EVENTS) => flinkProgram(q, { tps: TPS, events, dir: DIR });

/** Events of the start-up run, which measures what a run costs before its events do. */
const STARTUP_EVENTS = 1000;

const sqc = (...args: string[]) => [process.execPath, join(ROOT, 'bin', 'sqc.js'), ...args];

/** The checker's verdict: null when accepted, else its first error line. */
function checkError(path: string): string | null {
  const r = spawnSync(sqc('check', path)[0]!, sqc('check', path).slice(1), { encoding: 'utf8' });
  if (r.status === 0) return null;
  const first = r.stderr.split('\n').find((l) => l.includes('error['));
  return (first ?? r.stderr.trim().split('\n')[0] ?? 'refused').replace(/^.*?error/, 'error');
}

/** Rows written by the job, from `sqc run`'s summary ("... N rows out"). */
function rowsOut(m: Measured): number {
  const hits = [...m.output.matchAll(/([\d,]+) rows out/g)];
  if (hits.length === 0) throw new Error(`no summary in sqc run's output:\n${m.output.slice(-1000)}`);
  return hits.reduce((n, h) => n + Number(h[1]!.replaceAll(',', '')), 0);
}

/** The most state rows a batch ended with, and the state's snapshot bytes per row (0 without state). */
interface LiveState {
  readonly peakRows: number;
  readonly bytesPerRow: number;
}

/**
 * Runs the query once more with a state snapshot every second and its progress records written
 * out; reads back the largest `stateRows` and the snapshot size per state row (at the snapshot
 * that held the most rows).
 */
function liveState(path: string, q: string): LiveState {
  const ck = join(DIR, `${q}-checkpoints`);
  const progress = join(DIR, `${q}-progress.jsonl`);
  rmSync(ck, { recursive: true, force: true });
  rmSync(progress, { force: true });
  const args = ['run', path, '--quiet', '--set', `checkpoint.dir=${ck}`, '--set', 'checkpoint.interval=1 s'];
  measure(sqc(...args, '--progress-json', progress), DIR);
  let peakRows = 0;
  let best = { rows: 0, bytes: 0 };
  for (const line of readFileSync(progress, 'utf8').split('\n')) {
    if (line === '') continue;
    const p = JSON.parse(line) as { stateOperators: { rows: number; bytes: number | null }[] };
    const rows = p.stateOperators.reduce((n, o) => n + o.rows, 0);
    peakRows = Math.max(peakRows, rows);
    if (p.stateOperators.every((o) => o.bytes !== null) && rows > best.rows)
      best = { rows, bytes: p.stateOperators.reduce((n, o) => n + o.bytes!, 0) };
  }
  rmSync(ck, { recursive: true, force: true });
  rmSync(progress, { force: true });
  return { peakRows, bytesPerRow: best.rows === 0 ? 0 : best.bytes / best.rows };
}

const mib = (bytes: number) => `${(bytes / (1 << 20)).toFixed(bytes < 10 << 20 ? 1 : 0)} MiB`;

const k = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${Math.round(n / 1e3)}K`);

/** q13's side input, where its program reads it. */
export function writeSideInput(): void {
  mkdirSync(join(DIR, 'data'), { recursive: true });
  writeFileSync(join(DIR, 'data', 'side_input.txt'), SIDE_INPUT);
}

export async function benchNexmark(): Promise<void> {
  writeSideInput();
  useDist();
  process.env['SQC_CACHE_DIR'] = join(DIR, 'cache');
  const only = process.env['SQC_BENCH_NEXMARK_QUERIES']?.split(',');
  const queries = readdirSync(FLINK)
    .map((f) => /^(q\d+)\.sql$/.exec(f)?.[1])
    .filter((q): q is string => q !== undefined && (!only || only.includes(q)))
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  console.log(
    `\n## NEXMark (Flink's SQL) on the in-memory nexmark source → blackhole, whole sqc run processes (${EVENTS.toLocaleString('en-US')} events, TPS ${TPS.toLocaleString('en-US')})`,
  );
  console.log(
    '  query   events/s   events/s/core   (start-up excluded)   CPU s   peak RSS   rows out   peak state rows (≈ snapshot size)   published (events/s/core)',
  );
  const results: Record<string, unknown> = {};
  for (const q of queries) {
    const path = join(DIR, `${q}.sq`);
    writeFileSync(path, nexmarkProgram(q));
    const refused = checkError(path);
    if (refused !== null) {
      console.log(`  ${q.padEnd(6)}  not run: sqc check refuses Flink's text: ${refused}`);
      results[q] = { refused };
      continue;
    }
    const run = () => measure(sqc('run', path), DIR);
    const expected = rowsOut(run()); // warm-up: compiles and caches the module
    const runs: Measured[] = [];
    for (let r = 0; r < RUNS; r++) {
      const m = run();
      const rows = rowsOut(m);
      if (rows !== expected) throw new Error(`${q}: run ${r + 1} wrote ${rows} rows, the warm-up run ${expected}`);
      runs.push(m);
    }
    // the same query over 1,000 events: start-up, compiled module loaded from the cache
    const startupPath = join(DIR, `${q}-startup.sq`);
    writeFileSync(startupPath, nexmarkProgram(q, STARTUP_EVENTS));
    measure(sqc('run', startupPath), DIR);
    const startupCpu = median(Array.from({ length: RUNS }, () => measure(sqc('run', startupPath), DIR).cpuSeconds));
    // the same query over LONG_EVENTS events, whole process (compiled first by a warm-up run)
    let long: { events: number; cpuSeconds: number; eventsPerSecondPerCore: number } | null = null;
    if (LONG_EVENTS > 0 && LONG_QUERIES.includes(q)) {
      const longPath = join(DIR, `${q}-long.sq`);
      writeFileSync(longPath, nexmarkProgram(q, LONG_EVENTS));
      measure(sqc('run', longPath), DIR);
      const longCpu = median(Array.from({ length: RUNS }, () => measure(sqc('run', longPath), DIR).cpuSeconds));
      long = { events: LONG_EVENTS, cpuSeconds: longCpu, eventsPerSecondPerCore: LONG_EVENTS / longCpu };
    }
    const state = liveState(path, q);
    const stateBytes = state.peakRows * state.bytesPerRow;
    const seconds = median(runs.map((m) => m.seconds));
    const cpu = median(runs.map((m) => m.cpuSeconds));
    const rss = Math.max(...runs.map((m) => m.rssMiB));
    const steady = (EVENTS - STARTUP_EVENTS) / Math.max(cpu - startupCpu, 1e-3);
    results[q] = {
      seconds,
      cpuSeconds: cpu,
      eventsPerSecond: EVENTS / seconds,
      eventsPerSecondPerCore: EVENTS / cpu,
      startupCpuSeconds: startupCpu,
      eventsPerSecondPerCoreWithoutStartup: steady,
      peakRssMiB: rss,
      rowsOut: expected,
      peakStateRows: state.peakRows,
      peakStateSnapshotBytes: Math.round(stateBytes),
      published: PUBLISHED[q] ?? null,
      long,
    };
    console.log(
      `  ${q.padEnd(6)} ${k(EVENTS / seconds).padStart(9)} ${k(EVENTS / cpu).padStart(14)} ${`(${k(steady)})`.padStart(21)}  ${cpu.toFixed(2).padStart(6)}  ${rss.toFixed(0).padStart(5)} MiB ${expected.toLocaleString('en-US').padStart(10)}   ${(state.peakRows === 0 ? '-' : `${state.peakRows.toLocaleString('en-US')} (≈ ${mib(stateBytes)})`).padEnd(33)} ${PUBLISHED[q] ?? ''}`,
    );
  }
  const longRuns = Object.entries(results).filter(([, r]) => (r as { long?: unknown }).long);
  if (longRuns.length > 0) {
    console.log(`  longer runs (${LONG_EVENTS.toLocaleString('en-US')} events, whole process): events/s/core, CPU s`);
    for (const [q, r] of longRuns) {
      const l = (r as { long: { cpuSeconds: number; eventsPerSecondPerCore: number } }).long;
      console.log(`  ${q.padEnd(6)} ${k(l.eventsPerSecondPerCore).padStart(14)}  ${l.cpuSeconds.toFixed(2).padStart(6)}`);
    }
  }
  console.log(`  results: ${writeResults('nexmark', { events: EVENTS, tps: TPS, runs: RUNS, queries: results })}`);
}
