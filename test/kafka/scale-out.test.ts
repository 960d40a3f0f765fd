/**
 * Scale-out (docs/scale-out.md, issue 17): the same job started as several `sqc run` processes
 * with `'pipeline.scale-out' = 'true'` joins one consumer group and shares a 6-partition topic's
 * tasks. Processes start, stop and get killed while records keep coming; read back with
 * read_committed, the output holds every input row — exactly once while processes come and go
 * cleanly, at least once when one is SIGKILLed (what this stage of scale-out promises) — and the
 * processes' notices show balanced, sticky assignments. Refusals (co-partitioning, what scale-out
 * does not support yet) run in process.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaForTests, type KafkaForTests } from '../../broker/index.ts';
import type { QueryProgress } from '../../runtime/index.ts';
import { precompile } from '../crash/harness.ts';
import { Proc, killAll, sleep, until } from './processes.ts';
import { kcatRead, loadProgram, produce, readTopic, type JobModule } from './support.ts';

const PARTITIONS = 6;

let k: KafkaForTests;
const tmp = mkdtempSync(join(tmpdir(), 'sqc-scale-'));
beforeAll(async () => {
  k = await kafkaForTests();
});
afterAll(async () => {
  killAll();
  await k?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function events(from: number, n: number): { partition: number; key: string; value: string }[] {
  const out = [];
  for (let i = from; i < from + n; i++)
    out.push({
      partition: i % PARTITIONS,
      key: `k${i}`,
      value: JSON.stringify({ id: i, user_id: `u${i % 37}`, amount: i % 100 }),
    });
  return out;
}

/** What the job writes for events 0..n-1 (the stateless branch: amount ≥ 10, doubled). */
function expected(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++)
    if (i % 100 >= 10) out.push(JSON.stringify({ id: i, user_id: `u${i % 37}`, doubled: (i % 100) * 2 }));
  return out.sort();
}

function program(name: string, source: string, sink: string, exactlyOnce = false): string {
  const eos = exactlyOnce
    ? `, 'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = '${name}', 'properties.transaction.timeout.ms' = '2000'`
    : '';
  return `
SET 'pipeline.name' = '${name}';
SET 'pipeline.scale-out' = 'true';
SET 'pipeline.scale-out.session-timeout' = '3 s';

CREATE TABLE events (id BIGINT, user_id STRING, amount INT) WITH (
  'connector' = 'kafka', 'topic' = '${source}', 'properties.bootstrap.servers' = '${k.brokers.join(',')}',
  'scan.startup.mode' = 'earliest-offset', 'format' = 'json'
);
CREATE TABLE doubled (id BIGINT, user_id STRING, doubled INT) WITH (
  'connector' = 'kafka', 'topic' = '${sink}', 'properties.bootstrap.servers' = '${k.brokers.join(',')}', 'format' = 'json'${eos}
);
INSERT INTO doubled SELECT id, user_id, amount * 2 AS doubled FROM events WHERE amount >= 10;
`;
}

/** A fresh source (with `records` events) and sink, and the job reading one into the other, compiled. */
async function setUp(
  name: string,
  sinkPartitions: number,
  records: number,
  exactlyOnce = false,
): Promise<{ source: string; sink: string; start: (p: string) => Proc }> {
  const source = await k.topic(PARTITIONS);
  const sink = await k.topic(sinkPartitions);
  const job = join(tmp, `${name}.sq`);
  writeFileSync(job, program(k.groupId(), source, sink, exactlyOnce));
  const cache = join(tmp, `cache-${name}`);
  await precompile([job], cache);
  await produce(k.kafka, source, events(0, records));
  return { source, sink, start: (p) => new Proc(p, job, cache, tmp) };
}

async function values(topic: string): Promise<string[]> {
  return (await readTopic(k.brokers, topic)).map((r) => r.value!).sort();
}

describe('scale-out over a consumer group', () => {
  it('three processes share six tasks balanced and sticky; processes starting and stopping lose nothing and duplicate nothing', async () => {
    const { source, sink, start } = await setUp('clean', 3, 3_000);
    const a = start('a');
    const b = start('b');
    await until('a and b to share the tasks', () => a.tasks()?.length === 3 && b.tasks()?.length === 3);
    expect([...a.tasks()!, ...b.tasks()!].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    await until('the first records to be written', async () => (await values(sink)).length > 0);

    // a third process: each of a and b hands over exactly one task (sticky), all three own two
    const aBefore = a.tasks()!;
    const bBefore = b.tasks()!;
    const c = start('c');
    await until(
      'three balanced owners',
      () =>
        c.tasks()?.length === 2 &&
        a.tasks()?.length === 2 &&
        b.tasks()?.length === 2 &&
        a.generation() === c.generation() &&
        b.generation() === c.generation(),
    );
    expect([...a.tasks()!, ...b.tasks()!, ...c.tasks()!].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(a.tasks()!.every((t) => aBefore.includes(t))).toBe(true);
    expect(b.tasks()!.every((t) => bBefore.includes(t))).toBe(true);

    await produce(k.kafka, source, events(3_000, 3_000));
    // a stops (SIGINT): it leaves the group, b and c take its tasks where it stopped
    a.child.kill('SIGINT');
    expect(await a.exit).toBe(130); // stopped by SIGINT: interrupted runs exit non-zero
    await until('b and c to own everything', () => b.tasks()?.length === 3 && c.tasks()?.length === 3);
    await produce(k.kafka, source, events(6_000, 3_000));
    const want = expected(9_000);
    await until('every row', async () => (await values(sink)).length >= want.length, 60_000);
    await sleep(500); // a duplicate would arrive now
    expect(await values(sink)).toEqual(want);
    b.child.kill('SIGINT');
    c.child.kill('SIGINT');
    expect(await b.exit).toBe(130); // stopped by SIGINT: interrupted runs exit non-zero
    expect(await c.exit).toBe(130); // stopped by SIGINT: interrupted runs exit non-zero
  });

  it('a SIGKILLed process: the others take its tasks after the session timeout; nothing is lost', async () => {
    const { source, sink, start } = await setUp('kill', 2, 2_000);
    const a = start('a');
    const b = start('b');
    await until('a and b to share the tasks', () => a.tasks()?.length === 3 && b.tasks()?.length === 3);
    await until('the first records to be written', async () => (await values(sink)).length > 0);
    a.child.kill('SIGKILL');
    await a.exit;
    await produce(k.kafka, source, events(2_000, 2_000));
    await until('b to own every task', () => b.tasks()?.length === PARTITIONS);
    const want = expected(4_000);
    await until('every row', async () => new Set(await values(sink)).size >= new Set(want).size, 60_000);
    // at least once: every expected row is there; a killed process's last batch may be written twice
    expect([...new Set(await values(sink))].sort()).toEqual([...new Set(want)].sort());
    expect(b.stderr).toMatch(/took over/);
    b.child.kill('SIGINT');
    expect(await b.exit).toBe(130); // stopped by SIGINT: interrupted runs exit non-zero
  });
});

/** `--set pipeline.scale-out=true` on a job compiled without it (sqc check reports SQ0506 otherwise). */
const SCALE_OUT = { set: { 'pipeline.scale-out': 'true' } };

/** Why the job, scaled out at run time, refuses to start (null: it ran). */
function startError(m: JobModule): Promise<string | null> {
  return m
    .createJob(SCALE_OUT)
    .run()
    .then(
      () => null,
      (e: Error) => e.message,
    );
}

describe('scale-out in one process', () => {
  it('a single member owns every task, reads every partition and says so in its progress records', async () => {
    const { source, sink } = await setUp('single', 1, 600);
    const group = k.groupId();
    const m = await loadProgram('scale-single', program(group, source, sink));
    const job = m.createJob();
    const seen: NonNullable<QueryProgress['tasks']>[] = [];
    let rows = 0;
    job.on('progress', (p) => {
      if (p.tasks) seen.push(p.tasks);
      rows += p.numInputRows;
    });
    await job.start();
    await until('every record', () => rows >= 600);
    await job.stop();
    expect(seen.at(-1)).toEqual({
      group: `sqc-${group}`,
      generation: seen.at(-1)!.generation,
      owned: [0, 1, 2, 3, 4, 5],
    });
    expect(seen.at(-1)!.generation).toBeGreaterThan(0);
    expect(await values(sink)).toEqual(expected(600));
  });
});

describe('scale-out exactly-once: a transactional producer per task', () => {
  it('three processes, one SIGKILLed, one started later, one stalled past the session timeout: the read_committed output equals a single-process run exactly', async () => {
    const { source, sink, start } = await setUp('eos', 3, 3_000, true);
    const a = start('a');
    const b = start('b');
    const c = start('c');
    await until('three owners', () => [a, b, c].every((p) => p.tasks()?.length === 2));
    await until('the first records to be written', async () => (await values(sink)).length > 0);
    await produce(k.kafka, source, events(3_000, 2_000));
    // SIGKILL a mid-run: its open transactions are aborted by the new owners' fencing
    a.child.kill('SIGKILL');
    await a.exit;
    await produce(k.kafka, source, events(5_000, 2_000));
    await until('b and c to own every task', () => b.tasks()!.length + c.tasks()!.length === PARTITIONS);
    // a new process d joins and takes its share
    const d = start('d');
    await until('d to own tasks', () => (d.tasks()?.length ?? 0) === 2);
    // b stalls (SIGSTOP) past the 3 s session timeout: c and d take its tasks; when b wakes up
    // it has been fenced and dropped, writes nothing more of those tasks, and rejoins
    b.child.kill('SIGSTOP');
    await produce(k.kafka, source, events(7_000, 2_000));
    await until('c and d to own every task', () => c.tasks()!.length + d.tasks()!.length === PARTITIONS);
    b.child.kill('SIGCONT');
    await until('b to rejoin', () => /dropped from the group|taken over by another process/.test(b.stderr));
    await produce(k.kafka, source, events(9_000, 1_000));
    const want = expected(10_000);
    await until('every row', async () => (await values(sink)).length >= want.length, 60_000);
    await sleep(1_000); // a duplicate would arrive now
    expect(await values(sink)).toEqual(want);
    // librdkafka, read_committed, reads the same
    expect((await kcatRead(k.brokers, sink)).map((r) => r.value).sort()).toEqual(want);
    for (const p of [b, c, d]) p.child.kill('SIGINT');
    for (const p of [b, c, d]) expect(await p.exit).toBe(130);
  });
});

describe('scale-out refusals at run time (--set), before anything joins the group', () => {
  it('joined sources that are not co-partitioned: says which and how to fix it', async () => {
    const left = await k.topic(6);
    const right = await k.topic(4);
    const sink = await k.topic(1);
    const brokers = k.brokers.join(',');
    const m = await loadProgram(
      'scale-copart',
      `
SET 'pipeline.name' = '${k.groupId()}';
CREATE TABLE orders (id BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (
  'connector' = 'kafka', 'topic' = '${left}', 'properties.bootstrap.servers' = '${brokers}', 'format' = 'json');
CREATE TABLE payments (id BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (
  'connector' = 'kafka', 'topic' = '${right}', 'properties.bootstrap.servers' = '${brokers}', 'format' = 'json');
CREATE TABLE matched (id BIGINT, ts TIMESTAMP(3)) WITH (
  'connector' = 'kafka', 'topic' = '${sink}', 'properties.bootstrap.servers' = '${brokers}', 'format' = 'json');
INSERT INTO matched SELECT o.id, o.ts FROM orders o JOIN payments p ON o.id = p.id
  AND p.ts BETWEEN o.ts AND o.ts + INTERVAL '1' MINUTE;
`,
    );
    const err = await startError(m);
    expect(err).toMatch(/"orders" \(6 partitions\), "payments" \(4 partitions\).*not co-partitioned/s);
    expect(err).toMatch(/same number of partitions/);
  });

  it('a stateful query (state cannot move yet) and checkpoint.dir are refused, saying why', async () => {
    const [source, sink] = [await k.topic(2), await k.topic(1)];
    const brokers = k.brokers.join(',');
    const m = await loadProgram(
      'scale-stateful',
      `
SET 'pipeline.name' = '${k.groupId()}';
CREATE TABLE events (user_id STRING, amount INT) WITH (
  'connector' = 'kafka', 'topic' = '${source}', 'properties.bootstrap.servers' = '${brokers}', 'format' = 'json');
CREATE TABLE totals (user_id STRING, total INT, PRIMARY KEY (user_id) NOT ENFORCED) WITH (
  'connector' = 'upsert-kafka', 'topic' = '${sink}', 'properties.bootstrap.servers' = '${brokers}',
  'key.format' = 'json', 'value.format' = 'json');
INSERT INTO totals SELECT user_id, SUM(amount) AS total FROM events GROUP BY user_id;
`,
    );
    const err = await startError(m);
    expect(err).toMatch(/state by a key that is not the input's partitioning.*repartition topic/s);
    expect(() => m.createJob({ set: { ...SCALE_OUT.set, 'checkpoint.dir': join(tmp, 'ck') } })).toThrow(
      /'pipeline.scale-out' and 'checkpoint.dir' cannot be used together yet/,
    );
  });
});
