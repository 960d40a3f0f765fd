/**
 * Arroyo-style golden check at the engine level: a query run straight through, and the same
 * query stopped after batch k, snapshotted (through the JSON codec), restored into a fresh job
 * and run to the end, must write exactly the same rows — for every k.
 */
import { describe, expect, it } from 'vitest';
import type { EmitMode, JobSpec, QuerySnapshot, SinkBatch } from '../index.ts';
import { decodeState, encodeState } from '../state/snapshot.ts';
import {
  EV_FIELDS,
  WIN_FIELDS,
  disorderedEvents,
  evSource,
  jobSpec,
  sinkSpec,
  windowQueries,
} from '../testing/specs.ts';
import { defineJob } from './job.ts';

function spec(emit: EmitMode): JobSpec {
  const src = evSource('events', { delayMs: 3_000, lateSink: 'late' });
  return jobSpec(
    [src],
    [sinkSpec('out', WIN_FIELDS), sinkSpec('sessions', WIN_FIELDS), sinkSpec('late', EV_FIELDS)],
    windowQueries(src, emit, ['out'], 'sessions'),
  );
}

async function runJob(
  emit: EmitMode,
  stopAfter: number | null,
  restore: QuerySnapshot[] | null,
): Promise<{ lines: string[]; snaps: QuerySnapshot[] }> {
  const lines: string[] = [];
  const record = (b: SinkBatch) =>
    b.rows.forEach((r, i) => lines.push(`${b.query}#${b.batchId} ${b.kinds[i]} ${JSON.stringify(r)}`));
  const job = defineJob(spec(emit), {
    sources: { events: { rows: disorderedEvents(120), options: { 'scan.batch-size': '7' } } },
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
    const job = defineJob(spec('final'), {
      sources: { events: { rows: [] } },
      sinks: { out: { rows: [] }, sessions: { rows: [] }, late: { rows: [] } },
    });
    const snap = job.queries[0]!.snapshot();
    expect(() => job.queries[1]!.restore(snap)).toThrow(
      'cannot resume query "sessions" from this state: it was written by query "hop"',
    );
    expect(() => job.queries[0]!.restore({ ...snap, operators: [{ id: 'other', state: null }] })).toThrow(
      'the query has operators (hop), the state has (other)',
    );
  });
});
