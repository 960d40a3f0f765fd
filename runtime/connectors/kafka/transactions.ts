/**
 * Exactly-once Kafka output (`'sink.delivery-guarantee' = 'exactly-once'`, with checkpoints).
 *
 * kafkajs cannot resume a transaction after a restart (no way to hand a new producer the old
 * producer id and epoch), so Flink's two-phase commit is not reproducible. Instead the Kafka
 * transaction is the commit point of the sink's output, and the checkpoint's write-ahead log
 * makes every batch replayable exactly (the same records, the same output):
 *
 * - **Unit of work.** One transactional producer per (sink, query, unit), with the id
 *   `<sink.transactional-id-prefix>-<job>-<query>-<unit>`. The unit is a set of input partitions
 *   that runs its own micro-batches; one process runs each query as one unit, `0`, holding every
 *   partition. Running a query in several processes (issue 17) gives each process its units,
 *   each with its own id, progress record and checkpoint; nothing here is per process.
 * - **Per micro-batch** the writer sends the batch's rows into the unit's open transaction (a
 *   transaction starts with the first rows after a commit). Before the query's state checkpoint
 *   is written (`sync`, i.e. every `checkpoint.interval`, at the end of input and at a stop) it
 *   sends a **progress record** — key the transactional id, value `{"batch": b, ...}`, the last
 *   batch whose rows the transaction holds — to the progress topic (`sink.progress-topic`), and
 *   commits. A transaction open for half of `properties.transaction.timeout.ms` is committed at
 *   the next batch boundary too. Commits happen only between batches of the unit's query.
 * - **Restart.** The sink first *fences*: it opens and aborts a transaction on every id of the
 *   job (kafkajs sends InitProducerId lazily, on the first `transaction()`), which bumps the
 *   epoch, so a zombie of the previous incarnation can no longer write, and aborts whatever
 *   transaction that incarnation left open. Then it reads the progress topic with
 *   read_committed (up to the end it had after fencing) and takes, per id, the last committed
 *   batch P. The engine restores the state S and replays the logged batches S+1…: a batch ≤ P is
 *   in Kafka already and is skipped; a later one is written again (its first attempt was
 *   aborted, by the fence or by the transaction timeout).
 *
 * Why this holds: P ≥ S always (the commit comes before the state file that starts after it),
 * and P ≤ the last batch with a commit marker (rows are sent after the write-ahead record and
 * the progress record after the commit marker), so every batch after P is in the log and
 * replays the same rows. A job down longer than the transaction timeout only finds its open
 * transaction aborted by the broker instead of by the fence: nothing it needs was in it.
 */
import type { Admin, CompressionTypes as Codec, Kafka, Message, Producer, Transaction } from 'kafkajs';
import type { Json, RowKind } from '../../types.ts';
import { RowBuffer, type BatchSinkWriter, type SinkRecovery } from '../types.ts';
import { fault } from '../../checkpoint/faults.ts';
import { KafkaError, kafkaError, withRetry, type ClientSettings } from './client.ts';
import { PartitionReader, READ_COMMITTED, visibleMessages } from './cluster.ts';

type Row = Record<string, unknown>;

/** kafkajs's default, as Kafka's `transaction.timeout.ms` producer property. */
export const DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000;
/** The unit of work of a query run by one process: all its input partitions. */
const UNIT = '0';

/** What a transactional writer needs from its sink. */
export interface TransactionalSinkParts {
  readonly name: string;
  readonly topic: string;
  readonly compression: Codec;
  readonly settings: ClientSettings;
  /** The batch's records, in chunks of at most a few MiB (one produce request each). */
  chunks(rows: readonly Row[], kinds: readonly RowKind[], encode: Encoders): Message[][];
}

export interface Encoders {
  readonly key: ((r: Row) => string) | null;
  readonly value: (r: Row) => string;
  readonly upsert: boolean;
}

export interface ExactlyOnceSettings {
  readonly job: string;
  readonly prefix: string;
  readonly progressTopic: string;
  readonly timeoutMs: number;
  readonly notice: (message: string) => void;
}

/** Transactional ids in use in this process: two sinks must not share one (they would fence each other). */
const idsInUse = new Map<string, string>();

/** The transactional writers of one exactly-once sink and their recovery. */
export class ExactlyOnce {
  private readonly writers: TransactionalWriter[] = [];

  constructor(
    private readonly sink: TransactionalSinkParts,
    readonly settings: ExactlyOnceSettings,
  ) {}

  writer(query: string, encode: Encoders): TransactionalWriter {
    const same = this.writers.filter((w) => w.query === query).length;
    const base = `${this.settings.prefix}-${this.settings.job}-${query}-${UNIT}`;
    const id = same === 0 ? base : `${base}.${same}`;
    const owner = idsInUse.get(id);
    if (owner !== undefined && owner !== this.sink.name)
      throw new KafkaError(
        `sinks "${owner}" and "${this.sink.name}" would use the same Kafka transactional id "${id}"`,
        "give each exactly-once sink its own 'sink.transactional-id-prefix'",
        false,
      );
    idsInUse.set(id, this.sink.name);
    const w = new TransactionalWriter(this.sink, this.settings, query, id, encode);
    this.writers.push(w);
    return w;
  }

  /** What `sqc run` says about this sink when it starts. */
  describe(): string {
    const ids = this.writers.map((w) => w.id);
    return (
      `sink "${this.sink.name}" is exactly-once: each checkpoint commits its rows to topic ${this.sink.topic} in a Kafka transaction ` +
      `(transactional id${ids.length === 1 ? '' : 's'} ${ids.join(', ') || '-'}; progress in topic ${this.settings.progressTopic}); ` +
      `consumers must read with isolation.level = read_committed (read_uncommitted also sees rows of aborted transactions)`
    );
  }

  /**
   * Fences the previous incarnation on every id, then reads the committed progress of each
   * (read_committed) and checks it against the checkpoint (`recovery`; null: a fresh run).
   */
  async open(kafka: Kafka, recovery: SinkRecovery | null | undefined): Promise<void> {
    const what = `sink "${this.sink.name}" (topic ${this.sink.topic})`;
    const retry = { budgetMs: this.sink.settings.retryTimeoutMs, brokers: this.sink.settings.brokers, what };
    await withRetry(() => Promise.all(this.writers.map((w) => w.fence(kafka))), retry);
    const progress = await withRetry(
      () =>
        readProgress(
          this.sink.settings,
          this.settings.progressTopic,
          this.writers.map((w) => w.id),
        ),
      { ...retry, what: `${what}: reading progress topic ${this.settings.progressTopic}` },
    );
    for (const w of this.writers) {
      const p = progress.get(w.id) ?? -1;
      if (recovery === null || recovery === undefined) {
        // a fresh run (no checkpoint): batch ids start again at 0; older progress is void
        if (p >= 0) {
          this.settings.notice(
            `sink "${this.sink.name}": topic ${this.sink.topic} holds output of an earlier run of query "${w.query}" (up to its batch ${p}); ` +
              `the checkpoint is new, so this run writes all its output again after it`,
          );
          await withRetry(() => w.reset(), retry);
        }
        w.committed = -1;
        continue;
      }
      const logged = recovery.committed.get(w.query) ?? -1;
      const mark = recovery.marks.get(w.query)?.[this.sink.name] as { batch?: unknown } | undefined;
      const needed = typeof mark?.batch === 'number' ? mark.batch : -1;
      if (p > logged)
        throw new KafkaError(
          `${what}: Kafka holds query "${w.query}"'s output up to batch ${p} (progress topic ${this.settings.progressTopic}, id ${w.id}), but the checkpoint in ${recovery.dir} only up to batch ${logged}: the checkpoint lost batches Kafka has`,
          `restore the checkpoint directory as it was; or start over with a new checkpoint directory (the output is then written again after what the topic holds)`,
          false,
        );
      if (p < needed)
        throw new KafkaError(
          `${what}: the checkpoint in ${recovery.dir} relies on query "${w.query}"'s output up to batch ${needed} being in Kafka, but the progress topic ${this.settings.progressTopic} records it only up to batch ${p} (id ${w.id}): the topic or its progress was deleted or recreated`,
          `restore the topics; or delete ${recovery.dir} to start over (the output is then written anew)`,
          false,
        );
      w.committed = p;
    }
  }

  /** Commits the open transactions of `query`'s writers (before its state file). */
  async sync(query: string): Promise<void> {
    for (const w of this.writers) if (w.query === query) await w.commitTransaction();
  }

  /** Recorded with `query`'s state: the batch its Kafka output reaches once `sync` committed. */
  mark(query: string): Json | undefined {
    const w = this.writers.find((x) => x.query === query);
    return w === undefined ? undefined : { batch: w.seen };
  }

  async close(): Promise<void> {
    for (const w of this.writers) {
      await w.close();
      if (idsInUse.get(w.id) === this.sink.name) idsInUse.delete(w.id);
    }
  }
}

/** Sends into a unit's transaction; skips batches whose output Kafka already committed. */
export class TransactionalWriter implements BatchSinkWriter {
  private readonly buffer = new RowBuffer();
  private producer: Producer | null = null;
  private txn: Transaction | null = null;
  private txnStartedAt = 0;
  /** The last batch whose output a committed transaction holds (-1: none). */
  committed = -1;
  /** The last batch handed to `commit` (its rows are in the open transaction or skipped). */
  seen = -1;

  constructor(
    private readonly sink: TransactionalSinkParts,
    private readonly settings: ExactlyOnceSettings,
    readonly query: string,
    readonly id: string,
    private readonly encode: Encoders,
  ) {}

  write(row: unknown, kind: RowKind = '+I'): void {
    this.buffer.write(row, kind);
  }

  pendingRows(): number {
    return this.buffer.rows.length;
  }

  /** A new producer for the id whose InitProducerId fences every earlier one and aborts its transaction. */
  async fence(kafka: Kafka): Promise<void> {
    await this.producer?.disconnect().catch(() => {});
    this.txn = null;
    this.producer = await fencingProducer(kafka, this.id, this.settings.timeoutMs);
  }

  /** A fresh run: records that no batch of this id's output counts any more (progress -1). */
  async reset(): Promise<void> {
    const t = await this.begin();
    await this.sendProgress(t, -1);
    await t.commit();
    this.txn = null;
  }

  private async begin(): Promise<Transaction> {
    if (this.txn !== null) return this.txn;
    const producer = this.producer;
    if (producer === null) throw new Error(`sink "${this.sink.name}" is not open`);
    this.txn = await producer.transaction();
    this.txnStartedAt = Date.now();
    return this.txn;
  }

  private async sendProgress(t: Transaction, batch: number): Promise<void> {
    const value = JSON.stringify({
      batch,
      job: this.settings.job,
      query: this.query,
      unit: UNIT,
      sink: this.sink.name,
    });
    await t.send({ topic: this.settings.progressTopic, messages: [{ key: this.id, value, partition: 0 }], acks: -1 });
  }

  private failed(e: unknown, doing: string): KafkaError {
    const err = kafkaError(
      e,
      this.sink.settings.brokers,
      `sink "${this.sink.name}" (topic ${this.sink.topic}): ${doing}`,
    );
    return new KafkaError(
      `${err.reason}; the open transaction of ${this.id} is abandoned (Kafka aborts it)`,
      `${err.hint ?? 'check the brokers'}; run the job again: it resumes from its checkpoint and writes the batches after the last committed transaction again`,
      false,
      e,
    );
  }

  async commit(batchId: number): Promise<void> {
    const { rows, kinds } = this.buffer.take();
    this.seen = batchId;
    // replayed after a restart, and its transaction committed before the crash: in Kafka already
    if (batchId <= this.committed || rows.length === 0) return;
    try {
      const t = await this.begin();
      for (const messages of this.sink.chunks(rows, kinds, this.encode))
        await t.send({ topic: this.sink.topic, messages, acks: -1, compression: this.sink.compression });
    } catch (e) {
      throw this.failed(e, `sending batch ${batchId} in a transaction`);
    }
    fault('kafka.sent');
  }

  /** After the commit marker: commits early only when the transaction nears its timeout. */
  async publish(): Promise<void> {
    if (this.txn !== null && Date.now() - this.txnStartedAt >= this.settings.timeoutMs / 2)
      await this.commitTransaction();
  }

  /** Commits the rows sent since the last commit with a progress record of the last batch. */
  async commitTransaction(): Promise<void> {
    const batch = this.seen;
    if (batch <= this.committed) return;
    try {
      const t = await this.begin();
      await this.sendProgress(t, batch);
      fault('kafka.progress-sent');
      await t.commit();
    } catch (e) {
      throw this.failed(e, `committing the transaction of batches ${this.committed + 1}..${batch}`);
    }
    this.txn = null;
    this.committed = batch;
    fault('kafka.committed');
  }

  async close(): Promise<void> {
    const p = this.producer;
    this.producer = null;
    // an open transaction here holds batches after the last state file: aborting it is what a
    // restart would do anyway (and keeps read_committed readers from waiting for its timeout)
    if (this.txn !== null) await this.txn.abort().catch(() => {});
    this.txn = null;
    await p?.disconnect().catch(() => {});
  }
}

/**
 * A transactional producer for `id` that has fenced every earlier producer of the id: kafkajs
 * sends InitProducerId on the first `transaction()`, which bumps the epoch and aborts the
 * transaction a previous incarnation left open.
 */
export async function fencingProducer(kafka: Kafka, id: string, timeoutMs: number): Promise<Producer> {
  const producer = kafka.producer({
    transactionalId: id,
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout: timeoutMs,
    allowAutoTopicCreation: false,
    retry: { retries: 5 },
  });
  await producer.connect();
  try {
    const t = await producer.transaction();
    await t.abort();
  } catch (e) {
    await producer.disconnect().catch(() => {});
    throw e;
  }
  return producer;
}

/**
 * The last committed progress (batch) per transactional id in `ids`, read with read_committed
 * up to the end the progress topic had when this started (waiting for transactions of other
 * writers that are still open below it).
 */
async function readProgress(
  settings: ClientSettings,
  topic: string,
  ids: readonly string[],
): Promise<Map<string, number>> {
  const want = new Set(ids);
  const out = new Map<string, number>();
  const reader = new PartitionReader(settings.config, READ_COMMITTED);
  await reader.connect();
  try {
    const parts = await reader.partitions([topic]);
    const starts = await reader.offsets(parts, 'earliest');
    for (const p of parts) {
      let at = starts.get(`${p.topic}/${p.partition}`) ?? 0;
      let target = -1;
      const deadline = Date.now() + settings.retryTimeoutMs + DEFAULT_TRANSACTION_TIMEOUT_MS;
      for (;;) {
        const [node] = [...reader.leaders([p]).keys()];
        if (node === undefined)
          throw new KafkaError(`progress topic ${topic} partition ${p.partition} has no leader`, null, true);
        const res = await reader.fetch(node, [{ ...p, offset: at }], {
          maxWaitMs: 100,
          maxBytes: 8 << 20,
          partitionMaxBytes: 8 << 20,
        });
        const data = res[0]?.data;
        if (data === undefined) break;
        if (data.errorCode !== 0)
          throw new KafkaError(`reading progress topic ${topic}: error code ${data.errorCode}`, null, true);
        if (target < 0) target = Number(data.highWatermark);
        for (const m of visibleMessages(data, at)) {
          const key = m.key?.toString() ?? '';
          if (!want.has(key) || m.value === null) continue;
          const batch = (JSON.parse(m.value.toString()) as { batch?: unknown }).batch;
          if (typeof batch === 'number') out.set(key, batch);
        }
        const last = data.messages[data.messages.length - 1];
        if (last !== undefined) at = Math.max(at, Number(last.offset) + 1);
        if (at >= target) break;
        if (last === undefined) {
          // a transaction of another writer is still open below the end: wait for it to end
          if (Date.now() > deadline)
            throw new KafkaError(
              `reading progress topic ${topic}: a transaction below offset ${target} stayed open`,
              'another writer holds a transaction open on the progress topic; wait for its transaction timeout and run the job again',
              false,
            );
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
  } finally {
    await reader.disconnect();
  }
  return out;
}

/** Creates the progress topic (one partition, compacted: only the last record per id matters). */
export async function ensureProgressTopic(admin: Admin, topic: string): Promise<void> {
  if ((await admin.listTopics()).includes(topic)) return;
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
      waitForLeaders: true,
    });
  } catch (e) {
    // created meanwhile by another sink or job
    if (!(await admin.listTopics()).includes(topic)) throw e;
  }
}
