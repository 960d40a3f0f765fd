/**
 * The contract shared by the logical plan (compiler/plan) and the runtime: the kinds of things
 * the runtime knows how to execute and their configuration types. Defined once, here; the
 * compiler imports it forward. Nothing in this file has behaviour.
 *
 * Time values are numbers: TIMESTAMP = epoch milliseconds (UTC), DATE = epoch days,
 * INTERVAL = milliseconds.
 */

/** Output (emit) modes, Spark's append / update / complete. */
export type EmitMode = 'final' | 'changes' | 'complete';

/**
 * Event-time windows, aligned to the epoch (offset 0).
 * - tumble: `[floor(ts/size)*size, +size)`.
 * - hop: every `[s, s+size)` with `s` a multiple of `slide` and `s <= ts < s+size`.
 * - cumulate: windows `[floor(ts/max)*max, s + k*step)` for every k with `ts < s + k*step <= s + max`.
 * - session: per key, starts at its first row, extends while the next row is within `gap`;
 *   end = last row time + gap; overlapping sessions merge.
 */
export type WindowSpec =
  | { readonly kind: 'tumble'; readonly sizeMs: number }
  | { readonly kind: 'hop'; readonly sizeMs: number; readonly slideMs: number }
  | { readonly kind: 'cumulate'; readonly maxMs: number; readonly stepMs: number }
  | { readonly kind: 'session'; readonly gapMs: number };

/** Aggregate functions the runtime and codegen implement. */
export type AggregateKind =
  | 'count_star'
  | 'count'
  | 'sum'
  | 'avg'
  | 'min'
  | 'max'
  | 'collect_list'
  | 'first_value'
  | 'last_value'
  | 'stddev_pop'
  | 'stddev_samp'
  | 'var_pop'
  | 'var_samp'
  | 'approx_count_distinct'
  | 'bool_and'
  | 'bool_or'
  /** A user-defined aggregate function (CREATE FUNCTION; its name in `AggCall.udf`). */
  | 'udf';

export type JoinKind = 'inner' | 'left' | 'right' | 'full';

/** Connectors that can appear in a plan. */
export type ConnectorName =
  'kafka' | 'upsert-kafka' | 'file' | 'datagen' | 'nexmark' | 'print' | 'blackhole' | 'memory';

/** `changelog-json` is written by sinks only: JSON lines with each row's kind (+I, +U, -D) in an op field. */
export type FormatName = 'json' | 'csv' | 'raw' | 'changelog-json';

/** Source-independent options resolved by the compiler (values already validated). */
export interface SourceOptions {
  readonly connector: ConnectorName;
  /** All WITH options as written (validated), e.g. `'path'`, `'format'`, `'scan.batch-size'`. */
  readonly options: Readonly<Record<string, string>>;
  /** `scan.idle-timeout` in ms, or null when the source never counts as idle. */
  readonly idleTimeoutMs: number | null;
  /** `late.sink`: name of the sink that receives late rows unchanged, or null. */
  readonly lateSink: string | null;
}

/** Job-level options from `SET`. */
export interface JobOptions {
  readonly pipelineName: string | null;
  readonly checkpointDir: string | null;
  readonly checkpointIntervalMs: number;
  readonly triggerIntervalMs: number;
  readonly triggerMode: 'continuous' | 'available-now';
  /** Every SET pair as written, for options the runtime interprets itself. */
  readonly raw: Readonly<Record<string, string>>;
}

// ---------------------------------------------------------------------------------------------
// Checkpoint compatibility: facts the compiler writes about each query's state

/** The stateful operators and the version of their snapshot format (bumped when it changes). */
export const STATE_VERSIONS = {
  'window-aggregate': 1,
  'session-window-aggregate': 1,
  'group-aggregate': 1,
  'sort-limit': 1,
  'interval-join': 1,
  'window-join': 1,
  'regular-join': 1,
  'top-n': 1,
  'over-aggregate': 1,
  'changelog-normalize': 1,
} as const;

export type StatefulKind = keyof typeof STATE_VERSIONS;

/** A JSON value in a descriptor. */
export type DescriptorValue =
  null | boolean | number | string | readonly DescriptorValue[] | { readonly [key: string]: DescriptorValue };

/**
 * What one stateful operator's saved state depends on, as plan facts (never generated code):
 * written by the compiler into the module, recorded in checkpoint metadata and compared on a
 * restart (runtime/checkpoint/describe.ts).
 */
export interface OperatorDescriptor {
  /** The operator id (`n3.window-aggregate`), the key of its state in a snapshot. */
  readonly id: string;
  readonly kind: StatefulKind;
  /** `STATE_VERSIONS[kind]` when compiled. */
  readonly version: number;
  /** Configuration that shapes the state: `window`, `emit`, `joinType`, time bounds, `limit`. */
  readonly config: { readonly [key: string]: DescriptorValue };
  /** What the state is keyed by, as SQL: `{ key: 'k, v' }`, `{ leftKey: 'k', rightKey: 'k' }`. */
  readonly keys: { readonly [role: string]: string };
  /**
   * The state schema: accumulator fields with their types (`rows: number`), or null when the
   * state holds input rows (joins, sorts).
   */
  readonly state: readonly string[] | null;
  /** The aggregates as SQL (`COUNT(*)`, `SUM(v)`), for messages. */
  readonly aggregates?: readonly string[];
}

/** The compiler-written description of one query's state and logic. */
export interface QueryDescriptor {
  /** Stateful operators in registration (dataflow) order. */
  readonly operators: readonly OperatorDescriptor[];
  /**
   * A hash of the query's plan (filters, projections, expressions): they keep no state, so a
   * change is compatible and only reported.
   */
  readonly logic: string;
}

/**
 * One operator of a query's logical plan, as `sqc explain` shows it, written into the generated
 * module by the compiler so that a running job can draw its plan (the live page) without the
 * compiler. `id` is the plan node id: stateful operators' runtime ids start with `n<id>.`.
 */
export interface PlanGraphNode {
  readonly id: number;
  /** The operator's headline, e.g. `WindowAggregate tumble(1 min) ON ts, emit final`. */
  readonly label: string;
  /** Further lines: keys, aggregates, watermark, state. */
  readonly details: readonly string[];
  /** Ids of the operators feeding this one (none for a scan). */
  readonly inputs: readonly number[];
  /** What the node reads or writes: the source or sink relation name, else null. */
  readonly relation: string | null;
}
