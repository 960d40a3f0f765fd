/**
 * The live status line of `sqc run` (terminal only) and its closing summary.
 *
 *   ⏵ 3 queries · batch 42 · in 1,204,311 rows (612.4k/s) · out 9,120 · wm 2025-04-21T14:05:00.000Z · state 1,310 rows · late 3
 */
import type { Job, QueryProgress } from '../../runtime/index.ts';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const rate = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M/s` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k/s` : `${Math.round(n)}/s`);

interface Totals {
  batches: number;
  inputRows: number;
  outputRows: number;
  lateRows: number;
  parseErrors: number;
  stateRows: number;
  watermark: string | null;
  rate: number;
}

function totals(progress: ReadonlyMap<string, readonly QueryProgress[]>): Totals {
  const t: Totals = { batches: 0, inputRows: 0, outputRows: 0, lateRows: 0, parseErrors: 0, stateRows: 0, watermark: null, rate: 0 };
  for (const list of progress.values()) {
    const last = list[list.length - 1];
    if (!last) continue;
    t.batches = Math.max(t.batches, last.batchId + 1);
    t.stateRows += last.stateRows;
    t.rate += last.processedRowsPerSecond;
    if (last.watermark && (t.watermark === null || last.watermark < t.watermark)) t.watermark = last.watermark;
    for (const p of list) {
      t.inputRows += p.numInputRows;
      t.lateRows += p.lateRowsDropped;
      t.parseErrors += p.parseErrorsSkipped;
      for (const s of p.sinks) t.outputRows += s.rowsWritten;
    }
  }
  return t;
}

export class StatusLine {
  private text = '';
  private lastDraw = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly enabled: boolean,
  ) {}

  update(progress: ReadonlyMap<string, readonly QueryProgress[]>): void {
    if (!this.enabled) return;
    const t = totals(progress);
    this.text =
      `⏵ ${progress.size} quer${progress.size === 1 ? 'y' : 'ies'} · batch ${t.batches} · in ${fmt(t.inputRows)} rows (${rate(t.rate)})` +
      ` · out ${fmt(t.outputRows)} · wm ${t.watermark ?? '-'} · state ${fmt(t.stateRows)} rows` +
      (t.lateRows ? ` · late ${fmt(t.lateRows)}` : '') +
      (t.parseErrors ? ` · skipped ${fmt(t.parseErrors)}` : '');
    // Redraw at most 10 times a second: a fast job publishes thousands of progress events.
    const now = Date.now();
    if (now - this.lastDraw < 100) return;
    this.lastDraw = now;
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

/** The closing summary: one line per query, then the totals. */
export function summaryLines(job: Job, progress: ReadonlyMap<string, readonly QueryProgress[]>, elapsedMs: number): string[] {
  const lines = [`job ${job.name}: ${job.queries.length} quer${job.queries.length === 1 ? 'y' : 'ies'} in ${(elapsedMs / 1000).toFixed(2)} s`];
  for (const q of job.queries) {
    const list = progress.get(q.name) ?? [];
    const t = totals(new Map([[q.name, list]]));
    const extras = [
      t.lateRows ? `${fmt(t.lateRows)} late rows dropped` : '',
      t.parseErrors ? `${fmt(t.parseErrors)} malformed records skipped` : '',
      t.stateRows ? `${fmt(t.stateRows)} state rows left` : '',
    ].filter(Boolean);
    lines.push(
      `  ${q.name}: ${q.status}, ${t.batches} batches, ${fmt(t.inputRows)} rows in, ${fmt(t.outputRows)} rows out` +
        (t.watermark ? `, watermark ${t.watermark}` : '') +
        (extras.length ? ` (${extras.join(', ')})` : ''),
    );
  }
  return lines;
}
