import { describe, expect, it } from 'vitest';
import type { Emit } from '../index.ts';
import type { JoinKind } from '../contract.ts';
import { driveWithRestores, type Step } from '../testing/drive.ts';
import { L, R, sided, type Sided } from '../testing/sides.ts';
import { RegularJoin } from './regular-join.ts';

interface Row {
  id: string;
  k: string | null;
  v: number;
}
interface Out {
  l: Row | null;
  r: Row | null;
}

const row = (id: string, k: string | null, v = 0): Row => ({ id, k, v });
const fmt = (o: Out) => `${o.l?.id ?? '-'}|${o.r?.id ?? '-'}`;

function make(
  joinType: JoinKind,
  outerEmit?: 'retract' | 'end',
  residual: ((l: Row, r: Row) => boolean) | null = null,
) {
  return (out: Emit<Out>) =>
    new RegularJoin<Row, Row, string, Out>({
      id: 'rj',
      joinType,
      ...(outerEmit ? { outerEmit } : {}),
      leftKey: (l) => l.k,
      rightKey: (r) => r.k,
      residual,
      join: (l, r) => ({ l, r }),
      leftOnly: (l) => ({ l, r: null }),
      rightOnly: (r) => ({ l: null, r }),
      out,
    });
}

const steps: Step<Sided<Row>>[] = [
  { rows: [L(row('a1', 'a')), L(row('a2', 'a')), R(row('x1', 'a')), L(row('n1', null))] },
  { rows: [R(row('x2', 'a')), R(row('y1', 'b')), R(row('n2', null))] },
  { rows: [L(row('b1', 'b')), L(row('c1', 'c'))] },
];

describe('RegularJoin', () => {
  it('INNER: each arriving row joins every stored row of the other side with its key; NULL keys never match', () => {
    expect(driveWithRestores(sided(make('inner')), steps, fmt)).toEqual([
      '0: +I a1|x1',
      '0: +I a2|x1',
      '1: +I a1|x2',
      '1: +I a2|x2',
      '2: +I b1|y1',
    ]);
  });

  it('the residual filters matches', () => {
    const lines = driveWithRestores(
      sided(make('inner', undefined, (l, r) => l.v < r.v)),
      [{ rows: [L(row('l1', 'a', 1)), L(row('l5', 'a', 5)), R(row('r3', 'a', 3))] }],
      fmt,
    );
    expect(lines).toEqual(['0: +I l1|r3']);
  });

  it('state grows with every stored row (NULL keys are not stored) and never shrinks', () => {
    const op = make('inner')(() => {});
    for (const [side, r] of steps.flatMap((s) => s.rows)) op.push(r, side);
    op.onWatermark(Infinity);
    expect(op.stateRows()).toBe(7);
  });

  it("outer, 'retract': unmatched rows at once, retracted (-D) before their first match", () => {
    expect(driveWithRestores(sided(make('full')), steps, fmt)).toEqual([
      '0: +I a1|-',
      '0: +I a2|-',
      '0: -D a1|-',
      '0: +I a1|x1',
      '0: -D a2|-',
      '0: +I a2|x1',
      '0: +I n1|-',
      '1: +I a1|x2',
      '1: +I a2|x2',
      '1: +I -|y1',
      '1: +I -|n2',
      '2: -D -|y1',
      '2: +I b1|y1',
      '2: +I c1|-',
    ]);
  });

  it("outer, 'end': unmatched rows once at end of input (append-only, for bounded inputs)", () => {
    expect(driveWithRestores(sided(make('left', 'end')), steps, fmt)).toEqual([
      '0: +I a1|x1',
      '0: +I a2|x1',
      '0: +I n1|-',
      '1: +I a1|x2',
      '1: +I a2|x2',
      '2: +I b1|y1',
      '3: +I c1|-',
    ]);
    expect(driveWithRestores(sided(make('right', 'end')), steps, fmt)).toEqual([
      '0: +I a1|x1',
      '0: +I a2|x1',
      '1: +I a1|x2',
      '1: +I a2|x2',
      '1: +I -|n2',
      '2: +I b1|y1',
    ]);
  });

  it('restore refuses another kind or version', () => {
    const op = make('inner')(() => {});
    expect(() => op.restore({ kind: 'interval-join', version: 1, data: {} })).toThrow(
      'state of operator "rj" was written by a "interval-join" operator, this query has "regular-join" there',
    );
    expect(() => op.restore({ kind: 'regular-join', version: 0, data: {} })).toThrow(
      'has version 0, this runtime reads version 1',
    );
  });
});
