/**
 * Processing-time windows (PROCTIME() columns): windows close by the wall clock, so results
 * depend on when rows arrive. The tests check properties that hold whatever the timing (no timed
 * assertions): counts sum to the input, windows are aligned to their size, every row's window
 * contains its arrival time, a window closes on the clock with no further input, and the
 * operator's clock decides firing (a fake clock in the unit test).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compile } from '../compiler/index.ts';
import { MemoryStream, WindowAggregate, type Accumulator, type Job, type JobOverrides } from '../runtime/index.ts';

const RUNTIME = pathToFileURL(join(import.meta.dirname, '..', 'runtime', 'index.ts')).href;

async function load(name: string, source: string): Promise<{ createJob(o?: JobOverrides): Job }> {
  const result = await compile(source, `${name}.sq`, { runtimeImport: RUNTIME });
  if (!result.code)
    throw new Error(result.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.message}`).join('\n'));
  const dir = join(tmpdir(), 'sqc-proctime-test');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}-${process.pid}.ts`);
  writeFileSync(path, result.code);
  return (await import(pathToFileURL(path).href)) as { createJob(o?: JobOverrides): Job };
}

async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setTimeout(r, 5));
}

const SIZE = 200;

const ARRIVALS = `
CREATE STREAM events (user_id STRING, p AS PROCTIME()) WITH ('connector' = 'memory');
CREATE SINK windows WITH ('connector' = 'memory');

INSERT INTO windows
SELECT window_start, window_end, COUNT(*) AS n, MIN(p) AS first_arrival, MAX(p) AS last_arrival
FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(p), INTERVAL '0.2' SECOND))
GROUP BY window_start, window_end;
`;

type WindowRow = { window_start: number; window_end: number; n: number; first_arrival: number; last_arrival: number };

describe('processing-time windows', () => {
  it('TUMBLE on a PROCTIME() column: counts sum to the input, aligned windows hold their rows, windows close on the clock', async () => {
    const mod = await load('arrivals', ARRIVALS);
    const stream = new MemoryStream<{ user_id: string }>();
    const out: WindowRow[] = [];
    const job = mod.createJob({ sources: { events: { stream } }, sinks: { windows: { rows: out as unknown[] } } });
    await job.start();
    let pushed = 0;
    // Rows over several windows; then nothing, until the clock has closed every window.
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 10; i++) stream.push({ user_id: `u${i}` });
      pushed += 10;
      await new Promise((r) => setTimeout(r, SIZE / 2));
    }
    await until(() => out.reduce((s, w) => s + w.n, 0) === pushed);
    // The job is still running: the windows closed by the wall clock, not at end of input.
    expect(job.queries[0]!.status).toBe('running');
    stream.end();
    await job.awaitTermination();
    expect(out.reduce((s, w) => s + w.n, 0)).toBe(pushed);
    for (const w of out) {
      expect(w.window_start % SIZE).toBe(0);
      expect(w.window_end - w.window_start).toBe(SIZE);
      expect(w.first_arrival).toBeGreaterThanOrEqual(w.window_start);
      expect(w.last_arrival).toBeLessThan(w.window_end);
    }
    expect(new Set(out.map((w) => w.window_start)).size).toBe(out.length);
  });

  it('the operator fires a window when its clock passes the end, at the end of a batch', () => {
    let now = 1_000;
    const fired: [number, number][] = [];
    class Count implements Accumulator<{ t: number }> {
      n = 0;
      add(): void {
        this.n++;
      }
      merge(o: Count): void {
        this.n += o.n;
      }
      snapshot() {
        return this.n;
      }
    }
    const op = new WindowAggregate<{ t: number }, null, Count, [number, number]>({
      id: 'w',
      window: { kind: 'tumble', sizeMs: 1_000 },
      emit: 'final',
      time: (r) => r.t,
      key: () => null,
      create: () => new Count(),
      restore: (_k, s) => Object.assign(new Count(), { n: s as number }),
      result: (acc, _k, start) => [start, acc.n],
      out: (row) => fired.push(row),
      procTime: true,
      clock: () => now,
    });
    op.push({ t: 1_100 }, 0);
    op.push({ t: 1_900 }, 0);
    op.onBatchEnd();
    expect(fired).toEqual([]);
    expect(op.nextTimer()).toBe(2_000);
    now = 2_000;
    op.push({ t: 2_000 }, 0);
    op.onBatchEnd();
    expect(fired).toEqual([[1_000, 2]]);
    expect(op.nextTimer()).toBe(3_000);
    op.onWatermark(Infinity);
    expect(fired).toEqual([
      [1_000, 2],
      [2_000, 1],
    ]);
    expect(op.nextTimer()).toBeNull();
  });
});
