/**
 * What both JSON fast-path scanners record per wanted key — `JsonFieldScanner` (json-scan.ts,
 * over a line's text) and `JsonBytesScanner` (json-bytes.ts, over its bytes) — and the
 * conversions the generated decoders call on it. Each conversion returns the value when the
 * token is the plain case it handles, or `undefined` for anything else, which the decoder then
 * hands to the slow path (`rt.decode.parse` and `rt.decode.*`); so every value it returns is
 * the one the slow path gives. A scanner says how its tokens read (`token`, `quoted`, `decimal`,
 * `canonical`, `composite`).
 */
import { parseJson } from '../formats/json.ts';
import { daysFromCivil, daysInMonth } from './time.ts';
import {
  MAX_DATE,
  MAX_TIMESTAMP,
  MIN_DATE,
  MIN_TIMESTAMP,
  parseDate,
  parseTime,
  parseTimestamp,
} from '../formats/timestamp.ts';

/** Token kinds recorded per wanted key. */
export const ABSENT = 0;
export const STRING = 1;
export const ESCAPED_STRING = 2;
export const NUMBER = 3;
export const TRUE = 4;
export const FALSE = 5;
export const NULL = 6;
export const COMPOSITE = 7;

const INT_MIN = -2_147_483_648;
const INT_MAX = 2_147_483_647;

export abstract class ScannedFields {
  protected readonly kinds: Uint8Array;
  /** Token start; for strings the first character after the opening quote. */
  protected readonly starts: Int32Array;
  /** Token end (exclusive); for strings the index of the closing quote. */
  protected readonly ends: Int32Array;
  /** The value of NUMBER tokens that are plain integers of at most 15 digits, else NaN. */
  protected readonly ints: Float64Array;

  /**
   * @param keys the wanted keys; slot `i` of every conversion refers to `keys[i]`.
   * @param failOnMissing `json.fail-on-missing-field`: an absent key defers to the slow path
   *   (which raises the error) instead of reading as NULL.
   */
  constructor(
    readonly keys: readonly string[],
    protected readonly failOnMissing: boolean,
  ) {
    const n = keys.length;
    this.kinds = new Uint8Array(n);
    this.starts = new Int32Array(n);
    this.ends = new Int32Array(n);
    this.ints = new Float64Array(n);
  }

  /** A STRING or NUMBER token's text (strings: without the quotes, escapes as written). */
  protected abstract token(slot: number): string;
  /** An ESCAPED_STRING token with its quotes (for `JSON.parse`). */
  protected abstract quoted(slot: number): string;
  /** The value of a NUMBER token that is not a plain integer of at most 15 digits. */
  protected abstract decimal(slot: number): number;
  /** A STRING token in the canonical `YYYY-MM-DDTHH:MM:SS.sssZ` form as epoch ms, else NaN. */
  protected abstract canonical(slot: number): number;
  /** A COMPOSITE or NUMBER token's text, for `parseJson`. */
  protected abstract composite(slot: number): string;

  /** Absent or JSON null → null (or `undefined` under fail-on-missing for an absent key). */
  private missing(slot: number): null | undefined {
    return this.kinds[slot] === ABSENT && this.failOnMissing ? undefined : null;
  }

  private isNullish(slot: number): boolean {
    const k = this.kinds[slot];
    return k === ABSENT || k === NULL;
  }

  private numberAt(slot: number): number {
    const v = this.ints[slot]!;
    return v === v ? v : this.decimal(slot);
  }

  /** True when the key was present (for `json.fail-on-missing-field`). */
  has(slot: number): boolean {
    return this.kinds[slot] !== ABSENT;
  }

  /**
   * STRING: a JSON string (escapes decoded) or null; a number as its text (`String(value)`, and
   * an integer beyond 2^53 with every digit as written, as `rt.decode.string` gives).
   */
  string(slot: number): string | null | undefined {
    const k = this.kinds[slot];
    if (k === STRING) return this.token(slot);
    if (k === ESCAPED_STRING) return JSON.parse(this.quoted(slot)) as string;
    if (k === NUMBER) {
      const v = this.numberAt(slot);
      if (Number.isSafeInteger(v)) return String(v);
      const token = this.token(slot);
      return /^-?\d+$/.test(token) ? token : String(v);
    }
    return this.isNullish(slot) ? this.missing(slot) : undefined;
  }

  /** INT: a JSON integer in the 32-bit range. */
  int(slot: number): number | null | undefined {
    if (this.kinds[slot] === NUMBER) {
      const v = this.numberAt(slot);
      return Number.isInteger(v) && v >= INT_MIN && v <= INT_MAX ? v : undefined;
    }
    return this.isNullish(slot) ? this.missing(slot) : undefined;
  }

  /** BIGINT: a JSON integer in the safe range ±(2^53 − 1). */
  bigint(slot: number): number | null | undefined {
    if (this.kinds[slot] === NUMBER) {
      const v = this.numberAt(slot);
      return Number.isSafeInteger(v) ? v : undefined;
    }
    return this.isNullish(slot) ? this.missing(slot) : undefined;
  }

  /** DOUBLE / DECIMAL: a JSON number. */
  double(slot: number): number | null | undefined {
    if (this.kinds[slot] === NUMBER) return this.numberAt(slot);
    return this.isNullish(slot) ? this.missing(slot) : undefined;
  }

  /** BOOLEAN: `true` / `false`. */
  boolean(slot: number): boolean | null | undefined {
    const k = this.kinds[slot];
    if (k === TRUE) return true;
    if (k === FALSE) return false;
    return this.isNullish(slot) ? this.missing(slot) : undefined;
  }

  /** TIMESTAMP: an ISO-8601 / SQL timestamp string (no zone = UTC) or epoch milliseconds. */
  timestamp(slot: number): number | null | undefined {
    const k = this.kinds[slot];
    if (k === STRING) {
      let t = this.canonical(slot);
      if (t !== t) t = parseTimestamp(this.token(slot));
      return t >= MIN_TIMESTAMP && t <= MAX_TIMESTAMP ? t : undefined;
    }
    if (k === NUMBER) {
      const v = Math.floor(this.numberAt(slot));
      return v >= MIN_TIMESTAMP && v <= MAX_TIMESTAMP ? v : undefined;
    }
    return this.isNullish(slot) ? this.missing(slot) : undefined;
  }

  /** DATE: `YYYY-MM-DD` or epoch days. */
  date(slot: number): number | null | undefined {
    const k = this.kinds[slot];
    if (k === STRING) {
      const d = parseDate(this.token(slot));
      return d === d ? d : undefined;
    }
    if (k === NUMBER) {
      const v = this.numberAt(slot);
      return Number.isInteger(v) && v >= MIN_DATE && v <= MAX_DATE ? v : undefined;
    }
    return this.isNullish(slot) ? this.missing(slot) : undefined;
  }

  /** TIME: `HH:MM[:SS[.fff]]` or milliseconds since midnight. */
  time(slot: number): number | null | undefined {
    const k = this.kinds[slot];
    if (k === STRING) {
      const t = parseTime(this.token(slot));
      return t === t ? t : undefined;
    }
    if (k === NUMBER) {
      const v = this.numberAt(slot);
      return Number.isInteger(v) && v >= 0 && v < 86_400_000 ? v : undefined;
    }
    return this.isNullish(slot) ? this.missing(slot) : undefined;
  }

  /**
   * Any value as parsed JSON (`rt.decode.parse`, for ROW, ARRAY and MAP columns, which the
   * decoder then converts like the slow path does); absent → `undefined` so the slow-path
   * coercion sees what `JSON.parse` would have given.
   */
  json(slot: number): unknown {
    switch (this.kinds[slot]) {
      case ABSENT:
        return undefined;
      case STRING:
        return this.token(slot);
      case ESCAPED_STRING:
        return this.string(slot);
      case NULL:
        return null;
      case TRUE:
        return true;
      case FALSE:
        return false;
      default:
        return parseJson(this.composite(slot));
    }
  }
}

/** Whether a character code is a hex digit (one of the four after `\u` in a string escape). */
export function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** Whether the character code after a backslash makes a JSON escape other than `\u`: " \ / b f n r t. */
export function isShortEscape(e: number | undefined): boolean {
  return e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116;
}

/** The minute of the last canonical timestamp (as the number YYYYMMDDhhmm) and its epoch milliseconds. */
export interface MinuteCache {
  minute: number;
  ms: number;
}

/**
 * The epoch milliseconds of a canonical timestamp's fields, each already checked to be digits
 * in range (minutes, seconds < 60); NaN for a month, day or hour that does not exist.
 * Consecutive rows mostly fall in the same minute, whose milliseconds `cache` keeps.
 */
export function timestampMs(
  cache: MinuteCache,
  year: number,
  month: number,
  day: number,
  hour: number,
  minutes: number,
  seconds: number,
  millis: number,
): number {
  const minute = ((year * 100 + month) * 100 + day) * 10_000 + hour * 100 + minutes;
  if (minute === cache.minute) return cache.ms + seconds * 1000 + millis;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23) return NaN;
  cache.minute = minute;
  cache.ms = daysFromCivil(year, month, day) * 86_400_000 + (hour * 60 + minutes) * 60_000;
  return cache.ms + seconds * 1000 + millis;
}

/** Powers of ten that are exact doubles. */
export const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
