/**
 * Benchmark: scale-out (issue 17, docs/scale-out.md; aim ≥ 1.6× with 2 processes on 2 cores).
 * One broker (in-process in this benchmark's process, or the cluster in KAFKA_BROKERS), one topic
 * of `SQC_BENCH_KAFKA_EVENTS` JSON events (default 500k, bench/kafka.ts's shape, 4 partitions);
 * the same scaled-out job — Kafka → filter → Kafka, at-least-once and exactly-once (a transaction
 * per task per micro-batch) — run as 1 and as 2 `sqc run` processes (the built dist/, as an
 * installed sqc runs), interleaved, median of `SQC_BENCH_RUNS` (default 3) after a warm-up round.
 * Each run has its own pipeline.name (so its own group and positions) and output topic; it is
 * timed from the moment every process owns its tasks (start-up and the group join excluded) to the
 * moment the committed positions reach the end of every partition.
 *
 * Restore time vs state size is not measured: state per task (changelog topics) is not built.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchCluster, eventsTopic } from './kafka.ts';
import { DATA } from './pipeline.ts';
import { median, useDist, writeResults } from './util.ts';

const N = Number(process.env['SQC_BENCH_KAFKA_EVENTS'] ?? 500_000);
const RUNS = Number(process.env['SQC_BENCH_RUNS'] ?? 3);
const SQC = join(import.meta.dirname, '..', 'bin', 'sqc.js');

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function benchScale(): Promise<void> {
  useDist();
  const { external, broker, brokers, admin, kafka } = await benchCluster();
  const stamp = Date.now();
  const source = `sqc-bench-scale-events-${stamp}`;
  const topics: string[] = [source];
  const dir = join(DATA, `scale-${stamp}`);
  mkdirSync(dir, { recursive: true });
  const children = new Set<ChildProcess>();
  try {
    await eventsTopic(kafka, admin, source, N);
    const ends = await admin.fetchTopicOffsets(source);
    let runs = 0;
    /** One run: `processes` sqc processes; ms from all owning tasks to all positions at the end. */
    const run = async (processes: number, eos: boolean): Promise<number> => {
      const n = runs++;
      const name = `bench-scale-${stamp}-${n}`;
      const sink = `${name}-out`;
      await admin.createTopics({ topics: [{ topic: sink, numPartitions: 4 }], waitForLeaders: true });
      topics.push(sink);
      const job = join(dir, `${name}.sq`);
      writeFileSync(job, program(name, brokers, source, sink, eos));
      const procs = Array.from({ length: processes }, () => {
        const child = spawn(process.execPath, [SQC, 'run', '--quiet', job], {
          stdio: ['ignore', 'ignore', 'pipe'],
          env: { ...process.env, NO_COLOR: '1' },
        });
        children.add(child);
        const p = { child, stderr: '', exit: new Promise<void>((r) => child.on('close', () => r())) };
        child.stderr!.setEncoding('utf8').on('data', (d: string) => (p.stderr += d));
        return p;
      });
      const owning = (s: string) => {
        const all = [...s.matchAll(/generation (\d+): this process owns tasks? ([\d, ]+)/g)];
        return all.length === 0
          ? null
          : { gen: all[all.length - 1]![1], n: all[all.length - 1]![2]!.split(',').length };
      };
      // every process owns its share in the same generation
      for (;;) {
        const o = procs.map((p) => owning(p.stderr));
        if (o.every((x) => x !== null && x.gen === o[0]!.gen) && o.reduce((s, x) => s + x!.n, 0) === 4) break;
        for (const p of procs)
          if (p.child.exitCode !== null) throw new Error(`sqc run exited early:\n${p.stderr.slice(-2000)}`);
        await sleep(20);
      }
      const t0 = performance.now();
      const positions = `sqc-${name}.insert_into_out.events`;
      for (;;) {
        const got = await admin.fetchOffsets({ groupId: positions, topics: [source] });
        const done = ends.every(
          (e) => Number(got[0]?.partitions.find((p) => p.partition === e.partition)?.offset ?? -1) >= Number(e.high),
        );
        if (done) break;
        await sleep(20);
      }
      const ms = performance.now() - t0;
      for (const p of procs) p.child.kill('SIGINT');
      await Promise.all(procs.map((p) => p.exit));
      for (const p of procs) children.delete(p.child);
      return ms;
    };
    const variants: Record<string, () => Promise<number>> = {};
    for (const eos of [false, true])
      for (const processes of [1, 2])
        variants[`${eos ? 'exactly-once' : 'at-least-once'}, ${processes}`] = () => run(processes, eos);
    const times = new Map<string, number[]>(Object.keys(variants).map((k) => [k, []]));
    for (let round = 0; round <= RUNS; round++)
      for (const [name, f] of Object.entries(variants)) {
        const ms = await f();
        if (round > 0) times.get(name)!.push(ms); // round 0 warms up
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
      console.log(
        `  ${g.padEnd(14)} 1 process ${one.toFixed(0).padStart(6)} ms (${(N / one).toFixed(0)}k events/s)   ` +
          `2 processes ${two.toFixed(0).padStart(6)} ms (${(N / two).toFixed(0)}k events/s)   speed-up ${(one / two).toFixed(2)}×`,
      );
    }
    console.log('  restore time vs state size: not measured (state per task is not built yet)');
    console.log(
      `results: ${writeResults('scale', { events: N, partitions: 4, brokers: external ? 'external' : 'in-process', runs: Object.fromEntries(times), results })}`,
    );
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await admin.deleteTopics({ topics }).catch(() => {});
    await admin.disconnect();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
