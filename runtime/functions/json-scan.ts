/**
 * The JSON-lines fast path of generated decoders: finds the values of the wanted keys in one
 * line without building the parsed object, so the decoder converts only the fields the job
 * reads (projection pushdown into the decoder).
 *
 * Two ways to read a line, both validating the complete JSON grammar:
 * - the layout pattern: lines of a stream mostly share one layout (the same keys in the same
 *   order, scalar values). Once seen, that layout becomes one anchored regular expression whose
 *   captures are the wanted values — a single native match per line;
 * - the scanner, for every other line (other key orders, escapes, nested values): a
 *   hand-written validating walk that records where the wanted values are. It also learns the
 *   layout pattern (again when the layout changes and stays changed).
 *
 * Contract with the generated code, which makes the fast path safe:
 * - `scan(line)` returns true only for a well-formed JSON object; otherwise the decoder falls
 *   back to `JSON.parse`, which reports the error exactly as the slow path would.
 * - Each conversion (`string`, `int`, `timestamp`, ...) returns the value when the token is the
 *   plain case it handles, or `undefined` for anything else (a number where a string was
 *   declared, an out-of-range integer, an unusual timestamp, a missing field under
 *   `json.fail-on-missing-field`); the decoder then falls back to
 *   `decode(JSON.parse(line))`, whose coercions (`rt.decode.*`) handle it or raise the error.
 * So for every line, the fast path returns what the slow path returns, or defers to it.
 * A key that appears twice takes its last value, as `JSON.parse` does.
 */
import {
  ABSENT,
  COMPOSITE,
  ESCAPED_STRING,
  FALSE,
  NULL,
  NUMBER,
  STRING,
  ScannedFields,
  TRUE,
  POW10,
  isHex,
  isShortEscape,
  timestampMs,
  type MinuteCache,
} from './json-fields.ts';
import { escapeRegExp } from './strings.ts';

/** Characters that make strings need a careful scan: escapes and (invalid) raw control characters. */
const SPECIAL = /[\u0000-\u001f\\]/;

/** Nesting deeper than this is left to JSON.parse (no deep recursion here). */
const MAX_DEPTH = 256;

// Pieces of the layout pattern (JSON grammar, RFC 8259).
const WS = '[ \\t\\n\\r]*';
const PLAIN_STRING = '"[^"\\\\\\u0000-\\u001f]*"';
const NUMBER_TOKEN = '-?(?:0|[1-9]\\d*)(?:\\.\\d+)?(?:[eE][+-]?\\d+)?';
const SCALAR = `(?:${PLAIN_STRING}|${NUMBER_TOKEN}|true|false|null)`;
/** A wanted value: string contents, number, or boolean captured; `null` leaves all three empty. */
const CAPTURED = `(?:"([^"\\\\\\u0000-\\u001f]*)"|(${NUMBER_TOKEN})|(true|false)|null)`;

/** A layout seen this many lines in a row (after another one) replaces the pattern. */
const RELEARN_AFTER = 8;
/** Stop compiling patterns for streams whose layout never settles. */
const MAX_LAYOUTS = 32;

export class JsonFieldScanner extends ScannedFields {
  /** The text each wanted value lies in: the line, or a capture of the layout pattern. */
  private readonly texts: string[];
  private readonly lengths: Int32Array;
  private line = '';
  /** The line holds no backslash and no control character. */
  private clean = false;
  /** The last string scanned held an escape. */
  private escaped = false;
  /** The slot after the last matched key: fields usually come in the same order. */
  private next = 0;
  /** The keys of the members of the line being scanned (null: an escaped key). */
  private readonly members: (string | null)[] = [];
  /** True while every value of the line being scanned is a scalar. */
  private scalars = true;

  /** The layout pattern, its signature, and the capture group of each wanted slot (or -1). */
  private layout: RegExp | null = null;
  private layoutSignature = '';
  private layoutGroups: Int32Array;
  /** The minute of the last canonical timestamp (consecutive rows mostly share it). */
  private readonly minute: MinuteCache = { minute: -1, ms: 0 };
  private candidate = '';
  private candidateCount = 0;
  private layouts = 0;

  /** See `ScannedFields`. */
  constructor(keys: readonly string[], failOnMissing = false) {
    super(keys, failOnMissing);
    const n = keys.length;
    this.texts = keys.map(() => '');
    this.lengths = Int32Array.from(keys, (k) => k.length);
    this.layoutGroups = new Int32Array(n);
  }

  /** Reads one line; false when it is not exactly one well-formed JSON object. */
  scan(line: string): boolean {
    this.line = line;
    const layout = this.layout;
    if (layout !== null) {
      const m = layout.exec(line);
      if (m !== null) {
        this.take(m);
        return true;
      }
    }
    if (!this.walk(line)) return false;
    this.learn();
    return true;
  }

  /** Records the wanted values of a layout-pattern match. */
  private take(m: RegExpExecArray): void {
    const groups = this.layoutGroups;
    for (let slot = 0; slot < groups.length; slot++) {
      const g = groups[slot]!;
      if (g < 0) {
        this.kinds[slot] = ABSENT;
        continue;
      }
      let text = m[g];
      let kind: number;
      if (text !== undefined) kind = STRING;
      else if ((text = m[g + 1]) !== undefined) kind = NUMBER;
      else if ((text = m[g + 2]) !== undefined) kind = text === 'true' ? TRUE : FALSE;
      else {
        kind = NULL;
        text = '';
      }
      this.kinds[slot] = kind;
      this.texts[slot] = text;
      this.starts[slot] = 0;
      this.ends[slot] = text.length;
      this.ints[slot] = NaN;
    }
  }

  /** After a walk: adopt the line's layout as the pattern when it has settled. */
  private learn(): void {
    const members = this.members;
    if (!this.scalars || this.layouts >= MAX_LAYOUTS || members.includes(null)) return;
    // Compact lines get a pattern without optional whitespace (it matches faster); any space in
    // the line (even inside a string) asks for the whitespace-tolerant one, which also matches
    // compact lines, so it is never traded back.
    const keys = members.join('\u0000');
    const spaced = /[ \t\n\r]/.test(this.line);
    const signature = spaced ? `${keys}\u0000 ` : keys;
    if (signature === this.layoutSignature || (!spaced && this.layoutSignature === `${keys}\u0000 `)) return;
    if (signature === this.candidate) this.candidateCount++;
    else {
      this.candidate = signature;
      this.candidateCount = 1;
    }
    if (this.layout !== null && this.candidateCount < RELEARN_AFTER) return;
    this.layouts++;
    this.layoutSignature = signature;
    this.layoutGroups.fill(-1);
    // Capture a wanted key at its last occurrence (JSON.parse keeps the last value).
    const ws = spaced ? WS : '';
    const last = new Map(members.map((k, i) => [k!, i]));
    let group = 1;
    const parts = members.map((key, i) => {
      const slot = this.keys.indexOf(key!);
      const captured = slot >= 0 && last.get(key!) === i;
      if (captured) {
        this.layoutGroups[slot] = group;
        group += 3;
      }
      return `"${escapeRegExp(key!)}"${ws}:${ws}${captured ? CAPTURED : SCALAR}`;
    });
    this.layout = new RegExp(`^${ws}\\{${ws}${parts.join(`${ws},${ws}`)}${ws}\\}${ws}$`);
  }

  /** The validating walk over one line (any layout). */
  private walk(line: string): boolean {
    this.kinds.fill(ABSENT);
    this.members.length = 0;
    this.scalars = true;
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
      let slot: number;
      if (this.escaped) {
        slot = this.keys.indexOf(JSON.parse(line.slice(i, keyEnd + 1)) as string);
        this.members.push(null);
      } else {
        slot = this.slotOf(i + 1, keyEnd);
        this.members.push(slot >= 0 ? this.keys[slot]! : line.slice(i + 1, keyEnd));
      }
      i = skipWs(line, keyEnd + 1);
      if (line.charCodeAt(i) !== 58 /* : */) return false;
      i = this.value(skipWs(line, i + 1), slot);
      if (i < 0) return false;
      i = skipWs(line, i);
      const c = line.charCodeAt(i);
      if (c === 44 /* , */) {
        i = skipWs(line, i + 1);
        continue;
      }
      if (c === 125 /* } */) return skipWs(line, i + 1) === n;
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
      this.scalars = false;
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
    this.texts[slot] = this.line;
    this.starts[slot] = start;
    this.ends[slot] = end;
  }

  // -------------------------------------------------------------------------------------------
  // How the tokens read (the conversions are ScannedFields')

  protected token(slot: number): string {
    return this.texts[slot]!.slice(this.starts[slot], this.ends[slot]);
  }

  protected quoted(slot: number): string {
    return this.texts[slot]!.slice(this.starts[slot]! - 1, this.ends[slot]! + 1);
  }

  protected decimal(slot: number): number {
    return decimalValue(this.texts[slot]!, this.starts[slot]!, this.ends[slot]!);
  }

  protected canonical(slot: number): number {
    const start = this.starts[slot]!;
    return this.ends[slot]! - start === 24 ? canonicalTimestamp(this.texts[slot]!, start, this.minute) : NaN;
  }

  protected composite(slot: number): string {
    return this.token(slot);
  }
}

/** The digit at `i` (0–9), or another number when it is not one. */
function digitAt(s: string, i: number): number {
  return s.charCodeAt(i) - 48;
}

/**
 * `YYYY-MM-DDTHH:MM:SS.sssZ` at `i` of `s`, read in place (no substring); NaN for anything
 * else, which then takes the general parser. Consecutive rows mostly fall in the same minute,
 * whose epoch milliseconds are kept.
 */
function canonicalTimestamp(s: string, i: number, cache: MinuteCache): number {
  if (
    s.charCodeAt(i + 4) !== 45 ||
    s.charCodeAt(i + 7) !== 45 ||
    s.charCodeAt(i + 10) !== 84 ||
    s.charCodeAt(i + 13) !== 58 ||
    s.charCodeAt(i + 16) !== 58 ||
    s.charCodeAt(i + 19) !== 46 ||
    s.charCodeAt(i + 23) !== 90
  ) {
    return NaN;
  }
  const y1 = digitAt(s, i);
  const y2 = digitAt(s, i + 1);
  const y3 = digitAt(s, i + 2);
  const y4 = digitAt(s, i + 3);
  const mo1 = digitAt(s, i + 5);
  const mo2 = digitAt(s, i + 6);
  const d1 = digitAt(s, i + 8);
  const d2 = digitAt(s, i + 9);
  const h1 = digitAt(s, i + 11);
  const h2 = digitAt(s, i + 12);
  const mi1 = digitAt(s, i + 14);
  const mi2 = digitAt(s, i + 15);
  const s1 = digitAt(s, i + 17);
  const s2 = digitAt(s, i + 18);
  const f1 = digitAt(s, i + 20);
  const f2 = digitAt(s, i + 21);
  const f3 = digitAt(s, i + 22);
  // Every one a digit (`>>> 0` turns negatives into large numbers); minutes and seconds < 60.
  const any = y1 | y2 | y3 | y4 | mo1 | mo2 | d1 | d2 | h1 | h2 | mi1 | mi2 | s1 | s2 | f1 | f2 | f3;
  if (
    any >>> 0 > 15 ||
    y1 > 9 ||
    y2 > 9 ||
    y3 > 9 ||
    y4 > 9 ||
    mo1 > 9 ||
    mo2 > 9 ||
    d1 > 9 ||
    d2 > 9 ||
    h1 > 9 ||
    h2 > 9
  )
    return NaN;
  if (mi1 > 5 || mi2 > 9 || s1 > 5 || s2 > 9 || f1 > 9 || f2 > 9 || f3 > 9) return NaN;
  return timestampMs(
    cache,
    y1 * 1000 + y2 * 100 + y3 * 10 + y4,
    mo1 * 10 + mo2,
    d1 * 10 + d2,
    h1 * 10 + h2,
    mi1 * 10 + mi2,
    s1 * 10 + s2,
    f1 * 100 + f2 * 10 + f3,
  );
}

/**
 * The value of a JSON number token (already validated) between `start` and `end`. Numbers of at
 * most 15 significant digits without an exponent are `digits / 10^k`: both operands are exact
 * doubles, so the one rounded division gives the nearest double to the decimal, exactly what
 * `Number` gives (Clinger's fast path). Anything else goes to `Number`.
 */
function decimalValue(s: string, start: number, end: number): number {
  let i = start;
  const negative = s.charCodeAt(i) === 45;
  if (negative) i++;
  let mantissa = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      fraction = 0;
      continue;
    }
    if (c < 48 || c > 57) return Number(s.slice(start, end));
    mantissa = mantissa * 10 + (c - 48);
    digits++;
    if (fraction >= 0) fraction++;
  }
  if (digits > 15) return Number(s.slice(start, end));
  const v = fraction > 0 ? mantissa / POW10[fraction]! : mantissa;
  return negative ? -v : v;
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
      if (!isShortEscape(e)) return -1;
      j += 2;
      continue;
    }
    if (c < 32) return -1;
    j++;
  }
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
