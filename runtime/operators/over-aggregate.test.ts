import { describe, expect, it } from 'vitest';
import { driveWithRestores, type Step } from '../testing/drive.ts';
import { CountSum, type Ev } from '../testing/specs.ts';
import type { OverAggregateConfig, RowKind } from '../types.ts';
import { OverAggregate } from './over-aggregate.ts';

interface Out {
  k: string | null;
  ts: number | null;
  v: number | null;
  vs: (number | null)[];
}
const e = (k: string, ts: number, v: number): Ev => ({ k, ts, v });
const fmt = (r: Out) => `${r.k}@${r.ts} ${r.v} [${r.vs.join(',')}]`;

function make(
  frame: OverAggregateConfig<Ev, string | null, CountSum, Out>['frame'],
  mode: 'watermark' | 'proc' | 'end' = 'watermark',
) {
  return (out: (r: Out, kind: RowKind) => void) =>
    new OverAggregate<Ev, string | null, CountSum, Out>({
      id: 'o',
      mode,
      key: (r) => r.k,
      order: (r) => r.ts,
      frame,
      create: () => new CountSum(),
      restore: (s) => CountSum.restore(s),
      result: (acc, r) => ({ k: r.k, ts: r.ts, v: r.v, vs: acc.vs.slice() }),
      out,
    });
}

// out of order within the watermark delay; a tie at 5; another key
const steps: Step<Ev>[] = [
  { rows: [e('a', 2, 1), e('a', 1, 2), e('b', 1, 7)], wm: 0 },
  { rows: [e('a', 5, 3), e('a', 3, 4)], wm: 3 },
  { rows: [e('a', 5, 5), e('a', 9, 6)], wm: 6 },
  { rows: [], wm: 20 },
];

describe('OverAggregate', () => {
  it('ROWS 1 PRECEDING: rows in time order as the watermark passes them (t < W), restored after any batch', () => {
    expect(driveWithRestores(make({ unit: 'rows', preceding: 1 }), steps, fmt)).toEqual([
      '1: +I a@1 2 [2]',
      '1: +I a@2 1 [2,1]',
      '1: +I b@1 7 [7]',
      '2: +I a@3 4 [1,4]',
      '2: +I a@5 3 [4,3]',
      '2: +I a@5 5 [3,5]',
      '3: +I a@9 6 [5,6]',
    ]);
  });

  it('RANGE 3 PRECEDING: the rows of the 3 ms up to the row, peers (equal times) included', () => {
    expect(driveWithRestores(make({ unit: 'range', preceding: 3 }), steps, fmt)).toEqual([
      '1: +I a@1 2 [2]',
      '1: +I a@2 1 [2,1]',
      '1: +I b@1 7 [7]',
      '2: +I a@3 4 [2,1,4]',
      '2: +I a@5 3 [1,4,3,5]',
      '2: +I a@5 5 [1,4,3,5]',
      '3: +I a@9 6 [6]',
    ]);
  });

  it('UNBOUNDED: one running accumulator per key', () => {
    expect(driveWithRestores(make({ unit: 'rows', preceding: null }), steps, fmt)).toEqual([
      '1: +I a@1 2 [2]',
      '1: +I a@2 1 [2,1]',
      '1: +I b@1 7 [7]',
      '2: +I a@3 4 [2,1,4]',
      '2: +I a@5 3 [2,1,4,3]',
      '2: +I a@5 5 [2,1,4,3,5]',
      '3: +I a@9 6 [2,1,4,3,5,6]',
    ]);
  });

  it('end: bounded input in order at end of input; proc: in arrival order on arrival', () => {
    const frame = { unit: 'rows', preceding: 1 } as const;
    expect(driveWithRestores(make(frame, 'end'), steps, fmt).slice(0, 2)).toEqual(['4: +I a@1 2 [2]', '4: +I a@2 1 [2,1]']);
    expect(driveWithRestores(make(frame, 'proc'), steps, fmt).slice(0, 2)).toEqual(['0: +I a@2 1 [1]', '0: +I a@1 2 [1,2]']);
  });
});
