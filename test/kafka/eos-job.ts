/**
 * The job of the exactly-once tests (test/kafka/exactly-once.test.ts) and of the `kafka-eos`
 * benchmark: a multi-partition Kafka topic of seeded events read by four queries — a tumbling
 * aggregate (EMIT FINAL) into a `kafka` sink, an EMIT CHANGES aggregate into an `upsert-kafka`
 * sink, a stateless branch into a `kafka` sink (all three exactly-once) and a tumbling aggregate
 * into an exactly-once file sink — and what it writes, read back.
 *
 * Events are spread over the partitions at random, so reading them interleaves partitions that
 * are each nearly in time order (±2 s jitter) but not with each other: disorder across
 * partitions, never late against the 5 s watermark delay. Amounts are integers, so sums do not
 * depend on the order rows are added in; the results do not depend on how batches are cut.
 */
import type { Message } from 'kafkajs';
import { seededRandom } from '../../runtime/random.ts';

export const EOS_T0 = Date.UTC(2025, 3, 21, 14, 0, 0);

/** `n` events over `partitions` partitions, 10 ms apart in event time (±2 s jitter within a partition). */
export function eosEvents(n: number, partitions: number, seed: number): Message[] {
  const rnd = seededRandom(seed);
  const out: Message[] = [];
  for (let i = 0; i < n; i++) {
    const jitter = Math.floor(rnd() * 4_000) - 2_000;
    out.push({
      partition: Math.floor(rnd() * partitions),
      value: JSON.stringify({
        id: i,
        user_id: `u${Math.floor(rnd() * 200)}`,
        page: `/p${Math.floor(rnd() * 40)}`,
        amount: Math.floor(rnd() * 100),
        ts: new Date(EOS_T0 + i * 10 + jitter).toISOString(),
      }),
    });
  }
  return out;
}

export interface EosTopics {
  readonly source: string;
  /** The tumbling aggregate (kafka, keyed by user_id). */
  readonly perUser: string;
  /** The EMIT CHANGES aggregate (upsert-kafka, PRIMARY KEY page). */
  readonly totals: string;
  /** The stateless branch (kafka, keyed by id). */
  readonly big: string;
  readonly progress: string;
}

export interface EosProgramOptions {
  readonly brokers: readonly string[];
  readonly topics: EosTopics;
  readonly prefix: string;
  /** 'exactly-once' (the test) or 'at-least-once' (the benchmark's baseline). */
  readonly guarantee?: 'exactly-once' | 'at-least-once';
  /** `properties.transaction.timeout.ms` of the sinks. */
  readonly transactionTimeoutMs?: number;
  readonly batchSize?: number;
  readonly checkpointInterval?: string;
  /** `trigger.interval`: the least time between two micro-batches of a query (default: none). */
  readonly triggerInterval?: string;
  /** Only the first query (the benchmark: Kafka → tumbling aggregate → Kafka). */
  readonly onlyWindow?: boolean;
}

export function eosProgram(o: EosProgramOptions): string {
  const servers = o.brokers.join(',');
  const sink = (topic: string) =>
    `'properties.bootstrap.servers' = '${servers}', 'topic' = '${topic}', 'format' = 'json', ` +
    `'sink.delivery-guarantee' = '${o.guarantee ?? 'exactly-once'}'` +
    ((o.guarantee ?? 'exactly-once') === 'exactly-once'
      ? `, 'sink.transactional-id-prefix' = '${o.prefix}-${topic}', 'sink.progress-topic' = '${o.topics.progress}'` +
        `, 'properties.transaction.timeout.ms' = '${o.transactionTimeoutMs ?? 60_000}'`
      : '');
  const head = `SET 'pipeline.name' = 'eos';
SET 'checkpoint.dir' = 'chk';
SET 'checkpoint.interval' = '${o.checkpointInterval ?? '200 ms'}';
${o.triggerInterval !== undefined ? `SET 'trigger.interval' = '${o.triggerInterval}';\n` : ''}
CREATE STREAM events (
  id BIGINT NOT NULL, user_id STRING, page STRING, amount BIGINT, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH ('connector' = 'kafka', 'topic' = '${o.topics.source}', 'properties.bootstrap.servers' = '${servers}',
        'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'format' = 'json',
        'scan.max-offsets-per-trigger' = '${o.batchSize ?? 1000}');

CREATE SINK per_user WITH ('connector' = 'kafka', 'key.fields' = 'user_id', ${sink(o.topics.perUser)});

INSERT INTO per_user
SELECT window_start, window_end, user_id, COUNT(*) AS n, SUM(amount) AS total
FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, user_id;
`;
  if (o.onlyWindow) return head;
  return `${head}
CREATE TABLE page_totals (page STRING, views BIGINT, total BIGINT, PRIMARY KEY (page) NOT ENFORCED)
WITH ('connector' = 'upsert-kafka', 'key.format' = 'json', ${sink(o.topics.totals)});
CREATE SINK big WITH ('connector' = 'kafka', 'key.fields' = 'id', ${sink(o.topics.big)});
CREATE SINK per_page WITH ('connector' = 'file', 'path' = 'out/per_page.jsonl', 'format' = 'json');

INSERT INTO page_totals
SELECT page, COUNT(*) AS views, SUM(amount) AS total FROM events GROUP BY page EMIT CHANGES;

INSERT INTO big
SELECT id, user_id, page, amount, ts FROM events WHERE amount >= 90;

INSERT INTO per_page
SELECT window_start, window_end, page, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, page;
`;
}
