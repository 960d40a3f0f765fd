/** The `sqc run` status line and summary, fed with progress reports as a checkpointed job makes them. */
import { describe, expect, it } from 'vitest';
import type { Job, QueryProgress } from '../../runtime/index.ts';
import { StatusLine, Tally, formatBytes, summaryLines } from './status.ts';

function report(batchId: number, over: Partial<QueryProgress> = {}): QueryProgress {
  return {
    query: 'insert_into_counts',
    batchId,
    timestamp: '2025-04-21T14:00:00.000Z',
    numInputRows: 1000,
    inputRowsPerSecond: 50_000,
    processedRowsPerSecond: 612_400,
    durationMs: { total: 2, getBatch: 1, process: 1, commit: 0, checkpoint: 0 },
    watermark: '2025-04-21T14:05:00.000Z',
    watermarkLagMs: 1000,
    stateRows: 1310,
    stateOperators: [],
    lateRowsDropped: 0,
    parseErrorsSkipped: 0,
    nullTimeRowsDropped: 0,
    sources: [],
    sinks: [{ name: 'counts', rowsWritten: 10 }],
    final: false,
    ...over,
  };
}

const state = (batchId: number, bytes: number, durationMs: number, timestamp: string) => ({
  batchId,
  bytes,
  durationMs,
  timestamp,
});

/** A terminal stand-in that keeps what was written. */
function terminal(): { out: NodeJS.WriteStream; text: () => string } {
  let written = '';
  const out = { columns: 400, write: (s: string) => ((written += s), true) } as unknown as NodeJS.WriteStream;
  return { out, text: () => written };
}

describe('sqc run status', () => {
  it('shows the newest checkpoint on the status line, and replays and checkpoint totals in the summary', () => {
    const tally = new Tally();
    tally.add(report(0, { checkpoint: { durationMs: 0.2, stateWritten: false, lastState: null, replayed: true } }));
    tally.add(
      report(1, {
        checkpoint: {
          durationMs: 4,
          stateWritten: true,
          lastState: state(1, 18_200, 3.4, new Date(Date.now() - 1000).toISOString()),
          replayed: false,
        },
      }),
    );
    tally.add(
      report(2, {
        checkpoint: {
          durationMs: 0.3,
          stateWritten: false,
          lastState: state(1, 18_200, 3.4, new Date(Date.now() - 1000).toISOString()),
          replayed: false,
        },
      }),
    );
    const t = terminal();
    new StatusLine(t.out, true).update(tally);
    expect(t.text()).toContain(
      '⏵ 1 query · batch 3 · in 3,000 rows (50.0k/s) · out 30 · wm 2025-04-21T14:05:00.000Z · state 1,310 rows',
    );
    expect(t.text()).toMatch(/ · ckpt batch 1 \(18\.2 kB, 3 ms\) [12] s ago$/);

    const job = { name: 'orders', queries: [{ name: 'insert_into_counts', status: 'stopped' }] } as unknown as Job;
    expect(summaryLines(job, tally, 1234)).toEqual([
      'job orders: 1 query in 1.23 s',
      '  insert_into_counts: stopped, 3 batches, 3,000 rows in, 30 rows out, watermark 2025-04-21T14:05:00.000Z (1,310 state rows left)',
      '    checkpoints: 1 written (18.2 kB and 3 ms each on average), last after batch 1, 1 batch replayed from the log, 5 ms spent checkpointing',
    ]);
  });

  it('says so before the first checkpoint, and shows nothing about checkpoints without them', () => {
    const withCk = new Tally();
    withCk.add(report(0, { checkpoint: { durationMs: 0.1, stateWritten: false, lastState: null, replayed: false } }));
    const a = terminal();
    new StatusLine(a.out, true).update(withCk);
    expect(a.text()).toMatch(/ · ckpt none yet$/);

    const without = new Tally();
    without.add(report(0));
    const b = terminal();
    new StatusLine(b.out, true).update(without);
    expect(b.text()).not.toContain('ckpt');
    const job = { name: 'orders', queries: [{ name: 'insert_into_counts', status: 'stopped' }] } as unknown as Job;
    expect(summaryLines(job, without, 10).join('\n')).not.toContain('checkpoints');
  });

  it('formats sizes in decimal units', () => {
    expect([812, 18_200, 3_400_000, 2_500_000_000].map(formatBytes)).toEqual(['812 B', '18.2 kB', '3.4 MB', '2.50 GB']);
  });
});
