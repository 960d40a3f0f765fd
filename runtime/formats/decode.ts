/**
 * Coercions from decoded JSON / CSV values to run-time values (compiler/types.ts), for generated
 * decoders: `rt.decode.int(o.quantity, 'quantity')`. Each returns null for null/undefined (and
 * for `''` on non-string types, as CSV has no other null), accepts what Flink's JSON/CSV formats
 * accept (numbers in strings, ISO timestamps or epoch ms), and throws `ParseError` naming the
 * field otherwise. `field` is only used in messages.
 */
import { ParseError } from '../engine/errors.ts';
import { stringifyJson } from './json.ts';
import { MAX_DATE, MAX_TIMESTAMP, MIN_DATE, MIN_TIMESTAMP, parseDate, parseTime, parseTimestamp } from './timestamp.ts';

export { parseJson as parse } from './json.ts';

function fail(field: string, expected: string, v: unknown): never {
  let shown: string;
  if (typeof v === 'string') shown = JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  else if (typeof v === 'bigint') shown = v.toString();
  else if (typeof v === 'object' && v !== null) {
    const text = stringifyJson(v);
    shown = text.length > 40 ? `${text.slice(0, 40)}...` : text;
  } else shown = typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v));
  throw new ParseError(`field "${field}": expected ${expected}, got ${shown}`);
}

const INTEGER = /^\s*[-+]?\d+\s*$/;

/** A JSON object (the record itself or a ROW value). */
export function object(v: unknown, field = '(record)'): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field, 'a JSON object', v);
  return v as Record<string, unknown>;
}

/**
 * STRING: strings as is; numbers and booleans as text (integers beyond 2^53, read by `parse` as
 * `bigint`, keep every digit); objects/arrays as compact JSON text (Flink), at any depth.
 */
export function string(v: unknown, _field: string): string | null {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return null;
  if (typeof v === 'object') {
    try {
      return JSON.stringify(v);
    } catch {
      // a bigint inside, or nesting deeper than JSON.stringify's recursion goes
      return stringifyJson(v);
    }
  }
  return String(v);
}

function integer(v: unknown, field: string, expected: string, min: number, max: number): number | null {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (v === null || v === undefined || v === '') return null;
  else if (typeof v === 'bigint') n = Number(v);
  else if (typeof v === 'string' && INTEGER.test(v)) n = Number(v);
  else return fail(field, expected, v);
  if (!Number.isInteger(n) || n < min || n > max) {
    // A JSON number past 2^53 was already rounded by the parser: showing the rounded value would
    // name a number the input does not hold (9007199254740993 reads as 9007199254740992).
    if (typeof v === 'bigint' || (typeof v === 'number' && !Number.isSafeInteger(v) && Number.isInteger(v))) {
      throw new ParseError(
        `field "${field}": expected ${expected}, got an integer outside it ` +
          `(numbers past 2^53 cannot be read exactly; declare the column STRING to keep every digit)`,
      );
    }
    fail(field, expected, v);
  }
  return n;
}

/** INT (also TINYINT, SMALLINT): a 32-bit integer. */
export function int(v: unknown, field: string): number | null {
  return integer(v, field, 'INT', -2147483648, 2147483647);
}

/** BIGINT: an integer in the safe range ±(2^53−1); beyond it is a parse error, never rounding. */
export function bigint(v: unknown, field: string): number | null {
  return integer(v, field, 'BIGINT within ±(2^53-1)', -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
}

/** A decimal number as text (`.5` and `5.` included; no hex, binary, octal or `_`). */
const DECIMAL = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/**
 * DOUBLE / FLOAT / DECIMAL (carried as a double). As Flink (Java's `Double.parseDouble`): JSON
 * numbers, and text holding a decimal number or `NaN`, `Infinity`, `-Infinity` (which the
 * encoders write for non-finite values); a number beyond the double range (`1e400`) is
 * ±Infinity, as IEEE 754 rounds it. Anything else (`0x10`, `1_000`) is malformed.
 */
export function double(v: unknown, field: string): number | null {
  if (typeof v === 'number') return v;
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'string') {
    const t = v.trim();
    if (DECIMAL.test(t)) return Number(t);
    if (t === 'NaN') return NaN;
    if (t === 'Infinity' || t === '+Infinity') return Infinity;
    if (t === '-Infinity') return -Infinity;
  }
  if (typeof v === 'bigint') return Number(v);
  return fail(field, 'a number', v);
}

export function boolean(v: unknown, field: string): boolean | null {
  if (typeof v === 'boolean') return v;
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (t === 'true') return true;
    if (t === 'false') return false;
  }
  return fail(field, 'BOOLEAN', v);
}

const TIMESTAMP_RANGE = 'a TIMESTAMP within years 0000-9999 (epoch milliseconds -62167219200000 to 253402300799999)';

/** Epoch ms in the TIMESTAMP range (years 0000-9999), or a parse error showing the input `v`. */
function inRange(t: number, field: string, v: unknown): number {
  return t >= MIN_TIMESTAMP && t <= MAX_TIMESTAMP ? t : fail(field, TIMESTAMP_RANGE, v);
}

/**
 * TIMESTAMP: ISO-8601 / `YYYY-MM-DD HH:MM:SS[.fff]` text (no zone = UTC) or epoch ms, within
 * years 0000-9999 (Flink's range; every value then writes as a 4-digit-year ISO text that reads
 * back); outside it is a parse error, never a value that cannot be written.
 */
export function timestamp(v: unknown, field: string): number | null {
  if (typeof v === 'string') {
    const t = parseTimestamp(v);
    if (t === t) return inRange(t, field, v);
    if (v === '') return null;
    if (INTEGER.test(v)) return inRange(Number(v), field, v);
    return fail(field, 'a TIMESTAMP (ISO-8601 or epoch milliseconds)', v);
  }
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return inRange(Math.floor(v), field, v);
    return fail(field, 'a TIMESTAMP', v);
  }
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return fail(field, TIMESTAMP_RANGE, v);
  return fail(field, 'a TIMESTAMP (ISO-8601 or epoch milliseconds)', v);
}

/** DATE: `YYYY-MM-DD` or epoch days, within years 0000-9999. */
export function date(v: unknown, field: string): number | null {
  if (typeof v === 'string') {
    if (v === '') return null;
    const d = parseDate(v);
    return d === d ? d : fail(field, 'a DATE (YYYY-MM-DD)', v);
  }
  if (typeof v === 'number' && Number.isInteger(v)) {
    return v >= MIN_DATE && v <= MAX_DATE
      ? v
      : fail(field, 'a DATE within years 0000-9999 (epoch days -719528 to 2932896)', v);
  }
  if (v === null || v === undefined) return null;
  return fail(field, 'a DATE (YYYY-MM-DD)', v);
}

/** TIME: `HH:MM[:SS[.fff]]` or ms since midnight (0 to 86399999). */
export function time(v: unknown, field: string): number | null {
  if (typeof v === 'string') {
    if (v === '') return null;
    const t = parseTime(v);
    return t === t ? t : fail(field, 'a TIME (HH:MM:SS)', v);
  }
  if (typeof v === 'number' && Number.isInteger(v)) {
    return v >= 0 && v < 86_400_000 ? v : fail(field, 'a TIME (milliseconds since midnight, 0 to 86399999)', v);
  }
  if (v === null || v === undefined) return null;
  return fail(field, 'a TIME (HH:MM:SS)', v);
}

/** ARRAY<T>: each element through `element` (which gets `field[i]` for messages). */
export function array<T>(v: unknown, field: string, element: (e: unknown, field: string) => T): T[] | null {
  if (v === null || v === undefined) return null;
  if (!Array.isArray(v)) return fail(field, 'an ARRAY', v);
  const out = new Array<T>(v.length);
  for (let i = 0; i < v.length; i++) out[i] = element(v[i], `${field}[${i + 1}]`);
  return out;
}

/** MAP<STRING, T>: each value through `value`. */
export function map<T>(v: unknown, field: string, value: (e: unknown, field: string) => T): Record<string, T> | null {
  if (v === null || v === undefined) return null;
  const o = object(v, field);
  const out: Record<string, T> = {};
  for (const k of Object.keys(o)) out[k] = value(o[k], `${field}.${k}`);
  return out;
}

/** A NOT NULL column: throws when the decoded value is null. */
export function notNull<T>(v: T | null, field: string): T {
  if (v === null) throw new ParseError(`field "${field}": NULL in a NOT NULL column`);
  return v;
}

/** `json.fail-on-missing-field`: throws when the field is absent from the object. */
export function present(o: Record<string, unknown>, field: string): unknown {
  const v = o[field];
  if (v === undefined && !(field in o)) throw new ParseError(`field "${field}" is missing`);
  return v;
}
