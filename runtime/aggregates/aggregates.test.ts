import { describe, expect, it } from 'vitest';
import { decodeState, encodeState } from '../state/snapshot.ts';
import { DistinctSet } from './distinct-set.ts';
import { HyperLogLog } from './hyperloglog.ts';
import { CollectList, FirstValue, LastValue, Max, Min, Sum } from './simple.ts';
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
