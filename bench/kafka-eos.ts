/**
 * Benchmark: the cost of exactly-once Kafka output (issue 10; aim: < 15% over at-least-once).
 * One broker (in-process, or the cluster in KAFKA_BROKERS), one topic of `SQC_BENCH_KAFKA_EVENTS`
 * JSON events (default 500k, bench/kafka.ts's shape) over 4 partitions; then, interleaved in one
 * run (median of `SQC_BENCH_RUNS`, default 3, after one warm-up round), with
 * `checkpoint.interval` 1 s and a fresh checkpoint directory and output topic per run:
 *   Kafka → tumbling count per page and minute → Kafka   at-least-once / exactly-once
 *   Kafka → filter (purchases) → Kafka                   at-least-once / exactly-once
 * Each run is timed from `run()` to its end (bounded read; connect, fencing and the progress
 * read included).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { benchCluster, eventsTopic, timeRun } from './kafka.ts';
import { compileJob, DATA } from './pipeline.ts';
import { median, writeResults } from './util.ts';

const N = Number(process.env['SQC_BENCH_KAFKA_EVENTS'] ?? 500_000);
const RUNS = Number(process.env['SQC_BENCH_RUNS'] ?? 3);
const PARTITIONS = 4;

const program = (brokers: string, source: string, query: string) => `
SET 'checkpoint.interval' = '1 s';
CREATE STREAM events (
  event_id BIGINT, user_id STRING, page STRING, action STRING, amount DOUBLE, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH ('connector' = 'kafka', 'topic' = '${source}', 'properties.bootstrap.servers' = '${brokers}',
        'scan.startup.mode' = 'earliest-offset', 'scan.max-offsets-per-trigger' = '10000', 'format' = 'json');
-- compiled once; each run writes to its own new topic (a createJob override of 'topic')
CREATE SINK out WITH ('connector' = 'kafka', 'topic' = 'set-per-run', 'properties.bootstrap.servers' = '${brokers}',
                      'format' = 'json');
${query}`;

const QUERIES: Record<string, string> = {
  'tumbling count': `INSERT INTO out
SELECT window_start, page, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, page;`,
  filter: `INSERT INTO out SELECT event_id, user_id, amount, ts FROM events WHERE action = 'purchase';`,
};

export async function benchKafkaEos(): Promise<void> {
  const { external, broker, brokers, admin, kafka } = await benchCluster();
  const stamp = Date.now();
  const source = `sqc-bench-eos-events-${stamp}`;
  const progressTopic = `sqc-bench-eos-progress-${stamp}`;
  const topics: string[] = [source, progressTopic];
  const chk = join(DATA, `kafka-eos-chk-${stamp}`);
  try {
    await eventsTopic(kafka, admin, source, N);
    mkdirSync(DATA, { recursive: true });
    let runs = 0;
    const variants: Record<string, () => Promise<number>> = {};
    for (const [name, query] of Object.entries(QUERIES)) {
      const create = await compileJob(`kafka-eos-${name.replace(/\W+/g, '-')}`, program(brokers, source, query));
      for (const guarantee of ['at-least-once', 'exactly-once'] as const) {
        variants[`${name}, ${guarantee}`] = async () => {
          const n = runs++;
          const out = `sqc-bench-eos-out-${stamp}-${n}`;
          await admin.createTopics({ topics: [{ topic: out, numPartitions: PARTITIONS }], waitForLeaders: true });
          topics.push(out);
          const job = create({
            set: { 'checkpoint.dir': join(chk, String(n)) },
            sources: { events: { 'scan.bounded.mode': 'latest-offset' } },
            sinks: {
              out: {
                topic: out,
                'sink.delivery-guarantee': guarantee,
                ...(guarantee === 'exactly-once'
                  ? { 'sink.transactional-id-prefix': `bench-${stamp}-${n}`, 'sink.progress-topic': progressTopic }
                  : {}),
              },
            },
          });
          return timeRun(job, N);
        };
      }
    }
    const times = new Map<string, number[]>(Object.keys(variants).map((k) => [k, []]));
    for (let round = 0; round <= RUNS; round++) {
      for (const [name, run] of Object.entries(variants)) {
        const ms = await run();
        if (round > 0) times.get(name)!.push(ms); // round 0 warms up
      }
    }
    console.log(
      `\n## Kafka exactly-once vs at-least-once: ${N.toLocaleString('en-US')} JSON events, ${PARTITIONS} partitions, checkpoint.interval 1 s, median of ${RUNS}`,
    );
    const results: Record<string, { ms: number; eventsPerSecond: number; overhead?: number }> = {};
    for (const name of Object.keys(QUERIES)) {
      const alo = median(times.get(`${name}, at-least-once`)!);
      const eos = median(times.get(`${name}, exactly-once`)!);
      results[`${name}, at-least-once`] = { ms: alo, eventsPerSecond: N / (alo / 1000) };
      results[`${name}, exactly-once`] = { ms: eos, eventsPerSecond: N / (eos / 1000), overhead: eos / alo - 1 };
      console.log(
        `  ${name.padEnd(16)} at-least-once ${alo.toFixed(0).padStart(6)} ms (${(N / alo).toFixed(0)}k events/s)   ` +
          `exactly-once ${eos.toFixed(0).padStart(6)} ms (${(N / eos).toFixed(0)}k events/s)   overhead ${((eos / alo - 1) * 100).toFixed(1)}%`,
      );
    }
    console.log(
      `results: ${writeResults('kafka-eos', { events: N, partitions: PARTITIONS, checkpointInterval: '1 s', brokers: external ? 'external' : 'in-process', runs: Object.fromEntries(times), results })}`,
    );
  } finally {
    await admin.deleteTopics({ topics }).catch(() => {});
    await admin.disconnect();
    await broker?.stop();
    rmSync(chk, { recursive: true, force: true });
  }
}
