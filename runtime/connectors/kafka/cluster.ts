/**
 * Direct partition access through kafkajs 2.2.4's cluster and broker layer (deep imports of
 * `kafkajs/src/...`, typed here; see README.md for why). kafkajs has no `assign()`: its consumer
 * only reads through a consumer group and resets out-of-range offsets silently. sqc needs exact
 * per-partition positions (the checkpoint is the source of truth, replays read exactly the
 * logged ranges, exactly-once and scale-out assign partitions themselves), so the source asks
 * the partition leaders for records at the offsets it chooses, with no group membership.
 *
 * `GroupClient` speaks the group protocol for scale-out membership (group.ts): kafkajs's consumer
 * would assign with its own round-robin assigner and read through the group; sqc only needs who
 * owns which task.
 *
 * Everything kafkajs-internal is confined to this file; the kafkajs version is pinned.
 */
import { createRequire } from 'node:module';
import type { KafkaConfig } from 'kafkajs';
import { patchKafkajs } from './kafkajs.ts';

const require = createRequire(import.meta.url);

/** A record as kafkajs decodes it. */
export interface FetchedMessage {
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | Buffer[] | undefined>>;
  readonly isControlRecord: boolean;
  readonly batchContext: {
    readonly producerId: string;
    readonly inTransaction: boolean;
    readonly timestampType: number;
  };
}

export interface FetchedPartition {
  readonly partition: number;
  readonly errorCode: number;
  readonly highWatermark: string;
  readonly lastStableOffset?: string;
  readonly logStartOffset?: string;
  readonly abortedTransactions?: readonly { readonly producerId: string; readonly firstOffset: string }[];
  readonly messages: readonly FetchedMessage[];
}

interface FetchResponse {
  readonly responses: readonly { readonly topicName: string; readonly partitions: readonly FetchedPartition[] }[];
}

interface InternalBroker {
  fetch(request: {
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<FetchResponse>;
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }): Promise<unknown>;
  metadata(topics: string[]): Promise<{
    topicMetadata: { topic: string; topicErrorCode: number; partitionMetadata: { partitionId: number }[] }[];
  }>;
  joinGroup(request: {
    groupId: string;
    sessionTimeout: number;
    rebalanceTimeout: number;
    memberId: string;
    protocolType: string;
    groupProtocols: { name: string; metadata: Buffer }[];
  }): Promise<{
    generationId: number;
    groupProtocol: string;
    leaderId: string;
    memberId: string;
    members: { memberId: string; memberMetadata: Buffer }[];
  }>;
  syncGroup(request: {
    groupId: string;
    generationId: number;
    memberId: string;
    groupAssignment: { memberId: string; memberAssignment: Buffer }[];
  }): Promise<{ memberAssignment: Buffer }>;
  heartbeat(request: { groupId: string; groupGenerationId: number; memberId: string }): Promise<unknown>;
  leaveGroup(request: { groupId: string; memberId: string }): Promise<unknown>;
}

interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  isConnected(): boolean;
  refreshMetadata(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  findTopicPartitionMetadata(topic: string): { partitionId: number; leader: number }[];
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(o: { nodeId: string }): Promise<InternalBroker>;
  findGroupCoordinator(o: { groupId: string }): Promise<InternalBroker>;
  metadata(o?: { topics?: string[] }): Promise<{ topicMetadata: { topic: string }[] }>;
  fetchTopicsOffset(
    topics: { topic: string; partitions: { partition: number }[]; fromBeginning?: boolean; fromTimestamp?: number }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

type ClusterCtor = new (o: Record<string, unknown>) => InternalCluster;

interface Internals {
  readonly Cluster: ClusterCtor;
  readonly createLogger: (o: { level: number; logCreator: unknown }) => unknown;
  readonly LoggerConsole: unknown;
  readonly socketFactory: () => unknown;
}

let internals: Internals | null = null;

/** kafkajs's internal modules, required on first use: jobs without Kafka do not load kafkajs. */
function kafkajsInternals(): Internals {
  patchKafkajs(); // before any kafkajs module loads
  return (internals ??= {
    Cluster: require('kafkajs/src/cluster/index.js') as ClusterCtor,
    createLogger: (require('kafkajs/src/loggers/index.js') as Pick<Internals, 'createLogger'>).createLogger,
    LoggerConsole: require('kafkajs/src/loggers/console.js') as unknown,
    socketFactory: require('kafkajs/src/network/socketFactory.js') as () => unknown,
  });
}

export const READ_COMMITTED = 1;
export const READ_UNCOMMITTED = 0;

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface FetchRequest {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

function newCluster(config: KafkaConfig, isolationLevel: number): InternalCluster {
  const { Cluster, createLogger, LoggerConsole, socketFactory } = kafkajsInternals();
  return new Cluster({
    logger: createLogger({ level: 0, logCreator: LoggerConsole }),
    socketFactory: socketFactory(),
    brokers: config.brokers,
    ssl: config.ssl,
    sasl: config.sasl,
    clientId: config.clientId,
    connectionTimeout: config.connectionTimeout,
    requestTimeout: config.requestTimeout,
    enforceRequestTimeout: true,
    metadataMaxAge: 300_000,
    retry: config.retry,
    allowAutoTopicCreation: false,
    isolationLevel,
  });
}

/** One connection to a cluster for reading partitions directly (no consumer group). */
export class PartitionReader {
  private readonly cluster: InternalCluster;

  constructor(
    config: KafkaConfig,
    readonly isolationLevel: number,
  ) {
    this.cluster = newCluster(config, isolationLevel);
  }

  async connect(): Promise<void> {
    await this.cluster.connect();
  }

  async disconnect(): Promise<void> {
    await this.cluster.disconnect();
  }

  /** Every topic of the cluster (for `topic-pattern`). */
  async listTopics(): Promise<string[]> {
    const m = await this.cluster.metadata({ topics: [] });
    return m.topicMetadata.map((t) => t.topic);
  }

  /** The partitions of `topics` (fresh metadata); a missing topic throws UNKNOWN_TOPIC_OR_PARTITION. */
  async partitions(topics: readonly string[]): Promise<TopicPartition[]> {
    await this.cluster.addMultipleTargetTopics([...topics]);
    await this.cluster.refreshMetadata();
    const out: TopicPartition[] = [];
    for (const topic of topics) {
      const ps = this.cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId);
      ps.sort((a, b) => a - b);
      for (const partition of ps) out.push({ topic, partition });
    }
    return out;
  }

  /**
   * Offsets per partition: 'earliest' (log start), 'latest' (high watermark; the last stable
   * offset under read_committed) or the first offset with a timestamp ≥ `ms` (latest if none).
   */
  async offsets(
    parts: readonly TopicPartition[],
    at: 'earliest' | 'latest' | { readonly timestamp: number },
  ): Promise<Map<string, number>> {
    const byTopic = new Map<string, number[]>();
    for (const p of parts) {
      const l = byTopic.get(p.topic) ?? [];
      l.push(p.partition);
      byTopic.set(p.topic, l);
    }
    const out = new Map<string, number>();
    if (byTopic.size === 0) return out;
    const res = await this.cluster.fetchTopicsOffset(
      [...byTopic].map(([topic, ps]) => ({
        topic,
        partitions: ps.map((partition) => ({ partition })),
        ...(typeof at === 'object' ? { fromTimestamp: at.timestamp } : { fromBeginning: at === 'earliest' }),
      })),
    );
    for (const t of res) for (const p of t.partitions) out.set(`${t.topic}/${p.partition}`, Number(p.offset));
    if (typeof at === 'object') {
      // no record at or after the timestamp: ListOffsets answers -1; start at the end
      const missing = parts.filter((p) => (out.get(`${p.topic}/${p.partition}`) ?? -1) < 0);
      if (missing.length > 0) for (const [k, v] of await this.offsets(missing, 'latest')) out.set(k, v);
    }
    return out;
  }

  /** Groups partitions by their leader's node id. */
  leaders(parts: readonly TopicPartition[]): Map<string, TopicPartition[]> {
    const out = new Map<string, TopicPartition[]>();
    const byTopic = new Map<string, number[]>();
    for (const p of parts) {
      const l = byTopic.get(p.topic) ?? [];
      l.push(p.partition);
      byTopic.set(p.topic, l);
    }
    for (const [topic, ps] of byTopic) {
      for (const [node, list] of Object.entries(this.cluster.findLeaderForPartitions(topic, ps))) {
        const l = out.get(node) ?? [];
        for (const partition of list) l.push({ topic, partition });
        out.set(node, l);
      }
    }
    return out;
  }

  /**
   * Commits `offsets` (topic → partition → offset) for `groupId` as a standalone (member-less)
   * commit: generation -1, no member id, as Kafka accepts for a group without active members. Each
   * offset carries its `metadata` when given (a repartition topic's upstream watermarks).
   */
  async commitGroupOffsets(
    groupId: string,
    offsets: Readonly<Record<string, Readonly<Record<string, number>>>>,
    metadata?: Readonly<Record<string, Readonly<Record<string, string>>>>,
  ): Promise<void> {
    const coordinator = await this.cluster.findGroupCoordinator({ groupId });
    await coordinator.offsetCommit({
      groupId,
      groupGenerationId: -1,
      memberId: '',
      topics: Object.entries(offsets).map(([topic, ps]) => ({
        topic,
        partitions: Object.entries(ps).map(([partition, offset]) => ({
          partition: Number(partition),
          offset: String(offset),
          metadata: metadata?.[topic]?.[partition] ?? null,
        })),
      })),
    });
  }

  async refreshMetadata(): Promise<void> {
    await this.cluster.refreshMetadata();
  }

  /** One Fetch request to the leader `node`; returns per partition what kafkajs decoded. */
  async fetch(
    node: string,
    requests: readonly FetchRequest[],
    o: { maxWaitMs: number; maxBytes: number; partitionMaxBytes: number },
  ): Promise<{ topic: string; data: FetchedPartition }[]> {
    const broker = await this.cluster.findBroker({ nodeId: node });
    const byTopic = new Map<string, { partition: number; fetchOffset: string; maxBytes: number }[]>();
    for (const r of requests) {
      const l = byTopic.get(r.topic) ?? [];
      l.push({ partition: r.partition, fetchOffset: String(r.offset), maxBytes: o.partitionMaxBytes });
      byTopic.set(r.topic, l);
    }
    const res = await broker.fetch({
      isolationLevel: this.isolationLevel,
      maxWaitTime: o.maxWaitMs,
      minBytes: 1,
      maxBytes: o.maxBytes,
      topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
    });
    const out: { topic: string; data: FetchedPartition }[] = [];
    for (const t of res.responses) for (const data of t.partitions) out.push({ topic: t.topicName, data });
    return out;
  }
}

/**
 * The records of a fetched partition a reader may see: at or after `from` (a compressed batch
 * starts before the requested offset), not control records, not in an aborted transaction.
 */
export function visibleMessages(data: FetchedPartition, from: number): readonly FetchedMessage[] {
  const listed = data.abortedTransactions ?? [];
  // Brokers list aborted transactions in the order they ended (their abort markers), not the
  // order they began; the walk below opens each at its first offset, so it needs them by first
  // offset (as the Java consumer's queue has them). Unsorted, a transaction that began before
  // one aborted earlier stayed visible: an aborted progress record made a restart skip a batch.
  const aborted =
    listed.length > 1 ? [...listed].sort((a, b) => Number(a.firstOffset) - Number(b.firstOffset)) : listed;
  const all = data.messages;
  if (aborted.length === 0) {
    // no aborted transaction here: only control records and records before `from` go (a
    // compressed batch starts before the offset asked for); usually nothing, and no copy
    let start = 0;
    while (start < all.length && Number(all[start]!.offset) < from) start++;
    let control = false;
    for (let i = start; i < all.length && !control; i++) control = all[i]!.isControlRecord;
    if (!control) return start === 0 ? all : all.slice(start);
  }
  const out: FetchedMessage[] = [];
  const open = new Set<string>();
  let next = 0;
  for (const m of data.messages) {
    const offset = Number(m.offset);
    while (next < aborted.length && offset >= Number(aborted[next]!.firstOffset)) {
      open.add(aborted[next]!.producerId);
      next++;
    }
    const pid = m.batchContext.producerId;
    if (m.isControlRecord) {
      open.delete(pid);
      continue;
    }
    if (offset < from) continue;
    if (open.size > 0 && m.batchContext.inTransaction && open.has(pid)) continue;
    out.push(m);
  }
  return out;
}

/** The group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, offsets) for one group, through its coordinator. */
export class GroupClient {
  private readonly cluster: InternalCluster;

  constructor(
    config: KafkaConfig,
    readonly groupId: string,
  ) {
    this.cluster = newCluster(config, READ_COMMITTED);
  }

  async connect(): Promise<void> {
    await this.cluster.connect();
  }

  async disconnect(): Promise<void> {
    await this.cluster.disconnect();
  }

  private coordinator(): Promise<InternalBroker> {
    return this.cluster.findGroupCoordinator({ groupId: this.groupId });
  }

  /** JoinGroup (held by the coordinator until every member has rejoined). */
  async join(o: {
    memberId: string;
    sessionTimeoutMs: number;
    rebalanceTimeoutMs: number;
    protocol: string;
    metadata: Buffer;
  }): Promise<{ generation: number; leader: string; memberId: string; members: { id: string; metadata: Buffer }[] }> {
    const r = await (
      await this.coordinator()
    ).joinGroup({
      groupId: this.groupId,
      sessionTimeout: o.sessionTimeoutMs,
      rebalanceTimeout: o.rebalanceTimeoutMs,
      memberId: o.memberId,
      protocolType: 'consumer',
      groupProtocols: [{ name: o.protocol, metadata: o.metadata }],
    });
    return {
      generation: r.generationId,
      leader: r.leaderId,
      memberId: r.memberId,
      members: r.members.map((m) => ({ id: m.memberId, metadata: m.memberMetadata })),
    };
  }

  /** SyncGroup: the leader sends every member's assignment, the others none; each gets its own. */
  async sync(
    generation: number,
    memberId: string,
    assignments: readonly { memberId: string; assignment: Buffer }[],
  ): Promise<Buffer> {
    const r = await (
      await this.coordinator()
    ).syncGroup({
      groupId: this.groupId,
      generationId: generation,
      memberId,
      groupAssignment: assignments.map((a) => ({ memberId: a.memberId, memberAssignment: a.assignment })),
    });
    return r.memberAssignment;
  }

  async heartbeat(generation: number, memberId: string): Promise<void> {
    await (await this.coordinator()).heartbeat({ groupId: this.groupId, groupGenerationId: generation, memberId });
  }

  async leave(memberId: string): Promise<void> {
    await (await this.coordinator()).leaveGroup({ groupId: this.groupId, memberId });
  }

  /** Partition counts of `topics` (fresh metadata). */
  async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    await this.cluster.addMultipleTargetTopics([...topics]);
    await this.cluster.refreshMetadata();
    const out = new Map<string, number>();
    for (const t of topics) out.set(t, this.cluster.findTopicPartitionMetadata(t).length);
    return out;
  }
}
