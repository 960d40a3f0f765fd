/**
 * State per task (docs/scale-out.md, issue 17): a scaled-out job with stateful queries keyed by
 * the input partitioning — a tumbling-window aggregate grouped by the message key and an
 * interval join of two co-partitioned topics on it, next to a stateless branch and a window
 * aggregate re-keyed by region through a repartition stage — runs as one query instance per task, its
 * state in changelog topics committed with the output and positions in one transaction per task.
 * In one process the state survives a restart (restored from the changelog); in three `sqc run`
 * processes, one SIGKILLed mid-run, one started later and one stalled past the session timeout,
 * the read_committed output (kafkajs and kcat) equals what a single process computes, exactly.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaForTests, type KafkaForTests } from '../../broker/index.ts';
import type { QueryProgress } from '../../runtime/index.ts';
import { precompile } from '../crash/harness.ts';
import { Proc, killAll, sleep, until } from './processes.ts';
import { WATERMARK_HEADER } from '../../runtime/connectors/kafka/repartition.ts';
import { kcatRead, loadProgram, produce, readTopic } from './support.ts';

const PARTITIONS = 6;
const USERS = 37;
const BASE = Date.parse('2026-01-01T00:00:00Z');
const STEP_MS = 100;

let k: KafkaForTests;
const tmp = mkdtempSync(join(tmpdir(), 'sqc-scale-state-'));
beforeAll(async () => {
  k = await kafkaForTests();
});
afterAll(async () => {
  killAll();
  await k?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const user = (i: number): number => i % USERS;
/** Co-partitioned: a user's orders and payments are in partition user % 6 of both topics. */
const partitionOf = (u: number): number => u % PARTITIONS;

function orders(from: number, n: number) {
  const out = [];
  for (let i = from; i < from + n; i++) {
    const u = user(i);
    out.push({
      partition: partitionOf(u),
      key: `u${u}`,
      value: JSON.stringify({
        user_id: `u${u}`,
        id: i,
        amount: i % 100,
        region: `r${i % 5}`,
        ts: new Date(BASE + i * STEP_MS).toISOString(),
      }),
    });
  }
  return out;
}

/** A payment for every third order, 2 s after it. */
function payments(from: number, n: number) {
  const out = [];
  for (let i = from; i < from + n; i++) {
    if (i % 3 !== 0) continue;
    const u = user(i);
    out.push({
      partition: partitionOf(u),
      key: `u${u}`,
      value: JSON.stringify({ user_id: `u${u}`, order_id: i, ts: new Date(BASE + i * STEP_MS + 2_000).toISOString() }),
    });
  }
  return out;
}

/** One far-future order per partition, so that every task's watermark passes the windows of orders 0..n-1. */
function flush(n: number) {
  return Array.from({ length: PARTITIONS }, (_, p) => ({
    partition: p,
    key: `flush${p}`,
    value: JSON.stringify({
      user_id: `flush${p}`,
      region: 'flush',
      id: -1 - p,
      amount: 0,
      ts: new Date(BASE + n * STEP_MS + 3_600_000).toISOString(),
    }),
  }));
}

/** The sinks of the job, each compared with what one process computes. */
const SINKS = ['totals', 'regions', 'big', 'matched'] as const;
type Sink = (typeof SINKS)[number];
type Topics = Record<'orders' | 'payments' | Sink, string>;

/**
 * What one process computes for orders 0..n-1: per user and 10 s window, count and total; the
 * orders of 90 and more (the stateless branch); the matched payments; per region and window (the
 * re-keyed aggregate).
 */
function expected(n: number): Record<Sink, string[]> {
  const windows = (key: (i: number) => string, field: string): string[] => {
    const groups = new Map<string, { key: string; start: number; n: number; total: number }>();
    for (let i = 0; i < n; i++) {
      const start = Math.floor((BASE + i * STEP_MS) / 10_000) * 10_000;
      const g = groups.get(`${key(i)}@${start}`) ?? { key: key(i), start, n: 0, total: 0 };
      g.n++;
      g.total += i % 100;
      groups.set(`${key(i)}@${start}`, g);
    }
    return [...groups.values()]
      .map((g) =>
        JSON.stringify({
          [field]: g.key,
          window_start: new Date(g.start).toISOString(),
          window_end: new Date(g.start + 10_000).toISOString(),
          n: g.n,
          total: g.total,
        }),
      )
      .sort();
  };
  const big: string[] = [];
  const matched: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 100 >= 90) big.push(JSON.stringify({ id: i, user_id: `u${user(i)}`, amount: i % 100 }));
    if (i % 3 === 0)
      matched.push(
        JSON.stringify({ id: i, user_id: `u${user(i)}`, paid: new Date(BASE + i * STEP_MS + 2_000).toISOString() }),
      );
  }
  return {
    totals: windows((i) => `u${user(i)}`, 'user_id'),
    regions: windows((i) => `r${i % 5}`, 'region'),
    big: big.sort(),
    matched: matched.sort(),
  };
}

function program(name: string, t: Topics): string {
  const brokers = k.brokers.join(',');
  const source = (topic: string) =>
    `'connector' = 'kafka', 'topic' = '${topic}', 'properties.bootstrap.servers' = '${brokers}', 'scan.startup.mode' = 'earliest-offset', 'key.format' = 'raw', 'key.fields' = 'user_id', 'format' = 'json'`;
  const sink = (topic: string) =>
    `'connector' = 'kafka', 'topic' = '${topic}', 'properties.bootstrap.servers' = '${brokers}', 'format' = 'json', 'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = '${name}', 'properties.transaction.timeout.ms' = '30000'`;
  return `
SET 'pipeline.name' = '${name}';
SET 'pipeline.scale-out' = 'true';
SET 'pipeline.scale-out.session-timeout' = '3 s';
SET 'checkpoint.interval' = '1 s';

CREATE TABLE orders (user_id STRING, id BIGINT, amount INT, region STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH (${source(t.orders)});
CREATE TABLE payments (user_id STRING, order_id BIGINT, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH (${source(t.payments)});
CREATE TABLE totals (user_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), n BIGINT, total BIGINT) WITH (${sink(t.totals)});
CREATE TABLE regions (region STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), n BIGINT, total BIGINT) WITH (${sink(t.regions)});
CREATE TABLE matched (id BIGINT, user_id STRING, paid TIMESTAMP(3)) WITH (${sink(t.matched)});
CREATE TABLE big (id BIGINT, user_id STRING, amount INT) WITH (${sink(t.big)});

-- keyed by the message key: state per task directly

INSERT INTO totals
SELECT user_id, window_start, window_end, COUNT(*) AS n, SUM(amount) AS total
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY user_id, window_start, window_end;

-- re-keyed by region: a repartition stage, then state per task of the repartition topic
INSERT INTO regions
SELECT region, window_start, window_end, COUNT(*) AS n, SUM(amount) AS total
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY region, window_start, window_end;

-- stateless
INSERT INTO big SELECT id, user_id, amount FROM orders WHERE amount >= 90;

-- co-partitioned interval join (both topics keyed by the user)
INSERT INTO matched
SELECT o.id, o.user_id, p.ts AS paid
FROM orders o JOIN payments p ON o.user_id = p.user_id AND o.id = p.order_id
  AND p.ts BETWEEN o.ts AND o.ts + INTERVAL '30' SECOND;
`;
}

async function values(topic: string): Promise<string[]> {
  return (await readTopic(k.brokers, topic)).map((r) => r.value!).sort();
}

const NONE = { missing: [], extra: [] };

/** The rows one process writes that are missing, and the rows that should not be there (duplicates included). */
function difference(got: readonly string[], want: readonly string[]): { missing: string[]; extra: string[] } {
  const left = new Map<string, number>();
  for (const r of got) left.set(r, (left.get(r) ?? 0) + 1);
  const missing: string[] = [];
  for (const r of want) {
    const n = left.get(r) ?? 0;
    if (n === 0) missing.push(r);
    else left.set(r, n - 1);
  }
  const extra = [...left].flatMap(([r, n]) => Array<string>(n).fill(r));
  return { missing, extra };
}

/** Every sink holds at least as many rows as one process writes. */
async function complete(t: Topics, want: Record<Sink, string[]>): Promise<boolean> {
  for (const sink of SINKS) if ((await values(t[sink])).length < want[sink].length) return false;
  return true;
}

async function setUp(_name: string) {
  const t = {
    orders: await k.topic(PARTITIONS),
    payments: await k.topic(PARTITIONS),
    totals: await k.topic(3),
    regions: await k.topic(3),
    big: await k.topic(3),
    matched: await k.topic(3),
  };
  const group = k.groupId();
  const text = program(group, t);
  const produceUpTo = async (from: number, n: number): Promise<void> => {
    await produce(k.kafka, t.orders, orders(from, n));
    await produce(k.kafka, t.payments, payments(from, n));
  };
  return { t, group, text, produceUpTo };
}

describe('scale-out state per task', () => {
  it('in one process: a restart restores each task from its changelog and the output is exactly one run', async () => {
    const { t, text, produceUpTo } = await setUp('x');
    const m = await loadProgram('scale-state-single', text);
    await produceUpTo(0, 2_000);
    const first = m.createJob();
    let rows = 0;
    first.on('progress', (p: QueryProgress) => {
      if (p.sources.some((s) => s.name === 'payments')) rows += p.numInputRows;
    });
    await first.start();
    await until('the first run to read its input', () => rows >= 2_000 + 667);
    await sleep(1_500); // a checkpoint commits the state
    await first.stop();
    expect((await values(t.matched)).length).toBeGreaterThan(0);

    await produceUpTo(2_000, 2_000);
    await produce(k.kafka, t.orders, flush(4_000));
    const second = m.createJob();
    const notices: string[] = [];
    const seen: NonNullable<QueryProgress['tasks']>[] = [];
    second.on('notice', (n: string) => notices.push(n));
    second.on('progress', (p: QueryProgress) => {
      if (p.tasks) seen.push(p.tasks);
    });
    await second.start();
    const want = expected(4_000);
    await until('every row', () => complete(t, want), 60_000);
    await sleep(1_500);
    await second.stop();
    for (const sink of SINKS) expect(difference(await values(t[sink]), want[sink]), sink).toEqual(NONE);
    expect(notices.some((n) => /restored task \d from its changelog: \d+ bytes/.test(n))).toBe(true);
    expect(seen.some((s) => (s.state?.restored.tasks.length ?? 0) > 0)).toBe(true);
  }, 120_000);
});

describe('scale-out state per task: a downstream task that moves', () => {
  it('still closes its windows when an upstream task wrote its last watermark record before the position it restarts from', async () => {
    const t = { orders: await k.topic(2), regions: await k.topic(1) };
    const name = k.groupId();
    const brokers = k.brokers.join(',');
    const m = await loadProgram(
      'scale-state-marks',
      `
SET 'pipeline.name' = '${name}';
SET 'pipeline.scale-out' = 'true';
SET 'pipeline.scale-out.session-timeout' = '3 s';
SET 'checkpoint.interval' = '1 s';
CREATE TABLE orders (user_id STRING, id BIGINT, amount INT, region STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH ('connector' = 'kafka', 'topic' = '${t.orders}',
  'properties.bootstrap.servers' = '${brokers}', 'scan.startup.mode' = 'earliest-offset', 'format' = 'json');
CREATE TABLE regions (region STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), n BIGINT, total BIGINT) WITH (
  'connector' = 'kafka', 'topic' = '${t.regions}', 'properties.bootstrap.servers' = '${brokers}', 'format' = 'json',
  'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = '${name}', 'properties.transaction.timeout.ms' = '30000');
INSERT INTO regions
SELECT region, window_start, window_end, COUNT(*) AS n, SUM(amount) AS total
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY region, window_start, window_end;
`,
    );
    const order = (i: number, partition: number, ts = BASE + i * STEP_MS) => ({
      partition,
      value: JSON.stringify({
        user_id: `u${partition}`,
        id: i,
        amount: i % 100,
        region: `r${i % 5}`,
        ts: new Date(ts).toISOString(),
      }),
    });
    const flush = (p: number) => order(-1 - p, p, BASE + 3_600_000);
    // 100 s of orders in both partitions; partition 1's input ends (a far-future record): upstream
    // task 1 writes its last watermark record
    await produce(
      k.kafka,
      t.orders,
      Array.from({ length: 1_000 }, (_, i) => order(i, i % 2)),
    );
    await produce(k.kafka, t.orders, [flush(1)]);
    const first = m.createJob();
    await first.start();
    // upstream task 0 holds the region windows back at its watermark (~95 s): windows to 90 s close
    await until('the windows upstream task 0 lets close', async () => (await values(t.regions)).length >= 45);
    await sleep(2_500); // the downstream tasks commit their positions past task 1's last record
    await first.stop();
    expect((await values(t.regions)).length).toBe(45);
    // partition 0's input ends too; the job restarts (its tasks move): upstream task 1 reads
    // nothing more and writes no more watermark records
    await produce(k.kafka, t.orders, [flush(0)]);
    const second = m.createJob();
    await second.start();
    try {
      // the last window closes only if the downstream tasks still know task 1's watermark
      await until('the last windows', async () => (await values(t.regions)).length >= 50, 30_000);
    } finally {
      await second.stop();
    }
    expect((await values(t.regions)).length).toBe(50);
  }, 90_000);
});

describe('scale-out state per task in processes', () => {
  it('three processes, one SIGKILLed, one started later, one stalled past the session timeout: the output equals one process, exactly', async () => {
    const { t, group, text, produceUpTo } = await setUp('x');
    const job = join(tmp, 'state.sq');
    writeFileSync(job, text);
    const cache = join(tmp, 'cache-state');
    await precompile([job], cache);
    const procs: Proc[] = [];
    const start = (name: string) => {
      const p = new Proc(name, job, cache, tmp);
      procs.push(p);
      return p;
    };
    try {
      await produceUpTo(0, 2_000);
      const a = start('a');
      const b = start('b');
      const c = start('c');
      await until('three owners', () => [a, b, c].every((p) => p.tasks()?.length === 2));
      await until('the first rows to be committed', async () => (await values(t.matched)).length > 0);
      await produceUpTo(2_000, 2_000);
      // SIGKILL a mid-run: its open transactions are aborted by the new owners' fencing, and they
      // restore its tasks from the last committed snapshots
      a.child.kill('SIGKILL');
      await a.exit;
      await produceUpTo(4_000, 2_000);
      await until('b and c to own every task', () => b.tasks()!.length + c.tasks()!.length === PARTITIONS);
      const d = start('d');
      await until('d to own tasks', () => (d.tasks()?.length ?? 0) === 2);
      // b stalls past the 3 s session timeout: c and d take its tasks; b is fenced when it wakes
      b.child.kill('SIGSTOP');
      await produceUpTo(6_000, 2_000);
      await until('c and d to own every task', () => c.tasks()!.length + d.tasks()!.length === PARTITIONS);
      b.child.kill('SIGCONT');
      await until('b to rejoin', () => /dropped from the group|taken over by another process/.test(b.stderr));
      await produceUpTo(8_000, 2_000);
      await produce(k.kafka, t.orders, flush(10_000));
      const want = expected(10_000);
      await until('every row', () => complete(t, want), 90_000);
      await sleep(2_000); // a duplicate would arrive now
      for (const sink of SINKS) {
        expect(difference(await values(t[sink]), want[sink]), sink).toEqual(NONE);
        expect(await values(t[sink]), sink).toEqual(want[sink]);
        // librdkafka, read_committed, reads the same
        expect((await kcatRead(k.brokers, t[sink])).map((r) => r.value).sort(), sink).toEqual(want[sink]);
      }
      expect([c, d].some((p) => /restored task \d from its changelog/.test(p.stderr))).toBe(true);
      for (const p of [b, c, d]) p.child.kill('SIGINT');
      for (const p of [b, c, d])
        expect(await Promise.race([p.exit, sleep(30_000).then(() => `${p.name} did not exit`)])).toBe(130);
    } catch (e) {
      for (const p of procs) console.error(`---- ${p.name}\n${p.stderr}`);
      const want = expected(10_000);
      for (const name of SINKS) {
        const w = want[name];
        const got = await values(t[name]);
        const missing = w.filter((x) => !got.includes(x));
        const extra = got.filter((x) => !w.includes(x));
        console.error(
          `${name}: got ${got.length}, want ${w.length}; missing ${missing.length}: ${missing.slice(0, 5).join(' ')}; extra ${extra.length}: ${extra.slice(0, 5).join(' ')}`,
        );
      }
      // what the re-keyed stage's tasks learn of the upstream watermarks: the last committed
      // watermark record of every upstream task in every partition of the repartition topic
      const admin = k.kafka.admin();
      await admin.connect();
      const topics = (await admin.listTopics()).filter((x) => x.startsWith(`${group}-`) && x.endsWith('-repartition'));
      await admin.disconnect();
      for (const topic of topics) {
        const last = new Map<string, string>();
        for (const r of await readTopic(k.brokers, topic))
          if (r.value === null && r.headers[WATERMARK_HEADER] !== undefined) {
            const m = JSON.parse(r.headers[WATERMARK_HEADER]) as { task: number };
            last.set(`p${r.partition} task ${m.task}`, `${r.headers[WATERMARK_HEADER]} at offset ${r.offset}`);
          }
        console.error(
          `${topic}, last watermark record per partition and upstream task:\n${[...last]
            .sort()
            .map(([k, v]) => `  ${k}: ${v}`)
            .join('\n')}`,
        );
      }
      throw e;
    }
  }, 240_000);
});
