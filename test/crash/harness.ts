/**
 * Runs `sqc run` as a child process for the crash tests: optionally killed (SIGKILL, or another signal) after a delay
 * (counted from the spawn, or from the moment the job reported that it opened its checkpoint),
 * optionally with `SQC_CRASH_AT`, sampling its peak memory; and compares output directories.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';

export const ROOT = resolve(import.meta.dirname, '..', '..');
const SQC = join(ROOT, 'bin', 'sqc.js');

export interface RunOptions {
  /** The .sq file (absolute). */
  readonly job: string;
  /** Working directory: holds data/ (the input) and gets out/ (the output). */
  readonly cwd: string;
  readonly sets: Readonly<Record<string, string>>;
  readonly cacheDir: string;
  /** `SQC_CRASH_AT` for this run. */
  readonly crashAt?: string;
  /** SIGKILL this long after the spawn ... */
  readonly killAfterMs?: number;
  /**
   * ... or this long after the job's first notice (its checkpoint is open, replay begins); a
   * function gets the notice (what the restart resumes from, how much it replays).
   */
  readonly killAfterOpenMs?: number | ((notice: string) => number);
  /** ... or once `progress()` reaches this, after the notice. */
  readonly killAtProgress?: number;
  /** How far the job is (e.g. output bytes so far / the reference's), sampled every 20 ms. */
  readonly progress?: () => number;
  /** The signal of the kills above (default SIGKILL; SIGINT and SIGTERM ask the job to stop). */
  readonly signal?: NodeJS.Signals;
  /** An unbounded job: sent SIGINT (not counted as a kill) once this holds after the notice, sampled every 20 ms. */
  readonly stopWhen?: () => boolean;
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Killed by the harness (not by SQC_CRASH_AT), with `RunOptions.signal`. */
  readonly killedByHarness: boolean;
  /** Stopped by the harness because `stopWhen` held. */
  readonly stoppedByHarness: boolean;
  readonly stderr: string;
  /** Wall time of the run. */
  readonly ms: number;
  /** From the spawn to the first notice (checkpoint opened), or null if it never came. */
  readonly openMs: number | null;
  /** Peak resident set size (VmHWM, bytes) as last sampled, or null off Linux. */
  readonly peakRss: number | null;
  /** `progress()` at the notice and when killed (null: not sampled). */
  readonly progressAtOpen: number | null;
  readonly progressAtKill: number | null;
}

/** Children still running (killed by `killAll` when a test fails or times out). */
const live = new Set<import('node:child_process').ChildProcess>();

export function killAll(): void {
  for (const c of live) c.kill('SIGKILL');
  live.clear();
}

function vmHwm(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export function runJob(o: RunOptions): Promise<RunResult> {
  const args = [SQC, 'run', o.job];
  for (const [k, v] of Object.entries(o.sets)) args.push('--set', `${k}=${v}`);
  const env: NodeJS.ProcessEnv = { ...process.env, SQC_CACHE_DIR: o.cacheDir, NO_COLOR: '1' };
  delete env['SQC_CRASH_AT'];
  if (o.crashAt !== undefined) env['SQC_CRASH_AT'] = o.crashAt;
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: o.cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const pid = child.pid!;
  live.add(child);
  let stderr = '';
  let progressAtOpen: number | null = null;
  let progressAtKill: number | null = null;
  let openMs: number | null = null;
  let killed = false;
  let peak: number | null = null;
  const timers: NodeJS.Timeout[] = [];
  const kill = () => {
    // once: a second SIGINT aborts the graceful stop the first one asked for
    if (killed || child.exitCode !== null || child.signalCode !== null) return;
    peak = Math.max(peak ?? 0, vmHwm(pid) ?? 0) || peak;
    if (o.progress) progressAtKill = o.progress();
    killed = child.kill(o.signal ?? 'SIGKILL');
  };
  let stopped = false;
  if (o.killAfterMs !== undefined) timers.push(setTimeout(kill, o.killAfterMs));
  const sampler = setInterval(() => {
    const v = vmHwm(pid);
    if (v !== null) peak = Math.max(peak ?? 0, v);
    if (openMs !== null && o.killAtProgress !== undefined && o.progress!() >= o.killAtProgress) kill();
    if (
      !stopped &&
      !killed &&
      openMs !== null &&
      o.stopWhen?.() &&
      child.exitCode === null &&
      child.signalCode === null
    ) {
      stopped = child.kill('SIGINT');
    }
  }, 20);
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
    const notice = openMs === null ? /^sqc: (?:resuming from checkpoint|checkpoints:).*\n/m.exec(stderr) : null;
    if (notice !== null) {
      openMs = performance.now() - t0;
      if (o.progress) progressAtOpen = o.progress();
      const k = o.killAfterOpenMs;
      if (k !== undefined) timers.push(setTimeout(kill, Math.max(0, typeof k === 'number' ? k : k(notice[0]))));
    }
  });
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      clearInterval(sampler);
      live.delete(child);
      done({
        code,
        signal,
        killedByHarness: killed,
        stoppedByHarness: stopped,
        stderr,
        ms: performance.now() - t0,
        openMs,
        peakRss: peak,
        progressAtOpen,
        progressAtKill,
      });
    });
  });
}

/** `resuming from checkpoint ...: q after batch 41 (state of batch 38, replaying 3 batches); ...` per query. */
export function resumePoints(stderr: string): { query: string; committed: number; state: number; replay: number }[] {
  const line = /^sqc: resuming from checkpoint [^:]*: (.*)$/m.exec(stderr)?.[1];
  if (line === undefined) return [];
  const out: { query: string; committed: number; state: number; replay: number }[] = [];
  for (const part of line.split('; ')) {
    const m =
      /^(\S+) (?:after batch (-?\d+)|finished in an earlier run \(batch (-?\d+)\))(?: \((?:state of batch (\d+)|no state yet)(?:, replaying (\d+) batch)?)?/.exec(
        part,
      );
    if (m)
      out.push({
        query: m[1]!,
        committed: Number(m[2] ?? m[3]),
        state: m[4] === undefined ? -1 : Number(m[4]),
        replay: Number(m[5] ?? 0),
      });
  }
  return out;
}

/** `checkpoints: 7 written` per query from the job's summary. */
export function statesWritten(stderr: string): number {
  let n = 0;
  for (const m of stderr.matchAll(/checkpoints: (\d+) written/g)) n += Number(m[1]);
  return n;
}

/** Visible files of `dir` and hidden staging/temp files left anywhere under `dirs`. */
export function listOutput(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => !f.startsWith('.'))
    .sort();
}

export function leftovers(...dirs: string[]): string[] {
  const found: string[] = [];
  for (const d of dirs) {
    for (const e of readdirSync(d, { recursive: true, withFileTypes: true })) {
      if (e.isFile() && e.name.startsWith('.') && /\.(pending|next|tmp)$/.test(e.name))
        found.push(join(e.parentPath, e.name));
    }
  }
  return found;
}

/** Null when the two files are equal; else where they first differ, by line. */
export function fileDifference(expectedPath: string, actualPath: string): string | null {
  const a = readFileSync(expectedPath);
  const b = readFileSync(actualPath);
  if (a.equals(b)) return null;
  const al = a.toString('utf8').split('\n');
  const bl = b.toString('utf8').split('\n');
  let i = 0;
  while (i < al.length && i < bl.length && al[i] === bl[i]) i++;
  const as = new Set(al);
  const bs = new Map<string, number>();
  for (const l of bl) bs.set(l, (bs.get(l) ?? 0) + 1);
  const missing = al.filter((l) => !bs.has(l)).length;
  const extra = bl.filter((l) => !as.has(l)).length;
  const dup = [...bs.values()].filter((n) => n > 1).length;
  return (
    `${actualPath}: ${b.length} bytes / ${bl.length - 1} lines, expected ${a.length} bytes / ${al.length - 1} lines; ` +
    `first difference at line ${i + 1}: expected ${JSON.stringify(al[i]?.slice(0, 160))}, got ${JSON.stringify(bl[i]?.slice(0, 160))}; ` +
    `${missing} expected lines missing, ${extra} unexpected lines, ${dup} lines repeated`
  );
}

/** Compiles the jobs into the cache the runs use, so no restart pays for compiling. */
export async function precompile(files: readonly string[], cacheDir: string): Promise<void> {
  const { compileCached } = await import('../../bin/commands/cache.ts');
  const saved = process.env['SQC_CACHE_DIR'];
  process.env['SQC_CACHE_DIR'] = cacheDir;
  try {
    for (const f of files) expect(await compileCached(f, { useCache: true, color: false }), f).not.toBeNull();
  } finally {
    if (saved === undefined) delete process.env['SQC_CACHE_DIR'];
    else process.env['SQC_CACHE_DIR'] = saved;
  }
}
