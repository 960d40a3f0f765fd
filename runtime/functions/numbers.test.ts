import { describe, expect, it } from 'vitest';
import {
  bigint,
  bigintDiv,
  decimalDiv,
  intDiv,
  intMod,
  round,
  roundDigits,
  roundInteger,
  seededRandom,
  sign,
} from './numbers.ts';

describe('ROUND (half-up on the decimal representation)', () => {
  it.each([
    [2.675, 2, 2.68],
    [2.5, 0, 3],
    [-2.5, 0, -3],
    [1.005, 2, 1.01],
    [0.5, 0, 1],
    [0.05, 0, 0],
    [0.45, 1, 0.5],
    [1234.5678, -2, 1200],
    [1250, -2, 1300],
    [99.99, 1, 100],
    [1e-10, 3, 0],
    [123.456, 10, 123.456],
    [-0.0001, 2, -0],
    [1.23e21, 2, 1.23e21],
  ])('ROUND(%d, %d) = %d', (x, d, expected) => {
    expect(round(x, d)).toBe(expected);
  });

  it('gives what rounding the digits of the decimal representation gives, for any value', () => {
    const random = seededRandom(11);
    const values: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const magnitude = 10 ** Math.floor(random() * 24 - 12);
      values.push((random() - 0.5) * magnitude, Math.round(random() * 1e6) / 1000, 0.908 * Math.round(random() * 1e8));
    }
    // ties and near-ties in binary: n + 0.5 at each scale, and decimal ties that binary misses
    for (let n = 0; n < 2000; n++) for (const d of [1, 2, 3, 6]) values.push((n + 0.5) / 10 ** d, -(n + 0.5) / 10 ** d);
    for (const x of values)
      for (let d = 0; d <= 15; d++) expect(Object.is(round(x, d), roundDigits(x, d)), `ROUND(${x}, ${d})`).toBe(true);
  });

  it('non-finite values pass through; integers with negative digits', () => {
    expect(round(NaN, 2)).toBeNaN();
    expect(round(Infinity)).toBe(Infinity);
    expect(roundInteger(15, -1)).toBe(20);
    expect(roundInteger(-15, -1)).toBe(-20);
    expect(roundInteger(14, -1)).toBe(10);
    expect(roundInteger(14, 2)).toBe(14);
  });
});

describe('integer semantics', () => {
  it('division truncates, modulo takes the dividend sign, zero divisors fail', () => {
    expect(intDiv(7, -2)).toBe(-3);
    expect(intDiv(-2147483648, -1)).toBe(-2147483648);
    expect(bigintDiv(-7, 2)).toBe(-3);
    expect(intMod(-7, 3)).toBe(-1);
    expect(intMod(7, -3)).toBe(1);
    expect(() => intDiv(1, 0)).toThrow('division by zero');
    expect(() => bigintDiv(1, 0)).toThrow('division by zero');
    expect(() => intMod(1, 0)).toThrow('division by zero');
    expect(() => decimalDiv(1, 0)).toThrow('division by zero');
  });

  it('BIGINT results must stay exact', () => {
    expect(bigint(2 ** 53 - 1)).toBe(2 ** 53 - 1);
    expect(() => bigint(2 ** 53)).toThrow(/BIGINT overflow/);
    expect(() => bigint(-(2 ** 53))).toThrow(/BIGINT overflow/);
  });

  it('SIGN and seeded RAND', () => {
    expect(sign(-3)).toBe(-1);
    expect(sign(0)).toBe(0);
    expect(sign(0.2)).toBe(1);
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });
});
