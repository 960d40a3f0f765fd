/**
 * Numeric semantics that do not fit in one JavaScript operator.
 *
 * - INT is a 32-bit integer: `+ - *` wrap around on overflow (as Java/Flink); generated code
 *   writes `(a + b) | 0` and `Math.imul(a, b)`.
 * - BIGINT is carried as a number restricted to the safe integer range ±(2^53 − 1): arithmetic
 *   whose result leaves it is a run-time error (`bigint`), never silent rounding.
 * - Integer (INT, BIGINT) and DECIMAL division and modulo by zero raise "division by zero", as
 *   Flink does; DOUBLE division follows IEEE 754 (±Infinity, NaN), as Java does.
 * - Integer division truncates toward zero; modulo takes the sign of the dividend.
 */

import { SqlRuntimeError } from './errors.ts';

/** Checks that a BIGINT result is still exact; throws otherwise. */
export function bigint(n: number): number {
  if (Number.isSafeInteger(n)) return n;
  throw new SqlRuntimeError(`BIGINT overflow: the result ${n} is outside ±(2^53 - 1), the exactly representable range`);
}

export function divisionByZero(): never {
  throw new SqlRuntimeError('division by zero');
}

/** INT `a / b`: truncates toward zero; wraps like Java for MIN_VALUE / -1. */
export function intDiv(a: number, b: number): number {
  if (b === 0) divisionByZero();
  return (a / b) | 0;
}

/** BIGINT `a / b`: truncates toward zero. */
export function bigintDiv(a: number, b: number): number {
  if (b === 0) divisionByZero();
  return Math.trunc(a / b);
}

/** INT/BIGINT/DECIMAL `a % b` (and MOD): the sign of the dividend. */
export function intMod(a: number, b: number): number {
  if (b === 0) divisionByZero();
  return a % b;
}

/** DECIMAL `a / b` (carried as DOUBLE): division by zero is an error, not Infinity. */
export function decimalDiv(a: number, b: number): number {
  if (b === 0) divisionByZero();
  return a / b;
}

/**
 * `ROUND(x, d)` with SQL's half-up rounding (ties away from zero), on the shortest decimal
 * representation of `x` (so `ROUND(2.675, 2)` is 2.68 as in Java's `BigDecimal.valueOf`, not
 * 2.67 as binary floating point would give). Negative `d` rounds to tens, hundreds, ...
 */
export function round(x: number, d = 0): number {
  if (!Number.isFinite(x)) return x;
  const digits = Math.trunc(d);
  if (Number.isInteger(x) && digits >= 0) return x;
  if (digits >= 0 && digits <= 15) {
    // Arithmetic when it cannot differ from the digits: `y` is within y·2^-52 of the shortest
    // decimal of |x| times 10^d, so unless that is nearly a tie, its half-up rounding is
    // floor(y + 0.5) (exact below 2^40), and k / 10^d (both exact) is the double nearest to
    // k·10^-d, as the text `${k}e-${d}` parses to.
    const p = POW10[digits]!;
    const y = Math.abs(x) * p;
    if (y < 2 ** 40 && Math.abs(y - Math.floor(y) - 0.5) > y * 2 ** -48) {
      const r = Math.floor(y + 0.5) / p;
      return x < 0 ? -r : r;
    }
  }
  return roundDigits(x, digits);
}

const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);

/** `round` on the digits of the shortest decimal representation of `x` (text: the reference, and near ties). */
export function roundDigits(x: number, digits: number): number {
  const [mantissa, exp = '0'] = Math.abs(x).toExponential().split('e');
  const e = Number(exp);
  // x = m.mmmm * 10^e; shift the decimal point by `digits` and round half-up on the digits.
  const allDigits = mantissa!.replace('.', '');
  const pointAt = e + 1 + digits;
  let result: number;
  if (pointAt < 0) result = 0;
  else if (pointAt >= allDigits.length) return x;
  else {
    const kept = pointAt === 0 ? 0 : Number(allDigits.slice(0, pointAt));
    const up = allDigits.charCodeAt(pointAt) >= 53; /* '5' */
    result = Number(`${up ? kept + 1 : kept}e${-digits}`);
  }
  return x < 0 ? -result : result;
}

/** ROUND for INT/BIGINT with a negative number of digits (`ROUND(1234, -2)` = 1200). */
export function roundInteger(x: number, d: number): number {
  if (d >= 0) return x;
  const f = 10 ** -d;
  const r = Math.floor(Math.abs(x) / f + 0.5) * f;
  return x < 0 ? -r : r;
}

/** `SIGN(x)`: -1, 0 or 1 (of the same type as x). */
export function sign(x: number): number {
  return x > 0 ? 1 : x < 0 ? -1 : x;
}

/**
 * `RAND([seed])`: a uniformly distributed DOUBLE in [0, 1). With a seed, generated code hoists
 * one generator per call site so the sequence is repeatable (as Flink).
 */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The sum of numbers (SUM(DISTINCT x) over the distinct values). */
export function sumOf(values: Iterable<number>): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum;
}
