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
 *   holds it back, as a Kafka partition without records does in one process. What a reader knows
 *   of the upstream tasks at a position travels with the position: it is the offset commit's
 *   metadata (`UpstreamWatermarks.save`/`restore`), so a downstream task that moves learns the
 *   watermark of an upstream task that writes nothing any more (its input done, or its new owner
 *   without records yet) — else that task would hold the partition back for good.
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

  /**
   * What is known of partition `partition`'s upstream tasks, as the metadata of an offset commit
   * of the position up to which its records were read (null: nothing yet, or more than a broker
   * keeps — `offset.metadata.max.bytes`, 4096 by default, about 180 upstream tasks).
   */
  save(partition: number): string | null {
    const p = this.byPartition.get(partition);
    if (p === undefined || p.marks.size === 0) return null;
    const marks = [...p.marks.values()].map((m) => [m.task, m.watermark === -Infinity ? null : m.watermark, m.idle]);
    const text = `${METADATA_PREFIX}${JSON.stringify({ tasks: p.tasks, marks })}`;
    return text.length <= MAX_METADATA ? text : null;
  }

  /**
   * A partition read from a committed position: what its previous reader knew there (`save`).
   * Metadata that is not sqc's is ignored; sqc's that does not read is an error naming where.
   */
  restore(topic: string, partition: number, metadata: string | null | undefined): void {
    if (metadata === null || metadata === undefined || !metadata.startsWith(METADATA_PREFIX)) return;
    const text = metadata.slice(METADATA_PREFIX.length);
    let saved: { tasks: number; marks: [number, number | null, boolean][] };
    try {
      saved = JSON.parse(text) as typeof saved;
      if (
        typeof saved.tasks !== 'number' ||
        !Array.isArray(saved.marks) ||
        !saved.marks.every(
          (m) =>
            Array.isArray(m) &&
            typeof m[0] === 'number' &&
            (m[1] === null || typeof m[1] === 'number') &&
            typeof m[2] === 'boolean',
        )
      )
        throw new Error('fields');
    } catch {
      throw new KafkaError(
        `topic ${topic} partition ${partition}: the committed position's metadata (the upstream tasks' watermarks) does not read: ${text.slice(0, 200)}`,
        "the positions of a repartition topic are committed by the job only: if another program wrote this one, commit the partition's position again without metadata (kafka-consumer-groups --reset-offsets --to-current), or give the job a new 'pipeline.name' to start its state anew",
        false,
      );
    }
    for (const [task, watermark, idle] of saved.marks)
      this.record(partition, { task, tasks: saved.tasks, watermark: watermark ?? -Infinity, idle });
  }
}

/** Marks the offset-commit metadata `UpstreamWatermarks.save` writes. */
const METADATA_PREFIX = 'sqc-watermarks:';
/** Kafka's default `offset.metadata.max.bytes` (4096), less a margin. */
const MAX_METADATA = 4_000;
