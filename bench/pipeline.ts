/**
 * Benchmark: end-to-end pipelines over the same JSON-lines file (1M events by default, or
 * `SQC_BENCH_EVENTS`), side by side in one run: sqc (compiled module, in process), a
 * straightforward hand-written Node pipeline, and DuckDB with one thread.
 *
 *   tumble  — COUNT(*) per page per 1-minute tumbling window
 *   hop     — COUNT(*) per page per 1-minute window sliding every 10 s
 *   filter  — WHERE action = 'purchase' AND amount > 50, projecting three columns to a file
 *
 * All three engines must agree on the results before any time is reported. Medians of
 * `SQC_BENCH_RUNS` runs (default 3) after one warm-up.
 */
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile } from '../compiler/index.ts';
import type { Job, JobOverrides } from '../runtime/index.ts';
import { DuckBench, handFilter, handHop, handTumble, writeEvents, type WindowCount } from './competitors.ts';
import { median, report, timeAsync } from './util.ts';

export const DATA = join(import.meta.dirname, 'data');
export const EVENTS = Number(process.env['SQC_BENCH_EVENTS'] ?? 1_000_000);
const RUNS = Number(process.env['SQC_BENCH_RUNS'] ?? 3);

export const SOURCE = (path: string) => `
CREATE STREAM events (
  event_id BIGINT, user_id STRING, page STRING, action STRING, amount DOUBLE, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH ('connector' = 'file', 'path' = '${path}', 'format' = 'json', 'scan.batch-size' = '10000');
`;

export const QUERIES = {
  tumble: `
CREATE SINK counts WITH ('connector' = 'blackhole');
INSERT INTO counts
SELECT window_start, page, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, page;`,
  hop: `
CREATE SINK counts WITH ('connector' = 'blackhole');
INSERT INTO counts
SELECT window_start, page, COUNT(*) AS n
FROM TABLE(HOP(TABLE events, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, page;`,
  filter: `
CREATE SINK purchases WITH ('connector' = 'file', 'path' = '${join(DATA, 'sqc-filter-out.jsonl')}', 'format' = 'json');
INSERT INTO purchases
SELECT event_id, user_id, amount * 1.2 AS gross FROM events WHERE action = 'purchase' AND amount > 50;`,
};

type Name = keyof typeof QUERIES;

async function loadJob(name: Name, events: string): Promise<(overrides?: JobOverrides) => Job> {
  return compileJob(name, SOURCE(events) + QUERIES[name]);
}

/** Compiles `source` into bench/data/bench-<name>.ts and returns its `createJob`. */
export async function compileJob(name: string, source: string): Promise<(overrides?: JobOverrides) => Job> {
  const runtimeImport = pathToFileURL(join(import.meta.dirname, '..', 'runtime', 'index.ts')).href;
  const result = await compile(source, `bench-${name}.sq`, { runtimeImport });
  if (!result.code)
    throw new Error(`bench query ${name} does not compile: ${result.diagnostics.map((d) => d.message).join('; ')}`);
  const file = join(DATA, `bench-${name}.ts`);
  writeFileSync(file, result.code);
  const mod = (await import(pathToFileURL(file).href)) as { createJob(o?: JobOverrides): Job };
  return (o) => mod.createJob(o);
}

/** Runs a windowed-count job, collecting its rows in memory (the blackhole sink is re-bound). */
async function sqcCounts(create: (o?: JobOverrides) => Job): Promise<WindowCount[]> {
  const rows: { window_start: number; page: string; n: number }[] = [];
  await create({ sinks: { counts: { rows: rows as unknown[] } } }).run();
  return rows;
}

function canonical(rows: readonly WindowCount[]): string {
  return rows
    .map((r) => `${r.window_start}|${r.page}|${r.n}`)
    .sort()
    .join('\n');
}

function agree(name: string, results: Record<string, readonly WindowCount[]>): void {
  const [first, ...rest] = Object.entries(results);
  for (const [engine, rows] of rest) {
    if (canonical(rows) !== canonical(first![1])) {
      throw new Error(
        `${name}: ${engine} (${rows.length} rows) disagrees with ${first![0]} (${first![1].length} rows)`,
      );
    }
  }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await timeAsync(fn));
  return median(times);
}

/** The benchmark's events file (`n` events, default `SQC_BENCH_EVENTS`), written on first use. */
export async function eventsFile(n = EVENTS): Promise<string> {
  mkdirSync(DATA, { recursive: true });
  const events = join(DATA, `events-${n}.jsonl`);
  if (!existsSync(events)) {
    console.log(`writing ${n.toLocaleString('en-US')} events to ${events} ...`);
    await writeEvents(events, n);
  }
  return events;
}

export async function benchPipeline(): Promise<void> {
  const events = await eventsFile();
  const mb = (statSync(events).size / 1e6).toFixed(0);
  const duck = await DuckBench.open();

  for (const name of ['tumble', 'hop'] as const) {
    const create = await loadJob(name, events);
    const hand = name === 'tumble' ? handTumble : handHop;
    const viaDuck = (p: string) => (name === 'tumble' ? duck.tumble(p) : duck.hop(p));
    agree(name, { sqc: await sqcCounts(create), 'hand-written': await hand(events), duckdb: await viaDuck(events) });
    report(`${name} count, ${EVENTS.toLocaleString('en-US')} events (${mb} MB JSON lines), median of ${RUNS}`, [
      { name: 'sqc', ms: await timed(() => sqcCounts(create)), rows: EVENTS },
      { name: 'hand-written Node (readline + JSON.parse + Map)', ms: await timed(() => hand(events)), rows: EVENTS },
      { name: 'DuckDB (threads = 1)', ms: await timed(() => viaDuck(events)), rows: EVENTS },
    ]);
  }

  const create = await loadJob('filter', events);
  const sqcOut = join(DATA, 'sqc-filter-out.jsonl');
  const runSqc = async () => {
    rmSync(sqcOut, { force: true });
    await create().run();
  };
  await runSqc();
  const handCount = await handFilter(events, join(DATA, 'hand-filter-out.jsonl'));
  const duckCount = await duck.filter(events, join(DATA, 'duck-filter-out.jsonl'));
  const sqcCount = (await import('node:fs')).readFileSync(sqcOut, 'utf8').split('\n').filter(Boolean).length;
  if (sqcCount !== handCount || duckCount !== handCount) {
    throw new Error(`filter: row counts differ (sqc ${sqcCount}, hand-written ${handCount}, duckdb ${duckCount})`);
  }
  report(`filter + projection to a JSON-lines file, ${EVENTS.toLocaleString('en-US')} events, median of ${RUNS}`, [
    { name: 'sqc', ms: await timed(runSqc), rows: EVENTS },
    {
      name: 'hand-written Node (readline + JSON.parse)',
      ms: await timed(() => handFilter(events, join(DATA, 'hand-filter-out.jsonl'))),
      rows: EVENTS,
    },
    {
      name: 'DuckDB (threads = 1)',
      ms: await timed(() => duck.filter(events, join(DATA, 'duck-filter-out.jsonl'))),
      rows: EVENTS,
    },
  ]);
}
