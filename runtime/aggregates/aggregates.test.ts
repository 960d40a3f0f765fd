import { describe, expect, it } from 'vitest';
import { decodeState, encodeState } from '../state/snapshot.ts';
import { DistinctSet } from './distinct-set.ts';
import { HyperLogLog } from './hyperloglog.ts';
import { CollectList, FirstValue, LastValue, Max, Min, Sum } from './simple.ts';
import { Multiset } from './multiset.ts';
import { Welford } from './welford.ts';

/** snapshot → JSON text → restore, as a checkpoint would. */
const roundTrip = <T extends { snapshot(): unknown }>(x: T, restore: (s: never) => T): T =>
  restore(decodeState(encodeState(x.snapshot())) as never);

describe('accumulator helpers', () => {
  it('DistinctSet counts distinct non-null values, merges and round-trips', () => {
    const a = new DistinctSet<string>();
    for (const v of ['x', 'y', 'x', null]) a.add(v);
    const b = new DistinctSet<string>(['y', 'z']);
    a.merge(b);
    expect(a.size).toBe(3);
    expect(roundTrip(a, DistinctSet.restore).size).toBe(3);
  });

  it('HyperLogLog estimates within a few percent, with bounded memory, mergeable', () => {
    const h = new HyperLogLog();
    for (let i = 0; i < 100_000; i++) h.add(`user-${i % 50_000}`);
    const e = h.estimate();
    expect(Math.abs(e - 50_000) / 50_000).toBeLessThan(0.05);
    const small = new HyperLogLog();
    for (let i = 0; i < 100; i++) small.add(i);
    expect(small.estimate()).toBeGreaterThanOrEqual(98);
    expect(small.estimate()).toBeLessThanOrEqual(102);
    expect(JSON.stringify(small.snapshot()).length).toBeLessThan(2_000); // sparse
    const restored = roundTrip(h, HyperLogLog.restore);
    expect(restored.estimate()).toBe(e);
    expect(JSON.stringify(h.snapshot()).length).toBeLessThan(6_000); // dense: 4 KiB base64
    const other = new HyperLogLog();
    for (let i = 50_000; i < 100_000; i++) other.add(`user-${i}`);
    restored.merge(other);
    expect(Math.abs(restored.estimate() - 100_000) / 100_000).toBeLessThan(0.05);
    restored.add(null);
  });

  it('Welford matches the two-pass variance and merges exactly', () => {
    const xs = [2, 4, 4, 4, 5, 5, 7, 9, 1e9 + 1, 1e9 + 2];
    const a = new Welford();
    const b = new Welford();
    xs.forEach((x, i) => (i < 4 ? a : b).add(x));
    a.merge(b);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const varPop = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(a.varPop()! / varPop).toBeCloseTo(1, 12);
    expect(a.stddevSamp()).toBeCloseTo(Math.sqrt((varPop * xs.length) / (xs.length - 1)), 3);
    expect(new Welford().varPop()).toBeNull();
    const one = new Welford();
    one.add(3);
    expect([one.varPop(), one.varSamp()]).toEqual([0, null]);
    expect(roundTrip(a, Welford.restore).varPop()).toBe(a.varPop());
  });

  it('SUM/AVG are NULL over no non-null values', () => {
    const s = new Sum();
    s.add(null);
    expect([s.value, s.average]).toEqual([null, null]);
    s.add(2);
    s.add(4);
    expect([s.value, s.average]).toEqual([6, 3]);
    expect(roundTrip(s, Sum.restore).value).toBe(6);
  });

  it('MIN/MAX over numbers and strings; FIRST/LAST skip NULLs; COLLECT_LIST keeps order', () => {
    const mn = new Min<string>();
    const mx = new Max<number>();
    for (const v of ['b', null, 'a', 'c']) mn.add(v);
    for (const v of [3, null, 7, -1]) mx.add(v);
    expect([mn.value, mx.value]).toEqual(['a', 7]);
    expect(roundTrip(mn, Min.restore).value).toBe('a');
    const f = new FirstValue<string>();
    const l = new LastValue<string>();
    for (const v of [null, 'x', 'y', null]) {
      f.add(v);
      l.add(v);
    }
    expect([f.value, l.value]).toEqual(['x', 'y']);
    const c = new CollectList<string | null>();
    for (const v of ['a', null, 'b']) c.add(v);
    const c2 = roundTrip(c, CollectList.restore);
    c2.merge(c);
    expect(c2.result()).toEqual(['a', null, 'b', 'a', null, 'b']);
  });

  it('the state codec keeps non-finite numbers', () => {
    expect(decodeState(encodeState([Infinity, -Infinity, NaN, 1, { a: -0 }]))).toEqual([
      Infinity,
      -Infinity,
      NaN,
      1,
      { a: 0 },
    ]);
  });
});

describe('Multiset (retractable MIN/MAX and DISTINCT)', () => {
  it('keeps counts, finds the next extreme after the current one is retracted, snapshots', () => {
    const m = new Multiset<number>();
    for (const v of [5, 9, 9, 1]) m.add(v);
    expect([m.min(), m.max(), m.size]).toEqual([1, 9, 3]);
    m.retract(9);
    expect(m.max()).toBe(9);
    m.retract(9);
    m.retract(1);
    m.retract(42);
    expect([m.min(), m.max(), m.size]).toEqual([5, 5, 1]);
    const r = Multiset.restore<number>(JSON.parse(JSON.stringify(m.snapshot())));
    r.add(7);
    expect([r.min(), r.max(), [...r.values()]]).toEqual([5, 7, [5, 7]]);
    r.retract(5);
    r.retract(7);
    expect([r.min(), r.max(), r.size]).toEqual([null, null, 0]);
  });

  it('Welford and CollectList take values back', () => {
    const w = new Welford();
    for (const v of [2, 4, 4, 4, 5, 5, 7, 9]) w.add(v);
    w.retract(9);
    const x = new Welford();
    for (const v of [2, 4, 4, 4, 5, 5, 7]) x.add(v);
    expect(w.varPop()).toBeCloseTo(x.varPop()!, 10);
    expect(w.count).toBe(7);
    const l = new CollectList<number>([1, 2, 1]);
    l.retract(1);
    expect(l.result()).toEqual([2, 1]);
  });
});
