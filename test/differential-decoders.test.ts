/**
 * Differential test of the record decoders against reference parsers, on seeded random records
 * shaped like users' (numbers at every edge, escapes and surrogates, BOMs, CRLF, quoting,
 * embedded quotes, delimiters and line breaks, and damaged records):
 *
 * - JSON lines: the generated decoder (the fast scanner with its `rt.decode.parse` fallback)
 *   against `JSON.parse` — the framing (a line is malformed exactly when `JSON.parse` refuses
 *   it) and every value;
 * - CSV records: `splitCsvLine` + the generated CSV decoder against csv-parse — the framing and
 *   every cell — for records as the file source hands them (one line; or a record whose quoted
 *   fields hold line breaks, as multi-line records are).
 *
 * Values are compared with the column types' documented conversions (docs/language.md §3),
 * written here from the reference parser's output without the runtime's helpers. Every record
 * either decodes to exactly the expected row, or is malformed for a reason: a refused record must
 * be one the reference refuses too, or one with a value outside its type — and the error must
 * name that column.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as csvParse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../compiler/index.ts';
import type { JobSpec, RecordContext } from '../runtime/index.ts';
import { ParseError } from '../runtime/engine/errors.ts';
import { csvOptions, splitCsvLine } from '../runtime/formats/csv.ts';
import { seededRandom } from '../runtime/random.ts';

const DIR = join(tmpdir(), `sqc-differential-decoders-${process.pid}`);
const RUNTIME = pathToFileURL(join(import.meta.dirname, '..', 'runtime', 'index.ts')).href;
const RECORDS = 100_000;

const COLUMNS = ['s', 'i', 'b', 'd', 'f', 't', 'n'] as const;
type Column = (typeof COLUMNS)[number];
const TYPES: Record<Column, 'STRING' | 'INT' | 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'TIMESTAMP'> = {
  s: 'STRING',
  i: 'INT',
  b: 'BIGINT',
  d: 'DOUBLE',
  f: 'BOOLEAN',
  t: 'TIMESTAMP',
  n: 'STRING',
};

const QUERY = `
CREATE STREAM j (s STRING, i INT, b BIGINT, d DOUBLE, f BOOLEAN, t TIMESTAMP(3), n STRING)
WITH ('connector' = 'file', 'path' = 'in.jsonl', 'format' = 'json');
CREATE STREAM c (s STRING, i INT, b BIGINT, d DOUBLE, f BOOLEAN, t TIMESTAMP(3), n STRING)
WITH ('connector' = 'file', 'path' = 'in.csv', 'format' = 'csv', 'csv.header' = 'false');
CREATE SINK o WITH ('connector' = 'blackhole');
INSERT INTO o SELECT s, i, b, d, f, t, n FROM j;
INSERT INTO o SELECT s, i, b, d, f, t, n FROM c;
`;

type Decoder = (value: unknown, ctx: RecordContext) => Record<string, unknown>;
let jsonDecoder: Decoder;
let csvDecoder: Decoder;

const CTX: RecordContext = {
  source: 'x',
  file: null,
  line: -1,
  topic: null,
  partition: -1,
  offset: -1,
  timestamp: null,
  key: null,
  headers: null,
};

beforeAll(async () => {
  mkdirSync(DIR, { recursive: true });
  const result = await compile(QUERY, 'decoders.sq', { runtimeImport: RUNTIME });
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const file = join(DIR, 'decoders.ts');
  writeFileSync(file, result.code!);
  const mod = (await import(pathToFileURL(file).href)) as { job: JobSpec };
  const byName = new Map(mod.job.sources.map((s) => [s.name, s]));
  jsonDecoder = byName.get('j')!.decode.json as Decoder;
  csvDecoder = byName.get('c')!.decode.csv as Decoder;
}, 120_000);

afterAll(() => rmSync(DIR, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------
// The documented conversions, from the reference parser's value

const MALFORMED = Symbol('malformed');
/** Not compared (a damaged nested value whose exact text the test does not know). */
const ANY = Symbol('any');
type Expected = unknown | typeof MALFORMED;

/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z. */
const TS_MIN = new Date('0000-01-01T00:00:00.000Z').getTime();
const TS_MAX = new Date('9999-12-31T23:59:59.999Z').getTime();
const INTEGER_TEXT = /^\s*[-+]?\d+\s*$/;
const DECIMAL_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function integer(v: unknown, min: number, max: number): Expected {
  if (v === null || v === undefined || v === '') return null;
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && INTEGER_TEXT.test(v)) n = Number(v);
  else return MALFORMED;
  return Number.isInteger(n) && n >= min && n <= max ? n : MALFORMED;
}

/** The timestamp a generated text stands for (the generator knows); NaN when it is not one. */
const timestampTexts = new Map<string, number>();

function expected(column: Column, v: unknown, token: string | null): Expected {
  switch (TYPES[column]) {
    case 'STRING':
      if (v === null || v === undefined) return null;
      if (typeof v === 'string') return v;
      if (typeof v === 'number')
        return token !== null && /^-?\d+$/.test(token) && !Number.isSafeInteger(v) ? token : String(v);
      if (typeof v === 'boolean') return String(v);
      return JSON.stringify(v);
    case 'INT':
      return integer(v, -2147483648, 2147483647);
    case 'BIGINT':
      return integer(v, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    case 'DOUBLE': {
      if (v === null || v === undefined || v === '') return null;
      if (typeof v === 'number') return v;
      if (typeof v !== 'string') return MALFORMED;
      const t = v.trim();
      if (DECIMAL_TEXT.test(t)) return Number(t);
      if (t === 'NaN') return NaN;
      if (t === 'Infinity' || t === '+Infinity') return Infinity;
      if (t === '-Infinity') return -Infinity;
      return MALFORMED;
    }
    case 'BOOLEAN': {
      if (v === null || v === undefined || v === '') return null;
      if (typeof v === 'boolean') return v;
      const t = typeof v === 'string' ? v.trim().toLowerCase() : '';
      return t === 'true' ? true : t === 'false' ? false : MALFORMED;
    }
    case 'TIMESTAMP': {
      if (v === null || v === undefined || v === '') return null;
      let ms: number;
      if (typeof v === 'number') ms = Math.floor(v);
      else if (typeof v === 'string' && timestampTexts.has(v)) ms = timestampTexts.get(v)!;
      else if (typeof v === 'string' && !Number.isNaN(isoTimestamp(v))) ms = isoTimestamp(v);
      else if (typeof v === 'string' && INTEGER_TEXT.test(v)) ms = Number(v);
      else return MALFORMED;
      return ms >= TS_MIN && ms <= TS_MAX ? ms : MALFORMED;
    }
  }
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** A damaged timestamp text that is still one (LANGUAGE.md §2 forms), read with Date; else NaN. */
function isoTimestamp(text: string): number {
  const m = ISO.exec(text);
  if (m === null || (m[4] === undefined && m[8] !== undefined)) return NaN;
  const [y, mo, d, h = 0, mi = 0, sec = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) =>
    x === undefined ? undefined : Number(x),
  );
  const date = new Date(0);
  date.setUTCFullYear(y!, mo! - 1, d!);
  date.setUTCHours(h!, mi!, sec!, Number((m[7] ?? '').padEnd(3, '0').slice(0, 3)));
  if (
    date.getUTCFullYear() !== y ||
    date.getUTCMonth() !== mo! - 1 ||
    date.getUTCDate() !== d ||
    h! > 23 ||
    mi! > 59 ||
    sec! > 59
  )
    return NaN;
  const zone = m[8];
  if (zone === undefined || zone === 'Z') return date.getTime();
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return date.getTime() - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0)) * 60_000;
}

/** Decodes with `decode` and compares with the expected row; returns 'ok' or 'malformed'. */
function agree(
  what: string,
  decode: () => Record<string, unknown>,
  framingRefused: boolean,
  want: Record<Column, Expected> | null,
  strictRefuses: () => boolean = () => framingRefused,
): 'ok' | 'malformed' {
  let row: Record<string, unknown>;
  try {
    row = decode();
  } catch (e) {
    if (!(e instanceof ParseError) && !(e instanceof SyntaxError)) throw new Error(`${what}: threw ${String(e)}`);
    if (framingRefused) return 'malformed';
    // refused for its framing where only the strict reading of the format refuses it
    if (!(e as Error).message.startsWith('field "') && strictRefuses()) return 'malformed';
    const first = COLUMNS.find((c) => want![c] === MALFORMED);
    if (first === undefined) throw new Error(`${what}: refused (${(e as Error).message}), the reference reads it`);
    if (!(e as Error).message.startsWith(`field "${first}": `))
      throw new Error(`${what}: refused for "${(e as Error).message}", expected column "${first}"`);
    return 'malformed';
  }
  if (framingRefused) throw new Error(`${what}: decoded, the reference parser refuses it`);
  for (const c of COLUMNS) {
    if (want![c] === MALFORMED)
      throw new Error(`${what}: column ${c} decoded as ${String(row[c])}, expected malformed`);
    if (want![c] !== ANY && !Object.is(row[c], want![c]))
      throw new Error(`${what}: column ${c} = ${JSON.stringify(row[c])}, expected ${JSON.stringify(want![c])}`);
  }
  return 'ok';
}

// ---------------------------------------------------------------------------------------------
// Random values

function generator(seed: number) {
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const int = (n: number): number => Math.floor(rand() * n);

  const EDGE_NUMBERS = [
    '0',
    '-0',
    '0.0',
    '-0.0',
    '1',
    '-1',
    '2147483647',
    '2147483648',
    '-2147483648',
    '-2147483649',
    '9007199254740991',
    '9007199254740992',
    '9007199254740993',
    '-9007199254740991',
    '-9007199254740993',
    '12345678901234567890',
    '-98765432109876543210123',
    '1e308',
    '1.7976931348623157e308',
    '1e309',
    '-1e400',
    '5e-324',
    '2e-324',
    '1E+2',
    '1e-2',
    '0.1',
    '0.30000000000000004',
    '3.141592653589793238462643',
    '1.5',
    '100.000',
    '1e16',
    '1e300',
    '253402300799999',
    '253402300800000',
    '-62167219200000',
    '-62167219200001',
    // not JSON: the whole line is malformed
    '007',
    '.5',
    '5.',
    '+1',
    '0x10',
    '1e',
    '--1',
    'NaN',
    'Infinity',
  ];
  const number = (): string => {
    if (rand() < 0.5) return pick(EDGE_NUMBERS);
    const digits = 1 + int(22);
    let s = String(1 + int(9));
    for (let k = 1; k < digits; k++) s += String(int(10));
    if (rand() < 0.3) s += '.' + String(int(1000));
    if (rand() < 0.2) s += pick(['e', 'E']) + pick(['', '+', '-']) + String(int(330));
    return (rand() < 0.3 ? '-' : '') + s;
  };

  const CHARS = [
    'a',
    'Z',
    ' ',
    ',',
    ';',
    '"',
    "'",
    '\\',
    '/',
    '\t',
    'é',
    '€',
    '日',
    '\u{1f600}',
    '\u2028',
    '0',
    '-',
    '.',
  ];
  const text = (): string => {
    let s = '';
    const n = int(8);
    for (let k = 0; k < n; k++) s += pick(CHARS);
    return s;
  };

  const TEXT_VALUES = [
    '',
    ' ',
    'true',
    'FALSE',
    ' true ',
    'yes',
    '42',
    ' 42 ',
    '+7',
    '-0',
    '2147483648',
    '12345678901234567890',
    '1.5',
    '.5',
    '5.',
    ' 1e3 ',
    '1e400',
    'NaN',
    'Infinity',
    '-Infinity',
    '+Infinity',
    'nan',
    'Inf',
    '0x10',
    '0b11',
    '1_000',
    '1,5',
    '99999999999999999999',
    '253402300800000',
    'null',
    'abc',
  ];

  /** A timestamp text in one of the accepted forms (registered with its value), or a bad one. */
  const timestampText = (): string => {
    const ms = Math.floor((rand() * 2 - 0.3) * 4e12);
    const iso = new Date(ms).toISOString();
    let s: string;
    let value = ms;
    switch (int(7)) {
      case 0:
        s = iso;
        break;
      case 1:
        s = iso.slice(0, 19).replace('T', ' ');
        value = ms - (((ms % 1000) + 1000) % 1000);
        break;
      case 2:
        s = iso.slice(0, 23).replace('T', ' ');
        break;
      case 3: {
        const off = int(24) - 12;
        const local = new Date(ms + off * 3_600_000).toISOString().slice(0, 23);
        s = `${local}${off < 0 ? '-' : '+'}${String(Math.abs(off)).padStart(2, '0')}:00`;
        break;
      }
      case 4:
        s = iso.slice(0, 10);
        value = Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10)));
        break;
      case 5:
        s = `${iso.slice(0, 23)}456789Z`;
        break;
      default:
        s = pick(['9999-12-31T23:59:59.999-01:00', '2025-02-29', '2025-13-01', '2025-01-01T24:00:00Z', 'yesterday']);
        return s;
    }
    if (ms < 0 && iso.startsWith('-')) return 'before year 0';
    timestampTexts.set(s, value);
    return s;
  };

  /** A raw text value for column `c` (CSV cells, JSON strings): mostly one of its type. */
  const cell = (c: Column): string => {
    if (rand() < 0.8) {
      switch (TYPES[c]) {
        case 'TIMESTAMP':
          return timestampText();
        case 'STRING':
          return text();
        case 'INT':
          return String(int(2 ** 32) - 2 ** 31);
        case 'BIGINT':
          return String(Math.floor((rand() - 0.5) * 2 ** 54));
        case 'DOUBLE':
          return String((rand() - 0.5) * 10 ** (int(40) - 20));
        case 'BOOLEAN':
          return pick(['true', 'false', 'TRUE', ' False ']);
      }
    }
    return rand() < 0.5 ? pick(TEXT_VALUES) : number();
  };

  return { rand, pick, int, number, text, cell };
}

// ---------------------------------------------------------------------------------------------
// JSON

/** A JSON string token for `s`, with random escaping (always valid JSON). */
function jsonString(s: string, rand: () => number): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (code < 0x20)
      out += rand() < 0.5 ? JSON.stringify(ch).slice(1, -1) : `\\u${code.toString(16).padStart(4, '0')}`;
    else if (code > 0xffff && rand() < 0.5) {
      const hi = 0xd800 + ((code - 0x10000) >> 10);
      const lo = 0xdc00 + ((code - 0x10000) & 0x3ff);
      out += `\\u${hi.toString(16)}\\u${lo.toString(16).toUpperCase()}`;
    } else if (code <= 0xffff && rand() < 0.05) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else if (ch === '/' && rand() < 0.5) out += '\\/';
    else out += ch;
  }
  return out + '"';
}

function jsonLine(g: ReturnType<typeof generator>): { line: string; composite: string | null } {
  const { rand, pick, int } = g;
  const ws = (): string => (rand() < 0.8 ? '' : pick([' ', '  ', '\t', '\r', ' \r ']));
  // the compact JSON text a composite value of "n" reads as (every digit of its number kept)
  let composite: string | null = null;
  const value = (c: Column): string => {
    const r = rand();
    if (c === 'n') composite = null;
    if (r < 0.05) return 'null';
    if (r < 0.1) return pick(['true', 'false']);
    if (c === 'n' && r < 0.5) {
      const depth = rand() < 0.05 ? 300 + int(2000) : 1 + int(3);
      const k = g.number();
      const s = g.text();
      const exact = /^-?\d+$/.test(k) && !Number.isSafeInteger(Number(k)) ? k : JSON.stringify(Number(k));
      composite = '['.repeat(depth) + `{"k":${exact},"s":${JSON.stringify(s)}}` + ']'.repeat(depth);
      return '['.repeat(depth) + `{"k":${k},"s":${jsonString(s, rand)}}` + ']'.repeat(depth);
    }
    if (r < 0.45 && c !== 's' && c !== 'n') return g.number();
    return jsonString(g.cell(c), rand);
  };
  const members: string[] = [];
  for (const c of COLUMNS) {
    if (rand() < 0.05) continue; // absent → NULL
    members.push(`${ws()}${jsonString(c, () => 0.99)}${ws()}:${ws()}${value(c)}${ws()}`);
    // a duplicate key: the last value counts
    if (c !== 'n' && rand() < 0.03) members.push(`"${c}":${value(c)}`);
    if (rand() < 0.1) members.push(`"x${int(3)}":${value('s')}`);
  }
  for (let k = members.length - 1; k > 0; k--) {
    if (rand() < 0.2) {
      const m = int(k + 1);
      [members[k], members[m]] = [members[m]!, members[k]!];
    }
  }
  let line = `${ws()}{${members.join(',')}}${ws()}`;
  const damage = rand();
  if (damage < 0.02) line = '\ufeff' + line;
  else if (damage < 0.05) {
    composite = null; // its text may be damaged too: compared as JSON.parse reads it
    const at = int(line.length);
    line = line.slice(0, at) + pick(['"', ',', '}', '\\', '\u0001', '']) + line.slice(at + 1);
  }
  return { line, composite };
}

/** The token text of each top-level member's value (the last one for a duplicate key). */
function memberTokens(line: string): Map<string, string> {
  const tokens = new Map<string, string>();
  const re = /"(s|i|b|d|f|t|n)"\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*[,}]/g;
  for (const m of line.matchAll(re)) tokens.set(m[1]!, m[2]!);
  return tokens;
}

describe('decoder differential', () => {
  it(`JSON lines: ${RECORDS.toLocaleString('en-US')} seeded records agree with JSON.parse`, () => {
    const g = generator(1515);
    const counts = { ok: 0, malformed: 0, framing: 0 };
    for (let k = 0; k < RECORDS; k++) {
      const { line, composite } = jsonLine(g);
      let parsed: unknown;
      let refused = false;
      try {
        parsed = JSON.parse(line);
        refused = typeof parsed !== 'object' || parsed === null || Array.isArray(parsed);
      } catch {
        refused = true;
      }
      let want: Record<Column, Expected> | null = null;
      if (!refused) {
        const o = parsed as Record<string, unknown>;
        const tokens = memberTokens(line);
        want = {} as Record<Column, Expected>;
        for (const c of COLUMNS) want[c] = expected(c, o[c], typeof o[c] === 'number' ? (tokens.get(c) ?? null) : null);
        if (typeof o['n'] === 'object' && o['n'] !== null) {
          if (composite !== null) want.n = composite;
          else if (!/\d{16}/.test(line) && !/[[{]{300}/.test(line)) want.n = JSON.stringify(o['n']);
          else want.n = ANY;
        }
      }
      const r = agree(
        `line ${k + 1} ${JSON.stringify(line.slice(0, 300))}`,
        () => jsonDecoder(line, CTX),
        refused,
        want,
      );
      if (refused) counts.framing++;
      else counts[r]++;
    }
    // every kind of outcome is exercised
    expect(counts.ok).toBeGreaterThan(RECORDS * 0.05);
    expect(counts.malformed).toBeGreaterThan(RECORDS * 0.2);
    expect(counts.framing).toBeGreaterThan(RECORDS * 0.03);
  }, 300_000);

  it(`CSV records: ${RECORDS.toLocaleString('en-US')} seeded records agree with csv-parse`, () => {
    const g = generator(4180);
    const { rand, pick, int } = g;
    const o = csvOptions({ 'csv.header': 'false' });
    const counts = { ok: 0, malformed: 0, framing: 0 };
    for (let k = 0; k < RECORDS; k++) {
      // the cells, then their text: quoted when they must be, and at random
      const width = rand() < 0.03 ? pick([6, 8]) : COLUMNS.length;
      const fields: string[] = [];
      for (let c = 0; c < width; c++) {
        const column = COLUMNS[c % COLUMNS.length]!;
        let v: string | null = rand() < 0.05 ? null : g.cell(column);
        if (v !== null && (column === 's' || column === 'n') && rand() < 0.05)
          v += pick(['\n', '\r\n', '\r']) + g.text();
        if (v === null) fields.push('');
        else if (v === '' || /[",\r\n]/.test(v) || rand() < 0.2) fields.push(`"${v.replace(/"/g, '""')}"`);
        else fields.push(v);
      }
      let record = fields.join(',');
      const damage = rand();
      if (damage < 0.02) {
        let at = int(record.length);
        // not between the halves of a surrogate pair: files hold UTF-8, which has no lone halves
        if (/[\udc00-\udfff]/.test(record[at] ?? '')) at++;
        record = record.slice(0, at) + pick(['"', ',', '""', 'x"']) + record.slice(at);
      }
      // the reference: csv-parse on the record's text (a quoted empty cell is '', an unquoted one NULL)
      // (relaxed: a quote inside an unquoted cell is text, as in sqc; strict RFC 4180 refuses it,
      // and text after a closing quote, which sqc refuses)
      const reference = (relax: boolean): (string | null)[][] | null => {
        try {
          return csvParse(record, {
            relax_quotes: relax,
            relax_column_count: true,
            cast: (value: string, context: { quoting: boolean }) => (value === '' && !context.quoting ? null : value),
          }) as (string | null)[][];
        } catch {
          return null;
        }
      };
      const parsed = reference(true);
      const strictRefuses = (): boolean => reference(false) === null;
      // A line break outside quotes (a damaged record) ends the record: the source never hands
      // such text as one record, so it is not one to compare.
      if (parsed !== null && parsed.length !== 1) continue;
      const cells = parsed?.[0] ?? null;
      const refused = cells === null || cells.length !== COLUMNS.length;
      let want: Record<Column, Expected> | null = null;
      if (!refused) {
        want = {} as Record<Column, Expected>;
        COLUMNS.forEach((c, j) => (want![c] = expected(c, cells[j], null)));
      }
      const r = agree(
        `record ${k + 1} ${JSON.stringify(record.slice(0, 300))}`,
        () => {
          const raw = splitCsvLine(record, o);
          if (raw.length !== COLUMNS.length) throw new ParseError(`CSV record has ${raw.length} fields`);
          return csvDecoder(raw, CTX);
        },
        refused,
        want,
        () => refused || strictRefuses(),
      );
      if (refused) counts.framing++;
      else counts[r]++;
    }
    expect(counts.ok).toBeGreaterThan(RECORDS * 0.05);
    expect(counts.malformed).toBeGreaterThan(RECORDS * 0.2);
    expect(counts.framing).toBeGreaterThan(RECORDS * 0.02);
  }, 300_000);
});
