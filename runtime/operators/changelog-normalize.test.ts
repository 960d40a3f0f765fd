import { describe, expect, it } from 'vitest';
import type { Accumulator, Json } from '../types.ts';
import { Multiset } from '../aggregates/multiset.ts';
import { driveWithRestores } from '../testing/drive.ts';
import { kinded, type Kinded } from '../testing/kinds.ts';
import { ChangelogNormalize } from './changelog-normalize.ts';
import { GroupAggregate } from './group-aggregate.ts';
import { RegularJoin } from './regular-join.ts';

interface Price {
  item: string;
  cat: string;
  p: number | null;
}
const price = (item: string, cat: string, p: number | null): Price => ({ item, cat, p });
const fmtPrice = (r: Price) => `${r.item}:${r.cat}=${r.p}`;

describe('ChangelogNormalize', () => {
  it('turns upserts and deletes by key into a retracting changelog, restored after any batch', () => {
    const make = kinded<Price, Price>(
      (out) => new ChangelogNormalize<Price, string>({ id: 'n', key: (r) => r.item, out }),
    );
    const steps: { rows: Kinded<Price>[] }[] = [
      {
        rows: [
          ['+U', price('a', 'x', 1)],
          ['+U', price('b', 'x', 2)],
          ['+U', price('a', 'x', 3)],
        ],
      },
      // the same row again changes nothing; a delete of an unknown key is dropped
      {
        rows: [
          ['+U', price('a', 'x', 3)],
          ['-D', price('c', 'x', null)],
        ],
      },
      {
        rows: [
          ['-D', price('a', 'x', null)],
          ['+U', price('a', 'y', 5)],
        ],
      },
    ];
    expect(driveWithRestores(make, steps, fmtPrice)).toEqual([
      '0: +I a:x=1',
      '0: +I b:x=2',
      '0: -U a:x=1',
      '0: +U a:x=3',
      '2: -D a:x=3',
      '2: +I a:y=5',
    ]);
  });
});

/** SUM/COUNT/MAX per category, retractable: the accumulator generated code writes for an updating input. */
class Totals implements Accumulator<Price> {
  rows = 0;
  sum = 0;
  values = new Multiset<number>();
  add(r: Price): void {
    this.rows++;
    if (r.p !== null) {
      this.sum += r.p;
      this.values.add(r.p);
    }
  }
  retract(r: Price): void {
    this.rows--;
    if (r.p !== null) {
      this.sum -= r.p;
      this.values.retract(r.p);
    }
  }
  snapshot(): Json {
    return [this.rows, this.sum, this.values.snapshot()];
  }
  static restore(s: Json): Totals {
    const [rows, sum, values] = s as [number, number, Json];
    const t = new Totals();
    t.rows = rows;
    t.sum = sum;
    t.values = Multiset.restore<number>(values);
    return t;
  }
}
interface Total {
  cat: string;
  sum: number;
  max: number | null;
  n: number;
}
const fmtTotal = (t: Total) => `${t.cat} sum=${t.sum} max=${t.max} n=${t.n}`;

describe('GroupAggregate over an updating input', () => {
  const make = (updateBefore: boolean) =>
    kinded<Price, Total>(
      (out) =>
        new GroupAggregate<Price, string, Totals, Total>({
          id: 'g',
          emit: 'changes',
          updateBefore,
          key: (r) => r.cat,
          create: () => new Totals(),
          restore: (_k, s) => Totals.restore(s),
          result: (acc, cat) => ({ cat, sum: acc.sum, max: acc.values.max(), n: acc.rows }),
          out,
        }),
    );
  const steps: { rows: Kinded<Price>[] }[] = [
    {
      rows: [
        ['+I', price('a', 'x', 5)],
        ['+I', price('b', 'x', 9)],
        ['+I', price('c', 'y', 1)],
      ],
    },
    // b's 9 is retracted: MAX falls back to 5 (the multiset keeps it)
    {
      rows: [
        ['-U', price('b', 'x', 9)],
        ['+U', price('b', 'x', 4)],
      ],
    },
    // y's only row leaves: the group is deleted with its last result
    { rows: [['-D', price('c', 'y', 1)]] },
    // a retraction and re-add of the same value is no change at all
    {
      rows: [
        ['-U', price('a', 'x', 5)],
        ['+U', price('a', 'x', 5)],
      ],
    },
    // a retraction of a group never seen takes back nothing
    { rows: [['-D', price('z', 'z', 1)]] },
  ];

  it('retracts rows from the accumulators, deletes emptied groups, emits -U before +U when asked', () => {
    expect(driveWithRestores(make(true), steps, fmtTotal)).toEqual([
      '0: +I x sum=14 max=9 n=2',
      '0: +I y sum=1 max=1 n=1',
      '1: -U x sum=14 max=9 n=2',
      '1: +U x sum=9 max=5 n=2',
      '2: -D y sum=1 max=1 n=1',
    ]);
  });

  it('without updateBefore (rows straight to an upsert sink) only the new result', () => {
    expect(driveWithRestores(make(false), steps, fmtTotal)).toEqual([
      '0: +I x sum=14 max=9 n=2',
      '0: +I y sum=1 max=1 n=1',
      '1: +U x sum=9 max=5 n=2',
      '2: -D y sum=1 max=1 n=1',
    ]);
  });
});

describe('RegularJoin over an updating input', () => {
  interface Row {
    k: string;
    v: number;
  }
  const fmt = (o: { l: Row; r: Row }) => `${o.l.k}:${o.l.v}|${o.r.v}`;
  const make = kinded<Row, { l: Row; r: Row }>(
    (out) =>
      new RegularJoin<Row, Row, string, { l: Row; r: Row }>({
        id: 'rj',
        joinType: 'inner',
        leftKey: (l) => l.k,
        rightKey: (r) => r.k,
        residual: null,
        join: (l, r) => ({ l, r }),
        out,
      }),
  );

  it('a retracted row leaves the state and retracts every row it joined into', () => {
    const steps: { rows: Kinded<Row>[] }[] = [
      {
        rows: [
          ['+I', { k: 'a', v: 1 }, 0],
          ['+I', { k: 'a', v: 10 }, 1],
          ['+I', { k: 'a', v: 20 }, 1],
        ],
      },
      {
        rows: [
          ['-U', { k: 'a', v: 1 }, 0],
          ['+U', { k: 'a', v: 2 }, 0],
        ],
      },
      // a right row retracted: its joined row with the current left row goes
      { rows: [['-D', { k: 'a', v: 10 }, 1]] },
      // a retraction of a row never stored changes nothing
      { rows: [['-D', { k: 'a', v: 99 }, 1]] },
      { rows: [['+I', { k: 'a', v: 30 }, 1]] },
    ];
    expect(driveWithRestores(make, steps, fmt)).toEqual([
      '0: +I a:1|10',
      '0: +I a:1|20',
      '1: -D a:1|10',
      '1: -D a:1|20',
      '1: +I a:2|10',
      '1: +I a:2|20',
      '2: -D a:2|10',
      '4: +I a:2|30',
    ]);
  });
});
