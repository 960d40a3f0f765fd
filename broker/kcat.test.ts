/**
 * Interop with a client we did not write: Debian's kcat (librdkafka, the reference C client).
 * kcat produces, consumes, consumes in a group and consumes read_committed, and must agree with
 * kafkajs. Needs `kcat` on PATH (`apt-get install -y kcat`; .ci/run installs it): without it
 * these tests fail and say so. Runs unchanged against a real cluster when KAFKA_BROKERS is set.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { Consumer, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './test-support.ts';
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

function requireKcat(): void {
  const r = spawnSync('kcat', ['-V'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(
      'kcat is not installed: the Kafka interop tests need it. Install it with `apt-get install -y kcat` ' +
        '(Debian/Ubuntu; .ci/run does this), then run the tests again.',
    );
  }
}

/** Runs kcat with `args` (stdin `input`), resolving with stdout; rejects with stderr on failure. */
function kcat(args: string[], input?: string): Promise<string> {
  requireKcat();
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', ['-b', k.brokers.join(','), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`kcat ${args.join(' ')} exited ${code}: ${err}`)),
    );
    child.stdin.end(input ?? '');
  });
}

const FORMAT = ['-f', '%p\t%o\t%k\t%s\n'];
interface Row {
  partition: number;
  offset: number;
  key: string;
  value: string;
}
const parse = (out: string): Row[] =>
  out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [p, o, key, value] = l.split('\t');
      return { partition: Number(p), offset: Number(o), key: key!, value: value! };
    });
const order = (rows: Row[]) => [...rows].sort((a, b) => a.partition - b.partition || a.offset - b.offset);

/** What a kafkajs consumer (own group, from the beginning) reads, once it has `n` records. */
async function kafkajsRead(topic: string, n: number, readUncommitted = false): Promise<Row[]> {
  const rows: Row[] = [];
  const c = k.kafka.consumer({ groupId: k.groupId(), readUncommitted, maxWaitTimeInMs: 300 });
  clients.push(c);
  await c.connect();
  await c.subscribe({ topic, fromBeginning: true });
  await c.run({
    eachMessage: async ({ partition, message }) => {
      rows.push({
        partition,
        offset: Number(message.offset),
        key: message.key?.toString() ?? '',
        value: message.value!.toString(),
      });
    },
  });
  await until(() => rows.length >= n, `kafkajs to read ${n} records of ${topic}`);
  await c.disconnect();
  return order(rows);
}

async function producer(transactionalId?: string): Promise<Producer> {
  const p = transactionalId
    ? k.kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 })
    : k.kafka.producer();
  clients.push(p);
  await p.connect();
  return p;
}

describe('kcat (librdkafka) against the broker', () => {
  it('produces (-P) records that kafkajs reads, in every compression codec, idempotently too', async () => {
    const topic = await k.topic(3);
    const lines = Array.from({ length: 90 }, (_, i) => `key${i % 9}:value-${i}`);
    await kcat(['-P', '-t', topic, '-K', ':'], lines.slice(0, 30).join('\n') + '\n');
    await kcat(['-P', '-t', topic, '-K', ':', '-z', 'gzip'], lines.slice(30, 60).join('\n') + '\n');
    await kcat(['-P', '-t', topic, '-K', ':', '-z', 'snappy'], lines.slice(60, 70).join('\n') + '\n');
    await kcat(
      ['-P', '-t', topic, '-K', ':', '-z', 'lz4', '-X', 'enable.idempotence=true'],
      lines.slice(70, 80).join('\n') + '\n',
    );
    await kcat(['-P', '-t', topic, '-K', ':', '-z', 'zstd'], lines.slice(80).join('\n') + '\n');
    // kcat reads every codec back; kafkajs without codec packages only none and gzip.
    const all = order(parse(await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-q', ...FORMAT])));
    expect(all.map((r) => `${r.key}:${r.value}`).sort()).toEqual([...lines].sort());
    const uncompressedOrGzip = all.filter((r) => Number(r.value.slice(6)) < 60);
    const kafkajsTopic = await k.topic(3);
    await kcat(['-P', '-t', kafkajsTopic, '-K', ':', '-z', 'gzip'], lines.slice(0, 60).join('\n') + '\n');
    const viaKafkajs = await kafkajsRead(kafkajsTopic, 60);
    expect(viaKafkajs.map((r) => `${r.key}:${r.value}`).sort()).toEqual(
      uncompressedOrGzip.map((r) => `${r.key}:${r.value}`).sort(),
    );
    // kcat's partitioner put each key on the same partition in both topics; kafkajs reports it there.
    for (const r of viaKafkajs) expect(r.partition).toBe(all.find((x) => x.key === r.key)!.partition);
  });

  it('consumes (-C -e) exactly what kafkajs consumes', async () => {
    const topic = await k.topic(4);
    const p = await producer();
    await p.send({ topic, messages: Array.from({ length: 200 }, (_, i) => ({ key: `k${i % 13}`, value: `v${i}` })) });
    const viaKcat = order(parse(await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-q', ...FORMAT])));
    expect(viaKcat).toHaveLength(200);
    expect(viaKcat).toEqual(await kafkajsRead(topic, 200));
  });

  it('consumes in a group (-G) and commits the group’s offsets', async () => {
    const topic = await k.topic(3);
    const groupId = k.groupId();
    const p = await producer();
    await p.send({ topic, messages: Array.from({ length: 60 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    const out = await kcat(['-G', groupId, '-X', 'auto.offset.reset=earliest', '-e', '-q', ...FORMAT, topic]);
    const viaGroup = order(parse(out));
    expect(viaGroup).toEqual(await kafkajsRead(topic, 60));
    const committed = await k.admin.fetchOffsets({ groupId, topics: [topic] });
    const high = await k.admin.fetchTopicOffsets(topic);
    expect(committed[0]!.partitions.map((x) => [x.partition, x.offset]).sort()).toEqual(
      high.map((x) => [x.partition, x.high]).sort(),
    );
    // A second run of the group has nothing left to read.
    await p.send({ topic, messages: [{ key: 'k0', value: 'late' }] });
    const again = parse(await kcat(['-G', groupId, '-e', '-q', ...FORMAT, topic]));
    expect(again.map((r) => r.value)).toEqual(['late']);
  });

  it('reads with isolation.level=read_committed what kafkajs reads from committed and aborted transactions', async () => {
    const topic = await k.topic(2);
    const tx = await producer(k.transactionalId());
    const plain = await producer();
    let n = 0;
    const batch = (tag: string, count: number) =>
      Array.from({ length: count }, () => ({ key: `k${n % 5}`, value: `${tag}-${n++}` }));
    for (let round = 0; round < 4; round++) {
      const c = await tx.transaction();
      await c.send({ topic, messages: batch('committed', 6) });
      await c.commit();
      await plain.send({ topic, messages: batch('plain', 2) });
      const a = await tx.transaction();
      await a.send({ topic, messages: batch('aborted', 5) });
      await a.abort();
    }
    const kcatCommitted = order(
      parse(
        await kcat([
          '-C',
          '-t',
          topic,
          '-o',
          'beginning',
          '-e',
          '-q',
          '-X',
          'isolation.level=read_committed',
          ...FORMAT,
        ]),
      ),
    );
    expect(kcatCommitted.map((r) => r.value.split('-')[0])).not.toContain('aborted');
    expect(kcatCommitted).toHaveLength(32);
    expect(kcatCommitted).toEqual(await kafkajsRead(topic, 32));
    const kcatAll = order(
      parse(
        await kcat([
          '-C',
          '-t',
          topic,
          '-o',
          'beginning',
          '-e',
          '-q',
          '-X',
          'isolation.level=read_uncommitted',
          ...FORMAT,
        ]),
      ),
    );
    expect(kcatAll).toHaveLength(52);
    expect(kcatAll).toEqual(await kafkajsRead(topic, 52, true));

    // An open transaction: kcat's read_committed stops at the last stable offset, before it.
    const open = await tx.transaction();
    await open.send({ topic, messages: [{ key: 'k0', value: 'open-0' }] });
    await plain.send({ topic, messages: [{ key: 'k0', value: 'after-open' }] });
    const held = parse(
      await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-X', 'isolation.level=read_committed', ...FORMAT]),
    );
    expect(held.map((r) => r.value)).not.toContain('open-0');
    expect(held.map((r) => r.value)).not.toContain('after-open');
    await open.commit();
    const released = parse(
      await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-X', 'isolation.level=read_committed', ...FORMAT]),
    );
    expect(released.map((r) => r.value)).toEqual(expect.arrayContaining(['open-0', 'after-open']));
    expect(released).toHaveLength(34);
  });
});
