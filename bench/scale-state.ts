/**
 * Benchmark: scale-out with state per task (issue 17, docs/scale-out.md "State per task"), part of
 * `npm run bench -- scale`.
 *
 * - Stateful throughput: a count and sum per message key (`SQC_BENCH_SCALE_KEYS` keys, default
 *   10k) over `SQC_BENCH_SCALE_STATE_EVENTS` keyed events (default 1M, 4 partitions, a key's
 *   events in partition key % 4; a sustained run: every run ends with up to one checkpoint
 *   interval of waiting for its last commit, which a 200k-event window of ~2.5 s is a third of), non-windowed GROUP BY into an exactly-once Kafka sink with
 *   `checkpoint.interval` 1 s, as 1 and as 2 `sqc run` processes, interleaved, median of
 *   `SQC_BENCH_RUNS` after a warm-up round; each run's events are produced (into its own topic)
 *   before its processes start, in one transaction committed once every process owns its tasks
 *   (sqc reads read_committed: the events appear at once); it is timed from that commit to the
 *   committed positions at the end. The output is checked first (read_committed: the last count
 *   of every key equals its number of events).
 * - Restore time vs state size: for each of `SQC_BENCH_SCALE_RESTORE_KEYS` (default 10k, 100k,
 *   500k) a topic with one event per key; one process reads it and is stopped (SIGINT checkpoints
 *   every task), then another process starts: the time from its spawn and from its task
 *   assignment until its four "restored task … from its changelog" notices, and the bytes restored.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { readTopic } from '../test/kafka/support.ts';
import { median } from './util.ts';

const SQC = join(import.meta.dirname, '..', 'bin', 'sqc.js');
const PARTITIONS = 4;
const RUNS = Number(process.env['SQC_BENCH_RUNS'] ?? 3);
const EVENTS = Number(process.env['SQC_BENCH_SCALE_STATE_EVENTS'] ?? 1_000_000);
const KEYS = Number(process.env['SQC_BENCH_SCALE_KEYS'] ?? 10_000);
const RESTORE_KEYS = (process.env['SQC_BENCH_SCALE_RESTORE_KEYS'] ?? '10000,100000,500000').split(',').map(Number);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The events' transaction stays open while the processes start and join (kafkajs's default, 60 s,
 * expired on a loaded machine: the commit then failed with INVALID_PRODUCER_EPOCH).
 */
export const TRANSACTION_TIMEOUT_MS = 600_000;

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

let spawned = 0;

/**
 * Spawns `sqc run --quiet job`, collecting its stderr. For looking inside: with
 * `SQC_BENCH_CPU_PROF` = a directory, each process writes a `node --cpu-prof` profile there
 * (`sqc-<n>-….cpuprofile`, n counting the processes started); `SQC_BENCH_SQC_ARGS` adds `sqc run`
 * arguments (`{n}` becomes n, e.g. `--progress-json /tmp/p-{n}.jsonl`).
 */
export function startSqc(ctx: ScaleContext, job: string): Proc {
  const prof = process.env['SQC_BENCH_CPU_PROF'];
  const flags = prof
    ? ['--cpu-prof', `--cpu-prof-dir=${prof}`, `--cpu-prof-name=sqc-${spawned}-${Date.now()}.cpuprofile`]
    : [];
  const extra = (process.env['SQC_BENCH_SQC_ARGS'] ?? '')
    .split(' ')
    .filter((a) => a !== '')
    .map((a) => a.replace('{n}', String(spawned)));
  spawned++;
  const child = spawn(process.execPath, [...flags, SQC, 'run', '--quiet', ...extra, job], {
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

/** CPU seconds (user + system) a live process has used so far, from /proc (Linux); NaN elsewhere. */
export function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
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

/** Waits until the committed positions of `group` reach the end of `topic`, looking every `everyMs`. */
export async function untilPositionsAtEnd(admin: Admin, group: string, topic: string, everyMs = 20): Promise<void> {
  const ends = await admin.fetchTopicOffsets(topic);
  for (;;) {
    const got = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const done = ends.every(
      (e) => Number(got[0]?.partitions.find((p) => p.partition === e.partition)?.offset ?? -1) >= Number(e.high),
    );
    if (done) return;
    await sleep(everyMs);
  }
}

export async function createTopic(ctx: ScaleContext, topic: string): Promise<void> {
  await ctx.admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  ctx.topics.push(topic);
}

/**
 * `n` events over `keys` keys, event i of key i % keys, in partition key % 4, the key as message
 * key. With `transactionalId`, in one transaction left open: the returned function commits it,
 * making every event visible at once to read_committed readers (sqc's default).
 */
export async function produceKeyed(
  ctx: ScaleContext,
  topic: string,
  n: number,
  keys: number,
  transactionalId?: string,
): Promise<() => Promise<void>> {
  if (transactionalId === undefined)
    console.log(
      `producing ${n.toLocaleString('en-US')} events over ${keys.toLocaleString('en-US')} keys to ${topic} ...`,
    );
  const producer = ctx.kafka.producer(
    transactionalId === undefined
      ? {}
      : { transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: TRANSACTION_TIMEOUT_MS },
  );
  await producer.connect();
  const tx = transactionalId === undefined ? null : await producer.transaction();
  // one partition per send, at most 2,000 records: kafkajs groups a send's records per partition
  // in time quadratic in their number
  const CHUNK = 2_000;
  for (let p = 0; p < PARTITIONS; p++)
    for (let i = 0; i < n; i += CHUNK * PARTITIONS) {
      const messages = [];
      for (let j = i; j < Math.min(n, i + CHUNK * PARTITIONS); j++) {
        const k = j % keys;
        if (k % PARTITIONS === p) messages.push({ partition: p, key: `k${k}`, value: `{"k":"k${k}","v":${j % 100}}` });
      }
      if (messages.length > 0) await (tx ?? producer).send({ topic, messages, acks: tx === null ? 1 : -1 });
    }
  if (tx === null) {
    await producer.disconnect();
    return async () => {};
  }
  return async () => {
    await tx.commit();
    await producer.disconnect();
  };
}

export const program = (name: string, brokers: string, source: string, sink: string | null) => `
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

export const positionsGroup = (name: string) => `sqc-${name}.insert_into_out.events`;

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
    // the events are produced first, in one transaction committed once every process owns its
    // tasks: no process reads alone before the other joins, and the producer (in this process,
    // beside the broker) takes no CPU from the processes while they are timed
    const commit = await produceKeyed(ctx, source, EVENTS, KEYS, `${name}-producer`);
    const procs = Array.from({ length: processes }, () => startSqc(ctx, job));
    await untilOwning(procs, PARTITIONS);
    const t0 = performance.now();
    const cpu0 = procs.map((p) => cpuSeconds(p.child.pid));
    const self0 = process.cpuUsage();
    await commit();
    // positions commit at checkpoints (every second): polling less often costs the broker less
    await untilPositionsAtEnd(ctx.admin, positionsGroup(name), source, 50);
    const ms = performance.now() - t0;
    const self = process.cpuUsage(self0);
    const cpu = procs.map((p, i) => cpuSeconds(p.child.pid) - cpu0[i]!);
    cpus[String(processes)]!.push({ sqc: cpu, bench: (self.user + self.system) / 1e6 });
    await stopSqc(ctx, procs);
    if (process.env['SQC_BENCH_VERBOSE']) for (const p of procs) console.log(p.stderr);
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
  /** CPU seconds in each timed window: per sqc process, and of this process (broker, commit, polling). */
  const cpus: Record<string, { sqc: number[]; bench: number }[]> = { '1': [], '2': [] };
  for (let round = 0; round <= RUNS; round++)
    for (const processes of [1, 2]) {
      const ms = await run(processes, round === 0);
      if (round > 0)
        times[String(processes)]!.push(ms); // round 0 warms up and checks the output
      else cpus[String(processes)]!.length = 0;
    }
  const cpuLine = (n: string) => {
    const c = cpus[n]!;
    const sqc = median(c.map((x) => x.sqc.reduce((a, b) => a + b, 0)));
    const bench = median(c.map((x) => x.bench));
    return {
      sqc,
      bench,
      text: `sqc ${sqc.toFixed(1)} CPU s (${(EVENTS / sqc / 1000).toFixed(0)}k events per CPU s), broker ${bench.toFixed(1)} CPU s`,
    };
  };
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
  const c1 = cpuLine('1');
  const c2 = cpuLine('2');
  console.log(`  CPU in the timed window (medians): 1 process: ${c1.text}; 2 processes: ${c2.text}`);
  return {
    events: EVENTS,
    keys: KEYS,
    runs: times,
    cpu: cpus,
    '1 process': { ms: one, eventsPerSecond: EVENTS / (one / 1000), cpu: { sqc: c1.sqc, broker: c1.bench } },
    '2 processes': {
      ms: two,
      eventsPerSecond: EVENTS / (two / 1000),
      speedup: one / two,
      cpu: { sqc: c2.sqc, broker: c2.bench },
    },
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
