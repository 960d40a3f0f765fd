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
  | 'bool_or';

export type JoinKind = 'inner' | 'left' | 'right' | 'full';

/** Connectors that can appear in a plan. */
export type ConnectorName =
  'kafka' | 'upsert-kafka' | 'file' | 'datagen' | 'nexmark' | 'print' | 'blackhole' | 'memory';

export type FormatName = 'json' | 'csv' | 'raw';

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
