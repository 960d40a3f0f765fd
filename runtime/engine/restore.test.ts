/**
 * Arroyo-style golden check at the engine level: a query run straight through, and the same
 * query stopped after batch k, snapshotted (through the JSON codec), restored into a fresh job
 * and run to the end, must write exactly the same rows — for every k.
 */
import { describe, expect, it } from 'vitest';
import type { EmitMode, JobSpec, QuerySnapshot, SinkBatch } from '../index.ts';
import { SessionWindowAggregate } from '../operators/session-window-aggregate.ts';
import { WindowAggregate } from '../operators/window-aggregate.ts';
import { decodeState, encodeState } from '../state/snapshot.ts';
import { CountSum, EV_FIELDS, WIN_FIELDS, evSource, jobSpec, sinkSpec, type Ev, type WinOut } from '../testing/specs.ts';
import { defineJob } from './job.ts';

function spec(emit: EmitMode): JobSpec {
  const src = evSource('events', { delayMs: 3_000, lateSink: 'late' });
  const result = (acc: CountSum, k: string | null, start: number, end: number): WinOut => ({ k, start, end, n: acc.count, sum: acc.sum });
  return jobSpec([src], [sinkSpec('out', WIN_FIELDS), sinkSpec('sessions', WIN_FIELDS), sinkSpec('late', EV_FIELDS)], [
    {
      name: 'hop',
      emit,
      build: (q) => {
        const out = q.sink<WinOut>('out');
        const agg = q.operator(
          new WindowAggregate<Ev, string | null, CountSum, WinOut>({
            id: 'hop',
            window: { kind: 'hop', sizeMs: 10_000, slideMs: 5_000 },
            emit,
            time: (r) => r.ts,
            key: (r) => r.k,
            create: () => new CountSum(),
            restore: (_k, s) => CountSum.restore(s),
            result,
            out: (r, k) => out.write(r, k),
          }),
        );
        q.input(src, (r) => agg.push(r, 0));
      },
    },
    {
      name: 'sessions',
      emit,
      build: (q) => {
        const out = q.sink<WinOut>('sessions');
        const agg = q.operator(
          new SessionWindowAggregate<Ev, string | null, CountSum, WinOut>({
            id: 'session',
            gapMs: 4_000,
            emit,
            time: (r) => r.ts,
            key: (r) => r.k,
            create: () => new CountSum(),
            restore: (_k, s) => CountSum.restore(s),
            result,
            out: (r, k) => out.write(r, k),
          }),
        );
        q.input(src, (r) => agg.push(r, 0));
      },
    },
  ]);
}

/** Deterministic pseudo-random events, partly out of order, some late. */
function events(): Ev[] {
  const out: Ev[] = [];
  let a = 7;
  const next = () => ((a = (a * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let t = Date.UTC(2025, 3, 21, 10);
  for (let i = 0; i < 120; i++) {
    t += Math.floor(next() * 2_500);
    out.push({ k: `k${Math.floor(next() * 3)}`, v: i, ts: t - Math.floor(next() * 5_000) });
  }
  return out;
}

async function runJob(emit: EmitMode, stopAfter: number | null, restore: QuerySnapshot[] | null): Promise<{ lines: string[]; snaps: QuerySnapshot[] }> {
  const lines: string[] = [];
  const record = (b: SinkBatch) => b.rows.forEach((r, i) => lines.push(`${b.query}#${b.batchId} ${b.kinds[i]} ${JSON.stringify(r)}`));
  const job = defineJob(spec(emit), {
    sources: { events: { rows: events(), options: { 'scan.batch-size': '7' } } },
    sinks: { out: { onBatch: record }, sessions: { onBatch: record }, late: { onBatch: record } },
  });
  if (restore) job.queries.forEach((q, i) => q.restore(restore[i]!));
  if (stopAfter !== null) {
    job.on('progress', (p) => {
      if (p.batchId === stopAfter) void job.stop();
    });
  }
  await job.run();
  // through the checkpoint codec, as a checkpoint file would
  const snaps = job.queries.map((q) => decodeState(encodeState(q.snapshot())) as unknown as QuerySnapshot);
  return { lines, snaps };
}

describe('query snapshot → restore', () => {
  for (const emit of ['final', 'changes'] as const) {
    it(`gives the same output as a straight run (${emit}), stopping after any batch`, async () => {
      const straight = (await runJob(emit, null, null)).lines;
      expect(straight.length).toBeGreaterThan(50);
      expect(straight.some((l) => l.includes(' -D ') || emit === 'final')).toBe(true);
      for (const k of [0, 3, 8, 16]) {
        const first = await runJob(emit, k, null);
        const second = await runJob(emit, null, first.snaps);
        expect([...first.lines, ...second.lines].sort(), `stopped after batch ${k}`).toEqual([...straight].sort());
      }
    });
  }

  it('refuses a snapshot of a different query shape, saying what differs', () => {
    const job = defineJob(spec('final'), { sources: { events: { rows: [] } }, sinks: { out: { rows: [] }, sessions: { rows: [] }, late: { rows: [] } } });
    const snap = job.queries[0]!.snapshot();
    expect(() => job.queries[1]!.restore(snap)).toThrow('cannot resume query "sessions" from this state: it was written by query "hop"');
    expect(() => job.queries[0]!.restore({ ...snap, operators: [{ id: 'other', state: null }] })).toThrow(
      'the query has operators (hop), the state has (other)',
    );
  });
});
