/**
 * Prometheus metrics of a running job (prom-client), from its progress reports. A report is
 * folded into plain per-query numbers (a few additions, no label hashing); prom-client's series
 * are brought up to date only when the registry is read (a scrape, `registry.metrics()`), through
 * its `collect` hooks — so watching a job costs next to nothing between scrapes, whatever the
 * batch rate. Every series is labelled by `job` and `query`, and by `source`, `sink`, `operator`
 * or `partition` where it is about one of those.
 *
 * | metric | type | labels |
 * |---|---|---|
 * | `sqc_batches_total` | counter | job, query |
 * | `sqc_input_rows_total` | counter | job, query, source |
 * | `sqc_output_rows_total` | counter | job, query, sink |
 * | `sqc_late_rows_total` | counter | job, query |
 * | `sqc_malformed_records_total` | counter | job, query, source |
 * | `sqc_null_time_rows_total` | counter | job, query |
 * | `sqc_checkpoints_total` | counter | job, query (state snapshots written) |
 * | `sqc_batch_duration_seconds` | histogram | job, query |
 * | `sqc_batch_phase_seconds` | gauge (last batch) | job, query, phase (get_batch, process, commit, checkpoint) |
 * | `sqc_input_rows_per_second`, `sqc_processed_rows_per_second` | gauge (last batch) | job, query |
 * | `sqc_watermark_seconds` | gauge (epoch seconds; absent before the first watermark) | job, query |
 * | `sqc_watermark_lag_seconds` | gauge | job, query |
 * | `sqc_state_rows` | gauge | job, query, operator |
 * | `sqc_checkpoint_state_bytes`, `sqc_checkpoint_state_seconds` | gauge (latest state snapshot) | job, query |
 * | `sqc_source_partition_lag` | gauge | job, query, source, partition (`topic/partition` id) |
 * | `sqc_query_running` | gauge (1 running, 0 otherwise) | job, query |
 */
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { QueryProgress } from '../types.ts';
import type { Job } from '../engine/api.ts';

type PromClient = typeof import('prom-client');

/** Batch durations kept for the histogram between scrapes, at most (then observed at once). */
const MAX_PENDING = 4096;

/** Adds `n` to the count kept under `key`. */
function add(counts: Map<string, number>, key: string, n: number): void {
  counts.set(key, (counts.get(key) ?? 0) + n);
}

/**
 * What one query's reports added since the last scrape (counters, histogram observations) and
 * the latest value of each gauge.
 */
class QueryFigures {
  batches = 0;
  late = 0;
  nullTime = 0;
  checkpoints = 0;
  readonly inputRows = new Map<string, number>();
  readonly malformed = new Map<string, number>();
  readonly outputRows = new Map<string, number>();
  /** Batch durations in seconds not yet observed by the histogram. */
  durations: number[] = [];
  /** The latest report (phases, rates, state rows). */
  last: QueryProgress | null = null;
  /** Latest known values: kept while later reports leave them out (null). */
  watermarkSeconds: number | null = null;
  watermarkLagSeconds: number | null = null;
  readonly operatorBytes = new Map<string, number>();
  /** `source` → `partition` → records not read yet. */
  readonly partitionLag = new Map<string, Map<string, number>>();
  lastState: { readonly bytes: number; readonly seconds: number } | null = null;
}

/** The metrics of one job in `registry`; `update` folds in one progress report. */
export class JobMetrics {
  private readonly batches: Counter;
  private readonly inputRows: Counter;
  private readonly outputRows: Counter;
  private readonly lateRows: Counter;
  private readonly malformed: Counter;
  private readonly nullTime: Counter;
  private readonly checkpoints: Counter;
  private readonly batchDuration: Histogram;
  private readonly phase: Gauge;
  private readonly inputRate: Gauge;
  private readonly processedRate: Gauge;
  private readonly watermark: Gauge;
  private readonly watermarkLag: Gauge;
  private readonly stateRows: Gauge;
  private readonly operatorStateBytes: Gauge;
  private readonly stateBytes: Gauge;
  private readonly stateSeconds: Gauge;
  private readonly partitionLag: Gauge;
  private readonly running: Gauge;
  private readonly figures = new Map<string, QueryFigures>();
  /** A report arrived since the series were last brought up to date. */
  private dirty = false;

  constructor(
    prom: PromClient,
    readonly registry: Registry,
    private readonly job: Job,
  ) {
    const registers = [registry];
    // every series is brought up to date when any of them is read (the first read of a scrape
    // does the work; the rest find nothing new)
    const collect = () => this.sync();
    const counter = (name: string, help: string, labelNames: string[]) =>
      new prom.Counter({ name, help, labelNames, registers, collect });
    const gauge = (name: string, help: string, labelNames: string[]) =>
      new prom.Gauge({ name, help, labelNames, registers, collect });
    const q = ['job', 'query'];
    this.batches = counter('sqc_batches_total', 'Micro-batches run.', q);
    this.inputRows = counter('sqc_input_rows_total', 'Rows read, per source.', [...q, 'source']);
    this.outputRows = counter('sqc_output_rows_total', 'Rows written, per sink.', [...q, 'sink']);
    this.lateRows = counter('sqc_late_rows_total', 'Late rows dropped (event time below the watermark).', q);
    this.malformed = counter('sqc_malformed_records_total', 'Malformed records skipped, per source.', [...q, 'source']);
    this.nullTime = counter('sqc_null_time_rows_total', 'Rows dropped by window operators for a NULL event time.', q);
    this.checkpoints = counter('sqc_checkpoints_total', 'State snapshots written.', q);
    this.batchDuration = new prom.Histogram({
      name: 'sqc_batch_duration_seconds',
      help: 'Micro-batch duration, all phases.',
      labelNames: q,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
      collect,
    });
    this.phase = gauge('sqc_batch_phase_seconds', 'Duration of each phase of the last micro-batch.', [...q, 'phase']);
    this.inputRate = gauge('sqc_input_rows_per_second', 'Input rows per second (last micro-batch).', q);
    this.processedRate = gauge('sqc_processed_rows_per_second', 'Rows processed per second of batch time.', q);
    this.watermark = gauge('sqc_watermark_seconds', 'Query watermark, epoch seconds.', q);
    this.watermarkLag = gauge('sqc_watermark_lag_seconds', 'Wall clock minus watermark at the end of the batch.', q);
    this.stateRows = gauge('sqc_state_rows', 'Rows (groups, windows, buffered rows) in operator state.', [
      ...q,
      'operator',
    ]);
    this.operatorStateBytes = gauge(
      'sqc_state_bytes',
      "Bytes of the operator's state in the latest checkpoint (its JSON in the state file).",
      [...q, 'operator'],
    );
    this.stateBytes = gauge('sqc_checkpoint_state_bytes', 'Size of the latest state snapshot file.', q);
    this.stateSeconds = gauge('sqc_checkpoint_state_seconds', 'Time to take and write the latest state snapshot.', q);
    this.partitionLag = gauge('sqc_source_partition_lag', 'Records not read yet, per partition (Kafka).', [
      ...q,
      'source',
      'partition',
    ]);
    this.running = gauge('sqc_query_running', '1 while the query runs, 0 once stopped or failed.', q);
    for (const query of job.queries) this.running.set({ job: job.name, query: query.name }, 0);
  }

  /** Folds in one progress report: plain additions; the series see it at the next read. */
  update(p: QueryProgress): void {
    let f = this.figures.get(p.query);
    if (f === undefined) this.figures.set(p.query, (f = new QueryFigures()));
    f.batches++;
    for (const s of p.sources) {
      add(f.inputRows, s.name, s.numInputRows);
      add(f.malformed, s.name, s.malformedRecords);
      for (const part of s.partitions ?? []) {
        if (part.lag === null) continue;
        let lags = f.partitionLag.get(s.name);
        if (lags === undefined) f.partitionLag.set(s.name, (lags = new Map()));
        lags.set(part.id, part.lag);
      }
    }
    for (const s of p.sinks) add(f.outputRows, s.name, s.rowsWritten);
    f.late += p.lateRowsDropped;
    f.nullTime += p.nullTimeRowsDropped;
    if (p.checkpoint?.stateWritten) f.checkpoints++;
    f.durations.push(p.durationMs.total / 1000);
    f.last = p;
    if (p.watermark !== null && p.watermark !== '+infinity') f.watermarkSeconds = Date.parse(p.watermark) / 1000;
    if (p.watermarkLagMs !== null) f.watermarkLagSeconds = p.watermarkLagMs / 1000;
    for (const o of p.stateOperators) if (o.bytes !== null) f.operatorBytes.set(o.id, o.bytes);
    const last = p.checkpoint?.lastState;
    if (last) f.lastState = { bytes: last.bytes, seconds: last.durationMs / 1000 };
    this.dirty = true;
    // a registry nobody reads must not grow without bound
    if (f.durations.length >= MAX_PENDING) this.sync();
  }

  /** Brings every series up to date with the reports folded in since the last call, and the status. */
  private sync(): void {
    this.refreshStatus();
    if (!this.dirty) return;
    this.dirty = false;
    for (const [query, f] of this.figures) {
      const l = { job: this.job.name, query };
      this.batches.inc(l, f.batches);
      this.lateRows.inc(l, f.late);
      this.nullTime.inc(l, f.nullTime);
      this.checkpoints.inc(l, f.checkpoints);
      f.batches = f.late = f.nullTime = f.checkpoints = 0;
      for (const [source, n] of f.inputRows) this.inputRows.inc({ ...l, source }, n);
      for (const [source, n] of f.malformed) this.malformed.inc({ ...l, source }, n);
      for (const [sink, n] of f.outputRows) this.outputRows.inc({ ...l, sink }, n);
      f.inputRows.clear();
      f.malformed.clear();
      f.outputRows.clear();
      for (const d of f.durations) this.batchDuration.observe(l, d);
      f.durations = [];
      const p = f.last;
      if (p !== null) {
        const d = p.durationMs;
        this.phase.set({ ...l, phase: 'get_batch' }, d.getBatch / 1000);
        this.phase.set({ ...l, phase: 'process' }, d.process / 1000);
        this.phase.set({ ...l, phase: 'commit' }, d.commit / 1000);
        this.phase.set({ ...l, phase: 'checkpoint' }, d.checkpoint / 1000);
        this.inputRate.set(l, p.inputRowsPerSecond);
        this.processedRate.set(l, p.processedRowsPerSecond);
        for (const o of p.stateOperators) this.stateRows.set({ ...l, operator: o.id }, o.rows);
      }
      if (f.watermarkSeconds !== null) this.watermark.set(l, f.watermarkSeconds);
      if (f.watermarkLagSeconds !== null) this.watermarkLag.set(l, f.watermarkLagSeconds);
      for (const [operator, bytes] of f.operatorBytes) this.operatorStateBytes.set({ ...l, operator }, bytes);
      for (const [source, lags] of f.partitionLag)
        for (const [partition, lag] of lags) this.partitionLag.set({ ...l, source, partition }, lag);
      if (f.lastState !== null) {
        this.stateBytes.set(l, f.lastState.bytes);
        this.stateSeconds.set(l, f.lastState.seconds);
      }
    }
  }

  /** Brings `sqc_query_running` up to date (a query stops without a report). */
  private refreshStatus(): void {
    for (const q of this.job.queries)
      this.running.set({ job: this.job.name, query: q.name }, q.status === 'running' ? 1 : 0);
  }
}

/**
 * Registers the job's metrics in `registry` (a new one when absent, e.g. the application's own
 * `prom-client` registry) and keeps them current from the job's progress reports.
 */
export async function registerJobMetrics(job: Job, registry?: Registry): Promise<JobMetrics> {
  const prom = await import('prom-client');
  const metrics = new JobMetrics(prom, registry ?? new prom.Registry(), job);
  job.on('progress', (p) => metrics.update(p));
  return metrics;
}
