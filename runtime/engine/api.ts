/**
 * The job API between a generated module and the engine: the `QueryBuilder` a generated query
 * function wires its dataflow with, the `QuerySpec`/`JobSpec` a module declares, and the `Job`
 * and `QueryHandle` that `defineJob` returns. `index.ts` re-exports it as the public surface.
 */
import type { Registry as PromRegistry } from 'prom-client';
import type { EmitMode, JobOptions, PlanGraphNode, QueryDescriptor } from '../contract.ts';
import type {
  KeyValue,
  Operator,
  QueryProgress,
  QuerySnapshot,
  QueryStatus,
  RowKind,
  SinkSpec,
  SinkWriter,
  SourceSpec,
} from '../types.ts';
import type { QueryDescription } from '../checkpoint/describe.ts';
import type { LookupTable } from '../connectors/lookup-table.ts';
import type { QueryError } from './errors.ts';

/** `job.serveUi(options)`: where the live page listens. */
export interface UiOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  readonly port?: number;
  /** Interface to bind; default 127.0.0.1 (loopback only). */
  readonly host?: string;
  /** Register the job's metrics here (e.g. the application's registry) instead of a new one. */
  readonly registry?: PromRegistry;
}

/** The live page's server, as `job.serveUi()` returns it. */
export interface UiServer {
  /** `http://host:port/` */
  readonly url: string;
  readonly port: number;
  readonly registry: PromRegistry;
  close(): Promise<void>;
}

/** What a generated query function receives to wire its dataflow. */
export interface QueryBuilder {
  readonly name: string;
  /**
   * Reads `source` in this query. `push` is the generated stateless stage (computed filters,
   * projections, unnest) and ends by calling an operator's `push` or a sink writer's `write`.
   * `dropLate` (default: true when the query registers an operator) drops late rows (§5).
   */
  input<Row>(
    source: SourceSpec<Row>,
    push: (row: Row, kind: RowKind) => void,
    options?: { readonly dropLate?: boolean },
  ): void;
  /**
   * This query's writer into the named sink. `emit` defaults to the query's emit mode.
   * `changelog: 'retract'`: the query writes `-U` rows, which the engine folds into upserts and
   * deletes by `upsertKey` (engine/update-before.ts) — sinks never receive `-U`.
   */
  sink<Row>(
    name: string,
    options?: {
      readonly emit?: EmitMode;
      readonly upsertKey?: readonly string[] | null;
      readonly changelog?: 'retract';
    },
  ): SinkWriter<Row>;
  /** Registers a stateful operator; register in dataflow order (upstream first). Returns it. */
  operator<Op extends Operator<any>>(op: Op): Op;
  /**
   * A lookup table over the bounded TABLE `source` (which must be in `JobSpec.sources`, so
   * `createJob` overrides apply), indexed by `key`. The engine loads it before the first batch
   * (also after a restore) and installs reloads between batches.
   */
  lookup<Row, Key extends KeyValue>(source: SourceSpec<Row>, key: (row: Row) => Key | null): LookupTable<Row, Key>;
}

/** One INSERT: a name, its output mode and the function that wires it. */
export interface QuerySpec {
  readonly name: string;
  readonly emit: EmitMode;
  readonly build: (q: QueryBuilder) => void;
  /** The compiler's facts about the query's state, for checkpoint compatibility (contract.ts). */
  readonly descriptor?: QueryDescriptor;
  /** The query's logical plan, upstream first (drawn by the live page; optional for hand-written specs). */
  readonly graph?: readonly PlanGraphNode[];
  /**
   * The compiler's fact (compiler/plan/partitioning.ts): every stateful operator keeps its state
   * per key of the input partitioning (a Kafka source's message key), so a scaled-out job runs it
   * as one instance per task, its state in changelog topics (docs/scale-out.md).
   */
  readonly keyedByPartitioning?: boolean;
}

/** A whole generated module's job. */
export interface JobSpec {
  readonly name: string;
  /** The .sq file it was compiled from (messages). */
  readonly file: string;
  readonly options: JobOptions;
  readonly sources: readonly SourceSpec<any>[];
  readonly sinks: readonly SinkSpec[];
  readonly queries: readonly QuerySpec[];
}

export interface QueryHandle {
  readonly name: string;
  readonly status: QueryStatus;
  readonly lastProgress: QueryProgress | null;
  /** The last 100 progress reports. */
  readonly recentProgress: readonly QueryProgress[];
  readonly error: QueryError | null;
  /** The query's state between batches (call from a progress listener or after it stopped). */
  snapshot(): QuerySnapshot;
  /** Before `start()`: resume from `snapshot` (sources reopen at its offsets, operators restore). */
  restore(snapshot: QuerySnapshot): void;
}

/** A running (or runnable) job: all queries of one .sq file in one process. */
export interface Job {
  readonly name: string;
  readonly queries: readonly QueryHandle[];
  /** `checkpoint.dir` as the job uses it (SET or override), or null without checkpoints. */
  readonly checkpointDir: string | null;
  /** Opens connectors and starts every query's micro-batch loop; resolves once started. */
  start(): Promise<void>;
  /**
   * Resolves when every query has stopped (all input consumed, or `stop()`); rejects with the
   * first `QueryError` — one failing query stops the whole job (awaitAnyTermination).
   */
  awaitTermination(): Promise<void>;
  /** `start()` then `awaitTermination()`. */
  run(): Promise<void>;
  /** Finishes the current micro-batch of every query, commits, closes connectors. */
  stop(): Promise<void>;
  on(event: 'progress', listener: (progress: QueryProgress) => void): this;
  /**
   * One-line notices for the operator of the job: resuming from a checkpoint, at-least-once sinks
   * under checkpointing, accepted compatible changes. Without a listener they go to stderr.
   */
  on(event: 'notice', listener: (message: string) => void): this;
  lastProgress(query?: string): QueryProgress | null;
  /** What checkpoint metadata records about each query (compared on a restart; checkpoint/describe.ts). */
  describe(): QueryDescription[];
  /** The recent progress reports (the last 100 per query), of one query or of all in time order. */
  recentProgress(query?: string): readonly QueryProgress[];
  /**
   * Serves the job's live page and Prometheus `/metrics` (read-only; 127.0.0.1 and a free port
   * unless `options` say otherwise). Call before or while the job runs; `close()` stops serving.
   */
  serveUi(options?: UiOptions): Promise<UiServer>;
  /**
   * Registers the job's Prometheus metrics in `registry` (the application's prom-client
   * registry), or in a new one, kept current from progress reports; returns the registry.
   */
  registerMetrics(registry?: PromRegistry): Promise<PromRegistry>;
}
