/**
 * Transaction APIs, all v0: InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn,
 * TxnOffsetCommit.
 */
import { Writer } from '../codec.ts';
import type { Handler } from '../context.ts';

export const initProducerId: Handler = (ctx, r) => {
  const transactionalId = r.nullableString();
  const timeout = r.int32();
  const res = ctx.txns.initProducerId(transactionalId, timeout);
  return new Writer().int32(0).int16(res.error).int64(res.producerId).int16(res.epoch);
};

export const addPartitionsToTxn: Handler = (ctx, r) => {
  const transactionalId = r.string();
  const producerId = r.int64();
  const epoch = r.int16();
  const topics = r.array((r) => ({ topic: r.string(), partitions: r.array((r) => r.int32()) }));
  const flat = topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
  const errors = ctx.txns.addPartitions(transactionalId, producerId, epoch, flat);
  let i = 0;
  return new Writer()
    .int32(0)
    .array(topics, (w, t) => w.string(t.topic).array(t.partitions, (w, p) => w.int32(p).int16(errors[i++]!)));
};

export const addOffsetsToTxn: Handler = (ctx, r) => {
  const transactionalId = r.string();
  const producerId = r.int64();
  const epoch = r.int16();
  const groupId = r.string();
  return new Writer().int32(0).int16(ctx.txns.addOffsets(transactionalId, producerId, epoch, groupId));
};

export const endTxn: Handler = (ctx, r) => {
  const transactionalId = r.string();
  const producerId = r.int64();
  const epoch = r.int16();
  const commit = r.bool();
  return new Writer().int32(0).int16(ctx.txns.endTxn(transactionalId, producerId, epoch, commit));
};

export const txnOffsetCommit: Handler = (ctx, r) => {
  const transactionalId = r.string();
  const groupId = r.string();
  const producerId = r.int64();
  const epoch = r.int16();
  const topics = r.array((r) => ({
    topic: r.string(),
    partitions: r.array((r) => ({ partition: r.int32(), offset: r.int64(), metadata: r.nullableString() })),
  }));
  const offsets = topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, ...p })));
  const error = ctx.txns.txnOffsetCommit(transactionalId, groupId, producerId, epoch, offsets);
  return new Writer()
    .int32(0)
    .array(topics, (w, t) => w.string(t.topic).array(t.partitions, (w, p) => w.int32(p.partition).int16(error)));
};
