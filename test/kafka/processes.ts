/**
 * `sqc run` processes of a scaled-out job for whole-process tests (test/kafka/scale-out*.test.ts):
 * spawned with `node bin/sqc.js`, their stderr collected, their task assignments read from the
 * group's notices.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../crash/harness.ts';

const SQC = join(ROOT, 'bin', 'sqc.js');
const children = new Set<ChildProcess>();

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `cond` holds, failing with `what` after `ms`. */
export async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 45_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** SIGKILLs every process still running (afterAll). */
export function killAll(): void {
  for (const c of children) c.kill('SIGKILL');
}

/** One `sqc run` process of the job, its stderr collected. */
export class Proc {
  readonly child: ChildProcess;
  stderr = '';
  exit: Promise<number | null>;
  constructor(
    readonly name: string,
    job: string,
    cacheDir: string,
    cwd: string,
  ) {
    this.child = spawn(process.execPath, [SQC, 'run', job], {
      cwd,
      env: { ...process.env, SQC_CACHE_DIR: cacheDir, NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.add(this.child);
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exit = new Promise((resolve) =>
      this.child.on('close', (code) => {
        children.delete(this.child);
        resolve(code);
      }),
    );
  }
  /** The tasks of this process's latest assignment (null: none yet). */
  tasks(): number[] | null {
    const all = [...this.stderr.matchAll(/generation (\d+): this process owns tasks? ([\d, ]+|- \(a spare\))/g)];
    const last = all[all.length - 1];
    if (last === undefined) return null;
    return last[2]!.startsWith('-') ? [] : last[2]!.split(', ').map(Number);
  }
  generation(): number {
    const all = [...this.stderr.matchAll(/generation (\d+): this process owns/g)];
    return all.length === 0 ? -1 : Number(all[all.length - 1]![1]);
  }
}
