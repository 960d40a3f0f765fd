/**
 * What the live page shows, kept from a job's progress reports: per query one bucket per second
 * for the last ten minutes (a fast query runs thousands of micro-batches a second; buckets bound
 * memory and what the page receives), running totals, the latest report, and the job's recent
 * notices (checkpoint resumes, sink guarantees, skipped malformed records, failures).
 */
import type { PlanGraphNode } from '../contract.ts';
import type { QueryProgress } from '../types.ts';
import type { Job } from '../engine/api.ts';

/** One second of one query. */
export interface Bucket {
  /** Start of the second, epoch ms. */
  readonly t: number;
  batches: number;
  inputRows: number;
  /** Sum of batch durations (ms): processed rate = inputRows / busyMs. */
  busyMs: number;
  maxBatchMs: number;
  lateRows: number;
  malformed: number;
  checkpointMs: number;
  /** Latest in the second. */
  stateRows: number;
  watermarkLagMs: number | null;
}

export interface Notice {
  readonly time: string;
  readonly level: 'info' | 'warning' | 'error';
  readonly query: string | null;
  readonly message: string;
}

export interface QueryView {
  readonly name: string;
  readonly status: string;
  readonly error: string | null;
  readonly graph: readonly PlanGraphNode[];
  readonly last: QueryProgress | null;
  readonly totals: {
    readonly batches: number;
    readonly inputRows: number;
    readonly lateRows: number;
    readonly malformed: number;
    /** Rows read per source and written per sink since the page started watching. */
    readonly sources: Readonly<Record<string, number>>;
    readonly sinks: Readonly<Record<string, number>>;
  };
  readonly buckets: readonly Bucket[];
}

export interface JobView {
  readonly job: string;
  readonly since: string;
  readonly queries: readonly QueryView[];
  readonly notices: readonly Notice[];
}

const SECONDS = 600;
const NOTICES = 200;

class QueryHistory {
  readonly buckets: Bucket[] = [];
  last: QueryProgress | null = null;
  batches = 0;
  inputRows = 0;
  lateRows = 0;
  malformed = 0;
  readonly sources: Record<string, number> = {};
  readonly sinks: Record<string, number> = {};

  add(p: QueryProgress, now: number): void {
    const t = now - (now % 1000);
    let b = this.buckets[this.buckets.length - 1];
    if (b === undefined || b.t !== t) {
      b = {
        t,
        batches: 0,
        inputRows: 0,
        busyMs: 0,
        maxBatchMs: 0,
        lateRows: 0,
        malformed: 0,
        checkpointMs: 0,
        stateRows: 0,
        watermarkLagMs: null,
      };
      this.buckets.push(b);
      while (this.buckets.length > 0 && this.buckets[0]!.t <= t - SECONDS * 1000) this.buckets.shift();
    }
    const d = p.durationMs;
    b.batches++;
    b.inputRows += p.numInputRows;
    b.busyMs += d.total;
    if (d.total > b.maxBatchMs) b.maxBatchMs = d.total;
    b.lateRows += p.lateRowsDropped;
    b.malformed += p.parseErrorsSkipped;
    b.checkpointMs += d.checkpoint;
    b.stateRows = p.stateRows;
    b.watermarkLagMs = p.watermarkLagMs;
    this.last = p;
    this.batches++;
    this.inputRows += p.numInputRows;
    this.lateRows += p.lateRowsDropped;
    this.malformed += p.parseErrorsSkipped;
    for (const s of p.sources) this.sources[s.name] = (this.sources[s.name] ?? 0) + s.numInputRows;
    for (const s of p.sinks) this.sinks[s.name] = (this.sinks[s.name] ?? 0) + s.rowsWritten;
  }
}

/** Watches `job` from now on; `view()` is what the page and `/api/state` serve. */
export class JobHistory {
  private readonly since = new Date().toISOString();
  private readonly queries = new Map<string, QueryHistory>();
  private readonly notices: Notice[] = [];
  private readonly failed = new Set<string>();
  /** Notices pushed out of the list (so clients can ask for "the ones after the n-th"). */
  private noticesDropped = 0;

  constructor(
    private readonly job: Job,
    private readonly graphs: ReadonlyMap<string, readonly PlanGraphNode[]>,
    private readonly clock: () => number = Date.now,
  ) {
    for (const q of job.queries) this.queries.set(q.name, new QueryHistory());
    job.on('progress', (p) => this.progress(p));
    job.on('notice', (m) => this.notice('info', null, m));
  }

  private progress(p: QueryProgress): void {
    this.queries.get(p.query)?.add(p, this.clock());
    for (const s of p.sources) {
      if (s.malformedSample !== null) {
        const more = s.malformedRecords > 1 ? ` (and ${s.malformedRecords - 1} more in this batch)` : '';
        this.notice(
          'warning',
          p.query,
          `skipped a malformed record of "${s.name}" at ${s.malformedSample.location}: ${s.malformedSample.reason}${more}`,
        );
      }
    }
  }

  private notice(level: Notice['level'], query: string | null, message: string): void {
    this.notices.push({ time: new Date(this.clock()).toISOString(), level, query, message });
    if (this.notices.length > NOTICES) {
      this.notices.shift();
      this.noticesDropped++;
    }
  }

  /** Notes queries that failed since the last call (their error is a notice once). */
  private checkFailures(): void {
    for (const q of this.job.queries) {
      if (q.status === 'failed' && q.error && !this.failed.has(q.name)) {
        this.failed.add(q.name);
        this.notice('error', q.name, q.error.message);
      }
    }
  }

  /**
   * The page's state. With `sinceBucket` (epoch ms), only buckets from that second on are
   * included (the live updates); notices newer than `sinceNotice` (their count) likewise.
   */
  view(sinceBucket = 0, sinceNotice = 0): JobView & { readonly noticeCount: number } {
    this.checkFailures();
    const firstNotice = Math.max(0, this.notices.length - Math.max(0, this.noticeTotal() - sinceNotice));
    return {
      job: this.job.name,
      since: this.since,
      queries: this.job.queries.map((q) => {
        const h = this.queries.get(q.name)!;
        return {
          name: q.name,
          status: q.status,
          error: q.error ? q.error.message : null,
          graph: sinceBucket > 0 ? [] : (this.graphs.get(q.name) ?? []),
          last: h.last,
          totals: {
            batches: h.batches,
            inputRows: h.inputRows,
            lateRows: h.lateRows,
            malformed: h.malformed,
            sources: { ...h.sources },
            sinks: { ...h.sinks },
          },
          buckets: h.buckets.filter((b) => b.t >= sinceBucket),
        };
      }),
      notices: this.notices.slice(firstNotice),
      noticeCount: this.noticeTotal(),
    };
  }

  private noticeTotal(): number {
    return this.noticesDropped + this.notices.length;
  }
}
