/**
 * kafkajs against the broker: produce/consume, consumer groups, offsets, idempotence, topic
 * admin. Runs unchanged against a real cluster when KAFKA_BROKERS is set.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CompressionTypes, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, leaderOf, until } from './test-support.ts';
import { kafkaForTests, type KafkaForTests } from './testing.ts';

let k: KafkaForTests;
beforeAll(async () => {
  k = await kafkaForTests();
});
afterAll(async () => {
  await k?.stop();
});

const consumers: Consumer[] = [];
afterAll(async () => {
  await Promise.all(consumers.map((c) => c.disconnect().catch(() => {})));
});

/** A group member with short timeouts, recording its latest assignment and what it consumed. */
async function member(groupId: string, topic: string, seen: { partition: number; value: string }[]) {
  const consumer = k.kafka.consumer({
    groupId,
    sessionTimeout: 6000,
    rebalanceTimeout: 10000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 300,
  });
  consumers.push(consumer);
  const state = { consumer, partitions: [] as number[] };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    state.partitions = e.payload.memberAssignment[topic] ?? [];
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      seen.push({ partition, value: message.value!.toString() });
    },
  });
  return state;
}

/** Whether the assignments are disjoint and cover partitions 0..n-1. */
function covers(assignments: number[][], n: number): boolean {
  const all = assignments.flat().sort((a, b) => a - b);
  return all.length === n && all.every((p, i) => p === i) && assignments.every((a) => a.length > 0);
}

describe('kafkajs against the broker', () => {
  it('round-trips keyed, compressed messages with headers over several partitions', async () => {
    const topic = await k.topic(4);
    const producer = k.kafka.producer({ idempotent: true });
    await producer.connect();
    const messages = Array.from({ length: 1000 }, (_, i) => ({
      key: `user-${i % 37}`,
      value: JSON.stringify({ i, text: 'x'.repeat(i % 50) }),
      headers: { seq: String(i) },
    }));
    await producer.send({ topic, messages: messages.slice(0, 500), compression: CompressionTypes.GZIP });
    await producer.send({ topic, messages: messages.slice(500) });
    await producer.disconnect();

    const seen: { partition: number; key: string; value: string; seq: string; offset: number }[] = [];
    const consumer = k.kafka.consumer({ groupId: k.groupId(), maxWaitTimeInMs: 300 });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push({
          partition,
          key: message.key!.toString(),
          value: message.value!.toString(),
          seq: message.headers!['seq']!.toString(),
          offset: Number(message.offset),
        });
      },
    });
    await until(() => seen.length >= 1000, '1000 messages consumed');
    await consumer.disconnect();

    expect(seen).toHaveLength(1000);
    expect(new Set(seen.map((s) => s.partition)).size).toBe(4);
    expect(seen.map((s) => s.value).sort()).toEqual(messages.map((m) => m.value).sort());
    for (const s of seen) expect(JSON.parse(s.value).i).toBe(Number(s.seq));
    // Every key lands on one partition, in the order produced, at consecutive offsets.
    const byPartition = new Map<number, typeof seen>();
    for (const s of seen) byPartition.set(s.partition, [...(byPartition.get(s.partition) ?? []), s]);
    for (const list of byPartition.values()) {
      expect(list.map((s) => s.offset)).toEqual(list.map((_, i) => i));
      expect(list.map((s) => Number(s.seq))).toEqual(list.map((s) => Number(s.seq)).sort((a, b) => a - b));
    }
    const keyPartition = new Map<string, number>();
    for (const s of seen)
      expect(keyPartition.get(s.key) ?? s.partition).toBe(keyPartition.set(s.key, s.partition).get(s.key));
    const offsets = await k.admin.fetchTopicOffsets(topic);
    expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(1000);
  });

  it('commits offsets, so a restarted member continues after them', async () => {
    const topic = await k.topic(2);
    const groupId = k.groupId();
    const producer = k.kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 40 }, (_, i) => ({ key: `${i}`, value: `old-${i}` })),
    });

    const first: { partition: number; value: string }[] = [];
    const a = await member(groupId, topic, first);
    await until(() => first.length >= 40, 'the first 40 messages');
    await a.consumer.disconnect(); // commits what it consumed and leaves
    const committed = await k.admin.fetchOffsets({ groupId, topics: [topic] });
    const high = await k.admin.fetchTopicOffsets(topic);
    expect(committed[0]!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual(
      high.map((p) => [p.partition, p.high]).sort(),
    );

    await producer.send({
      topic,
      messages: Array.from({ length: 10 }, (_, i) => ({ key: `${i}`, value: `new-${i}` })),
    });
    await producer.disconnect();
    const second: { partition: number; value: string }[] = [];
    await member(groupId, topic, second);
    await until(() => second.length >= 10, 'the 10 new messages');
    expect(second.map((s) => s.value).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `new-${i}`).sort());
  });

  it('rebalances a group as members join and leave, and moves a killed member’s partitions after its session timeout', async () => {
    const topic = await k.topic(6);
    const groupId = k.groupId();
    const seen: { partition: number; value: string }[] = [];
    const a = await member(groupId, topic, seen);
    await until(() => covers([a.partitions], 6), 'one member owning all 6 partitions');
    const b = await member(groupId, topic, seen);
    const c = await member(groupId, topic, seen);
    await until(() => covers([a.partitions, b.partitions, c.partitions], 6), 'three members sharing 6 partitions');
    expect([a, b, c].map((m) => m.partitions.length)).toEqual([2, 2, 2]);

    await c.consumer.disconnect(); // LeaveGroup
    await until(() => covers([a.partitions, b.partitions], 6), 'two members after one left');

    // A member in another process, killed without leaving: the group waits for its session timeout.
    const script = fileURLToPath(new URL('./testdata/member.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, k.brokers.join(','), topic, groupId], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let childPartitions: number[] = [];
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (const line of out.split('\n').slice(0, -1)) {
        const e = JSON.parse(line);
        if (e.memberId) childPartitions = e.partitions;
      }
      out = out.slice(out.lastIndexOf('\n') + 1);
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await until(
      () => covers([a.partitions, b.partitions, childPartitions], 6),
      'the child process joining as a third member',
    );
    child.kill('SIGKILL');
    await exited;
    await until(() => covers([a.partitions, b.partitions], 6), 'the killed member’s partitions moving to the others');
    const group = await k.admin.describeGroups([groupId]);
    expect(group.groups[0]!.members).toHaveLength(2);

    // The surviving members consume everything produced now, once.
    const producer = k.kafka.producer();
    await producer.connect();
    const values = Array.from({ length: 60 }, (_, i) => `after-kill-${i}`);
    const before = seen.length;
    await producer.send({ topic, messages: values.map((value, i) => ({ key: `${i}`, value })) });
    await producer.disconnect();
    await until(() => seen.length >= before + 60, 'the 60 messages produced after the kill');
    expect(
      seen
        .slice(before)
        .map((s) => s.value)
        .sort(),
    ).toEqual([...values].sort());

    const listed = await k.admin.listGroups();
    expect(listed.groups.map((g) => g.groupId)).toContain(groupId);
    await a.consumer.disconnect();
    await b.consumer.disconnect();
    await k.admin.deleteGroups([groupId]);
    expect((await k.admin.listGroups()).groups.map((g) => g.groupId)).not.toContain(groupId);
  });

  it('stores a retried idempotent batch once and answers the retry with the first offset', async () => {
    const topic = await k.topic(1);
    const client = await RawClient.connect(await leaderOf(k.admin, topic, 0));
    try {
      const init = await client.call('initProducerId', 22, 0, { transactionalId: null, transactionTimeout: 60000 });
      expect(init.errorCode).toBe(0);
      const send = (firstSequence: number, values: string[]) =>
        client.call('produce', 0, 3, {
          acks: -1,
          timeout: 5000,
          producerId: init.producerId,
          producerEpoch: init.producerEpoch,
          topicData: [
            { topic, partitions: [{ partition: 0, firstSequence, messages: values.map((value) => ({ value })) }] },
          ],
        });
      const first = await send(0, ['a', 'b']);
      const retry = await send(0, ['a', 'b']);
      const next = await send(2, ['c']);
      const gap = await send(7, ['d']);
      const part = (r: any) => r.topics[0].partitions[0];
      expect([part(first).errorCode, part(first).baseOffset]).toEqual([0, '0']);
      expect([part(retry).errorCode, part(retry).baseOffset]).toEqual([0, '0']);
      expect([part(next).errorCode, part(next).baseOffset]).toEqual([0, '2']);
      expect(part(gap).errorCode).toBe(45); // OUT_OF_ORDER_SEQUENCE_NUMBER
    } finally {
      client.close();
    }
    const offsets = await k.admin.fetchTopicOffsets(topic);
    expect(offsets[0]!.high).toBe('3');
  });

  it('finds offsets by timestamp', async () => {
    const topic = await k.topic(1);
    const producer = k.kafka.producer();
    await producer.connect();
    const t0 = 1_700_000_000_000;
    await producer.send({
      topic,
      messages: [0, 10, 20, 30].map((d) => ({ value: `${d}`, timestamp: String(t0 + d) })),
    });
    await producer.send({ topic, messages: [40, 50].map((d) => ({ value: `${d}`, timestamp: String(t0 + d) })) });
    await producer.disconnect();
    const at = async (ts: number) => (await k.admin.fetchTopicOffsetsByTimestamp(topic, ts))[0]!.offset;
    expect(await at(t0)).toBe('0');
    expect(await at(t0 + 15)).toBe('2');
    expect(await at(t0 + 45)).toBe('5');
  });

  it('adds partitions to a topic', async () => {
    const topic = await k.topic(2);
    await k.admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] });
    await until(
      async () => (await k.admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.length === 4,
      'four partitions',
    );
    const producer = k.kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'on-3', partition: 3 }] });
    await producer.disconnect();
    const offsets = await k.admin.fetchTopicOffsets(topic);
    expect(offsets.map((o) => [o.partition, o.high]).sort()).toEqual([
      [0, '0'],
      [1, '0'],
      [2, '0'],
      [3, '1'],
    ]);
    await expect(k.admin.createPartitions({ topicPartitions: [{ topic, count: 3 }] })).rejects.toThrow();
  });

  it('deletes records below an offset: the log start moves and older offsets are out of range', async () => {
    const topic = await k.topic(1);
    const producer = k.kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `r${i}` })) });
    await producer.disconnect();
    await k.admin.fetchTopicMetadata({ topics: [topic] }); // kafkajs finds the leader in its metadata cache
    await k.admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '6' }] });
    expect((await k.admin.fetchTopicOffsets(topic))[0]).toMatchObject({ low: '6', high: '10' });
    const raw = await RawClient.connect(await leaderOf(k.admin, topic, 0));
    try {
      const fetchAt = (fetchOffset: string) =>
        raw.call('fetch', 1, 4, {
          replicaId: -1,
          maxWaitTime: 0,
          minBytes: 0,
          maxBytes: 1 << 20,
          topics: [{ topic, partitions: [{ partition: 0, fetchOffset, maxBytes: 1 << 20 }] }],
        });
      expect((await fetchAt('2')).responses[0].partitions[0].errorCode).toBe(1); // OFFSET_OUT_OF_RANGE
      const ok = (await fetchAt('6')).responses[0].partitions[0];
      expect(ok.errorCode).toBe(0);
      expect(ok.messages.filter((m: any) => Number(m.offset) >= 6).map((m: any) => m.value.toString())).toEqual([
        'r6',
        'r7',
        'r8',
        'r9',
      ]);
    } finally {
      raw.close();
    }
  });

  it('deletes topics', async () => {
    const topic = await k.topic(2);
    expect(await k.admin.listTopics()).toContain(topic);
    await k.admin.deleteTopics({ topics: [topic] });
    await until(async () => !(await k.admin.listTopics()).includes(topic), 'the topic to disappear');
    await expect(k.admin.fetchTopicMetadata({ topics: [topic] })).rejects.toThrow(/does not host this topic-partition/);
  });
});
