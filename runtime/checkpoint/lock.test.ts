/** The checkpoint directory's lock: one job at a time, stale locks (dead or reused pids) taken over. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointStore, type CheckpointSettings } from './store.ts';

function settings(): CheckpointSettings {
  return {
    dir: mkdtempSync(join(tmpdir(), 'sqc-lock-')),
    job: 'orders',
    intervalMs: 1000,
    retained: 3,
    notice: () => {},
  };
}

/** Start time of a process as the lock records it (Linux /proc). */
function started(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

describe.runIf(process.platform === 'linux')('checkpoint directory lock', () => {
  it('records pid, start time and host, and refuses a second job in the same process', async () => {
    const s = settings();
    const store = await CheckpointStore.open(s, []);
    expect(readFileSync(join(s.dir, '.lock'), 'utf8')).toBe(`${process.pid} ${started(process.pid)} ${hostname()}`);
    await expect(CheckpointStore.open(s, [])).rejects.toThrow(
      `checkpoint directory ${s.dir} is in use by another job in this process`,
    );
    store.close();
    (await CheckpointStore.open(s, [])).close();
  });

  it('refuses a lock held by a live process, and takes over one whose pid now belongs to another process', async () => {
    const s = settings();
    const parent = process.ppid;
    writeFileSync(join(s.dir, '.lock'), `${parent} ${started(parent)} ${hostname()}`);
    await expect(CheckpointStore.open(s, [])).rejects.toThrow(
      `checkpoint directory ${s.dir} is in use by process ${parent}\n  hint: stop that job first, or use another checkpoint.dir`,
    );
    writeFileSync(join(s.dir, '.lock'), `${parent} 1 ${hostname()}`); // same pid, other start time: a reused pid
    const store = await CheckpointStore.open(s, []);
    expect(readFileSync(join(s.dir, '.lock'), 'utf8')).toMatch(new RegExp(`^${process.pid} `));
    store.close();
  });

  it('takes over the lock of a dead process; refuses one of another host, saying how to clear it', async () => {
    const s = settings();
    writeFileSync(join(s.dir, '.lock'), '999999999'); // no such pid (an older lock: pid only)
    (await CheckpointStore.open(s, [])).close();
    writeFileSync(join(s.dir, '.lock'), '4242 77 build-host-7');
    await expect(CheckpointStore.open(s, [])).rejects.toThrow(
      `checkpoint directory ${s.dir} is in use by process 4242 on host build-host-7\n  hint: stop that job first; if it is gone, delete ${join(s.dir, '.lock')}`,
    );
  });
});
