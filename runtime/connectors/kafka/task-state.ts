/**
 * State per task of a scaled-out stateful query (docs/scale-out.md, "State per task"): one
 * changelog topic per stateful operator, `<app>-<query>-<operator>-changelog`, one partition per
 * task, created at start when missing.
 *
 * Flink's two-phase-commit shape, with Kafka as the only store: a task's Kafka transaction spans
 * from one checkpoint (`checkpoint.interval`) to the next. It holds the output rows of an
 * exactly-once sink written since the last checkpoint (`send`), and at the checkpoint
 * (`checkpoint`) a snapshot of each of the task's operators — written to partition <task> of the
 * operator's changelog in chunks below the broker's message size — plus, committed with
 * `sendOffsets`, the task's input positions (the positions groups) and, in the group
 * `<app>.<query>.state`, the offset of each snapshot's first record. Output, state and positions
 * of a task thus commit atomically; a new owner restores from the committed snapshot offset to the
 * snapshot's end (read_committed): restore reads one snapshot, never the topic's history.
 *
 * Fencing: one transactional producer per task, id `<app>-<query>-<task>`. Before a source reads
 * the positions of a task this process gained, `fence` creates the task's producer (its
 * InitProducerId aborts the previous owner's open transaction and fences it), then restores the
 * task's snapshot; the engine builds the task's operators from it (`takeRestored`).
 */
import type { CompressionTypes, Kafka, Message, Producer, Transaction } from 'kafkajs';
import type { Json, StateSnapshot, TaskProgress } from '../../types.ts';
import { decodeState, encodeState } from '../../state/snapshot.ts';
import type { TaskSnapshot, TaskStateStore } from '../types.ts';
import { KafkaError, kafkaError, withRetry, type ClientSettings } from './client.ts';
import { PartitionReader, READ_COMMITTED, visibleMessages, type FetchedMessage } from './cluster.ts';
import { newKafka } from './kafkajs.ts';
import type { TaskGroup } from './group.ts';
import { fencingProducer } from './transactions.ts';

/** Snapshot chunks stay well below Kafka's default message.max.bytes (1 MiB). */
export const CHUNK_BYTES = 512 * 1024;
const SNAPSHOT = 'sqc.snapshot';
const CHUNK = 'sqc.chunk';
/** kafkajs error types that mean another producer of the id took over. */
const FENCED = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'INVALID_PRODUCER_ID_MAPPING']);

export function isFenced(e: unknown): boolean {
  for (let x = e as { type?: string; cause?: unknown; originalError?: unknown } | undefined; x;) {
    if (typeof x.type === 'string' && FENCED.has(x.type)) return true;
    x = (x.cause ?? x.originalError) as typeof x;
  }
  return false;
}

/** A Kafka topic name from `parts` (characters other than [a-zA-Z0-9._-] become '_'). */
export function changelogTopic(app: string, query: string, operator: string): string {
  return `${app}-${query}-${operator}-changelog`.replace(/[^a-zA-Z0-9._-]/g, '_').slice(0, 249);
}

/** One snapshot as changelog records: its bytes in chunks, each naming the snapshot and its place. */
export function snapshotRecords(
  id: string,
  state: unknown,
  chunkBytes = CHUNK_BYTES,
): { key: string; value: Buffer; headers: Record<string, string> }[] {
  const bytes = Buffer.from(encodeState(state));
  const n = Math.max(1, Math.ceil(bytes.length / chunkBytes));
  const out = [];
  for (let i = 0; i < n; i++)
    out.push({
      key: id,
      value: bytes.subarray(i * chunkBytes, (i + 1) * chunkBytes),
      headers: { [SNAPSHOT]: id, [CHUNK]: `${i}/${n}` },
    });
  return out;
}

const header = (m: FetchedMessage, k: string): string | null => {
  const h = m.headers[k];
  if (h === undefined) return null;
  return (Array.isArray(h) ? h[h.length - 1] : h)?.toString() ?? null;
};

/**
 * Reassembles the snapshot that starts at `records[0]` (read from `offset` on). Returns the
 * snapshot, or `more` when its chunks are not all there yet; throws naming the topic, partition
 * and offset when the records there are not a snapshot.
 */
export function assembleSnapshot(
  where: { topic: string; partition: number; offset: number },
  records: readonly FetchedMessage[],
): { state: Json; bytes: number } | 'more' {
  const at = `topic ${where.topic} partition ${where.partition} offset ${where.offset}`;
  const corrupt = (why: string): never => {
    throw new KafkaError(
      `the state snapshot at ${at} is unreadable: ${why}`,
      `the changelog topic was changed by something else than this job. To start the task's state anew, delete the job's state offsets ` +
        `(kafka-consumer-groups --delete-offsets --group <app>.<query>.state --topic ${where.topic}) and its positions groups' offsets, or give the job a new 'pipeline.name'`,
      false,
    );
  };
  if (records.length === 0) return 'more';
  const first = records[0]!;
  if (Number(first.offset) !== where.offset)
    corrupt(
      `the record there is gone (the log continues at offset ${first.offset}; retention or compaction removed it)`,
    );
  const id = header(first, SNAPSHOT);
  const place = header(first, CHUNK);
  if (id === null || place === null) corrupt('it is not a snapshot record of sqc');
  const n = Number(place!.slice(place!.indexOf('/') + 1));
  if (!Number.isInteger(n) || n < 1 || place !== `0/${n}`) corrupt(`it is chunk ${place} of a snapshot, not its first`);
  const parts: Buffer[] = [];
  for (const m of records) {
    if (parts.length === n) break;
    // records of other snapshots may interleave only if another writer wrote (not one task's producer)
    if (header(m, SNAPSHOT) !== id)
      corrupt(`chunk ${parts.length + 1} of ${n} is missing (offset ${m.offset} holds another record)`);
    if (header(m, CHUNK) !== `${parts.length}/${n}`)
      corrupt(`offset ${m.offset} holds chunk ${header(m, CHUNK)}, expected ${parts.length}/${n}`);
    parts.push(m.value ?? Buffer.alloc(0));
  }
  if (parts.length < n) return 'more';
  const bytes = Buffer.concat(parts);
  try {
    return { state: decodeState(bytes.toString('utf8')), bytes: bytes.length };
  } catch (e) {
    return corrupt(`its ${n} chunk${n > 1 ? 's do' : ' does'} not hold valid JSON (${(e as Error).message})`);
  }
}

export interface TaskStateSettings {
  readonly settings: ClientSettings;
  readonly group: TaskGroup;
  /** `sqc-<pipeline.name>`: names changelog topics and producers. */
  readonly app: string;
  readonly query: string;
  readonly operators: readonly string[];
  readonly intervalMs: number;
  readonly notice: (message: string) => void;
}

interface Restoring {
  readonly task: number;
  bytes: number;
  records: number;
}

export class KafkaTaskState implements TaskStateStore {
  readonly topics: readonly string[];
  private readonly stateGroup: string;
  private kafka: Kafka | null = null;
  private reader: PartitionReader | null = null;
  private readonly producers = new Map<number, Producer>();
  private readonly open_ = new Map<number, Transaction>();
  /** Tasks fenced and restored in the current assignment. */
  private readonly ready = new Set<number>();
  private readonly restored = new Map<number, TaskSnapshot | null>();
  private restoring: Restoring | null = null;
  private restoredBytes = 0;
  private restoredTasks: number[] = [];
  private timeoutMs = 60_000;
  private readonly fence = (tasks: readonly number[]): Promise<void> => this.gain(tasks);
  private readonly onAssign = (tasks: ReadonlySet<number>): void => this.assigned(tasks);

  constructor(private readonly o: TaskStateSettings) {
    this.topics = o.operators.map((op) => changelogTopic(o.app, o.query, op));
    this.stateGroup = `${o.app}.${o.query}.state`;
  }

  private get what(): string {
    return `the state of query "${this.o.query}" (changelog topics ${this.topics.join(', ')})`;
  }

  private retry<T>(fn: () => Promise<T>, what = this.what): Promise<T> {
    return withRetry(fn, { budgetMs: this.o.settings.retryTimeoutMs, brokers: this.o.settings.brokers, what });
  }

  async open(tasks: number): Promise<void> {
    const g = this.o.group;
    this.timeoutMs = g.transactionTimeout(this.o.query) ?? 60_000;
    if (this.timeoutMs <= this.o.intervalMs)
      throw new KafkaError(
        `a scaled-out stateful query keeps each task's Kafka transaction open from one checkpoint to the next, ` +
          `but 'properties.transaction.timeout.ms' (${this.timeoutMs} ms) is not longer than 'checkpoint.interval' (${this.o.intervalMs} ms): the broker would abort every transaction`,
        `set 'properties.transaction.timeout.ms' on the exactly-once sink well above 'checkpoint.interval' (e.g. 3 times it), or shorten 'checkpoint.interval'`,
        false,
      );
    this.kafka = newKafka(this.o.settings.config);
    this.reader = new PartitionReader(this.o.settings.config, READ_COMMITTED);
    await this.retry(() => this.reader!.connect());
    await this.retry(() => this.createTopics(tasks));
    g.addFencer(this.fence, [this.o.query]);
    g.onAssign(this.onAssign);
    g.provideState(this.o.query, this);
  }

  private async createTopics(tasks: number): Promise<void> {
    const admin = this.kafka!.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = this.topics.filter((t) => !existing.has(t));
      if (missing.length > 0) {
        await admin.createTopics({
          topics: missing.map((topic) => ({ topic, numPartitions: tasks })),
          waitForLeaders: true,
        });
        this.o.notice(
          `query "${this.o.query}": created changelog topic${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (${tasks} partitions)`,
        );
      }
      const have = await this.reader!.partitions(this.topics);
      for (const t of this.topics) {
        const n = have.filter((p) => p.topic === t).length;
        if (n < tasks)
          throw new KafkaError(
            `changelog topic ${t} has ${n} partitions, the job has ${tasks} tasks`,
            `add partitions (kafka-topics --alter --partitions ${tasks} --topic ${t}), or delete the topic and the group ${this.stateGroup} to start the state anew`,
            false,
          );
      }
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }

  /** Tasks lost: their producers go (the new owner fences them anyway); tasks kept stay ready. */
  private assigned(tasks: ReadonlySet<number>): void {
    for (const t of [...this.ready]) {
      if (tasks.has(t)) continue;
      this.ready.delete(t);
      this.restored.delete(t);
      this.open_.delete(t);
      this.broken.delete(t);
      const p = this.producers.get(t);
      this.producers.delete(t);
      void p?.disconnect().catch(() => {});
    }
  }

  /** Tasks gained: fence their previous owner, then restore their snapshots (before their positions are read). */
  private gain(tasks: readonly number[]): Promise<void> {
    // every source of the job asks (each before reading its partitions): one at a time, once per task
    const run = this.gaining.then(() => this.gainNow(tasks));
    this.gaining = run.catch(() => {});
    return run;
  }

  private gaining: Promise<void> = Promise.resolve();
  private closed = false;

  private async gainNow(tasks: readonly number[]): Promise<void> {
    const fresh: number[] = [];
    for (const t of tasks) {
      if (this.ready.has(t) || this.closed) continue;
      // handed over again while earlier fences ran (a slow fence under load): fencing it now would
      // fence its new owner, whose transaction would then fail and cost it every task it owns
      if (!this.o.group.assigned(t)) continue;
      const old = this.producers.get(t);
      await old?.disconnect().catch(() => {});
      const p = await this.retry(
        () => fencingProducer(this.kafka!, this.id(t), this.timeoutMs),
        `${this.what}: fencing the previous owner of task ${t} (transactional id ${this.id(t)})`,
      );
      if (this.closed) {
        // closed meanwhile (the job stops while a rebalance hands it tasks): no producer outlives it
        await p.disconnect().catch(() => {});
        return;
      }
      this.producers.set(t, p);
      this.open_.delete(t);
      this.broken.delete(t);
      fresh.push(t);
    }
    if (fresh.length === 0) return;
    const committed = await this.retry(() => this.committedOffsets());
    this.restoredTasks = [];
    this.restoredBytes = 0;
    for (const t of fresh) {
      this.restoring = { task: t, bytes: 0, records: 0 };
      const t0 = Date.now();
      const snap = await this.restore(t, committed);
      this.restored.set(t, snap);
      this.ready.add(t);
      if (snap !== null) {
        this.restoredTasks.push(t);
        this.restoredBytes += this.restoring.bytes;
        this.o.notice(
          `query "${this.o.query}": restored task ${t} from its changelog: ${this.restoring.bytes} bytes in ${this.restoring.records} records, ${Date.now() - t0} ms`,
        );
      }
      this.restoring = null;
    }
  }

  id(task: number): string {
    return `${this.o.app}-${this.o.query}-${task}`;
  }

  /** The committed snapshot offsets: `topic/partition` → offset. */
  private async committedOffsets(): Promise<Map<string, number>> {
    const admin = this.kafka!.admin();
    await admin.connect();
    const out = new Map<string, number>();
    try {
      for (const t of await admin.fetchOffsets({ groupId: this.stateGroup, topics: [...this.topics] }))
        for (const p of t.partitions) if (Number(p.offset) >= 0) out.set(`${t.topic}/${p.partition}`, Number(p.offset));
    } finally {
      await admin.disconnect().catch(() => {});
    }
    return out;
  }

  /** Task `task`'s snapshot (null: no checkpoint was ever committed for it: a fresh task). */
  private async restore(task: number, committed: ReadonlyMap<string, number>): Promise<TaskSnapshot | null> {
    const offsets = this.topics.map((t) => committed.get(`${t}/${task}`));
    if (offsets.every((o) => o === undefined)) return null;
    const missing = this.topics.filter((_, i) => offsets[i] === undefined);
    if (missing.length > 0)
      throw new KafkaError(
        `task ${task} of query "${this.o.query}" has committed snapshots in ${this.topics.filter((t) => !missing.includes(t)).join(', ')} but none in ${missing.join(', ')} (group ${this.stateGroup})`,
        `the job's operators changed since the snapshot was taken; give the job a new 'pipeline.name' to start its state anew`,
        false,
      );
    const operators: { id: string; state: StateSnapshot | null }[] = [];
    let meta: { watermark: number; splits: Record<string, number> } | null = null;
    for (const [i, topic] of this.topics.entries()) {
      const got = (await this.readSnapshot(topic, task, offsets[i]!)) as unknown as {
        watermark: number;
        splits: Record<string, number>;
        state: StateSnapshot | null;
      };
      operators.push({ id: this.o.operators[i]!, state: got.state });
      meta ??= { watermark: got.watermark, splits: got.splits };
    }
    return { watermark: meta!.watermark, splits: meta!.splits, operators };
  }

  private async readSnapshot(topic: string, partition: number, offset: number): Promise<Json> {
    const reader = this.reader!;
    const records: FetchedMessage[] = [];
    let at = offset;
    for (;;) {
      const leader = [...reader.leaders([{ topic, partition }]).keys()][0];
      if (leader === undefined)
        throw new KafkaError(`changelog topic ${topic} partition ${partition} has no leader`, null, true);
      const res = await this.retry(() =>
        reader.fetch(leader, [{ topic, partition, offset: at }], {
          maxWaitMs: 100,
          maxBytes: 16 * 1024 * 1024,
          partitionMaxBytes: 8 * 1024 * 1024,
        }),
      );
      const data = res.find((r) => r.topic === topic && r.data.partition === partition)?.data;
      const high = Number(data?.lastStableOffset ?? data?.highWatermark ?? -1);
      const visible = data === undefined ? [] : visibleMessages(data, at);
      for (const m of visible) {
        records.push(m);
        this.restoring!.records++;
        this.restoring!.bytes += m.value?.length ?? 0;
      }
      const done = assembleSnapshot({ topic, partition, offset }, records);
      if (done !== 'more') return done.state;
      const last = data?.messages[data.messages.length - 1];
      if (last !== undefined) at = Number(last.offset) + 1;
      if (at >= high || data === undefined || data.messages.length === 0)
        assembleIncomplete({ topic, partition, offset }, records, high);
    }
  }

  takeRestored(): Map<number, TaskSnapshot | null> {
    const out = new Map(this.restored);
    this.restored.clear();
    return out;
  }

  owned(): ReadonlySet<number> {
    return this.ready;
  }

  progress(): NonNullable<TaskProgress['state']> {
    return {
      restoring: this.restoring === null ? null : { ...this.restoring },
      restored: { tasks: [...this.restoredTasks], bytes: this.restoredBytes },
    };
  }

  private async txn(task: number): Promise<Transaction | null> {
    const t = this.open_.get(task);
    if (t !== undefined) return t;
    const p = this.producers.get(task);
    if (p === undefined) return null;
    const tx = await p.transaction();
    this.open_.set(task, tx);
    return tx;
  }

  /**
   * Output of an exactly-once sink, into task `task`'s open transaction (dropped when the task is
   * no longer this process's). The send is queued behind the task's earlier ones (one producer
   * sends in order) and runs while the engine goes on with the next batch: the returned promise
   * settles when it is done, and the checkpoint waits for every queued send before it commits.
   * Tasks send concurrently (a producer each).
   */
  send(task: number, record: { topic: string; messages: Message[]; compression: CompressionTypes }): Promise<void> {
    // a task lost (the assignment listener dropped it) is redone by its new owner, state and output
    // alike; a rebalance that keeps the task does not interrupt it
    if (!this.ready.has(task)) return Promise.resolve();
    const p = this.producers.get(task);
    if (p === undefined) return Promise.resolve();
    return this.queue(task, async () => {
      // the task was lost, or lost and gained again, since the send was queued: its new owner (or
      // this process's new instance of it, restored from the checkpoint) redoes these rows
      if (this.producers.get(task) !== p || !this.ready.has(task)) return;
      const t = await this.txn(task);
      if (t === null) return;
      try {
        await t.send({ topic: record.topic, messages: record.messages, acks: -1, compression: record.compression });
      } catch (e) {
        try {
          await this.failed(task, e, 'writing output', p);
        } catch (err) {
          // the rows are not in the transaction (it is aborted): no checkpoint of the task may commit
          this.broken.set(task, err);
          throw err;
        }
      } finally {
        await this.settle(task, p);
      }
    });
  }

  /** Task `task`'s requests, in order. */
  private readonly queues = new Map<number, Promise<void>>();
  /** Tasks whose output could not be written since they were gained: the error, thrown by their checkpoint. */
  private readonly broken = new Map<number, unknown>();

  private queue(task: number, fn: () => Promise<void>): Promise<void> {
    const run = (this.queues.get(task) ?? Promise.resolve()).then(fn);
    // the queue goes on after a failure; the failure is the returned promise's (awaited by the writer)
    const next = run.catch(() => {});
    this.queues.set(task, next);
    void next.then(() => {
      if (this.queues.get(task) === next) this.queues.delete(task);
    });
    return run;
  }

  /**
   * After a request on `p`: a producer dropped meanwhile (the task was lost, or the store closed)
   * may have reconnected to send it; it is closed again, so that no connection outlives the task.
   */
  private async settle(task: number, p: Producer): Promise<void> {
    if (this.producers.get(task) !== p) await p.disconnect().catch(() => {});
  }

  /**
   * Commits each task's transaction with its snapshot and positions, after the output sends
   * queued before it; the tasks commit concurrently (a producer and transaction each).
   */
  async checkpoint(snapshots: ReadonlyMap<number, TaskSnapshot>, seq: number): Promise<void> {
    const positions = this.o.group.positionsOf(this.o.query);
    const runs = [...snapshots].map(([task, snap]) =>
      this.queue(task, () => this.checkpointTask(task, snap, seq, positions)),
    );
    const failed = (await Promise.allSettled(runs)).find((r) => r.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  }

  private async checkpointTask(
    task: number,
    snap: TaskSnapshot,
    seq: number,
    positions: ReturnType<TaskGroup['positionsOf']>,
  ): Promise<void> {
    if (!this.ready.has(task)) return;
    if (this.broken.has(task)) throw this.broken.get(task);
    const producer = this.producers.get(task);
    const t = await this.txn(task);
    if (t === null || producer === undefined) return;
    try {
      const firsts: { topic: string; partitions: { partition: number; offset: string }[] }[] = [];
      for (const [i, op] of snap.operators.entries()) {
        const topic = this.topics[i]!;
        const records = snapshotRecords(`${this.id(task)}:${seq}`, {
          watermark: snap.watermark,
          splits: snap.splits,
          state: op.state,
        });
        let first: string | null = null;
        for (const r of records) {
          const meta = await t.send({ topic, messages: [{ ...r, partition: task }], acks: -1 });
          first ??= meta[0]?.baseOffset ?? null;
        }
        if (first === null)
          throw new KafkaError(
            `writing the snapshot of task ${task} to ${topic}: the broker returned no offset`,
            null,
            false,
          );
        firsts.push({ topic, partitions: [{ partition: task, offset: first }] });
      }
      await t.sendOffsets({ consumerGroupId: this.stateGroup, topics: firsts });
      for (const p of positions) {
        const topics = Object.entries(p.next)
          .map(([topic, parts]) => ({
            topic,
            partitions: Object.entries(parts)
              .filter(([partition]) => Number(partition) === task)
              .map(([partition, offset]) => ({
                partition: Number(partition),
                offset: String(offset),
                metadata: p.metadata?.[topic]?.[partition] ?? null,
              })),
          }))
          .filter((x) => x.partitions.length > 0);
        if (topics.length > 0) await t.sendOffsets({ consumerGroupId: p.group, topics });
      }
      await t.commit();
      this.open_.delete(task);
    } catch (e) {
      await this.failed(task, e, `committing checkpoint ${seq}`, producer);
    } finally {
      await this.settle(task, producer);
    }
  }

  private async failed(task: number, e: unknown, doing: string, producer: Producer): Promise<void> {
    // the producer was replaced meanwhile (the task lost, or lost and gained again): whoever owns
    // the task now redoes the work from the last checkpoint
    if (this.producers.get(task) !== producer) return;
    const t = this.open_.get(task);
    this.open_.delete(task);
    await t?.abort().catch(() => {});
    // lost meanwhile (a rebalance closed its producer): the new owner redoes the work
    if (!this.ready.has(task)) return;
    if (isFenced(e)) {
      const p = this.producers.get(task);
      this.producers.delete(task);
      this.ready.delete(task);
      await p?.disconnect().catch(() => {});
      this.o.notice(
        `query "${this.o.query}": task ${task} (transactional id ${this.id(task)}) was taken over by another process; its work since the last checkpoint is dropped here and redone by the new owner`,
      );
      this.o.group.fenced(task);
      return;
    }
    const err = kafkaError(e, this.o.settings.brokers, this.what);
    throw new KafkaError(
      `${err.reason}; ${doing} of task ${task} (transactional id ${this.id(task)}) failed and its transaction is aborted`,
      `${err.hint ?? 'check the brokers'}; run the process again: it rejoins the job and the task continues from its last checkpoint`,
      false,
      e,
    );
  }

  /** Called between batches when the query stops: the open transactions of tasks without a final checkpoint are aborted. */
  async close(): Promise<void> {
    this.closed = true;
    const g = this.o.group;
    g.removeFencer(this.fence);
    g.offAssign(this.onAssign);
    g.provideState(this.o.query, null);
    // output sends still queued finish (or fail) before their transactions are aborted
    await Promise.allSettled([...this.queues.values()]);
    for (const t of this.open_.values()) await t.abort().catch(() => {});
    this.open_.clear();
    for (const p of this.producers.values()) await p.disconnect().catch(() => {});
    this.producers.clear();
    await this.reader?.disconnect().catch(() => {});
  }
}

function assembleIncomplete(
  where: { topic: string; partition: number; offset: number },
  records: readonly FetchedMessage[],
  high: number,
): never {
  const got = records.length;
  throw new KafkaError(
    `the state snapshot at topic ${where.topic} partition ${where.partition} offset ${where.offset} is incomplete: the committed log ends at offset ${high} after ${got} of its records`,
    `the changelog topic lost records (retention shorter than 'checkpoint.interval', or a recreated topic). To start the task's state anew, delete the offsets of group <app>.<query>.state for ${where.topic} and the query's positions groups, or give the job a new 'pipeline.name'`,
    false,
  );
}
