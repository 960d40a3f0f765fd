/**
 * Exactly-once output of a scaled-out job (docs/scale-out.md): one transactional producer per
 * task, id `<sink.transactional-id-prefix>-<job>-<query>-<task>` (kafkajs's `sendOffsets` is
 * TxnOffsetCommit v0, without generation fencing, so — as in Kafka Streams before KIP-447 — the
 * transactional id is what fences a task's previous owner).
 *
 * Per micro-batch, each task with rows or moved positions gets one transaction holding its output
 * rows and its input positions (`sendOffsets` to the query's positions groups): the output and
 * the point it was computed up to are committed together, so no local checkpoint is needed and
 * the task can continue in any process. The engine tells the writer which split (partition, so
 * task) the rows come from (`split`); a scaled-out query is stateless (state per task is not
 * built yet), so every row comes from exactly one input record.
 *
 * Moving a task: before a process reads the positions of a task it gained, it creates the task's
 * producer, whose InitProducerId fences the previous owner and aborts its open transaction
 * (`TaskGroup.beforeRead`). A fenced process (its commit fails with a producer-fenced error)
 * drops the batch's transaction for that task and gives up its tasks (`TaskGroup.fenced`): the
 * new owner processes those records again from the committed positions.
 */
import type { Kafka, Producer, Transaction } from 'kafkajs';
import type { RowKind } from '../../types.ts';
import { RowBuffer, type BatchSinkWriter, type ScaleOut, type TaskWatermark } from '../types.ts';
import { KafkaError, kafkaError, withRetry } from './client.ts';
import { taskGroup, type TaskGroup } from './group.ts';
import { fencingProducer, type Encoders, type TransactionalSinkParts } from './transactions.ts';
import type { TaskMarks } from './repartition.ts';

type Row = Record<string, unknown>;

export interface TaskTransactionSettings {
  readonly job: string;
  readonly prefix: string;
  readonly timeoutMs: number;
  readonly scaleOut: Omit<ScaleOut, 'positions' | 'query'>;
  readonly notice: (message: string) => void;
}

/** kafkajs error types that mean another producer of the id took over. */
const FENCED = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'INVALID_PRODUCER_ID_MAPPING']);

function isFenced(e: unknown): boolean {
  for (let x = e as { type?: string; cause?: unknown; originalError?: unknown } | undefined; x;) {
    if (typeof x.type === 'string' && FENCED.has(x.type)) return true;
    x = (x.cause ?? x.originalError) as typeof x;
  }
  return false;
}

/** The per-task transactional writers of one exactly-once sink in a scaled-out job. */
export class TaskTransactions {
  private readonly writers: TaskWriter[] = [];
  private group: TaskGroup | null = null;
  private kafka: Kafka | null = null;
  private closed = false;
  private readonly fence = (tasks: readonly number[]): Promise<void> => this.fenceTasks(tasks);

  constructor(
    private readonly sink: TransactionalSinkParts,
    readonly settings: TaskTransactionSettings,
  ) {}

  writer(query: string, encode: Encoders, marks: TaskMarks | null = null): TaskWriter {
    if (this.writers.some((w) => w.query === query))
      throw new KafkaError(
        `sink "${this.sink.name}": query "${query}" writes it twice; a scaled-out exactly-once sink takes one writer per query`,
        null,
        false,
      );
    const w =
      marks === null
        ? new TaskWriter(this, this.sink, query, encode)
        : new RepartitionWriter(this, this.sink, query, encode, marks);
    this.writers.push(w);
    return w;
  }

  id(query: string, task: number): string {
    return `${this.settings.prefix}-${this.settings.job}-${query}-${task}`;
  }

  /** Joins the job's group as the fencer of the tasks this process gains. */
  open(kafka: Kafka): void {
    this.kafka = kafka;
    this.group = taskGroup(this.sink.settings, {
      group: this.settings.scaleOut.group,
      sessionTimeoutMs: this.settings.scaleOut.sessionTimeoutMs,
      notice: this.settings.notice,
    });
    this.group.addFencer(
      this.fence,
      this.writers.map((w) => w.query),
    );
    for (const w of this.writers) this.group.setTransactionTimeout(w.query, this.settings.timeoutMs);
  }

  get taskGroup(): TaskGroup {
    if (this.group === null) throw new Error(`sink "${this.sink.name}" is not open`);
    return this.group;
  }

  private async fenceTasks(tasks: readonly number[]): Promise<void> {
    // a rebalance while the job stops (another query's source still gains tasks): nothing to fence
    if (this.closed) return;
    const what = `sink "${this.sink.name}" (topic ${this.sink.topic})`;
    for (const w of this.writers)
      for (const t of tasks) {
        // handed over again while earlier fences ran: fencing it now would fence its new owner
        if (!this.group?.assigned(t)) continue;
        await withRetry(() => w.takeOver(t), {
          budgetMs: this.sink.settings.retryTimeoutMs,
          brokers: this.sink.settings.brokers,
          what: `${what}: fencing the previous owner of task ${t} (transactional id ${this.id(w.query, t)})`,
        });
      }
  }

  /** A producer for `id` that has fenced every earlier one (null once the sink is closing). */
  async producer(id: string): Promise<Producer | null> {
    if (this.kafka === null) throw new Error(`sink "${this.sink.name}" is not open`);
    if (this.closed) return null;
    const p = await fencingProducer(this.kafka, id, this.settings.timeoutMs);
    if (!this.closed) return p;
    await p.disconnect().catch(() => {}); // closed meanwhile: no producer may outlive the sink
    return null;
  }

  describe(): string {
    return (
      `sink "${this.sink.name}" is exactly-once per task: each micro-batch (a stateful query: each checkpoint, with its state) commits a task's rows to topic ${this.sink.topic} together with its input positions ` +
      `in one Kafka transaction (transactional ids ${this.settings.prefix}-${this.settings.job}-<query>-<task>); ` +
      `consumers must read with isolation.level = read_committed`
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    this.group?.removeFencer(this.fence);
    for (const w of this.writers) await w.close();
  }
}

/** One query's rows, one transaction per task per micro-batch. */
export class TaskWriter implements BatchSinkWriter {
  private readonly byTask = new Map<number, RowBuffer>();
  private current: RowBuffer | null = null;
  private readonly producers = new Map<number, Producer>();
  /** The positions last committed per `group/topic/partition`. */
  private readonly sent = new Map<string, number>();
  private pending = 0;
  /** A stateful query's sends of the last batch, still running (KafkaTaskState.send). */
  private inFlight: Promise<void>[] = [];

  constructor(
    private readonly owner: TaskTransactions,
    private readonly sink: TransactionalSinkParts,
    readonly query: string,
    private readonly encode: Encoders,
    protected readonly marks: TaskMarks | null = null,
  ) {}

  split(id: string): void {
    const task = Number(id.slice(id.lastIndexOf('/') + 1));
    let b = this.byTask.get(task);
    if (b === undefined) this.byTask.set(task, (b = new RowBuffer()));
    this.current = b;
  }

  write(row: unknown, kind: RowKind = '+I'): void {
    const b = this.current;
    if (b === null)
      throw new KafkaError(
        `sink "${this.sink.name}": query "${this.query}" wrote a row that comes from no single input partition`,
        'a scaled-out exactly-once query must be stateless (docs/scale-out.md)',
        false,
      );
    b.write(row, kind);
    this.pending++;
  }

  pendingRows(): number {
    return this.pending;
  }

  /** A task this process gained: its producer, fencing the previous owner's. */
  async takeOver(task: number): Promise<void> {
    // a stateful query's tasks have one producer each, the state's: rows go into its transactions
    if (this.owner.taskGroup.stateOf(this.query) !== undefined) return;
    // the new producer first (it fences the old one), then the swap: a commit running meanwhile
    // always finds a producer, and one fenced by the new producer knows it was this process
    const p = await this.owner.producer(this.owner.id(this.query, task));
    const old = this.producers.get(task);
    this.marks?.forget(task);
    if (p !== null) this.producers.set(task, p);
    else this.producers.delete(task);
    await old?.disconnect().catch(() => {});
  }

  async commit(batchId: number): Promise<void> {
    const group = this.owner.taskGroup;
    const state = group.stateOf(this.query);
    if (state !== undefined) {
      // stateful: the rows join the task's transaction, committed with its state at the checkpoint.
      // The sends run while the engine processes the next batch (the checkpoint waits for them);
      // the previous batch's are awaited first, so one batch at most is in flight
      const before = this.inFlight;
      this.inFlight = [];
      await Promise.all(before);
      const tasks = [...new Set([...this.byTask.keys(), ...(this.marks?.tasks() ?? [])])].sort((a, b) => a - b);
      for (const task of tasks) {
        const { rows, kinds } = this.byTask.get(task)?.take() ?? { rows: [] as Row[], kinds: [] as RowKind[] };
        for (const messages of this.sink.chunks(rows, kinds, this.encode))
          this.inFlight.push(
            state.send(task, { topic: this.sink.topic, messages, compression: this.sink.compression }),
          );
        // a repartition topic: the task's watermark records follow its rows
        const marks = this.marks?.messages(task) ?? null;
        if (marks !== null)
          this.inFlight.push(
            state.send(task, { topic: this.sink.topic, messages: marks, compression: this.sink.compression }),
          );
      }
      // a failure is reported by the next commit (or the checkpoint's own error); not unhandled meanwhile
      for (const p of this.inFlight) p.catch(() => {});
      this.byTask.clear();
      this.current = null;
      this.pending = 0;
      return;
    }
    // positions per task (partition index) that moved since the last commit
    const moved = new Map<
      number,
      { group: string; topic: string; partition: number; offset: number; metadata: string | null }[]
    >();
    for (const p of group.positionsOf(this.query))
      for (const [topic, parts] of Object.entries(p.next))
        for (const [partition, offset] of Object.entries(parts)) {
          const key = `${p.group}/${topic}/${partition}`;
          if (this.sent.get(key) === offset) continue;
          const t = Number(partition);
          const l = moved.get(t) ?? [];
          l.push({ group: p.group, topic, partition: t, offset, metadata: p.metadata?.[topic]?.[partition] ?? null });
          moved.set(t, l);
        }
    const tasks = [...new Set([...this.byTask.keys(), ...moved.keys(), ...(this.marks?.tasks() ?? [])])].sort(
      (a, b) => a - b,
    );
    for (const task of tasks) {
      const { rows, kinds } = this.byTask.get(task)?.take() ?? { rows: [] as Row[], kinds: [] as RowKind[] };
      const positions = moved.get(task) ?? [];
      let producer = this.producers.get(task);
      if (producer === undefined) {
        // dropped meanwhile, or handed over (its late write fenced, its producer closed): the owner
        // now redoes these records from the committed positions (this source drops the task)
        if (!group.inGroup || !group.assigned(task)) continue;
        throw new KafkaError(
          `sink "${this.sink.name}": task ${task} has no transactional producer in this process`,
          null,
          false,
        );
      }
      const id = this.owner.id(this.query, task);
      type Committed = { partition: number; offset: string; metadata: string | null };
      const byGroup = new Map<string, Map<string, Committed[]>>();
      for (const p of positions) {
        const topics = byGroup.get(p.group) ?? new Map<string, Committed[]>();
        const l = topics.get(p.topic) ?? [];
        l.push({ partition: p.partition, offset: String(p.offset), metadata: p.metadata });
        topics.set(p.topic, l);
        byGroup.set(p.group, topics);
      }
      // a transient failure (a coordinator moving or not found yet) aborts the transaction and
      // sends it again, within the sink's retry budget: an aborted transaction is never seen
      const since = Date.now();
      let fenced = false;
      for (let attempt = 1; ; attempt++) {
        let t: Transaction | null = null;
        try {
          t = await producer.transaction();
          for (const messages of this.sink.chunks(rows, kinds, this.encode))
            await t.send({ topic: this.sink.topic, messages, acks: -1, compression: this.sink.compression });
          // a repartition topic: the task's watermark records follow its rows, in every partition
          const marks = this.marks?.messages(task) ?? null;
          if (marks !== null)
            await t.send({ topic: this.sink.topic, messages: marks, acks: -1, compression: this.sink.compression });
          for (const [consumerGroupId, topics] of byGroup)
            await t.sendOffsets({
              consumerGroupId,
              topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
            });
          await t.commit();
          break;
        } catch (e) {
          await t?.abort().catch(() => {});
          if (isFenced(e) && this.producers.get(task) !== producer) {
            // this process fenced the task again meanwhile (another of its sources gained it after
            // a drop): the newer producer is ours; the task restarts from its committed positions
            fenced = true;
            break;
          }
          if (isFenced(e)) {
            // another process owns the task now and continues from the last committed positions
            this.producers.delete(task);
            this.marks?.forget(task);
            await producer.disconnect().catch(() => {});
            this.owner.settings.notice(
              `sink "${this.sink.name}": task ${task} (transactional id ${id}) was taken over by another process; batch ${batchId}'s rows of it are dropped here and written by the new owner`,
            );
            group.fenced(task);
            fenced = true;
            break;
          }
          const err = kafkaError(e, this.sink.settings.brokers, `sink "${this.sink.name}" (topic ${this.sink.topic})`);
          if (err.transient && Date.now() - since < this.sink.settings.retryTimeoutMs) {
            await new Promise((r) => setTimeout(r, Math.min(5_000, 200 * 2 ** Math.min(attempt, 5))));
            // a new producer of the id: its InitProducerId ends what the failed one left open
            // (an abort that failed too leaves a producer unable to begin another transaction)
            const fresh = await this.owner.producer(id).catch(() => null);
            if (fresh === null) continue;
            if (this.producers.get(task) === producer) this.producers.set(task, fresh);
            await producer.disconnect().catch(() => {});
            producer = fresh;
            continue;
          }
          throw new KafkaError(
            `${err.reason}; committing batch ${batchId} of task ${task} (transactional id ${id}) failed and its transaction is aborted`,
            `${err.hint ?? 'check the brokers'}; run the process again: it rejoins the job and the task continues after its last committed batch`,
            false,
            e,
          );
        }
      }
      if (fenced) continue;
      for (const p of positions) this.sent.set(`${p.group}/${p.topic}/${p.partition}`, p.offset);
      this.marks?.committed(task);
    }
    this.byTask.clear();
    this.current = null;
    this.pending = 0;
  }

  async close(): Promise<void> {
    for (const p of this.producers.values()) await p.disconnect().catch(() => {});
    this.producers.clear();
  }
}

/** A repartition topic's writer (repartition.ts): a task's transaction also holds its watermark records. */
class RepartitionWriter extends TaskWriter {
  taskWatermarks(marks: ReadonlyMap<number, TaskWatermark>, tasks: number): boolean {
    return this.marks!.update(marks, tasks);
  }
}
