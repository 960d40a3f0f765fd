/**
 * The JSON-lines fast path of generated decoders: a validating scanner that walks one line
 * without building the parsed object and records where the values of the wanted keys are, so
 * the decoder converts only the fields the job reads (projection pushdown into the decoder).
 *
 * Contract with the generated code, which makes the fast path safe:
 * - `scan(line)` returns true only for a well-formed JSON object (the full JSON grammar is
 *   checked, skipped values included); otherwise the decoder falls back to `JSON.parse`, which
 *   reports the error exactly as the slow path would.
 * - Each conversion (`string`, `int`, `timestamp`, ...) returns the value when the token is the
 *   plain case it handles, or `undefined` for anything else (a number where a string was
 *   declared, an out-of-range integer, an unusual timestamp, a missing field under
 *   `json.fail-on-missing-field`); the decoder then falls back to
 *   `decode(JSON.parse(line))`, whose coercions (`rt.decode.*`) handle it or raise the error.
 * So for every line, the fast path returns what the slow path returns, or defers to it.
 * A key that appears twice takes its last value, as `JSON.parse` does.
 */
import { parseDate, parseTime, parseTimestamp } from '../formats/timestamp.ts';

/** Token kinds recorded per wanted key. */
const ABSENT = 0;
const STRING = 1;
const ESCAPED_STRING = 2;
const NUMBER = 3;
const TRUE = 4;
const FALSE = 5;
const NULL = 6;
const COMPOSITE = 7;

/** Characters that make strings need a careful scan: escapes and (invalid) raw control characters. */
const SPECIAL = /[\u0000-\u001f\\]/;

/** Nesting deeper than this is left to JSON.parse (no deep recursion here). */
const MAX_DEPTH = 256;

const INT_MIN = -2_147_483_648;
const INT_MAX = 2_147_483_647;

export class JsonFieldScanner {
  private readonly kinds: Uint8Array;
  /** Token start; for strings the first character after the opening quote. */
  private readonly starts: Int32Array;
  /** Token end (exclusive); for strings the index of the closing quote. */
  private readonly ends: Int32Array;
  /** The value of NUMBER tokens that are plain integers of at most 15 digits, else NaN. */
  private readonly ints: Float64Array;
  private readonly lengths: Int32Array;
  private line = '';
  /** The line holds no backslash and no control character. */
  private clean = false;
  /** The last string scanned held an escape. */
  private escaped = false;
  /** The slot after the last matched key: fields usually come in the same order. */
  private next = 0;

  /**
   * @param keys the wanted keys; slot `i` of every conversion refers to `keys[i]`.
   * @param failOnMissing `json.fail-on-missing-field`: an absent key defers to the slow path
   *   (which raises the error) instead of reading as NULL.
   */
  constructor(
    readonly keys: readonly string[],
    private readonly failOnMissing = false,
  ) {
    const n = keys.length;
    this.kinds = new Uint8Array(n);
    this.starts = new Int32Array(n);
    this.ends = new Int32Array(n);
    this.ints = new Float64Array(n);
    this.lengths = Int32Array.from(keys, (k) => k.length);
  }

  /** Scans one line; false when it is not exactly one well-formed JSON object. */
  scan(line: string): boolean {
    this.line = line;
    this.kinds.fill(ABSENT);
    // Most lines hold no backslash and no control character: then every string ends at the
    // next quote, found by the native indexOf instead of a character loop.
    this.clean = !SPECIAL.test(line);
    const n = line.length;
    let i = skipWs(line, 0);
    if (line.charCodeAt(i) !== 123 /* { */) return false;
    i = skipWs(line, i + 1);
    if (line.charCodeAt(i) === 125 /* } */) return skipWs(line, i + 1) === n;
    for (;;) {
      if (line.charCodeAt(i) !== 34 /* " */) return false;
      const keyEnd = this.stringEnd(i);
      if (keyEnd < 0) return false;
      const slot = this.escaped ? this.keys.indexOf(JSON.parse(line.slice(i, keyEnd + 1)) as string) : this.slotOf(i + 1, keyEnd);
      i = keyEnd + 1;
      if (line.charCodeAt(i) !== 58 /* : */) {
        i = skipWs(line, i);
        if (line.charCodeAt(i) !== 58) return false;
      }
      i = this.value(skipWs(line, i + 1), slot);
      if (i < 0) return false;
      let c = line.charCodeAt(i);
      if (c !== 44 && c !== 125) {
        i = skipWs(line, i);
        c = line.charCodeAt(i);
      }
      if (c === 44 /* , */) {
        i = skipWs(line, i + 1);
        continue;
      }
      if (c === 125 /* } */) return i + 1 === n || skipWs(line, i + 1) === n;
      return false;
    }
  }

  /** `i` at an opening quote: the index of the closing quote (sets `escaped`), or -1. */
  private stringEnd(i: number): number {
    if (this.clean) {
      this.escaped = false;
      return this.line.indexOf('"', i + 1);
    }
    const end = scanString(this.line, i);
    this.escaped = stringHadEscape;
    return end;
  }

  private slotOf(start: number, end: number): number {
    const len = end - start;
    const count = this.keys.length;
    for (let k = 0, slot = this.next; k < count; k++, slot = slot + 1 === count ? 0 : slot + 1) {
      if (this.lengths[slot] === len && this.line.startsWith(this.keys[slot]!, start)) {
        this.next = slot + 1 === count ? 0 : slot + 1;
        return slot;
      }
    }
    return -1;
  }

  /** Scans the value at `i` (recording it when `slot >= 0`); returns the index after it, or -1. */
  private value(i: number, slot: number): number {
    const s = this.line;
    const c = s.charCodeAt(i);
    if (c === 34) {
      const end = this.stringEnd(i);
      if (end < 0) return -1;
      if (slot >= 0) this.record(slot, this.escaped ? ESCAPED_STRING : STRING, i + 1, end);
      return end + 1;
    }
    if (c === 45 || (c >= 48 && c <= 57)) {
      const end = scanNumber(s, i);
      if (end < 0) return -1;
      if (slot >= 0) {
        this.record(slot, NUMBER, i, end);
        this.ints[slot] = numberValue;
      }
      return end;
    }
    if (c === 116 /* t */) return this.word(i, 'true', slot, TRUE);
    if (c === 102 /* f */) return this.word(i, 'false', slot, FALSE);
    if (c === 110 /* n */) return this.word(i, 'null', slot, NULL);
    if (c === 123 || c === 91) {
      const end = skipComposite(s, i, 0);
      if (end < 0) return -1;
      if (slot >= 0) this.record(slot, COMPOSITE, i, end);
      return end;
    }
    return -1;
  }

  private word(i: number, word: string, slot: number, kind: number): number {
    if (!this.line.startsWith(word, i)) return -1;
    if (slot >= 0) this.record(slot, kind, i, i + word.length);
    return i + word.length;
  }

  private record(slot: number, kind: number, start: number, end: number): void {
    this.kinds[slot] = kind;
    this.starts[slot] = start;
    this.ends[slot] = end;
  }

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
    return v === v ? v : Number(this.line.slice(this.starts[slot], this.ends[slot]));
  }

  /** True when the key was present (for `json.fail-on-missing-field`). */
  has(slot: number): boolean {
    return this.kinds[slot] !== ABSENT;
  }

  /** STRING: a JSON string (escapes decoded) or null. */
  string(slot: number): string | null | undefined {
    const k = this.kinds[slot];
    if (k === STRING) return this.line.slice(this.starts[slot], this.ends[slot]);
    if (k === ESCAPED_STRING) return JSON.parse(this.line.slice(this.starts[slot]! - 1, this.ends[slot]! + 1)) as string;
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
      const t = parseTimestamp(this.line.slice(this.starts[slot], this.ends[slot]));
      return t === t ? t : undefined;
    }
    if (k === NUMBER) {
      const v = this.numberAt(slot);
      return Number.isFinite(v) ? Math.floor(v) : undefined;
    }
    return this.isNullish(slot) ? this.missing(slot) : undefined;
  }

  /** DATE: `YYYY-MM-DD` or epoch days. */
  date(slot: number): number | null | undefined {
    const k = this.kinds[slot];
    if (k === STRING) {
      const d = parseDate(this.line.slice(this.starts[slot], this.ends[slot]));
      return d === d ? d : undefined;
    }
    if (k === NUMBER) {
      const v = this.numberAt(slot);
      return Number.isInteger(v) ? v : undefined;
    }
    return this.isNullish(slot) ? this.missing(slot) : undefined;
  }

  /** TIME: `HH:MM[:SS[.fff]]` or milliseconds since midnight. */
  time(slot: number): number | null | undefined {
    const k = this.kinds[slot];
    if (k === STRING) {
      const t = parseTime(this.line.slice(this.starts[slot], this.ends[slot]));
      return t === t ? t : undefined;
    }
    if (k === NUMBER) {
      const v = this.numberAt(slot);
      return Number.isInteger(v) ? v : undefined;
    }
    return this.isNullish(slot) ? this.missing(slot) : undefined;
  }

  /**
   * Any value as parsed JSON (for ROW, ARRAY and MAP columns, which the decoder then converts
   * like the slow path does); absent → `undefined` so the slow-path coercion sees what
   * `JSON.parse` would have given.
   */
  json(slot: number): unknown {
    const k = this.kinds[slot];
    if (k === ABSENT) return undefined;
    if (k === STRING || k === ESCAPED_STRING) return JSON.parse(this.line.slice(this.starts[slot]! - 1, this.ends[slot]! + 1));
    return JSON.parse(this.line.slice(this.starts[slot], this.ends[slot]));
  }
}

// ---------------------------------------------------------------------------------------------
// The JSON grammar (RFC 8259), validating, without building values

function skipWs(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return i;
    i++;
  }
}

/** Set by `scanString`: whether the string held a backslash escape. */
let stringHadEscape = false;

/** `i` at the opening quote; returns the index of the closing quote, or -1. */
function scanString(s: string, i: number): number {
  const n = s.length;
  let j = i + 1;
  stringHadEscape = false;
  for (;;) {
    if (j >= n) return -1;
    const c = s.charCodeAt(j);
    if (c === 34) return j;
    if (c === 92) {
      stringHadEscape = true;
      const e = s.charCodeAt(j + 1);
      if (e === 117 /* u */) {
        for (let k = j + 2; k < j + 6; k++) if (!isHex(s.charCodeAt(k))) return -1;
        j += 6;
        continue;
      }
      // " \ / b f n r t
      if (e !== 34 && e !== 92 && e !== 47 && e !== 98 && e !== 102 && e !== 110 && e !== 114 && e !== 116) return -1;
      j += 2;
      continue;
    }
    if (c < 32) return -1;
    j++;
  }
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** Set by `scanNumber`: the value when the number is a plain integer of ≤ 15 digits, else NaN. */
let numberValue = NaN;

/** `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` at `i`; returns the index after it, or -1. */
function scanNumber(s: string, i: number): number {
  let j = i;
  const negative = s.charCodeAt(j) === 45;
  if (negative) j++;
  let c = s.charCodeAt(j);
  let v = 0;
  const digitsStart = j;
  if (c === 48) {
    j++;
  } else if (c >= 49 && c <= 57) {
    do {
      v = v * 10 + (c - 48);
      c = s.charCodeAt(++j);
    } while (c >= 48 && c <= 57);
  } else {
    return -1;
  }
  let plain = j - digitsStart <= 15;
  c = s.charCodeAt(j);
  if (c === 46 /* . */) {
    plain = false;
    c = s.charCodeAt(++j);
    if (!(c >= 48 && c <= 57)) return -1;
    do c = s.charCodeAt(++j);
    while (c >= 48 && c <= 57);
  }
  if (c === 101 || c === 69 /* e E */) {
    plain = false;
    c = s.charCodeAt(++j);
    if (c === 43 || c === 45) c = s.charCodeAt(++j);
    if (!(c >= 48 && c <= 57)) return -1;
    do c = s.charCodeAt(++j);
    while (c >= 48 && c <= 57);
  }
  numberValue = plain ? (negative ? -v : v) : NaN;
  return j;
}

/** Skips an object or array at `i` (validating it); returns the index after it, or -1. */
function skipComposite(s: string, i: number, depth: number): number {
  if (depth > MAX_DEPTH) return -1;
  const open = s.charCodeAt(i);
  const close = open === 123 ? 125 : 93;
  i = skipWs(s, i + 1);
  if (s.charCodeAt(i) === close) return i + 1;
  for (;;) {
    if (open === 123) {
      if (s.charCodeAt(i) !== 34) return -1;
      const keyEnd = scanString(s, i);
      if (keyEnd < 0) return -1;
      i = skipWs(s, keyEnd + 1);
      if (s.charCodeAt(i) !== 58) return -1;
      i = skipWs(s, i + 1);
    }
    i = skipValue(s, i, depth);
    if (i < 0) return -1;
    i = skipWs(s, i);
    const c = s.charCodeAt(i);
    if (c === 44) {
      i = skipWs(s, i + 1);
      continue;
    }
    return c === close ? i + 1 : -1;
  }
}

function skipValue(s: string, i: number, depth: number): number {
  const c = s.charCodeAt(i);
  if (c === 34) {
    const end = scanString(s, i);
    return end < 0 ? -1 : end + 1;
  }
  if (c === 45 || (c >= 48 && c <= 57)) return scanNumber(s, i);
  if (c === 116) return s.startsWith('true', i) ? i + 4 : -1;
  if (c === 102) return s.startsWith('false', i) ? i + 5 : -1;
  if (c === 110) return s.startsWith('null', i) ? i + 4 : -1;
  if (c === 123 || c === 91) return skipComposite(s, i, depth + 1);
  return -1;
}
