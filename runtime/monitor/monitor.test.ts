/**
 * The live page's server and the Prometheus metrics over a running job: `/metrics` scraped while
 * the job runs parses as the text exposition format and its counters agree with the job's own
 * progress; `/api/state` holds the plan graph, buckets and a malformed record's notice; the
 * server is read-only and loopback-bound; an application's own registry can take the metrics.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import type { QueryProgress } from '../index.ts';
import { MemoryStream } from '../connectors/memory/source.ts';
import { WIN_FIELDS, evSource, jobSpec, sinkSpec, tumbleCountQuery } from '../testing/specs.ts';
import { defineJob } from '../engine/job.ts';
import type { UiServer } from './server.ts';
import { registerJobMetrics } from './metrics.ts';
import type { JobView } from './history.ts';

/** One sample line of the text exposition format: `name{a="x",b="y"} value`. */
interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Parses Prometheus text exposition (0.0.4); throws on a line that is not comment, blank or sample. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  const typed = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(meta[3]);
        typed.add(meta[2]!);
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    if (Number.isNaN(value) && m[3] !== 'NaN') throw new Error(`bad value in: ${line}`);
    const family = m[1]!.replace(/_(bucket|sum|count)$/, '');
    if (!typed.has(m[1]!) && !typed.has(family)) throw new Error(`sample before its # TYPE: ${line}`);
    samples.push({ name: m[1]!, labels, value });
  }
  return samples;
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((n, s) => n + s.value, 0);

function windowJob() {
  const src = evSource('clicks', { delayMs: 1_000, bounded: false, options: { 'json.ignore-parse-errors': 'true' } });
  const spec = jobSpec(
    [src],
    [sinkSpec('out', WIN_FIELDS)],
    [
      tumbleCountQuery('counts', src, {
        id: 'n1.window-aggregate',
        sink: 'out',
        sizeMs: 10_000,
        graph: [
          { id: 2, label: 'Scan clicks [memory]', details: [], inputs: [], relation: 'clicks' },
          { id: 1, label: 'WindowAggregate tumble(10 s) ON ts', details: ['keys: k'], inputs: [2], relation: null },
          { id: 0, label: 'Sink out [memory]', details: [], inputs: [1], relation: 'out' },
        ],
      }),
    ],
  );
  const stream = new MemoryStream<unknown>();
  const out: unknown[] = [];
  const progress: QueryProgress[] = [];
  const job = defineJob(spec, { sources: { clicks: { stream } }, sinks: { out: { rows: out } } });
  job.on('progress', (p) => progress.push(p));
  return { job, stream, out, progress };
}

async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

let server: UiServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe('live page server and /metrics', () => {
  it('scraped during a run, /metrics parses and its counters agree with the progress reports', async () => {
    const { job, stream, progress } = windowJob();
    server = await job.serveUi();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await job.start();
    for (let s = 0; s < 30; s++) stream.push({ k: `k${s % 3}`, v: 1, ts: s * 1000 });
    stream.push('{"broken'); // not an object: skipped and counted
    // 31 records read: 30 rows and the malformed one
    await until(() => progress.reduce((n, p) => n + p.numInputRows, 0) === 31, 'the records to be read');

    const scrape = async () => {
      const res = await fetch(`${server!.url}metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return parseExposition(await res.text());
    };
    const during = await scrape();
    const l = { job: job.name, query: 'counts' };
    expect(value(during, 'sqc_input_rows_total', { ...l, source: 'clicks' })).toBe(31);
    expect(value(during, 'sqc_malformed_records_total', { ...l, source: 'clicks' })).toBe(1);
    expect(value(during, 'sqc_batches_total', l)).toBe(progress.length);
    expect(value(during, 'sqc_batch_duration_seconds_count', l)).toBe(progress.length);
    expect(value(during, 'sqc_query_running', l)).toBe(1);
    expect(value(during, 'sqc_state_rows', { ...l, operator: 'n1.window-aggregate' })).toBe(progress.at(-1)!.stateRows);
    expect(value(during, 'sqc_watermark_seconds', l)).toBe(28);

    const state = (await (await fetch(`${server.url}api/state`)).json()) as JobView;
    const q = state.queries[0]!;
    expect(q.graph.map((n) => n.label)).toEqual([
      'Scan clicks [memory]',
      'WindowAggregate tumble(10 s) ON ts',
      'Sink out [memory]',
    ]);
    expect(q.totals.inputRows).toBe(31);
    expect(q.buckets.reduce((n, b) => n + b.inputRows, 0)).toBe(31);
    expect(state.notices.map((n) => n.message)).toContain(
      'skipped a malformed record of "clicks" at record 30: field "(record)": expected a JSON object, got "{\\"broken"',
    );

    stream.end();
    await job.awaitTermination();
    const after = await scrape();
    const written = progress.reduce((n, p) => n + p.sinks[0]!.rowsWritten, 0);
    expect(written).toBe(3 * 3); // 3 keys × windows [0,10) [10,20) [20,30)
    expect(value(after, 'sqc_output_rows_total', { ...l, sink: 'out' })).toBe(written);
    expect(value(after, 'sqc_query_running', l)).toBe(0);
  });

  it('is read-only: other methods get 405, unknown paths 404; assets come from the package', async () => {
    const { job } = windowJob();
    server = await job.serveUi();
    const post = await fetch(`${server.url}api/state`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(`${server.url}nope`)).status).toBe(404);
    const page = await (await fetch(server.url)).text();
    expect(page).toContain('<script src="/assets/uplot.js"></script>');
    const uplot = await fetch(`${server.url}assets/uplot.js`);
    expect(uplot.status).toBe(200);
    expect(await uplot.text()).toContain('uPlot');
  });

  it("registers into the application's own prom-client registry", async () => {
    const { job, stream } = windowJob();
    const registry = new Registry();
    new (await import('prom-client')).Counter({ name: 'app_requests_total', help: 'x', registers: [registry] });
    expect(await job.registerMetrics(registry)).toBe(registry);
    await job.start();
    stream.push({ k: 'a', v: 1, ts: 0 });
    stream.end();
    await job.awaitTermination();
    const samples = parseExposition(await registry.metrics());
    expect(value(samples, 'sqc_input_rows_total', { source: 'clicks' })).toBe(1);
    expect(samples.some((s) => s.name === 'app_requests_total')).toBe(true);
  });

  it('folds reports in between scrapes: every batch counts once, however many arrive or scrapes follow', async () => {
    const { job, stream, progress } = windowJob();
    const metrics = await registerJobMetrics(job);
    await job.start();
    stream.push({ k: 'a', v: 1, ts: 0 });
    stream.push({ k: 'b', v: 1, ts: 1 });
    stream.end();
    await job.awaitTermination();
    // more reports between two scrapes than the metrics keep pending before folding them in
    const extra = 5000;
    for (let i = 0; i < extra; i++) metrics.update(progress[0]!);
    const l = { job: job.name, query: 'counts' };
    const batches = progress.length + extra;
    for (let scrape = 0; scrape < 2; scrape++) {
      const samples = parseExposition(await metrics.registry.metrics());
      expect(value(samples, 'sqc_batches_total', l)).toBe(batches);
      expect(value(samples, 'sqc_batch_duration_seconds_count', l)).toBe(batches);
      expect(value(samples, 'sqc_input_rows_total', { ...l, source: 'clicks' })).toBe(2 + extra * progress[0]!.numInputRows);
      expect(value(samples, 'sqc_state_rows', { ...l, operator: 'n1.window-aggregate' })).toBe(progress[0]!.stateRows);
    }
  });
});
