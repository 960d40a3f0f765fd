/**
 * Benchmark: scale-out (issue 17, docs/scale-out.md; aim ≥ 1.6× with 2 processes on 2 cores).
 * One broker (in-process in this benchmark's process, or the cluster in KAFKA_BROKERS), one topic
 * of `SQC_BENCH_KAFKA_EVENTS` JSON events (default 500k, bench/kafka.ts's shape, 4 partitions);
 * the same scaled-out job — Kafka → filter → Kafka, at-least-once and exactly-once (a transaction
 * per task per micro-batch) — run as 1 and as 2 `sqc run` processes (the built dist/, as an
 * installed sqc runs), interleaved, median of `SQC_BENCH_RUNS` (default 3) after a warm-up round.
 * Each run has its own pipeline.name (so its own group and positions), input and output topic;
 * its events are produced before its processes start, in one Kafka transaction committed once
 * every process owns its tasks (sqc reads read_committed: the events appear at once, so no process
 * reads alone before the other joins), and it is timed from that commit to the moment the
 * committed positions reach the end of every partition.
 *
 * Then (bench/scale-state.ts) a stateful job — count per message key, exactly-once sink — as 1 and
 * 2 processes, and restore time vs state size. `SQC_BENCH_SCALE_PART` picks parts
 * (`stateless,stateful,restore`, the default).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { benchCluster, events } from './kafka.ts';
import { DATA } from './pipeline.ts';
import {
  benchRestore,
  benchStatefulScale,
  cpuSeconds,
  startSqc,
  stopSqc,
  untilOwning,
  untilPositionsAtEnd,
  TRANSACTION_TIMEOUT_MS,
  type ScaleContext,
} from './scale-state.ts';
import { median, useDist, writeResults } from './util.ts';

const N = Number(process.env['SQC_BENCH_KAFKA_EVENTS'] ?? 500_000);
const RUNS = Number(process.env['SQC_BENCH_RUNS'] ?? 3);
/** Which parts run: `stateless`, `stateful`, `restore` (comma-separated; default all). */
const PARTS = (process.env['SQC_BENCH_SCALE_PART'] ?? 'stateless,stateful,restore').split(',');

const program = (name: string, brokers: string, source: string, sink: string, eos: boolean) => `
SET 'pipeline.name' = '${name}';
SET 'pipeline.scale-out' = 'true';
CREATE STREAM events (
  event_id BIGINT, user_id STRING, page STRING, action STRING, amount DOUBLE, ts TIMESTAMP(3)
) WITH ('connector' = 'kafka', 'topic' = '${source}', 'properties.bootstrap.servers' = '${brokers}',
        'scan.startup.mode' = 'earliest-offset', 'scan.max-offsets-per-trigger' = '10000', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'kafka', 'topic' = '${sink}', 'properties.bootstrap.servers' = '${brokers}',
                      'format' = 'json'${eos ? `, 'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = '${name}'` : ''});
INSERT INTO out SELECT event_id, user_id, amount, ts FROM events WHERE action = 'purchase';`;

export async function benchScale(): Promise<void> {
  useDist();
  const { external, broker, brokers, admin, kafka } = await benchCluster();
  const stamp = Date.now();
  const topics: string[] = [];
  const dir = join(DATA, `scale-${stamp}`);
  mkdirSync(dir, { recursive: true });
  const children = new Set<ChildProcess>();
  const ctx: ScaleContext = { brokers, kafka, admin, dir, stamp, topics, children };
  const recorded: Record<string, unknown> = { partitions: 4, brokers: external ? 'external' : 'in-process' };
  try {
    if (PARTS.includes('stateless')) await stateless();
    if (PARTS.includes('stateful')) recorded['stateful'] = await benchStatefulScale(ctx);
    if (PARTS.includes('restore')) recorded['restore'] = await benchRestore(ctx);
    console.log(`results: ${writeResults('scale', recorded)}`);
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await admin.deleteTopics({ topics }).catch(() => {});
    await admin.disconnect();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  /** Kafka → filter → Kafka, at-least-once and exactly-once, 1 vs 2 processes. */
  async function stateless(): Promise<void> {
    let runs = 0;
    /** One run: `processes` sqc processes; ms from all owning tasks to all positions at the end. */
    const run = async (processes: number, eos: boolean): Promise<number> => {
      const n = runs++;
      const name = `bench-scale-${stamp}-${n}`;
      const source = `${name}-events`;
      const sink = `${name}-out`;
      await admin.createTopics({
        topics: [source, sink].map((topic) => ({ topic, numPartitions: 4 })),
        waitForLeaders: true,
      });
      topics.push(source, sink);
      const commit = await produceInTransaction(kafka, source, `${name}-producer`);
      const job = join(dir, `${name}.sq`);
      writeFileSync(job, program(name, brokers, source, sink, eos));
      const procs = Array.from({ length: processes }, () => startSqc(ctx, job));
      await untilOwning(procs, 4);
      await commit();
      const t0 = performance.now();
      const cpu0 = procs.map((p) => cpuSeconds(p.child.pid));
      const self0 = process.cpuUsage();
      await untilPositionsAtEnd(admin, `sqc-${name}.insert_into_out.events`, source);
      const ms = performance.now() - t0;
      const self = process.cpuUsage(self0);
      lastCpu = {
        sqc: procs.reduce((sum, p, i) => sum + cpuSeconds(p.child.pid) - cpu0[i]!, 0),
        broker: (self.user + self.system) / 1e6,
      };
      await stopSqc(ctx, procs);
      return ms;
    };
    /** CPU seconds in the last run's timed window: the sqc processes together, and this process (the broker). */
    let lastCpu = { sqc: 0, broker: 0 };
    const cpus = new Map<string, { sqc: number; broker: number }[]>();
    const variants: Record<string, () => Promise<number>> = {};
    for (const eos of [false, true])
      for (const processes of [1, 2])
        variants[`${eos ? 'exactly-once' : 'at-least-once'}, ${processes}`] = () => run(processes, eos);
    const times = new Map<string, number[]>(Object.keys(variants).map((k) => [k, []]));
    for (let round = 0; round <= RUNS; round++)
      for (const [name, f] of Object.entries(variants)) {
        const ms = await f();
        if (round === 0) continue; // round 0 warms up
        times.get(name)!.push(ms);
        cpus.set(name, [...(cpus.get(name) ?? []), lastCpu]);
      }
    console.log(
      `\n## Scale-out: Kafka → filter → Kafka, ${N.toLocaleString('en-US')} JSON events, 4 partitions (tasks), 1 vs 2 sqc processes, median of ${RUNS}`,
    );
    const results: Record<string, { ms: number; eventsPerSecond: number; speedup?: number }> = {};
    for (const g of ['at-least-once', 'exactly-once']) {
      const one = median(times.get(`${g}, 1`)!);
      const two = median(times.get(`${g}, 2`)!);
      results[`${g}, 1 process`] = { ms: one, eventsPerSecond: N / (one / 1000) };
      results[`${g}, 2 processes`] = { ms: two, eventsPerSecond: N / (two / 1000), speedup: one / two };
      const cpu = (n: number) => {
        const l = cpus.get(`${g}, ${n}`)!;
        return `sqc ${median(l.map((c) => c.sqc)).toFixed(1)}, broker ${median(l.map((c) => c.broker)).toFixed(1)} CPU s`;
      };
      console.log(
        `  ${g.padEnd(14)} 1 process ${one.toFixed(0).padStart(6)} ms (${(N / one).toFixed(0)}k events/s)   ` +
          `2 processes ${two.toFixed(0).padStart(6)} ms (${(N / two).toFixed(0)}k events/s)   speed-up ${(one / two).toFixed(2)}×\n` +
          `  ${''.padEnd(14)} CPU in the timed window (medians): 1 process ${cpu(1)}; 2 processes ${cpu(2)}`,
      );
    }
    recorded['stateless'] = { events: N, runs: Object.fromEntries(times), cpu: Object.fromEntries(cpus), results };
  }
}

/** `N` events (bench/kafka.ts's shape) in one open transaction; the returned function commits it. */
async function produceInTransaction(
  kafka: Kafka,
  topic: string,
  transactionalId: string,
): Promise<() => Promise<void>> {
  const producer = kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout: TRANSACTION_TIMEOUT_MS,
  });
  await producer.connect();
  const tx = await producer.transaction();
  for (let i = 0; i < N; i += 20_000) await tx.send({ topic, messages: events(Math.min(20_000, N - i), i), acks: -1 });
  return async () => {
    await tx.commit();
    await producer.disconnect();
  };
}
