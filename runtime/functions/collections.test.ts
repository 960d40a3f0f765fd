import { describe, expect, it } from 'vitest';
import {
  arrayContains,
  cardinality,
  compare,
  elementAt,
  equals,
  greatest,
  least,
  mapGet,
  notDistinct,
} from './collections.ts';

describe('collections', () => {
  it('structural equality', () => {
    expect(equals([1, [2, null]], [1, [2, null]])).toBe(true);
    expect(equals([1], [1, 2])).toBe(false);
    expect(equals({ a: 1, b: { c: 'x' } }, { b: { c: 'x' }, a: 1 })).toBe(true);
    expect(equals({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(notDistinct(null, null)).toBe(true);
    expect(notDistinct(null, [1])).toBe(false);
  });

  it('element access is 1-based and NULL when absent', () => {
    expect(elementAt(['a', 'b'], 1)).toBe('a');
    expect(elementAt(['a', 'b'], 0)).toBe(null);
    expect(elementAt(['a', 'b'], 3)).toBe(null);
    expect(mapGet({ k: 1 }, 'k')).toBe(1);
    expect(mapGet({ k: 1 }, 'constructor')).toBe(null);
  });

  it('ARRAY_CONTAINS with NULL elements follows IN semantics', () => {
    expect(arrayContains([1, 2], 2)).toBe(true);
    expect(arrayContains([1, null], 2)).toBe(null);
    expect(arrayContains([1, 3], 2)).toBe(false);
    expect(arrayContains([[1], [2]], [2])).toBe(true);
  });

  it('CARDINALITY, GREATEST, LEAST, compare', () => {
    expect(cardinality([1, 2, 3])).toBe(3);
    expect(cardinality({ a: 1 })).toBe(1);
    expect(greatest('a', 'c', 'b')).toBe('c');
    expect(least('b', 'a')).toBe('a');
    expect(compare('a', 'b')).toBe(-1);
    expect(compare(2, 2)).toBe(0);
  });
});
