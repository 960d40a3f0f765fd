/**
 * The live status line of `sqc run` (terminal only) and its closing summary.
 *
 *   ⏵ 3 queries · batch 42 · in 1,204,311 rows (612.4k/s) · out 9,120 · wm 2025-04-21T14:05:00.000Z · state 1,310 rows · ckpt batch 40 (18.2 kB, 3 ms) 1 s ago
 *
 * `Tally` keeps running totals per query, so a job that runs for days costs the same per
 * progress report as one that just started.
 */
import type { Job, QueryProgress } from '../../runtime/index.ts';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const rate = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)}M/s` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k/s` : `${Math.round(n)}/s`;

/** `812 B`, `18.2 kB`, `3.4 MB` (decimal units, as `ls -lh --si`). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

const ms = (n: number) => (n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`);

/** Running totals of one query's progress reports. */
interface QueryTally {
  last: QueryProgress | null;
  inputRows: number;
  outputRows: number;
  lateRows: number;
  parseErrors: number;
  /** Batches run again from the checkpoint's log after a restart. */
  replayed: number;
  /** State snapshots written by this run, their total bytes and time. */
  checkpoints: number;
  checkpointBytes: number;
  checkpointMs: number;
  /** Time spent on the write-ahead log and commit markers, plus snapshots (ms). */
  checkpointTotalMs: number;
}

/** Progress of every query of a job, as totals. */
export class Tally {
  readonly queries = new Map<string, QueryTally>();

  add(p: QueryProgress): void {
    let t = this.queries.get(p.query);
    if (t === undefined) {
      t = {
        last: null,
        inputRows: 0,
        outputRows: 0,
        lateRows: 0,
        parseErrors: 0,
        replayed: 0,
        checkpoints: 0,
        checkpointBytes: 0,
        checkpointMs: 0,
        checkpointTotalMs: 0,
      };
      this.queries.set(p.query, t);
    }
    t.last = p;
    t.inputRows += p.numInputRows;
    t.lateRows += p.lateRowsDropped;
    t.parseErrors += p.parseErrorsSkipped;
    for (const s of p.sinks) if (s.late !== true) t.outputRows += s.rowsWritten;
    const c = p.checkpoint;
    if (c !== undefined) {
      t.checkpointTotalMs += c.durationMs;
      if (c.replayed) t.replayed++;
      if (c.stateWritten && c.lastState !== null) {
        t.checkpoints++;
        t.checkpointBytes += c.lastState.bytes;
        t.checkpointMs += c.lastState.durationMs;
      }
    }
  }
}

/** The newest state snapshot of any query: `ckpt batch 40 (18.2 kB, 3 ms) 1 s ago`. */
function checkpointText(tally: Tally, now: number): string | null {
  let newest: NonNullable<NonNullable<QueryProgress['checkpoint']>['lastState']> | null = null;
  let bytes = 0;
  let any = false;
  for (const t of tally.queries.values()) {
    const s = t.last?.checkpoint?.lastState;
    if (t.last?.checkpoint !== undefined) any = true;
    if (!s) continue;
    bytes += s.bytes;
    if (newest === null || s.timestamp > newest.timestamp) newest = s;
  }
  if (!any) return null;
  if (newest === null) return 'ckpt none yet';
  const ago = Math.max(0, Math.round((now - Date.parse(newest.timestamp)) / 1000));
  return `ckpt batch ${newest.batchId} (${formatBytes(bytes)}, ${ms(newest.durationMs)}) ${ago} s ago`;
}

export class StatusLine {
  private text = '';
  private lastDraw = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly enabled: boolean,
  ) {}

  update(tally: Tally): void {
    if (!this.enabled) return;
    // Redraw at most 10 times a second: a fast job publishes thousands of progress events.
    const now = Date.now();
    if (now - this.lastDraw < 100) return;
    this.lastDraw = now;
    let batches = 0;
    let inputRows = 0;
    let outputRows = 0;
    let late = 0;
    let skipped = 0;
    let state = 0;
    let speed = 0;
    let watermark: string | null = null;
    let tasks: QueryProgress['tasks'] = undefined;
    for (const t of tally.queries.values()) {
      const last = t.last!;
      tasks ??= last.tasks;
      batches = Math.max(batches, last.batchId + 1);
      inputRows += t.inputRows;
      outputRows += t.outputRows;
      late += t.lateRows;
      skipped += t.parseErrors;
      state += last.stateRows;
      // the rate rows arrive at (rows / time between batch starts), not how fast one batch ran:
      // a source capped at 250k rows/s shows 250k/s, not its processing speed
      speed += last.inputRowsPerSecond;
      if (last.watermark && (watermark === null || last.watermark < watermark)) watermark = last.watermark;
    }
    const n = tally.queries.size;
    const ckpt = checkpointText(tally, now);
    this.text =
      `⏵ ${n} quer${n === 1 ? 'y' : 'ies'} · batch ${batches} · in ${fmt(inputRows)} rows (${rate(speed)})` +
      ` · out ${fmt(outputRows)} · wm ${watermark ?? '-'} · state ${fmt(state)} rows` +
      (late ? ` · late ${fmt(late)}` : '') +
      (skipped ? ` · skipped ${fmt(skipped)}` : '') +
      (ckpt ? ` · ${ckpt}` : '') +
      (tasks ? ` · tasks ${tasks.owned.join(',') || '-'} (gen ${tasks.generation})${restoreText(tally)}` : '');
    this.draw();
  }

  /** Runs `write` (which prints whole lines) with the status line out of the way. */
  around(write: () => void): void {
    if (this.enabled && this.text) this.out.write('\r\x1b[K');
    write();
    if (this.enabled && this.text) this.draw();
  }

  clear(): void {
    if (this.enabled && this.text) this.out.write('\r\x1b[K');
    this.text = '';
  }

  private draw(): void {
    const width = this.out.columns || 120;
    this.out.write(`\r\x1b[K${this.text.length > width - 1 ? this.text.slice(0, width - 2) + '…' : this.text}`);
  }
}

/** The closing summary: one line per query (and its checkpoints), then the totals. */
export function summaryLines(job: Job, tally: Tally, elapsedMs: number): string[] {
  const lines = [
    `job ${job.name}: ${job.queries.length} quer${job.queries.length === 1 ? 'y' : 'ies'} in ${(elapsedMs / 1000).toFixed(2)} s`,
  ];
  for (const q of job.queries) {
    const t = tally.queries.get(q.name);
    const last = t?.last ?? null;
    const extras = [
      t?.lateRows ? `${fmt(t.lateRows)} late rows dropped` : '',
      t?.parseErrors ? `${fmt(t.parseErrors)} malformed records skipped` : '',
      last?.stateRows ? `${fmt(last.stateRows)} state rows left` : '',
    ].filter(Boolean);
    lines.push(
      `  ${q.name}: ${q.status}, ${last ? last.batchId + 1 : 0} batches, ${fmt(t?.inputRows ?? 0)} rows in, ${fmt(t?.outputRows ?? 0)} rows out` +
        (last?.watermark ? `, watermark ${last.watermark}` : '') +
        (extras.length ? ` (${extras.join(', ')})` : ''),
    );
    if (t !== undefined && last?.checkpoint !== undefined) {
      const s = last.checkpoint.lastState;
      lines.push(
        `    checkpoints: ${t.checkpoints} written` +
          (t.checkpoints
            ? ` (${formatBytes(Math.round(t.checkpointBytes / t.checkpoints))} and ${ms(t.checkpointMs / t.checkpoints)} each on average)`
            : '') +
          (s ? `, last after batch ${s.batchId}` : '') +
          (t.replayed ? `, ${t.replayed} batch${t.replayed === 1 ? '' : 'es'} replayed from the log` : '') +
          `, ${ms(t.checkpointTotalMs)} spent checkpointing`,
      );
    }
  }
  return lines;
}

/**
 * Scaled-out stateful queries: the task whose state is being restored from its changelog now, else
 * the tasks restored at the last assignment, with the bytes read.
 */
function restoreText(tally: Tally): string {
  let restoring = '';
  const restored = new Set<number>();
  let bytes = 0;
  for (const t of tally.queries.values()) {
    const s = t.last?.tasks?.state;
    if (s === undefined) continue;
    if (s.restoring !== null) restoring = ` · restoring task ${s.restoring.task} (${fmtBytes(s.restoring.bytes)})`;
    for (const task of s.restored.tasks) restored.add(task);
    bytes += s.restored.bytes;
  }
  if (restoring !== '') return restoring;
  return restored.size > 0 ? ` · restored ${[...restored].sort((a, b) => a - b).join(',')} (${fmtBytes(bytes)})` : '';
}

function fmtBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
