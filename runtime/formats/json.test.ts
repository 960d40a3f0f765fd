import { describe, expect, it } from 'vitest';
import * as decode from './decode.ts';
import { parseJson, stringifyJson } from './json.ts';

describe('parseJson', () => {
  it('gives what JSON.parse gives, with unsafe integers as exact bigints', () => {
    const line =
      '{"a":12345678901234567890,"b":[-98765432109876543210,9007199254740991,9007199254740992.0,1e400],' +
      '"c":"12345678901234567890","d\\u0041":{"e":null,"f":true,"g":false,"h":"x\\"y\\ud83d\\ude00"}, "a2" : 0.1 }';
    expect(parseJson(line)).toEqual({
      a: 12345678901234567890n,
      b: [-98765432109876543210n, 9007199254740991, 9007199254740992, Infinity],
      c: '12345678901234567890',
      dA: { e: null, f: true, g: false, h: 'x"y\u{1f600}' },
      a2: 0.1,
    });
    // 2^53 itself is not a safe integer: it could stand for 2^53 + 1
    expect(parseJson('[9007199254740992, 9007199254740993]')).toEqual([9007199254740992n, 9007199254740993n]);
  });

  it('keeps JSON.parse semantics for duplicate keys, __proto__ and errors', () => {
    const o = parseJson('{"k":1,"__proto__":{"x":1234567890123456789},"k":12345678901234567890}') as Record<
      string,
      unknown
    >;
    expect(Object.keys(o)).toEqual(['k', '__proto__']);
    expect(o['k']).toBe(12345678901234567890n);
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
    expect(() => parseJson('{"a":12345678901234567890')).toThrow(SyntaxError);
  });

  it('parses and writes back values nested 100,000 deep (no recursion)', () => {
    const depth = 100_000;
    const text = `{"v":${'['.repeat(depth)}12345678901234567890${']'.repeat(depth)}}`;
    const v = parseJson(text) as { v: unknown };
    expect(stringifyJson(v)).toBe(text);
    expect(() => JSON.stringify(v)).toThrow(); // what rt.decode.string no longer relies on
    expect(decode.string(v.v, 's')).toBe(text.slice(5, -1));
  });

  it('writes what JSON.stringify writes for parsed values', () => {
    const text = '{"a":[1,-0,1.5e300,"\\u0000\\ud800",{"":{}},[]],"b":null,"__proto__":[true,false]}';
    const v = JSON.parse(text) as unknown;
    expect(stringifyJson(v)).toBe(JSON.stringify(v));
  });
});

describe('decoders at the edges of their types', () => {
  const err = (f: () => unknown): string => {
    try {
      return `value ${String(f())}`;
    } catch (e) {
      return (e as Error).message;
    }
  };

  it('STRING keeps every digit of an integer beyond 2^53; BIGINT refuses it with the hint', () => {
    const o = decode.parse('{"n":12345678901234567890}') as { n: unknown };
    expect(decode.string(o.n, 'n')).toBe('12345678901234567890');
    expect(err(() => decode.bigint(o.n, 'n'))).toBe(
      'field "n": expected BIGINT within ±(2^53-1), got an integer outside it (numbers past 2^53 cannot be read exactly; declare the column STRING to keep every digit)',
    );
    expect(decode.double(o.n, 'n')).toBe(12345678901234567890);
    expect(err(() => decode.boolean(o.n, 'n'))).toBe('field "n": expected BOOLEAN, got 12345678901234567890');
  });

  it('DOUBLE reads decimal text, NaN and ±Infinity, and refuses hex, binary and separators', () => {
    expect(decode.double('.5', 'd')).toBe(0.5);
    expect(decode.double('5.', 'd')).toBe(5);
    expect(decode.double(' -1e-7 ', 'd')).toBe(-1e-7);
    expect(decode.double('1e400', 'd')).toBe(Infinity);
    expect(decode.double('NaN', 'd')).toBe(NaN);
    expect(decode.double('-Infinity', 'd')).toBe(-Infinity);
    expect(decode.double(1e400, 'd')).toBe(Infinity);
    for (const bad of ['0x10', '0b11', '0o7', '1_000', 'Inf', '1e', '.', '+', 'nan'])
      expect(err(() => decode.double(bad, 'd'))).toBe(`field "d": expected a number, got ${JSON.stringify(bad)}`);
  });

  it('TIMESTAMP, DATE and TIME refuse values outside years 0000-9999 with the range', () => {
    const range = 'a TIMESTAMP within years 0000-9999 (epoch milliseconds -62167219200000 to 253402300799999)';
    expect(err(() => decode.timestamp(1e16, 'ts'))).toBe(`field "ts": expected ${range}, got 10000000000000000`);
    expect(err(() => decode.timestamp(1e300, 'ts'))).toBe(`field "ts": expected ${range}, got 1e+300`);
    expect(err(() => decode.timestamp('99999999999999999999', 'ts'))).toBe(
      `field "ts": expected ${range}, got "99999999999999999999"`,
    );
    expect(err(() => decode.timestamp('9999-12-31T23:59:59.999-01:00', 'ts'))).toBe(
      `field "ts": expected ${range}, got "9999-12-31T23:59:59.999-01:00"`,
    );
    expect(decode.timestamp(253402300799999, 'ts')).toBe(253402300799999);
    expect(decode.timestamp('0000-01-01T00:00:00Z', 'ts')).toBe(-62167219200000);
    expect(err(() => decode.date(2932897, 'd'))).toBe(
      'field "d": expected a DATE within years 0000-9999 (epoch days -719528 to 2932896), got 2932897',
    );
    expect(err(() => decode.time(86_400_000, 't'))).toBe(
      'field "t": expected a TIME (milliseconds since midnight, 0 to 86399999), got 86400000',
    );
  });
});
