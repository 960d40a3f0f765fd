/**
 * Crash tests (issue 4): test/crash/job.sq — a tumbling and a hopping aggregate with
 * COUNT(DISTINCT), a session aggregate, a stateless filter/projection and an EMIT COMPLETE
 * aggregate (the sink replaces the file each batch through a hidden .next), all to exactly-once
 * file sinks (JSON lines and CSV) — runs over 500k seeded rows as a separate `sqc run` process
 * that is SIGKILLed again and again and restarted each time until it completes. Its output must
 * then equal an uninterrupted run's byte for byte (no row lost, none duplicated) and no hidden
 * staging or temp file may be left.
 *
 * Four chains of runs, two at a time (two cores):
 * - points: `SQC_CRASH_AT` at the fault points of the protocol (checkpoint write, sink commit,
 *   cleanup, during replay), checkpoint.interval 200 ms;
 * - kills: SIGKILL at seeded random moments: during start-up, during replay, and spread over the
 *   run, checkpoint.interval 200 ms;
 * - interval-0: a state snapshot after every batch (larger batches), kills and fault points;
 * - long-replay: checkpoint.interval 1 h (no state until the end: every restart replays the whole
 *   log), killed at 40% and again at a fault point inside the replay; must converge, with bounded
 *   memory.
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { seededRandom } from '../runtime/random.ts';
import { generateEvents } from './crash/generate.ts';
import {
  ROOT,
  fileDifference,
  killAll,
  precompile,
  leftovers,
  listOutput,
  resumePoints,
  runJob,
  statesWritten,
  type RunOptions,
  type RunResult,
} from './crash/harness.ts';

const ROWS = 500_000;
const SEED = 20250421;
/** SIGKILLs at seeded random moments (at least 20): during start-up, during replay, spread over the run. */
const KILLS = 20;
const JOB = join(ROOT, 'test', 'crash', 'job.sq');
const OUTPUTS = ['per_user.jsonl', 'per_page.csv', 'sessions.jsonl', 'big_orders.csv', 'page_totals.csv'];

/**
 * Fault points of the 200 ms chain, with the occurrence (counted per process, over the four
 * queries) that kills it; one run per entry, in order, each resuming the previous one. A run has
 * ~20,000 batch-level points (5,001 batches per query) and ~150 state snapshots.
 */
const POINTS: readonly [string, number][] = [
  ['offsets.written', 1500], // write-ahead record written, nothing processed
  ['batch.processed', 1], // the first batch of the restart: a replayed one
  ['sink.staged', 1000], // one sink staged, the others not
  ['sinks.staged', 2000], // every sink staged, no commit marker
  ['commit.written', 2000], // committed, nothing published
  ['sink.published', 1200], // appended to the file, no manifest entry
  ['batch.published', 2000], // published, before the state snapshot
  ['state.temp-written', 10], // state temp file written, not renamed
  ['state.renamed', 10], // state in place, log not rotated
  ['cleanup.delete', 6], // between deletions of old checkpoint files
  ['commit.written', 1], // the first commit after a restart
  ['sinks.staged', 1], // during replay
];

/** The same for the interval-0 chain (100 batches per query, a state snapshot after each). */
const POINTS_0: readonly [string, number][] = [
  ['state.temp-written', 40],
  ['state.renamed', 40],
  ['cleanup.delete', 40],
  ['commit.written', 40],
  ['sink.published', 40],
];

interface Log {
  runs: number;
  harnessKills: number;
  pointKills: Map<string, number>;
  /** Fault points whose run ended without reaching them. */
  missed: string[];
  /** Committed batch of the first query at each restart (how the kills spread over the run). */
  resumedAt: number[];
  /** Restarts that replayed committed batches. */
  replays: number;
  maxReplay: number;
  /** Kills before the job's checkpoint was opened (start-up). */
  startupKills: number;
  /** Kills after it was opened but before any new output: during replay (or sink recovery). */
  replayKills: number;
  /** Output progress (fraction of the reference's bytes) at each kill. */
  killedAt: number[];
  statesSeen: Set<string>;
  statesWritten: number;
  peakRss: number;
  ms: number;
  passes: number;
  /** The start-up (ms from spawn to the first notice) of the lane's last run that got that far. */
  lastOpenMs: number;
}

/** A lane's log; `startupMs` the reference run's start-up, until the lane's own runs say theirs. */
function newLog(startupMs = 1000): Log {
  return {
    lastOpenMs: startupMs,
    runs: 0,
    harnessKills: 0,
    pointKills: new Map(),
    missed: [],
    resumedAt: [],
    replays: 0,
    maxReplay: 0,
    startupKills: 0,
    replayKills: 0,
    killedAt: [],
    statesSeen: new Set(),
    statesWritten: 0,
    peakRss: 0,
    ms: 0,
    passes: 1,
  };
}

/** `SQC_CRASH_TRACE=<file>`: one line per run, as it ends (to watch the test). */
function trace(line: string): void {
  const f = process.env['SQC_CRASH_TRACE'];
  if (f) appendFileSync(f, `${new Date().toISOString().slice(11, 23)} ${line}\n`);
}

type Step = Pick<RunOptions, 'crashAt' | 'killAfterMs' | 'killAfterOpenMs' | 'killAtProgress'> & {
  /**
   * SIGKILL while the job starts: after this fraction of the start-up (spawn to the first notice)
   * of the lane's previous run, so the kill lands in start-up however loaded the machine is.
   */
  readonly killInStartup?: number;
};

/** One run of a chain: records what happened; throws when the job failed on its own. */
async function step(base: Omit<RunOptions, keyof Step>, s: Step, log: Log): Promise<RunResult> {
  const { killInStartup, ...run } = s;
  const r = await runJob({
    ...base,
    ...run,
    ...(killInStartup !== undefined ? { killAfterMs: killInStartup * log.lastOpenMs } : {}),
  });
  if (r.openMs !== null) log.lastOpenMs = r.openMs;
  trace(
    `${base.cwd.split('/').pop()} run ${log.runs + 1}: ${r.signal ?? `exit ${r.code}`}${r.killedByHarness ? ' (harness)' : ''} ` +
      `${s.crashAt ?? ''} after ${Math.round(r.ms)} ms (open at ${r.openMs === null ? '-' : Math.round(r.openMs)}) ` +
      `progress ${r.progressAtOpen?.toFixed(3)} -> ${r.progressAtKill?.toFixed(3)} ` +
      `${resumePoints(r.stderr)
        .map((q) => `${q.committed}/${q.state}/${q.replay}`)
        .join(' ')}`,
  );
  log.runs++;
  log.ms += r.ms;
  log.peakRss = Math.max(log.peakRss, r.peakRss ?? 0);
  log.statesWritten += statesWritten(r.stderr);
  const resumed = resumePoints(r.stderr);
  if (resumed.length > 0) {
    log.resumedAt.push(resumed[0]!.committed);
    for (const q of resumed) {
      if (q.state >= 0) log.statesSeen.add(`${q.query}@${q.state}`);
      log.maxReplay = Math.max(log.maxReplay, q.replay);
    }
    if (resumed.some((q) => q.replay > 0)) log.replays++;
  }
  if (r.signal === 'SIGKILL') {
    if (r.killedByHarness) {
      log.harnessKills++;
      if (r.openMs === null) log.startupKills++;
      else if (r.progressAtOpen !== null && r.progressAtKill === r.progressAtOpen) log.replayKills++;
      if (r.progressAtKill !== null) log.killedAt.push(r.progressAtKill);
    } else if (s.crashAt !== undefined) log.pointKills.set(s.crashAt, (log.pointKills.get(s.crashAt) ?? 0) + 1);
    else throw new Error(`${base.cwd}: the job was SIGKILLed by someone else\n${r.stderr}`);
    return r;
  }
  if (r.code !== 0)
    throw new Error(
      `${base.cwd}: the job failed (exit ${r.code}, signal ${r.signal}) after ${log.runs} runs:\n${r.stderr}`,
    );
  if (s.crashAt !== undefined) log.missed.push(s.crashAt);
  return r;
}

/** Runs `steps` (a run ends when killed; the chain restarts), then runs to completion. */
async function chain(base: Omit<RunOptions, keyof Step>, steps: readonly Step[], log: Log): Promise<void> {
  let done = false;
  for (const s of steps) {
    const r = await step(base, s, log);
    done = r.code === 0;
    if (done) break;
  }
  for (let k = 0; !done; k++) {
    if (k === 3) throw new Error(`${base.cwd}: the job did not complete in 3 runs after the last kill`);
    done = (await step(base, {}, log)).code === 0;
  }
}

/** Every output file of `dir` equals the reference's, and nothing hidden is left over. */
function checkOutput(reference: string, dir: string): void {
  const files = listOutput(join(reference, 'out'));
  expect(listOutput(join(dir, 'out')), dir).toEqual(files);
  const diffs = files
    .map((f) => fileDifference(join(reference, 'out', f), join(dir, 'out', f)))
    .filter((d) => d !== null);
  expect(diffs, `${dir}: output differs from the uninterrupted run`).toEqual([]);
  expect(leftovers(join(dir, 'out'), join(dir, 'chk')), `${dir}: hidden files left over`).toEqual([]);
}

function summary(name: string, log: Log): string {
  const points = [...log.pointKills].map(([p, n]) => (n > 1 ? `${p}×${n}` : p)).join(', ');
  const spread = log.resumedAt.length > 0 ? `resumed after batches ${log.resumedAt.join(' ')}` : '';
  return (
    `${name}: ${log.runs} runs in ${(log.ms / 1000).toFixed(1)} s (process time), ${log.harnessKills} SIGKILLs ` +
    `(${log.startupKills} during start-up, ${log.replayKills} during replay${log.killedAt.length > 0 ? `, at ${log.killedAt.map((x) => `${Math.round(x * 100)}%`).join(' ')} of the output` : ''}), ${[...log.pointKills.values()].reduce((a, b) => a + b, 0)} SQC_CRASH_AT kills${points ? ` (${points})` : ''}; ` +
    `${log.replays} restarts replayed (max ${log.maxReplay} batches); ${log.statesSeen.size} distinct states resumed from, ` +
    `${log.statesWritten} states written by completed runs; peak RSS ${Math.round(log.peakRss / 2 ** 20)} MiB; ${spread}`
  );
}

it(`a job over ${ROWS} rows, SIGKILLed ${KILLS} times at random and at every fault point, ends with exactly the output of an uninterrupted run`, async () => {
  const t0 = performance.now();
  const tmp = mkdtempSync(join(tmpdir(), 'sqc-crash-'));
  try {
    mkdirSync(join(tmp, 'data'));
    writeFileSync(join(tmp, 'data', 'events.jsonl'), generateEvents(ROWS, SEED));
    // interval 0: a state after every batch, so 10x larger batches (fsync per state)
    const job0 = join(tmp, 'job-interval-0.sq');
    const text = readFileSync(JOB, 'utf8');
    expect(text).toContain(`'scan.batch-size' = '100'`);
    writeFileSync(job0, text.replace(`'scan.batch-size' = '100'`, `'scan.batch-size' = '5000'`));
    const cacheDir = join(tmp, 'cache');
    await precompile([JOB, job0], cacheDir);
    const tGen = performance.now() - t0;

    /** Output bytes of a lane so far, as a fraction of its reference's. */
    const refBytes = new Map<string, number>();
    const outBytes = (dir: string) => {
      let n = 0;
      for (const f of OUTPUTS) n += existsSync(join(dir, 'out', f)) ? statSync(join(dir, 'out', f)).size : 0;
      return n;
    };
    type Lane = Omit<RunOptions, keyof Step>;
    const lane = (name: string, job: string, sets: Record<string, string>, reference?: Lane): Lane => {
      const cwd = join(tmp, name);
      mkdirSync(cwd);
      symlinkSync(join(tmp, 'data'), join(cwd, 'data'));
      const progress = reference ? () => outBytes(cwd) / refBytes.get(reference.cwd)! : undefined;
      return {
        job,
        cwd,
        cacheDir,
        sets: { 'checkpoint.dir': join(cwd, 'chk'), ...sets },
        ...(progress ? { progress } : {}),
      };
    };

    // 1. the uninterrupted references: the 200 ms job, and the interval-0 variant without checkpoints
    const refLog = newLog();
    const ref = lane('reference', JOB, { 'checkpoint.interval': '200 ms' });
    const ref0 = lane('reference-0', job0, { 'checkpoint.dir': '' });
    const [r, r0] = await Promise.all([step(ref, {}, refLog), step(ref0, {}, newLog())]);
    expect(r.code).toBe(0);
    expect(r0.code).toBe(0);
    expect(r.stderr).toMatch(/late rows dropped/);
    expect(r.stderr).toContain(`${ROWS.toLocaleString('en-US')} rows in`);
    expect(listOutput(join(ref.cwd, 'out'))).toEqual([...OUTPUTS].sort());
    refBytes.set(ref.cwd, outBytes(ref.cwd));
    refBytes.set(ref0.cwd, outBytes(ref0.cwd));
    const batches = Number(/(\d+) batches/.exec(r.stderr)![1]);
    const startup = r.openMs ?? 1000;
    const msPerBatch = (r.ms - startup) / batches;

    // 2. the crash chains, two at a time
    const rand = seededRandom(SEED);
    const between = (a: number, b: number) => a + rand() * (b - a);
    const logs = { points: newLog(), kills: newLog(startup), interval0: newLog(), longReplay: newLog() };
    // Random kills: every 5th while starting (before the checkpoint is open), every 5th while
    // replaying, the rest at seeded points spread evenly over the run (by output written).
    const kills: Step[] = [];
    const spread = KILLS - 2 * Math.ceil(KILLS / 5);
    for (let i = 0, j = 0; i < KILLS; i++) {
      if (i % 5 === 0) kills.push({ killInStartup: between(0.2, 0.8) });
      else if (i % 5 === 1) {
        const u = rand();
        const replayed = (n: string) => Math.max(0, ...resumePoints(n).map((q) => q.replay));
        kills.push({ killAfterOpenMs: (n) => u * Math.max(50, replayed(n) * msPerBatch) });
      } else kills.push({ killAtProgress: ((j++ + rand()) / spread) * 0.9 });
    }
    const steps0: Step[] = [];
    for (const [p, n] of POINTS_0) {
      steps0.push({ crashAt: `${p}:${n}` });
      if (steps0.length < 6) steps0.push({ killAtProgress: between(0.1, 0.9) });
    }

    const points = lane('points', JOB, { 'checkpoint.interval': '200 ms' }, ref);
    const random = lane('kills', JOB, { 'checkpoint.interval': '200 ms' }, ref);
    const zero = lane('interval-0', job0, { 'checkpoint.interval': '0' }, ref0);
    const long = lane('long-replay', JOB, { 'checkpoint.interval': '1 h' }, ref);
    await Promise.all([
      (async () => {
        await chain(
          points,
          POINTS.map(([p, n]) => ({ crashAt: `${p}:${n}` })),
          logs.points,
        );
        await chain(zero, steps0, logs.interval0);
      })(),
      (async () => {
        // until KILLS kills landed; a pass that completes early starts over in a fresh directory
        for (let pass = 0; logs.kills.harnessKills < KILLS; pass++) {
          if (pass > 0) {
            if (pass === 3) throw new Error(`only ${logs.kills.harnessKills} of ${KILLS} kills landed in 3 passes`);
            checkOutput(ref.cwd, random.cwd);
            rmSync(join(random.cwd, 'out'), { recursive: true, force: true });
            rmSync(join(random.cwd, 'chk'), { recursive: true, force: true });
            logs.kills.passes++;
          }
          await chain(random, kills.slice(logs.kills.harnessKills), logs.kills);
        }
        // No state until the end: every restart replays all it committed. Killed at 40% of the
        // output, then again while replaying those 40%: at a count of processed batches below
        // what any one query replays, so it lands in the replay however fast the replay runs.
        await step(long, { killAtProgress: 0.4 }, logs.longReplay);
        const inReplay = Math.round(0.4 * batches * 0.25);
        const second = await step(long, { crashAt: `batch.processed:${inReplay}` }, logs.longReplay);
        expect(second.signal).toBe('SIGKILL');
        expect(Math.min(...resumePoints(second.stderr).map((q) => q.replay))).toBeGreaterThan(inReplay);
        await chain(long, [], logs.longReplay);
      })(),
    ]);

    const total = performance.now() - t0;
    console.log(
      [
        `crash test: ${ROWS} rows, generated and compiled in ${(tGen / 1000).toFixed(1)} s; uninterrupted runs ${(r.ms / 1000).toFixed(1)} s (${batches} batches per query, start-up ${(startup / 1000).toFixed(1)} s, ${statesWritten(r.stderr)} states) and ${(r0.ms / 1000).toFixed(1)} s (batches of 5000, no checkpoints); total ${(total / 1000).toFixed(1)} s`,
        summary('points (200 ms)', logs.points),
        summary(`kills (200 ms, ${logs.kills.passes} pass${logs.kills.passes > 1 ? 'es' : ''})`, logs.kills),
        summary('interval-0', logs.interval0),
        summary('long-replay (1 h)', logs.longReplay),
        `reference peak RSS ${Math.round(refLog.peakRss / 2 ** 20)} MiB`,
      ].join('\n'),
    );

    checkOutput(ref.cwd, points.cwd);
    checkOutput(ref.cwd, random.cwd);
    checkOutput(ref0.cwd, zero.cwd);
    checkOutput(ref.cwd, long.cwd);
    // every fault point fired (a run that completed without reaching its point proves nothing)
    expect(logs.points.missed).toEqual([]);
    expect(logs.interval0.missed).toEqual([]);
    expect(logs.kills.harnessKills).toBeGreaterThanOrEqual(KILLS);
    expect(logs.kills.startupKills).toBeGreaterThan(0);
    expect(logs.kills.replays).toBeGreaterThan(0);
    // the long replay was killed while replaying and still converged, in bounded memory
    expect(logs.longReplay.harnessKills).toBe(1);
    expect([...logs.longReplay.pointKills.keys()]).toEqual([`batch.processed:${Math.round(0.4 * batches * 0.25)}`]);
    expect(logs.longReplay.maxReplay).toBeGreaterThan(batches / 5);
    if (refLog.peakRss > 0) expect(logs.longReplay.peakRss).toBeLessThan(2 * refLog.peakRss + 64 * 2 ** 20);
  } finally {
    killAll();
    rmSync(tmp, { recursive: true, force: true });
  }
}, 300_000);
