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
import type {
  EmitMode,
  KeyValue,
  MemorySourceBinding,
  Operator,
  QueryBuilder,
  QueryHandle,
  QueryProgress,
  QuerySnapshot,
  QuerySpec,
  QueryStatus,
  SinkWriter,
  SourceSpec,
} from '../index.ts';
import type { BatchSinkWriter, RecordBatch, SinkConnector, SourceConnector } from '../connectors/types.ts';
import type { FormatName } from '../contract.ts';
import { BaseOperator } from '../operators/base.ts';
import { LookupTable } from '../connectors/lookup-table.ts';
import { QueryError, messageOf } from './errors.ts';
import { Input } from './input.ts';
import { buildProgress, sourceProgress } from './progress.ts';

/** What a query needs from its job. */
export interface QueryEnv {
  readonly triggerIntervalMs: number;
  readonly availableNow: boolean;
  /** The connector and effective settings for `spec` read by one query. */
  openSource(spec: SourceSpec<unknown>): {
    connector: SourceConnector;
    options: Readonly<Record<string, string>>;
    format: FormatName | null;
    bounded: boolean;
    /** A `createJob` memory binding replacing the declared connector, if any. */
    binding?: MemorySourceBinding | null;
  };
  sink(name: string): SinkConnector;
  progress(p: QueryProgress): void;
}

const MAX_WAIT_MS = 100;
const RECENT = 100;

interface Writer {
  readonly name: string;
  readonly writer: BatchSinkWriter;
  written: number;
}

export class Query implements QueryHandle {
  readonly name: string;
  status: QueryStatus = 'created';
  lastProgress: QueryProgress | null = null;
  readonly recentProgress: QueryProgress[] = [];
  error: QueryError | null = null;

  private readonly inputs: Input<any>[] = [];
  private readonly operators: Operator<any>[] = [];
  private readonly writers: Writer[] = [];
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

  constructor(
    private readonly spec: QuerySpec,
    private readonly env: QueryEnv,
  ) {
    this.name = spec.name;
    const explicitDropLate = new Map<Input<any>, boolean>();
    const builder: QueryBuilder = {
      name: spec.name,
      input: <Row>(source: SourceSpec<Row>, push: (row: Row) => void, options?: { readonly dropLate?: boolean }) => {
        const s = env.openSource(source as SourceSpec<unknown>);
        const lateSinkName = s.options['late.sink'] ?? source.lateSink;
        const lateWriter = lateSinkName ? this.writer(lateSinkName, 'final', null) : null;
        const input = new Input<Row>(source, s.connector, push, {
          query: spec.name,
          options: s.options,
          format: s.format,
          bounded: s.bounded,
          dropLate: options?.dropLate ?? true,
          lateWriter,
        });
        if (options?.dropLate !== undefined) explicitDropLate.set(input, options.dropLate);
        this.inputs.push(input);
      },
      sink: <Row>(name: string, options?: { readonly emit?: EmitMode; readonly upsertKey?: readonly string[] | null }) =>
        this.writer(name, options?.emit ?? spec.emit, options?.upsertKey ?? null) as SinkWriter<Row>,
      lookup: <Row, Key extends KeyValue>(source: SourceSpec<Row>, key: (row: Row) => Key | null): LookupTable<Row, Key> => {
        const s = env.openSource(source as SourceSpec<unknown>);
        const table = new LookupTable<Row, Key>(source, { key, options: s.options, format: s.format, binding: s.binding ?? null, query: spec.name });
        this.tables.push(table);
        return table;
      },
      operator: <Op extends Operator<any>>(op: Op): Op => {
        if (this.operators.some((o) => o.id === op.id)) throw new Error(`query "${spec.name}": duplicate operator id "${op.id}"`);
        this.operators.push(op);
        return op;
      },
    };
    spec.build(builder);
    // Late rows matter only to stateful operators (§5): a stateless query passes them on.
    for (const input of this.inputs) input.dropLate = explicitDropLate.get(input) ?? this.operators.length > 0;
  }

  private writer(name: string, emit: EmitMode, upsertKey: readonly string[] | null): BatchSinkWriter {
    const writer = this.env.sink(name).writer({ query: this.name, emit, upsertKey });
    this.writers.push({ name, writer, written: 0 });
    return writer;
  }

  /** The operators, for snapshots (checkpoints) and tests. */
  get operatorList(): readonly Operator<any>[] {
    return this.operators;
  }

  snapshot(): QuerySnapshot {
    return {
      version: 1,
      query: this.name,
      nextBatchId: this.batchId,
      watermark: this.watermark,
      inputs: this.inputs.map((i) => ({ source: i.name, offsets: i.connector.offsets(), watermark: i.watermark })),
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
    s.inputs.forEach((i, k) => (this.inputs[k]!.watermark = i.watermark));
    s.operators.forEach((o, k) => {
      if (o.state !== null) this.operators[k]!.restore(o.state);
    });
  }

  requestStop(): void {
    this.stopping = true;
    this.wakeStop();
  }

  /** Opens the sources and runs micro-batches until the input ends, `requestStop`, or an error. */
  async run(): Promise<void> {
    this.status = 'running';
    try {
      for (const input of this.inputs) {
        try {
          await input.connector.open((this.startOffsets?.[this.inputs.indexOf(input)] ?? null) as never);
        } catch (e) {
          throw new QueryError({ query: this.name, source: input.name, reason: messageOf(e), cause: e });
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
      this.status = 'stopped';
    } catch (e) {
      this.error =
        e instanceof QueryError
          ? e
          : new QueryError({ query: this.name, reason: messageOf(e), hint: 'this is likely a bug in sqc; please report it', cause: e });
      this.status = 'failed';
      throw this.error;
    } finally {
      for (const input of this.inputs) await input.connector.close().catch(() => {});
      for (const table of this.tables) await table.whenIdle().catch(() => {});
    }
  }

  private async loop(): Promise<void> {
    const inputs = this.inputs;
    const batches: (RecordBatch | null)[] = new Array(inputs.length).fill(null);
    while (!this.stopping) {
      const startedAt = Date.now();
      const t0 = performance.now();
      let n = 0;
      for (let i = 0; i < inputs.length; i++) {
        const input = inputs[i]!;
        batches[i] = input.exhausted ? null : await input.connector.poll(input.batchSize);
        const got = batches[i]?.values.length ?? 0;
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
          if (inputs.every((i) => i.bounded) || !this.env.availableNow) await this.batch(batches, startedAt, t0, t1, true);
          return;
        }
        if (this.nextWatermark() <= this.watermark) {
          await this.waitForData();
          continue;
        }
      }
      await this.batch(batches, startedAt, t0, t1, false);
      const interval = this.env.triggerIntervalMs;
      const elapsed = Date.now() - startedAt;
      if (interval > 0 && elapsed < interval) await this.sleep(interval - elapsed);
    }
  }

  /** The query watermark the inputs allow now (never below the current one). */
  private nextWatermark(): number {
    let min = Infinity;
    let active = 0;
    for (const input of this.inputs) {
      if (!input.hasWatermark) continue;
      if (input.exhausted && input.bounded) continue; // +infinity
      if (input.idle) continue;
      active++;
      if (input.watermark < min) min = input.watermark;
    }
    // every watermarked input idle: the watermark waits (Flink); none at all: it stays
    if (active === 0) return this.watermark;
    return min > this.watermark ? min : this.watermark;
  }

  private async batch(batches: (RecordBatch | null)[], startedAt: number, t0: number, t1: number, final: boolean): Promise<void> {
    const w0 = this.watermark;
    for (const table of this.tables) await table.maybeReload();
    for (let i = 0; i < this.inputs.length; i++) {
      const b = batches[i];
      if (b === null || b === undefined) continue;
      const input = this.inputs[i]!;
      try {
        input.process(b, w0);
      } catch (e) {
        throw input.failure(e) ?? this.operatorError(e);
      }
      batches[i] = null;
    }
    const w = final ? Infinity : this.nextWatermark();
    // Operators after one that holds the watermark back (outputWatermark) see the held value.
    let held = w;
    let held0 = w0;
    for (const op of this.operators) {
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
    this.watermark = w;
    const t2 = performance.now();
    for (const w2 of this.writers) w2.written = w2.writer.pendingRows();
    for (const w2 of this.writers) {
      try {
        await w2.writer.commit(this.batchId);
      } catch (e) {
        throw new QueryError({ query: this.name, reason: `writing sink "${w2.name}" failed: ${messageOf(e)}`, cause: e });
      }
    }
    for (const input of this.inputs) await input.connector.commit?.(input.connector.offsets());
    const t3 = performance.now();
    this.publish(startedAt, t1 - t0, t2 - t1, t3 - t2, final);
    this.batchId++;
  }

  private operatorError(e: unknown, id?: string): QueryError {
    if (e instanceof QueryError) return e;
    return new QueryError({
      query: this.name,
      reason: id ? `operator ${id}: ${messageOf(e)}` : messageOf(e),
      cause: e,
    });
  }

  private publish(startedAt: number, getBatchMs: number, processMs: number, commitMs: number, final: boolean): void {
    let late = 0;
    let parseErrors = 0;
    const sources = this.inputs.map((i) => {
      late += i.late;
      parseErrors += i.parseErrors;
      const end = i.connector.offsets();
      const p = sourceProgress(i.name, i.startOffset, end, i.rows, i.watermark, i.idle, i.exhausted);
      i.startOffset = end;
      i.resetBatchCounters();
      return p;
    });
    let nullTime = 0;
    for (const op of this.operators) {
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
      operators: this.operators.map((o) => ({ id: o.id, rows: o.stateRows() })),
      late,
      parseErrors,
      nullTime,
      sources,
      sinks: this.writers.map((w) => ({ name: w.name, rowsWritten: w.written })),
      final,
    });
    this.previousStart = startedAt;
    this.lastProgress = p;
    this.recentProgress.push(p);
    if (this.recentProgress.length > RECENT) this.recentProgress.shift();
    this.env.progress(p);
  }

  private async waitForData(): Promise<void> {
    let ms = MAX_WAIT_MS;
    const now = Date.now();
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
