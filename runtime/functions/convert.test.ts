import { describe, expect, it } from 'vitest';
import {
  booleanToString,
  castError,
  decimalToString,
  doubleToBigint,
  doubleToInt,
  doubleToString,
  parseBigint,
  parseBoolean,
  parseDecimal,
  parseDouble,
  parseInt32,
  toDecimal,
  valueToString,
} from './convert.ts';

describe('text to numbers', () => {
  it('INT: 32-bit range, whitespace allowed, no fractions', () => {
    expect(parseInt32(' 42 ')).toBe(42);
    expect(parseInt32('-2147483648')).toBe(-2147483648);
    expect(parseInt32('2147483648')).toBe(null);
    expect(parseInt32('1.5')).toBe(null);
    expect(parseInt32('')).toBe(null);
    expect(parseInt32('0x10')).toBe(null);
  });

  it('BIGINT: the safe integer range only', () => {
    expect(parseBigint('9007199254740991')).toBe(9007199254740991);
    expect(parseBigint('9007199254740992')).toBe(null);
    expect(parseBigint('-9007199254740991')).toBe(-9007199254740991);
  });

  it('DOUBLE and DECIMAL', () => {
    expect(parseDouble('1.5e3')).toBe(1500);
    expect(parseDouble('.5')).toBe(0.5);
    expect(parseDouble('5.')).toBe(5);
    expect(parseDouble('NaN')).toBeNaN();
    expect(parseDouble('-Infinity')).toBe(-Infinity);
    expect(parseDouble('1,5')).toBe(null);
    expect(parseDouble('')).toBe(null);
    expect(parseDecimal('12.345', 5, 2)).toBe(12.35);
    expect(parseDecimal('1234.5', 5, 2)).toBe(null);
    expect(toDecimal(-2.5, 3, 0)).toBe(-3);
  });

  it('BOOLEAN', () => {
    expect(parseBoolean('TRUE')).toBe(true);
    expect(parseBoolean(' f ')).toBe(false);
    expect(parseBoolean('1')).toBe(true);
    expect(parseBoolean('maybe')).toBe(null);
  });
});

describe('numbers between types', () => {
  it('DOUBLE to INT/BIGINT truncate', () => {
    expect(doubleToInt(-2.9)).toBe(-2);
    expect(doubleToInt(NaN)).toBe(0);
    expect(doubleToInt(1e20)).toBe(2147483647);
    expect(doubleToBigint(2.9)).toBe(2);
    expect(doubleToBigint(1e20)).toBe(null);
  });
});

describe('values to text', () => {
  it('DOUBLE as Java writes it', () => {
    expect(doubleToString(1)).toBe('1.0');
    expect(doubleToString(0.5)).toBe('0.5');
    expect(doubleToString(1e7)).toBe('1.0E7');
    expect(doubleToString(1.5e-4)).toBe('1.5E-4');
    expect(doubleToString(123456.789)).toBe('123456.789');
    expect(doubleToString(-0)).toBe('-0.0');
    expect(doubleToString(NaN)).toBe('NaN');
    expect(doubleToString(-Infinity)).toBe('-Infinity');
  });

  it('DECIMAL, BOOLEAN, composite values', () => {
    expect(decimalToString(1.5, 2)).toBe('1.50');
    expect(booleanToString(false)).toBe('FALSE');
    expect(valueToString([1, null, 'a'])).toBe('[1, NULL, a]');
    expect(valueToString({ a: 1, b: [true] })).toBe('{a=1, b=[TRUE]}');
  });

  it('castError names the value and the target type', () => {
    expect(() => castError('abc', 'INT')).toThrow("cannot cast 'abc' to INT");
  });
});
