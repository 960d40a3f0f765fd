/**
 * The runtime's shared types: values and schemas, source and sink specs, the operator and
 * accumulator interfaces and their configs, memory bindings, progress reports and snapshots.
 * A leaf module (it imports only `contract.ts` and the connector config type), so any runtime
 * file can import it without a cycle; `index.ts` re-exports it as the public surface.
 */
import type { ConnectorName, EmitMode, FormatName, SourceOptions, WindowSpec } from './contract.ts';
import type { EmbeddedConfig } from './connectors/spec.ts';

// ---------------------------------------------------------------------------------------------
// Values and schemas

/** JSON-serialisable data: what snapshots, offsets and accumulator states are made of. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/**
 * A group key as the runtime stores it: a primitive (one key column) or a string the generated
 * code builds for composite keys (e.g. `rt.compositeKey2(a, b)`). Used as a `Map` key and written
 * into snapshots as is.
 */
export type KeyValue = string | number | boolean | null;

/**
 * How an emitted row changes the result, Flink's changelog notation: `+I` a new result row,
 * `-U` the old value of a result row that is about to be updated (always followed by its `+U`;
 * only between operators that retract, see the plan's `ChangelogMode`), `+U` the new value of a
 * result row already emitted (upsert by the key), `-D` a result row that no longer exists (the
 * whole old row: a merged-away session, a group whose last row was retracted).
 * Sinks never receive `-U` (the engine folds it away, see `SinkWriterOptions.changelog`).
 */
export type RowKind = '+I' | '-U' | '+U' | '-D';

/** Where an operator (or a generated stateless stage) sends its output rows. */
export type Emit<Out> = (row: Out, kind: RowKind) => void;

/**
 * A column type, structurally compatible with the compiler's `SqlType` (generated code emits the
 * plan's types as literals). Used by sinks (JSON/CSV/print encoding: TIMESTAMP → ISO-8601),
 * datagen (value generation) and CSV sources (column order).
 */
export interface TypeDesc {
  readonly kind: string;
  /** ARRAY element type. */
  readonly element?: TypeDesc;
  /** MAP value type. */
  readonly value?: TypeDesc;
  /** ROW fields. */
  readonly fields?: readonly FieldDesc[];
}

export interface FieldDesc {
  readonly name: string;
  readonly type: TypeDesc;
  readonly nullable?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Sources

/**
 * Per-record context handed to decoders. The runtime reuses ONE object per input and updates it
 * before each record (no per-row allocation); decoders read metadata columns from it and must not
 * keep a reference.
 */
export interface RecordContext {
  /** The source relation name. */
  readonly source: string;
  /** File sources: the file being read; else null. Metadata key `file.path`. */
  file: string | null;
  /** File sources: 1-based line number (CSV counts the header line); else -1. */
  line: number;
  /** Kafka: topic / partition / offset / record timestamp / key / headers; else null / -1. */
  topic: string | null;
  partition: number;
  offset: number;
  timestamp: number | null;
  key: string | null;
  headers: Readonly<Record<string, string>> | null;
}

/**
 * Decoders from records to typed rows, generated per source. Throw `ParseError` (or let
 * `JSON.parse` throw) for a malformed record: the runtime applies the source's parse-error policy
 * (§8). Any other exception is a bug and fails the query.
 *
 * Which decoder runs: format `json` → `json(line)` when present, else `object(decode.parse(line))`
 * (JSON lines the file source hands out as bytes: `bytes(buf, start, end)` when present, else the
 * same on the line as text);
 * `csv` → `csv(fields)`; `raw` → `text(value)`; memory and datagen sources → `object(value)`;
 * connectors that produce typed rows (nexmark) → `row(value)` when present, else `object(value)`.
 */
export interface Decoders<Row> {
  /** From a parsed JSON value (JSON lines, memory sources, datagen). Always required. */
  readonly object: (value: unknown, ctx: RecordContext) => Row;
  /** Optional fast path for JSON text that skips `JSON.parse`. */
  readonly json?: (line: string, ctx: RecordContext) => Row;
  /** The same fast path on the bytes [start, end) of a JSON line (UTF-8, no line break). */
  readonly bytes?: (buf: Buffer, start: number, end: number, ctx: RecordContext) => Row;
  /**
   * CSV: one entry per declared physical column, in declaration order (mapped through the
   * file's header when `csv.header` is true); null when the record or header lacks the column.
   */
  readonly csv?: (fields: readonly (string | null)[], ctx: RecordContext) => Row;
  /** `raw` format: the record as one string. */
  readonly text?: (value: string, ctx: RecordContext) => Row;
  /**
   * Typed rows (a connector whose spec says `typedRows`): the value already holds the declared
   * physical columns with their types, so the row takes them without coercion (and adds the
   * metadata and computed columns).
   */
  readonly row?: (value: unknown, ctx: RecordContext) => Row;
}

/**
 * `WATERMARK FOR field AS expr`. The source watermark is `max(expr(row)) ` over the rows read,
 * i.e. `max(eventTime) - delayMs` when the plan gives `delayMs`; never decreasing.
 */
export interface WatermarkSpec<Row> {
  /** The event-time attribute (the declared field); rows with `eventTime < W` are late. */
  readonly eventTime: (row: Row) => number | null;
  /** `expr = field - INTERVAL delay`. */
  readonly delayMs?: number;
  /** Any other watermark expression (used instead of `delayMs`). */
  readonly expr?: (row: Row) => number | null;
}

/** A source relation as the generated module declares it (one per CREATE STREAM/TABLE read). */
export interface SourceSpec<Row> extends SourceOptions {
  readonly name: string;
  readonly format: FormatName | null;
  /** True for files without `source.monitor-interval`, datagen with `number-of-rows`, ... */
  readonly bounded: boolean;
  /** Fields read from the payload, in declaration order (CSV column order, datagen fields). */
  readonly physical: readonly FieldDesc[];
  /** Full row schema (late.sink encoding, messages). */
  readonly schema: readonly FieldDesc[];
  /**
   * The physical columns the job reads, each ROW narrowed to the fields the job reads of it
   * (generated for connectors with typed rows, which build only these); absent: all of `physical`.
   */
  readonly reads?: readonly FieldDesc[];
  /**
   * ROW columns the job reads only through their fields while the row is pushed, never keeping
   * the ROW value (generated for connectors with typed rows): such a connector may hand the same
   * object for them in every row.
   */
  readonly transientRows?: readonly string[];
  /** Metadata keys the decoder reads from `RecordContext` (the runtime fills only then). */
  readonly metadata: readonly string[];
  /** The PRIMARY KEY columns, when declared (upsert-kafka's record key; the config already has them). */
  readonly primaryKey?: readonly string[];
  /**
   * The connector's typed config, resolved by the compiler (`<connector>/options.ts`
   * `resolve()`); generated modules always embed it. Absent (hand-written specs) or with
   * `createJob` overrides, the runtime resolves `options` with the same function.
   */
  readonly config?: EmbeddedConfig;
  readonly decode: Decoders<Row>;
  readonly watermark: WatermarkSpec<Row> | null;
}

// ---------------------------------------------------------------------------------------------
// Sinks

/** A sink column that holds record metadata: `ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp'`. */
export interface SinkMetadataColumn {
  readonly name: string;
  /** The connector's metadata key. */
  readonly key: string;
}

/** A sink relation as the generated module declares it. */
export interface SinkSpec {
  readonly name: string;
  readonly connector: ConnectorName;
  readonly format: FormatName | null;
  readonly options: Readonly<Record<string, string>>;
  /** Columns in output order; sinks encode from it (TIMESTAMP → `2025-04-21T14:08:35.000Z`). */
  readonly schema: readonly FieldDesc[];
  /** Message key / upsert key fields. */
  readonly keyFields: readonly string[];
  /** Columns of `schema` written as record metadata (Kafka `timestamp`, `headers`), not in the value; absent: none. */
  readonly metadata?: readonly SinkMetadataColumn[];
  readonly deliveryGuarantee: 'at-least-once' | 'exactly-once';
  /** `PARTITIONED BY` columns (the file sink writes `col=value/` folders); absent: none. */
  readonly partitionBy?: readonly string[];
  /** The connector's typed config, as for `SourceSpec.config`. */
  readonly config?: EmbeddedConfig;
}

/**
 * One query's output into one sink. `write` only buffers (cheap, synchronous); the runtime
 * commits the micro-batch's rows to the sink after every operator has finished the batch.
 */
export interface SinkWriter<Row> {
  write(row: Row, kind?: RowKind): void;
}

// ---------------------------------------------------------------------------------------------
// Operators

/** Versioned, JSON-serialisable operator state. `kind`/`version` let a restore refuse a mismatch. */
export interface StateSnapshot {
  readonly kind: string;
  readonly version: number;
  readonly data: Json;
}

/**
 * The one operator interface (Arroyo-style). The query calls, per micro-batch:
 * `push` for every row, then — for each operator in registration (dataflow) order —
 * `onWatermark(W)` and `onBatchEnd()`. At end of input: `onWatermark(+Infinity)`,
 * `onBatchEnd()`, `onEnd()` per operator in order. Rows an operator emits from these hooks reach
 * downstream operators before those run their own hooks.
 * Extend `BaseOperator` for no-op defaults.
 */
export interface Operator<In> {
  /** Stable id within the query (e.g. `n4.window-aggregate`); the snapshot key. */
  readonly id: string;
  /**
   * One input row; `side` is 0, or 0/1 (left/right) for two-input operators (joins). `kind` is
   * the row's change kind when the input is updating (absent: `+I`); an operator that accepts
   * updating input retracts `-U`/`-D` rows from its state (`isRetraction`).
   */
  push(row: In, side: number, kind?: RowKind): void;
  /** The query watermark advanced to `watermark` (ms; +Infinity at end of input). */
  onWatermark(watermark: number): void;
  /** The micro-batch's rows have all been pushed and the watermark handled (CHANGES/COMPLETE). */
  onBatchEnd(): void;
  /** Every input is exhausted (after the +Infinity watermark): emit anything still pending. */
  onEnd(): void;
  /** The operator's state, or null when stateless. Taken between batches. */
  snapshot(): StateSnapshot | null;
  restore(snapshot: StateSnapshot): void;
  /** Rows held in state (groups × windows, buffered rows), for progress. */
  stateRows(): number;
  /**
   * Watermark hold: the watermark the operators after this one see when this one saw `w` (an
   * interval join emits rows up to its bound behind `w`). Absent: `w` passes unchanged.
   */
  outputWatermark?(w: number): number;
  /**
   * Processing-time timer: the wall-clock time (ms) at which the operator needs a batch to run
   * even without input (a processing-time window ends), or null. The query loop wakes up for it.
   */
  nextTimer?(): number | null;
}

/**
 * A generated accumulator: one object per group (and window). `add` folds in one input row;
 * `merge` folds in another accumulator of the same class (needed by session windows);
 * `snapshot` returns its state for checkpoints (restored by the config's `restore`).
 * Over an updating input the accumulator is retractable: `retract` takes back one row added
 * before (COUNT/SUM/AVG subtract, MIN/MAX keep a counted multiset) and `rows` counts the rows
 * added and not retracted (the group is deleted when it reaches 0).
 */
export interface Accumulator<In> {
  add(row: In): void;
  retract?(row: In): void;
  readonly rows?: number;
  merge?(other: this): void;
  snapshot(): Json;
}

/** The generated, typed part of any aggregation (grouped or windowed). */
export interface AggregateFns<In, Key extends KeyValue, Acc extends Accumulator<In>> {
  /** Group key of a row (primitive, or a composite string built by the generated code). */
  readonly key: (row: In) => Key;
  /** A fresh accumulator for a new group; `row` is its first row (for key columns). */
  readonly create: (key: Key, row: In) => Acc;
  /** Rebuilds an accumulator from `acc.snapshot()`. */
  readonly restore: (key: Key, state: Json) => Acc;
}

/** Config of `WindowAggregate` (TUMBLE, HOP, CUMULATE). */
export interface WindowAggregateConfig<In, Key extends KeyValue, Acc extends Accumulator<In>, Out> extends AggregateFns<
  In,
  Key,
  Acc
> {
  readonly id: string;
  readonly window: Exclude<WindowSpec, { kind: 'session' }>;
  readonly emit: EmitMode;
  /** The row's event time (ms); rows with null time are dropped and counted. */
  readonly time: (row: In) => number | null;
  /**
   * Processing time: `time` is the row's arrival time (PROCTIME()) and windows close by the wall
   * clock (`clock`, default Date.now) at the end of each batch, not by the watermark; the
   * operator asks the query for a batch when its next window ends (`nextTimer`).
   */
  readonly procTime?: boolean;
  readonly clock?: () => number;
  /** The output row of a group in window `[start, end)` (window_time = end - 1). */
  readonly result: (acc: Acc, key: Key, start: number, end: number) => Out;
  readonly out: Emit<Out>;
  /** CHANGES: emit each update as `-U` (the previous result) then `+U` (changelog 'retract'). */
  readonly updateBefore?: boolean;
}

/** Config of `SessionWindowAggregate`; `Acc.merge` is required (sessions merge). */
export interface SessionAggregateConfig<
  In,
  Key extends KeyValue,
  Acc extends Accumulator<In>,
  Out,
> extends AggregateFns<In, Key, Acc> {
  readonly id: string;
  readonly gapMs: number;
  readonly emit: EmitMode;
  readonly time: (row: In) => number | null;
  /** Processing time, as `WindowAggregateConfig.procTime`: sessions close by the wall clock. */
  readonly procTime?: boolean;
  readonly clock?: () => number;
  readonly result: (acc: Acc, key: Key, start: number, end: number) => Out;
  readonly out: Emit<Out>;
}

/** Config of `GroupAggregate` (non-windowed GROUP BY and SELECT DISTINCT). */
export interface GroupAggregateConfig<In, Key extends KeyValue, Acc extends Accumulator<In>, Out> extends AggregateFns<
  In,
  Key,
  Acc
> {
  readonly id: string;
  /** CHANGES (default for streams), COMPLETE, or FINAL (bounded input: every group once at end). */
  readonly emit: EmitMode;
  /** SELECT DISTINCT: a group changes only when it first appears (no re-emission). */
  readonly keyOnly?: boolean;
  /**
   * CHANGES: emit each update as `-U` (the previous result) then `+U` (changelog 'retract', for
   * a consumer that retracts); absent/false: `+U` only (changelog 'upsert', straight to a sink).
   */
  readonly updateBefore?: boolean;
  readonly result: (acc: Acc, key: Key) => Out;
  readonly out: Emit<Out>;
}

/** Config of `WindowAssign` (a window TVF whose rows are not aggregated right away). */
export interface WindowAssignConfig<In> {
  readonly id: string;
  readonly window: Exclude<WindowSpec, { kind: 'session' }>;
  readonly time: (row: In) => number | null;
  /** Called once per window the row falls in; builds and forwards the output row. */
  readonly out: (row: In, start: number, end: number) => void;
}

/** Config of `TopN` (ROW_NUMBER / RANK / DENSE_RANK filtered by the rank: Top-N, deduplication). */
export interface TopNConfig<Row, Key extends KeyValue> {
  readonly id: string;
  /**
   * 'changes': updates per batch; 'window': a partition's top N once when the watermark passes
   * its window end; 'first': a key's first row once (when the watermark passes its time, or on
   * arrival without `time`); 'final': every partition's top N at end of input.
   */
  readonly mode: 'changes' | 'window' | 'first' | 'final';
  readonly fn: 'ROW_NUMBER' | 'RANK' | 'DENSE_RANK';
  /** Rows ranked 1..limit are kept (with RANK/DENSE_RANK, ties of the last rank too). */
  readonly limit: number;
  /** The partition of a row (the window end is part of it in 'window' mode). */
  readonly key: (row: Row) => Key;
  /** The ORDER BY keys only: negative when `a` ranks before `b`, 0 for ties. */
  readonly compare: (a: Row, b: Row) => number;
  /** Ties rank the newest arrival first (keep-last deduplication); else in arrival order. */
  readonly newestFirst: boolean;
  /** 'changes': what identifies an output row (plan.ts `RankNode.output`). */
  readonly output: 'position' | 'partition' | 'row';
  /** Whether the rank is part of the output row (a row whose rank changes is then re-emitted). */
  readonly rankOutput: boolean;
  /** 'window': the window end of a row; 'first': its event time. Null rows are dropped and counted. */
  readonly time: ((row: Row) => number | null) | null;
  readonly out: (row: Row, rank: number, kind: RowKind) => void;
}

/** Config of `OverAggregate` (`AGG(x) OVER (PARTITION BY ... ORDER BY t frame)`). */
export interface OverAggregateConfig<In, Key extends KeyValue, Acc extends Accumulator<In>, Out> {
  readonly id: string;
  /**
   * 'watermark': in event-time order as the watermark passes; 'proc': on arrival; 'end': at end
   * of input; 'changes': updating input, every row kept sorted and its result updated.
   */
  readonly mode: 'watermark' | 'proc' | 'end' | 'changes';
  readonly key: (row: In) => Key;
  /** The ORDER BY value (event time in ms for 'watermark'; rows with NULL time are dropped and counted). */
  readonly order: (row: In) => number | string | boolean | null;
  /** ROWS: `preceding` rows before the current one; RANGE: `preceding` ms; null = UNBOUNDED. */
  readonly frame: { readonly unit: 'rows' | 'range'; readonly preceding: number | null };
  readonly create: () => Acc;
  readonly restore: (state: Json) => Acc;
  /** The output row: the input row with the aggregates of its frame. */
  readonly result: (acc: Acc, row: In) => Out;
  readonly out: Emit<Out>;
}

/** Config of `SortLimit` (ORDER BY / LIMIT over COMPLETE results or bounded input). */
export interface SortLimitConfig<Row> {
  readonly id: string;
  /** 'complete': sort each batch's full table at batch end; 'final': sort everything at end. */
  readonly emit: 'complete' | 'final';
  readonly compare: (a: Row, b: Row) => number;
  readonly limit: number | null;
  readonly out: Emit<Row>;
}

/** Rows handed in by the embedding program instead of the declared connector. */
export interface MemorySourceBinding {
  /** Rows read in micro-batches of `scan.batch-size` (default 1000). Bounded. */
  readonly rows?: Iterable<unknown>;
  /** Explicit micro-batches (one inner array per batch). Bounded. */
  readonly batches?: Iterable<Iterable<unknown>>;
  /** Rows arriving over time (e.g. a `MemoryStream`); the input ends when the iterable ends. */
  readonly stream?: AsyncIterable<unknown>;
  /** Options such as `scan.batch-size`, `scan.idle-timeout`. */
  readonly options?: Readonly<Record<string, string>>;
}

/** One committed micro-batch of a query's output into a memory sink. */
export interface SinkBatch<Row = unknown> {
  readonly query: string;
  readonly batchId: number;
  readonly rows: readonly Row[];
  readonly kinds: readonly RowKind[];
}

/** Rows handed out to the embedding program instead of the declared connector. */
export interface MemorySinkBinding {
  /** Every committed row is pushed here (COMPLETE: the whole table, batch after batch). */
  readonly rows?: RowCollector<unknown>;
  /** Called once per committed micro-batch (also for empty COMPLETE tables); a promise is awaited. */
  readonly onBatch?: (batch: SinkBatch) => unknown;
  /** Hand out JSON-ready rows (TIMESTAMP as ISO strings) instead of run-time values. */
  readonly json?: boolean;
}

/**
 * `createJob(overrides)`: per-relation connector option overrides (merged into WITH), or a
 * memory binding that replaces the connector; `set` overrides SET options.
 */
export interface JobOverrides {
  readonly sources?: Readonly<Record<string, Readonly<Record<string, string>> | MemorySourceBinding>>;
  readonly sinks?: Readonly<Record<string, Readonly<Record<string, string>> | MemorySinkBinding>>;
  readonly set?: Readonly<Record<string, string>>;
  /** Where `print` sinks write lines (default: process.stdout). */
  readonly print?: (line: string) => void;
}

/**
 * `createJob(overrides)` of a generated module: `JobOverrides` typed by the job. `Sources` maps
 * each source name to the records its memory binding takes; `Sinks` maps each sink name to the
 * rows it hands out (`row`: run-time values; `json`: with `json: true`). A misspelled relation or
 * a field the relation does not declare is a type error.
 */
export interface CreateJobOverrides<
  Sources,
  Sinks extends { readonly [K in keyof Sinks]: SinkRows<unknown, unknown> },
> {
  readonly sources?: {
    readonly [K in keyof Sources]?: Readonly<Record<string, string>> | TypedMemorySourceBinding<Sources[K]>;
  };
  readonly sinks?: {
    readonly [K in keyof Sinks]?:
      Readonly<Record<string, string>> | TypedMemorySinkBinding<Sinks[K]['row'], Sinks[K]['json']>;
  };
  readonly set?: Readonly<Record<string, string>>;
  /** Where `print` sinks write lines (default: process.stdout). */
  readonly print?: (line: string) => void;
}

/** A sink's rows as a memory binding hands them out: run-time values, or JSON-ready with `json: true`. */
export interface SinkRows<Row, JsonRow> {
  readonly row: Row;
  readonly json: JsonRow;
}

/** A memory source binding whose records are typed by the source. */
export interface TypedMemorySourceBinding<Record> extends MemorySourceBinding {
  readonly rows?: Iterable<Record>;
  readonly batches?: Iterable<Iterable<Record>>;
  readonly stream?: AsyncIterable<Record>;
}

/** Where a memory sink pushes committed rows: an array, or anything with `push`. */
export interface RowCollector<Row> {
  push(row: Row): unknown;
}

/**
 * A memory sink binding whose rows are typed by the sink: run-time values, or with `json: true`
 * JSON-ready rows. `onBatch` may return anything; a promise is awaited before the next batch.
 */
export type TypedMemorySinkBinding<Row, JsonRow> =
  | {
      readonly rows?: RowCollector<Row>;
      readonly onBatch?: (batch: SinkBatch<Row>) => unknown;
      readonly json?: false;
    }
  | {
      readonly rows?: RowCollector<JsonRow>;
      readonly onBatch?: (batch: SinkBatch<JsonRow>) => unknown;
      readonly json: true;
    };

/** Per-source part of a progress report. */
export interface SourceProgress {
  readonly name: string;
  readonly startOffset: Json;
  readonly endOffset: Json;
  readonly numInputRows: number;
  /** This source's own watermark (ISO) or null before any event time was seen. */
  readonly watermark: string | null;
  readonly idle: boolean;
  readonly exhausted: boolean;
  /** Malformed records skipped in this batch (`*.ignore-parse-errors`). */
  readonly malformedRecords: number;
  /** The first malformed record skipped in this batch: where it is and what was wrong, or null. */
  readonly malformedSample: { readonly location: string; readonly reason: string } | null;
  /** Sources read in partitions (Kafka): per partition its lag (records not read yet), watermark and idleness. */
  readonly partitions?: readonly {
    readonly id: string;
    readonly lag: number | null;
    readonly watermark: string | null;
    readonly idle: boolean;
  }[];
}

/** One micro-batch of one query, like Spark's StreamingQueryProgress. */
/** One operator's state in a progress report. */
export interface StateOperatorProgress {
  /** Plan node id + kind, as in checkpoints and `sqc explain` (`n2.window-aggregate`). */
  readonly id: string;
  readonly rows: number;
  readonly bytes: number | null;
}

export interface QueryProgress {
  readonly query: string;
  readonly batchId: number;
  /** Batch start, ISO. */
  readonly timestamp: string;
  readonly numInputRows: number;
  /** Input rows / seconds since the previous batch started. */
  readonly inputRowsPerSecond: number;
  /** Input rows / this batch's processing time. */
  readonly processedRowsPerSecond: number;
  readonly durationMs: {
    readonly total: number;
    /** Reading records from sources. */
    readonly getBatch: number;
    /** Decoding and pushing rows, watermark and batch-end hooks. */
    readonly process: number;
    /** Sink commits. */
    readonly commit: number;
    /** Write-ahead offsets, commit marker and state snapshot (0 without checkpoints). */
    readonly checkpoint: number;
  };
  /** The query watermark after this batch (ISO), or null while none. */
  readonly watermark: string | null;
  /** Event-time lag: the batch's end (wall clock) minus the watermark, in ms; null while none or at +infinity. */
  readonly watermarkLagMs: number | null;
  readonly stateRows: number;
  /**
   * Per stateful operator: the rows it holds now, and the bytes its state took in the latest
   * checkpoint (its JSON in the state file; null before the first checkpoint or without one).
   */
  readonly stateOperators: readonly StateOperatorProgress[];
  readonly lateRowsDropped: number;
  readonly parseErrorsSkipped: number;
  /** Rows dropped by window operators because their event time was NULL. */
  readonly nullTimeRowsDropped: number;
  readonly sources: readonly SourceProgress[];
  /** Rows per sink; `late` marks a source's late.sink (late input rows, not query output). */
  readonly sinks: readonly { readonly name: string; readonly rowsWritten: number; readonly late?: true }[];
  /** True for the last batch (end of input: watermark +infinity, everything flushed). */
  readonly final: boolean;
  /** With `checkpoint.dir`: what checkpointing cost in this batch and the latest restart point. */
  readonly checkpoint?: CheckpointProgress;
  /** Scaled-out jobs (`pipeline.scale-out`): the tasks this process owns (docs/scale-out.md). */
  readonly tasks?: TaskProgress;
}

/** The scale-out part of a progress report. */
export interface TaskProgress {
  /** The job's consumer group. */
  readonly group: string;
  /** The group generation of the current assignment (-1: none yet, or dropped). */
  readonly generation: number;
  /** Tasks (input partition indexes) this process owns now. */
  readonly owned: readonly number[];
  /**
   * Stateful queries: the task whose state is being restored from its changelog now (bytes and
   * records read so far), and the tasks restored at the last assignment with their bytes.
   */
  readonly state?: {
    readonly restoring: { readonly task: number; readonly bytes: number; readonly records: number } | null;
    readonly restored: { readonly tasks: readonly number[]; readonly bytes: number };
  };
}

/** The checkpoint part of a progress report. */
export interface CheckpointProgress {
  /** Time spent on the write-ahead offsets, the commit marker and a state snapshot, if one was taken (ms). */
  readonly durationMs: number;
  /**
   * A state snapshot was written after this batch (every `checkpoint.interval`, at stop and end
   * of input). A stop that comes between batches writes its snapshot after the last batch: one
   * more report then repeats that batch's id, with no rows, `stateWritten` true.
   */
  readonly stateWritten: boolean;
  /** The newest state snapshot of this run, or null before the first. */
  readonly lastState: {
    readonly batchId: number;
    /** Size of the state file. */
    readonly bytes: number;
    /** Time to take, encode and write it, including the fsync of the log and the sinks' output (ms). */
    readonly durationMs: number;
    /** When it was written (ISO). */
    readonly timestamp: string;
  } | null;
  /** This batch was run again from the checkpoint's log after a restart. */
  readonly replayed: boolean;
}

export type QueryStatus = 'created' | 'running' | 'stopped' | 'failed';

/**
 * Everything needed to resume a query after its last committed batch: the next batch id, the
 * query watermark, per input its offsets and watermark, per operator its state. Plain JSON except
 * for non-finite numbers (use `rt.state.encodeState`). Written by checkpoints.
 */
export interface QuerySnapshot {
  readonly version: 1;
  readonly query: string;
  readonly nextBatchId: number;
  readonly watermark: number;
  readonly inputs: readonly {
    readonly source: string;
    readonly offsets: Json;
    readonly watermark: number;
    /** Sources read in splits (Kafka partitions): the watermark per split. */
    readonly splits?: Readonly<Record<string, number>>;
  }[];
  readonly operators: readonly { readonly id: string; readonly state: StateSnapshot | null }[];
}
