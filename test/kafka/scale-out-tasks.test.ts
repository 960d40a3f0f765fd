/**
 * A scaled-out Kafka source and the assignments of its group (runtime/connectors/kafka/source.ts).
 * Assignments reach a source between its polls, and a source applies only the latest one at its
 * next poll. A task taken away by one assignment and given back by the next, both before that
 * poll, was owned by another process in between, which may have moved its committed positions
 * on: the source must drop what it buffered of the task and start again from the committed
 * positions, not continue from where it was. (It used to continue: records the other process
 * had already committed were read twice, and the task's state store, which had dropped the
 * task, never restored it again — the engine stopped with "records of split … arrived before
 * the state of task … was restored".) And a fence is news about the tasks a process owns only when
 * it is of one of them: the late write of a task already handed over is fenced by its new owner,
 * as it should be, and must not make the process give up the tasks it owns now. Nor may a process
 * fence a task handed over again while its earlier fences ran (slow under load): that fenced the
 * new owner, whose next commit failed and cost it every task it owned.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { kafkaForTests, type KafkaForTests } from '../../broker/index.ts';
import { kafkaSource } from '../../runtime/connectors/kafka/source.ts';
import { kafkaOptions } from '../../runtime/connectors/kafka/options.ts';
import { PartitionReader, READ_COMMITTED } from '../../runtime/connectors/kafka/cluster.ts';
import { taskGroup, type TaskMember } from '../../runtime/connectors/kafka/group.ts';
import { clientSettings } from '../../runtime/connectors/kafka/client.ts';
import { KafkaTaskState } from '../../runtime/connectors/kafka/task-state.ts';
import { fencingProducer } from '../../runtime/connectors/kafka/transactions.ts';
import type { RecordBatch, SourceConnector } from '../../runtime/connectors/types.ts';
import { produce } from './support.ts';

let k: KafkaForTests;
beforeAll(async () => {
  k = await kafkaForTests();
});
afterAll(async () => {
  await k?.stop();
});

/** Records per split id read by polls: until `n` have come (20 s at most), then 500 ms more for any extra. */
async function read(source: SourceConnector, n: number): Promise<Map<string, number>> {
  const got = new Map<string, number>();
  let total = 0;
  let end = Date.now() + 20_000;
  let settled = false;
  while (Date.now() < end) {
    if (!settled && total >= n) {
      settled = true;
      end = Date.now() + 500;
    }
    const b: RecordBatch | null = await source.poll(1_000);
    if (b === null || b.values.length === 0) {
      await source.waitForData(50);
      continue;
    }
    let from = 0;
    for (const s of b.splits ?? []) {
      got.set(s.id, (got.get(s.id) ?? 0) + s.end - from);
      from = s.end;
    }
    total += b.values.length;
    b.release?.();
  }
  return got;
}

it('a task lost and given back before the next poll restarts from its committed positions', async () => {
  const topic = await k.topic(2);
  for (const partition of [0, 1])
    await produce(
      k.kafka,
      topic,
      Array.from({ length: 10 }, (_, i) => ({ partition, value: JSON.stringify({ id: partition * 100 + i }) })),
    );
  // the positions another process committed for the source's two tasks
  const positions = `${k.groupId()}.q.events`;
  const commit = async (offsets: Record<number, number>): Promise<void> => {
    const r = new PartitionReader({ brokers: k.brokers, clientId: 'sqc-test' }, READ_COMMITTED);
    await r.connect();
    await r.commitGroupOffsets(positions, { [topic]: offsets });
    await r.disconnect();
  };
  await commit({ 0: 0, 1: 4 });
  const options = {
    connector: 'kafka',
    topic,
    'properties.bootstrap.servers': k.brokers.join(','),
    'scan.startup.mode': 'earliest-offset',
    format: 'json',
  };
  const source = kafkaSource({
    name: 'events',
    job: 'tasks',
    config: kafkaOptions.resolve(options, { relationName: 'events', reads: true, writes: false }),
    options,
    format: 'json',
    physical: [{ name: 'id', type: { kind: 'BIGINT' }, nullable: true }],
    bounded: false,
    availableNow: false,
    binding: null,
    scaleOut: { group: `sqc-${k.groupId()}`, sessionTimeoutMs: 6_000, positions, query: 'q' },
  });
  await source.open(null);
  try {
    // the only member: tasks 0 and 1, from the committed positions 0 and 4
    expect(Object.fromEntries(await read(source, 16))).toEqual({ [`${topic}/0`]: 10, [`${topic}/1`]: 6 });
    // then another process owned task 1 for a while: it read two more records and committed that
    await produce(
      k.kafka,
      topic,
      Array.from({ length: 4 }, (_, i) => ({ partition: 1, value: JSON.stringify({ id: 110 + i }) })),
    );
    await commit({ 1: 12 });
    const member = (source as unknown as { member: TaskMember }).member;
    member.assign(new Set([0]), 100);
    member.assign(new Set([0, 1]), 101);
    // task 1 starts again at its committed position 12: offsets 12 and 13, not 10 to 13
    expect(Object.fromEntries(await read(source, 2))).toEqual({ [`${topic}/1`]: 2 });
  } finally {
    await source.close();
  }
});

it('the fence of a task already handed over drops that write only; the fence of an owned task drops the process', async () => {
  const topic = await k.topic(2);
  const options = {
    connector: 'kafka',
    topic,
    'properties.bootstrap.servers': k.brokers.join(','),
    format: 'json',
  };
  const config = kafkaOptions.resolve(options, { relationName: 'events', reads: true, writes: false });
  const notices: string[] = [];
  const group = taskGroup(clientSettings('events', config), {
    group: `sqc-${k.groupId()}`,
    sessionTimeoutMs: 6_000,
    notice: (m) => notices.push(m),
  });
  const assigned: { tasks: number[]; generation: number }[] = [];
  const member: TaskMember = {
    topics: [topic],
    quiesce: () => Promise.resolve(),
    assign: (tasks, generation) => assigned.push({ tasks: [...tasks].sort(), generation }),
  };
  await group.join(member);
  try {
    expect(assigned.at(-1)).toEqual({ tasks: [0, 1], generation: expect.any(Number) });
    expect(group.inGroup).toBe(true);
    // task 7 is not this process's (handed over, say): its fence is no news about tasks 0 and 1
    group.fenced(7);
    expect(group.inGroup).toBe(true);
    expect(assigned.at(-1)!.tasks).toEqual([0, 1]);
    // task 1 is: another process took it over, so this one gives up every task and rejoins
    group.fenced(1);
    expect(group.inGroup).toBe(false);
    expect(assigned.at(-1)).toEqual({ tasks: [], generation: -1 });
    expect(notices.join('\n')).toMatch(/dropped from the group \(the transactional producer of task 1 was fenced/);
  } finally {
    await group.leave(member);
  }
});

it('a task handed over while the fences ran is not fenced: its new owner keeps its transaction', async () => {
  const topic = await k.topic(2);
  const options = { connector: 'kafka', topic, 'properties.bootstrap.servers': k.brokers.join(','), format: 'json' };
  const config = kafkaOptions.resolve(options, { relationName: 'events', reads: true, writes: false });
  const settings = clientSettings('events', config);
  const app = `sqc-${k.groupId()}`;
  const group = taskGroup(settings, { group: app, sessionTimeoutMs: 6_000, notice: () => {} });
  const member: TaskMember = { topics: [topic], quiesce: () => Promise.resolve(), assign: () => {} };
  await group.join(member);
  const state = new KafkaTaskState({
    settings,
    group,
    app,
    query: 'q',
    operators: ['n1.window-aggregate'],
    intervalMs: 1_000,
    notice: () => {},
  });
  await state.open(2);
  // task 5 is not this process's (any more): another process owns it, in the middle of a transaction
  const out = await k.topic(1);
  const owner = await fencingProducer(k.kafka, state.id(5), 30_000);
  try {
    expect(group.assigned(0)).toBe(true);
    expect(group.assigned(5)).toBe(false);
    const t = await owner.transaction();
    await t.send({ topic: out, messages: [{ value: 'row' }] });
    // a source applying an assignment made before the handover asks for both tasks
    await group.beforeRead([0, 5]);
    expect([...state.owned()]).toEqual([0]);
    await t.commit(); // not fenced
  } finally {
    await owner.disconnect();
    await state.close();
    await group.leave(member);
  }
});
