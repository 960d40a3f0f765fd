import { describe, expect, it } from 'vitest';
import { ParseError } from '../engine/errors.ts';
import * as decode from './decode.ts';
import { csvOptions, splitCsvLine } from './csv.ts';
import {
  changelogEncoder,
  csvHeader,
  csvLineEncoder,
  jsonLineEncoder,
  jsonLineWriter,
  jsonObjectConverter,
  LineBuffer,
  jsonWriteOptions,
} from './encode.ts';
import { seededRandom } from '../random.ts';
import { formatDate, formatTime, formatTimestamp, parseDate, parseTime, parseTimestamp } from './timestamp.ts';

const T = Date.UTC(2025, 3, 21, 14, 8, 35, 123);

describe('timestamps', () => {
  it('parses the accepted forms (no zone = UTC)', () => {
    expect(parseTimestamp('2025-04-21T14:08:35.123Z')).toBe(T);
    expect(parseTimestamp('2025-04-21 14:08:35.123')).toBe(T);
    expect(parseTimestamp('2025-04-21 14:08:35')).toBe(T - 123);
    expect(parseTimestamp('2025-04-21T14:08')).toBe(T - 35_123);
    expect(parseTimestamp('2025-04-21T14:08:35.123456789Z')).toBe(T);
    expect(parseTimestamp('2025-04-21T16:08:35.123+02:00')).toBe(T);
    expect(parseTimestamp('2025-04-21T12:08:35.123-0200')).toBe(T);
    expect(parseTimestamp('2025-04-21')).toBe(Date.UTC(2025, 3, 21));
    expect(parseTimestamp('1969-12-31T23:59:59.999Z')).toBe(-1);
  });

  it('rejects malformed text', () => {
    for (const s of [
      '',
      '2025-4-21',
      '2025-02-30T00:00:00',
      '2023-02-29',
      '2025-04-21T25:00:00',
      '2025-04-21T14:08:35.Z',
      '2025-04-21T14:08:35Zx',
      'now',
    ]) {
      expect(parseTimestamp(s), s).toBeNaN();
    }
    expect(parseTimestamp('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
  });

  it('formats ISO-8601 UTC with milliseconds, dates and times', () => {
    expect(formatTimestamp(T - 123)).toBe('2025-04-21T14:08:35.000Z');
    expect(formatDate(parseDate('2025-04-21'))).toBe('2025-04-21');
    expect(formatTime(parseTime('14:08:35.5'))).toBe('14:08:35.500');
  });
});

describe('decode helpers', () => {
  it('coerce like Flink and name the field on failure', () => {
    expect(decode.int('42', 'q')).toBe(42);
    expect(decode.int('', 'q')).toBeNull();
    expect(decode.int(undefined, 'q')).toBeNull();
    expect(() => decode.int(1.5, 'q')).toThrow(new ParseError('field "q": expected INT, got 1.5'));
    expect(() => decode.int(2 ** 31, 'q')).toThrow(ParseError);
    expect(decode.bigint(2 ** 53 - 1, 'b')).toBe(2 ** 53 - 1);
    expect(() => decode.bigint('9007199254740993', 'b')).toThrow(
      'expected BIGINT within ±(2^53-1), got "9007199254740993"',
    );
    // JSON.parse('9007199254740993') is 9007199254740992: the message must not show that number
    expect(() => decode.bigint(JSON.parse('9007199254740993'), 'b')).toThrow(
      new ParseError(
        'field "b": expected BIGINT within ±(2^53-1), got an integer outside it (numbers past 2^53 cannot be read exactly; declare the column STRING to keep every digit)',
      ),
    );
    expect(() => decode.bigint(-(2 ** 53), 'b')).toThrow('got an integer outside it');
    expect(() => decode.int(2 ** 53, 'q')).toThrow('field "q": expected INT, got an integer outside it');
    expect(decode.double(' 1.5 ', 'd')).toBe(1.5);
    expect(() => decode.double('abc', 'd')).toThrow('field "d": expected a number, got "abc"');
    expect(decode.boolean('TRUE', 'b')).toBe(true);
    expect(decode.string(12, 's')).toBe('12');
    expect(decode.string({ a: 1 }, 's')).toBe('{"a":1}');
    expect(decode.timestamp('2025-04-21T14:08:35.123Z', 't')).toBe(T);
    expect(decode.timestamp(T, 't')).toBe(T);
    expect(decode.timestamp(String(T), 't')).toBe(T);
    expect(() => decode.timestamp('yesterday', 't')).toThrow('field "t": expected a TIMESTAMP');
    expect(decode.date('2025-04-21', 'd')).toBe(20199);
    expect(decode.array(['1', 2], 'a', decode.int)).toEqual([1, 2]);
    expect(() => decode.array(['x'], 'a', decode.int)).toThrow('field "a[1]"');
    expect(decode.map({ x: '1' }, 'm', decode.double)).toEqual({ x: 1 });
    expect(() => decode.object([1])).toThrow('expected a JSON object');
    expect(() => decode.notNull(null, 'id')).toThrow('field "id": NULL in a NOT NULL column');
    expect(() => decode.present({}, 'id')).toThrow('field "id" is missing');
  });
});

describe('CSV', () => {
  const o = csvOptions({});
  it('splits with quotes, doubled quotes, empty fields as NULL', () => {
    expect(splitCsvLine('a,"b,c","say ""hi""",,""', o)).toEqual(['a', 'b,c', 'say "hi"', null, '']);
    expect(splitCsvLine('x;y', csvOptions({ 'csv.field-delimiter': ';' }))).toEqual(['x', 'y']);
    expect(splitCsvLine('a,NA', csvOptions({ 'csv.null-literal': 'NA' }))).toEqual(['a', null]);
    expect(splitCsvLine('"a\\"b"', csvOptions({ 'csv.escape-character': '\\' }))).toEqual(['a"b']);
    expect(() => splitCsvLine('"open', o)).toThrow('unterminated quoted field');
    expect(() => splitCsvLine('"a"b', o)).toThrow('unexpected text after a quoted CSV field');
  });

  it('encodes rows with quoting; the header option defaults to true', () => {
    const schema = [
      { name: 's', type: { kind: 'STRING' } },
      { name: 'n', type: { kind: 'INT' } },
      { name: 't', type: { kind: 'TIMESTAMP' } },
    ];
    expect(o.header).toBe(true);
    expect(csvHeader(schema, o)).toBe('s,n,t');
    const enc = csvLineEncoder(schema, o);
    expect(enc({ s: 'a,b', n: 1, t: T - 123 })).toBe('"a,b",1,2025-04-21T14:08:35.000Z');
    expect(enc({ s: '', n: null, t: null })).toBe('"",,');
    expect(splitCsvLine(enc({ s: '', n: null, t: null }), o)).toEqual(['', null, null]);
  });
});

describe('JSON and print encoders', () => {
  const schema = [
    { name: 'ts', type: { kind: 'TIMESTAMP' } },
    { name: 'name', type: { kind: 'STRING' } },
    { name: 'x', type: { kind: 'DOUBLE' } },
    { name: 'tags', type: { kind: 'ARRAY', element: { kind: 'TIMESTAMP' } } },
    { name: 'r', type: { kind: 'ROW', fields: [{ name: 'd', type: { kind: 'DATE' } }] } },
  ];
  const row = { ts: T - 123, name: 'a"b', x: NaN, tags: [0], r: { d: 1 } };

  it('writes TIMESTAMP as ISO-8601 UTC with ms, nested too; NaN as "NaN" (as Flink)', () => {
    expect(jsonLineEncoder(schema)(row)).toBe(
      '{"ts":"2025-04-21T14:08:35.000Z","name":"a\\"b","x":"NaN","tags":["1970-01-01T00:00:00.000Z"],"r":{"d":"1970-01-02"}}',
    );
    expect(jsonObjectConverter(schema)(row)).toEqual(JSON.parse(jsonLineEncoder(schema)(row)));
  });

  it('honours json.timestamp-format.standard and json.encode.ignore-null-fields', () => {
    const enc = jsonLineEncoder(
      schema.slice(0, 2),
      jsonWriteOptions({ 'json.timestamp-format.standard': 'SQL', 'json.encode.ignore-null-fields': 'true' }),
    );
    expect(enc({ ts: T, name: null })).toBe('{"ts":"2025-04-21 14:08:35.123"}');
  });

  it('writes non-finite doubles in a form the decoders read back (JSON, CSV)', () => {
    const doubles = [{ name: 'x', type: { kind: 'DOUBLE' } }];
    const csv = csvOptions({});
    for (const x of [NaN, Infinity, -Infinity, 1e308, 5e-324, -1.5]) {
      const line = jsonLineEncoder(doubles)({ x });
      expect(decode.double((JSON.parse(line) as { x: unknown }).x, 'x')).toBe(x);
      expect(decode.double(splitCsvLine(csvLineEncoder(doubles, csv)({ x }), csv)[0], 'x')).toBe(x);
    }
    expect(jsonLineEncoder(doubles)({ x: -Infinity })).toBe('{"x":"-Infinity"}');
  });

  it('changelog text', () => {
    expect(changelogEncoder(schema.slice(0, 3))({ ts: T - 123, name: null, x: 1.5 }, '+U')).toBe(
      '+U[2025-04-21T14:08:35.000Z, NULL, 1.5]',
    );
  });
});

describe('formatTimestamp', () => {
  it("writes what Date's toISOString writes, for any day, edge and year", () => {
    const rnd = seededRandom(11);
    for (let i = 0; i < 100_000; i++) {
      const span = i % 3 === 0 ? 8.64e15 : 8.64e11; // whole range, and around the epoch
      const ms = Math.floor((rnd() - 0.5) * 2 * span);
      expect(formatTimestamp(ms)).toBe(new Date(ms).toISOString());
    }
    const edges = [0, -1, 86_399_999, 86_400_000, -86_400_000, 253_402_300_799_999, 253_402_300_800_000];
    for (const ms of [...edges, -62_167_219_200_000, -62_167_219_200_001, 1.5, -0.5])
      expect(formatTimestamp(ms)).toBe(new Date(ms).toISOString());
    expect(() => formatTimestamp(8.64e15 + 1)).toThrow(RangeError);
  });
});

describe('jsonLineWriter', () => {
  it("writes exactly jsonLineEncoder's lines, as bytes, for every value shape", () => {
    const rnd = seededRandom(11);
    const schema = [
      { name: 'id', type: { kind: 'BIGINT' as const } },
      { name: 'name', type: { kind: 'STRING' as const } },
      { name: 'ok', type: { kind: 'BOOLEAN' as const } },
      { name: 'price', type: { kind: 'DOUBLE' as const } },
      { name: 'ts', type: { kind: 'TIMESTAMP' as const } },
      { name: 'größe', type: { kind: 'INT' as const } },
      { name: 'end', type: { kind: 'TIMESTAMP' as const } },
      { name: 'n', type: { kind: 'DOUBLE' as const } },
    ];
    const strings = [
      '',
      'plain',
      'quote " and \\ back',
      'tab\tnew\nline\u0001',
      'é ü 東京 😀',
      '\u007f~',
      'x'.repeat(300),
    ];
    const doubles = [0, -0, 1.5, -2.25e-7, 1e21, NaN, Infinity, -Infinity, 0.1 + 0.2];
    const times = [0, -1, T, T + 86_400_000, -62_167_219_200_000, 253_402_300_799_999, 253_402_300_800_000, 1.5];
    const pick = <V>(xs: readonly V[]): V => xs[Math.floor(rnd() * xs.length)]!;
    const rows = Array.from({ length: 3000 }, () => ({
      id:
        rnd() < 0.1
          ? null
          : pick([
              0,
              -0,
              -7,
              9,
              10,
              -10,
              99,
              100,
              2 ** 31 - 1,
              -(2 ** 31),
              2 ** 31,
              -(2 ** 31) - 1,
              2 ** 53 - 1,
              10n ** 20n,
              42,
            ]),
      name: rnd() < 0.1 ? null : pick(strings),
      ok: rnd() < 0.1 ? undefined : rnd() < 0.5,
      price: rnd() < 0.1 ? null : pick(doubles),
      ts: rnd() < 0.1 ? null : rnd() < 0.5 ? pick(times) : T + Math.floor(rnd() * 3 * 86_400_000),
      größe: Math.floor(rnd() * 1000) - 500,
      // window bounds: runs of rows share them (the writer keeps the last two timestamps)
      end: rnd() < 0.1 ? null : T + 10_000 * Math.floor(rnd() * 3),
      n: Math.floor((rnd() - 0.5) * 2 ** (1 + rnd() * 40)),
    }));
    for (const options of [jsonWriteOptions({}), jsonWriteOptions({ 'json.timestamp-format.standard': 'SQL' })]) {
      const text = jsonLineEncoder(schema, options);
      const write = jsonLineWriter(schema, options);
      const out = new LineBuffer();
      for (const row of rows) write(row, out); // past the buffer's first 64 KiB
      expect(out.take().toString('utf8')).toBe(rows.map((r) => text(r) + '\n').join(''));
      expect(out.length).toBe(0);
    }
  });
});

describe('LineBuffer.number', () => {
  it('writes exactly what String(v) writes, for doubles of every shape', () => {
    const rnd = seededRandom(23);
    const values: number[] = [
      0, -0, 1e-6, -1e-6, 9.99999e-7, 1e-7, 1e15, 1e15 - 1, 1e15 - 0.5, 999999999999999.9, 1e21, 1e-5, 0.1, 0.2,
      0.1 + 0.2, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 2 ** 53 - 1, 123456789012345.6, 0.000123456789012345,
      Number.MIN_VALUE, Number.MAX_VALUE, Number.EPSILON, 5e-324, 1 / 3, 2 / 3, 9.5, 0.5, 1.005, 4.35, 0.908,
    ];
    const scale = (): number => 10 ** Math.floor(rnd() * 24 - 10);
    for (let i = 0; i < 200_000; i++) {
      const sign = rnd() < 0.3 ? -1 : 1;
      switch (i % 6) {
        case 0: // an integer price times a decimal constant (the filter's price * 0.908)
          values.push(sign * Math.floor(Math.exp(rnd() * 25)) * [0.908, 0.1, 1.1, 0.01, 2.5, 0.333][i % 5]!);
          break;
        case 1: // a decimal of a few digits, at any scale
          values.push((sign * Math.floor(rnd() * 10 ** (1 + Math.floor(rnd() * 16)))) / 10 ** Math.floor(rnd() * 18));
          break;
        case 2: // any double of a range of magnitudes
          values.push(sign * rnd() * scale());
          break;
        case 3: // sums and quotients (17-digit results)
          values.push(sign * (rnd() * 100 + rnd() / 7) * scale());
          break;
        case 4: // the neighbours of a short decimal
          {
            const d = (sign * Math.floor(rnd() * 1e6)) / 1000;
            const b = new Float64Array([d]);
            const n = new BigInt64Array(b.buffer);
            n[0] = n[0]! + BigInt(Math.floor(rnd() * 5) - 2);
            values.push(b[0]!);
          }
          break;
        default: // an average of integers
          values.push((sign * Math.floor(rnd() * 1e9)) / (1 + Math.floor(rnd() * 1000)));
      }
    }
    const out = new LineBuffer();
    for (const v of values) {
      out.number(v);
      out.newline();
    }
    const got = out.take().toString('latin1').split('\n');
    got.pop();
    expect(got.length).toBe(values.length);
    for (let i = 0; i < values.length; i++) if (got[i] !== String(values[i])) expect(got[i]).toBe(String(values[i]));
  });
});
