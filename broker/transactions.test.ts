/**
 * Transactions with kafkajs: commit/abort as read_committed and read_uncommitted consumers see
 * them, the last stable offset, fencing by InitProducerId, the transaction timeout, and
 * sendOffsets. Runs unchanged against a real cluster when KAFKA_BROKERS is set.
 */
import type { Consumer, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, leaderOf, until } from './test-support.ts';
import { kafkaForTests, type KafkaForTests } from './testing.ts';

let k: KafkaForTests;
const clients: (Consumer | Producer)[] = [];
beforeAll(async () => {
  k = await kafkaForTests();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.disconnect().catch(() => {})));
  await k?.stop();
});

async function txProducer(transactionalId: string, transactionTimeout = 60_000): Promise<Producer> {
  const p = k.kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout });
  clients.push(p);
  await p.connect();
  return p;
}

async function plainProducer(): Promise<Producer> {
  const p = k.kafka.producer();
  clients.push(p);
  await p.connect();
  return p;
}

/** A consumer (own group) collecting values; read_committed unless `readUncommitted`. */
async function reader(topic: string, readUncommitted = false): Promise<string[]> {
  const seen: string[] = [];
  const c = k.kafka.consumer({ groupId: k.groupId(), readUncommitted, maxWaitTimeInMs: 300 });
  clients.push(c);
  await c.connect();
  await c.subscribe({ topic, fromBeginning: true });
  await c.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
  return seen;
}

/** High watermark (read_uncommitted) and last stable offset of partition 0, by ListOffsets. */
async function hwmAndLso(topic: string): Promise<{ hwm: number; lso: number }> {
  const raw = await RawClient.connect(await leaderOf(k.admin, topic, 0));
  try {
    const ask = async (isolationLevel: number) => {
      const r = await raw.call('listOffsets', 2, 2, {
        replicaId: -1,
        isolationLevel,
        topics: [{ topic, partitions: [{ partition: 0, timestamp: -1 }] }],
      });
      return Number(r.responses[0].partitions[0].offset);
    };
    return { hwm: await ask(0), lso: await ask(1) };
  } finally {
    raw.close();
  }
}

describe('transactions', () => {
  it('shows committed data to read_committed consumers and everything to read_uncommitted ones', async () => {
    const topic = await k.topic(2);
    const p = await txProducer(k.transactionalId());
    const send = async (values: string[], commit: boolean) => {
      const t = await p.transaction();
      await t.send({ topic, messages: values.map((value, i) => ({ key: `${i}`, value })) });
      await (commit ? t.commit() : t.abort());
    };
    await send(['c1', 'c2'], true);
    await send(['a1', 'a2', 'a3'], false);
    await send(['c3'], true);
    const plain = await plainProducer();
    await plain.send({ topic, messages: [{ key: '0', value: 'n1' }] });

    const committed = await reader(topic);
    const everything = await reader(topic, true);
    await until(() => committed.length >= 4 && everything.length >= 7, 'both readers to catch up');
    expect(committed.sort()).toEqual(['c1', 'c2', 'c3', 'n1']);
    expect(everything.sort()).toEqual(['a1', 'a2', 'a3', 'c1', 'c2', 'c3', 'n1']);
  });

  it('holds read_committed readers at the first offset of an open transaction until it commits', async () => {
    const topic = await k.topic(1);
    const plain = await plainProducer();
    await plain.send({ topic, messages: [{ value: 'before' }] });
    const p = await txProducer(k.transactionalId());
    const t = await p.transaction();
    await t.send({ topic, messages: [{ value: 'pending' }] });
    await plain.send({ topic, messages: [{ value: 'after' }] });

    expect(await hwmAndLso(topic)).toEqual({ hwm: 3, lso: 1 });
    const seen = await reader(topic);
    await until(() => seen.length >= 1, 'the record before the transaction');
    expect(seen).toEqual(['before']);
    await t.commit();
    await until(() => seen.length >= 3, 'the transaction and the record after it');
    expect(seen).toEqual(['before', 'pending', 'after']);
    expect(await hwmAndLso(topic)).toEqual({ hwm: 4, lso: 4 }); // + the commit marker
  });

  it('fences a zombie producer and aborts its open transaction when the same transactional id initialises again', async () => {
    const topic = await k.topic(1);
    const id = k.transactionalId();
    const zombie = await txProducer(id);
    const zt = await zombie.transaction();
    await zt.send({ topic, messages: [{ value: 'from-zombie' }] });

    const fresh = await txProducer(id);
    const ft = await fresh.transaction(); // InitProducerId: bumps the epoch, aborts the zombie's transaction
    await ft.send({ topic, messages: [{ value: 'from-fresh' }] });
    await ft.commit();

    await expect(zt.send({ topic, messages: [{ value: 'late' }] }).then(() => zt.commit())).rejects.toThrow(
      /old epoch|fenced|epoch/i,
    );
    const { hwm, lso } = await hwmAndLso(topic);
    expect(lso).toBe(hwm);
    const seen = await reader(topic);
    const all = await reader(topic, true);
    await until(() => seen.length >= 1 && all.length >= 2, 'the readers');
    expect(seen).toEqual(['from-fresh']);
    expect(all).toEqual(['from-zombie', 'from-fresh']);
  });

  it('aborts a transaction left open past its timeout and fences its producer', async () => {
    const topic = await k.topic(1);
    const p = await txProducer(k.transactionalId(), 1000);
    const t = await p.transaction();
    await t.send({ topic, messages: [{ value: 'too-slow' }] });
    expect((await hwmAndLso(topic)).lso).toBe(0);
    // The broker writes the abort marker on its own: the LSO moves past it.
    await until(async () => (await hwmAndLso(topic)).lso === 2, 'the timed-out transaction to be aborted');
    await expect(t.commit()).rejects.toThrow();
    const plain = await plainProducer();
    await plain.send({ topic, messages: [{ value: 'later' }] });
    const seen = await reader(topic);
    await until(() => seen.length >= 1, 'the record after the aborted transaction');
    expect(seen).toEqual(['later']);
  });

  it('commits offsets sent with a transaction only when it commits', async () => {
    const input = await k.topic(1);
    const output = await k.topic(1);
    const groupId = k.groupId();
    const p = await txProducer(k.transactionalId());
    const step = async (offset: string, value: string, commit: boolean) => {
      const t = await p.transaction();
      await t.send({ topic: output, messages: [{ value }] });
      await t.sendOffsets({
        consumerGroupId: groupId,
        topics: [{ topic: input, partitions: [{ partition: 0, offset }] }],
      });
      await (commit ? t.commit() : t.abort());
    };
    const committedOffset = async () =>
      (await k.admin.fetchOffsets({ groupId, topics: [input] }))[0]!.partitions[0]!.offset;
    await step('10', 'first', true);
    expect(await committedOffset()).toBe('10');
    await step('15', 'second', false);
    expect(await committedOffset()).toBe('10');
    await step('20', 'third', true);
    expect(await committedOffset()).toBe('20');
    const seen = await reader(output);
    await until(() => seen.length >= 2, 'the committed outputs');
    expect(seen).toEqual(['first', 'third']);
  });
});
