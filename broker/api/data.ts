/**
 * Topic and data APIs: Metadata v1, Produce v3, Fetch v4, ListOffsets v1–2, CreateTopics v0,
 * DeleteTopics v0, CreatePartitions v0–1, DeleteRecords v0.
 */
import { Writer, type Reader } from '../codec.ts';
import type { BrokerContext, Handler } from '../context.ts';
import type { PartitionLog } from '../log.ts';
import { BatchError, isTransactional, splitBatches, type Batch } from '../records.ts';
import { ERR_UNKNOWN_TOPIC, TopicError, topicNameError } from '../topics.ts';

const ERR_MESSAGE_TOO_LARGE = 10;
const ERR_OFFSET_OUT_OF_RANGE = 1;
const ERR_OUT_OF_ORDER_SEQUENCE = 45;
const ERR_INVALID_PRODUCER_EPOCH = 47;
const ERR_INVALID_REPLICATION_FACTOR = 38;
const ERR_INVALID_REQUEST = 42;

export const metadata: Handler = (ctx, r) => {
  const names = r.nullableArray((x) => x.string());
  const topics = (names ?? [...ctx.topics.byName.keys()]).map((name) => {
    let t = ctx.topics.get(name);
    if (!t) {
      const bad = topicNameError(name);
      if (bad) return { error: 17, name, partitions: 0 };
      if (!ctx.autoCreateTopics) return { error: ERR_UNKNOWN_TOPIC, name, partitions: 0 };
      t = ctx.topics.create(name, ctx.defaultPartitions);
      ctx.log(`created topic "${name}" (${ctx.defaultPartitions} partitions) on first use`);
    }
    return { error: 0, name, partitions: t.partitions.length };
  });
  const w = new Writer()
    .array([0], (w) => w.int32(ctx.nodeId).string(ctx.host).int32(ctx.port).string(null))
    .int32(ctx.nodeId);
  return w.array(topics, (w, t) => {
    w.int16(t.error).string(t.name).bool(false);
    w.array(
      Array.from({ length: t.partitions }, (_, i) => i),
      (w, p) =>
        w
          .int16(0)
          .int32(p)
          .int32(ctx.nodeId)
          .array([ctx.nodeId], (w, n) => w.int32(n))
          .array([ctx.nodeId], (w, n) => w.int32(n)),
    );
  });
};

/** The error for appending `b` to `log` as an idempotent/transactional batch, or a duplicate's offset. */
function checkProducer(
  ctx: BrokerContext,
  log: PartitionLog,
  b: Batch,
): { error: number } | { duplicate: number } | null {
  if (b.producerId < 0) return null;
  const error = ctx.txns.checkProduce(b.producerId, b.producerEpoch, isTransactional(b), log.topic, log.partition);
  if (error !== 0) return { error };
  const p = log.producers.get(b.producerId);
  if (p && b.producerEpoch < p.epoch) return { error: ERR_INVALID_PRODUCER_EPOCH };
  if (!p || b.producerEpoch > p.epoch) return b.baseSequence === 0 ? null : { error: ERR_OUT_OF_ORDER_SEQUENCE };
  const last = (b.baseSequence + b.count - 1) % 2 ** 31;
  const dup = p.recent.find((x) => x.baseSequence === b.baseSequence && x.lastSequence === last);
  if (dup) return { duplicate: dup.baseOffset };
  if (b.baseSequence !== (p.lastSequence + 1) % 2 ** 31) return { error: ERR_OUT_OF_ORDER_SEQUENCE };
  return null;
}

function appendTo(
  ctx: BrokerContext,
  log: PartitionLog,
  records: Buffer | null,
): { error: number; baseOffset: number } {
  let batches: Batch[];
  try {
    // A copy: the log keeps these bytes, not the whole request frame.
    batches = splitBatches(Buffer.from(records ?? Buffer.alloc(0))).batches;
  } catch (e) {
    if (!(e instanceof BatchError)) throw e;
    ctx.log(`produce to ${log.topic}/${log.partition} rejected: ${e.message}`);
    return { error: e.code, baseOffset: -1 };
  }
  if (batches.length === 0) return { error: ERR_INVALID_REQUEST, baseOffset: -1 };
  // Check every batch before appending any, so a request is all-or-nothing per partition.
  let duplicate: number | null = null;
  for (const b of batches) {
    const c = checkProducer(ctx, log, b);
    if (c === null) continue;
    if ('error' in c) return { error: c.error, baseOffset: -1 };
    duplicate ??= c.duplicate;
  }
  if (duplicate !== null) return { error: 0, baseOffset: duplicate };
  let baseOffset = -1;
  for (const b of batches) {
    const at = log.append(b);
    if (baseOffset < 0) baseOffset = at;
  }
  return { error: 0, baseOffset };
}

export const produce: Handler = (ctx, r) => {
  r.nullableString(); // transactional id: the batches carry the producer id the coordinator checks
  const acks = r.int16();
  r.int32(); // timeout: appends are synchronous
  const topics = r.array((r) => ({
    topic: r.string(),
    partitions: r.array((r) => ({ partition: r.int32(), records: r.nullableBytes() })),
  }));
  const results = topics.map((t) => ({
    topic: t.topic,
    partitions: t.partitions.map((p) => {
      const log = ctx.topics.partition(t.topic, p.partition);
      const res = !log
        ? { error: ERR_UNKNOWN_TOPIC, baseOffset: -1 }
        : (p.records?.length ?? 0) > ctx.maxMessageBytes
          ? { error: ERR_MESSAGE_TOO_LARGE, baseOffset: -1 }
          : appendTo(ctx, log, p.records);
      return { partition: p.partition, ...res };
    }),
  }));
  ctx.changes.notify();
  if (acks === 0) return null;
  return new Writer()
    .array(results, (w, t) =>
      w
        .string(t.topic)
        .array(t.partitions, (w, p) => w.int32(p.partition).int16(p.error).int64(p.baseOffset).int64(-1)),
    )
    .int32(0);
};

interface FetchPartition {
  readonly partition: number;
  readonly fetchOffset: number;
  readonly maxBytes: number;
}

function fetchOnce(
  ctx: BrokerContext,
  topics: readonly { topic: string; partitions: readonly FetchPartition[] }[],
  maxBytes: number,
  readCommitted: boolean,
) {
  let total = 0;
  let errors = 0;
  const out = topics.map((t) => ({
    topic: t.topic,
    partitions: t.partitions.map((p) => {
      const log = ctx.topics.partition(t.topic, p.partition);
      const empty = { partition: p.partition, hwm: -1, lso: -1, aborted: null, batches: [] as Batch[] };
      if (!log) {
        errors++;
        return { ...empty, error: ERR_UNKNOWN_TOPIC };
      }
      const hwm = log.highWatermark;
      const lso = log.lastStableOffset;
      if (p.fetchOffset < log.logStartOffset || p.fetchOffset > hwm) {
        errors++;
        return { ...empty, hwm, lso, error: ERR_OFFSET_OUT_OF_RANGE };
      }
      const budget = Math.max(0, Math.min(p.maxBytes, maxBytes - total));
      const batches = log.read(p.fetchOffset, readCommitted ? lso : hwm, budget, total === 0);
      for (const b of batches) total += b.bytes.length;
      const last = batches.length > 0 ? batches[batches.length - 1]!.lastOffset : p.fetchOffset;
      const aborted = readCommitted ? log.abortedBetween(p.fetchOffset, last) : null;
      return { partition: p.partition, error: 0, hwm, lso, aborted, batches };
    }),
  }));
  return { out, total, errors };
}

export const fetch: Handler = async (ctx, r) => {
  r.int32(); // replica id
  const maxWait = r.int32();
  const minBytes = r.int32();
  const maxBytes = r.int32();
  const readCommitted = r.int8() === 1;
  const topics = r.array((r) => ({
    topic: r.string(),
    partitions: r.array((r): FetchPartition => ({ partition: r.int32(), fetchOffset: r.int64(), maxBytes: r.int32() })),
  }));
  const deadline = Date.now() + maxWait;
  let res = fetchOnce(ctx, topics, maxBytes, readCommitted);
  // Long poll: hold an empty answer until data arrives or maxWait passes (other requests on
  // the socket are answered meanwhile).
  while (res.total < minBytes && res.errors === 0 && !ctx.changes.closed && Date.now() < deadline) {
    await ctx.changes.wait(deadline - Date.now());
    res = fetchOnce(ctx, topics, maxBytes, readCommitted);
  }
  return new Writer().int32(0).array(res.out, (w, t) =>
    w.string(t.topic).array(t.partitions, (w, p) => {
      w.int32(p.partition).int16(p.error).int64(p.hwm).int64(p.lso);
      w.array(p.aborted, (w, a) => w.int64(a.producerId).int64(a.firstOffset));
      w.bytes(p.batches.map((b) => b.bytes));
    }),
  );
};

export const listOffsets: Handler = (ctx, r, h) => {
  r.int32(); // replica id
  const readCommitted = h.apiVersion >= 2 && r.int8() === 1;
  const topics = r.array((r) => ({
    topic: r.string(),
    partitions: r.array((r) => ({ partition: r.int32(), timestamp: r.int64() })),
  }));
  const w = new Writer();
  if (h.apiVersion >= 2) w.int32(0); // throttle time
  return w.array(topics, (w, t) =>
    w.string(t.topic).array(t.partitions, (w, p) => {
      const log = ctx.topics.partition(t.topic, p.partition);
      if (!log) return void w.int32(p.partition).int16(ERR_UNKNOWN_TOPIC).int64(-1).int64(-1);
      let found: { offset: number; timestamp: number } | null;
      if (p.timestamp === -1)
        found = { offset: readCommitted ? log.lastStableOffset : log.highWatermark, timestamp: -1 };
      else if (p.timestamp === -2) found = { offset: log.logStartOffset, timestamp: -1 };
      else found = log.offsetForTime(p.timestamp);
      w.int32(p.partition)
        .int16(0)
        .int64(found?.timestamp ?? -1)
        .int64(found?.offset ?? -1);
    }),
  );
};

export const createTopics: Handler = (ctx, r) => {
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.int32(),
    replication: r.int16(),
    assignment: r.array((r) => ({ partition: r.int32(), replicas: r.array((r) => r.int32()) })),
    configs: r.array((r) => ({ name: r.string(), value: r.nullableString() })),
  }));
  r.int32(); // timeout
  const results = topics.map((t) => {
    if (t.replication > 1) return { name: t.name, error: ERR_INVALID_REPLICATION_FACTOR };
    const partitions =
      t.assignment.length > 0 ? t.assignment.length : t.partitions === -1 ? ctx.defaultPartitions : t.partitions;
    try {
      ctx.topics.create(t.name, partitions);
      return { name: t.name, error: 0 };
    } catch (e) {
      if (e instanceof TopicError) return { name: t.name, error: e.code };
      throw e;
    }
  });
  return new Writer().array(results, (w, t) => w.string(t.name).int16(t.error));
};

export const deleteTopics: Handler = (ctx, r: Reader) => {
  const names = r.array((r) => r.string());
  r.int32(); // timeout
  const results = names.map((name) => {
    try {
      ctx.topics.delete(name);
      ctx.groups.forgetTopic(name);
      return { name, error: 0 };
    } catch (e) {
      if (e instanceof TopicError) return { name, error: e.code };
      throw e;
    }
  });
  ctx.changes.notify();
  return new Writer().array(results, (w, t) => w.string(t.name).int16(t.error));
};

export const createPartitions: Handler = (ctx, r) => {
  const topics = r.array((r) => ({
    name: r.string(),
    count: r.int32(),
    assignment: r.nullableArray((r) => r.nullableArray((r) => r.int32())),
  }));
  r.int32(); // timeout
  const validateOnly = r.bool();
  const results = topics.map((t) => {
    try {
      if (validateOnly) {
        const current = ctx.topics.get(t.name)?.partitions.length;
        if (current === undefined)
          return { name: t.name, error: ERR_UNKNOWN_TOPIC, message: `topic "${t.name}" does not exist` };
        if (t.count <= current)
          return { name: t.name, error: 37, message: `topic "${t.name}" has ${current} partitions` };
      } else {
        ctx.topics.addPartitions(t.name, t.count);
      }
      return { name: t.name, error: 0, message: null };
    } catch (e) {
      if (e instanceof TopicError) return { name: t.name, error: e.code, message: e.message };
      throw e;
    }
  });
  return new Writer().int32(0).array(results, (w, t) => w.string(t.name).int16(t.error).string(t.message));
};

export const deleteRecords: Handler = (ctx, r) => {
  const topics = r.array((r) => ({
    topic: r.string(),
    partitions: r.array((r) => ({ partition: r.int32(), offset: r.int64() })),
  }));
  r.int32(); // timeout
  return new Writer().int32(0).array(topics, (w, t) =>
    w.string(t.topic).array(t.partitions, (w, p) => {
      const log = ctx.topics.partition(t.topic, p.partition);
      const low = log ? log.deleteBefore(p.offset) : null;
      const error = !log ? ERR_UNKNOWN_TOPIC : low === null ? ERR_OFFSET_OUT_OF_RANGE : 0;
      w.int32(p.partition)
        .int64(low ?? -1)
        .int16(error);
    }),
  );
};
