/**
 * The Kafka connectors end to end against `kafkaForTests()` (an in-process broker, or the
 * cluster in KAFKA_BROKERS): compiled programs read topics and write topics; what they write is
 * read back with a plain reader.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaForTests, type KafkaForTests } from '../../broker/index.ts';
import type { QueryProgress } from '../../runtime/index.ts';
import { partitionOfKey } from '../../runtime/connectors/kafka/murmur2.ts';
import { loadProgram, produce, readTopic } from './support.ts';

let k: KafkaForTests;
beforeAll(async () => {
  k = await kafkaForTests();
});
afterAll(async () => {
  await k?.stop();
});

const T0 = Date.UTC(2025, 3, 21, 14, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

function program(src: string, out: string, extra = ''): string {
  return `
CREATE STREAM clicks (user_id STRING, page STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH ('connector' = 'kafka', 'topic' = '${src}', 'properties.bootstrap.servers' = '${k.brokers.join(',')}',
        'scan.startup.mode' = 'earliest-offset', 'format' = 'json'${extra});
CREATE SINK views WITH ('connector' = 'kafka', 'topic' = '${out}',
                        'properties.bootstrap.servers' = '${k.brokers.join(',')}', 'format' = 'json', 'key.fields' = 'page');
INSERT INTO views
SELECT window_start, window_end, page, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, page;
`;
}

describe('kafka source and sink', () => {
  it('reads every partition, windows per page, writes keyed results to the murmur2 partition of the key', async () => {
    const src = await k.topic(3);
    const out = await k.topic(4);
    const pages = ['/', '/a', '/b', '/c'];
    const events = Array.from({ length: 600 }, (_, i) => ({
      partition: i % 3,
      value: JSON.stringify({ user_id: `u${i % 7}`, page: pages[i % 4], ts: iso(T0 + i * 1_000) }),
    }));
    await produce(k.kafka, src, events);
    const m = await loadProgram('kafka_basic', program(src, out));
    const progress: QueryProgress[] = [];
    const job = m.createJob({ sources: { clicks: { 'scan.bounded.mode': 'latest-offset' } } });
    job.on('progress', (p) => progress.push(p));
    await job.run();
    const records = await readTopic(k.brokers, out);
    const rows = records.map((r) => JSON.parse(r.value!) as { window_start: string; page: string; n: number });
    // 600 s of events, one per second, pages round robin: 10 windows × 4 pages × 15 events
    expect(rows.length).toBe(40);
    for (const r of rows) expect(r.n).toBe(15);
    for (const r of records) {
      expect(r.key).toBe(JSON.stringify({ page: JSON.parse(r.value!).page }));
      expect(r.partition).toBe(partitionOfKey(Buffer.from(r.key!), 4));
    }
    expect(progress.reduce((n, p) => n + p.numInputRows, 0)).toBe(600);
    expect(progress.reduce((n, p) => n + p.lateRowsDropped, 0)).toBe(0);
    const last = progress.at(-1)!;
    expect(last.sources[0]!.partitions!.map((p) => p.lag)).toEqual([0, 0, 0]);
  });
});
