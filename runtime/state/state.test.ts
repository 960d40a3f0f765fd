import { describe, expect, it } from 'vitest';
import type { KeyValue } from '../types.ts';
import { compositeKey, detachKey, splitCompositeKey } from './keys.ts';
import { KeyedState } from './keyed-state.ts';
import { decodeState, encodeState } from './snapshot.ts';
import { TimerHeap } from './timer-heap.ts';

describe('state helpers', () => {
  it('TimerHeap pops in time order', () => {
    const h = new TimerHeap<string>();
    const times = [50, 10, 40, 10, 30, 20, 60, 0];
    times.forEach((t, i) => h.push(t, `k${i}`));
    const out: number[] = [];
    while (h.size > 0) {
      out.push(h.peekTime());
      h.pop();
    }
    expect(out).toEqual([...times].sort((a, b) => a - b));
    expect(h.peekTime()).toBe(Infinity);
  });

  it('composite keys are injective and reversible', () => {
    expect(compositeKey('a,b', 'c')).not.toBe(compositeKey('a', 'b,c'));
    expect(compositeKey(null, 'null')).not.toBe(compositeKey('null', null));
    expect(compositeKey(1, '1')).not.toBe(compositeKey('1', 1));
    expect(splitCompositeKey(compositeKey('x"y', 3, null, true))).toEqual(['x"y', 3, null, true]);
  });

  it('composite keys of consecutive calls (the last key is reused when the parts are the same) equal a fresh encoding', () => {
    const parts: KeyValue[] = [0, -0, 1, '1', 'a,b', null, true, false, 1e21, NaN, Infinity, -Infinity, ''];
    let seed = 3;
    const pick = () => parts[(seed = (seed * 16807) % 2147483647) % parts.length]!;
    const fresh = (ps: KeyValue[]) =>
      ps
        .map((p) =>
          typeof p === 'string' ? JSON.stringify(p) : p === Infinity ? '1e999' : p === -Infinity ? '-1e999' : String(p),
        )
        .join(',');
    let prev: KeyValue[] = [];
    for (let i = 0; i < 5000; i++) {
      const ps = i % 3 === 0 ? [...prev] : Array.from({ length: 1 + (i % 3) }, pick);
      expect(compositeKey(...ps)).toBe(fresh(ps));
      prev = ps;
    }
  });

  it('KeyedState snapshots in insertion order', () => {
    const s = new KeyedState<string, number>();
    s.map.set('b', 2);
    s.map.set('a', 1);
    const snap = s.snapshot((v) => v * 10);
    const t = new KeyedState<string, number>();
    t.restore(snap, (j) => (j as number) / 10);
    expect([...t.map]).toEqual([
      ['b', 2],
      ['a', 1],
    ]);
    expect(t.size).toBe(2);
  });
});

describe('detachKey', () => {
  it('returns an equal string that is a fresh copy for long keys, and other keys as they are', () => {
    const chunk = 'x'.repeat(1000) + 'a-long-group-key-value' + 'y'.repeat(1000);
    const slice = chunk.slice(1000, 1022);
    expect(detachKey(slice)).toBe('a-long-group-key-value');
    expect(detachKey('short')).toBe('short');
    expect(detachKey(42)).toBe(42);
    expect(detachKey(null)).toBe(null);
  });

  it('encodeState keeps non-finite numbers at any depth, and is plain JSON otherwise', () => {
    const plain = { a: [1, 'x', null, true, { b: [2.5, -0] }], c: { d: [] } };
    expect(encodeState(plain)).toBe(JSON.stringify(plain));
    for (const v of [Infinity, -Infinity, NaN]) {
      const deep = { a: [1, [{ b: [v] }]], c: 'x' };
      const text = encodeState(deep);
      expect(text).toContain('$num');
      expect(decodeState(text)).toEqual(deep);
      expect(decodeState(encodeState({ w: v }))).toEqual({ w: v });
      expect(decodeState(encodeState([v]))).toEqual([v]);
    }
    expect(encodeState(-Infinity)).toBe('{"$num":"-Infinity"}');
  });

  it('encodeState leaves its input alone; decodeState keeps user keys such as "__proto__" as data', () => {
    const state = { wm: -Infinity, rows: [['k', { sum: Infinity }]] };
    decodeState(encodeState(state));
    expect(state).toEqual({ wm: -Infinity, rows: [['k', { sum: Infinity }]] });
    const back = decodeState('{"m":{"__proto__":{"$num":"NaN"},"x":{"__proto__":[1]}}}') as Record<
      string,
      Record<string, unknown>
    >;
    expect(Object.keys(back['m']!)).toEqual(['__proto__', 'x']);
    expect(Number.isNaN(back['m']!['__proto__'])).toBe(true);
    expect(Object.getPrototypeOf(back['m']!['x'])).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(back['m']!['x'], '__proto__')?.value).toEqual([1]);
    expect(encodeState(back)).toBe('{"m":{"__proto__":{"$num":"NaN"},"x":{"__proto__":[1]}}}');
  });
});
