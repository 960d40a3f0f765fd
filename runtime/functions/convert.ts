/**
 * Value conversions: CAST / TRY_CAST, and the text → value parsing shared by the CSV decoders.
 *
 * Every `parseX` returns null when the text is not a valid X; `CAST` reports that with
 * `castError` and `TRY_CAST` keeps the NULL. Leading and trailing whitespace is ignored, as
 * Flink does for string-to-number casts.
 */
import { SqlRuntimeError } from './errors.ts';
import { round } from './numbers.ts';
import { formatDate, formatTime, formatTimestampSql } from './time.ts';

const INT_MIN = -2_147_483_648;
const INT_MAX = 2_147_483_647;
const INTEGER_TEXT = /^[+-]?\d+$/;
const DOUBLE_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Raised by CAST when a value does not convert (TRY_CAST gives NULL instead). */
export function castError(value: unknown, target: string): never {
  const shown = typeof value === 'string' ? `'${value}'` : String(value);
  throw new SqlRuntimeError(`cannot cast ${shown} to ${target}`);
}

/** INT from text; null when not an integer in the 32-bit range. */
export function parseInt32(text: string): number | null {
  const s = text.trim();
  if (!INTEGER_TEXT.test(s)) return null;
  const n = Number(s);
  return n >= INT_MIN && n <= INT_MAX ? n : null;
}

/** BIGINT from text; null when not an integer in the safe range ±(2^53 − 1). */
export function parseBigint(text: string): number | null {
  const s = text.trim();
  if (!INTEGER_TEXT.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

/** DOUBLE from text: decimal or scientific notation, `NaN`, `Infinity`, `-Infinity`. */
export function parseDouble(text: string): number | null {
  const s = text.trim();
  if (DOUBLE_TEXT.test(s)) return Number(s);
  if (s === 'NaN') return NaN;
  if (s === 'Infinity' || s === '+Infinity') return Infinity;
  if (s === '-Infinity') return -Infinity;
  return null;
}

/** BOOLEAN from text: true/false, t/f, yes/no, y/n, 1/0 (case-insensitive). */
export function parseBoolean(text: string): boolean | null {
  switch (text.trim().toLowerCase()) {
    case 'true':
    case 't':
    case 'yes':
    case 'y':
    case '1':
      return true;
    case 'false':
    case 'f':
    case 'no':
    case 'n':
    case '0':
      return false;
    default:
      return null;
  }
}

/** DOUBLE → INT: truncates toward zero and wraps to 32 bits (Java's `(int)`); NaN is 0. */
export function doubleToInt(x: number): number {
  if (Number.isNaN(x)) return 0;
  if (x >= INT_MAX) return INT_MAX;
  if (x <= INT_MIN) return INT_MIN;
  return Math.trunc(x);
}

/** DOUBLE → BIGINT: truncates toward zero; null when outside the safe range. */
export function doubleToBigint(x: number): number | null {
  const t = Math.trunc(x);
  return Number.isSafeInteger(t) ? t : null;
}

/** DOUBLE → DECIMAL(p, s): rounds half-up to `s` digits; null when more than `p - s` integer digits. */
export function toDecimal(x: number, precision: number, scale: number): number | null {
  if (!Number.isFinite(x)) return null;
  const r = round(x, scale);
  return Math.abs(r) >= 10 ** (precision - scale) ? null : r;
}

/**
 * DOUBLE → STRING the way Java's `Double.toString` writes it (which Flink uses): `1.0`, `0.5`,
 * `1.0E7`, `1.0E-4`, `NaN`, `Infinity`.
 */
export function doubleToString(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(x);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [m, e] = x.toExponential().split('e') as [string, string];
  return `${m.includes('.') ? m : `${m}.0`}E${e.startsWith('+') ? e.slice(1) : e}`;
}

/** DECIMAL(p, s) → STRING with exactly `s` fraction digits. */
export function decimalToString(x: number, scale: number): string {
  return x.toFixed(scale);
}

/** BOOLEAN → STRING: `TRUE` / `FALSE`, as Flink. */
export function booleanToString(b: boolean): string {
  return b ? 'TRUE' : 'FALSE';
}

export function dateToString(days: number): string {
  return formatDate(days);
}

export function timeToString(ms: number): string {
  return formatTime(ms, ms % 1000 !== 0);
}

export function timestampToString(ms: number, precision: number): string {
  return formatTimestampSql(ms, precision);
}

/** Any value to its SQL text (used for ARRAY/MAP/ROW casts to STRING and for messages). */
export function valueToString(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return booleanToString(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : doubleToString(v);
  if (Array.isArray(v)) return `[${v.map(valueToString).join(', ')}]`;
  return `{${Object.entries(v as object)
    .map(([k, x]) => `${k}=${valueToString(x)}`)
    .join(', ')}}`;
}

/** DECIMAL(p, s) from text; null when not a number or when it does not fit. */
export function parseDecimal(text: string, precision: number, scale: number): number | null {
  const x = parseDouble(text);
  return x === null ? null : toDecimal(x, precision, scale);
}
