import { describe, expect, it } from 'vitest';
import type { KeyValue } from '../types.ts';
import { seededRandom } from '../random.ts';
import { GroupMap } from './group-map.ts';

const entries = <K extends KeyValue, V>(m: GroupMap<K, V>): [K, V][] => {
  const out: [K, V][] = [];
  m.forEach((v, k) => out.push([k, v]));
  return out;
};

describe('GroupMap', () => {
  it('answers as a Map on random sets and deletes of random keys (numbers of every kind, then strings and NULL), in insertion order', () => {
    const r = seededRandom(42);
    const special = [0, -0, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 31), 0.1, 1e-300];
    for (let trial = 0; trial < 200; trial++) {
      const m = new GroupMap<KeyValue, number>();
      const ref = new Map<KeyValue, number>();
      // some trials stay numeric throughout; others meet a non-number key part-way
      const switchAt = trial % 3 === 0 ? 1e9 : Math.floor(r() * 400);
      const spread = [4, 100, 1e6, 2 ** 40][trial % 4]!;
      const deletes = [0, 0.1, 0.35][trial % 3]!;
      for (let i = 0; i < 400; i++) {
        let key: KeyValue;
        const pick = r();
        if (i >= switchAt && pick < 0.3) key = pick < 0.05 ? null : `k${Math.floor(r() * 20)}`;
        else if (pick < 0.05) key = special[Math.floor(r() * special.length)]!;
        else key = Math.floor(r() * spread) * (r() < 0.5 ? 1 : -1) + (trial % 5 === 0 ? 0.5 : 0);
        expect(m.get(key)).toBe(ref.get(key));
        const op = r();
        if (op < 0.6) {
          m.set(key, i);
          ref.set(key, i);
        } else if (op < 0.6 + deletes) expect(m.delete(key)).toBe(ref.delete(key));
        expect(m.size).toBe(ref.size);
      }
      expect(entries(m)).toEqual([...ref]);
    }
  });

  it('grows past many keys and keeps every one; deleting most of them keeps the rest in order', () => {
    const m = new GroupMap<number, number>();
    for (let i = 0; i < 100_000; i++) m.set(i * 7919, i);
    expect(m.size).toBe(100_000);
    for (let i = 0; i < 100_000; i++) if (i % 10 !== 0) m.delete(i * 7919);
    const left: number[] = [];
    m.forEach((v) => left.push(v));
    expect(left).toEqual(Array.from({ length: 10_000 }, (_, i) => i * 10));
    for (let i = 0; i < 100_000; i++) if (i % 10 !== 0) m.set(i * 7919, i);
    for (let i = 0; i < 100_000; i += 997) expect(m.get(i * 7919)).toBe(i);
    expect(m.get(-1)).toBeUndefined();
  });
});
