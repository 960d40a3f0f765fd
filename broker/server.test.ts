/**
 * The broker itself (always in-process, even when KAFKA_BROKERS is set): framing, unsupported
 * APIs, concurrency on one socket, topic auto-creation, and the data directory across restarts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { startKafkaBroker, type KafkaBroker, type KafkaBrokerOptions } from './server.ts';
import { RawClient, kafkajsRequest, until } from './test-support.ts';

const running: KafkaBroker[] = [];
const logs: string[] = [];
async function start(options: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
  const b = await startKafkaBroker({ log: (m) => logs.push(m), ...options });
  running.push(b);
  return b;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((b) => b.stop()));
  logs.length = 0;
});

const client = (b: KafkaBroker) =>
  new Kafka({ clientId: 'server-test', brokers: [b.bootstrap], logLevel: logLevel.NOTHING });

describe('the broker’s wire handling', () => {
  it('closes a connection that sends a frame no Kafka client would, and says why', async () => {
    const b = await start();
    const raw = await RawClient.connect(b.bootstrap);
    raw.socket.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    await raw.closed;
    expect(logs.join('\n')).toMatch(
      /closing connection from 127\.0\.0\.1:\d+: frame size 1195725856 is not a Kafka request/,
    );
    // The broker keeps serving others.
    const admin = client(b).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'still-up' }] });
    await admin.disconnect();
  });

  it('closes a connection whose request body ends early', async () => {
    const b = await start();
    const raw = await RawClient.connect(b.bootstrap);
    void raw.request(3, 1, Buffer.from([0, 0, 0, 5, 0])); // Metadata: 5 topics announced, none sent
    await raw.closed;
    expect(logs.join('\n')).toMatch(/malformed Metadata v1 request/);
  });

  it('answers an unknown API and an unsupported version with error 35 and keeps the connection', async () => {
    const b = await start();
    const raw = await RawClient.connect(b.bootstrap);
    expect((await raw.request(999, 0, Buffer.alloc(0))).readInt16BE(0)).toBe(35);
    expect((await raw.request(1, 11, Buffer.alloc(0))).readInt16BE(0)).toBe(35);
    const versions = await raw.request(18, 0, Buffer.alloc(0));
    expect(versions.readInt16BE(0)).toBe(0);
    raw.close();
    expect(logs.join('\n')).toMatch(/sent unknown API 999 v0; supported: none/);
    expect(logs.join('\n')).toMatch(/sent Fetch v11; supported: v4–v4/);
  });

  it('answers other requests on a socket while a fetch long-polls, then wakes the fetch on new data', async () => {
    const b = await start();
    b.createTopic('polled', 1);
    const raw = await RawClient.connect(b.bootstrap);
    const fetchBody = (
      await kafkajsRequest(
        'fetch',
        4,
      )({
        replicaId: -1,
        maxWaitTime: 30_000,
        minBytes: 1,
        maxBytes: 1 << 20,
        topics: [{ topic: 'polled', partitions: [{ partition: 0, fetchOffset: '0', maxBytes: 1 << 20 }] }],
      }).encode()
    ).buffer;
    let fetched = false;
    const fetch = raw.request(1, 4, fetchBody).then((r) => {
      fetched = true;
      return r;
    });
    const meta = await raw.call('metadata', 3, 1, { topics: ['polled'] });
    expect(meta.topicMetadata[0].topic).toBe('polled');
    expect(fetched).toBe(false);
    const producer = client(b).producer();
    await producer.connect();
    await producer.send({ topic: 'polled', messages: [{ value: 'wake' }] });
    await producer.disconnect();
    const body = await fetch;
    expect(body.includes(Buffer.from('wake'))).toBe(true);
    raw.close();
  });

  it('sends no response to acks=0 produces, and answers the next request on the socket', async () => {
    const b = await start();
    b.createTopic('fire-and-forget', 1);
    const raw = await RawClient.connect(b.bootstrap);
    const body = async (acks: number, value: string) =>
      (
        await kafkajsRequest(
          'produce',
          3,
        )({
          acks,
          timeout: 1000,
          topicData: [{ topic: 'fire-and-forget', partitions: [{ partition: 0, messages: [{ value }] }] }],
        }).encode()
      ).buffer;
    let answered = false;
    void raw.request(0, 3, await body(0, 'unacknowledged')).then(() => (answered = true));
    const acked = await raw.request(0, 3, await body(1, 'acknowledged'));
    expect(acked.length).toBeGreaterThan(0);
    const meta = await raw.call('metadata', 3, 1, { topics: ['fire-and-forget'] });
    expect(meta.topicMetadata[0].topic).toBe('fire-and-forget');
    expect(answered).toBe(false);
    raw.close();
    const admin = client(b).admin();
    await admin.connect();
    expect((await admin.fetchTopicOffsets('fire-and-forget'))[0]!.high).toBe('2');
    await admin.disconnect();
  });

  it('returns whole batches, and at least one even when it is larger than max_bytes', async () => {
    const b = await start();
    b.createTopic('big', 1);
    const producer = client(b).producer();
    await producer.connect();
    await producer.send({
      topic: 'big',
      messages: Array.from({ length: 50 }, (_, i) => ({ value: `record-${i}-${'x'.repeat(100)}` })),
    });
    await producer.send({ topic: 'big', messages: [{ value: 'second batch' }] });
    await producer.disconnect();
    const raw = await RawClient.connect(b.bootstrap);
    const fetchAt = (fetchOffset: string, maxBytes: number) =>
      raw.call('fetch', 1, 4, {
        replicaId: -1,
        maxWaitTime: 0,
        minBytes: 1,
        maxBytes,
        topics: [{ topic: 'big', partitions: [{ partition: 0, fetchOffset, maxBytes }] }],
      });
    // 100 bytes allow no batch, but the first comes whole; from the middle of it, the whole batch too.
    for (const from of ['0', '20']) {
      const p = (await fetchAt(from, 100)).responses[0].partitions[0];
      expect(p.errorCode).toBe(0);
      expect(p.messages.map((m: any) => Number(m.offset))).toEqual(Array.from({ length: 50 }, (_, i) => i));
    }
    const both = (await fetchAt('0', 1 << 20)).responses[0].partitions[0];
    expect(both.messages).toHaveLength(51);
    expect((await fetchAt('52', 100)).responses[0].partitions[0].errorCode).toBe(1); // past the end
    raw.close();
  });

  it('creates topics on first use only when asked to', async () => {
    const strict = await start();
    const admin = client(strict).admin();
    await admin.connect();
    await expect(admin.fetchTopicMetadata({ topics: ['nope'] })).rejects.toThrow(/does not host this topic-partition/);
    await admin.disconnect();
    const loose = await start({ autoCreateTopics: true, defaultPartitions: 3 });
    const admin2 = client(loose).admin();
    await admin2.connect();
    const meta = await admin2.fetchTopicMetadata({ topics: ['made-on-demand'] });
    expect(meta.topics[0]!.partitions).toHaveLength(3);
    await admin2.disconnect();
  });
});

describe('the data directory', () => {
  it('keeps topics, records, committed offsets and producer state across a restart', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqc-broker-'));
    try {
      const first = await start({ dataDir });
      first.createTopic('kept', 2);
      let kafka = client(first);
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      await producer.send({
        topic: 'kept',
        messages: Array.from({ length: 20 }, (_, i) => ({ key: `${i}`, value: `v${i}` })),
      });
      await producer.disconnect();
      const admin = kafka.admin();
      await admin.connect();
      const raw = await RawClient.connect(first.bootstrap);
      await raw.call('offsetCommit', 8, 2, {
        groupId: 'g',
        groupGenerationId: -1, // an admin commit to a group without members
        memberId: '',
        retentionTime: -1,
        topics: [{ topic: 'kept', partitions: [{ partition: 0, offset: '3' }] }],
      });
      raw.close();
      await admin.fetchTopicMetadata({ topics: ['kept'] });
      await admin.deleteTopicRecords({ topic: 'kept', partitions: [{ partition: 1, offset: '2' }] });
      const before = await admin.fetchTopicOffsets('kept');
      expect(before.find((o) => o.partition === 1)!.low).toBe('2');
      await admin.disconnect();
      await first.stop();

      const second = await start({ dataDir, port: first.port });
      kafka = client(second);
      const admin2 = kafka.admin();
      await admin2.connect();
      expect(await admin2.fetchTopicOffsets('kept')).toEqual(before);
      const committed = await admin2.fetchOffsets({ groupId: 'g', topics: ['kept'] });
      expect(committed[0]!.partitions.find((p) => p.partition === 0)!.offset).toBe('3');
      await admin2.disconnect();

      const seen: string[] = [];
      const consumer = kafka.consumer({ groupId: 'reader', maxWaitTimeInMs: 300 });
      await consumer.connect();
      await consumer.subscribe({ topic: 'kept', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
      const readable = before.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
      await until(() => seen.length >= readable, 'the records read back');
      await consumer.disconnect();
      expect(seen).toHaveLength(readable);
      expect(readable).toBe(18);
      // New records continue the offsets.
      const p2 = kafka.producer();
      await p2.connect();
      const [res] = await p2.send({ topic: 'kept', messages: [{ value: 'later' }] });
      await p2.disconnect();
      expect(Number(res!.baseOffset)).toBe(Number(before.find((o) => o.partition === res!.partition)!.high));
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('keeps an open transaction open across a restart, until its transactional id fences and aborts it', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqc-broker-'));
    try {
      const first = await start({ dataDir });
      first.createTopic('tx', 1);
      first.createTopic('in', 1);
      const zombie = client(first).producer({ transactionalId: 'job-0', idempotent: true, maxInFlightRequests: 1 });
      await zombie.connect();
      const done = await zombie.transaction();
      await done.send({ topic: 'tx', messages: [{ value: 'committed' }] });
      await done.sendOffsets({
        consumerGroupId: 'job',
        topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '7' }] }],
      });
      await done.commit();
      const open = await zombie.transaction();
      await open.send({ topic: 'tx', messages: [{ value: 'in-flight' }] });
      await first.stop(); // the producer never finishes: a crash of the job and the broker at once
      await zombie.disconnect().catch(() => {});

      const second = await start({ dataDir });
      const kafka = client(second);
      const admin = kafka.admin();
      await admin.connect();
      // read_committed high watermark = LSO: still held at the open transaction (offset 2, after a marker).
      expect((await admin.fetchTopicOffsets('tx'))[0]).toMatchObject({ high: '2' });
      expect((await admin.fetchOffsets({ groupId: 'job', topics: ['in'] }))[0]!.partitions[0]!.offset).toBe('7');
      const next = kafka.producer({ transactionalId: 'job-0', idempotent: true, maxInFlightRequests: 1 });
      await next.connect();
      const t = await next.transaction(); // fences the old epoch, aborts 'in-flight'
      await t.send({ topic: 'tx', messages: [{ value: 'resumed' }] });
      await t.commit();
      await next.disconnect();
      const seen: string[] = [];
      const consumer = kafka.consumer({ groupId: 'check', maxWaitTimeInMs: 300 });
      await consumer.connect();
      await consumer.subscribe({ topic: 'tx', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
      await until(() => seen.length >= 2, 'the committed records');
      await consumer.disconnect();
      expect(seen).toEqual(['committed', 'resumed']);
      await admin.disconnect();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('drops a batch torn by a crash and keeps the ones before it', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqc-broker-'));
    try {
      const first = await start({ dataDir });
      first.createTopic('torn', 1);
      const producer = client(first).producer();
      await producer.connect();
      await producer.send({ topic: 'torn', messages: [{ value: 'one' }] });
      await producer.send({ topic: 'torn', messages: [{ value: 'two' }] });
      await producer.disconnect();
      await first.stop();
      const file = path.join(dataDir, 'topics', 'torn', '0.log');
      fs.truncateSync(file, fs.statSync(file).size - 5);
      const second = await start({ dataDir });
      const admin = client(second).admin();
      await admin.connect();
      expect((await admin.fetchTopicOffsets('torn'))[0]!.high).toBe('1');
      await admin.disconnect();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
