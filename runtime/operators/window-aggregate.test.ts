import type { RowKind } from '../types.ts';
import { describe, expect, it } from 'vitest';
import type { EmitMode, WindowSpec } from '../index.ts';
import { driveWithRestores, drive, type Step } from '../testing/drive.ts';
import { CountSum, at, ev, type Ev, type WinOut } from '../testing/specs.ts';
import { WindowAggregate } from './window-aggregate.ts';

const t = (ms: number) => new Date(ms).toISOString().slice(11, 19);
const fmt = (r: WinOut) => `${r.k} [${t(r.start)}-${t(r.end)}) n=${r.n} sum=${r.sum}`;

function make(window: Exclude<WindowSpec, { kind: 'session' }>, emit: EmitMode) {
  return (out: (r: WinOut, k: RowKind) => void) =>
    new WindowAggregate<Ev, string | null, CountSum, WinOut>({
      id: 'w',
      window,
      emit,
      time: (r) => r.ts,
      key: (r) => r.k,
      create: () => new CountSum(),
      restore: (_k, s) => CountSum.restore(s),
      result: (acc, k, start, end) => ({ k, start, end, n: acc.count, sum: acc.sum }),
      out,
    });
}

const TUMBLE = { kind: 'tumble', sizeMs: 10_000 } as const;

const steps: Step<Ev>[] = [
  { rows: [ev('a', '10:00:01', 1), ev('b', '10:00:03', 2), ev('a', '10:00:12', 3)], wm: at('10:00:05') },
  { rows: [ev('a', '10:00:09', 4), ev(null, '10:00:13', 5)], wm: at('10:00:10') },
  { rows: [ev('b', '10:00:14', 6)], wm: at('10:00:14') },
  { rows: [ev('a', '10:00:25', 7)], wm: at('10:00:20') },
];

describe('WindowAggregate', () => {
  it('TUMBLE FINAL: each window once when W >= end, then dropped', () => {
    expect(driveWithRestores(make(TUMBLE, 'final'), steps, fmt)).toEqual([
      '1: +I a [10:00:00-10:00:10) n=2 sum=5',
      '1: +I b [10:00:00-10:00:10) n=1 sum=2',
      '3: +I a [10:00:10-10:00:20) n=1 sum=3',
      '3: +I null [10:00:10-10:00:20) n=1 sum=5',
      '3: +I b [10:00:10-10:00:20) n=1 sum=6',
      '4: +I a [10:00:20-10:00:30) n=1 sum=7',
    ]);
  });

  it('TUMBLE CHANGES: changed groups per batch (+I new, +U updated)', () => {
    expect(driveWithRestores(make(TUMBLE, 'changes'), steps, fmt)).toEqual([
      '0: +I a [10:00:00-10:00:10) n=1 sum=1',
      '0: +I b [10:00:00-10:00:10) n=1 sum=2',
      '0: +I a [10:00:10-10:00:20) n=1 sum=3',
      '1: +U a [10:00:00-10:00:10) n=2 sum=5',
      '1: +I null [10:00:10-10:00:20) n=1 sum=5',
      '2: +I b [10:00:10-10:00:20) n=1 sum=6',
      '3: +I a [10:00:20-10:00:30) n=1 sum=7',
    ]);
  });

  it('TUMBLE COMPLETE: the whole table after every batch, state kept', () => {
    const lines = driveWithRestores(make(TUMBLE, 'complete'), steps.slice(0, 2), fmt);
    expect(lines).toEqual([
      '0: +I a [10:00:00-10:00:10) n=1 sum=1',
      '0: +I b [10:00:00-10:00:10) n=1 sum=2',
      '0: +I a [10:00:10-10:00:20) n=1 sum=3',
      '1: +I a [10:00:00-10:00:10) n=2 sum=5',
      '1: +I b [10:00:00-10:00:10) n=1 sum=2',
      '1: +I a [10:00:10-10:00:20) n=1 sum=3',
      '1: +I null [10:00:10-10:00:20) n=1 sum=5',
      '2: +I a [10:00:00-10:00:10) n=2 sum=5',
      '2: +I b [10:00:00-10:00:10) n=1 sum=2',
      '2: +I a [10:00:10-10:00:20) n=1 sum=3',
      '2: +I null [10:00:10-10:00:20) n=1 sum=5',
    ]);
  });

  it('HOP: a row joins size/slide windows; they fire in end order', () => {
    const lines = driveWithRestores(
      make({ kind: 'hop', sizeMs: 10_000, slideMs: 5_000 }, 'final'),
      [
        { rows: [ev('a', '10:00:01'), ev('a', '10:00:06')], wm: at('10:00:05') },
        { rows: [ev('a', '10:00:11')], wm: at('10:00:12') },
      ],
      fmt,
    );
    expect(lines).toEqual([
      '0: +I a [09:59:55-10:00:05) n=1 sum=1',
      '1: +I a [10:00:00-10:00:10) n=2 sum=2',
      '2: +I a [10:00:05-10:00:15) n=2 sum=2',
      '2: +I a [10:00:10-10:00:20) n=1 sum=1',
    ]);
  });

  it('CUMULATE: windows grow by step from the max-size boundary', () => {
    const lines = driveWithRestores(
      make({ kind: 'cumulate', maxMs: 30_000, stepMs: 10_000 }, 'final'),
      [
        { rows: [ev('a', '10:00:05'), ev('a', '10:00:15')], wm: at('10:00:20') },
        { rows: [ev('a', '10:00:25'), ev('a', '10:00:35')], wm: at('10:00:31') },
      ],
      fmt,
    );
    expect(lines).toEqual([
      '0: +I a [10:00:00-10:00:10) n=1 sum=1',
      '0: +I a [10:00:00-10:00:20) n=2 sum=2',
      '1: +I a [10:00:00-10:00:30) n=3 sum=3',
      '2: +I a [10:00:30-10:00:40) n=1 sum=1',
      '2: +I a [10:00:30-10:00:50) n=1 sum=1',
      '2: +I a [10:00:30-10:01:00) n=1 sum=1',
    ]);
  });

  it('drops rows with NULL time and rows for windows already final, counting them', () => {
    const op = make(TUMBLE, 'final')(() => {});
    op.push({ k: 'a', v: 1, ts: null });
    op.onWatermark(at('10:00:10'));
    op.push(ev('a', '10:00:05'));
    expect([op.nullTimeRowsDropped, op.lateRowsDropped, op.stateRows()]).toEqual([1, 1, 0]);
  });

  it('state rows count groups × windows, and restore refuses another operator kind', () => {
    const op = make({ kind: 'hop', sizeMs: 10_000, slideMs: 5_000 }, 'final')(() => {});
    op.push(ev('a', '10:00:01'));
    op.push(ev('b', '10:00:02'));
    expect(op.stateRows()).toBe(4);
    expect(() => op.restore({ kind: 'group-aggregate', version: 1, data: [] })).toThrow(
      'state of operator "w" was written by a "group-aggregate" operator, this query has "window-aggregate" there',
    );
    expect(() => op.restore({ kind: 'window-aggregate', version: 9, data: [] })).toThrow(
      'has version 9, this runtime reads version 1',
    );
  });

  it('events before 1970 land in epoch-aligned windows', () => {
    const lines = drive(make(TUMBLE, 'final'), [{ rows: [{ k: 'a', v: 1, ts: -1 }] }], (r) => `${r.start}..${r.end}`);
    expect(lines).toEqual(['1: +I -10000..0']);
  });
});

describe('WindowAssign', () => {
  it('calls out once per window the row is in; NULL time is dropped and counted', async () => {
    const { WindowAssign } = await import('./window-assign.ts');
    const seen: string[] = [];
    const op = new WindowAssign<Ev>({
      id: 'assign',
      window: { kind: 'hop', sizeMs: 10_000, slideMs: 5_000 },
      time: (r) => r.ts,
      out: (r, start, end) => seen.push(`${r.k} ${t(start)}-${t(end)}`),
    });
    op.push(ev('a', '10:00:07'), 0);
    op.push({ k: 'b', v: 1, ts: null }, 0);
    expect(seen).toEqual(['a 10:00:00-10:00:10', 'a 10:00:05-10:00:15']);
    expect([op.nullTimeRowsDropped, op.stateRows(), op.snapshot()]).toEqual([1, 0, null]);
  });
});
