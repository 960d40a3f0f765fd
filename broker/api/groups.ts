/**
 * Group APIs: FindCoordinator v1, JoinGroup v1, SyncGroup v0, Heartbeat v0, LeaveGroup v0,
 * OffsetCommit v2, OffsetFetch v1, DescribeGroups v0, ListGroups v0, DeleteGroups v0.
 */
import { Writer } from '../codec.ts';
import type { Handler } from '../context.ts';

export const findCoordinator: Handler = (ctx, r, h) => {
  // This broker coordinates every group and transactional id. v1 adds the key type.
  if (h.apiVersion === 0) return new Writer().int16(0).int32(ctx.nodeId).string(ctx.host).int32(ctx.port);
  return new Writer().int32(0).int16(0).string(null).int32(ctx.nodeId).string(ctx.host).int32(ctx.port);
};

export const joinGroup: Handler = async (ctx, r, h) => {
  const groupId = r.string();
  const sessionTimeout = r.int32();
  const req = {
    groupId,
    sessionTimeout,
    // v0 has no rebalance timeout: the session timeout bounds the rebalance, as in Kafka.
    rebalanceTimeout: h.apiVersion >= 1 ? r.int32() : sessionTimeout,
    memberId: r.string(),
    protocolType: r.string(),
    protocols: r.array((r) => ({ name: r.string(), metadata: Buffer.from(r.bytes()) })),
    clientId: h.clientId,
    clientHost: h.clientHost,
  };
  const res = await ctx.groups.join(req);
  return new Writer()
    .int16(res.error)
    .int32(res.generation)
    .string(res.protocol)
    .string(res.leader)
    .string(res.memberId)
    .array(res.members, (w, m) => w.string(m.id).bytes(m.metadata));
};

export const syncGroup: Handler = async (ctx, r) => {
  const groupId = r.string();
  const generation = r.int32();
  const memberId = r.string();
  const assignments = r.array((r) => ({ memberId: r.string(), assignment: r.bytes() }));
  const res = await ctx.groups.sync(groupId, generation, memberId, assignments);
  return new Writer().int16(res.error).bytes(res.assignment);
};

export const heartbeat: Handler = (ctx, r) => {
  const groupId = r.string();
  const generation = r.int32();
  const memberId = r.string();
  return new Writer().int16(ctx.groups.heartbeat(groupId, generation, memberId));
};

export const leaveGroup: Handler = (ctx, r) => {
  const groupId = r.string();
  const memberId = r.string();
  return new Writer().int16(ctx.groups.leave(groupId, memberId));
};

export const offsetCommit: Handler = (ctx, r) => {
  const groupId = r.string();
  const generation = r.int32();
  const memberId = r.string();
  r.int64(); // retention time: offsets are kept until the group is deleted
  const topics = r.array((r) => ({
    topic: r.string(),
    partitions: r.array((r) => ({ partition: r.int32(), offset: r.int64(), metadata: r.nullableString() })),
  }));
  const offsets = topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, ...p })));
  const error = ctx.groups.commit(groupId, generation, memberId, offsets);
  return new Writer().array(topics, (w, t) =>
    w.string(t.topic).array(t.partitions, (w, p) => w.int32(p.partition).int16(error)),
  );
};

export const offsetFetch: Handler = (ctx, r) => {
  const groupId = r.string();
  const topics = r.array((r) => ({ topic: r.string(), partitions: r.array((r) => r.int32()) }));
  return new Writer().array(topics, (w, t) =>
    w.string(t.topic).array(t.partitions, (w, p) => {
      const c = ctx.groups.committed(groupId, t.topic, p);
      w.int32(p)
        .int64(c?.offset ?? -1)
        .string(c?.metadata ?? '')
        .int16(0);
    }),
  );
};

export const describeGroups: Handler = (ctx, r) => {
  const ids = r.array((r) => r.string());
  return new Writer().array(
    ids.map((id) => ctx.groups.describe(id)),
    (w, g) =>
      w
        .int16(g.error)
        .string(g.groupId)
        .string(g.state)
        .string(g.protocolType)
        .string(g.protocol)
        .array(g.members, (w, m) =>
          w.string(m.memberId).string(m.clientId).string(m.clientHost).bytes(m.metadata).bytes(m.assignment),
        ),
  );
};

export const listGroups: Handler = (ctx) =>
  new Writer().int16(0).array(ctx.groups.list(), (w, g) => w.string(g.groupId).string(g.protocolType));

export const deleteGroups: Handler = (ctx, r) => {
  const ids = r.array((r) => r.string());
  return new Writer().int32(0).array(ids, (w, id) => w.string(id).int16(ctx.groups.delete(id)));
};
