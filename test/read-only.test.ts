/**
 * A read-only file system under the checkpoint or the output, as `sqc run` meets it: a real
 * tmpfs mounted read-only (and, for a disk that turns read-only while the job runs — what Linux
 * does to a file system after an I/O error — a read-only bind mount over a live checkpoint).
 * Each case gets a message naming the path and what to do, exit 1, and a checkpoint that still
 * resumes to the output of an uninterrupted run. Mounting needs root: elsewhere the file is
 * skipped, and says so.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killAll, runJob, type RunResult } from './crash/harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'sqc-ro-'));
const mnt = join(dir, 'mnt');
mkdirSync(mnt);

function sh(cmd: string, ...args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const canMount = process.getuid?.() === 0 && sh('mount', '-t', 'tmpfs', 'tmpfs', mnt) && sh('umount', mnt);
if (!canMount) console.warn('test/read-only.test.ts: skipped (mounting a tmpfs needs root)');

const mounts: string[] = [];
function mountTmpfs(): void {
  execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', mnt]);
  mounts.push(mnt);
}
function readOnly(): void {
  execFileSync('mount', ['-o', 'remount,ro', mnt]);
}
/** A read-only view over the mount while files of it are open for writing (a plain remount is refused: busy). */
function bindReadOnly(): void {
  execFileSync('mount', ['--bind', mnt, mnt]);
  mounts.push(mnt);
  execFileSync('mount', ['-o', 'remount,bind,ro', mnt]);
}
function unmountAll(): void {
  while (mounts.length > 0) sh('umount', mounts.pop()!);
}
afterEach(() => {
  killAll();
  unmountAll();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EVENTS = [
  { k: 'a', ts: '2025-01-01T00:00:10Z' },
  { k: 'b', ts: '2025-01-01T00:00:20Z' },
  { k: 'a', ts: '2025-01-01T00:02:00Z' },
];
const LATER = [
  { k: 'c', ts: '2025-01-01T00:05:00Z' },
  { k: 'a', ts: '2025-01-01T00:09:00Z' },
];
const lines = (rows: readonly object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** A case folder: the job, its input directory (watched) and where its output goes. */
function job(name: string, sinkPath: string): { cwd: string; sq: string } {
  const cwd = join(dir, name);
  mkdirSync(join(cwd, 'in'), { recursive: true });
  writeFileSync(join(cwd, 'in', '1.jsonl'), lines(EVENTS));
  const sq = join(cwd, 'job.sq');
  writeFileSync(
    sq,
    `CREATE STREAM ev (k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH ('connector' = 'file', 'path' = 'in', 'format' = 'json', 'source.monitor-interval' = '100 ms');
CREATE SINK counts WITH ('connector' = 'file', 'path' = '${sinkPath}', 'format' = 'json');
INSERT INTO counts
SELECT window_start, window_end, k, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, k;
`,
  );
  return { cwd, sq };
}

const run = (cwd: string, sq: string, sets: Record<string, string>, o: { stopWhen?: () => boolean } = {}) =>
  runJob({ job: sq, cwd, sets, cacheDir: join(dir, 'cache'), ...o });

/** stderr without the timing-dependent summary (the status lines of `job …`). */
const messages = (r: RunResult) =>
  r.stderr
    .split('\n')
    .filter((l) => l.startsWith('error:') || l.startsWith('  hint:'))
    .join('\n');

describe.skipIf(!canMount)('a read-only file system', () => {
  it('under checkpoint.dir at start: the directory is named, nothing runs', async () => {
    mountTmpfs();
    readOnly();
    const { cwd, sq } = job('ro-checkpoint', 'out/counts.jsonl');
    const r = await run(cwd, sq, { 'checkpoint.dir': join(mnt, 'chk') });
    expect(r.code).toBe(1);
    expect(messages(r)).toBe(
      `error: checkpoint directory ${join(mnt, 'chk')} cannot be created: read-only file system (EROFS) (in ${mnt})\n` +
        '  hint: choose a writable checkpoint.dir',
    );
    expect(existsSync(join(cwd, 'out'))).toBe(false);
  }, 60_000);

  it('under an existing checkpoint: it says to make it writable, and then resumes', async () => {
    mountTmpfs();
    const { cwd, sq } = job('ro-existing', 'out/counts.jsonl');
    const sets = { 'checkpoint.dir': join(mnt, 'chk'), 'trigger.mode': 'available-now' };
    expect((await run(cwd, sq, sets)).code).toBe(0);
    writeFileSync(join(cwd, 'in', '2.jsonl'), lines(LATER));
    readOnly();
    const r = await run(cwd, sq, sets);
    expect(r.code).toBe(1);
    expect(messages(r)).toBe(
      `error: checkpoint directory ${join(mnt, 'chk')} cannot be written: read-only file system (EROFS)\n` +
        `  hint: make ${join(mnt, 'chk')} writable again and rerun to resume from it, or choose another checkpoint.dir (which starts over)`,
    );
    execFileSync('mount', ['-o', 'remount,rw', mnt]);
    expect((await run(cwd, sq, sets)).code).toBe(0);
    const reference = job('ro-existing-reference', 'out/counts.jsonl');
    writeFileSync(join(reference.cwd, 'in', '2.jsonl'), lines(LATER));
    expect(
      (await run(reference.cwd, reference.sq, { 'checkpoint.dir': '', 'trigger.mode': 'available-now' })).code,
    ).toBe(0);
    expect(readFileSync(join(cwd, 'out', 'counts.jsonl'), 'utf8')).toBe(
      readFileSync(join(reference.cwd, 'out', 'counts.jsonl'), 'utf8'),
    );
  }, 120_000);

  it('under the output: the sink names its path', async () => {
    mountTmpfs();
    readOnly();
    const { cwd, sq } = job('ro-sink', join(mnt, 'out', 'counts.jsonl'));
    const r = await run(cwd, sq, { 'checkpoint.dir': join(cwd, 'chk'), 'trigger.mode': 'available-now' });
    expect(r.code).toBe(1);
    expect(messages(r)).toMatch(
      new RegExp(`^error: .*${join(mnt, 'out').replace(/[/.]/g, '\\$&')}.*read-only file system \\(EROFS\\)`),
    );
  }, 60_000);

  it('turning read-only while the job runs: it stops with the checkpoint intact, and a rerun completes it', async () => {
    mountTmpfs();
    const { cwd, sq } = job('ro-midrun', 'out/counts.jsonl');
    const chk = join(mnt, 'chk');
    const sets = { 'checkpoint.dir': chk, 'checkpoint.interval': '0 ms' };
    let turned = false;
    // once the first batch is checkpointed: the disk turns read-only, and more input arrives
    const first = await run(cwd, sq, sets, {
      stopWhen: () => {
        if (!turned && existsSync(join(chk, 'insert_into_counts', 'state-0.ckpt'))) {
          turned = true;
          bindReadOnly();
          writeFileSync(join(cwd, 'in', '2.jsonl'), lines(LATER));
        }
        return false;
      },
    });
    expect(turned).toBe(true);
    expect(first.code).toBe(1);
    expect(messages(first)).toMatch(
      /^error: query "insert_into_counts" failed: checkpoint file .* could not be written: read-only file system \(EROFS\)\n {2}hint: the job stopped; the checkpoint in .* is intact up to batch \d+\. Make .* writable and run the job again to resume from it$/,
    );
    // the disk is writable again (the bind mount goes; the tmpfs and its checkpoint stay)
    sh('umount', mounts.pop()!);
    const done = { ...sets, 'trigger.mode': 'available-now' };
    expect((await run(cwd, sq, done)).code).toBe(0);
    const reference = job('ro-midrun-reference', 'out/counts.jsonl');
    writeFileSync(join(reference.cwd, 'in', '2.jsonl'), lines(LATER));
    expect((await run(reference.cwd, reference.sq, { ...done, 'checkpoint.dir': '' })).code).toBe(0);
    expect(readFileSync(join(cwd, 'out', 'counts.jsonl'), 'utf8')).toBe(
      readFileSync(join(reference.cwd, 'out', 'counts.jsonl'), 'utf8'),
    );
  }, 120_000);
});
