/**
 * Test-only fault injection: named points in the checkpoint protocol and the file sink where a
 * test can crash the process (or make an I/O call fail) the n-th time the point is reached.
 *
 *   SQC_CRASH_AT=commit.written:3             SIGKILL this process the 3rd time a commit marker is written
 *   SQC_CRASH_AT=state.temp-written:1,sink.published:7
 *
 * `SQC_FAIL_AT` makes an I/O call fail instead: the n-th time the point is reached it throws an
 * Error with that `code`, as Node's fs calls do (a full disk, a permission change):
 *
 *   SQC_FAIL_AT=state.write:2=ENOSPC,sink.write:5=EACCES
 *
 * In process, `armFault(point, n, action)` does the same with an action: `'kill'` (SIGKILL),
 * `'throw'` (an Error, a crash the job sees as a failure) or a function (e.g. throwing an
 * ENOSPC error to simulate a full disk). Counting is per process and across queries; a point
 * costs two Map operations (a few per micro-batch).
 */

/** Every point the runtime reaches, in protocol order (see docs/checkpoints.md). */
export const FAULT_POINTS = [
  'batch.polled', // records polled, before the write-ahead offsets record
  'offsets.written', // write-ahead offsets record written, before processing
  'batch.processed', // operators ran, before the sinks stage the batch
  'sink.staged', // a file sink wrote its hidden staging file, before it is fsynced/complete
  'sinks.staged', // every sink staged (pre-committed) the batch, before the commit marker
  'commit.written', // commit marker written, before the sinks publish
  'sink.published', // a file sink appended the batch to its target, before its manifest entry
  'batch.published', // every sink published, before the state snapshot (if one is due)
  'log.write', // about to append a record to the offsets/commit log (I/O errors)
  'state.write', // about to write a state snapshot's temp file (I/O errors)
  'state.temp-written', // temp file written and fsynced, before the rename
  'state.renamed', // state file in place, before the log rotates and old checkpoints are deleted
  'cleanup.delete', // about to delete one old checkpoint file
  'sink.write', // a file sink is about to write (I/O errors)
  'kafka.sent', // an exactly-once Kafka sink sent a batch's rows into its open transaction (before the commit marker)
  'kafka.progress-sent', // it sent the progress record into the transaction, before committing it (EndTxn)
  'kafka.committed', // its transaction committed, before the state file that needs it is written
] as const;

export type FaultPoint = (typeof FAULT_POINTS)[number];
export type FaultAction = 'kill' | 'throw' | (() => void);

interface Armed {
  readonly at: number;
  readonly action: FaultAction;
}

const counts = new Map<string, number>();
const armed = new Map<string, Armed[]>();

function parseEnv(name: 'SQC_CRASH_AT' | 'SQC_FAIL_AT'): void {
  const spec = process.env[name];
  if (!spec) return;
  const code = name === 'SQC_FAIL_AT' ? '=<CODE>' : '';
  for (const part of spec.split(',')) {
    const m = /^\s*([a-z.-]+):(\d+)(?:=(E[A-Z]+))?\s*$/.exec(part);
    if (!m || !(FAULT_POINTS as readonly string[]).includes(m[1]!) || (m[3] === undefined) !== (code === '')) {
      throw new Error(
        `${name}: expected <point>:<n>${code}[,...] with a point of ${FAULT_POINTS.join(', ')}; got "${part}"`,
      );
    }
    const errno = m[3];
    armFault(m[1] as FaultPoint, Number(m[2]), errno === undefined ? 'kill' : () => failWith(errno, m[1]!));
  }
}

/** Throws like a failing fs call: an Error whose `code` is `errno` (e.g. ENOSPC). */
function failWith(errno: string, point: string): never {
  throw Object.assign(new Error(`${errno}: injected failure at ${point}`), { code: errno, syscall: 'write' });
}

/** Arms `point` to run `action` the `n`-th time it is reached (1-based, counted from now on). */
export function armFault(point: FaultPoint, n: number, action: FaultAction = 'throw'): void {
  const list = armed.get(point) ?? [];
  list.push({ at: (counts.get(point) ?? 0) + n, action });
  armed.set(point, list);
}

/** Disarms every point and resets the counters (tests). */
export function resetFaults(): void {
  counts.clear();
  armed.clear();
}

/** How often `point` was reached since the last reset. */
export function faultCount(point: FaultPoint): number {
  return counts.get(point) ?? 0;
}

/** The error an injected 'throw' raises. */
export class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
}

/** Marks `point` as reached; runs the armed action when its count comes up. */
export function fault(point: FaultPoint): void {
  const n = (counts.get(point) ?? 0) + 1;
  counts.set(point, n);
  if (armed.size === 0) return;
  const list = armed.get(point);
  if (list === undefined) return;
  for (let i = 0; i < list.length; i++) {
    const a = list[i]!;
    if (a.at !== n) continue;
    list.splice(i, 1);
    if (list.length === 0) armed.delete(point);
    if (a.action === 'kill') {
      process.kill(process.pid, 'SIGKILL');
      // SIGKILL is delivered asynchronously: never run on past the point
      for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
    if (a.action === 'throw') throw new InjectedFault(`injected fault at ${point} (#${n})`);
    a.action();
    return;
  }
}

parseEnv('SQC_CRASH_AT');
parseEnv('SQC_FAIL_AT');
