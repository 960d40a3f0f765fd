import type { RowKind } from '../types.ts';
import { describe, expect, it } from 'vitest';
import type { EmitMode } from '../index.ts';
import { driveWithRestores, type Step } from '../testing/drive.ts';
import { CountSum, ev, type Ev } from '../testing/specs.ts';
import { GroupAggregate } from './group-aggregate.ts';
import { SortLimit } from './sort-limit.ts';

interface Out {
  k: string | null;
  n: number;
}
const fmt = (r: Out) => `${r.k}=${r.n}`;

function make(emit: EmitMode, keyOnly = false) {
  return (out: (r: Out, k: RowKind) => void) =>
    new GroupAggregate<Ev, string | null, CountSum, Out>({
      id: 'g',
      emit,
      keyOnly,
      key: (r) => r.k,
      create: () => new CountSum(),
      restore: (_k, s) => CountSum.restore(s),
      result: (acc, k) => ({ k, n: acc.count }),
      out,
    });
}

const steps: Step<Ev>[] = [
  { rows: [ev('a', '10:00:00'), ev('b', '10:00:00'), ev('a', '10:00:00')] },
  { rows: [ev('b', '10:00:00'), ev(null, '10:00:00')] },
  { rows: [] },
];

describe('GroupAggregate', () => {
  it('CHANGES: the groups changed in each batch', () => {
    expect(driveWithRestores(make('changes'), steps, fmt)).toEqual([
      '0: +I a=2',
      '0: +I b=1',
      '1: +U b=2',
      '1: +I null=1',
    ]);
  });

  it('COMPLETE: every group after every batch', () => {
    expect(driveWithRestores(make('complete'), steps.slice(0, 2), fmt)).toEqual([
      '0: +I a=2',
      '0: +I b=1',
      '1: +I a=2',
      '1: +I b=2',
      '1: +I null=1',
      '2: +I a=2',
      '2: +I b=2',
      '2: +I null=1',
    ]);
  });

  it('FINAL (bounded input): every group once at end', () => {
    expect(driveWithRestores(make('final'), steps, fmt)).toEqual(['3: +I a=2', '3: +I b=2', '3: +I null=1']);
  });

  it('SELECT DISTINCT (keyOnly): a key is emitted only when it first appears', () => {
    expect(driveWithRestores(make('changes', true), steps, (r) => String(r.k))).toEqual([
      '0: +I a',
      '0: +I b',
      '1: +I null',
    ]);
  });
});

describe('SortLimit', () => {
  const sortMake = (emit: 'complete' | 'final', limit: number | null) => (out: (r: Out, k: RowKind) => void) =>
    new SortLimit<Out>({
      id: 'sort',
      emit,
      limit,
      compare: (a, b) => b.n - a.n || String(a.k).localeCompare(String(b.k)),
      out,
    });

  it('final: sorts everything at end of input, keeping the top N', () => {
    const rows: Out[] = [];
    for (let i = 0; i < 5000; i++) rows.push({ k: `k${i}`, n: (i * 7919) % 1000 });
    const lines = driveWithRestores(
      sortMake('final', 3),
      [{ rows: rows.slice(0, 2500) }, { rows: rows.slice(2500) }],
      fmt,
    );
    expect(lines).toEqual(['2: +I k1321=999', '2: +I k2321=999', '2: +I k321=999']);
  });

  it('complete: sorts each batch (the whole upstream table) at batch end', () => {
    const lines = driveWithRestores(
      sortMake('complete', 2),
      [
        {
          rows: [
            { k: 'a', n: 1 },
            { k: 'b', n: 2 },
          ],
        },
        {
          rows: [
            { k: 'a', n: 5 },
            { k: 'b', n: 2 },
            { k: 'c', n: 3 },
          ],
        },
      ],
      fmt,
    );
    expect(lines).toEqual(['0: +I b=2', '0: +I a=1', '1: +I a=5', '1: +I c=3']);
  });
});
