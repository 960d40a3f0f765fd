/**
 * Benchmark: scale-out with state per task (issue 17, docs/scale-out.md "State per task"), part of
 * `npm run bench -- scale`.
 *
 * - Stateful throughput: a count and sum per message key (`SQC_BENCH_SCALE_KEYS` keys, default
 *   10k) over `SQC_BENCH_SCALE_STATE_EVENTS` keyed events (default 200k, 4 partitions, a key's
 *   events in partition key % 4), non-windowed GROUP BY into an exactly-once Kafka sink with
 *   `checkpoint.interval` 1 s, as 1 and as 2 `sqc run` processes, interleaved, median of
 *   `SQC_BENCH_RUNS` after a warm-up round; each run's events are produced (into its own topic)
 *   once every process owns its tasks, and it is timed from then to the committed positions at
 *   the end (producing included, alike for 1 and 2). The output is checked first (read_committed: the last count of
 *   every key equals its number of events).
 * - Restore time vs state size: for each of `SQC_BENCH_SCALE_RESTORE_KEYS` (default 10k, 100k,
 *   500k) a topic with one event per key; one process reads it and is stopped (SIGINT checkpoints
 *   every task), then another process starts: the time from its spawn and from its task
 *   assignment until its four "restored task … from its changelog" notices, and the bytes restored.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { readTopic } from '../test/kafka/support.ts';
import { median } from './util.ts';

const SQC = join(import.meta.dirname, '..', 'bin', 'sqc.js');
const PARTITIONS = 4;
const RUNS = Number(process.env['SQC_BENCH_RUNS'] ?? 3);
const EVENTS = Number(process.env['SQC_BENCH_SCALE_STATE_EVENTS'] ?? 200_000);
const KEYS = Number(process.env['SQC_BENCH_SCALE_KEYS'] ?? 10_000);
const RESTORE_KEYS = (process.env['SQC_BENCH_SCALE_RESTORE_KEYS'] ?? '10000,100000,500000').split(',').map(Number);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Proc {
  child: ChildProcess;
  stderr: string;
  started: number;
  exit: Promise<void>;
}

/** The shared state of one `scale` benchmark run: cluster, scratch dir, topics and children to clean up. */
export interface ScaleContext {
  brokers: string;
  kafka: Kafka;
  admin: Admin;
  dir: string;
  stamp: number;
  topics: string[];
  children: Set<ChildProcess>;
}

/** Spawns `sqc run --quiet job`, collecting its stderr. */
export function startSqc(ctx: ScaleContext, job: string): Proc {
  const child = spawn(process.execPath, [SQC, 'run', '--quiet', job], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  ctx.children.add(child);
  const p: Proc = {
    child,
    stderr: '',
    started: performance.now(),
    exit: new Promise<void>((r) => child.on('close', () => r())),
  };
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (p.stderr += d));
  return p;
}

/** Stops the processes with SIGINT and waits for them. */
export async function stopSqc(ctx: ScaleContext, procs: readonly Proc[]): Promise<void> {
  for (const p of procs) p.child.kill('SIGINT');
  await Promise.all(procs.map((p) => p.exit));
  for (const p of procs) ctx.children.delete(p.child);
}

function owning(s: string): { gen: string; n: number } | null {
  const all = [...s.matchAll(/generation (\d+): this process owns tasks? ([\d, ]+)/g)];
  return all.length === 0 ? null : { gen: all[all.length - 1]![1]!, n: all[all.length - 1]![2]!.split(',').length };
}

/** Waits until every process owns its share of the `tasks` tasks in the same generation. */
export async function untilOwning(procs: readonly Proc[], tasks: number): Promise<void> {
  for (;;) {
    const o = procs.map((p) => owning(p.stderr));
    if (o.every((x) => x !== null && x.gen === o[0]!.gen) && o.reduce((s, x) => s + x!.n, 0) === tasks) return;
    for (const p of procs)
      if (p.child.exitCode !== null) throw new Error(`sqc run exited early:\n${p.stderr.slice(-2000)}`);
    await sleep(20);
  }
}

/** Waits until the committed positions of `group` reach the end of `topic`. */
export async function untilPositionsAtEnd(admin: Admin, group: string, topic: string): Promise<void> {
  const ends = await admin.fetchTopicOffsets(topic);
  for (;;) {
    const got = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const done = ends.every(
      (e) => Number(got[0]?.partitions.find((p) => p.partition === e.partition)?.offset ?? -1) >= Number(e.high),
    );
    if (done) return;
    await sleep(20);
  }
}

async function createTopic(ctx: ScaleContext, topic: string): Promise<void> {
  await ctx.admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  ctx.topics.push(topic);
}

/** `n` events over `keys` keys, event i of key i % keys, in partition key % 4, the key as message key. */
async function produceKeyed(ctx: ScaleContext, topic: string, n: number, keys: number, quiet = false): Promise<void> {
  if (!quiet)
    console.log(
      `producing ${n.toLocaleString('en-US')} events over ${keys.toLocaleString('en-US')} keys to ${topic} ...`,
    );
  const producer = ctx.kafka.producer();
  await producer.connect();
  for (let i = 0; i < n; i += 20_000) {
    const messages = [];
    for (let j = i; j < Math.min(n, i + 20_000); j++) {
      const k = j % keys;
      messages.push({ partition: k % PARTITIONS, key: `k${k}`, value: `{"k":"k${k}","v":${j % 100}}` });
    }
    await producer.send({ topic, messages, acks: 1 });
  }
  await producer.disconnect();
}

const program = (name: string, brokers: string, source: string, sink: string | null) => `
SET 'pipeline.name' = '${name}';
SET 'pipeline.scale-out' = 'true';
SET 'checkpoint.interval' = '1 s';
CREATE TABLE events (k STRING, v INT)
WITH ('connector' = 'kafka', 'topic' = '${source}', 'properties.bootstrap.servers' = '${brokers}',
      'scan.startup.mode' = 'earliest-offset', 'scan.max-offsets-per-trigger' = '10000',
      'key.format' = 'raw', 'key.fields' = 'k', 'format' = 'json');
CREATE TABLE out (k STRING, n BIGINT, total BIGINT) WITH (${
  sink === null
    ? `'connector' = 'blackhole'`
    : `'connector' = 'kafka', 'topic' = '${sink}', 'properties.bootstrap.servers' = '${brokers}', 'format' = 'json',
      'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = '${name}', 'properties.transaction.timeout.ms' = '30000'`
});
INSERT INTO out SELECT k, COUNT(*) AS n, SUM(v) AS total FROM events GROUP BY k;`;

const positionsGroup = (name: string) => `sqc-${name}.insert_into_out.events`;

/** Stateful throughput, 1 vs 2 processes: the lines to print and the results to record. */
export async function benchStatefulScale(ctx: ScaleContext): Promise<Record<string, unknown>> {
  let runs = 0;
  const run = async (processes: number, check: boolean): Promise<number> => {
    const name = `bench-scale-state-${ctx.stamp}-${runs++}`;
    const source = `${name}-events`;
    const sink = `${name}-out`;
    await createTopic(ctx, source);
    await createTopic(ctx, sink);
    const job = join(ctx.dir, `${name}.sq`);
    writeFileSync(job, program(name, ctx.brokers, source, sink));
    const procs = Array.from({ length: processes }, () => startSqc(ctx, job));
    await untilOwning(procs, PARTITIONS);
    // the events are produced once every process owns its tasks (else the first process to join
    // reads alone until the second joins): the time includes producing them, alike for 1 and 2
    const t0 = performance.now();
    await produceKeyed(ctx, source, EVENTS, KEYS, true);
    await untilPositionsAtEnd(ctx.admin, positionsGroup(name), source);
    const ms = performance.now() - t0;
    await stopSqc(ctx, procs);
    if (check) {
      // the positions commit with the output: the last count of every key is its number of events
      const last = new Map<string, number>();
      for (const r of await readTopic(ctx.brokers.split(','), sink)) {
        const row = JSON.parse(r.value!) as { k: string; n: number };
        last.set(row.k, Math.max(last.get(row.k) ?? 0, row.n));
      }
      for (let k = 0; k < KEYS; k++) {
        const want = Math.floor(EVENTS / KEYS) + (k < EVENTS % KEYS ? 1 : 0);
        if ((last.get(`k${k}`) ?? 0) !== want)
          throw new Error(`${processes} processes: key k${k} counted ${last.get(`k${k}`) ?? 0}, want ${want}`);
      }
    }
    return ms;
  };
  const times: Record<string, number[]> = { '1': [], '2': [] };
  for (let round = 0; round <= RUNS; round++)
    for (const processes of [1, 2]) {
      const ms = await run(processes, round === 0);
      if (round > 0) times[String(processes)]!.push(ms); // round 0 warms up and checks the output
    }
  const one = median(times['1']!);
  const two = median(times['2']!);
  console.log(
    `\n## Scale-out with state: count and sum per key (GROUP BY the message key, ${KEYS.toLocaleString('en-US')} keys), ` +
      `${EVENTS.toLocaleString('en-US')} events, exactly-once Kafka sink, checkpoint.interval 1 s, median of ${RUNS} (output checked)`,
  );
  console.log(
    `  1 process ${one.toFixed(0).padStart(6)} ms (${(EVENTS / one).toFixed(0)}k events/s)   ` +
      `2 processes ${two.toFixed(0).padStart(6)} ms (${(EVENTS / two).toFixed(0)}k events/s)   speed-up ${(one / two).toFixed(2)}×`,
  );
  return {
    events: EVENTS,
    keys: KEYS,
    runs: times,
    '1 process': { ms: one, eventsPerSecond: EVENTS / (one / 1000) },
    '2 processes': { ms: two, eventsPerSecond: EVENTS / (two / 1000), speedup: one / two },
  };
}

/** Restore time vs state size: per size, state bytes restored and ms from start / from assignment. */
export async function benchRestore(ctx: ScaleContext): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  console.log(
    '\n## Restore time vs state size (GROUP BY the message key, one event per key, 4 tasks moved to a new process)',
  );
  for (const keys of RESTORE_KEYS) {
    const name = `bench-scale-restore-${ctx.stamp}-${keys}`;
    const source = `${name}-events`;
    await createTopic(ctx, source);
    await produceKeyed(ctx, source, keys, keys);
    const job = join(ctx.dir, `${name}.sq`);
    writeFileSync(job, program(name, ctx.brokers, source, null));
    const first = startSqc(ctx, job);
    await untilOwning([first], PARTITIONS);
    await untilPositionsAtEnd(ctx.admin, positionsGroup(name), source);
    await stopSqc(ctx, [first]); // SIGINT checkpoints every task
    const second = startSqc(ctx, job);
    const restored = () => [
      ...second.stderr.matchAll(/restored task (\d+) from its changelog: (\d+) bytes in (\d+) records/g),
    ];
    let assigned = 0;
    for (;;) {
      if (assigned === 0 && owning(second.stderr) !== null) assigned = performance.now();
      if (restored().length >= PARTITIONS) break;
      if (second.child.exitCode !== null) throw new Error(`sqc run exited early:\n${second.stderr.slice(-2000)}`);
      await sleep(5);
    }
    const done = performance.now();
    if (assigned === 0) assigned = done;
    await stopSqc(ctx, [second]);
    const bytes = restored().reduce((s, m) => s + Number(m[2]), 0);
    const records = restored().reduce((s, m) => s + Number(m[3]), 0);
    const r = { keys, bytes, records, msFromStart: done - second.started, msFromAssignment: done - assigned };
    out.push(r);
    console.log(
      `  ${keys.toLocaleString('en-US').padStart(9)} keys: ${(bytes / 1e6).toFixed(1).padStart(6)} MB in ${records} records restored, ` +
        `${r.msFromAssignment.toFixed(0).padStart(6)} ms from assignment (${r.msFromStart.toFixed(0)} ms from process start)`,
    );
  }
  return out;
}
