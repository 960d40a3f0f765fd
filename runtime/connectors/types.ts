/**
 * The connector interface (`Connector`: options + source and/or sink factory, one per
 * `<name>/index.ts`) and the source/sink interfaces. A source hands the query raw records in batches (text lines or
 * message values, or JS values for memory/datagen) and reports offsets; decoding, parse-error
 * policy, watermarks and late rows are the query's job (engine/input.ts), so every connector —
 * including a Kafka one (kafkajs) — only moves records. A sink hands each query a writer that
 * buffers one micro-batch and commits it.
 */
import type { EmitMode, FormatName } from '../contract.ts';
import type {
  FieldDesc,
  Json,
  MemorySinkBinding,
  MemorySourceBinding,
  RecordContext,
  RowKind,
  SinkMetadataColumn,
  SinkWriter,
  StateSnapshot,
  TaskProgress,
} from '../types.ts';
import type { ConnectorConfig, ConnectorSpec } from './spec.ts';

/**
 * One connector: its options (`<name>/options.ts`, shared with the compiler) and the factories
 * of its source and/or sink, which receive the typed config that `options.resolve` produced.
 */
export interface Connector<Config extends ConnectorConfig = ConnectorConfig> {
  readonly options: ConnectorSpec<Config>;
  readonly source?: SourceFactory<Config>;
  readonly sink?: SinkFactory<Config>;
}

/** A batch of raw records from one source. */
export interface RecordBatch {
  /**
   * 'text': `values` are strings decoded per the source format (json/csv/raw);
   * 'bytes': JSON lines as bytes (the file source): record i is bytes [`values[i]`, `ends[i]`) of
   *   `buffers[i]` (UTF-8, without its line break);
   * 'object': `values` are JS values for `decode.object` (memory, datagen);
   * 'row': `values` hold the declared physical columns already typed (connectors whose spec has
   * `typedRows`, e.g. nexmark): `decode.row`, no coercion.
   */
  readonly kind: 'text' | 'bytes' | 'object' | 'row';
  readonly values: readonly unknown[];
  /** 'bytes' batches: the buffer and the end of each record (see `kind`). */
  readonly buffers?: readonly Buffer[];
  readonly ends?: readonly number[];
  /**
   * Called once the batch was processed (its records decoded): a connector may then reuse the
   * memory its records are in. Never called for a batch that failed.
   */
  release?(): void;
  /** CSV with `csv.header`: the header of the file these records come from; else null. */
  readonly header: readonly (string | null)[] | null;
  /** Fills `ctx` with the location and metadata of record `i` (file/line, partition/offset...). */
  locate(i: number, ctx: RecordContext): void;
  /**
   * Sources read in splits (Kafka partitions): consecutive runs of records, run k being records
   * [splits[k-1].end, splits[k].end) of split `splits[k].id`. The engine keeps a watermark per split.
   */
  readonly splits?: readonly { readonly id: string; readonly end: number }[];
  /**
   * 'object' batches: turns `values[i]` into the value for `decode.object`, inside the
   * parse-error policy. 'row' batches: builds the row of `values[i]` for `decode.row`, which may
   * be the same object for every record (valid until the next call: the decoder copies it).
   */
  readonly parse?: (value: unknown, i: number) => unknown;
  /** The change kind per record (changelog sources such as upsert-kafka), or null/absent for inserts. */
  readonly kinds?: readonly RowKind[] | null;
}

/** One split of a source read in parallel parts (a Kafka partition). */
export interface SourceSplit {
  readonly id: string;
  /** No records for `scan.idle-timeout`: the split does not hold the source's watermark back. */
  readonly idle: boolean;
  /** Records between the read position and the end of the split (null: not known yet). */
  readonly lag: number | null;
  /**
   * The split's watermark as the connector knows it, used instead of the one its rows' event
   * times give (a repartition topic: the minimum over the upstream tasks' watermark records).
   */
  readonly watermark?: number;
  /**
   * Changes when the connector starts the split over from an earlier position (a scaled-out
   * task given back to a process that the group had dropped restarts at its committed offsets):
   * the watermark the split's rows gave before no longer holds and starts again from theirs.
   */
  readonly epoch?: number;
}

/** A task's watermark in a scaled-out query: over its partitions of every input; idle when all of them are. */
export interface TaskWatermark {
  readonly watermark: number;
  readonly idle: boolean;
}

export interface SourceContext<Config extends ConnectorConfig = ConnectorConfig> {
  /** The relation name. */
  readonly name: string;
  /** The job's name (`pipeline.name`): internal topics are named after it. */
  readonly job?: string;
  /** The connector's typed config (from the module, or resolved again after `createJob` overrides). */
  readonly config: Config;
  /** WITH options after `createJob` overrides (format options: `csvOptions`, `jsonWriteOptions`). */
  readonly options: Readonly<Record<string, string>>;
  /** `config.format` (null with a memory binding). */
  readonly format: FormatName | null;
  readonly physical: readonly FieldDesc[];
  /**
   * The columns the job reads (`SourceSpec.reads`): a connector building typed rows may leave the
   * others (and the unread fields of a ROW) null. Absent: every column of `physical`.
   */
  readonly reads?: readonly FieldDesc[];
  /** `SourceSpec.transientRows`: ROW columns whose object may be the same in every row. */
  readonly transientRows?: readonly string[];
  /** `config.bounded`: the source ends (files without monitoring, datagen with number-of-rows...). */
  readonly bounded: boolean;
  /** `trigger.mode = available-now`: read what exists at open, then report exhausted. */
  readonly availableNow: boolean;
  /** Memory binding from `createJob`, or null. */
  readonly binding: MemorySourceBinding | null;
  /** Tells the user something while the job runs (broker lost, data-loss warnings). */
  readonly notice?: (message: string) => void;
  /**
   * `pipeline.scale-out`: the job runs in several processes that share the source's partitions
   * as tasks (docs/scale-out.md); absent or null: this process reads every partition.
   */
  readonly scaleOut?: ScaleOut | null;
}

/** How a scaled-out source takes part in its job's group (docs/scale-out.md). */
export interface ScaleOut {
  /** The job's consumer group (`sqc-<pipeline.name>`): membership and task assignment. */
  readonly group: string;
  readonly sessionTimeoutMs: number;
  /** The group whose committed offsets are this source's positions in this query (`<group>.<query>.<source>`). */
  readonly positions: string;
  /** The query reading the source. */
  readonly query: string;
}

export interface SourceConnector {
  /** Opens the source; `start` is an `offsets()` value to resume from (checkpoint) or null. */
  open(start: Json | null): Promise<void>;
  /** Up to `max` records available now, or null when there are none (never waits long). */
  poll(max: number): Promise<RecordBatch | null>;
  /** No record will ever come again (bounded and fully read, or available-now and done). */
  isExhausted(): boolean;
  /** Resolves when records may be available, or after `ms` at the latest. */
  waitForData(ms: number): Promise<void>;
  /** The position after the last polled batch (JSON; progress and checkpoints). */
  offsets(): Json;
  /** The batch that ended at `offsets` is committed (e.g. commit Kafka group offsets). */
  commit?(offsets: Json): Promise<void>;
  /**
   * Sources read in splits: the current splits. The source's watermark is the minimum of the
   * split watermarks over the splits that are not idle (a split without records yet holds it back).
   */
  splits?(): readonly SourceSplit[];
  /**
   * Replaying a logged batch: the next polls return exactly the records from the current
   * position up to `end` (an `offsets()` value), in the order the batch first had (a file source
   * reads the files `end` names in that order, whatever order a watched directory lists them in
   * now). The engine awaits it: a source may move past what holds no record (the file source's
   * empty files) so that a batch that read none still ends at `end`.
   */
  replayTo?(end: Json): void | Promise<void>;
  /**
   * Sources that can be scaled out: the number of tasks they have (Kafka: the most partitions of
   * any of their topics), asked before `open` to check co-partitioning.
   */
  taskCount?(): Promise<number>;
  /** Scaled out: the tasks this process owns now (progress reports), else null. */
  tasks?(): TaskProgress | null;
  /**
   * True for a topic the job itself creates (a repartition topic): its partition count follows
   * the job's task count instead of deciding it.
   */
  readonly internalTopic?: boolean;
  /**
   * Scaled out, for a stateful query keyed by its input partitioning: the store of its tasks'
   * state (changelog topics, a transaction per task), opened before the sources.
   */
  taskState?(o: { readonly operators: readonly string[]; readonly intervalMs: number }): TaskStateStore;
  close(): Promise<void>;
}

/** One task's state: its operators' snapshots and its watermarks. */
export interface TaskSnapshot {
  readonly watermark: number;
  /** The watermark of each of the task's splits (`topic/partition`). */
  readonly splits: Readonly<Record<string, number>>;
  /** In registration order. */
  readonly operators: readonly { readonly id: string; readonly state: StateSnapshot | null }[];
}

/** Where a scaled-out stateful query's tasks keep their state (Kafka: connectors/kafka/task-state.ts). */
export interface TaskStateStore {
  /** Creates the changelog topics (one partition per task) and takes part in the group's task moves. */
  open(tasks: number): Promise<void>;
  /** The tasks gained since the last call, each with its restored state (null: a task never checkpointed). */
  takeRestored(): Map<number, TaskSnapshot | null>;
  /** The tasks this process owns and has restored. */
  owned(): ReadonlySet<number>;
  /** Commits, per task, its snapshot with its output and input positions (checkpoint number `seq`). */
  checkpoint(snapshots: ReadonlyMap<number, TaskSnapshot>, seq: number): Promise<void>;
  progress(): NonNullable<TaskProgress['state']>;
  close(): Promise<void>;
}

export interface SinkContext<Config extends ConnectorConfig = ConnectorConfig> {
  readonly name: string;
  /** The job's name (`pipeline.name`): transactional sinks name their Kafka transactional ids after it. */
  readonly job?: string;
  /** The connector's typed config (from the module, or resolved again after `createJob` overrides). */
  readonly config: Config;
  readonly options: Readonly<Record<string, string>>;
  readonly format: FormatName | null;
  readonly schema: readonly FieldDesc[];
  readonly keyFields: readonly string[];
  /** Columns of `schema` the sink writes as record metadata (Kafka `timestamp`, `headers`), not in the value. */
  readonly metadata: readonly SinkMetadataColumn[];
  readonly deliveryGuarantee: 'at-least-once' | 'exactly-once';
  /** `PARTITIONED BY` columns (the file sink writes `col=value/` folders); empty: none. */
  readonly partitionBy?: readonly string[];
  readonly binding: MemorySinkBinding | null;
  /** Where print sinks write (createJob `print`), or null for stdout/stderr. */
  readonly print: ((line: string) => void) | null;
  /** The job writes checkpoints (`checkpoint.dir`): sinks keep what they need for exactly-once. */
  readonly checkpointing: boolean;
  /** Tells the user something while the job runs. */
  readonly notice?: (message: string) => void;
  /** `pipeline.scale-out`: the job's group (exactly-once sinks write a transaction per task); null: one process. */
  readonly scaleOut?: Omit<ScaleOut, 'positions' | 'query'> | null;
}

/** A restart from a checkpoint, as a sink sees it (`SinkConnector.open`). */
export interface SinkRecovery {
  /** Per query, the last batch whose commit marker the checkpoint holds (-1: none). */
  readonly committed: ReadonlyMap<string, number>;
  /**
   * Per query, per sink: what `checkpointMark` returned when the query's restored state file was
   * written (the output the checkpoint relies on; a sink whose own records fall short of it
   * must refuse to resume). Empty for a query without a state file.
   */
  readonly marks: ReadonlyMap<string, Readonly<Record<string, Json>>>;
  /** The checkpoint directory (for messages). */
  readonly dir: string;
}

export interface WriterOptions {
  readonly query: string;
  readonly emit: EmitMode;
  readonly upsertKey: readonly string[] | null;
}

/**
 * A sink writer as the query sees it: buffered writes, committed per micro-batch.
 *
 * With checkpoints the engine runs, per batch: `commit(b)`, the checkpoint's commit marker,
 * `publish(b)`. A writer without `publish` delivers in `commit` (at-least-once: a batch cut
 * short by a crash is delivered again, and batches replayed from the checkpoint are not
 * delivered at all). A writer with `publish` is transactional: `commit` only stages (hidden,
 * durable), `publish` makes the batch visible, both skip batches already published — the
 * engine then hands it replayed batches too (exactly-once).
 */
export interface BatchSinkWriter extends SinkWriter<any> {
  /**
   * Delivers (or, transactional, stages) the rows written since the last commit, as batch
   * `batchId`; `watermark` is the query's after the batch (partition commit by partition time).
   */
  commit(batchId: number, watermark?: number): Promise<void>;
  /** Transactional writers: makes the staged batch visible, after the commit marker. */
  publish?(batchId: number): Promise<void>;
  /** Rows written in the current (uncommitted) batch. */
  pendingRows(): number;
  /**
   * Scaled-out jobs: the rows written from now on come from the records of split `id` (a Kafka
   * partition, so a task): writers with a transaction per task route them by it.
   */
  split?(id: string): void;
  /**
   * Scaled-out writers of a repartition topic: before each `commit`, the watermark of every task
   * this process owns (`tasks`: the query's task count), written with the task's rows.
   */
  taskWatermarks?(marks: ReadonlyMap<number, TaskWatermark>, tasks: number): boolean;
}

export interface SinkConnector {
  /**
   * Opens the sink. `recovery` is given when the job resumes from a checkpoint: keep the
   * committed output (and finish or undo what a crash interrupted); without it a run starts the
   * output anew.
   */
  open(recovery?: SinkRecovery | null): Promise<void>;
  writer(options: WriterOptions): BatchSinkWriter;
  /**
   * `query`'s state checkpoint is being written: make every published batch durable (fsync), and
   * commit what is still open for `query` (Kafka transactions). Called between two batches of
   * `query`; a failure keeps the state file from being written.
   */
  sync?(durable: ReadonlyMap<string, number>, query?: string): Promise<void>;
  /**
   * Recorded in `query`'s state file with every snapshot, handed back on restart
   * (`SinkRecovery.marks`): what the sink had published for the query (the file sink: the last
   * batch and the file size after it), so that lost sink records are noticed, not replayed over.
   */
  checkpointMark?(query: string): Json | undefined;
  /**
   * Scaled-out jobs, before any query opens: the job's task count (a repartition sink creates
   * its topic with that many partitions).
   */
  prepare?(tasks: number): Promise<void>;
  /** What a checkpointed job can promise for this sink (default at-least-once). */
  readonly guarantee?: 'exactly-once' | 'at-least-once';
  close(): Promise<void>;
}

export type SourceFactory<Config extends ConnectorConfig = any> = (ctx: SourceContext<Config>) => SourceConnector;
export type SinkFactory<Config extends ConnectorConfig = any> = (ctx: SinkContext<Config>) => SinkConnector;

/** Rows and kinds buffered by a writer until commit (shared by the simple sinks). */
export class RowBuffer {
  rows: Record<string, unknown>[] = [];
  kinds: RowKind[] = [];
  write(row: unknown, kind: RowKind = '+I'): void {
    this.rows.push(row as Record<string, unknown>);
    this.kinds.push(kind);
  }
  take(): { rows: Record<string, unknown>[]; kinds: RowKind[] } {
    const out = { rows: this.rows, kinds: this.kinds };
    this.rows = [];
    this.kinds = [];
    return out;
  }
}
