/**
 * The `kafka` and `upsert-kafka` sources: partitions read directly from their leaders at the
 * offsets sqc chooses (cluster.ts), no consumer group. The checkpoint holds the offsets
 * (`offsets()`), so a restart resumes exactly where the last committed batch ended; group
 * offsets are committed after a batch commits only for monitoring tools (`commit`).
 *
 * Reading: one fetch loop per partition leader keeps a bounded read-ahead buffer per partition.
 * `poll(max)` hands out buffered records partition by partition in a fixed order (topic, then
 * partition), at most `max` in all, split across partitions by backlog (Spark's
 * maxOffsetsPerTrigger); the batch says which records came from which partition, so the engine
 * keeps a watermark per partition. A replayed batch (`replayTo`) returns exactly the logged
 * ranges, in the same order.
 *
 * Positions never move silently: a position below the log start (retention, a recreated topic)
 * or above the log end is data loss — an error naming topic, partition and offsets, or with
 * `scan.fail-on-data-loss = false` a counted warning and a jump to the log start.
 */
import type { Json, RecordContext, RowKind, TaskProgress } from '../../types.ts';
import type { RecordBatch, SourceConnector, SourceContext, SourceSplit, TaskStateStore } from '../types.ts';
import { KafkaTaskState } from './task-state.ts';
import { clientSettings, kafkaError, withRetry, KafkaError, type ClientSettings } from './client.ts';
import {
  PartitionReader,
  READ_COMMITTED,
  READ_UNCOMMITTED,
  visibleMessages,
  type FetchedMessage,
  type TopicPartition,
} from './cluster.ts';
import { recordLayout, recordParser } from './codec.ts';
import { registerCodecs } from './compression.ts';
import { newKafka } from './kafkajs.ts';
import { taskGroup, type TaskGroup, type TaskMember } from './group.ts';
import { repartitionTopic, type KafkaConfig, type PartitionOffset } from './options.ts';
import { refuseUnscaled, UpstreamWatermarks } from './repartition.ts';

/** `{ topic: { partition: offset } }` (Spark's offset JSON). */
type OffsetMap = Record<string, Record<string, number>>;

/** Read-ahead per partition, in records. */
const BUFFER_RECORDS = 50_000;
const FETCH_MAX_WAIT_MS = 250;
const FETCH_MAX_BYTES = 16 * 1024 * 1024;
/**
 * Per partition per fetch (the Java consumer's `max.partition.fetch.bytes` default). A fetch's
 * response is gathered into one buffer; at 4 MiB per partition, 4 partitions made 16 MB buffers,
 * each freshly mapped memory whose page faults cost more than the copy (a Kafka → filter → Kafka
 * job spent 8% of its CPU gathering fetch responses; 1-2 MB buffers cost about a fifth per byte).
 */
const PARTITION_MAX_BYTES = 1024 * 1024;

interface Chunk {
  readonly messages: readonly FetchedMessage[];
  pos: number;
  /** The fetch position after this chunk (past control records and aborted data). */
  readonly after: number;
}

/** Numbers each Partition read: a split read again from its committed offset is a new epoch. */
let epochs = 0;

class Partition {
  readonly id: string;
  readonly epoch = ++epochs;
  /** The offset after the last record handed out. */
  next: number;
  /** Where the next fetch starts. */
  fetchAt: number;
  readonly chunks: Chunk[] = [];
  buffered = 0;
  /** The high watermark (last stable offset under read_committed) at the last fetch. */
  high = -1;
  /** Stop before this offset (bounded reading), or Infinity. */
  end = Infinity;
  lastDataAt = Date.now();
  constructor(
    readonly topic: string,
    readonly partition: number,
    at: number,
  ) {
    this.id = `${topic}/${partition}`;
    this.next = at;
    this.fetchAt = at;
  }
  get done(): boolean {
    return this.next >= this.end;
  }
  /** The offset after the last buffered record (or where a fetch would start). */
  clear(at: number): void {
    this.chunks.length = 0;
    this.buffered = 0;
    this.next = at;
    this.fetchAt = at;
  }
}

/** Specific offsets by `topic/partition` (a pair without a topic is for the first topic read). */
function specificOffsets(given: readonly PartitionOffset[], topics: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const g of given) out.set(`${g.topic ?? topics[0]}/${g.partition}`, g.offset);
  return out;
}

export class KafkaSource implements SourceConnector {
  private readonly config: KafkaConfig;
  private readonly settings: ClientSettings;
  private readonly reader: PartitionReader;
  private readonly topics: readonly string[];
  private readonly pattern: RegExp | null;
  private readonly upsert: boolean;
  /** Key columns read from the record key (EXCEPT_KEY layouts), else null: values go to the decoder as text. */
  private readonly parse: ((key: string | null, value: string | null) => Record<string, unknown>) | null;
  /** A repartition topic: the upstream tasks' watermark records per partition; else null. */
  private readonly marks: UpstreamWatermarks | null;
  private parts: Partition[] = [];
  private byId = new Map<string, Partition>();
  private fetching = new Set<string>();
  /** The fetches in flight. */
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  private fatal: KafkaError | null = null;
  /** Since when fetching fails (broker lost), or 0. */
  private failingSince = 0;
  private wake: (() => void) | null = null;
  private lastDiscovery = 0;
  private replayEnd: Map<string, number> | null = null;
  private committedToGroup = '';
  /** Records skipped because their offsets vanished, with `scan.fail-on-data-loss = false`. */
  dataLossSkipped = 0;
  // scale-out (docs/scale-out.md): the job's group, the partitions of every task, and what it owns
  private group: TaskGroup | null = null;
  private member: TaskMember | null = null;
  private allParts: TopicPartition[] = [];
  /** The tasks owned (null: not scaled out, every partition is read). */
  private ownedTasks: ReadonlySet<number> | null = null;
  private pendingTasks: ReadonlySet<number> | null = null;
  /** The group dropped this process since the last assignment was applied. */
  private droppedAll = false;
  /**
   * Tasks read now that an assignment since the last one applied took away: each restarts from
   * its committed positions even when a later assignment gives it back before the next poll
   * (another process may have owned it in between, and moved its positions on).
   */
  private readonly lostTasks = new Set<number>();
  /** A rebalance waits for this source to reach a batch boundary: resolved by the next poll. */
  private quiescing: (() => void) | null = null;
  /** Between a quiesce and the next assignment: nothing is handed out. */
  private paused = false;
  private opened = false;

  constructor(private readonly ctx: SourceContext<KafkaConfig>) {
    const c = ctx.config;
    this.config = c;
    this.settings = clientSettings(ctx.name, c);
    this.upsert = c.upsert;
    const rp = c.repartition;
    if (rp !== undefined) refuseUnscaled(ctx.name, ctx.scaleOut ?? null);
    // a repartition topic is named after the job as it runs; its watermark comes from the upstream tasks' records
    this.topics = rp !== undefined ? [repartitionTopic(ctx.job ?? 'job', rp.operator)] : c.topics;
    this.marks = rp !== undefined ? new UpstreamWatermarks() : null;
    this.pattern = c.topicPattern !== null ? new RegExp(`^(?:${c.topicPattern})$`) : null;
    if (this.topics.length === 0 && this.pattern === null)
      throw new KafkaError(`source "${ctx.name}" needs 'topic' or 'topic-pattern'`, null, false);
    this.reader = new PartitionReader(this.settings.config, c.readCommitted ? READ_COMMITTED : READ_UNCOMMITTED);
    const keyFields = c.keyFields ?? [];
    if (this.upsert && keyFields.length === 0)
      throw new KafkaError(
        `source "${ctx.name}": upsert-kafka needs the PRIMARY KEY of the table (the record key)`,
        'declare PRIMARY KEY (<column>, ...) NOT ENFORCED and compile the program again',
        false,
      );
    // key columns come from the record key (EXCEPT_KEY layouts, upsert-kafka); else every column
    // is in the value and the value text goes straight to the generated decoder
    this.parse =
      keyFields.length > 0 && (c.valueFieldsInclude === 'EXCEPT_KEY' || this.upsert)
        ? recordParser(recordLayout(ctx.physical, c, keyFields), ctx.options)
        : null;
    registerCodecs();
  }

  private get what(): string {
    return `source "${this.ctx.name}" (${this.pattern !== null ? `topics matching /${this.config.topicPattern}/` : `topic ${this.topics.join(', ')}`})`;
  }

  private retry<T>(fn: () => Promise<T>): Promise<T> {
    return withRetry(fn, {
      budgetMs: this.settings.retryTimeoutMs,
      brokers: this.settings.brokers,
      what: this.what,
      cancelled: () => this.closed,
      onRetry: (e, attempt) => {
        if (attempt === 1)
          this.ctx.notice?.(`${e.reason}; retrying for up to ${Math.round(this.settings.retryTimeoutMs / 1000)} s`);
      },
    });
  }

  private async topicList(): Promise<string[]> {
    if (this.pattern === null) return [...this.topics];
    const all = await this.reader.listTopics();
    return all.filter((t) => this.pattern!.test(t)).sort();
  }

  /** The partitions of the topics read, failing for a topic that does not exist. */
  private async discover(): Promise<TopicPartition[]> {
    const topics = await this.topicList();
    if (this.pattern === null) {
      const existing = new Set(await this.reader.listTopics());
      const missing = topics.filter((t) => !existing.has(t));
      if (missing.length > 0)
        throw new KafkaError(
          `${this.what}: topic${missing.length > 1 ? 's' : ''} ${missing.map((t) => `"${t}"`).join(', ')} ${missing.length > 1 ? 'do' : 'does'} not exist at ${this.settings.brokers.join(',')}`,
          'create the topic first (sqc never creates the topics it reads), or fix the topic name',
          false,
        );
    }
    return this.reader.partitions(topics);
  }

  /** A repartition topic: created by the job with its task count, so it does not decide it. */
  get internalTopic(): boolean {
    return this.marks !== null;
  }

  tasks(): TaskProgress | null {
    const p = this.group?.progress() ?? null;
    if (p === null || this.state === null) return p;
    return { ...p, state: this.state.progress() };
  }

  private state: KafkaTaskState | null = null;

  taskState(o: { readonly operators: readonly string[]; readonly intervalMs: number }): TaskStateStore {
    const so = this.ctx.scaleOut;
    if (!so) throw new Error(`source "${this.ctx.name}" is not scaled out`);
    this.state = new KafkaTaskState({
      settings: this.settings,
      group: taskGroup(this.settings, {
        group: so.group,
        sessionTimeoutMs: so.sessionTimeoutMs,
        notice: (m) => this.ctx.notice?.(m),
      }),
      app: so.group,
      query: so.query,
      operators: o.operators,
      intervalMs: o.intervalMs,
      notice: (m) => this.ctx.notice?.(m),
    });
    return this.state;
  }

  async taskCount(): Promise<number> {
    await this.retry(() => this.reader.connect());
    try {
      let n = 0;
      for (const p of await this.retry(() => this.discover())) n = Math.max(n, p.partition + 1);
      return n;
    } finally {
      await this.reader.disconnect().catch(() => {});
    }
  }

  /** Scaled out: joins the job's group and reads the partitions of the tasks it gives this process. */
  private async openScaledOut(): Promise<void> {
    const so = this.ctx.scaleOut!;
    await this.retry(() => this.reader.connect());
    this.allParts = await this.retry(() => this.discover());
    this.lastDiscovery = Date.now();
    this.group = taskGroup(this.settings, {
      group: so.group,
      sessionTimeoutMs: so.sessionTimeoutMs,
      notice: (m) => this.ctx.notice?.(m),
    });
    this.member = {
      topics: [...new Set(this.allParts.map((p) => p.topic))],
      quiesce: () => {
        if (!this.opened || this.closed) {
          this.paused = true;
          return Promise.resolve();
        }
        return new Promise<void>((resolve) => {
          this.quiescing = resolve;
          this.notify();
        });
      },
      assign: (tasks, generation) => {
        // dropped from the group: every task restarts from its committed positions, even one
        // given back to this process before the next poll applies the assignment
        if (generation < 0) this.droppedAll = true;
        for (const p of this.parts) if (!tasks.has(p.partition)) this.lostTasks.add(p.partition);
        this.pendingTasks = tasks;
        this.notify();
      },
    };
    this.group.providePositions(so.query, () => ({
      group: so.positions,
      next: (this.offsets() as { next: OffsetMap }).next,
      metadata: this.positionMetadata(),
    }));
    await this.group.join(this.member);
    await this.applyTasks();
    this.opened = true;
  }

  /** Takes the latest assignment: drops the partitions of lost tasks, starts those of new ones at their committed positions. */
  private async applyTasks(): Promise<void> {
    while (this.pendingTasks !== null) {
      const tasks = this.pendingTasks;
      this.pendingTasks = null;
      this.ownedTasks = tasks;
      if (this.droppedAll) {
        this.droppedAll = false;
        for (const p of this.parts) this.marks?.drop(p.partition);
        this.parts = [];
        this.byId.clear();
      }
      const kept = (p: Partition): boolean => tasks.has(p.partition) && !this.lostTasks.has(p.partition);
      for (const p of this.parts.filter((x) => !kept(x))) {
        this.byId.delete(p.id);
        this.marks?.drop(p.partition);
      }
      this.parts = this.parts.filter(kept);
      this.lostTasks.clear();
      const fresh = this.allParts.filter(
        (tp) => tasks.has(tp.partition) && !this.byId.has(`${tp.topic}/${tp.partition}`),
      );
      if (fresh.length === 0) continue;
      // exactly-once sinks fence the tasks' previous owners first: their open transactions are
      // aborted, so the positions read next are the last committed ones
      await this.group!.beforeRead([...new Set(fresh.map((tp) => tp.partition))]);
      // where the previous owner stopped (the positions group), else where a new query starts
      const metadata = new Map<string, string | null>();
      const positions = await this.retry(() => this.committedOffsets(this.ctx.scaleOut!.positions, fresh, metadata));
      // a repartition topic: what the previous reader knew of the upstream tasks at the position
      for (const tp of fresh) this.marks?.restore(tp.topic, tp.partition, metadata.get(`${tp.topic}/${tp.partition}`));
      const missing = fresh.filter((tp) => !positions.has(`${tp.topic}/${tp.partition}`));
      if (missing.length > 0)
        for (const [k, v] of await this.retry(() => this.startOffsets(missing))) positions.set(k, v);
      const added = fresh.map((tp) => this.add(tp, positions.get(`${tp.topic}/${tp.partition}`) ?? 0));
      await this.checkPositions(added);
    }
    this.paused = false;
    this.pump();
  }

  async open(start: Json | null): Promise<void> {
    if (this.ctx.scaleOut) return this.openScaledOut();
    await this.retry(() => this.reader.connect());
    const found = await this.retry(() => this.discover());
    this.lastDiscovery = Date.now();
    const saved = start as { next?: OffsetMap; end?: OffsetMap | null } | null;
    const positions = new Map<string, number>();
    if (saved?.next !== undefined) {
      // the checkpoint is the source of truth; partitions it does not know start at earliest
      for (const [t, ps] of Object.entries(saved.next))
        for (const [p, off] of Object.entries(ps)) positions.set(`${t}/${p}`, off);
      const unknown = found.filter((p) => !positions.has(`${p.topic}/${p.partition}`));
      for (const [k, v] of await this.retry(() => this.reader.offsets(unknown, 'earliest'))) positions.set(k, v);
    } else {
      for (const [k, v] of await this.retry(() => this.startOffsets(found))) positions.set(k, v);
    }
    const all: TopicPartition[] = [...found];
    for (const k of positions.keys()) {
      if (!all.some((p) => `${p.topic}/${p.partition}` === k)) {
        const i = k.lastIndexOf('/');
        all.push({ topic: k.slice(0, i), partition: Number(k.slice(i + 1)) });
      }
    }
    for (const tp of all) this.add(tp, positions.get(`${tp.topic}/${tp.partition}`)!);
    // Bounded reading keeps the end it resolved at the first start; available-now resolves the
    // end at every start (Spark), so each run reads what exists when it starts.
    const keep = saved?.end !== undefined && saved.end !== null && this.config.boundedMode !== 'unbounded';
    const ends = keep ? saved.end! : await this.retry(() => this.endOffsets(all));
    if (ends !== null) {
      for (const p of this.parts) p.end = ends[p.topic]?.[String(p.partition)] ?? p.next;
    }
    this.bounded = ends !== null;
    this.endMap = ends;
    await this.checkPositions(this.parts);
    this.pump();
  }

  private bounded = false;
  private endMap: OffsetMap | null = null;

  private add(tp: TopicPartition, at: number): Partition {
    const p = new Partition(tp.topic, tp.partition, at);
    this.parts.push(p);
    this.parts.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    this.byId.set(p.id, p);
    return p;
  }

  /** Where a query without a checkpoint starts (`scan.startup.mode`). */
  private async startOffsets(parts: readonly TopicPartition[]): Promise<Map<string, number>> {
    const c = this.config;
    switch (c.startupMode) {
      case 'latest-offset':
        return this.reader.offsets(parts, 'latest');
      case 'timestamp':
        return this.reader.offsets(parts, { timestamp: c.startupTimestampMs ?? 0 });
      case 'specific-offsets': {
        const out = await this.reader.offsets(parts, 'earliest');
        for (const [k, v] of specificOffsets(c.startupSpecificOffsets, this.topics)) if (out.has(k)) out.set(k, v);
        return out;
      }
      case 'group-offsets': {
        const out = await this.reader.offsets(parts, 'earliest');
        for (const [k, v] of await this.groupOffsets(parts)) out.set(k, v);
        return out;
      }
      case 'earliest-offset':
        return this.reader.offsets(parts, 'earliest');
    }
  }

  /** The committed offsets of `properties.group.id` (partitions without one are left out). */
  private groupOffsets(parts: readonly TopicPartition[]): Promise<Map<string, number>> {
    return this.committedOffsets(this.config.groupId, parts);
  }

  /**
   * The committed offsets of `groupId` (`topic/partition` → offset; partitions without one are
   * left out), and into `metadata` what was committed with each.
   */
  private async committedOffsets(
    groupId: string | null,
    parts: readonly TopicPartition[],
    metadata?: Map<string, string | null>,
  ): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (groupId === null) return out;
    const admin = newKafka(this.settings.config).admin();
    await admin.connect();
    try {
      const topics = [...new Set(parts.map((p) => p.topic))];
      for (const t of await admin.fetchOffsets({ groupId, topics }))
        for (const p of t.partitions) {
          if (Number(p.offset) < 0) continue;
          out.set(`${t.topic}/${p.partition}`, Number(p.offset));
          metadata?.set(`${t.topic}/${p.partition}`, p.metadata);
        }
    } finally {
      await admin.disconnect();
    }
    return out;
  }

  /** Where reading stops (`scan.bounded.mode`, or available-now), or null when it does not. */
  private async endOffsets(parts: readonly TopicPartition[]): Promise<OffsetMap | null> {
    const c = this.config;
    const mode = c.boundedMode === 'unbounded' && this.ctx.availableNow ? 'latest-offset' : c.boundedMode;
    let ends: Map<string, number>;
    switch (mode) {
      case 'unbounded':
        return null;
      case 'latest-offset':
        ends = await this.reader.offsets(parts, 'latest');
        break;
      case 'timestamp':
        ends = await this.reader.offsets(parts, { timestamp: c.boundedTimestampMs ?? 0 });
        break;
      case 'specific-offsets': {
        // partitions without an offset are not read (Flink)
        const given = specificOffsets(c.boundedSpecificOffsets, this.topics);
        ends = new Map();
        for (const p of parts) {
          const k = `${p.topic}/${p.partition}`;
          ends.set(k, given.get(k) ?? this.byId.get(k)?.next ?? 0);
        }
        break;
      }
      case 'group-offsets':
        ends = await this.reader.offsets(parts, 'latest');
        for (const [k, v] of await this.groupOffsets(parts)) ends.set(k, v);
        break;
    }
    const out: OffsetMap = {};
    for (const p of parts) (out[p.topic] ??= {})[String(p.partition)] = ends.get(`${p.topic}/${p.partition}`) ?? 0;
    return out;
  }

  /**
   * A position outside the partition's log [start, end] means records vanished (retention,
   * a deleted and recreated topic): an error, or with `scan.fail-on-data-loss = false` a
   * counted warning and a jump to the log start. Never a silent reset.
   */
  private async checkPositions(parts: readonly Partition[]): Promise<void> {
    if (parts.length === 0) return;
    const [low, high] = await Promise.all([
      this.retry(() => this.reader.offsets(parts, 'earliest')),
      this.retry(() => this.reader.offsets(parts, 'latest')),
    ]);
    for (const p of parts) {
      const start = low.get(p.id) ?? 0;
      const end = high.get(p.id) ?? 0;
      if (p.fetchAt >= start && p.fetchAt <= end) continue;
      const what =
        p.fetchAt < start
          ? `offsets ${p.fetchAt}..${start - 1} of topic ${p.topic} partition ${p.partition} are no longer available (the log now starts at offset ${start})`
          : `offset ${p.fetchAt} of topic ${p.topic} partition ${p.partition} is beyond the end of the log (offset ${end}): the topic was deleted and recreated, or truncated`;
      if (this.config.failOnDataLoss) {
        throw new KafkaError(
          `${this.what}: data loss: ${what}`,
          `records the query had not read yet are gone (retention shorter than the job's lag, or a recreated topic). To skip them and go on from the log start, set 'scan.fail-on-data-loss' = 'false'; to start over, delete the checkpoint directory`,
          false,
        );
      }
      if (p.fetchAt < start) this.dataLossSkipped += start - p.fetchAt;
      this.ctx.notice?.(
        `warning: ${this.what}: data loss: ${what}; going on from offset ${start} ('scan.fail-on-data-loss' = 'false')`,
      );
      // records already buffered were read before the gap: they stay
      if (p.buffered === 0) p.clear(start);
      else p.fetchAt = start;
    }
  }

  /**
   * Starts a fetch for every leader that has partitions wanting records and none in flight. A
   * partition wants records while its read-ahead is below the cap, or, when a logged batch is
   * being replayed, until the batch's end is fetched: the batch was cut from a buffer that may
   * have held more than the cap, and it is returned whole.
   */
  private pump(): void {
    // between a quiesce and the next assignment nothing is fetched (applyTasks pumps)
    if (this.closed || this.fatal !== null || this.paused) return;
    const replay = this.replayEnd;
    const wanting = this.parts.filter(
      (p) =>
        (p.buffered < BUFFER_RECORDS || (replay !== null && p.fetchAt < (replay.get(p.id) ?? 0))) &&
        p.fetchAt < p.end &&
        !this.fetching.has(p.id),
    );
    if (wanting.length === 0) return;
    let groups: Map<string, TopicPartition[]>;
    try {
      groups = this.reader.leaders(wanting);
    } catch (e) {
      this.fetchFailed(e, wanting);
      return;
    }
    for (const [node, list] of groups) {
      const ps = list.map((tp) => this.byId.get(`${tp.topic}/${tp.partition}`)!);
      for (const p of ps) this.fetching.add(p.id);
      const f = this.fetchFrom(node, ps).finally(() => this.inFlight.delete(f));
      this.inFlight.add(f);
    }
  }

  /** Waits for the fetches in flight to end, at most `ms`. */
  private async fetchesEnded(ms: number): Promise<void> {
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const ended = Promise.all([...this.inFlight].map((f) => f.catch(() => {})));
    await Promise.race([ended, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  }

  private async fetchFrom(node: string, ps: Partition[]): Promise<void> {
    const positions = ps.map((p) => p.fetchAt);
    try {
      const res = await this.reader.fetch(
        node,
        ps.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.fetchAt })),
        { maxWaitMs: FETCH_MAX_WAIT_MS, maxBytes: FETCH_MAX_BYTES, partitionMaxBytes: PARTITION_MAX_BYTES },
      );
      if (this.failingSince !== 0) {
        this.ctx.notice?.(`${this.what}: the Kafka brokers are reachable again; resuming`);
        this.failingSince = 0;
      }
      for (const { topic, data } of res) {
        const p = this.byId.get(`${topic}/${data.partition}`);
        const k = p === undefined ? -1 : ps.indexOf(p);
        if (p === undefined || k < 0 || p.fetchAt !== positions[k]) continue; // moved meanwhile
        p.high = Number(data.lastStableOffset ?? data.highWatermark);
        if (data.messages.length === 0) continue;
        const last = Number(data.messages[data.messages.length - 1]!.offset);
        let visible = visibleMessages(data, p.fetchAt);
        let after = last + 1;
        if (p.end !== Infinity && after > p.end) {
          visible = visible.filter((m) => Number(m.offset) < p.end);
          after = p.end;
        }
        if (after <= p.fetchAt) continue;
        p.fetchAt = after;
        p.chunks.push({ messages: visible, pos: 0, after });
        p.buffered += visible.length;
      }
    } catch (e) {
      const err = e as { name?: string; topic?: string; partition?: number };
      if (err?.name === 'KafkaJSOffsetOutOfRange') {
        const p = this.byId.get(`${err.topic}/${err.partition}`);
        try {
          if (p !== undefined) await this.checkPositions([p]);
        } catch (x) {
          this.fatal = kafkaError(x, this.settings.brokers, this.what);
        }
      } else this.fetchFailed(e, ps);
    } finally {
      for (const p of ps) this.fetching.delete(p.id);
    }
    this.notify();
    if (this.failingSince !== 0 && this.fatal === null && !this.closed) await new Promise((r) => setTimeout(r, 500));
    this.pump();
  }

  private fetchFailed(e: unknown, _ps: readonly Partition[]): void {
    const err = kafkaError(e, this.settings.brokers, this.what);
    if (!err.transient) {
      this.fatal = err;
      return;
    }
    const now = Date.now();
    if (this.failingSince === 0) {
      this.failingSince = now;
      this.ctx.notice?.(
        `${err.reason}; the query is paused and retries for up to ${Math.round(this.settings.retryTimeoutMs / 1000)} s`,
      );
      void this.reader.refreshMetadata().catch(() => {});
    } else if (now - this.failingSince >= this.settings.retryTimeoutMs) {
      this.fatal = new KafkaError(
        `${err.reason}; gave up after retrying for ${Math.round((now - this.failingSince) / 1000)} s`,
        `the job stopped; its checkpoint is intact up to the last committed batch. Run it again once the brokers are back to resume ('connect.retry-timeout' sets how long to retry)`,
        false,
        e,
      );
    } else void this.reader.refreshMetadata().catch(() => {});
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private async maybeDiscover(): Promise<void> {
    const every = this.config.discoveryIntervalMs;
    if (every <= 0 || this.bounded || Date.now() - this.lastDiscovery < every) return;
    this.lastDiscovery = Date.now();
    let found: TopicPartition[];
    try {
      const topics = await this.topicList();
      found = await this.reader.partitions(topics);
    } catch {
      return; // the next discovery tries again; fetch errors report an unreachable cluster
    }
    if (this.group !== null)
      for (const tp of found)
        if (!this.allParts.some((p) => p.topic === tp.topic && p.partition === tp.partition)) this.allParts.push(tp);
    const tasks = this.ownedTasks;
    // scaled out: only partitions of owned tasks (partitions past the task count wait for the next rebalance)
    const fresh = found.filter(
      (tp) => !this.byId.has(`${tp.topic}/${tp.partition}`) && (tasks === null || tasks.has(tp.partition)),
    );
    if (fresh.length === 0) return;
    // new partitions start at the earliest offset (Flink, Spark)
    const at = await this.reader.offsets(fresh, 'earliest').catch(() => null);
    if (at === null) return;
    for (const tp of fresh) this.add(tp, at.get(`${tp.topic}/${tp.partition}`) ?? 0);
    this.ctx.notice?.(
      `${this.what}: reading new partition${fresh.length > 1 ? 's' : ''} ${fresh.map((p) => `${p.topic}/${p.partition}`).join(', ')} from the earliest offset`,
    );
    this.pump();
  }

  async poll(max: number): Promise<RecordBatch | null> {
    if (this.fatal !== null) throw this.fatal;
    if (this.group !== null) {
      const fatal = this.group.error;
      if (fatal !== null) throw fatal;
      // a batch boundary: the previous batch and its positions are committed
      const q = this.quiescing;
      if (q !== null) {
        this.quiescing = null;
        this.paused = true;
        // no fetch starts until the next assignment; the ones in flight end first (a long poll
        // ends within FETCH_MAX_WAIT_MS), so none reads a partition this process is about to
        // lose: its records would be decoded for nothing, and read again by the new owner
        await this.fetchesEnded(FETCH_MAX_WAIT_MS + 100);
        q();
        return null;
      }
      if (this.pendingTasks !== null) await this.applyTasks();
      if (this.paused) return null;
    }
    await this.maybeDiscover();
    const replay = this.replayEnd;
    const take = new Map<Partition, number>();
    if (replay !== null) {
      // a logged batch: all of it at once, once every partition has its range buffered
      if (!this.replayFetched(replay)) {
        this.pump();
        return null;
      }
      for (const p of this.parts) if ((replay.get(p.id) ?? p.next) > p.next) take.set(p, Infinity);
      this.replayEnd = null;
      return this.cut(take, replay);
    }
    let available = 0;
    for (const p of this.parts) available += p.buffered;
    if (available === 0) {
      this.pump();
      // chunks holding only skipped records (control records, aborted data) still move the position
      for (const p of this.parts) this.skipEmpty(p);
      return null;
    }
    if (available <= max) {
      for (const p of this.parts) if (p.buffered > 0) take.set(p, p.buffered);
    } else {
      // split `max` across partitions by backlog (Spark's maxOffsetsPerTrigger), shares < 1 rounded up
      let backlog = 0;
      const lag = this.parts.map((p) => Math.max(p.buffered, p.high - p.next));
      for (const l of lag) backlog += l;
      this.parts.forEach((p, i) => {
        if (p.buffered === 0) return;
        take.set(p, Math.min(p.buffered, Math.max(1, Math.ceil((max * lag[i]!) / backlog))));
      });
    }
    const batch = this.cut(take, null);
    this.pump();
    return batch;
  }

  private skipEmpty(p: Partition): void {
    while (p.chunks.length > 0 && p.chunks[0]!.pos >= p.chunks[0]!.messages.length) {
      p.next = p.chunks.shift()!.after;
    }
  }

  /** Takes `take` records per partition (or, replaying, everything below `until`) into one batch. */
  private cut(take: Map<Partition, number>, until: Map<string, number> | null): RecordBatch {
    const messages: FetchedMessage[] = [];
    const splitIds: string[] = [];
    const splitEnds: number[] = [];
    const topics: string[] = [];
    const partitions: number[] = [];
    const now = Date.now();
    for (const p of this.parts) {
      let n = take.get(p);
      if (n === undefined) continue;
      const stop = until?.get(p.id) ?? Infinity;
      const before = messages.length;
      let consumed = 0;
      while (n > 0 && p.chunks.length > 0) {
        const c = p.chunks[0]!;
        if (stop === Infinity) {
          // the common case: no end to respect, so no offset to parse per record
          const msgs = c.messages;
          const end = c.pos + Math.min(n, msgs.length - c.pos);
          // a tombstone (null value) in a plain kafka source is no row (Flink's formats skip it)
          if (this.upsert) for (let i = c.pos; i < end; i++) messages.push(msgs[i]!);
          else
            for (let i = c.pos; i < end; i++) {
              const m = msgs[i]!;
              if (m.value !== null) messages.push(m);
              else this.marks?.take(p.topic, p.partition, m);
            }
          if (end > c.pos) p.next = Number(msgs[end - 1]!.offset) + 1;
          consumed += end - c.pos;
          n -= end - c.pos;
          c.pos = end;
        }
        while (n > 0 && c.pos < c.messages.length) {
          const m = c.messages[c.pos]!;
          const off = Number(m.offset);
          if (off >= stop) {
            n = 0;
            break;
          }
          c.pos++;
          consumed++;
          // a tombstone (null value) in a plain kafka source is no row (Flink's formats skip it)
          if (m.value !== null || this.upsert) messages.push(m);
          else this.marks?.take(p.topic, p.partition, m);
          n--;
          p.next = off + 1;
        }
        if (c.pos >= c.messages.length && c.after <= stop) {
          p.chunks.shift();
          p.next = c.after;
        } else break;
      }
      if (until !== null && stop !== Infinity && p.next < stop) p.next = stop;
      const got = messages.length - before;
      p.buffered -= consumed;
      if (got > 0) {
        p.lastDataAt = now;
        splitIds.push(p.id);
        splitEnds.push(messages.length);
        topics.push(p.topic);
        partitions.push(p.partition);
      }
    }
    return this.batchOf(messages, splitIds, splitEnds, topics, partitions);
  }

  private batchOf(
    messages: FetchedMessage[],
    splitIds: string[],
    splitEnds: number[],
    topics: string[],
    partitions: number[],
  ): RecordBatch {
    const n = messages.length;
    const parse = this.parse;
    const upsert = this.upsert;
    const values: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const v = messages[i]!.value;
      values[i] = v === null ? null : v.toString();
    }
    const splits = splitIds.map((id, k) => ({ id, end: splitEnds[k]! }));
    let run = 0;
    const locate = (i: number, ctx: RecordContext): void => {
      if (i < (run > 0 ? splitEnds[run - 1]! : 0) || i >= splitEnds[run]!) {
        run = 0;
        while (splitEnds[run]! <= i) run++;
      }
      const m = messages[i]!;
      ctx.topic = topics[run]!;
      ctx.partition = partitions[run]!;
      ctx.offset = Number(m.offset);
      ctx.timestamp = Number(m.timestamp);
      ctx.key = m.key === null ? null : m.key.toString();
      ctx.headers = headersOf(m);
    };
    // Key columns from the record key, or upsert-kafka tombstones (null values, a deletion of
    // the key): JS objects for decode.object, parsed inside the engine's parse-error policy.
    const kinds = upsert ? values.map((v) => (v === null ? '-D' : '+U') as RowKind) : null;
    if (parse === null && kinds === null) return { kind: 'text', values, header: null, locate, splits };
    const p = parse ?? ((_key: string | null, value: string | null) => (value === null ? {} : JSON.parse(value)));
    return {
      kind: 'object',
      values,
      header: null,
      locate,
      splits,
      kinds,
      parse: (value: unknown, i: number): unknown => {
        const m = messages[i]!;
        return p(m.key === null ? null : m.key.toString(), value as string | null);
      },
    };
  }

  isExhausted(): boolean {
    if (!this.bounded) return false;
    for (const p of this.parts) if (!p.done) return false;
    return true;
  }

  /** Whether every partition has fetched the logged batch being replayed up to its end. */
  private replayFetched(replay: ReadonlyMap<string, number>): boolean {
    for (const p of this.parts) {
      const end = replay.get(p.id) ?? p.next;
      if (end > p.next && p.fetchAt < end) return false;
    }
    return true;
  }

  async waitForData(ms: number): Promise<void> {
    if (this.fatal !== null || this.quiescing !== null || this.pendingTasks !== null) return;
    // data is there: buffered records, or, replaying a logged batch, all of its records (with
    // part of them buffered, returning here would spin the engine's poll loop without ever
    // letting the fetch of the rest complete)
    if (!this.paused && this.replayEnd !== null) {
      if (this.replayFetched(this.replayEnd)) return;
    } else if (!this.paused) for (const p of this.parts) if (p.buffered > 0) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  offsets(): Json {
    const next: OffsetMap = {};
    for (const p of this.parts) (next[p.topic] ??= {})[String(p.partition)] = p.next;
    return this.endMap === null ? { next } : { next, end: this.endMap };
  }

  splits(): readonly SourceSplit[] {
    const now = Date.now();
    const timeout = this.config.idleTimeoutMs;
    const marks = this.marks;
    if (marks !== null)
      return this.parts.map((p) => {
        const w = marks.watermark(p.partition);
        return {
          id: p.id,
          idle: w.idle,
          lag: p.high < 0 ? null : Math.max(0, Math.min(p.high, p.end) - p.next),
          watermark: w.watermark,
          epoch: p.epoch,
        };
      });
    return this.parts.map((p) => ({
      id: p.id,
      idle: timeout !== null && p.buffered === 0 && now - p.lastDataAt >= timeout,
      lag: p.high < 0 ? null : Math.max(0, Math.min(p.high, p.end) - p.next),
      epoch: p.epoch,
    }));
  }

  replayTo(end: Json): void {
    const e = end as { next?: OffsetMap } | null;
    const m = new Map<string, number>();
    for (const [t, ps] of Object.entries(e?.next ?? {}))
      for (const [p, off] of Object.entries(ps)) m.set(`${t}/${p}`, off);
    this.replayEnd = m;
  }

  /** Per partition read of a repartition topic, what is known there of the upstream tasks (`UpstreamWatermarks.save`). */
  private positionMetadata(): Record<string, Record<string, string>> | undefined {
    const marks = this.marks;
    if (marks === null) return undefined;
    const out: Record<string, Record<string, string>> = {};
    for (const p of this.parts) {
      const m = marks.save(p.partition);
      if (m !== null) (out[p.topic] ??= {})[String(p.partition)] = m;
    }
    return out;
  }

  /**
   * After a batch commits. Scaled out: the positions the task's next owner starts from (unless an
   * exactly-once sink commits them in its transactions); else the group's offsets, for monitoring
   * tools (never read back while running).
   */
  async commit(offsets: Json): Promise<void> {
    if (this.group !== null) {
      // scaled out: the positions hand tasks over; a process dropped from the group no longer owns them
      if (!this.group.inGroup || this.group.commitsInTransactions(this.ctx.scaleOut!.query)) return;
      const next = (offsets as { next: OffsetMap }).next;
      if (Object.keys(next).length > 0)
        await this.retry(() =>
          this.reader.commitGroupOffsets(this.ctx.scaleOut!.positions, next, this.positionMetadata()),
        );
      return;
    }
    const groupId = this.config.groupId;
    if (groupId === null) return;
    const text = JSON.stringify(offsets);
    if (text === this.committedToGroup) return;
    this.committedToGroup = text;
    try {
      await this.reader.commitGroupOffsets(groupId, (offsets as { next: OffsetMap }).next);
    } catch {
      // monitoring only: the checkpoint holds the offsets; a failed commit is retried after the next batch
      this.committedToGroup = '';
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.notify();
    const q = this.quiescing;
    this.quiescing = null;
    q?.();
    if (this.group !== null && this.member !== null) await this.group.leave(this.member);
    await this.reader.disconnect().catch(() => {});
  }
}

function headersOf(m: FetchedMessage): Record<string, string> | null {
  const h = m.headers;
  let out: Record<string, string> | null = null;
  for (const k in h) {
    const v = h[k];
    if (v === undefined) continue;
    out ??= {};
    out[k] = Array.isArray(v) ? (v[v.length - 1]?.toString() ?? '') : v.toString();
  }
  return out;
}

export function kafkaSource(ctx: SourceContext<KafkaConfig>): SourceConnector {
  return new KafkaSource(ctx);
}
