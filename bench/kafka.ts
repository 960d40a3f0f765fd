/**
 * Benchmark: reading Kafka (issue 9; aim: sqc ≥ 0.9× a bare kafkajs consume loop). One broker
 * (the in-process one, or the cluster in KAFKA_BROKERS), one topic of `SQC_BENCH_KAFKA_EVENTS`
 * JSON events (default 500k, the pipeline suite's event shape) over 4 partitions, then, in one
 * run, rounds of (median of `SQC_BENCH_RUNS`, default 3, after one warm-up):
 *   bare kafkajs loop      — a consumer group, `eachBatch` counting messages (no decoding)
 *   bare kafkajs + JSON    — the same loop, `JSON.parse` of every value (the least a query does)
 *   sqc tumbling count     — COUNT(*) per page per 1-minute window, bounded read, blackhole sink
 *   bare consume→produce   — the JSON loop sending each batch's purchases on (acks=all)
 *   sqc Kafka→filter→Kafka — WHERE action = 'purchase' into a 4-partition topic (acks=all)
 * The kafkajs loops are timed from their first batch (the group join before it, ~3 s, is left
 * out: it would flatter sqc); sqc from `run()` to its end (connect and ListOffsets included).
 */
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { startKafkaBroker, type KafkaBroker } from '../broker/index.ts';
import type { Job, QueryProgress } from '../runtime/index.ts';
import { mkdirSync } from 'node:fs';
import { compileJob, DATA } from './pipeline.ts';
import { median, writeResults } from './util.ts';

const N = Number(process.env['SQC_BENCH_KAFKA_EVENTS'] ?? 500_000);
const RUNS = Number(process.env['SQC_BENCH_RUNS'] ?? 3);
const PARTITIONS = 4;

export function events(n: number, from: number): { partition: number; value: string }[] {
  let seed = 7 + from;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const actions = ['view', 'view', 'view', 'click', 'click', 'purchase'];
  const t0 = Date.UTC(2025, 3, 21, 0, 0, 0);
  const out: { partition: number; value: string }[] = [];
  for (let i = from; i < from + n; i++) {
    const ts = new Date(t0 + i * 50 + Math.floor(rand() * 2_000)).toISOString();
    out.push({
      partition: i % PARTITIONS,
      value: `{"event_id":${i},"user_id":"u${Math.floor(rand() * 10_000)}","page":"/page/${Math.floor(rand() * 50)}","action":"${actions[Math.floor(rand() * actions.length)]}","amount":${(rand() * 200).toFixed(2)},"ts":"${ts}"}`,
    });
  }
  return out;
}

/** `parse`: JSON.parse every value; `forward`: also send the purchases to that topic (acks=all) per batch. */
async function bareLoop(kafka: Kafka, topic: string, parse: boolean, forward: string | null = null): Promise<number> {
  const producer = forward === null ? null : kafka.producer();
  await producer?.connect();
  const consumer = kafka.consumer({ groupId: `bench-${Date.now()}-${Math.random()}`, maxBytes: 16 << 20 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let n = 0;
  let first = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  let checksum = 0;
  await consumer.run({
    eachBatch: async ({ batch }) => {
      if (first === 0) first = performance.now();
      const out: { value: string }[] = [];
      for (const m of batch.messages) {
        if (!parse) continue;
        const e = JSON.parse(m.value!.toString()) as {
          event_id: number;
          user_id: string;
          action: string;
          amount: number;
          ts: string;
        };
        checksum += e.event_id & 1;
        if (producer !== null && e.action === 'purchase')
          out.push({ value: JSON.stringify({ event_id: e.event_id, user_id: e.user_id, amount: e.amount, ts: e.ts }) });
      }
      if (producer !== null && out.length > 0) await producer.send({ topic: forward!, messages: out, acks: -1 });
      n += batch.messages.length;
      if (n >= N) done();
    },
  });
  await finished;
  const ms = performance.now() - first;
  await consumer.disconnect();
  await producer?.disconnect();
  if (parse && checksum < 0) throw new Error('unreachable');
  return ms;
}

const SOURCE = (brokers: string, topic: string) => `
CREATE STREAM events (
  event_id BIGINT, user_id STRING, page STRING, action STRING, amount DOUBLE, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH ('connector' = 'kafka', 'topic' = '${topic}', 'properties.bootstrap.servers' = '${brokers}',
        'scan.startup.mode' = 'earliest-offset', 'scan.max-offsets-per-trigger' = '50000', 'format' = 'json');
`;

/** The benchmarks' Kafka: the cluster in KAFKA_BROKERS or an in-process broker, with a client and an admin. */
export async function benchCluster(): Promise<{
  external: boolean;
  broker: KafkaBroker | null;
  brokers: string;
  kafka: Kafka;
  admin: Admin;
}> {
  const external = process.env['KAFKA_BROKERS']?.trim();
  const broker = external ? null : await startKafkaBroker({ log: () => {} });
  const brokers = external ?? broker!.bootstrap;
  const kafka = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING, clientId: 'sqc-bench' });
  const admin = kafka.admin();
  await admin.connect();
  return { external: external !== undefined && external !== '', broker, brokers, kafka, admin };
}

/** Creates `topic` with `PARTITIONS` partitions and fills it with `n` events. */
export async function eventsTopic(kafka: Kafka, admin: Admin, topic: string, n: number): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  console.log(`producing ${n.toLocaleString('en-US')} events to ${topic} (${PARTITIONS} partitions) ...`);
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < n; i += 20_000)
    await producer.send({ topic, messages: events(Math.min(20_000, n - i), i), acks: 1 });
  await producer.disconnect();
}

/** Runs `job` to its end; the milliseconds it took (it must read all `n` events). */
export async function timeRun(job: Job, n: number): Promise<number> {
  let rows = 0;
  job.on('progress', (p: QueryProgress) => (rows += p.numInputRows));
  job.on('notice', () => {});
  const t = performance.now();
  await job.run();
  const ms = performance.now() - t;
  if (rows !== n) throw new Error(`sqc read ${rows} events, the topic holds ${n}`);
  return ms;
}

export async function benchKafka(): Promise<void> {
  const { external, broker, brokers, kafka, admin } = await benchCluster();
  const stamp = Date.now();
  const topic = `sqc-bench-events-${stamp}`;
  const outTopics: string[] = [];
  try {
    await eventsTopic(kafka, admin, topic, N);

    mkdirSync(DATA, { recursive: true });
    const tumble = await compileJob(
      'kafka-tumble',
      `${SOURCE(brokers, topic)}
CREATE SINK counts WITH ('connector' = 'blackhole');
INSERT INTO counts
SELECT window_start, page, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, page;`,
    );
    const filter = await compileJob(
      'kafka-filter',
      `${SOURCE(brokers, topic)}
CREATE SINK purchases WITH ('connector' = 'kafka', 'topic' = 'sqc-bench-purchases',
  'properties.bootstrap.servers' = '${brokers}', 'format' = 'json');
INSERT INTO purchases SELECT event_id, user_id, amount, ts FROM events WHERE action = 'purchase';`,
    );
    const sqc = async (create: typeof tumble, sinks: Record<string, Record<string, string>>): Promise<number> => {
      return timeRun(create({ sources: { events: { 'scan.bounded.mode': 'latest-offset' } }, sinks }), N);
    };
    const variants: Record<string, () => Promise<number>> = {
      'bare kafkajs loop (count)': () => bareLoop(kafka, topic, false),
      'bare kafkajs loop + JSON.parse': () => bareLoop(kafka, topic, true),
      'sqc: Kafka → tumbling count': () => sqc(tumble, {}),
      'bare kafkajs consume→filter→produce': async () => {
        const out = `sqc-bench-bare-${stamp}-${outTopics.length}`;
        await admin.createTopics({ topics: [{ topic: out, numPartitions: PARTITIONS }], waitForLeaders: true });
        outTopics.push(out);
        return bareLoop(kafka, topic, true, out);
      },
      'sqc: Kafka → filter → Kafka': async () => {
        const out = `sqc-bench-purchases-${stamp}-${outTopics.length}`;
        await admin.createTopics({ topics: [{ topic: out, numPartitions: PARTITIONS }], waitForLeaders: true });
        outTopics.push(out);
        return sqc(filter, { purchases: { topic: out } });
      },
    };
    const times = new Map<string, number[]>(Object.keys(variants).map((k) => [k, []]));
    for (let round = 0; round <= RUNS; round++) {
      for (const [name, run] of Object.entries(variants)) {
        const ms = await run();
        if (round > 0) times.get(name)!.push(ms); // round 0 warms up
      }
    }
    const base = median(times.get('bare kafkajs loop (count)')!);
    const withJson = median(times.get('bare kafkajs loop + JSON.parse')!);
    console.log(
      `\n## Kafka: ${N.toLocaleString('en-US')} JSON events, ${PARTITIONS} partitions, one broker, median of ${RUNS}`,
    );
    const results: Record<string, { ms: number; eventsPerSecond: number; vsBare: number; vsBareJson: number }> = {};
    for (const [name, xs] of times) {
      const ms = median(xs);
      const eps = N / (ms / 1000);
      results[name] = { ms, eventsPerSecond: eps, vsBare: base / ms, vsBareJson: withJson / ms };
      console.log(
        `  ${name.padEnd(34)} ${ms.toFixed(0).padStart(7)} ms  ${(eps / 1000).toFixed(0).padStart(6)}k events/s  ${(base / ms).toFixed(2)}× bare loop  ${(withJson / ms).toFixed(2)}× bare+JSON`,
      );
    }
    console.log(
      `results: ${writeResults('kafka', { events: N, partitions: PARTITIONS, brokers: external ? 'external' : 'in-process', results })}`,
    );
  } finally {
    await admin.deleteTopics({ topics: [topic, ...outTopics] }).catch(() => {});
    await admin.disconnect();
    await broker?.stop();
  }
}
