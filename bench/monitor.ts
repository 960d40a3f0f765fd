/**
 * Benchmark: what watching a job costs (target: < 2% throughput).
 *
 * The pipeline suite's compiled queries over its events file (1M events by default,
 * `SQC_BENCH_EVENTS`), read 1,000 records per micro-batch (the default `scan.batch-size`, so a
 * progress record every 1,000 rows — ten times as many as the pipeline suite's batches), each run
 *   - plain: nothing watching;
 *   - metrics: `job.registerMetrics()` (prom-client updated from every progress record) and a
 *     scrape of the registry every second;
 *   - ui: `job.serveUi()` with a client on `/api/events` (an update a second) and a `/metrics`
 *     scrape every second, as a browser and Prometheus would.
 * Variants are interleaved round by round (the machine is shared); medians of `SQC_BENCH_RUNS`
 * rounds (default 5) after a warm-up round; the overhead is the median of per-round ratios.
 * Results go to bench/results/monitor.json.
 */
import { request } from 'node:http';
import type { Job, JobOverrides } from '../runtime/index.ts';
import { compileJob, eventsFile, EVENTS, QUERIES, SOURCE } from './pipeline.ts';
import { median, writeResults } from './util.ts';

const RUNS = Number(process.env['SQC_BENCH_RUNS'] ?? 5);
const VARIANTS = ['plain', 'metrics', 'ui'] as const;
type Variant = (typeof VARIANTS)[number];

/** Reads an SSE stream until `stop` is called. */
function listen(url: string): () => void {
  const req = request(url, (res) => res.resume());
  req.on('error', () => {});
  req.end();
  return () => req.destroy();
}

async function runOnce(create: (o?: JobOverrides) => Job, variant: Variant): Promise<number> {
  const job = create({ sources: { events: { 'scan.batch-size': '1000' } }, sinks: {} });
  const cleanup: (() => Promise<void> | void)[] = [];
  if (variant === 'metrics') {
    const registry = await job.registerMetrics();
    const t = setInterval(() => void registry.metrics(), 1000);
    cleanup.push(() => clearInterval(t));
  } else if (variant === 'ui') {
    const ui = await job.serveUi();
    const stopListening = listen(`${ui.url}api/events`);
    const t = setInterval(() => void fetch(`${ui.url}metrics`).then((r) => r.text()), 1000);
    cleanup.push(
      () => clearInterval(t),
      stopListening,
      () => ui.close(),
    );
  }
  const start = performance.now();
  await job.run();
  const ms = performance.now() - start;
  for (const c of cleanup) await c();
  return ms;
}

export async function benchMonitor(): Promise<void> {
  const events = await eventsFile();
  const results: Record<string, Record<string, unknown>> = {};
  console.log(`\n## monitoring overhead (${EVENTS.toLocaleString('en-US')} events, 1,000 records per micro-batch)`);
  for (const name of ['tumble', 'filter'] as const) {
    const create = await compileJob(`monitor-${name}`, SOURCE(events) + QUERIES[name]);
    for (const v of VARIANTS) await runOnce(create, v); // warm-up
    const times: Record<Variant, number[]> = { plain: [], metrics: [], ui: [] };
    for (let r = 0; r < RUNS; r++) for (const v of VARIANTS) times[v].push(await runOnce(create, v));
    const plain = median(times.plain);
    const row: Record<string, unknown> = { plainMs: plain };
    const parts = [`plain ${(EVENTS / plain / 1000).toFixed(2)} M events/s`];
    for (const v of ['metrics', 'ui'] as const) {
      const ratios = times[v].map((t, i) => t / times.plain[i]!);
      const overhead = (median(ratios) - 1) * 100;
      row[`${v}Ms`] = median(times[v]);
      row[`${v}OverheadPct`] = overhead;
      parts.push(`${v} ${overhead >= 0 ? '+' : ''}${overhead.toFixed(1)}%`);
    }
    results[name] = row;
    console.log(`  ${name.padEnd(8)} ${parts.join(', ')}`);
  }
  console.log(`  results: ${writeResults('monitor', results)}`);
}
