/**
 * Stages of a scaled-out job (docs/scale-out.md "Stages and repartition topics"): a window
 * aggregate grouped by user_id over a 6-partition topic whose records are keyed by something else
 * is re-keyed through `<job>-<operator>-repartition`. The same file runs as one `sqc run` process
 * without `'pipeline.scale-out'` and as three scaled-out processes (the aggregate's state per task
 * in its changelog, the sink exactly-once per task); the read_committed output of the scaled-out
 * run equals the single-process run's exactly (kafkajs and kcat), and the repartition topic holds the
 * re-keyed rows (every user in the partition its key hashes to) and the upstream tasks' watermark
 * records.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaForTests, type KafkaForTests } from '../../broker/index.ts';
import { partitionOfKey } from '../../runtime/connectors/kafka/murmur2.ts';
import { WATERMARK_HEADER } from '../../runtime/connectors/kafka/repartition.ts';
import { precompile } from '../crash/harness.ts';
import { Proc, killAll, sleep, until as untilWithin } from './processes.ts';
import { kcatRead, loadProgram, produce, readTopic } from './support.ts';

const PARTITIONS = 6;
const T0 = Date.UTC(2026, 0, 1);

let k: KafkaForTests;
const tmp = mkdtempSync(join(tmpdir(), 'sqc-stages-'));
beforeAll(async () => {
  k = await kafkaForTests();
});
afterAll(async () => {
  killAll();
  await k?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** Waits up to 90 s (the re-keyed stages need longer under load). */
const until = (what: string, cond: () => boolean | Promise<boolean>): Promise<void> => untilWithin(what, cond, 90_000);

/** Clicks i: partition i % 6, keyed by the click (not the user), user u(i % 37), 100 ms apart. */
function clicks(from: number, n: number): { partition: number; key: string; value: string }[] {
  const out = [];
  for (let i = from; i < from + n; i++)
    out.push({
      partition: i % PARTITIONS,
      key: `c${i}`,
      value: JSON.stringify({ id: i, user_id: `u${i % 37}`, ts: new Date(T0 + i * 100).toISOString() }),
    });
  return out;
}

/** One click per partition a minute after the last: every window of the clicks before it closes. */
function closing(after: number): { partition: number; key: string; value: string }[] {
  return Array.from({ length: PARTITIONS }, (_, p) => ({
    partition: p,
    key: `end${p}`,
    value: JSON.stringify({ id: -1, user_id: 'end', ts: new Date(T0 + after * 100 + 60_000).toISOString() }),
  }));
}

/** The job; `scaled`: with `'pipeline.scale-out' = 'true'` (else one process, the default). */
function program(name: string, source: string, sink: string, scaled: boolean): string {
  const brokers = k.brokers.join(',');
  return `
SET 'pipeline.name' = '${name}';
${scaled ? "SET 'pipeline.scale-out' = 'true';\nSET 'pipeline.scale-out.session-timeout' = '3 s';\nSET 'checkpoint.interval' = '1 s';" : ''}
CREATE STREAM clicks (id BIGINT, user_id STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (
  'connector' = 'kafka', 'topic' = '${source}', 'properties.bootstrap.servers' = '${brokers}',
  'scan.startup.mode' = 'earliest-offset', 'format' = 'json'
);
CREATE TABLE per_user (window_start TIMESTAMP(3), user_id STRING, n BIGINT, first_id BIGINT) WITH (
  'connector' = 'kafka', 'topic' = '${sink}', 'properties.bootstrap.servers' = '${brokers}', 'format' = 'json'${
    scaled
      ? `,
  'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = '${name}', 'properties.transaction.timeout.ms' = '30000'`
      : ''
  }
);
INSERT INTO per_user
SELECT window_start, user_id, COUNT(*) AS n, MIN(id) AS first_id
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, user_id;
`;
}

async function values(topic: string): Promise<string[]> {
  return (await readTopic(k.brokers, topic)).map((r) => r.value!).sort();
}

/** Runs `program` as `processes` `sqc run` processes until the sink holds `rows` rows; returns them. */
async function run(
  name: string,
  source: string,
  scaled: boolean,
  processes: number,
  rows: number,
  text: typeof program = program,
): Promise<{ out: string[]; sink: string; procs: Proc[] }> {
  const sink = await k.topic(3);
  const job = join(tmp, `${name}.sq`);
  writeFileSync(job, text(name, source, sink, scaled));
  const cache = join(tmp, `cache-${name}`);
  await precompile([job], cache);
  const procs = Array.from({ length: processes }, (_, i) => new Proc(`p${i}`, job, cache, tmp));
  try {
    await until(`${rows} rows from ${name}`, async () => (await values(sink)).length >= rows);
  } catch (e) {
    throw new Error(
      `${(e as Error).message}; got ${(await values(sink)).length}\n${procs.map((p) => p.stderr).join('\n---\n')}`,
      { cause: e },
    );
  }
  await sleep(1_000); // a duplicate would arrive now
  for (const p of procs) p.child.kill('SIGINT');
  for (const p of procs) {
    const code = await Promise.race([p.exit, sleep(30_000).then(() => 'hung')]);
    expect(code, p.stderr).toBe(130);
  }
  return { out: await values(sink), sink, procs };
}

describe('a module with stages', () => {
  it('refuses to run in one process, saying how to', async () => {
    const source = await k.topic(PARTITIONS);
    const sink = await k.topic(1);
    const m = await loadProgram('stages-unscaled', program(k.groupId(), source, sink, true));
    const err = await Promise.resolve()
      .then(() => m.createJob({ set: { 'pipeline.scale-out': 'false' } }).run())
      .then(
        () => null,
        (e: Error) => e.message,
      );
    expect(err).toMatch(
      /"repartition_2" is a repartition topic between two stages of a scaled-out job, and the job runs with 'pipeline.scale-out' = 'false'/,
    );
  });
});

describe('a re-keying window aggregate in stages', () => {
  it('three scaled-out processes write exactly what one process writes; the repartition topic holds re-keyed rows and watermark records', async () => {
    const N = 6_000;
    const source = await k.topic(PARTITIONS);
    await produce(k.kafka, source, clicks(0, N));
    await produce(k.kafka, source, closing(N));
    // every (10 s window, user) pair of the clicks: 100 clicks per window over 37 users
    const windows = N / 100;
    const expectedRows = windows * 37;

    const single = await run(k.groupId(), source, false, 1, expectedRows);
    expect(single.out).toHaveLength(expectedRows);

    const name = k.groupId();
    const scaled = await run(name, source, true, 3, expectedRows);
    expect(scaled.out).toEqual(single.out);
    expect((await kcatRead(k.brokers, scaled.sink)).map((r) => r.value).sort()).toEqual(single.out);
    const owned = scaled.procs.map((p) => p.tasks() ?? []);
    expect(owned.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);

    // the repartition topic: created with the job's task count, rows keyed by user_id in the
    // partition murmur2 gives their key, every upstream task's watermark records in every partition
    const topic = `${name}-insert_into_per_user-window-aggregate-2-repartition`;
    const records = await readTopic(k.brokers, topic);
    const rows = records.filter((r) => r.value !== null);
    expect(rows).toHaveLength(N + PARTITIONS);
    for (const r of rows) expect(r.partition).toBe(partitionOfKey(Buffer.from(r.key!), PARTITIONS));
    expect(rows[0]!.key).toMatch(/^\{"user_id":"[^"]+"\}$/);
    const marks = records
      .filter((r) => r.value === null)
      .map((r) => ({ partition: r.partition, ...JSON.parse(r.headers[WATERMARK_HEADER]!) }));
    for (let p = 0; p < PARTITIONS; p++)
      for (let t = 0; t < PARTITIONS; t++) {
        const last = marks.filter((m) => m.partition === p && m.task === t).at(-1);
        expect(last).toMatchObject({ tasks: PARTITIONS, idle: false });
        // the task's last watermark: its closing click's time minus the 1 s delay
        expect(last.watermark).toBe(T0 + N * 100 + 60_000 - 1_000);
      }
  }, 300_000);
});

/**
 * A histogram of clicks per user per 10 s: the count per user follows the message key (stage 1,
 * stateful, per task), the count of users per click count is re-keyed. The checkpoint interval
 * (4 s) is longer than the session timeout (3 s): stage 1's repartition sink keeps each task's
 * transaction open for an interval, so its transaction timeout comes from the interval.
 */
function histogram(name: string, source: string, sink: string, scaled: boolean): string {
  const brokers = k.brokers.join(',');
  return `
SET 'pipeline.name' = '${name}';
${scaled ? "SET 'pipeline.scale-out' = 'true';\nSET 'pipeline.scale-out.session-timeout' = '3 s';\nSET 'checkpoint.interval' = '4 s';" : ''}
CREATE STREAM clicks (id BIGINT, user_id STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (
  'connector' = 'kafka', 'topic' = '${source}', 'properties.bootstrap.servers' = '${brokers}',
  'scan.startup.mode' = 'earliest-offset', 'format' = 'json', 'key.format' = 'json', 'key.fields' = 'user_id',
  'value.fields-include' = 'ALL'
);
CREATE TABLE histogram (window_start TIMESTAMP(3), clicks BIGINT, users BIGINT) WITH (
  'connector' = 'kafka', 'topic' = '${sink}', 'properties.bootstrap.servers' = '${brokers}', 'format' = 'json'${
    scaled
      ? `,
  'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = '${name}', 'properties.transaction.timeout.ms' = '30000'`
      : ''
  }
);
INSERT INTO histogram
SELECT window_start, clicks, COUNT(*) AS users
FROM TABLE(TUMBLE(TABLE (
  SELECT user_id, window_time AS ts, COUNT(*) AS clicks
  FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECOND))
  GROUP BY window_start, window_end, window_time, user_id
), DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, clicks;
`;
}

/** A record of user `user` in the partition its JSON key hashes to, as `key.fields` = 'user_id' expects. */
function keyed(user: string, value: object): { partition: number; key: string; value: string } {
  const key = JSON.stringify({ user_id: user });
  return { partition: partitionOfKey(Buffer.from(key), PARTITIONS), key, value: JSON.stringify(value) };
}

describe('a stateful stage before a repartition', () => {
  it('runs with a checkpoint interval longer than the session timeout; two processes write what one writes', async () => {
    const N = 6_000;
    const source = await k.topic(PARTITIONS);
    const rows = Array.from({ length: N }, (_, i) =>
      keyed(`u${i % 37}`, { id: i, user_id: `u${i % 37}`, ts: new Date(T0 + i * 100).toISOString() }),
    );
    // a late click per partition a minute on: every window of the clicks before it closes
    const ends: ReturnType<typeof keyed>[] = [];
    for (let j = 0; ends.length < PARTITIONS; j++) {
      const r = keyed(`end${j}`, { id: -1, user_id: `end${j}`, ts: new Date(T0 + N * 100 + 60_000).toISOString() });
      if (!ends.some((e) => e.partition === r.partition)) ends.push(r);
    }
    await produce(k.kafka, source, rows);
    await produce(k.kafka, source, ends);
    // per 10 s window, 100 clicks over 37 users: 26 users clicked 3 times, 11 twice
    const expectedRows = (N / 100) * 2;

    const single = await run(k.groupId(), source, false, 1, expectedRows, histogram);
    expect(single.out).toHaveLength(expectedRows);
    expect(single.out.filter((v) => v.includes('"clicks":3,"users":26'))).toHaveLength(N / 100);

    const scaled = await run(k.groupId(), source, true, 2, expectedRows, histogram);
    expect(scaled.out).toEqual(single.out);
    for (const p of scaled.procs) expect(p.stderr).not.toMatch(/transaction\.timeout/);
  }, 300_000);
});
