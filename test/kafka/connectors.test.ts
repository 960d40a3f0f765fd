/**
 * The Kafka connectors end to end against `kafkaForTests()` (an in-process broker, or the
 * cluster in KAFKA_BROKERS): compiled programs read topics and write topics; what they write is
 * read back with a plain reader.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaForTests, startKafkaBroker, type KafkaForTests } from '../../broker/index.ts';
import type { QueryProgress, SinkBatch } from '../../runtime/index.ts';
import { partitionOfKey } from '../../runtime/connectors/kafka/murmur2.ts';
import { PartitionReader, READ_COMMITTED } from '../../runtime/connectors/kafka/cluster.ts';
import { loadProgram, produce, readTopic, type JobModule } from './support.ts';

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

const servers = () => k.brokers.join(',');
const click = (i: number, page: string, ts: number, user = `u${i % 7}`) =>
  JSON.stringify({ user_id: user, page, ts: iso(ts) });

describe('kafka source', () => {
  it('resumes from its checkpoint exactly: a job stopped mid-stream and restarted writes what one run writes', async () => {
    const src = await k.topic(3);
    const events = Array.from({ length: 900 }, (_, i) => ({
      partition: i % 3,
      value: click(i, ['/', '/a', '/b'][i % 3]!, T0 + i * 1_000),
    }));
    await produce(k.kafka, src, events);
    const sq = `
CREATE STREAM clicks (user_id STRING, page STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'kafka', 'topic' = '${src}', 'properties.bootstrap.servers' = '${servers()}',
      'scan.max-offsets-per-trigger' = '50', 'format' = 'json');
CREATE SINK views WITH ('connector' = 'memory');
INSERT INTO views
SELECT window_start, page, COUNT(*) AS n, COUNT(DISTINCT user_id) AS u
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, page;`;
    const m = await loadProgram('kafka_resume', sq);
    const straight: unknown[] = [];
    await m
      .createJob({
        sources: { clicks: { 'scan.bounded.mode': 'latest-offset' } },
        sinks: { views: { rows: straight, json: true } },
      })
      .run();
    const dir = mkdtempSync(join(tmpdir(), 'sqc-kafka-ck-'));
    try {
      const resumed: unknown[] = [];
      let batches = 0;
      const first = m.createJob({
        set: { 'checkpoint.dir': dir, 'checkpoint.interval': '0' },
        sources: { clicks: { 'scan.bounded.mode': 'latest-offset' } },
        sinks: { views: { rows: resumed, json: true } },
      });
      first.on('notice', () => {});
      first.on('progress', () => {
        if (++batches === 7) void first.stop();
      });
      await first.run();
      expect(batches).toBeLessThan(19);
      const second = m.createJob({
        set: { 'checkpoint.dir': dir, 'checkpoint.interval': '0' },
        sources: { clicks: { 'scan.bounded.mode': 'latest-offset' } },
        sinks: { views: { rows: resumed, json: true } },
      });
      second.on('notice', () => {});
      await second.run();
      expect(resumed).toEqual(straight);
      expect(straight.length).toBe(45);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('splits scan.max-offsets-per-trigger across partitions by backlog', async () => {
    const src = await k.topic(2);
    // partition 0 holds 3× the records of partition 1
    const events = [
      ...Array.from({ length: 300 }, (_, i) => ({ partition: 0, value: click(i, '/', T0 + i) })),
      ...Array.from({ length: 100 }, (_, i) => ({ partition: 1, value: click(i, '/', T0 + i) })),
    ];
    await produce(k.kafka, src, events);
    const sq = `
CREATE STREAM clicks (user_id STRING, page STRING, ts TIMESTAMP(3))
WITH ('connector' = 'kafka', 'topic' = '${src}', 'properties.bootstrap.servers' = '${servers()}',
      'scan.max-offsets-per-trigger' = '40', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'memory');
INSERT INTO out SELECT page FROM clicks;`;
    const m = await loadProgram('kafka_split', sq);
    const progress: QueryProgress[] = [];
    const job = m.createJob({
      sources: { clicks: { 'scan.bounded.mode': 'latest-offset' } },
      sinks: { out: { rows: [] } },
    });
    job.on('progress', (p) => progress.push(p));
    await job.run();
    const withRows = progress.filter((p) => p.numInputRows > 0);
    expect(withRows.reduce((n, p) => n + p.numInputRows, 0)).toBe(400);
    for (const p of withRows) expect(p.numInputRows).toBeLessThanOrEqual(41);
    // the first batch, once both partitions are buffered, takes 30 from partition 0 and 10 from partition 1
    const first = withRows.find((p) => p.numInputRows === 40)!;
    const start = first.sources[0]!.startOffset as { next: Record<string, Record<string, number>> };
    const end = first.sources[0]!.endOffset as { next: Record<string, Record<string, number>> };
    const d0 = end.next[src]!['0']! - start.next[src]!['0']!;
    const d1 = end.next[src]!['1']! - start.next[src]!['1']!;
    expect(d0 / (d0 + d1)).toBeGreaterThan(0.6);
    expect(d1).toBeGreaterThan(0);
  });

  it('reads metadata columns and key columns from the record key (EXCEPT_KEY)', async () => {
    const src = await k.topic(2);
    await produce(k.kafka, src, [
      {
        partition: 1,
        key: '{"user_id":"u1"}',
        value: '{"page":"/x"}',
        headers: { trace: 'abc' },
        timestamp: String(T0),
      },
      { partition: 1, key: '{"user_id":"u2"}', value: '{"page":"/y"}', timestamp: String(T0 + 5) },
    ]);
    const sq = `
CREATE STREAM clicks (
  user_id STRING, page STRING,
  k STRING METADATA FROM 'key' VIRTUAL, t STRING METADATA FROM 'topic' VIRTUAL,
  p INT METADATA FROM 'partition' VIRTUAL, o BIGINT METADATA FROM 'offset' VIRTUAL,
  ts TIMESTAMP(3) METADATA FROM 'timestamp', h MAP<STRING, STRING> METADATA FROM 'headers' VIRTUAL
) WITH ('connector' = 'kafka', 'topic' = '${src}', 'properties.bootstrap.servers' = '${servers()}',
        'key.format' = 'json', 'key.fields' = 'user_id', 'value.fields-include' = 'EXCEPT_KEY', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'memory');
INSERT INTO out SELECT user_id, page, k, t, p, o, ts, h FROM clicks;`;
    const m = await loadProgram('kafka_meta', sq);
    const rows: unknown[] = [];
    await m
      .createJob({
        sources: { clicks: { 'scan.bounded.mode': 'latest-offset' } },
        sinks: { out: { rows, json: true } },
      })
      .run();
    expect(rows).toEqual([
      { user_id: 'u1', page: '/x', k: '{"user_id":"u1"}', t: src, p: 1, o: 0, ts: iso(T0), h: { trace: 'abc' } },
      { user_id: 'u2', page: '/y', k: '{"user_id":"u2"}', t: src, p: 1, o: 1, ts: iso(T0 + 5), h: null },
    ]);
  });

  it('writes the timestamp and headers metadata columns into each record (read back by kafkajs and by kcat)', async () => {
    const src = await k.topic(1);
    const out = await k.topic(2);
    await produce(
      k.kafka,
      src,
      Array.from({ length: 50 }, (_, i) => ({
        value: JSON.stringify({ page: `/p${i}`, ts: iso(T0 + i * 1_000) }),
        headers: i % 5 === 0 ? {} : { trace: `t${i}`, 'user-agent': i % 2 ? 'curl' : 'kcat' },
      })),
    );
    const sq = `
CREATE STREAM clicks (page STRING, ts TIMESTAMP_LTZ(3), h MAP<STRING, STRING> METADATA FROM 'headers' VIRTUAL)
WITH ('connector' = 'kafka', 'topic' = '${src}', 'properties.bootstrap.servers' = '${servers()}', 'format' = 'json');
CREATE SINK out (page STRING, event_time TIMESTAMP_LTZ(3) METADATA FROM 'timestamp', hs MAP<STRING, STRING> METADATA FROM 'headers')
WITH ('connector' = 'kafka', 'topic' = '${out}', 'properties.bootstrap.servers' = '${servers()}', 'format' = 'json',
      'key.fields' = 'page');
INSERT INTO out SELECT page, ts, h FROM clicks;`;
    const m = await loadProgram('kafka_write_meta', sq);
    await m.createJob({ sources: { clicks: { 'scan.bounded.mode': 'latest-offset' } } }).run();
    const back = (await readTopic(k.brokers, out)).sort((a, b) => a.timestamp - b.timestamp);
    expect(back.map((r) => [r.value, r.timestamp, r.headers])).toEqual(
      Array.from({ length: 50 }, (_, i) => [
        JSON.stringify({ page: `/p${i}` }),
        T0 + i * 1_000,
        i % 5 === 0 ? {} : { trace: `t${i}`, 'user-agent': i % 2 ? 'curl' : 'kcat' },
      ]),
    );
    // librdkafka sees the same: '%h' prints the headers as k=v,k=v, '%T' the timestamp in ms
    const kcat = await new Promise<{ status: number | null; out: string }>((resolve) => {
      const child = spawn('kcat', ['-b', servers(), '-C', '-t', out, '-e', '-q', '-f', '%k|%h|%T\\n'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.on('exit', (status) => resolve({ status, out: text }));
    });
    expect(kcat.status).toBe(0);
    const seen = kcat.out
      .trim()
      .split('\n')
      .map((line) => line.split('|'))
      .sort((a, b) => Number(a[2]) - Number(b[2]));
    expect(seen).toEqual(
      Array.from({ length: 50 }, (_, i) => [
        JSON.stringify({ page: `/p${i}` }),
        i % 5 === 0 ? '' : `trace=t${i},user-agent=${i % 2 ? 'curl' : 'kcat'}`,
        String(T0 + i * 1_000),
      ]),
    );
  });

  it('stops at a malformed record naming topic, partition and offset, or skips and counts it', async () => {
    const src = await k.topic(1);
    await produce(k.kafka, src, [
      { value: click(0, '/', T0) },
      { value: '{"page": "/", "ts": ' },
      { value: click(2, '/', T0) },
    ]);
    const sq = (ignore: boolean) => `
CREATE STREAM clicks (user_id STRING, page STRING, ts TIMESTAMP(3))
WITH ('connector' = 'kafka', 'topic' = '${src}', 'properties.bootstrap.servers' = '${servers()}', 'format' = 'json'
      ${ignore ? ", 'json.ignore-parse-errors' = 'true'" : ''});
CREATE SINK out WITH ('connector' = 'memory');
INSERT INTO out SELECT page FROM clicks;`;
    const failing = await loadProgram('kafka_bad', sq(false));
    await expect(
      failing
        .createJob({ sources: { clicks: { 'scan.bounded.mode': 'latest-offset' } }, sinks: { out: { rows: [] } } })
        .run(),
    ).rejects.toThrow(
      new RegExp(
        `^query "insert_into_out" failed reading source "clicks" at topic ${src} partition 0 offset 1: malformed record: invalid JSON`,
      ),
    );
    const skipping = await loadProgram('kafka_skip', sq(true));
    const rows: unknown[] = [];
    const progress: QueryProgress[] = [];
    const job = skipping.createJob({
      sources: { clicks: { 'scan.bounded.mode': 'latest-offset' } },
      sinks: { out: { rows } },
    });
    job.on('progress', (p) => progress.push(p));
    await job.run();
    expect(rows.length).toBe(2);
    expect(progress.reduce((n, p) => n + p.parseErrorsSkipped, 0)).toBe(1);
  });

  it('starts where scan.startup.mode says: latest, timestamp, specific offsets, group offsets', async () => {
    const src = await k.topic(2);
    await produce(
      k.kafka,
      src,
      Array.from({ length: 20 }, (_, i) => ({
        partition: i % 2,
        value: click(i, `/${i}`, T0),
        timestamp: String(T0 + i * 1000),
      })),
    );
    const sq = `
CREATE STREAM clicks (user_id STRING, page STRING, ts TIMESTAMP(3))
WITH ('connector' = 'kafka', 'topic' = '${src}', 'properties.bootstrap.servers' = '${servers()}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'memory');
INSERT INTO out SELECT page FROM clicks;`;
    const m = await loadProgram('kafka_startup', sq);
    const pages = async (o: Record<string, string>) => {
      const rows: { page: string }[] = [];
      await m
        .createJob({ sources: { clicks: { 'scan.bounded.mode': 'latest-offset', ...o } }, sinks: { out: { rows } } })
        .run();
      return rows.map((r) => Number(r.page.slice(1))).sort((a, b) => a - b);
    };
    expect(await pages({ 'scan.startup.mode': 'earliest-offset' })).toEqual([...Array(20).keys()]);
    expect(await pages({ 'scan.startup.mode': 'latest-offset' })).toEqual([]);
    expect(
      await pages({ 'scan.startup.mode': 'timestamp', 'scan.startup.timestamp-millis': String(T0 + 15_000) }),
    ).toEqual([15, 16, 17, 18, 19]);
    expect(
      await pages({
        'scan.startup.mode': 'specific-offsets',
        'scan.startup.specific-offsets': 'partition:0,offset:8;partition:1,offset:9',
      }),
    ).toEqual([16, 18, 19]);
    const group = k.groupId();
    // a standalone commit (kafkajs's admin.setOffsets joins the group and waits for a fetch)
    const reader = new PartitionReader({ brokers: k.brokers, connectionTimeout: 5_000 }, READ_COMMITTED);
    await reader.commitGroupOffsets(group, { [src]: { '0': 9 } });
    await reader.disconnect();
    expect(await pages({ 'scan.startup.mode': 'group-offsets', 'properties.group.id': group })).toEqual([
      1, 3, 5, 7, 9, 11, 13, 15, 17, 18, 19,
    ]);
    // the group's offsets are committed after the batch, for monitoring
    const committed = await k.admin.fetchOffsets({ groupId: group, topics: [src] });
    expect(committed[0]!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([
      [0, '10'],
      [1, '10'],
    ]);
  });
});

const passThrough = (src: string, extra = '') => passThroughAt(servers(), src, extra);
const passThroughAt = (brokers: string, src: string, extra = '') => `
CREATE STREAM clicks (user_id STRING, page STRING, ts TIMESTAMP(3))
WITH ('connector' = 'kafka', 'topic' = '${src}', 'properties.bootstrap.servers' = '${brokers}', 'format' = 'json'${extra});
CREATE SINK out WITH ('connector' = 'memory');
INSERT INTO out SELECT page FROM clicks;`;

describe('compressed topics', () => {
  it('reads records compressed with gzip, snappy, lz4 and zstd by kcat (librdkafka), and writes gzip, snappy and lz4', async () => {
    const kcat = spawnSync('kcat', ['-V']);
    if (kcat.error || kcat.status !== 0)
      throw new Error('kcat is not installed: this test needs it (`apt-get install -y kcat`; .ci/run installs it)');
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
      const src = await k.topic(1);
      const lines = Array.from({ length: 200 }, (_, i) => click(i, `/${codec}/${i}`, T0)).join('\n') + '\n';
      // async: the in-process broker answers from this process
      const status = await new Promise<number | null>((resolve) => {
        const child = spawn('kcat', ['-b', servers(), '-P', '-t', src, '-z', codec, '-X', 'linger.ms=50'], {
          stdio: ['pipe', 'ignore', 'inherit'],
        });
        child.on('exit', resolve);
        child.stdin.end(lines);
      });
      expect(status).toBe(0);
      const m = await loadProgram(`kafka_codec_${codec}`, passThrough(src));
      const rows: { page: string }[] = [];
      await m
        .createJob({ sources: { clicks: { 'scan.bounded.mode': 'latest-offset' } }, sinks: { out: { rows } } })
        .run();
      expect(rows.map((x) => x.page)).toEqual(Array.from({ length: 200 }, (_, i) => `/${codec}/${i}`));
      if (codec === 'zstd') continue;
      // and written in that codec, read back
      const out = await k.topic(2);
      const w = await loadProgram(
        `kafka_codec_out_${codec}`,
        `${passThrough(src).replace(/CREATE SINK out[^;]*;/, '')}
CREATE SINK out2 WITH ('connector' = 'kafka', 'topic' = '${out}', 'properties.bootstrap.servers' = '${servers()}',
  'format' = 'json', 'properties.compression.type' = '${codec}');
INSERT INTO out2 SELECT page FROM clicks;`.replace(/INSERT INTO out SELECT page FROM clicks;/, ''),
      );
      await w.createJob({ sources: { clicks: { 'scan.bounded.mode': 'latest-offset' } } }).run();
      const back = await readTopic(k.brokers, out);
      expect(back.map((x) => JSON.parse(x.value!).page).sort()).toEqual(rows.map((x) => x.page).sort());
    }
  });
});

describe('read_committed', () => {
  it('hides transactions aborted in another order than they began (the progress topic of several exactly-once sinks after a restart)', async () => {
    // Two writers' transactions overlap on one partition; the one that began first is aborted
    // last (a restart fences the sinks one after another), so the broker lists the aborted
    // transactions out of first-offset order. Shown, the first one's progress record made a
    // restarted exactly-once sink skip a batch it had never committed.
    const topic = await k.topic(1);
    const writer = async (id: string) => {
      const p = k.kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
      await p.connect();
      return p;
    };
    const [first, second, third] = await Promise.all([
      writer(`${topic}-a`),
      writer(`${topic}-b`),
      writer(`${topic}-c`),
    ]);
    try {
      const send = (t: Awaited<ReturnType<typeof first.transaction>>, value: string) =>
        t.send({ topic, messages: [{ key: value, value, partition: 0 }], acks: -1 });
      const ta = await first.transaction();
      await send(ta, 'a: aborted, began first');
      const tb = await second.transaction();
      await send(tb, 'b: aborted, began second');
      await tb.abort();
      await send(ta, 'a: aborted, after b ended');
      await ta.abort();
      const tc = await third.transaction();
      await send(tc, 'c: committed');
      await tc.commit();
      expect((await readTopic(k.brokers, topic)).map((r) => r.value)).toEqual(['c: committed']);
    } finally {
      await Promise.all([first, second, third].map((p) => p.disconnect()));
    }
  });
});

describe('kafka faults', () => {
  it('a missing topic is an error naming it', async () => {
    const m = await loadProgram('kafka_missing', passThrough('no-such-topic-here'));
    await expect(m.createJob({ sinks: { out: { rows: [] } } }).run()).rejects.toThrow(
      `query "insert_into_out" failed reading source "clicks": source "clicks" (topic no-such-topic-here): topic "no-such-topic-here" does not exist at ${servers()}\n  hint: create the topic first (sqc never creates the topics it reads), or fix the topic name`,
    );
  });

  it('unreachable brokers at start: retried for connect.retry-timeout, then an error naming the bootstrap servers', async () => {
    const m = await loadProgram('kafka_unreachable', passThrough('t'));
    const notices: string[] = [];
    const job = m.createJob({
      sources: { clicks: { 'properties.bootstrap.servers': '127.0.0.1:1', 'connect.retry-timeout': '1 s' } },
      sinks: { out: { rows: [] } },
    });
    job.on('notice', (n) => notices.push(n));
    const err = await job.run().then(
      () => null,
      (e: Error) => e,
    );
    expect(err!.message).toMatch(
      /^query "insert_into_out" failed reading source "clicks": source "clicks" \(topic t\): cannot reach the Kafka brokers at 127\.0\.0\.1:1 \(.*ECONNREFUSED.*\); gave up after retrying for 1 s\n  hint: check properties\.bootstrap\.servers and that the brokers are running and reachable from here; 'connect\.retry-timeout' sets how long to retry \(now 1 s\)$/,
    );
    expect(notices[0]).toMatch(
      /^source "clicks" \(topic t\): cannot reach the Kafka brokers at 127\.0\.0\.1:1 .*; retrying for up to 1 s$/,
    );
  });

  it('offsets that vanished (a recreated topic) are an error naming topic, partition and offsets, or a warning when opted out', async () => {
    const src = await k.topic(1);
    await produce(
      k.kafka,
      src,
      Array.from({ length: 10 }, (_, i) => ({ value: click(i, `/${i}`, T0) })),
    );
    const m = await loadProgram('kafka_loss', passThrough(src));
    const dir = mkdtempSync(join(tmpdir(), 'sqc-kafka-loss-'));
    try {
      // available-now: each run reads what exists and stops without finishing the query
      const run = (o: Record<string, string> = {}) => {
        const rows: { page: string }[] = [];
        const notices: string[] = [];
        const job = m.createJob({
          set: { 'checkpoint.dir': dir, 'trigger.mode': 'available-now' },
          sources: { clicks: o },
          sinks: { out: { rows } },
        });
        job.on('notice', (n) => notices.push(n));
        return { job, rows, notices };
      };
      const first = run();
      await first.job.run();
      expect(first.rows.length).toBe(10);
      // the topic is deleted and recreated with fewer records: offset 10 is beyond its end
      await k.admin.deleteTopics({ topics: [src] });
      await k.admin.createTopics({ topics: [{ topic: src, numPartitions: 1 }], waitForLeaders: true });
      await produce(
        k.kafka,
        src,
        Array.from({ length: 3 }, (_, i) => ({ value: click(i, `/new${i}`, T0) })),
      );
      await expect(run().job.run()).rejects.toThrow(
        `query "insert_into_out" failed reading source "clicks": source "clicks" (topic ${src}): data loss: offset 10 of topic ${src} partition 0 is beyond the end of the log (offset 3): the topic was deleted and recreated, or truncated\n  hint: records the query had not read yet are gone (retention shorter than the job's lag, or a recreated topic). To skip them and go on from the log start, set 'scan.fail-on-data-loss' = 'false'; to start over, delete the checkpoint directory`,
      );
      const third = run({ 'scan.fail-on-data-loss': 'false' });
      await third.job.run();
      expect(third.rows.map((r) => r.page)).toEqual(['/new0', '/new1', '/new2']);
      expect(third.notices).toContain(
        `warning: source "clicks" (topic ${src}): data loss: offset 10 of topic ${src} partition 0 is beyond the end of the log (offset 3): the topic was deleted and recreated, or truncated; going on from offset 0 ('scan.fail-on-data-loss' = 'false')`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('offsets removed by retention are an error naming the range, or skipped and counted when opted out', async () => {
    const src = await k.topic(1);
    const pages = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ value: click(i, `/${from + i}`, T0) }));
    await produce(k.kafka, src, pages(0, 10));
    const m = await loadProgram('kafka_retention', passThrough(src));
    const dir = mkdtempSync(join(tmpdir(), 'sqc-kafka-retention-'));
    try {
      const run = (o: Record<string, string> = {}) => {
        const rows: { page: string }[] = [];
        const notices: string[] = [];
        const job = m.createJob({
          set: { 'checkpoint.dir': dir, 'trigger.mode': 'available-now' },
          sources: { clicks: o },
          sinks: { out: { rows } },
        });
        job.on('notice', (n) => notices.push(n));
        return { job, rows, notices };
      };
      await run().job.run();
      await produce(k.kafka, src, pages(10, 10));
      // retention removes offsets 10..14 before the job reads them
      if (k.broker !== null) k.broker.deleteRecords(src, 0, 15);
      else await k.admin.deleteTopicRecords({ topic: src, partitions: [{ partition: 0, offset: '15' }] });
      await expect(run().job.run()).rejects.toThrow(
        `source "clicks" (topic ${src}): data loss: offsets 10..14 of topic ${src} partition 0 are no longer available (the log now starts at offset 15)`,
      );
      const skipped = run({ 'scan.fail-on-data-loss': 'false' });
      await skipped.job.run();
      expect(skipped.rows.map((r) => r.page)).toEqual(['/15', '/16', '/17', '/18', '/19']);
      expect(skipped.notices).toContain(
        `warning: source "clicks" (topic ${src}): data loss: offsets 10..14 of topic ${src} partition 0 are no longer available (the log now starts at offset 15); going on from offset 15 ('scan.fail-on-data-loss' = 'false')`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a partition added while running, from its earliest offset', async () => {
    const src = await k.topic(1);
    await produce(k.kafka, src, [{ partition: 0, value: click(0, '/p0', T0) }]);
    const m = await loadProgram(
      'kafka_discovery',
      passThrough(src, ", 'scan.topic-partition-discovery.interval' = '200 ms'"),
    );
    const rows: { page: string }[] = [];
    const notices: string[] = [];
    const job = m.createJob({ sinks: { out: { rows } } });
    job.on('notice', (n) => notices.push(n));
    await job.start();
    await until(() => rows.length === 1);
    await k.admin.createPartitions({ topicPartitions: [{ topic: src, count: 2 }] });
    await produce(k.kafka, src, [{ partition: 1, value: click(1, '/p1', T0) }]);
    await until(() => rows.length === 2);
    await job.stop();
    expect(rows.map((r) => r.page)).toEqual(['/p0', '/p1']);
    expect(notices).toContain(
      `source "clicks" (topic ${src}): reading new partition ${src}/1 from the earliest offset`,
    );
  });
});

describe('upsert-kafka', () => {
  it('sink: EMIT CHANGES values keyed by the primary key; the last value per key is the result', async () => {
    const src = await k.topic(2);
    const out = await k.topic(3);
    const events = Array.from({ length: 300 }, (_, i) => ({
      partition: i % 2,
      value: JSON.stringify({ category: `c${i % 3}`, behavior: i % 2 ? 'buy' : 'view', ts: iso(T0 + i * 1000) }),
    }));
    await produce(k.kafka, src, events);
    const sq = `
CREATE STREAM ev (category STRING, behavior STRING, ts TIMESTAMP(3))
WITH ('connector' = 'kafka', 'topic' = '${src}', 'properties.bootstrap.servers' = '${servers()}',
      'scan.max-offsets-per-trigger' = '40', 'format' = 'json');
CREATE TABLE stats (category STRING, behavior STRING, n BIGINT, PRIMARY KEY (category, behavior) NOT ENFORCED)
WITH ('connector' = 'upsert-kafka', 'topic' = '${out}', 'properties.bootstrap.servers' = '${servers()}',
      'key.format' = 'json', 'format' = 'json');
INSERT INTO stats SELECT category, behavior, COUNT(*) AS n FROM ev GROUP BY category, behavior;`;
    const m = await loadProgram('upsert_sink', sq);
    await m.createJob({ sources: { ev: { 'scan.bounded.mode': 'latest-offset' } } }).run();
    const records = await readTopic(k.brokers, out);
    expect(records.length).toBeGreaterThan(6); // one update per changed key per batch
    const last = new Map<string, string | null>();
    for (const r of records) {
      expect(r.partition).toBe(partitionOfKey(Buffer.from(r.key!), 3));
      last.set(r.key!, r.value);
    }
    expect(
      [...last]
        .map(([key, v]) => [JSON.parse(key), JSON.parse(v!).n])
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toEqual(
      [
        [{ category: 'c0', behavior: 'buy' }, 50],
        [{ category: 'c0', behavior: 'view' }, 50],
        [{ category: 'c1', behavior: 'buy' }, 50],
        [{ category: 'c1', behavior: 'view' }, 50],
        [{ category: 'c2', behavior: 'buy' }, 50],
        [{ category: 'c2', behavior: 'view' }, 50],
      ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
  });

  it('source: a changelog — values update their key (+U), a tombstone deletes it (-D)', async () => {
    const src = await k.topic(1);
    await produce(k.kafka, src, [
      { key: '{"id":"a"}', value: '{"id":"a","v":1}' },
      { key: '{"id":"b"}', value: '{"id":"b","v":2}' },
      { key: '{"id":"a"}', value: '{"id":"a","v":3}' },
      { key: '{"id":"b"}', value: null },
    ]);
    const sq = `
CREATE TABLE t (id STRING, v INT, PRIMARY KEY (id) NOT ENFORCED)
WITH ('connector' = 'upsert-kafka', 'topic' = '${src}', 'properties.bootstrap.servers' = '${servers()}',
      'key.format' = 'json', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'memory');
INSERT INTO out SELECT id, v FROM t EMIT CHANGES;`;
    const m = await loadProgram('upsert_source', sq);
    const got: string[] = [];
    await m
      .createJob({
        set: { 'trigger.mode': 'available-now' },
        sinks: {
          out: {
            onBatch: (b: SinkBatch) => {
              b.rows.forEach((r, i) => got.push(`${b.kinds[i]} ${JSON.stringify(r)}`));
            },
          },
        },
      })
      .run();
    expect(got).toEqual([
      '+U {"id":"a","v":1}',
      '+U {"id":"b","v":2}',
      '+U {"id":"a","v":3}',
      '-D {"id":"b","v":null}',
    ]);
  });
});

/** Runs `m` over what its topics hold now (available-now); the rows its memory sink `out` got, with their kinds. */
async function changelogOf(m: JobModule): Promise<string[]> {
  const got: string[] = [];
  await m
    .createJob({
      set: { 'trigger.mode': 'available-now' },
      sinks: {
        out: { onBatch: (b: SinkBatch) => b.rows.forEach((r, i) => got.push(`${b.kinds[i]} ${JSON.stringify(r)}`)) },
      },
    })
    .run();
  return got;
}

describe('upsert-kafka read by an aggregate (retractions)', () => {
  it('the latest row per key is normalised into retractions: a new value takes the old one back, a tombstone deletes it', async () => {
    const src = await k.topic(1);
    await produce(k.kafka, src, [
      { key: '{"id":"a"}', value: '{"id":"a","cat":"x","p":1}' },
      { key: '{"id":"b"}', value: '{"id":"b","cat":"x","p":2}' },
      { key: '{"id":"a"}', value: '{"id":"a","cat":"x","p":3}' },
      { key: '{"id":"b"}', value: null },
      { key: '{"id":"c"}', value: '{"id":"c","cat":"y","p":5}' },
      // c moves to category x: y loses its only row (created and deleted in one batch)
      { key: '{"id":"c"}', value: '{"id":"c","cat":"x","p":6}' },
    ]);
    const sq = `
CREATE TABLE t (id STRING, cat STRING, p INT, PRIMARY KEY (id) NOT ENFORCED)
WITH ('connector' = 'upsert-kafka', 'topic' = '${src}', 'properties.bootstrap.servers' = '${servers()}',
      'key.format' = 'json', 'format' = 'json', 'scan.max-offsets-per-trigger' = '2');
CREATE SINK out WITH ('connector' = 'memory');
INSERT INTO out SELECT cat, SUM(p) AS total, COUNT(*) AS n, MAX(p) AS top FROM t GROUP BY cat;`;
    const m = await loadProgram('upsert_source_aggregate', sq);
    expect(await changelogOf(m)).toEqual([
      '+I {"cat":"x","total":3,"n":2,"top":2}',
      '+U {"cat":"x","total":3,"n":1,"top":3}',
      '+U {"cat":"x","total":9,"n":2,"top":6}',
    ]);
  });
});

describe('upsert-kafka with a composite PRIMARY KEY', () => {
  it('source: the compiler hands the key columns to the runtime; CSV keys, tombstones delete (region, id)', async () => {
    const src = await k.topic(2);
    // key.format 'csv': the record key is 'region,id' and names no columns, so only the declared
    // PRIMARY KEY says which columns it holds; the values leave the key out (EXCEPT_KEY)
    await produce(k.kafka, src, [
      { partition: 0, key: 'eu,a', value: '{"v":1}' },
      { partition: 0, key: 'us,a', value: '{"v":2}' },
      { partition: 0, key: 'eu,a', value: '{"v":3}' },
      { partition: 0, key: 'us,a', value: null },
      { partition: 0, key: 'eu,b', value: '{"v":4}' },
    ]);
    const sq = `
CREATE TABLE t (region STRING, id STRING, v INT, PRIMARY KEY (region, id) NOT ENFORCED)
WITH ('connector' = 'upsert-kafka', 'topic' = '${src}', 'properties.bootstrap.servers' = '${servers()}',
      'key.format' = 'csv', 'format' = 'json', 'value.fields-include' = 'EXCEPT_KEY');
CREATE SINK out WITH ('connector' = 'memory');
INSERT INTO out SELECT region, id, v FROM t EMIT CHANGES;`;
    const m = await loadProgram('upsert_source_composite', sq);
    expect(await changelogOf(m)).toEqual([
      '+U {"region":"eu","id":"a","v":1}',
      '+U {"region":"us","id":"a","v":2}',
      '+U {"region":"eu","id":"a","v":3}',
      '-D {"region":"us","id":"a","v":null}',
      '+U {"region":"eu","id":"b","v":4}',
    ]);
  });

  it('sink: the record key is the composite PRIMARY KEY in key.format, values without the key columns (EXCEPT_KEY)', async () => {
    const src = await k.topic(1);
    const out = await k.topic(2);
    await produce(
      k.kafka,
      src,
      Array.from({ length: 60 }, (_, i) => ({
        value: JSON.stringify({ region: i % 2 ? 'eu' : 'us', id: `i${i % 3}`, amount: i }),
      })),
    );
    const sq = `
CREATE STREAM orders (region STRING, id STRING, amount INT)
WITH ('connector' = 'kafka', 'topic' = '${src}', 'properties.bootstrap.servers' = '${servers()}', 'format' = 'json');
CREATE TABLE totals (region STRING, id STRING, total BIGINT, PRIMARY KEY (region, id) NOT ENFORCED)
WITH ('connector' = 'upsert-kafka', 'topic' = '${out}', 'properties.bootstrap.servers' = '${servers()}',
      'key.format' = 'csv', 'format' = 'json', 'value.fields-include' = 'EXCEPT_KEY');
INSERT INTO totals SELECT region, id, SUM(amount) AS total FROM orders GROUP BY region, id;`;
    const m = await loadProgram('upsert_sink_composite', sq);
    await m.createJob({ sources: { orders: { 'scan.bounded.mode': 'latest-offset' } } }).run();
    const last = new Map<string, string | null>();
    for (const r of await readTopic(k.brokers, out)) {
      expect(r.partition).toBe(partitionOfKey(Buffer.from(r.key!), 2));
      last.set(r.key!, r.value);
    }
    const expected = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const key = `${i % 2 ? 'eu' : 'us'},i${i % 3}`;
      expected.set(key, (expected.get(key) ?? 0) + i);
    }
    expect(new Map([...last].map(([key, v]) => [key, JSON.parse(v!) as unknown]))).toEqual(
      new Map([...expected].map(([key, total]) => [key, { total }])),
    );
  });
});

describe.skipIf(process.env['KAFKA_BROKERS'])(
  'kafka broker lost while running (in-process broker, stopped and restarted)',
  () => {
    interface Lost {
      readonly port: number;
      readonly kafka: Kafka;
      readonly m: JobModule;
      /** A fresh checkpoint directory. */
      readonly dir: string;
      restart(): Promise<void>;
      stop(): Promise<void>;
      /** Produces pages `/from` .. `/from+n-1` over the topic's two partitions. */
      more(from: number, n: number): Promise<void>;
    }

    /** A broker with a data directory on a fixed port, topic `clicks` holding pages /0../n-1, and a pass-through job. */
    async function withBroker(n: number, fn: (b: Lost) => Promise<void>): Promise<void> {
      const dataDir = mkdtempSync(join(tmpdir(), 'sqc-kafka-data-'));
      const dir = mkdtempSync(join(tmpdir(), 'sqc-kafka-lost-'));
      let broker = await startKafkaBroker({ dataDir, log: () => {} });
      const port = broker.port;
      const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: 0 });
      try {
        const admin = kafka.admin();
        await admin.connect();
        await admin.createTopics({ topics: [{ topic: 'clicks', numPartitions: 2 }] });
        await admin.disconnect();
        const more = (from: number, count: number) =>
          produce(
            kafka,
            'clicks',
            Array.from({ length: count }, (_, i) => ({ partition: i % 2, value: click(i, `/${from + i}`, T0) })),
          );
        await more(0, n);
        const m = await loadProgram(`kafka_lost_${n}`, passThroughAt(`127.0.0.1:${port}`, 'clicks'));
        await fn({
          port,
          kafka,
          m,
          dir,
          more,
          restart: async () => {
            broker = await startKafkaBroker({ dataDir, port, log: () => {} });
          },
          stop: () => broker.stop(),
        });
      } finally {
        await broker.stop().catch(() => {});
        rmSync(dataDir, { recursive: true, force: true });
        rmSync(dir, { recursive: true, force: true });
      }
    }

    const pagesOf = (rows: { page: string }[]) => rows.map((r) => Number(r.page.slice(1))).sort((x, y) => x - y);

    it('pauses, says so, and resumes without losing or duplicating a record when the broker comes back', async () => {
      await withBroker(100, async (b) => {
        const rows: { page: string }[] = [];
        const notices: string[] = [];
        const job = b.m.createJob({
          set: { 'checkpoint.dir': b.dir },
          sources: { clicks: { 'connect.retry-timeout': '60 s' } },
          sinks: { out: { rows } },
        });
        job.on('notice', (n) => notices.push(n));
        await job.start();
        await until(() => rows.length === 100);
        await b.stop();
        await until(() => notices.some((n) => n.includes('the query is paused and retries')));
        await b.restart();
        await b.more(100, 100);
        await until(() => rows.length >= 200);
        await job.stop();
        expect(pagesOf(rows)).toEqual([...Array(200).keys()]);
        expect(notices.find((n) => n.includes('paused'))).toMatch(
          new RegExp(
            `^source "clicks" \\(topic clicks\\): cannot reach the Kafka brokers at 127\\.0\\.0\\.1:${b.port} \\(.*\\); the query is paused and retries for up to 60 s$`,
          ),
        );
        expect(notices).toContain('source "clicks" (topic clicks): the Kafka brokers are reachable again; resuming');
      });
    });

    it('after the retry budget it stops with its checkpoint intact; a rerun resumes exactly', async () => {
      await withBroker(50, async (b) => {
        const rows: { page: string }[] = [];
        const job = b.m.createJob({
          set: { 'checkpoint.dir': b.dir },
          sources: { clicks: { 'connect.retry-timeout': '1 s' } },
          sinks: { out: { rows } },
        });
        job.on('notice', () => {});
        await job.start();
        await until(() => rows.length === 50);
        await b.stop();
        await expect(job.awaitTermination()).rejects.toThrow(
          /^query "insert_into_out" failed reading source "clicks": source "clicks" \(topic clicks\): cannot reach the Kafka brokers at .*; gave up after retrying for \d+ s\n  hint: the job stopped; its checkpoint is intact up to the last committed batch\. Run it again once the brokers are back to resume \('connect\.retry-timeout' sets how long to retry\)$/,
        );
        await b.restart();
        await b.more(50, 50);
        const again = b.m.createJob({
          set: { 'checkpoint.dir': b.dir, 'trigger.mode': 'available-now' },
          sinks: { out: { rows } },
        });
        again.on('notice', () => {});
        await again.run();
        expect(pagesOf(rows)).toEqual([...Array(100).keys()]);
      });
    });
  },
);

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 600 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!ok()) throw new Error('condition not reached in 30 s');
}
