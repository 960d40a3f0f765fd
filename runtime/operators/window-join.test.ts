import { describe, expect, it } from 'vitest';
import type { Emit } from '../index.ts';
import type { JoinKind } from '../contract.ts';
import { driveWithRestores, type Step } from '../testing/drive.ts';
import { L, R, sided, type Sided } from '../testing/sides.ts';
import { CountSum, type Ev, type WinOut } from '../testing/specs.ts';
import { WindowAggregate } from './window-aggregate.ts';
import { WindowJoin } from './window-join.ts';

/** A windowed row (window TVF output or windowed aggregate result). */
interface W {
  id: string;
  k: string | null;
  ws: number | null;
  we: number | null;
  v: number;
}
interface Out {
  l: W | null;
  r: W | null;
}

/** A row of the tumbling window [s, s + 10). */
const w = (id: string, k: string | null, s: number, v = 0): W => ({ id, k, ws: s, we: s + 10, v });
const fmt = (o: Out) => `${o.l?.id ?? '-'}|${o.r?.id ?? '-'}`;

function make(joinType: JoinKind, residual: ((l: W, r: W) => boolean) | null = null) {
  return (out: Emit<Out>) =>
    new WindowJoin<W, W, string, Out>({
      id: 'wj',
      joinType,
      leftKey: (l) => l.k,
      rightKey: (r) => r.k,
      residual,
      join: (l, r) => ({ l, r }),
      leftOnly: (l) => ({ l, r: null }),
      rightOnly: (r) => ({ l: null, r }),
      out,
      leftStart: (l) => l.ws,
      leftEnd: (l) => l.we,
      rightStart: (r) => r.ws,
      rightEnd: (r) => r.we,
    });
}

const run = (kind: JoinKind, steps: Step<Sided<W>>[], residual: ((l: W, r: W) => boolean) | null = null) =>
  driveWithRestores(sided(make(kind, residual)), steps, fmt);

const steps: Step<Sided<W>>[] = [
  { rows: [L(w('a1', 'a', 0)), R(w('x1', 'a', 0)), L(w('b1', 'b', 0)), R(w('x2', 'a', 0)), L(w('a2', 'a', 0))], wm: 5 },
  {
    rows: [R(w('c1', 'c', 0)), L(w('a3', 'a', 10)), R(w('y1', 'a', 10)), L(w('n1', null, 0)), R(w('n2', null, 0))],
    wm: 9,
  },
  { rows: [L(w('a4', 'a', 20))], wm: 10 },
  { rows: [R(w('z1', 'z', 20))], wm: 19 },
];

describe('WindowJoin', () => {
  it('INNER: per window, equal keys, cross product of duplicates; emitted when W >= window_end', () => {
    expect(run('inner', steps)).toEqual(['2: +I a1|x1', '2: +I a1|x2', '2: +I a2|x1', '2: +I a2|x2', '4: +I a3|y1']);
  });

  it('LEFT / RIGHT / FULL: unmatched rows with NULLs when the window fires, NULL keys included', () => {
    expect(run('left', steps)).toEqual([
      '2: +I a1|x1',
      '2: +I a1|x2',
      '2: +I a2|x1',
      '2: +I a2|x2',
      '2: +I b1|-',
      '2: +I n1|-',
      '4: +I a3|y1',
      '4: +I a4|-',
    ]);
    expect(run('right', steps)).toEqual([
      '2: +I a1|x1',
      '2: +I a1|x2',
      '2: +I a2|x1',
      '2: +I a2|x2',
      '2: +I -|c1',
      '2: +I -|n2',
      '4: +I a3|y1',
      '4: +I -|z1',
    ]);
    expect(run('full', steps)).toEqual([
      '2: +I a1|x1',
      '2: +I a1|x2',
      '2: +I a2|x1',
      '2: +I a2|x2',
      '2: +I b1|-',
      '2: +I -|c1',
      '2: +I n1|-',
      '2: +I -|n2',
      '4: +I a3|y1',
      '4: +I a4|-',
      '4: +I -|z1',
    ]);
  });

  it('the residual decides matches; a row without one is unmatched', () => {
    const lines = run(
      'full',
      [{ rows: [L(w('a1', 'a', 0, 1)), L(w('a2', 'a', 0, 2)), R(w('x1', 'a', 0, 2)), R(w('x2', 'a', 0, 3))], wm: 10 }],
      (l, r) => l.v === r.v,
    );
    expect(lines).toEqual(['0: +I a1|-', '0: +I a2|x1', '0: +I -|x2']);
  });

  it('windows must agree on start and end: a cumulative window does not join a tumbling one with the same end', () => {
    const cumulative: W = { id: 'c', k: 'a', ws: -10, we: 10, v: 0 };
    const lines = run('full', [{ rows: [L(w('t', 'a', 0)), R(cumulative), R(w('u', 'a', 0))], wm: 10 }]);
    expect(lines).toEqual(['0: +I -|c', '0: +I t|u']); // same end: fired by start
  });

  it('NULL window bounds: outer sides emit at once, inner sides drop and count; late windows are dropped and counted', () => {
    const nul: W = { id: 'n', k: 'a', ws: null, we: null, v: 0 };
    expect(run('left', [{ rows: [L(nul)] }])).toEqual(['0: +I n|-']);
    const op = make('left')(() => {});
    op.push(nul, 1);
    op.onWatermark(10);
    op.push(w('late', 'a', 0), 0); // window [0, 10) already fired
    op.push(w('inner-null', null, 10), 1); // right side is inner: a NULL key needs no state
    expect([op.nullTimeRowsDropped, op.lateRowsDropped, op.stateRows()]).toEqual([1, 1, 0]);
  });

  it('state: rows of open windows only, dropped when final; +Infinity fires the rest', () => {
    const out: string[] = [];
    const op = make('full')((o) => out.push(fmt(o)));
    op.push(w('a', 'a', 0), 0);
    op.push(w('b', 'a', 10), 1);
    op.push(w('c', null, 10), 1);
    expect(op.stateRows()).toBe(3);
    op.onWatermark(9);
    expect([op.stateRows(), out.length]).toEqual([3, 0]);
    op.onWatermark(10);
    expect([op.stateRows(), out]).toEqual([2, ['a|-']]);
    op.onWatermark(Infinity);
    expect([op.stateRows(), out]).toEqual([0, ['a|-', '-|b', '-|c']]);
    expect(op.outputWatermark(42)).toBe(42);
  });

  it('restore refuses another kind or version; outer joins need their builders', () => {
    const op = make('inner')(() => {});
    expect(() => op.restore({ kind: 'interval-join', version: 1, data: {} })).toThrow(
      'state of operator "wj" was written by a "interval-join" operator, this query has "window-join" there',
    );
    expect(() => op.restore({ kind: 'window-join', version: 3, data: {} })).toThrow(
      'has version 3, this runtime reads version 1',
    );
    expect(
      () =>
        new WindowJoin<W, W, string, Out>({
          id: 'x',
          joinType: 'full',
          leftKey: (l) => l.k,
          rightKey: (r) => r.k,
          residual: null,
          join: (l, r) => ({ l, r }),
          leftOnly: (l) => ({ l, r: null }),
          out: () => {},
          leftStart: (l) => l.ws,
          leftEnd: (l) => l.we,
          rightStart: (r) => r.ws,
          rightEnd: (r) => r.we,
        }),
    ).toThrow('window join "x": a FULL join needs rightOnly');
  });

  it('joins two windowed aggregates in the batch where their windows become final', () => {
    const out: string[] = [];
    const join = new WindowJoin<WinOut, WinOut, string | null, string>({
      id: 'join',
      joinType: 'left',
      leftKey: (l) => l.k,
      rightKey: (r) => r.k,
      residual: null,
      join: (l, r) => `${l.k} [${l.start},${l.end}) ${l.n}/${r.n}`,
      leftOnly: (l) => `${l.k} [${l.start},${l.end}) ${l.n}/-`,
      out: (row) => out.push(row),
      leftStart: (l) => l.start,
      leftEnd: (l) => l.end,
      rightStart: (r) => r.start,
      rightEnd: (r) => r.end,
    });
    const agg = (side: number) =>
      new WindowAggregate<Ev, string | null, CountSum, WinOut>({
        id: `agg${side}`,
        window: { kind: 'tumble', sizeMs: 10 },
        emit: 'final',
        time: (r) => r.ts,
        key: (r) => r.k,
        create: () => new CountSum(),
        restore: (_k, st) => CountSum.restore(st),
        result: (acc, k, start, end) => ({ k, start, end, n: acc.count, sum: acc.sum }),
        out: (row) => join.push(row, side),
      });
    const left = agg(0);
    const right = agg(1);
    const ops = [left, right, join]; // dataflow order, as the query registers them
    const batch = (rows: [number, string, number][], wm: number) => {
      for (const [side, k, ts] of rows) (side === 0 ? left : right).push({ k, v: 1, ts });
      for (const op of ops) op.onWatermark(wm);
      return out.splice(0);
    };
    expect(
      batch(
        [
          [0, 'a', 1],
          [0, 'a', 2],
          [1, 'a', 3],
          [0, 'b', 4],
        ],
        5,
      ),
    ).toEqual([]);
    expect(batch([[1, 'a', 12]], 10)).toEqual(['a [0,10) 2/1', 'b [0,10) 1/-']);
    expect(batch([], Infinity)).toEqual([]);
  });
});
