import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as decode from '../formats/decode.ts';
import { JsonBytesScanner } from './json-bytes.ts';
import { JsonFieldScanner } from './json-scan.ts';

const KEYS = ['s', 'i', 'b', 'd', 't', 'f', 'x', 'é', 'a b'] as const;

type Conversion = 'string' | 'int' | 'bigint' | 'double' | 'boolean' | 'timestamp' | 'date' | 'time';
const CONVERSIONS: Conversion[] = ['string', 'int', 'bigint', 'double', 'boolean', 'timestamp', 'date', 'time'];

function slowTimestamp(text: string): unknown {
  return slow('timestamp', text);
}

/** What the slow path gives for a value: the coerced value, or 'error'. */
function slow(conversion: Conversion, v: unknown): unknown {
  try {
    return decode[conversion](v, 'field');
  } catch {
    return 'error';
  }
}

/**
 * The property the generated decoders rely on: when the scanner accepts a line and a conversion
 * returns a value (not undefined), it equals the slow path's value (`rt.decode.parse`, then the
 * coercion); and the scanner accepts exactly the lines `JSON.parse` accepts as an object.
 */
function check(line: string, failOnMissing = false, scanner: JsonFieldScanner | JsonBytesScanner): boolean {
  let accepted: boolean;
  if (scanner instanceof JsonBytesScanner) {
    // The record between other bytes (which the scan must not read): what the file source hands out.
    const bytes = Buffer.from(`{"x":1}\n${line}"]} \n`);
    const start = 8;
    const end = bytes.length - 5;
    accepted = scanner.scan(bytes, start, end);
    line = scanner.text(); // the record as the fallback reads it (a lone surrogate became U+FFFD)
  } else accepted = scanner.scan(line);
  let parsed: unknown;
  let parses = true;
  try {
    parsed = decode.parse(line);
  } catch {
    parses = false;
  }
  const isObject = parses && typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  if (accepted !== isObject) {
    // Deep nesting is the one thing the scanner may refuse although JSON.parse accepts it.
    if (!(isObject && !accepted && /[[{]{200}/.test(line))) {
      throw new Error(`scan(${JSON.stringify(line)}) = ${accepted}, JSON.parse says object=${isObject}`);
    }
  }
  if (!accepted) return false;
  const o = parsed as Record<string, unknown>;
  KEYS.forEach((key, slot) => {
    const present = Object.prototype.hasOwnProperty.call(o, key);
    if (scanner.has(slot) !== present) throw new Error(`has(${key}) of ${line}`);
    for (const conversion of CONVERSIONS) {
      const fast = scanner[conversion](slot);
      if (fast === undefined) {
        if (!present && !failOnMissing) throw new Error(`${conversion}(${key}) deferred for an absent key in ${line}`);
        continue;
      }
      const expected = slow(conversion, o[key]);
      if (!Object.is(fast, expected)) {
        throw new Error(
          `${conversion}(${key}) of ${JSON.stringify(line)}: fast ${JSON.stringify(fast)}, slow ${JSON.stringify(expected)}`,
        );
      }
    }
    if (!isDeepStrictEqual(scanner.json(slot), present ? o[key] : undefined))
      throw new Error(`json(${key}) of ${line}`);
  });
  return true;
}

/** Scans `line` with either scanner (the bytes one reads it as the file source hands it out). */
function scanText(s: JsonFieldScanner | JsonBytesScanner, line: string): boolean {
  if (s instanceof JsonFieldScanner) return s.scan(line);
  const bytes = Buffer.from(`${line}\n`);
  return s.scan(bytes, 0, bytes.length - 1);
}

for (const kind of ['JsonFieldScanner', 'JsonBytesScanner'] as const) {
  const make = (keys: readonly string[], failOnMissing = false): JsonFieldScanner | JsonBytesScanner =>
    kind === 'JsonFieldScanner' ? new JsonFieldScanner(keys, failOnMissing) : new JsonBytesScanner(keys, failOnMissing);
  describe(kind, () => {
    it('reads the wanted fields of a plain line', () => {
      const s = make(['page', 'ts', 'n']);
      expect(scanText(s, '{"user":"u1","page":"/home","ts":"2025-04-21T14:08:35.123Z","n":42,"ok":true}')).toBe(true);
      expect(s.string(0)).toBe('/home');
      expect(s.timestamp(1)).toBe(Date.UTC(2025, 3, 21, 14, 8, 35, 123));
      expect(s.int(2)).toBe(42);
      // a number into STRING is its text, as the slow path gives it
      expect(s.string(2)).toBe('42');
    });

    it('handles whitespace, field order, duplicates, escapes and unicode', () => {
      const s = make(['a', 'b']);
      expect(scanText(s, ' { "b" : 1 ,\t"a":"x\\"y\\u00e9" , "b": 2 }\r')).toBe(true);
      expect(s.string(0)).toBe('x"yé');
      expect(s.int(1)).toBe(2);
      expect(scanText(s, '{"b":null}')).toBe(true);
      expect(s.string(0)).toBe(null);
      expect(s.int(1)).toBe(null);
      expect(scanText(s, '{"a":"日本語😀"}')).toBe(true);
      expect(s.string(0)).toBe('日本語😀');
    });

    it('defers unusual values to the slow path', () => {
      const s = make(['v']);
      scanText(s, '{"v":"42"}');
      expect(s.int(0)).toBe(undefined);
      scanText(s, '{"v":9007199254740993}');
      expect(s.bigint(0)).toBe(undefined);
      scanText(s, '{"v":2147483648}');
      expect(s.int(0)).toBe(undefined);
      expect(s.bigint(0)).toBe(2147483648);
      scanText(s, '{"v":1.5}');
      expect(s.int(0)).toBe(undefined);
      expect(s.double(0)).toBe(1.5);
      scanText(s, '{"v":"yesterday"}');
      expect(s.timestamp(0)).toBe(undefined);
      scanText(s, '{"v":{"x":[1,2]}}');
      expect(s.string(0)).toBe(undefined);
      expect(s.json(0)).toEqual({ x: [1, 2] });
    });

    it('fail-on-missing-field: an absent key defers instead of reading NULL', () => {
      const s = make(['v'], true);
      scanText(s, '{"w":1}');
      expect(s.string(0)).toBe(undefined);
      scanText(s, '{"v":null}');
      expect(s.string(0)).toBe(null);
    });

    it('rejects what JSON.parse rejects', () => {
      const bad = [
        '',
        '{',
        '{"a":1',
        '{"a":1,}',
        '{"a" 1}',
        '{a:1}',
        '{"a":tru}',
        '{"a":01}',
        '{"a":1.}',
        '{"a":.5}',
        '{"a":-}',
        '{"a":1e}',
        '{"a":"x\ty"}',
        '{"a":"\\x"}',
        '{"a":"\\u12g4"}',
        '{"a":[1,]}',
        '{"a":{"b":}}',
        '{"a":1}}',
        '{"a":1} x',
        '{"a":NaN}',
        "{'a':1}",
        '{"a":"unterminated}',
        '{"a":[1 2]}',
        '{"a":{"b" 1}}',
        '{"a\\"b":1}x',
      ];
      for (const line of bad) check(line, false, make(KEYS));
      for (const line of bad) expect(scanText(make(['a']), line), line).toBe(false);
      for (const line of ['[1]', '"s"', '1', 'null']) expect(scanText(make(['a']), line)).toBe(false);
    });

    it('agrees with rt.decode.parse + rt.decode on 40,000 seeded random and mutated lines', () => {
      let seed = 1234567;
      const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
      const ws = () => pick(['', '', '', ' ', '  ', '\t', '\n', ' \r\n ']);
      const strings = [
        'plain',
        '',
        'with space',
        'quote"inside',
        'back\\slash',
        'tab\there',
        'nl\nx',
        'é',
        '日本',
        '😀',
        '\u0000',
        '\u2028',
        '2025-04-21T14:08:35.123Z',
        '2025-04-21T14:08:35.999Z',
        '2024-02-29T23:59:59.000Z',
        '2025-02-29T10:00:00.000Z',
        '2025-04-21T24:00:00.000Z',
        '2025-04-21T14:60:00.000Z',
        '2025-04-21T14:08:35.12xZ',
        '2025-04-21 14:08:35.123Z',
        '1969-12-31T23:59:59.999Z',
        '2025-04-21T14:08:35',
        '2025-04-21 14:08:35.1',
        '2025-04-21',
        '14:08:35',
        '2025-02-30',
        '42',
        ' 7 ',
        '-3',
        '1e3',
        'true',
        'FALSE',
        'NaN',
        'Infinity',
        '9007199254740993',
      ];
      const numbers = [
        '0',
        '-0',
        '42',
        '-17',
        '2147483647',
        '2147483648',
        '-2147483649',
        '9007199254740991',
        '9007199254740993',
        '123456789012345678',
        '1.5',
        '-0.25',
        '1e3',
        '1E-2',
        '2.5e+3',
        '1745244515123',
        '0.1',
        '1e400',
        '-1e400',
      ];
      const scalar = (): string => {
        switch (Math.floor(rand() * 6)) {
          case 0:
          case 1: {
            const s = pick(strings);
            // Sometimes escape characters that need no escaping, as some producers do.
            const json = JSON.stringify(s);
            return rand() < 0.2
              ? json.replace(/[a-z]/, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
              : json;
          }
          case 2:
            return pick(numbers);
          case 3:
            return pick(['true', 'false']);
          case 4:
            return 'null';
          default:
            return composite(2);
        }
      };
      const composite = (depth: number): string => {
        if (depth <= 0) return pick(['{}', '[]', '[1]', '{"k":null}']);
        if (rand() < 0.5)
          return `[${ws()}${Array.from({ length: Math.floor(rand() * 3) }, () => value(depth - 1)).join(`${ws()},${ws()}`)}${ws()}]`;
        return `{${ws()}${Array.from({ length: Math.floor(rand() * 3) }, () => `${JSON.stringify(pick([...KEYS, 'k', 'other']))}${ws()}:${ws()}${value(depth - 1)}`).join(`${ws()},${ws()}`)}${ws()}}`;
      };
      const value = (depth: number): string => (rand() < 0.8 ? scalar() : composite(depth));
      const line = (): string => {
        const keys = [...KEYS, 'other', 'nested', 'ss', '', 'i '];
        const n = Math.floor(rand() * 8);
        const members = Array.from({ length: n }, () => {
          const k = pick(keys);
          const key =
            rand() < 0.05
              ? JSON.stringify(k).replace(
                  /^"(.)/,
                  (_m, c: string) => `"\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
                )
              : JSON.stringify(k);
          return `${ws()}${key}${ws()}:${ws()}${value(3)}${ws()}`;
        });
        return `${ws()}{${members.join(',')}}${ws()}`;
      };
      const mutate = (s: string): string => {
        const at = Math.floor(rand() * (s.length + 1));
        switch (Math.floor(rand() * 5)) {
          case 0:
            return s.slice(0, at);
          case 1:
            return s.slice(0, at) + s.slice(at + 1);
          case 2:
            return (
              s.slice(0, at) +
              pick(['"', ',', '}', '{', ']', ':', '\\', ' ', '0', '-', 'e', '.', '\u0001']) +
              s.slice(at)
            );
          case 3:
            return s.replace(/}\s*$/, ',}');
          default:
            return s + pick(['', 'x', '}', ' ']);
        }
      };
      let accepted = 0;
      for (let k = 0; k < 20_000; k++) {
        const l = line();
        const text = rand() < 0.25 ? mutate(l) : l;
        const failOnMissing = rand() < 0.1;
        if (check(text, failOnMissing, make(KEYS, failOnMissing))) accepted++;
      }
      // Streams with a few recurring layouts, so that the layout patterns are learnt and used
      // (one scanner for the whole stream, as in a decoder).
      // Mostly compact streams (rare spaces) and spaced ones: the compact pattern is learnt, then
      // the whitespace-tolerant one.
      for (const space of [() => (rand() < 0.01 ? ' ' : ''), ws]) {
        const layouts = Array.from({ length: 3 }, () =>
          Array.from({ length: 1 + Math.floor(rand() * 6) }, () => pick([...KEYS, 'other', 'x'])),
        );
        const scanner = make(KEYS);
        for (let k = 0; k < 10_000; k++) {
          const keys = layouts[Math.floor(rand() * rand() * 3)]!;
          const l = `${space()}{${keys.map((key) => `${space()}${JSON.stringify(key)}${space()}:${space()}${rand() < 0.97 ? scalar() : composite(1)}${space()}`).join(',')}}${space()}`;
          if (check(rand() < 0.1 ? mutate(l) : l, false, scanner)) accepted++;
        }
      }
      // Both sides of the boundary are exercised.
      expect(accepted).toBeGreaterThan(25_000);
      expect(accepted).toBeLessThan(38_000);
    });

    it('reads decimal numbers exactly as Number does (both paths, 100,000 seeded numbers)', () => {
      let seed = 3;
      const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
      const digits = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 10)).join('');
      const s = make(['v']);
      for (let k = 0; k < 100_000; k++) {
        const whole = Math.floor(rand() * 12);
        let text = `${rand() < 0.3 ? '-' : ''}${whole === 0 ? '0' : `${1 + Math.floor(rand() * 9)}${digits(whole - 1)}`}`;
        const fraction = Math.floor(rand() * 10);
        if (fraction) text += `.${digits(fraction)}`;
        if (rand() < 0.05) text += `e${Math.floor(rand() * 40) - 20}`;
        const line = `{"v":${text}}`;
        for (let pass = 0; pass < 2; pass++) {
          // The first pass walks the line, the second matches the learnt layout.
          scanText(s, line);
          const v = s.double(0);
          if (!Object.is(v, Number(text))) throw new Error(`${text}: ${v} != ${Number(text)}`);
        }
      }
    });

    it('reads canonical timestamps in place exactly as rt.decode.timestamp does (50,000 seeded, some broken)', () => {
      let seed = 11;
      const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
      const s = make(['t']);
      let base = Date.UTC(2024, 1, 28, 23, 58);
      for (let k = 0; k < 50_000; k++) {
        base += Math.floor(rand() * 5_000);
        let text = new Date(base).toISOString();
        if (rand() < 0.2) {
          // A random character replaced by a digit, a separator, a letter or a space.
          const at = Math.floor(rand() * text.length);
          const ch = '0123456789:-.TZ :/A'[Math.floor(rand() * 19)]!;
          text = text.slice(0, at) + ch + text.slice(at + 1);
        }
        const line = `{"t":"${text}"}`;
        for (let pass = 0; pass < 2; pass++) {
          scanText(s, line);
          const fast = s.timestamp(0);
          if (fast === undefined) continue;
          const slow = slowTimestamp(text);
          if (!Object.is(fast, slow)) throw new Error(`${text}: ${fast} != ${String(slow)}`);
        }
      }
    });

    it('leaves very deep nesting to JSON.parse', () => {
      const deep = `{"a":${'['.repeat(300)}${']'.repeat(300)}}`;
      expect(scanText(make(['a']), deep)).toBe(false);
      expect(() => JSON.parse(deep)).not.toThrow();
    });
  });
}

describe('JsonBytesScanner on raw bytes', () => {
  it('reads keys and values with invalid UTF-8 as the text path does (U+FFFD), and never reads past the record', () => {
    const s = new JsonBytesScanner(['a', '\uFFFD', 'b']);
    // a: an invalid byte inside a wanted string; a key that is one invalid byte (decodes to U+FFFD)
    const record = Buffer.concat([
      Buffer.from('{"a":"x'),
      Buffer.from([0xff]),
      Buffer.from('y","'),
      Buffer.from([0xc3]),
      Buffer.from('":1,"b":"é"}'),
    ]);
    const text = record.toString('utf8');
    const buf = Buffer.concat([Buffer.from('junk'), record, Buffer.from('"}\r\n')]);
    expect(s.scan(buf, 4, 4 + record.length)).toBe(true);
    expect(s.text()).toBe(text);
    const o = JSON.parse(text) as Record<string, unknown>;
    expect(s.string(0)).toBe(o['a']);
    expect(s.int(1)).toBe(1);
    expect(s.string(2)).toBe('é');
    // cut short: the bytes after the record would complete it, but are not read
    expect(s.scan(buf, 4, 4 + record.length - 2)).toBe(false);
    expect(s.scan(Buffer.from('{"a":"x"'), 0, 7)).toBe(false);
    expect(s.scan(Buffer.from('{"a":12}'), 0, 7)).toBe(false);
    expect(s.scan(Buffer.from('{"a":tru}'), 0, 8)).toBe(false);
  });
});

describe('JsonBytesScanner: strings read a byte class at a time', () => {
  it('accepts and rejects exactly as JSON.parse, for a special byte at every position of a read and an unread string', () => {
    // the byte placed inside the string: plain, the end quote, escapes, control characters,
    // bytes of 0x80 and above
    const specials: readonly (readonly number[])[] = [
      [0x41],
      [0x22],
      [0x5c, 0x22],
      [0x5c, 0x5c],
      [0x5c, 0x75, 0x30, 0x30, 0x34, 0x31],
      [0x5c, 0x75, 0x30, 0x30, 0x34],
      [0x5c, 0x78],
      [0x5c],
      [0x00],
      [0x01],
      [0x0a],
      [0x0d],
      [0x1f],
      [0x20],
      [0x7f],
      [0x80],
      [0xc3, 0xa9],
      [0xe2, 0x80, 0xa8],
      [0xff],
      [0xff, 0x22],
    ];
    let checked = 0;
    for (const keys of [['a', 'z'], ['a', 'z', 'u']]) {
      const s = new JsonBytesScanner(keys);
      for (const len of [0, 1, 5, 16, 33]) {
        for (const special of specials) {
          for (let at = 0; at <= len; at++) {
            const body = Buffer.alloc(len + special.length, 0x78);
            Buffer.from(special).copy(body, at);
            const record = Buffer.concat([Buffer.from('{"a":1,"u":"'), body, Buffer.from('","z":2}')]);
            const text = record.toString('utf8');
            let parsed: Record<string, unknown> | undefined;
            try {
              parsed = JSON.parse(text) as Record<string, unknown>;
            } catch {
              parsed = undefined;
            }
            // the record between bytes that would close the string, ending at a line's end or not
            for (const after of ['"}\n', '"}', 'xx"}', '']) {
              const buf = Buffer.concat([Buffer.from('"x'), record, Buffer.from(after)]);
              expect(s.scan(buf, 2, 2 + record.length)).toBe(parsed !== undefined);
              if (parsed !== undefined) {
                expect(s.int(0)).toBe(1);
                expect(s.int(1)).toBe(2);
                if (keys.length === 3) expect(s.string(2)).toBe(parsed['u']);
              }
              // cut inside the string (or just after it): refused, the bytes after it are not read
              const cut = 12 + at;
              expect(s.scan(buf, 2, 2 + cut)).toBe(false);
              checked++;
            }
          }
        }
      }
    }
    expect(checked).toBe(2 * 20 * (1 + 2 + 6 + 17 + 34) * 4);
  });
});
