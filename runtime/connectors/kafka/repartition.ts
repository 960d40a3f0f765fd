/**
 * Repartition topics of a scaled-out job (docs/scale-out.md "Stages and repartition topics";
 * the compiler's stages.ts decides where): an upstream stage writes its rows, keyed by the next
 * operator's key, to `<job>-<operator>-repartition`; the downstream stage reads it, task p
 * reading partition p. The sink and the source are the ordinary Kafka ones, with a transaction
 * per task (task-transactions.ts); this file adds what the topic needs beyond rows:
 *
 * - the topic, created by the job at start with the job's task count (`prepareRepartitionTopic`);
 * - **watermark records**: after each batch in which an upstream task's watermark moved or its
 *   idleness changed, the task writes one record into *every* partition of the topic, in the
 *   same transaction as its rows and positions (`TaskMarks`). A watermark record has no value (so
 *   it is no row: a plain Kafka source skips null values) and a header `sqc-watermark` holding
 *   `{"task":t,"tasks":n,"watermark":ms|null,"idle":bool}` — the upstream task, the upstream
 *   stage's task count, its watermark (null: none yet) and whether all its partitions are idle;
 * - on the reading side, `UpstreamWatermarks`: a partition's watermark is the minimum over the
 *   upstream tasks' latest records; idle tasks do not hold it back unless every one is idle (then
 *   the partition is idle, at the least watermark any of them reached); a task not heard from yet
 *   holds it back, as a Kafka partition without records does in one process.
 */
import type { Admin, IHeaders, Message } from 'kafkajs';
import type { TaskWatermark } from '../types.ts';
import { KafkaError } from './client.ts';
import type { FetchedMessage } from './cluster.ts';

/** The header that marks a watermark record. */
export const WATERMARK_HEADER = 'sqc-watermark';

/**
 * A module compiled with `'pipeline.scale-out' = 'true'` has repartition stages, which need the
 * job's group (their watermark records are written per task): refused when run in one process.
 */
export function refuseUnscaled(name: string, scaleOut: object | null): void {
  if (scaleOut === null)
    throw new KafkaError(
      `"${name}" is a repartition topic between two stages of a scaled-out job, and the job runs with 'pipeline.scale-out' = 'false'`,
      "the stages were made when the job was compiled with 'pipeline.scale-out' = 'true': remove that SET from the file to run the job in one process, or run it scaled out",
      false,
    );
}

/** How often an upstream task writes its watermark records again when nothing changed. */
export const REFRESH_MS = 5_000;

interface Mark {
  readonly task: number;
  readonly tasks: number;
  readonly watermark: number;
  readonly idle: boolean;
}

/**
 * Creates the repartition topic with `partitions` partitions if it does not exist (every process
 * of the job may try at once: one wins, the others find it); a topic with another count is an
 * error, since task p of the downstream stage reads partition p and the rows were keyed for it.
 * Returns the partition count.
 */
export async function prepareRepartitionTopic(admin: Admin, topic: string, partitions: number): Promise<number> {
  const count = async (): Promise<number | null> => {
    if (!(await admin.listTopics()).includes(topic)) return null;
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    return meta.topics[0]!.partitions.length;
  };
  let found = await count();
  if (found === null) {
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
    } catch (e) {
      if ((e as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw e;
    }
    found = (await count()) ?? partitions;
  }
  if (found !== partitions)
    throw new KafkaError(
      `repartition topic ${topic} has ${found} partitions, but the job has ${partitions} tasks`,
      `the job's task count changed since the topic was created (its sources' partition counts): set 'pipeline.scale-out.repartition-partitions' = '${found}' to keep it, ` +
        `or stop every process of the job and delete the topic once the downstream stage has read it`,
      false,
    );
  return found;
}

/**
 * The upstream side: per task this process owns, the watermark last written, and the records to
 * write when it moved.
 */
export class TaskMarks {
  private readonly written = new Map<number, { text: string; at: number }>();
  private readonly due = new Map<number, Mark>();

  constructor(
    private readonly topic: string,
    private readonly partitions: () => number,
  ) {}

  /**
   * After a batch: the watermarks of the tasks this process owns (`tasks`: the stage's task
   * count). A task's records are due when its watermark or idleness changed, and again every
   * `REFRESH_MS` (a downstream task that moved to another process starts after the records it
   * had read, and learns every upstream task's watermark from the next ones). True when any is due.
   */
  update(marks: ReadonlyMap<number, TaskWatermark>, tasks: number, now = Date.now()): boolean {
    this.due.clear();
    for (const [task, m] of marks) {
      const text = `${m.watermark}/${m.idle}`;
      const w = this.written.get(task);
      if (w !== undefined && w.text === text && now - w.at < REFRESH_MS) continue;
      // nothing to say yet: a task without a watermark that is not idle holds the others back anyway
      if (m.watermark === -Infinity && !m.idle && w === undefined) continue;
      this.due.set(task, { task, tasks, watermark: m.watermark, idle: m.idle });
    }
    return this.due.size > 0;
  }

  /** Tasks with watermark records to write in this batch's transaction. */
  tasks(): Iterable<number> {
    return this.due.keys();
  }

  /** Task `task`'s watermark records, one per partition of the topic, or null. */
  messages(task: number): Message[] | null {
    const m = this.due.get(task);
    if (m === undefined) return null;
    const headers: IHeaders = {
      [WATERMARK_HEADER]: JSON.stringify({
        task: m.task,
        tasks: m.tasks,
        watermark: m.watermark === -Infinity ? null : m.watermark,
        idle: m.idle,
      }),
    };
    const out: Message[] = [];
    for (let p = 0, n = this.partitions(); p < n; p++) out.push({ key: null, value: null, partition: p, headers });
    return out;
  }

  /** The task's transaction committed: its records are written. */
  committed(task: number, now = Date.now()): void {
    const m = this.due.get(task);
    if (m === undefined) return;
    this.written.set(task, { text: `${m.watermark}/${m.idle}`, at: now });
    this.due.delete(task);
  }

  /** The task went to another process (fenced, or lost in a rebalance): its new owner writes its records. */
  forget(task: number): void {
    this.written.delete(task);
    this.due.delete(task);
  }

  describe(): string {
    return `watermark records (header ${WATERMARK_HEADER}) into every partition of ${this.topic}`;
  }
}

/** The downstream side: per partition read, the latest watermark record of each upstream task. */
export class UpstreamWatermarks {
  private readonly byPartition = new Map<number, { tasks: number; marks: Map<number, Mark> }>();

  /**
   * A record without a value read from partition `partition`: a watermark record is taken in,
   * anything else (a tombstone) ignored. A header that does not parse is an error naming where.
   */
  take(topic: string, partition: number, m: FetchedMessage): void {
    const h = m.headers[WATERMARK_HEADER];
    if (h === undefined) return;
    const text = (Array.isArray(h) ? h[h.length - 1]! : h).toString();
    let mark: Mark;
    try {
      const o = JSON.parse(text) as { task: unknown; tasks: unknown; watermark: unknown; idle: unknown };
      if (
        typeof o.task !== 'number' ||
        typeof o.tasks !== 'number' ||
        (o.watermark !== null && typeof o.watermark !== 'number') ||
        typeof o.idle !== 'boolean'
      )
        throw new Error('fields');
      mark = { task: o.task, tasks: o.tasks, watermark: o.watermark ?? -Infinity, idle: o.idle };
    } catch {
      throw new KafkaError(
        `topic ${topic} partition ${partition} offset ${m.offset}: a watermark record (header ${WATERMARK_HEADER}) that does not read: ${text.slice(0, 200)}`,
        'the repartition topic is written by the job only; was it written by another program or an older sqc?',
        false,
      );
    }
    this.record(partition, mark);
  }

  record(partition: number, mark: Mark): void {
    let p = this.byPartition.get(partition);
    if (p === undefined) this.byPartition.set(partition, (p = { tasks: mark.tasks, marks: new Map() }));
    p.tasks = Math.max(p.tasks, mark.tasks);
    p.marks.set(mark.task, mark);
  }

  /**
   * Partition `partition`'s watermark: the minimum over the upstream tasks that are not idle; when
   * every upstream task is idle, the least watermark any reached, and the partition is idle.
   * -infinity until every upstream task has written one.
   */
  watermark(partition: number): TaskWatermark {
    const p = this.byPartition.get(partition);
    if (p === undefined) return { watermark: -Infinity, idle: false };
    let active = Infinity;
    let idle = Infinity;
    let anyActive = false;
    for (let t = 0; t < p.tasks; t++) {
      const m = p.marks.get(t);
      if (m === undefined) return { watermark: -Infinity, idle: false };
      if (!m.idle) {
        anyActive = true;
        if (m.watermark < active) active = m.watermark;
      } else if (m.watermark > -Infinity && m.watermark < idle) idle = m.watermark;
    }
    if (anyActive) return { watermark: active, idle: false };
    return { watermark: idle === Infinity ? -Infinity : idle, idle: true };
  }

  /** The partition moved to another process: what it read of it no longer counts here. */
  drop(partition: number): void {
    this.byPartition.delete(partition);
  }
}
