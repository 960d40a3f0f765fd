import { describe, expect, it } from 'vitest';
import { driveWithRestores, type Step } from '../testing/drive.ts';
import type { RowKind, TopNConfig } from '../types.ts';
import { TopN } from './top-n.ts';

interface Row {
  k: string;
  v: number;
  t: number;
  id: string;
}
interface Ranked extends Row {
  rank: number;
}
const row = (k: string, v: number, id: string, t = 0): Row => ({ k, v, t, id });
const fmt = (r: Ranked) => `${r.k}#${r.rank} ${r.id}`;

type Options = Partial<Omit<TopNConfig<Row, string>, 'out' | 'compare' | 'key'>>;

/** Ranks by v descending per k (or by `compare`). */
function make(o: Options, compare: (a: Row, b: Row) => number = (a, b) => b.v - a.v) {
  return (out: (r: Ranked, kind: RowKind) => void) =>
    new TopN<Row, string>({
      id: 't',
      mode: 'changes',
      fn: 'ROW_NUMBER',
      limit: 2,
      newestFirst: false,
      output: 'position',
      rankOutput: true,
      time: null,
      ...o,
      key: (r) => r.k,
      compare,
      out: (r, rank, kind) => out({ ...r, rank }, kind),
    });
}

const bids: Step<Row>[] = [
  { rows: [row('a', 10, 'a1'), row('a', 20, 'a2'), row('b', 5, 'b1')] },
  { rows: [row('a', 15, 'a3'), row('a', 1, 'a4')] },
  { rows: [row('a', 30, 'a5'), row('b', 5, 'b2')] },
];

describe('TopN', () => {
  it('changes by position: each changed rank upserted (partition + rank), restored after any batch', () => {
    expect(driveWithRestores(make({}), bids, fmt)).toEqual([
      '0: +I a#1 a2',
      '0: +I a#2 a1',
      '0: +I b#1 b1',
      '1: +U a#2 a3',
      '2: +U a#1 a5',
      '2: +U a#2 a2',
      '2: +I b#2 b2',
    ]);
  });

  it('changes by row: rows leaving the top N deleted, entering ones inserted', () => {
    expect(driveWithRestores(make({ output: 'row', rankOutput: false }), bids, fmt)).toEqual([
      '0: +I a#1 a2',
      '0: +I a#2 a1',
      '0: +I b#1 b1',
      '1: -D a#2 a1',
      '1: +I a#2 a3',
      '2: -D a#2 a3',
      '2: +I a#1 a5',
      '2: +I b#2 b2',
    ]);
  });

  it('ties: ROW_NUMBER in arrival order, RANK skips, DENSE_RANK does not; all kept up to the limit', () => {
    const tied: Step<Row>[] = [
      { rows: [row('g', 9, 'x'), row('g', 7, 'y'), row('g', 7, 'z'), row('g', 5, 'w'), row('g', 4, 'v')] },
    ];
    const final = (fn: TopNConfig<Row, string>['fn']) =>
      driveWithRestores(make({ mode: 'final', fn, limit: 3 }), tied, fmt);
    expect(final('ROW_NUMBER')).toEqual(['1: +I g#1 x', '1: +I g#2 y', '1: +I g#3 z']);
    expect(final('RANK')).toEqual(['1: +I g#1 x', '1: +I g#2 y', '1: +I g#2 z']);
    expect(final('DENSE_RANK')).toEqual(['1: +I g#1 x', '1: +I g#2 y', '1: +I g#2 z', '1: +I g#3 w']);
  });

  it('keep last (newest first among ties): the newer row with an equal order value wins', () => {
    const latest = make({ output: 'partition', rankOutput: false, limit: 1, newestFirst: true });
    const steps: Step<Row>[] = [{ rows: [row('u', 1, 'old')] }, { rows: [row('u', 1, 'new'), row('u', 0, 'older')] }];
    expect(driveWithRestores(latest, steps, fmt)).toEqual(['0: +I u#1 old', '1: +U u#1 new']);
  });

  it('window: a window’s top rows once when the watermark passes its end; late rows dropped', () => {
    const windows = make({ mode: 'window', time: (r) => r.t, limit: 1 });
    const steps: Step<Row>[] = [
      { rows: [row('w10', 3, 'p', 10), row('w20', 8, 'q', 20), row('w10', 4, 'r', 10)], wm: 12 },
      { rows: [row('w10', 9, 'late', 10), row('w20', 9, 's', 20)], wm: 25 },
    ];
    expect(driveWithRestores(windows, steps, fmt)).toEqual(['0: +I w10#1 r', '1: +I w20#1 s']);
  });

  it('first: a key’s earliest row once the watermark passes its time, then the key is remembered', () => {
    const first = make(
      { mode: 'first', time: (r) => r.t, limit: 1, output: 'partition', rankOutput: false },
      (a, b) => a.t - b.t,
    );
    const steps: Step<Row>[] = [
      { rows: [row('u', 0, 'b', 5), row('u', 0, 'a', 3)], wm: 2 },
      { rows: [row('v', 0, 'c', 4)], wm: 4 },
      { rows: [row('u', 0, 'again', 9)], wm: 10 },
    ];
    // v at :04 is final once the watermark is at :04 (a row before it would be late)
    expect(driveWithRestores(first, steps, fmt)).toEqual(['1: +I u#1 a', '1: +I v#1 c']);
  });
});
