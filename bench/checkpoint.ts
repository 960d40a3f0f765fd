/**
 * Benchmark: what checkpointing costs (issue 4; target: < 10% throughput at a 1 s interval).
 *
 * 1. Throughput. The same compiled queries over the pipeline suite's events file (1M events by
 *    default, `SQC_BENCH_EVENTS` or `SQC_BENCH_CKPT_EVENTS`), read with the default `scan.batch-size` (1000 records per
 *    micro-batch; `SQC_BENCH_CKPT_BATCH` changes it), each run
 *      - without checkpoints,
 *      - with `checkpoint.interval` = 1 s,
 *      - with `checkpoint.interval` = 0 (a state file after every micro-batch), for reference.
 *    Variants are interleaved round by round (the machine is shared); medians of
 *    `SQC_BENCH_RUNS` rounds (default 5) after one warm-up round. The overhead is the ratio of
 *    the medians, and the median of the per-round ratios (less sensitive to drifting load).
 *      tumble-page  — COUNT(*) per page per 1-minute tumbling window (the pipeline suite's, 50 keys)
 *      tumble-user  — COUNT(*), SUM(amount) per user per 1-hour tumbling window (~10k open groups)
 *      filter       — WHERE action = 'purchase' AND amount > 50 to a JSON-lines file sink
 *                     (exactly-once with checkpoints: staging file per batch, commit, publish)
 * 2. Checkpoint size vs. state rows: a GROUP BY with N distinct keys (N = 10k, 100k, 1M), and
 *    window aggregates with many open windows (per-user TUMBLE 1 h, HOP 1 h / 10 min,
 *    HOP 1 h / 1 min). For the largest state snapshot written (interval 1 s): state rows
 *    (progress `stateRows`), state file bytes (`checkpoint.lastState.bytes`), bytes per row, the
 *    total time the progress reports (`lastState.durationMs`: taking the snapshot, encoding it,
 *    log fsync, sink sync, file write + fsync + rename + dir fsync, cleanup) and, measured here
 *    separately, the parts spent taking the snapshot and encoding it as JSON
 *    (`encodeState(query.snapshot())`).
 *
 * Results go to bench/results/checkpoint.json.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Job, JobOverrides, QueryProgress } from '../runtime/index.ts';
import { encodeState } from '../runtime/state/snapshot.ts';
import { compileJob, DATA, EVENTS, eventsFile, QUERIES, SOURCE } from './pipeline.ts';
import { median, writeResults } from './util.ts';

const RUNS = Number(process.env['SQC_BENCH_RUNS'] ?? 5);
const SIZE_RUNS = Number(process.env['SQC_BENCH_SIZE_RUNS'] ?? 3);
/** The runtime's default `scan.batch-size` (runtime/engine/input.ts). */
const BATCH = process.env['SQC_BENCH_CKPT_BATCH'] ?? '1000';
const CK = join(DATA, 'ckpt');
/** Events read per run (default: the pipeline suite's `SQC_BENCH_EVENTS`). */
const N_EVENTS = Number(process.env['SQC_BENCH_CKPT_EVENTS'] ?? EVENTS);

const THROUGHPUT_QUERIES: Record<string, string> = {
  'tumble-page': QUERIES.tumble,
  'tumble-user': `
CREATE SINK counts WITH ('connector' = 'blackhole');
INSERT INTO counts
SELECT window_start, user_id, COUNT(*) AS n, SUM(amount) AS total
FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '1' HOUR))
GROUP BY window_start, window_end, user_id;`,
  filter: QUERIES.filter,
};

const SIZE_QUERIES: Record<string, string> = {
  ...Object.fromEntries(
    [10_000, 100_000, 1_000_000].map((n) => [
      `group-by ${n / 1000}k keys`,
      `
CREATE SINK out WITH ('connector' = 'blackhole');
INSERT INTO out
SELECT MOD(event_id, ${n}) AS k, COUNT(*) AS n, SUM(amount) AS total
FROM events GROUP BY MOD(event_id, ${n});`,
    ]),
  ),
  'tumble 1 h by user': THROUGHPUT_QUERIES['tumble-user']!,
  'hop 1 h / 10 min by user': `
CREATE SINK counts WITH ('connector' = 'blackhole');
INSERT INTO counts
SELECT window_start, user_id, COUNT(*) AS n, SUM(amount) AS total
FROM TABLE(HOP(TABLE events, DESCRIPTOR(ts), INTERVAL '10' MINUTE, INTERVAL '1' HOUR))
GROUP BY window_start, window_end, user_id;`,
  'hop 1 h / 1 min by user': `
CREATE SINK counts WITH ('connector' = 'blackhole');
INSERT INTO counts
SELECT window_start, user_id, COUNT(*) AS n, SUM(amount) AS total
FROM TABLE(HOP(TABLE events, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '1' HOUR))
GROUP BY window_start, window_end, user_id;`,
};

type Variant = { readonly name: string; readonly interval: string | null };
const VARIANTS: readonly Variant[] = [
  { name: 'no checkpoint', interval: null },
  { name: 'interval 1 s', interval: '1 s' },
  { name: 'interval 0 (every batch)', interval: '0 ms' },
];

/** What one run measured: wall time and, from the progress reports, where checkpoint time went. */
interface RunStats {
  ms: number;
  batches: number;
  /** Sum of `checkpoint.durationMs`: write-ahead record + commit marker + state writes. */
  ckMs: number;
  /** Sum of `lastState.durationMs` of the state files written (excludes snapshot + JSON encode). */
  stateMs: number;
  states: number;
  /** Sum of `durationMs.commit`: sink commit (file sink: staging file), commit marker, publish. */
  commitMs: number;
  lastStateBytes: number;
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9]+/g, '-');
}

function overrides(dir: string | null, interval: string | null, extra: JobOverrides = {}): JobOverrides {
  return {
    ...extra,
    sources: { events: { 'scan.batch-size': BATCH } },
    set: interval === null || dir === null ? {} : { 'checkpoint.dir': dir, 'checkpoint.interval': interval },
  };
}

async function runOnce(
  create: (o?: JobOverrides) => Job,
  dir: string,
  interval: string | null,
  extra: JobOverrides = {},
  onProgress?: (p: QueryProgress, job: Job) => void,
): Promise<RunStats> {
  rmSync(dir, { recursive: true, force: true });
  const job = create(overrides(interval === null ? null : dir, interval, extra));
  const s: RunStats = { ms: 0, batches: 0, ckMs: 0, stateMs: 0, states: 0, commitMs: 0, lastStateBytes: 0 };
  job.on('notice', () => {});
  job.on('progress', (p) => {
    s.batches++;
    s.commitMs += p.durationMs.commit;
    const c = p.checkpoint;
    if (c !== undefined) {
      s.ckMs += c.durationMs;
      if (c.stateWritten && c.lastState !== null) {
        s.states++;
        s.stateMs += c.lastState.durationMs;
        s.lastStateBytes = c.lastState.bytes;
      }
    }
    onProgress?.(p, job);
  });
  const t0 = performance.now();
  await job.run();
  s.ms = performance.now() - t0;
  return s;
}

const pct = (r: number) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%`;
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

async function throughput(events: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const [name, sql] of Object.entries(THROUGHPUT_QUERIES)) {
    const create = await compileJob(`ckpt-${name}`, SOURCE(events) + sql);
    const extra: JobOverrides =
      name === 'filter' ? { sinks: { purchases: { path: join(DATA, 'ckpt-filter-out.jsonl') } } } : {};
    const dirOf = (v: Variant) => join(CK, `${name}-${slug(v.name)}`);
    for (const v of VARIANTS) await runOnce(create, dirOf(v), v.interval, extra); // warm-up
    const runs = new Map<Variant, RunStats[]>(VARIANTS.map((v) => [v, []]));
    for (let r = 0; r < RUNS; r++) {
      // rotate the order each round so no variant always runs first (or after the heaviest)
      for (let k = 0; k < VARIANTS.length; k++) {
        const v = VARIANTS[(r + k) % VARIANTS.length]!;
        runs.get(v)!.push(await runOnce(create, dirOf(v), v.interval, extra));
      }
    }
    for (const v of VARIANTS) rmSync(dirOf(v), { recursive: true, force: true });
    const base = runs.get(VARIANTS[0]!)!;
    const baseMs = median(base.map((s) => s.ms));
    console.log(
      `\n## checkpoint overhead: ${name}, ${fmt(N_EVENTS)} events, scan.batch-size ${BATCH} (${base[0]!.batches} batches), median of ${RUNS} interleaved rounds`,
    );
    console.log(
      `  ${'variant'.padEnd(26)} ${'median ms'.padStart(9)} ${'spread'.padStart(7)} ${'events/s'.padStart(10)} ${'vs none'.padStart(8)} ${'paired'.padStart(8)} ${'states'.padStart(6)} ${'ckpt ms'.padStart(8)} ${'state ms'.padStart(8)} ${'commit ms'.padStart(9)} ${'state KB'.padStart(8)}`,
    );
    for (const v of VARIANTS) {
      const rs = runs.get(v)!;
      const ms = median(rs.map((s) => s.ms));
      const spread = (Math.max(...rs.map((s) => s.ms)) - Math.min(...rs.map((s) => s.ms))) / ms;
      const paired = median(rs.map((s, i) => s.ms / base[i]!.ms));
      const row = {
        query: name,
        variant: v.name,
        interval: v.interval,
        batchSize: Number(BATCH),
        events: N_EVENTS,
        batches: rs[0]!.batches,
        medianMs: ms,
        spread,
        eventsPerSecond: N_EVENTS / (ms / 1000),
        ratio: ms / baseMs,
        pairedRatio: paired,
        states: median(rs.map((s) => s.states)),
        checkpointMs: median(rs.map((s) => s.ckMs)),
        stateWriteMs: median(rs.map((s) => s.stateMs)),
        commitMs: median(rs.map((s) => s.commitMs)),
        lastStateBytes: rs[rs.length - 1]!.lastStateBytes,
        runsMs: rs.map((s) => s.ms),
      };
      out.push(row);
      console.log(
        `  ${v.name.padEnd(26)} ${fmt(ms).padStart(9)} ${`±${(spread * 50).toFixed(0)}%`.padStart(7)} ${fmt(row.eventsPerSecond).padStart(10)} ${(v === VARIANTS[0] ? '—' : pct(row.ratio)).padStart(8)} ${(v === VARIANTS[0] ? '—' : pct(paired)).padStart(8)} ${fmt(row.states).padStart(6)} ${fmt(row.checkpointMs).padStart(8)} ${fmt(row.stateWriteMs).padStart(8)} ${fmt(row.commitMs).padStart(9)} ${fmt(row.lastStateBytes / 1024, 1).padStart(8)}`,
      );
    }
  }
  console.log(
    '  (spread: ±half the max-min range over the median; paired: median of per-round ratios; ckpt ms: progress checkpoint.durationMs summed;\n' +
      '   state ms: lastState.durationMs summed (taking, encoding and writing snapshots); commit ms: progress durationMs.commit summed)',
  );
  return out;
}

interface SizePoint {
  rows: number;
  bytes: number;
  writeMs: number;
  snapshotMs: number;
  encodeMs: number;
  jsonChars: number;
}

async function sizes(events: string): Promise<unknown[]> {
  const out: unknown[] = [];
  console.log(
    `\n## checkpoint size vs. state rows (${fmt(N_EVENTS)} events, interval 1 s, largest state written; medians of ${SIZE_RUNS} runs)`,
  );
  console.log(
    `  ${'query'.padEnd(26)} ${'state rows'.padStart(10)} ${'file bytes'.padStart(12)} ${'bytes/row'.padStart(9)} ${'total ms'.padStart(9)} ${'snap ms'.padStart(9)} ${'encode ms'.padStart(9)} ${'MB/s'.padStart(9)}`,
  );
  for (const [name, sql] of Object.entries(SIZE_QUERIES)) {
    const create = await compileJob(`ckpt-size-${slug(name)}`, SOURCE(events) + sql);
    const dir = join(CK, `size-${slug(name)}`);
    const points: SizePoint[] = [];
    for (let r = 0; r < SIZE_RUNS; r++) {
      let best: SizePoint | null = null;
      await runOnce(create, dir, '1 s', {}, (p, job) => {
        const c = p.checkpoint;
        if (!c?.stateWritten || c.lastState === null || (best !== null && p.stateRows <= best.rows)) return;
        // the engine encodes the snapshot before its timer starts: measure that part here
        const t0 = performance.now();
        const snap = job.queries[0]!.snapshot();
        const t1 = performance.now();
        const json = encodeState(snap);
        const t2 = performance.now();
        best = {
          rows: p.stateRows,
          bytes: c.lastState.bytes,
          writeMs: c.lastState.durationMs,
          snapshotMs: t1 - t0,
          encodeMs: t2 - t1,
          jsonChars: json.length,
        };
      });
      if (best === null) throw new Error(`${name}: no state snapshot was written`);
      points.push(best);
    }
    rmSync(dir, { recursive: true, force: true });
    const p0 = points[0]!;
    const writeMs = median(points.map((p) => p.writeMs));
    const snapshotMs = median(points.map((p) => p.snapshotMs));
    const encodeMs = median(points.map((p) => p.encodeMs));
    const row = {
      query: name,
      stateRows: p0.rows,
      bytes: p0.bytes,
      bytesPerRow: p0.rows > 0 ? p0.bytes / p0.rows : null,
      writeMs,
      snapshotMs,
      encodeMs,
      points,
    };
    out.push(row);
    console.log(
      `  ${name.padEnd(26)} ${fmt(p0.rows).padStart(10)} ${fmt(p0.bytes).padStart(12)} ${(row.bytesPerRow === null ? '—' : fmt(row.bytesPerRow, 1)).padStart(9)} ${fmt(writeMs, 1).padStart(9)} ${fmt(snapshotMs, 1).padStart(9)} ${fmt(encodeMs, 1).padStart(9)} ${fmt(p0.bytes / 1e6 / (writeMs / 1000), 0).padStart(9)}`,
    );
  }
  console.log(
    '  (total ms: progress lastState.durationMs (snapshot + encode + write); snap ms: query.snapshot() and encode ms: encodeState(snapshot),\n' +
      '   the parts of it measured separately at the same point; MB/s: file bytes / total)',
  );
  return out;
}

export async function benchCheckpoint(): Promise<void> {
  const events = await eventsFile(N_EVENTS);
  mkdirSync(CK, { recursive: true });
  console.log(`events file ${events} (${(statSync(events).size / 1e6).toFixed(0)} MB); checkpoints in ${CK}`);
  const only = process.env['SQC_BENCH_CKPT_PART'];
  const results: Record<string, unknown> = { events: N_EVENTS, batchSize: Number(BATCH), runs: RUNS };
  if (only === undefined || only === 'throughput') results['throughput'] = await throughput(events);
  if (only === undefined || only === 'size') results['size'] = await sizes(events);
  console.log(`\nresults: ${writeResults('checkpoint', results)}`);
}
