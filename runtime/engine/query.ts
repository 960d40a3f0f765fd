/**
 * One streaming query: its inputs, operators and sink writers, and the micro-batch loop.
 *
 * Per batch: poll every input (up to its batch size); decode and push rows, dropping rows late
 * against the watermark at the start of the batch; advance the watermark (min over non-idle
 * watermarked inputs, exhausted bounded inputs count as +infinity, never backwards); run each
 * operator's `onWatermark` and `onBatchEnd` in dataflow order; commit the sinks; publish
 * progress. When every input is exhausted: one more batch at watermark +infinity ending with
 * `onEnd`, then stop (available-now with unbounded inputs stops without that flush).
 */
import type { EmitMode, FormatName } from '../contract.ts';
import type {
  CheckpointProgress,
  FieldDesc,
  Json,
  KeyValue,
  MemorySourceBinding,
  Operator,
  QueryProgress,
  QuerySnapshot,
  QueryStatus,
  RowKind,
  SinkSpec,
  SinkWriter,
  SourceSpec,
  TaskProgress,
} from '../types.ts';
import type { QueryBuilder, QueryHandle, QuerySpec } from './api.ts';
import type {
  BatchSinkWriter,
  RecordBatch,
  SinkConnector,
  SourceConnector,
  TaskSnapshot,
  TaskStateStore,
  TaskWatermark,
} from '../connectors/types.ts';
import type { ConnectorConfig } from '../connectors/spec.ts';
import { BaseOperator } from '../operators/base.ts';
import { LookupTable } from '../connectors/lookup-table.ts';
import { fault } from '../checkpoint/faults.ts';
import { CheckpointError, describeIoError, isIoError } from '../checkpoint/files.ts';
import type { QueryParts } from '../checkpoint/describe.ts';
import type { BatchRecord, QueryLog, StateWritten } from '../checkpoint/store.ts';
import { encodeState } from '../state/snapshot.ts';
import { QueryError, hintOf, messageOf } from './errors.ts';
import { advancedWatermark, Input, taskOf } from './input.ts';
import { buildProgress, sourceProgress } from './progress.ts';
import { UpdateBeforeFold } from './update-before.ts';

/** What a query needs from its job. */
export interface QueryEnv {
  readonly triggerIntervalMs: number;
  readonly availableNow: boolean;
  /**
   * The connector and effective settings for `spec` read by one query: as an input of `query`
   * (scaled out, such a source reads only its process's tasks), or, without `query`, as a lookup
   * table (read whole).
   */
  openSource(
    spec: SourceSpec<unknown>,
    query?: string,
  ): {
    connector: SourceConnector;
    options: Readonly<Record<string, string>>;
    /** The connector's typed config after overrides. */
    config: ConnectorConfig;
    format: FormatName | null;
    bounded: boolean;
    /** A `createJob` memory binding replacing the declared connector, if any. */
    binding?: MemorySourceBinding | null;
  };
  sink(name: string): SinkConnector;
  /** The declared sink (schemas for checkpoint metadata), or undefined. */
  sinkSpec(name: string): SinkSpec | undefined;
  progress(p: QueryProgress): void;
  /** With checkpoints: makes the named sinks' output of `query` durable before its state snapshot. */
  syncSinks(names: readonly string[], query: string): Promise<void>;
  /** Per named sink, what it has published for `query` (recorded with the query's state). */
  sinkMarks(names: readonly string[], query: string): Record<string, Json>;
  notice(message: string): void;
  /** True when `query` is the one that writes `source`'s late rows to its late.sink (the first to ask). */
  claimLateSink(source: string, query: string): boolean;
  /** Writers get a gate that can mute them (replayed batches of at-least-once sinks). */
  readonly checkpointing: boolean;
  /** `checkpoint.interval`: how often a scaled-out stateful query commits its tasks' state. */
  readonly checkpointIntervalMs: number;
}

/** A scaled-out stateful query's instance for one task: its own operators and generated closures. */
interface TaskInstance {
  readonly task: number;
  readonly operators: Operator<any>[];
  /** Per input (in `inputs` order), the generated push of this instance. */
  readonly pushes: ((row: any, kind: RowKind) => void)[];
  /** The task's watermark: the minimum over its own partitions (with idleness). */
  watermark: number;
}

const MAX_WAIT_MS = 100;

const yieldToOthers = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const RECENT = 100;

interface Writer {
  readonly name: string;
  readonly writer: BatchSinkWriter;
  /** What generated code writes to: the writer, or (checkpointing) a gate in front of it. */
  readonly gate: Gate | null;
  written: number;
  /** A source's `late.sink`: its rows are late input, not the query's output. */
  readonly late: boolean;
  /** A retracting query's `-U` rows, folded into upserts and deletes before the sink. */
  fold: UpdateBeforeFold | null;
}

const EMPTY: readonly RecordBatch[] = [];
/** Where the records of a task lost between a poll and its batch go: nowhere (none is late). */
const LOST_TASK = { push: (_row: unknown, _kind: RowKind): void => {}, watermark: -Infinity } as const;
const noWrite = (): void => {};

/**
 * The sink writer generated code holds when the job checkpoints: `write` is the writer's own,
 * or a no-op while a batch whose output was delivered before the crash is replayed into an
 * at-least-once sink.
 */
class Gate implements BatchSinkWriter {
  write: (row: unknown, kind?: RowKind) => void;
  private readonly open: (row: unknown, kind?: RowKind) => void;
  constructor(private readonly inner: BatchSinkWriter) {
    this.open = inner.write.bind(inner);
    this.write = this.open;
  }
  mute(on: boolean): void {
    this.write = on ? noWrite : this.open;
  }
  commit(batchId: number, watermark?: number): Promise<void> {
    return this.inner.commit(batchId, watermark);
  }
  pendingRows(): number {
    return this.inner.pendingRows();
  }
}

/** How a batch runs: new, logged before a crash but never committed, or committed and replayed. */
type BatchMode = 'new' | 'pending' | 'replay';

export class Query implements QueryHandle {
  readonly name: string;
  status: QueryStatus = 'created';
  lastProgress: QueryProgress | null = null;
  readonly recentProgress: QueryProgress[] = [];
  error: QueryError | null = null;

  private readonly inputs: Input<any>[] = [];
  private readonly operators: Operator<any>[] = [];
  private readonly writers: Writer[] = [];
  /** Writers of repartition topics (scaled out): told every task's watermark before each commit. */
  private marked: BatchSinkWriter[] = [];
  /** Scaled out: the query's task count (the most partitions of its sources), known after `checkScaleOut`. */
  private tasks = 0;
  private readonly taskCounts = new Map<Input<any>, number>();
  /** Lookup tables (`q.lookup`): opened before the first batch, reloaded between batches. */
  private readonly tables: LookupTable<any, any>[] = [];
  private watermark = -Infinity;
  private batchId = 0;
  private stopping = false;
  private wakeStop: () => void = () => {};
  private readonly stopSignal = new Promise<void>((r) => (this.wakeStop = r));
  private previousStart: number | null = null;
  /** Offsets to open each input at (from `restore`), else null. */
  private startOffsets: unknown[] | null = null;
  /** Connector name and options per input (checkpoint metadata). */
  private readonly inputInfo: { connector: string; options: Readonly<Record<string, string>> }[] = [];
  /** The query's checkpoint (`checkpoint.dir`), attached by the job before it starts. */
  private ck: QueryLog | null = null;
  /** The state snapshot written after the current batch, for its progress report. */
  private lastState: StateWritten | null = null;
  /** Bytes of each operator's state in the latest checkpoint (by operator id). */
  private readonly stateBytes = new Map<string, number>();
  private replayNoticed = new Set<string>();
  /** What `build` returned for each `q.sink` call (task instances share the writers). */
  private readonly sinkHandles: unknown[] = [];
  /** Writers with a transaction per task (scaled-out exactly-once). */
  private routed: BatchSinkWriter[] = [];
  /** Scaled out and stateful: the store of the tasks' state, and one query instance per owned task. */
  private taskState: TaskStateStore | null = null;
  private readonly instances = new Map<number, TaskInstance>();
  private checkpointSeq = 0;
  private lastCheckpointAt = Date.now();
  /** Batches ran since the tasks' last checkpoint. */
  private tasksDirty = false;

  constructor(
    private readonly spec: QuerySpec,
    private readonly env: QueryEnv,
  ) {
    this.name = spec.name;
    const explicitDropLate = new Map<Input<any>, boolean>();
    const lateSinks = new Map<Input<any>, string>();
    const builder: QueryBuilder = {
      name: spec.name,
      input: <Row>(
        source: SourceSpec<Row>,
        push: (row: Row, kind: RowKind) => void,
        options?: { readonly dropLate?: boolean },
      ) => {
        const s = env.openSource(source as SourceSpec<unknown>, spec.name);
        const lateSinkName = s.options['late.sink'] ?? source.lateSink;
        const input = new Input<Row>(source, s.connector, push, {
          query: spec.name,
          options: s.options,
          format: s.format,
          batchSize: s.config.batchSize,
          bounded: s.bounded,
          dropLate: options?.dropLate ?? true,
        });
        if (lateSinkName) lateSinks.set(input, lateSinkName);
        if (options?.dropLate !== undefined) explicitDropLate.set(input, options.dropLate);
        this.inputs.push(input);
        this.inputInfo.push({
          connector: s.binding ? 'memory' : (s.options['connector'] ?? source.connector),
          options: s.options,
        });
      },
      sink: <Row>(
        name: string,
        options?: {
          readonly emit?: EmitMode;
          readonly upsertKey?: readonly string[] | null;
          readonly changelog?: 'retract';
        },
      ) => {
        const upsertKey = options?.upsertKey ?? null;
        const writer = this.writer(name, options?.emit ?? spec.emit, upsertKey);
        if (options?.changelog !== 'retract') {
          this.sinkHandles.push(writer);
          return writer as SinkWriter<Row>;
        }
        const w = this.writers[this.writers.length - 1]!;
        // through `writer.write` on each call: a gate swaps its write while a batch is replayed
        w.fold = new UpdateBeforeFold((row, kind) => writer.write(row, kind), upsertKey);
        const handle = { write: w.fold.push } as SinkWriter<Row>;
        this.sinkHandles.push(handle);
        return handle;
      },
      lookup: <Row, Key extends KeyValue>(
        source: SourceSpec<Row>,
        key: (row: Row) => Key | null,
      ): LookupTable<Row, Key> => {
        const s = env.openSource(source as SourceSpec<unknown>);
        const table = new LookupTable<Row, Key>(source, {
          key,
          options: s.options,
          config: s.config,
          format: s.format,
          binding: s.binding ?? null,
          query: spec.name,
        });
        this.tables.push(table);
        return table;
      },
      operator: <Op extends Operator<any>>(op: Op): Op => {
        if (this.operators.some((o) => o.id === op.id))
          throw new Error(`query "${spec.name}": duplicate operator id "${op.id}"`);
        this.operators.push(op);
        return op;
      },
    };
    spec.build(builder);
    // Late rows matter only to stateful operators (§5): a stateless query passes them on.
    for (const input of this.inputs) input.dropLate = explicitDropLate.get(input) ?? this.operators.length > 0;
    // A source's late.sink gets each late row once: from the first query that drops them.
    for (const [input, sink] of lateSinks) {
      if (input.dropLate && env.claimLateSink(input.name, this.name))
        input.lateWriter = this.writer(sink, 'final', null, true);
    }
    // writers with a transaction per task (scaled-out exactly-once) learn each row's split
    const routed = this.writers.filter((w) => w.writer.split !== undefined).map((w) => w.writer);
    this.routed = routed;
    if (routed.length > 0)
      for (const input of this.inputs)
        input.onSplit = (id) => {
          for (const w of routed) w.split!(id);
        };
    this.marked = this.writers.filter((w) => w.writer.taskWatermarks !== undefined).map((w) => w.writer);
  }

  /**
   * Scaled out, writing a repartition topic: hands each writer the watermark of every task this
   * process owns (the minimum over its partitions of every input; idle when all are). True when
   * some task has watermark records to write.
   */
  private giveTaskWatermarks(): boolean {
    const tasks = new Set<number>();
    for (const input of this.inputs) for (const s of input.connector.splits?.() ?? []) tasks.add(taskOf(s.id));
    const parts = this.taskWatermarkParts(tasks);
    const marks = new Map<number, TaskWatermark>();
    for (const [task, l] of parts)
      marks.set(task, { watermark: advancedWatermark(-Infinity, l), idle: l.every((p) => p.idle) });
    let due = false;
    for (const w of this.marked) if (w.taskWatermarks!(marks, this.tasks)) due = true;
    return due;
  }

  /** Per task of `tasks` (and any other an input has a split of), its inputs' watermark parts (`Input.taskParts`). */
  private taskWatermarkParts(tasks: Iterable<number>): Map<number, { watermark: number; idle: boolean }[]> {
    const parts = new Map<number, { watermark: number; idle: boolean }[]>();
    for (const input of this.inputs) input.taskParts(parts, tasks, this.taskCounts.get(input) ?? 0);
    return parts;
  }

  private writer(name: string, emit: EmitMode, upsertKey: readonly string[] | null, late = false): BatchSinkWriter {
    const writer = this.env.sink(name).writer({ query: this.name, emit, upsertKey });
    // Transactional writers skip replayed batches themselves; others are muted while replaying.
    const gate = this.env.checkpointing && writer.publish === undefined ? new Gate(writer) : null;
    this.writers.push({ name, writer, gate, written: 0, late, fold: null });
    return gate ?? writer;
  }

  /** What checkpoint metadata records about this query (see checkpoint/describe.ts). */
  describeParts(): QueryParts {
    const sinks: { name: string; connector: string; schema: readonly FieldDesc[] }[] = [];
    for (const w of this.writers) {
      if (sinks.some((x) => x.name === w.name)) continue;
      const spec = this.env.sinkSpec(w.name);
      sinks.push({ name: w.name, connector: spec?.connector ?? 'unknown', schema: spec?.schema ?? [] });
    }
    return {
      name: this.name,
      emit: this.spec.emit,
      inputs: this.inputs.map((i, k) => ({
        source: i.name,
        connector: this.inputInfo[k]!.connector,
        options: this.inputInfo[k]!.options,
        schema: i.spec.schema,
      })),
      operators: this.operators,
      sinks,
      ...(this.spec.descriptor ? { descriptor: this.spec.descriptor } : {}),
    };
  }

  /**
   * Before `start()`: resume from the checkpoint `log` — restore its newest state (operators
   * matched by position among the stateful ones: the job was checked compatible, plan node ids
   * may have been renumbered), then replay its logged batches in `run()`.
   */
  attachCheckpoint(log: QueryLog): void {
    this.ck = log;
    const s = log.state;
    if (s === null) return;
    const stateful = this.operators.filter((o) => o.snapshot() !== null);
    const saved = s.operators.filter((o) => o.state !== null);
    if (stateful.length !== saved.length) {
      throw new CheckpointError(
        log.dir,
        `holds state for ${saved.length} operators, the query has ${stateful.length}`,
        null,
        {
          subject: `checkpoint of query "${this.name}" in`,
        },
      );
    }
    this.restore({
      ...s,
      operators: this.operators.map((op) => {
        const k = stateful.indexOf(op);
        return { id: op.id, state: k >= 0 ? saved[k]!.state : null };
      }),
    });
  }

  /** The operators, for snapshots (checkpoints) and tests. */
  get operatorList(): readonly Operator<any>[] {
    return this.operators;
  }

  snapshot(): QuerySnapshot {
    return this.takeSnapshot(this.batchId);
  }

  private takeSnapshot(nextBatchId: number): QuerySnapshot {
    return {
      version: 1,
      query: this.name,
      nextBatchId,
      watermark: this.watermark,
      inputs: this.inputs.map((i) => ({
        source: i.name,
        offsets: i.connector.offsets(),
        watermark: i.watermark,
        ...(i.splitWatermarks.size > 0 ? { splits: Object.fromEntries(i.splitWatermarks) } : {}),
      })),
      operators: this.operators.map((o) => ({ id: o.id, state: o.snapshot() })),
    };
  }

  restore(s: QuerySnapshot): void {
    if (this.status !== 'created') throw new Error(`query "${this.name}": restore() must come before start()`);
    const differs = (what: string) => new Error(`cannot resume query "${this.name}" from this state: ${what}`);
    if (s.version !== 1) throw differs(`state version ${s.version}, this runtime reads version 1`);
    if (s.query !== this.name) throw differs(`it was written by query "${s.query}"`);
    const inputs = this.inputs.map((i) => i.name).join(', ');
    const saved = s.inputs.map((i) => i.source).join(', ');
    if (inputs !== saved) throw differs(`the query reads (${inputs}), the state has (${saved})`);
    const ops = this.operators.map((o) => o.id).join(', ');
    const savedOps = s.operators.map((o) => o.id).join(', ');
    if (ops !== savedOps) throw differs(`the query has operators (${ops}), the state has (${savedOps})`);
    this.batchId = s.nextBatchId;
    this.watermark = s.watermark;
    this.startOffsets = s.inputs.map((i) => i.offsets);
    s.inputs.forEach((i, k) => {
      const input = this.inputs[k]!;
      input.watermark = i.watermark;
      for (const [id, w] of Object.entries(i.splits ?? {})) input.splitWatermarks.set(id, w);
    });
    s.operators.forEach((o, k) => {
      if (o.state !== null) this.operators[k]!.restore(o.state);
    });
  }

  requestStop(): void {
    this.stopping = true;
    this.wakeStop();
  }

  /**
   * Scaled out: the most partitions of the query's own sources (not the repartition topics the
   * job creates from this count), or 0 when it reads none.
   */
  async sourceTasks(): Promise<number> {
    let n = 0;
    for (const input of this.inputs)
      if (input.connector.taskCount !== undefined && input.connector.internalTopic !== true && !input.bounded)
        n = Math.max(n, await this.taskCountOf(input));
    return n;
  }

  /** An input's task count, asked of its connector once (each ask is a metadata round trip). */
  private async taskCountOf(input: Input<any>): Promise<number> {
    let n = this.taskCounts.get(input);
    if (n === undefined) this.taskCounts.set(input, (n = await input.connector.taskCount!()));
    return n;
  }

  /**
   * Scale-out pre-flight (docs/scale-out.md), before anything opens: inputs read together must be
   * co-partitioned, and what a scaled-out job cannot do yet is refused, saying so.
   */
  async checkScaleOut(): Promise<void> {
    const fail = (reason: string, hint: string): never => {
      throw new QueryError({ query: this.name, reason, hint });
    };
    const counts: { name: string; tasks: number }[] = [];
    for (const [i, input] of this.inputs.entries()) {
      const connector = this.inputInfo[i]!.connector;
      if (input.bounded || input.connector.taskCount === undefined)
        fail(
          `source "${input.name}" (connector '${connector}'${input.bounded ? ', bounded' : ''}) cannot be shared by the processes of a scaled-out job`,
          `'pipeline.scale-out' needs unbounded Kafka sources (kafka, upsert-kafka; lookup tables may be anything); run the job in one process ('pipeline.scale-out' = 'false')`,
        );
      counts.push({ name: input.name, tasks: await this.taskCountOf(input) });
    }
    this.tasks = Math.max(0, ...counts.map((c) => c.tasks));
    const stateful = this.operators.length > 0;
    if (stateful && counts.some((c) => c.tasks !== counts[0]!.tasks))
      fail(
        `sources ${counts.map((c) => `"${c.name}" (${c.tasks} partitions)`).join(', ')} are read together by a stateful operator but are not co-partitioned: ` +
          `in a scaled-out job task p reads partition p of each, so rows that meet must be in the same partition index`,
        `give the topics the same number of partitions, written with the same key and partitioner (kafka-topics --alter --partitions ${Math.max(...counts.map((c) => c.tasks))} --topic <topic>), or run the job in one process ('pipeline.scale-out' = 'false')`,
      );
    if (stateful && this.spec.keyedByPartitioning !== true)
      fail(
        `operator${this.operators.length > 1 ? 's' : ''} ${this.operators.map((o) => `"${o.id}"`).join(', ')} keep${this.operators.length > 1 ? '' : 's'} state by a key that is not the input's partitioning (the sources' message key): ` +
          `a scaled-out job re-keys its rows through a repartition topic first, which this module was compiled without`,
        `SET 'pipeline.scale-out' = 'true' in the program (sqc then splits the query into stages at the re-keying), or run the job in one process ('pipeline.scale-out' = 'false'); docs/scale-out.md`,
      );
    if (stateful && this.inputs[0]?.connector.taskState === undefined)
      fail(
        `source "${this.inputs[0]?.name}" cannot keep a scaled-out query's state`,
        `scaled-out stateful queries read Kafka sources`,
      );
    const transactional = this.writers.filter((w) => w.writer.split !== undefined);
    if (transactional.length > 1)
      fail(
        `sinks ${transactional.map((w) => `"${w.name}"`).join(', ')} are exactly-once: a scaled-out query commits its input positions in the transaction of one sink per task, so it can write only one exactly-once sink`,
        `make the other sinks at-least-once, or split the query`,
      );
  }

  /** Opens the sources and runs micro-batches until the input ends, `requestStop`, or an error. */
  async run(): Promise<void> {
    this.status = 'running';
    try {
      if (this.tasks > 0 && this.operators.length > 0) await this.openTaskState();
      for (const input of this.inputs) {
        try {
          await input.connector.open((this.startOffsets?.[this.inputs.indexOf(input)] ?? null) as never);
        } catch (e) {
          throw new QueryError({
            query: this.name,
            source: input.name,
            reason: messageOf(e),
            hint: hintOf(e),
            cause: e,
          });
        }
        input.startOffset = input.connector.offsets();
      }
      for (const table of this.tables) {
        try {
          await table.open();
        } catch (e) {
          throw new QueryError({ query: this.name, source: table.name, reason: messageOf(e), cause: e });
        }
      }
      await this.loop();
      // scaled out: the tasks' last work commits with their state before they are handed over
      if (this.taskState !== null) await this.checkpointTasks();
      // A clean stop leaves a state snapshot, so the next run resumes without replaying.
      const ck = this.ck;
      const last = this.batchId - 1;
      if (ck !== null && last > ck.stateBatch && last <= ck.committed) {
        this.reportStopState(await this.writeState(last, ck.finished));
      }
      this.status = 'stopped';
    } catch (e) {
      this.error =
        e instanceof QueryError
          ? e
          : e instanceof CheckpointError
            ? new QueryError({ query: this.name, reason: e.message, cause: e })
            : new QueryError({
                query: this.name,
                reason: messageOf(e),
                hint: 'this is likely a bug in sqc; please report it',
                cause: e,
              });
      this.status = 'failed';
      throw this.error;
    } finally {
      await this.taskState?.close().catch(() => {});
      for (const input of this.inputs) await input.connector.close().catch(() => {});
      for (const table of this.tables) await table.whenIdle().catch(() => {});
    }
  }

  /**
   * Scaled out and stateful (docs/scale-out.md, "State per task"): the tasks' state store, opened
   * before the sources join the group; rows of each split go to the instance of its task.
   */
  private async openTaskState(): Promise<void> {
    const store = this.inputs[0]!.connector.taskState!({
      operators: this.operators.map((o) => o.id),
      intervalMs: this.env.checkpointIntervalMs,
    });
    try {
      await store.open(this.tasks);
    } catch (e) {
      throw new QueryError({ query: this.name, reason: messageOf(e), hint: hintOf(e), cause: e });
    }
    this.taskState = store;
    this.inputs.forEach((input, k) => {
      input.route = (id) => {
        const inst = this.instances.get(taskOf(id));
        // lost since the poll (the process was dropped from the group between its poll and this
        // batch): the records are dropped here and redone by the task's new owner from its
        // committed positions, state and output alike
        if (inst === undefined && !store.owned().has(taskOf(id))) return LOST_TASK;
        if (inst === undefined)
          throw new QueryError({
            query: this.name,
            source: input.name,
            reason: `records of split ${id} arrived before the state of task ${taskOf(id)} was restored`,
            hint: 'this is likely a bug in sqc; please report it',
          });
        return { push: inst.pushes[k]!, watermark: inst.watermark };
      };
    });
  }

  /** A new instance of the query's operators and closures for `task` (generated `build` once more). */
  private buildTask(task: number): TaskInstance {
    const inst: TaskInstance = { task, operators: [], pushes: [], watermark: -Infinity };
    let sinks = 0;
    let tables = 0;
    this.spec.build({
      name: this.name,
      input: (_source, push) => {
        inst.pushes.push(push as (row: any, kind: RowKind) => void);
      },
      sink: () => this.sinkHandles[sinks++] as never,
      lookup: () => this.tables[tables++] as never,
      operator: (op) => {
        inst.operators.push(op);
        return op;
      },
    });
    if (inst.pushes.length !== this.inputs.length || inst.operators.length !== this.operators.length)
      throw new Error(`query "${this.name}": its build function wired another query for task ${task}`);
    return inst;
  }

  /** Tasks gained get an instance (restored from their changelog); tasks lost are dropped with theirs. */
  private syncTasks(): void {
    const store = this.taskState!;
    for (const [task, snap] of store.takeRestored()) {
      const inst = this.buildTask(task);
      for (const input of this.inputs)
        for (const id of [...input.splitWatermarks.keys()]) if (taskOf(id) === task) input.splitWatermarks.delete(id);
      if (snap !== null) {
        inst.watermark = snap.watermark;
        for (const [key, w] of Object.entries(snap.splits)) {
          const i = key.indexOf(':');
          this.inputs[Number(key.slice(0, i))]?.splitWatermarks.set(key.slice(i + 1), w);
        }
        snap.operators.forEach((o, i) => {
          const op = inst.operators[i];
          if (op === undefined || op.id !== o.id)
            throw new QueryError({
              query: this.name,
              reason: `the state of task ${task} was written by operators (${snap.operators.map((x) => x.id).join(', ')}); the query has (${inst.operators.map((x) => x.id).join(', ')})`,
              hint: `the query changed since its state was committed; give the job a new 'pipeline.name' to start its state anew`,
            });
          if (o.state !== null) op.restore(o.state);
        });
      }
      this.instances.set(task, inst);
    }
    const owned = store.owned();
    for (const task of [...this.instances.keys()]) if (!owned.has(task)) this.instances.delete(task);
  }

  /** Per task instance: onWatermark (its own watermark) and onBatchEnd, its output routed to its task. */
  private runTasks(final: boolean): void {
    const tasks = [...this.instances.keys()].sort((a, b) => a - b);
    const parts = this.taskWatermarkParts(tasks);
    for (const task of tasks) {
      const inst = this.instances.get(task)!;
      for (const w of this.routed) w.split!(`task/${task}`);
      const w0 = inst.watermark;
      const w = final ? Infinity : advancedWatermark(w0, parts.get(task) ?? []);
      this.runOperators(inst.operators, w, w0, final);
      inst.watermark = w;
    }
  }

  /** Commits every owned task's state with its output and positions (a checkpoint). */
  private async checkpointTasks(): Promise<void> {
    const snaps = new Map<number, TaskSnapshot>();
    for (const [task, inst] of this.instances) {
      const splits: Record<string, number> = {};
      this.inputs.forEach((input, k) => {
        for (const [id, w] of input.splitWatermarks) if (taskOf(id) === task) splits[`${k}:${id}`] = w;
      });
      snaps.set(task, {
        watermark: inst.watermark,
        splits,
        operators: inst.operators.map((o) => ({ id: o.id, state: o.snapshot() })),
      });
    }
    try {
      await this.taskState!.checkpoint(snaps, ++this.checkpointSeq);
    } catch (e) {
      throw new QueryError({ query: this.name, reason: messageOf(e), hint: hintOf(e), cause: e });
    }
    this.lastCheckpointAt = Date.now();
    this.tasksDirty = false;
  }

  /** When the tasks' next checkpoint is due (wall-clock ms). */
  private checkpointDue(): number {
    return this.lastCheckpointAt + this.env.checkpointIntervalMs;
  }

  /** Every operator of the query: the instances' when scaled out per task. */
  private allOperators(): readonly Operator<any>[] {
    if (this.taskState === null) return this.operators;
    const out: Operator<any>[] = [];
    for (const inst of this.instances.values()) out.push(...inst.operators);
    return out;
  }

  private runOperators(ops: readonly Operator<any>[], w: number, w0: number, final: boolean): void {
    // Operators after one that holds the watermark back (outputWatermark) see the held value.
    let held = w;
    let held0 = w0;
    for (const op of ops) {
      try {
        if (held > held0) op.onWatermark(held);
        op.onBatchEnd();
        if (final) op.onEnd();
      } catch (e) {
        throw this.operatorError(e, op.id);
      }
      if (op.outputWatermark !== undefined) {
        held = Math.min(held, op.outputWatermark(held));
        held0 = Math.min(held0, op.outputWatermark(held0));
      }
    }
  }

  private async loop(): Promise<void> {
    const inputs = this.inputs;
    const ck = this.ck;
    if (ck !== null) {
      // After a restart: the batches logged since the restored state, each exactly as it ran.
      const committed = ck.committed;
      for (const rec of ck.replay) {
        if (this.stopping) return;
        await this.replay(rec, rec.batch <= committed);
      }
      if (ck.finished) return;
    }
    const polled: (readonly RecordBatch[])[] = new Array(inputs.length).fill(EMPTY);
    while (!this.stopping) {
      const startedAt = Date.now();
      const t0 = performance.now();
      let n = 0;
      for (let i = 0; i < inputs.length; i++) {
        const input = inputs[i]!;
        const b = input.exhausted ? null : await this.poll(input, input.batchSize);
        const got = b?.values.length ?? 0;
        polled[i] = b === null || got === 0 ? EMPTY : [b];
        n += got;
        if (got > 0) {
          input.lastDataAt = startedAt;
          input.idle = false;
        } else if (input.idleTimeoutMs !== null && startedAt - input.lastDataAt >= input.idleTimeoutMs) {
          input.idle = true;
        }
        input.exhausted = got === 0 && input.connector.isExhausted();
      }
      const t1 = performance.now();
      if (n === 0) {
        if (inputs.every((i) => i.exhausted)) {
          if (inputs.every((i) => i.bounded) || !this.env.availableNow)
            await this.batch(polled, startedAt, t0, t1, true, 'new');
          return;
        }
        // scaled out and stateful: the tasks' open transactions commit when the interval has passed
        if (this.taskState !== null && this.tasksDirty && this.checkpointDue() <= Date.now())
          await this.checkpointTasks();
        if (this.nextWatermark() <= this.watermark && !(this.marked.length > 0 && this.giveTaskWatermarks())) {
          // Nothing to do, unless a processing-time window is due: wait for data or for it.
          let due = this.nextTimer();
          if (this.taskState !== null && this.tasksDirty) due = Math.min(due ?? Infinity, this.checkpointDue());
          if (due === null || due > Date.now()) {
            await this.waitForData(due);
            continue;
          }
        }
      }
      await this.batch(polled, startedAt, t0, t1, false, 'new');
      const interval = this.env.triggerIntervalMs;
      const elapsed = Date.now() - startedAt;
      if (interval > 0 && elapsed < interval) await this.sleep(interval - elapsed);
      // Let the job's other queries run a batch too: a poll served from read-ahead resolves
      // without I/O, and would otherwise keep this query running thousands of batches ahead.
      else await yieldToOthers();
    }
  }

  /**
   * Runs logged batch `rec` again: the same number of records from each input (from the restored
   * offsets on), the same idle and end-of-input flags. `committed`: its output was delivered
   * before the crash (at-least-once sinks are muted, transactional ones skip it); otherwise it
   * never committed and runs as a normal batch, minus the write-ahead record it already has.
   */
  private async replay(rec: BatchRecord, committed: boolean): Promise<void> {
    if (rec.batch !== this.batchId || rec.inputs.length !== this.inputs.length) {
      throw new CheckpointError(
        this.ck!.dir,
        `logs batch ${rec.batch} with ${rec.inputs.length} inputs; the query is at batch ${this.batchId} with ${this.inputs.length}`,
        null,
        {
          subject: `checkpoint of query "${this.name}" in`,
        },
      );
    }
    const startedAt = Date.now();
    const t0 = performance.now();
    const polled: (readonly RecordBatch[])[] = [];
    for (let i = 0; i < this.inputs.length; i++) {
      const input = this.inputs[i]!;
      const r = rec.inputs[i]!;
      const got: RecordBatch[] = [];
      let n = 0;
      try {
        await input.connector.replayTo?.(r.end as Json);
      } catch (e) {
        throw new QueryError({ query: this.name, source: input.name, reason: messageOf(e), hint: hintOf(e), cause: e });
      }
      while (n < r.n) {
        const b = await this.poll(input, r.n - n);
        if (b === null || b.values.length === 0) {
          if (input.connector.isExhausted()) {
            throw new QueryError({
              query: this.name,
              source: input.name,
              reason: `replaying batch ${rec.batch} from the checkpoint: the source ended after ${n} of the ${r.n} records the batch read before the restart`,
              hint: `the input changed since the checkpoint was written (files read by a job must not be modified or removed); start from a new checkpoint directory, or delete ${this.ck!.dir} and the job's output to start over`,
            });
          }
          await input.connector.waitForData(MAX_WAIT_MS);
          continue;
        }
        got.push(b);
        n += b.values.length;
      }
      polled.push(got);
      input.idle = r.idle;
      input.exhausted = r.exhausted;
      if (n > 0) input.lastDataAt = startedAt;
      if (JSON.stringify(input.connector.offsets()) !== JSON.stringify(r.end) && !this.replayNoticed.has(input.name)) {
        this.replayNoticed.add(input.name);
        this.env.notice(
          `query "${this.name}": source "${input.name}" did not reach the logged offsets when batch ${rec.batch} was replayed; ` +
            `its records may differ from the first run (exactly-once needs a replayable source)`,
        );
      }
    }
    const t1 = performance.now();
    if (!committed) return this.batch(polled, startedAt, t0, t1, rec.final, 'pending');
    for (const w of this.writers) w.gate?.mute(true);
    try {
      await this.batch(polled, startedAt, t0, t1, rec.final, 'replay');
    } finally {
      for (const w of this.writers) w.gate?.mute(false);
    }
  }

  /** Polls `input`; a failing source (a lost broker after its retry budget) stops the query naming it. */
  private async poll(input: Input<any>, max: number): Promise<RecordBatch | null> {
    try {
      const b = await input.connector.poll(max);
      input.syncSplitWatermarks();
      return b;
    } catch (e) {
      if (e instanceof QueryError) throw e;
      throw new QueryError({ query: this.name, source: input.name, reason: messageOf(e), hint: hintOf(e), cause: e });
    }
  }

  /** The query watermark the inputs allow now (never below the current one). */
  private nextWatermark(): number {
    const parts: { watermark: number; idle: boolean }[] = [];
    for (const input of this.inputs) {
      if (!input.hasWatermark) continue;
      input.advanceSplitWatermark();
      if (input.exhausted && input.bounded) continue; // +infinity
      parts.push({ watermark: input.watermark, idle: input.idle });
    }
    // idle inputs do not hold the others back; every one idle: the least of what they reached
    return advancedWatermark(this.watermark, parts);
  }

  private async batch(
    polled: (readonly RecordBatch[])[],
    startedAt: number,
    t0: number,
    t1: number,
    final: boolean,
    mode: BatchMode,
  ): Promise<void> {
    const ck = this.ck;
    let ckMs = 0;
    if (ck !== null && mode === 'new') {
      // write-ahead: what this batch reads, before anything of it happens
      const c0 = performance.now();
      fault('batch.polled');
      ck.writeAhead({
        batch: this.batchId,
        final,
        inputs: this.inputs.map((input, i) => {
          let n = 0;
          for (const b of polled[i]!) n += b.values.length;
          return { n, idle: input.idle, exhausted: input.exhausted, end: input.connector.offsets() };
        }),
      });
      fault('offsets.written');
      ckMs += performance.now() - c0;
    }
    const w0 = this.watermark;
    if (this.taskState !== null) this.syncTasks();
    for (const table of this.tables) await table.maybeReload();
    for (let i = 0; i < this.inputs.length; i++) {
      const list = polled[i]!;
      if (list.length === 0) continue;
      const input = this.inputs[i]!;
      for (const b of list) {
        try {
          input.process(b, w0);
        } catch (e) {
          throw input.failure(e) ?? this.operatorError(e);
        }
      }
      polled[i] = EMPTY;
    }
    const w = final ? Infinity : this.nextWatermark();
    if (this.taskState !== null) this.runTasks(final);
    else this.runOperators(this.operators, w, w0, final);
    this.watermark = w;
    fault('batch.processed');
    const t2 = performance.now();
    for (const w2 of this.writers) w2.fold?.flush();
    for (const w2 of this.writers) w2.written = w2.writer.pendingRows();
    if (this.marked.length > 0) this.giveTaskWatermarks();
    for (const w2 of this.writers) {
      if (mode === 'replay' && w2.gate !== null) continue; // delivered before the restart
      try {
        await w2.writer.commit(this.batchId, w);
      } catch (e) {
        throw this.sinkError(w2.name, e);
      }
    }
    if (ck !== null) {
      fault('sinks.staged');
      if (mode !== 'replay') {
        const c0 = performance.now();
        ck.commit(this.batchId, final);
        fault('commit.written');
        ckMs += performance.now() - c0;
      }
      for (const w2 of this.writers) {
        if (w2.writer.publish === undefined) continue;
        try {
          await w2.writer.publish(this.batchId);
        } catch (e) {
          throw this.sinkError(w2.name, e);
        }
      }
    }
    if (this.taskState !== null) {
      this.tasksDirty = true;
      if (final || this.stopping || this.checkpointDue() <= Date.now()) await this.checkpointTasks();
    }
    for (const input of this.inputs) await input.connector.commit?.(input.connector.offsets());
    const t3 = performance.now();
    let stateWritten = false;
    if (ck !== null) {
      fault('batch.published');
      if (mode !== 'replay' && ck.due(final || this.stopping)) {
        ckMs += (await this.writeState(this.batchId, final)).durationMs;
        stateWritten = true;
      }
    }
    const checkpoint: CheckpointProgress | undefined =
      ck === null
        ? undefined
        : {
            durationMs: ckMs,
            stateWritten,
            lastState:
              this.lastState === null
                ? null
                : {
                    batchId: this.lastState.batch,
                    bytes: this.lastState.bytes,
                    durationMs: this.lastState.durationMs,
                    timestamp: new Date(this.lastState.at).toISOString(),
                  },
            replayed: mode !== 'new',
          };
    this.publish(startedAt, t1 - t0, t2 - t1, t3 - t2, final, checkpoint);
    this.batchId++;
  }

  /**
   * `encodeState(snapshot)`, byte for byte, built from each operator's JSON so that the bytes
   * each operator's state takes are known (progress reports them).
   */
  private encodeSnapshot(s: QuerySnapshot): string {
    const ops = s.operators.map((o) => encodeState(o.state));
    for (let i = 0; i < ops.length; i++) this.stateBytes.set(s.operators[i]!.id, Buffer.byteLength(ops[i]!));
    const head = encodeState({ ...s, operators: undefined });
    const list = s.operators.map((o, i) => `{"id":${JSON.stringify(o.id)},"state":${ops[i]}}`).join(',');
    return `${head.slice(0, -1)},"operators":[${list}]}`;
  }

  /** Writes the state after `batch` (committed) to the checkpoint. */
  private async writeState(batch: number, finished: boolean): Promise<StateWritten> {
    const ck = this.ck!;
    const t0 = performance.now();
    const json = this.encodeSnapshot(this.takeSnapshot(batch + 1));
    const names = [...new Set(this.writers.map((w) => w.name))];
    const written = await ck.checkpoint(
      batch,
      json,
      finished,
      () => this.env.syncSinks(names, this.name),
      this.env.sinkMarks(names, this.name),
    );
    // the reported cost includes taking and encoding the snapshot, not only writing it
    this.lastState = { ...written, durationMs: performance.now() - t0 };
    return this.lastState;
  }

  /**
   * The snapshot a stop between batches wrote: one more progress report for the last batch, with
   * no rows of its own, so that listeners (the `sqc run` summary) see the checkpoint.
   */
  private reportStopState(w: StateWritten): void {
    const p = this.lastProgress;
    if (p === null) return;
    const report: QueryProgress = {
      ...p,
      timestamp: new Date(w.at).toISOString(),
      numInputRows: 0,
      inputRowsPerSecond: 0,
      processedRowsPerSecond: 0,
      durationMs: { total: w.durationMs, getBatch: 0, process: 0, commit: 0, checkpoint: w.durationMs },
      lateRowsDropped: 0,
      parseErrorsSkipped: 0,
      nullTimeRowsDropped: 0,
      sources: p.sources.map((s) => ({ ...s, startOffset: s.endOffset, numInputRows: 0 })),
      sinks: p.sinks.map((s) => ({ ...s, rowsWritten: 0 })),
      checkpoint: {
        durationMs: w.durationMs,
        stateWritten: true,
        lastState: {
          batchId: w.batch,
          bytes: w.bytes,
          durationMs: w.durationMs,
          timestamp: new Date(w.at).toISOString(),
        },
        replayed: false,
      },
    };
    this.lastProgress = report;
    this.recentProgress.push(report);
    if (this.recentProgress.length > RECENT) this.recentProgress.shift();
    this.env.progress(report);
  }

  private sinkError(name: string, e: unknown): QueryError {
    if (e instanceof QueryError) return e;
    const io = isIoError(e) || isIoError((e as { cause?: unknown } | null)?.cause);
    const reason = e instanceof CheckpointError ? e.message : `writing sink "${name}" failed: ${messageOf(e)}`;
    // the sink's own hint (a Kafka error says what to do), unless the checkpoint's situation says more
    let hint: string | null = e instanceof CheckpointError ? null : hintOf(e);
    if (io && this.ck !== null) {
      const cause = describeIoError((e as { cause?: unknown }).cause ?? e);
      hint =
        this.ck.committed >= this.batchId
          ? // failed while publishing: the commit marker is written, the rows are staged
            `the job stopped; batch ${this.batchId} is committed but its rows did not all reach the output yet (they are kept in the sink's hidden staging file). Fix the cause (${cause}) and run the job again: it finishes writing batch ${this.batchId} and resumes after it`
          : `the job stopped; batch ${this.batchId} was not committed and nothing of it is in the output. The checkpoint is intact up to batch ${this.ck.committed}: fix the cause (${cause}) and run the job again to resume from it`;
    } else if (io)
      hint = 'the output file may hold part of this batch; without checkpoint.dir a new run starts it anew';
    return new QueryError({ query: this.name, reason, hint, cause: e });
  }

  private operatorError(e: unknown, id?: string): QueryError {
    if (e instanceof QueryError) return e;
    return new QueryError({
      query: this.name,
      reason: id ? `operator ${id}: ${messageOf(e)}` : messageOf(e),
      cause: e,
    });
  }

  /** Scaled out: the tasks this process owns, as its sources' group reports them. */
  private taskProgress(): { tasks?: TaskProgress } {
    for (const i of this.inputs) {
      const t = i.connector.tasks?.();
      if (t) return { tasks: t };
    }
    return {};
  }

  private publish(
    startedAt: number,
    getBatchMs: number,
    processMs: number,
    commitMs: number,
    final: boolean,
    checkpoint: CheckpointProgress | undefined,
  ): void {
    let late = 0;
    let parseErrors = 0;
    const sources = this.inputs.map((i) => {
      late += i.late;
      parseErrors += i.parseErrors;
      const end = i.connector.offsets();
      const p = sourceProgress(
        i.name,
        i.startOffset,
        end,
        i.rows,
        i.watermark,
        i.idle,
        i.exhausted,
        i.parseErrors,
        i.parseErrorSample,
        i.splitProgress(),
      );
      i.startOffset = end;
      i.resetBatchCounters();
      return p;
    });
    let nullTime = 0;
    for (const op of this.allOperators()) {
      if (op instanceof BaseOperator) {
        nullTime += op.nullTimeRowsDropped;
        late += op.lateRowsDropped;
        op.nullTimeRowsDropped = 0;
        op.lateRowsDropped = 0;
      }
    }
    const p = buildProgress({
      query: this.name,
      batchId: this.batchId,
      startedAt,
      previousStart: this.previousStart,
      getBatchMs,
      processMs,
      commitMs,
      watermark: this.watermark,
      operators: this.operators.map((o, i) => ({
        id: o.id,
        rows: this.taskState === null ? o.stateRows() : this.taskRows(i),
        bytes: this.stateBytes.get(o.id) ?? null,
      })),
      late,
      parseErrors,
      nullTime,
      sources,
      sinks: this.writers.map((w) => ({ name: w.name, rowsWritten: w.written, ...(w.late ? { late: true } : {}) })),
      final,
      ...(checkpoint !== undefined ? { checkpoint } : {}),
      ...this.taskProgress(),
    });
    this.previousStart = startedAt;
    this.lastProgress = p;
    this.recentProgress.push(p);
    if (this.recentProgress.length > RECENT) this.recentProgress.shift();
    this.env.progress(p);
  }

  /** State rows of operator `i` over the task instances. */
  private taskRows(i: number): number {
    let n = 0;
    for (const inst of this.instances.values()) n += inst.operators[i]!.stateRows();
    return n;
  }

  /** The earliest processing-time timer of the operators (a window end on the wall clock), or null. */
  private nextTimer(): number | null {
    let due: number | null = null;
    for (const op of this.allOperators()) {
      const t = op.nextTimer?.() ?? null;
      if (t !== null && (due === null || t < due)) due = t;
    }
    return due;
  }

  /** Waits for input, a source going idle, or the processing-time timer `due` (wall-clock ms). */
  private async waitForData(due: number | null = null): Promise<void> {
    const now = Date.now();
    let ms = due === null ? MAX_WAIT_MS : Math.min(MAX_WAIT_MS, Math.max(1, due - now));
    for (const i of this.inputs) {
      if (i.idleTimeoutMs !== null && !i.idle) ms = Math.min(ms, Math.max(1, i.lastDataAt + i.idleTimeoutMs - now));
    }
    const waits = this.inputs.filter((i) => !i.exhausted).map((i) => i.connector.waitForData(ms));
    await Promise.race([...waits, this.stopSignal]);
  }

  private async sleep(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise<void>((r) => (timer = setTimeout(r, ms))), this.stopSignal]);
    clearTimeout(timer);
  }
}
