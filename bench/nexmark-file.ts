/**
 * Benchmark: NEXMark-shaped bids as JSON lines, whole processes, results to a JSON-lines file —
 * what a new user runs, not what flatters us.
 *
 * Input: `SQC_BENCH_EVENTS` bids (default 1M, ~190 bytes each) with all seven NEXMark bid
 * columns (`auction, bidder, price, channel, url, dateTime, extra`), 10,000 bids per second of
 * event time, disorder below the 5 s watermark delay (no late rows), half of them on the 100
 * newest (hot) auctions and the rest spread over the 20,000 newest — over 60,000 distinct auction
 * keys, so a large share of the input becomes output rows.
 *
 * Queries (each engine writes its result file; results are checked equal before timing counts):
 *   tumble — bids per auction per 10 s tumbling window
 *   hop    — bids per auction per 10 s window sliding every 2 s
 *   filter — `auction, bidder, price * 0.908, dateTime WHERE price > 5000 AND channel <> 'Apple'`
 * Engines, each a whole process with its start-up, timed by /usr/bin/time (wall time, peak RSS):
 *   sqc    — `sqc run q.sq` of the built package (dist/, as installed; compiled module cached
 *            by a warm-up run, as a re-run is)
 *   duckdb — DuckDB 1 thread (`bench/nexmark/duck.mjs`)
 *   hand   — readline + JSON.parse + Map (`bench/nexmark/hand.mjs`)
 * Medians of `SQC_BENCH_RUNS` (default 3) interleaved rounds. Results: bench/results/nexmark-file.json.
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../runtime/random.ts';
import { DATA, EVENTS } from './pipeline.ts';
import { measure, median, useDist, writeResults, type Measured } from './util.ts';

const RUNS = Number(process.env['SQC_BENCH_RUNS'] ?? 3);
const ROOT = join(import.meta.dirname, '..');
const DIR = join(DATA, 'nexmark-file');
export { DIR as FILE_DIR };
const QUERIES = ['tumble', 'hop', 'filter'] as const;
type Query = (typeof QUERIES)[number];
export type { Query as FileQuery };
const ENGINES = ['sqc', 'duckdb', 'hand'] as const;
type Engine = (typeof ENGINES)[number];

const CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple', 'channel-'];

/** Writes `n` seeded bids (NEXMark's Bid columns) as JSON lines. */
async function writeBids(path: string, n: number): Promise<void> {
  const rnd = seededRandom(7);
  const out = createWriteStream(path);
  const first = Date.UTC(2025, 3, 21, 12, 0, 0);
  let chunk = '';
  for (let i = 0; i < n; i++) {
    const newest = 1000 + Math.floor(i / 16); // a new auction every 16 bids
    const auction = rnd() < 0.5 ? newest - Math.floor(rnd() * 100) : newest - Math.floor(rnd() * 20_000);
    const bidder = 1000 + Math.floor(rnd() * 50_000);
    const price = Math.floor(Math.exp(rnd() * 10) * 10);
    const c = Math.floor(rnd() * CHANNELS.length);
    const channel = c === 4 ? `channel-${Math.floor(rnd() * 10_000)}` : CHANNELS[c]!;
    const t = first + Math.floor(i / 10) - Math.floor(rnd() * 4_000); // 10 per ms of event time... < 4 s disorder
    const extra = 'x'.repeat(20 + Math.floor(rnd() * 40));
    chunk +=
      JSON.stringify({
        auction,
        bidder,
        price,
        channel,
        url: `https://www.nexmark.com/${channel.toLowerCase()}/item.htm?query=1&channel_id=${Math.floor(rnd() * 1e6)}`,
        dateTime: new Date(t).toISOString(),
        extra,
      }) + '\n';
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
  }
  out.write(chunk);
  await new Promise<void>((r) => out.end(() => r()));
}

export function fileProgram(q: Query, bids: string, out: string): string {
  const source = `
CREATE STREAM bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime TIMESTAMP(3), extra STRING,
  WATERMARK FOR dateTime AS dateTime - INTERVAL '5' SECOND
) WITH ('connector' = 'file', 'path' = '${bids}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '${out}', 'format' = 'json');
`;
  const window = (tvf: string) => `
INSERT INTO out
SELECT auction, window_start, window_end, COUNT(*) AS bids
FROM TABLE(${tvf})
GROUP BY auction, window_start, window_end;`;
  switch (q) {
    case 'tumble':
      return source + window(`TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND)`);
    case 'hop':
      return source + window(`HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND, INTERVAL '10' SECOND)`);
    case 'filter':
      return (
        source +
        `
INSERT INTO out
SELECT auction, bidder, price * 0.908 AS price_eur, dateTime FROM bid WHERE price > 5000 AND channel <> 'Apple';`
      );
  }
}

/** The suite's input file of `SQC_BENCH_EVENTS` bids, written the first time. */
export async function fileBids(): Promise<string> {
  const bids = join(DIR, `bids-${EVENTS}.jsonl`);
  if (!existsSync(bids)) {
    console.log(`writing ${EVENTS.toLocaleString('en-US')} NEXMark bids to ${bids} ...`);
    await writeBids(bids, EVENTS);
  }
  return bids;
}

function command(engine: Engine, q: Query, bids: string, out: string, sq: string): string[] {
  switch (engine) {
    case 'sqc':
      return [process.execPath, join(ROOT, 'bin', 'sqc.js'), 'run', sq, '--quiet'];
    case 'duckdb':
      return [process.execPath, join(import.meta.dirname, 'nexmark', 'duck.mjs'), q, bids, out];
    case 'hand':
      return [process.execPath, join(import.meta.dirname, 'nexmark', 'hand.mjs'), q, bids, out];
  }
}

/** A result file as sorted canonical lines: timestamps as epoch ms, numbers to 12 digits. */
function canonical(path: string): string[] {
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  return lines
    .map((l) => {
      const o = JSON.parse(l) as Record<string, unknown>;
      return Object.keys(o)
        .sort()
        .map((k) => {
          const v = o[k];
          if (typeof v === 'number') return `${k}=${Number(v.toPrecision(12))}`;
          if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v)) return `${k}=${Date.parse(v)}`;
          return `${k}=${String(v)}`;
        })
        .join(',');
    })
    .sort();
}

export async function benchNexmarkFile(): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  useDist();
  const bids = await fileBids();
  const env = { cache: join(DIR, 'cache') };
  process.env['SQC_CACHE_DIR'] = env.cache;
  console.log(
    `\n## NEXMark-shaped bids, JSON lines → JSON-lines file, whole processes (${EVENTS.toLocaleString('en-US')} bids)`,
  );
  console.log('  query   engine   events/s     CPU s   peak RSS   time vs sqc');
  const results: Record<string, unknown> = {};
  for (const q of QUERIES) {
    const outs = Object.fromEntries(ENGINES.map((e) => [e, join(DIR, `${q}-${e}.jsonl`)])) as Record<Engine, string>;
    const sq = join(DIR, `${q}.sq`);
    writeFileSync(sq, fileProgram(q, bids, outs.sqc));
    // Warm-up (compiles and caches the sqc module) and the equality check.
    for (const e of ENGINES) {
      rmSync(outs[e], { force: true });
      measure(command(e, q, bids, outs[e], sq), DIR);
    }
    const reference = canonical(outs.duckdb);
    for (const e of ['sqc', 'hand'] as const) {
      const got = canonical(outs[e]);
      if (got.length !== reference.length || got.some((l, i) => l !== reference[i]))
        throw new Error(`${q}: ${e} (${got.length} rows) disagrees with duckdb (${reference.length} rows)`);
    }
    const times: Record<Engine, Measured[]> = { sqc: [], duckdb: [], hand: [] };
    for (let r = 0; r < RUNS; r++)
      for (const e of ENGINES) {
        rmSync(outs[e], { force: true });
        times[e].push(measure(command(e, q, bids, outs[e], sq), DIR));
      }
    const sqcSeconds = median(times.sqc.map((t) => t.seconds));
    const row: Record<string, unknown> = { outputRows: reference.length };
    for (const e of ENGINES) {
      const s = median(times[e].map((t) => t.seconds));
      const cpu = median(times[e].map((t) => t.cpuSeconds));
      const rss = Math.max(...times[e].map((t) => t.rssMiB));
      row[e] = { seconds: s, cpuSeconds: cpu, eventsPerSecond: EVENTS / s, peakRssMiB: rss };
      console.log(
        `  ${q.padEnd(7)} ${e.padEnd(7)} ${Math.round(EVENTS / s)
          .toLocaleString('en-US')
          .padStart(
            10,
          )}  ${cpu.toFixed(2).padStart(6)}  ${rss.toFixed(0).padStart(7)} MiB   ${(s / sqcSeconds).toFixed(2)}x`,
      );
    }
    results[q] = row;
    console.log(`  ${q}: ${reference.length.toLocaleString('en-US')} result rows, all engines agree`);
  }
  console.log(`  results: ${writeResults('nexmark-file', results)}`);
}
