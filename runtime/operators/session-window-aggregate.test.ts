import type { RowKind } from '../types.ts';
import { describe, expect, it } from 'vitest';
import type { EmitMode } from '../index.ts';
import { driveWithRestores, type Step } from '../testing/drive.ts';
import { CountSum, at, ev, type Ev, type WinOut } from '../testing/specs.ts';
import { SessionWindowAggregate } from './session-window-aggregate.ts';

const t = (ms: number) => new Date(ms).toISOString().slice(11, 19);
const fmt = (r: WinOut) => `${r.k} [${t(r.start)}-${t(r.end)}) n=${r.n} sum=${r.sum}`;

function make(emit: EmitMode, gapMs = 10_000) {
  return (out: (r: WinOut, k: RowKind) => void) =>
    new SessionWindowAggregate<Ev, string | null, CountSum, WinOut>({
      id: 's',
      gapMs,
      emit,
      time: (r) => r.ts,
      key: (r) => r.k,
      create: () => new CountSum(),
      restore: (_k, s) => CountSum.restore(s),
      result: (acc, k, start, end) => ({ k, start, end, n: acc.count, sum: acc.sum }),
      out,
    });
}

// a: 00 → [00,10); 05 extends → [00,15); 30 → new [30,40); 12 extends → [00,22);
// 21 bridges [00,22) and [30,40) → [00,40). b: 02 alone → [02,12).
const steps: Step<Ev>[] = [
  { rows: [ev('a', '10:00:00', 1), ev('a', '10:00:05', 2), ev('b', '10:00:02', 10)], wm: at('10:00:01') },
  { rows: [ev('a', '10:00:30', 3), ev('a', '10:00:12', 4)], wm: at('10:00:12') },
  { rows: [ev('a', '10:00:21', 5)], wm: at('10:00:20') },
  { rows: [ev('a', '10:01:00', 6)], wm: at('10:00:55') },
];

describe('SessionWindowAggregate', () => {
  it('FINAL: sessions merge when their ranges overlap and fire when W >= end', () => {
    expect(driveWithRestores(make('final'), steps, fmt)).toEqual([
      '1: +I b [10:00:02-10:00:12) n=1 sum=10',
      '3: +I a [10:00:00-10:00:40) n=5 sum=15',
      '4: +I a [10:01:00-10:01:10) n=1 sum=6',
    ]);
  });

  it('CHANGES: a session that changes bounds is retracted (-D) before its new row', () => {
    expect(driveWithRestores(make('changes'), steps, fmt)).toEqual([
      '0: +I a [10:00:00-10:00:15) n=2 sum=3',
      '0: +I b [10:00:02-10:00:12) n=1 sum=10',
      '1: -D a [10:00:00-10:00:15) n=2 sum=3',
      '1: +I a [10:00:30-10:00:40) n=1 sum=3',
      '1: +I a [10:00:00-10:00:22) n=3 sum=7',
      '2: -D a [10:00:00-10:00:22) n=3 sum=7',
      '2: -D a [10:00:30-10:00:40) n=1 sum=3',
      '2: +I a [10:00:00-10:00:40) n=5 sum=15',
      '3: +I a [10:01:00-10:01:10) n=1 sum=6',
    ]);
  });

  it('COMPLETE: every session after every batch', () => {
    const lines = driveWithRestores(make('complete'), steps.slice(0, 2), fmt);
    expect(lines.filter((l) => l.startsWith('1:'))).toEqual([
      '1: +I a [10:00:00-10:00:22) n=3 sum=7',
      '1: +I a [10:00:30-10:00:40) n=1 sum=3',
      '1: +I b [10:00:02-10:00:12) n=1 sum=10',
    ]);
  });

  it('a row exactly one gap after the last one starts a new session (half-open ranges)', () => {
    const lines = driveWithRestores(make('final'), [{ rows: [ev('a', '10:00:00'), ev('a', '10:00:10')] }], fmt);
    expect(lines).toEqual(['1: +I a [10:00:00-10:00:10) n=1 sum=1', '1: +I a [10:00:10-10:00:20) n=1 sum=1']);
  });

  it('out-of-order rows extend a session backwards', () => {
    const lines = driveWithRestores(
      make('final'),
      [{ rows: [ev('a', '10:00:20'), ev('a', '10:00:12'), ev('a', '10:00:03')] }],
      fmt,
    );
    expect(lines).toEqual(['1: +I a [10:00:03-10:00:30) n=3 sum=3']);
  });

  it('keeps many keys apart and fires each when due (timer heap)', () => {
    const rows: Ev[] = [];
    for (let i = 0; i < 200; i++)
      rows.push(ev(`k${i % 20}`, `10:0${Math.floor(i / 40)}:${String(i % 40).padStart(2, '0')}`));
    const lines = driveWithRestores(make('final', 5_000), [{ rows, wm: at('10:02:00') }, { rows: [] }], fmt);
    // rows of one key are 20 s apart with a 5 s gap: every row is its own session;
    // W = 10:02:00 fires minutes 0 and 1, the end of input the rest
    expect(lines.filter((l) => l.startsWith('0:'))).toHaveLength(80);
    expect(lines.filter((l) => l.startsWith('2:'))).toHaveLength(120);
    const total = lines.reduce((n, l) => n + Number(/n=(\d+)/.exec(l)![1]), 0);
    expect(total).toBe(200);
  });
});
