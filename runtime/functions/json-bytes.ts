/**
 * The JSON-lines fast path over raw bytes: `JsonFieldScanner` (json-scan.ts) without the string
 * per line. The file source hands JSON-lines records out as byte ranges of the chunk it read;
 * `scan(buf, start, end)` walks one record's bytes, validating the complete JSON grammar, and
 * records where the wanted values are; only those become strings or numbers (a TIMESTAMP in the
 * canonical `YYYY-MM-DDTHH:MM:SS.sssZ` form, a number, a boolean never become strings at all).
 *
 * The same contract as `JsonFieldScanner`, which makes the fast path safe:
 * - `scan` returns true only for bytes that decode (UTF-8) to exactly one well-formed JSON
 *   object; otherwise the decoder falls back to `JSON.parse(text())`, the record decoded as
 *   text exactly as the string path decodes it, which reports the error as the slow path would.
 * - Each conversion returns the value when the token is the plain case it handles, or `undefined`
 *   for anything else; the decoder then falls back to `decode(JSON.parse(text()))`.
 *
 * Bytes of 0x80 and above can only stand inside strings (anywhere else the walk refuses them);
 * UTF-8 decoding never turns them into ASCII, so the grammar is checked on the bytes exactly as
 * on the decoded text. Keys holding them are compared after decoding (an invalid sequence decodes
 * to U+FFFD). Members mostly come in the same order line after line: the key of each position is
 * predicted from the previous line and checked byte by byte, so a plain key costs one compare.
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

/** Nesting deeper than this is left to JSON.parse (no deep recursion here). */
const MAX_DEPTH = 256;

/** Strings up to this many bytes are looked up in a cache of this many entries before one is made. */
const SHORT = 24;
const SHORT_CACHE = 1024;

/** Node's one-byte decoder of a range (what `toString('latin1', start, end)` calls, without the dispatch). */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Buffer, start: number, end: number): string })
  .latin1Slice;

/**
 * Per byte, PLAIN when a string's scan passes it without a second look (ASCII other than a quote,
 * a backslash or a control character); `skipString` also passes bytes of 0x80 and above (STOP 0).
 */
const PLAIN = 0;
const BYTE_CLASS = Uint8Array.from({ length: 256 }, (_, c) => (c === 34 || c === 92 || c < 32 || c >= 128 ? 1 : PLAIN));
const STOP = Uint8Array.from({ length: 256 }, (_, c) => (c === 34 || c === 92 || c < 32 ? 1 : 0));

const TRUE_BYTES = [116, 114, 117, 101];
const FALSE_BYTES = [102, 97, 108, 115, 101];
const NULL_BYTES = [110, 117, 108, 108];

export class JsonBytesScanner extends ScannedFields {
  /** Per slot: the string value holds a byte of 0x80 or above (decode as UTF-8). */
  private readonly high: Uint8Array;
  /** The wanted keys as UTF-8 bytes. */
  private readonly keyBytes: Uint8Array[];
  /** The key expected at each member position (from the previous lines) and its slot (-1: unwanted). */
  private readonly order: Uint8Array[] = [];
  private readonly orderSlots: number[] = [];
  private buf: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;
  /** Set by `stringEnd`: the string held an escape / a byte of 0x80 or above. */
  private escaped = false;
  private nonAscii = false;
  /** Set by `number`: the value when the number is a plain integer of ≤ 15 digits, else NaN. */
  private numberValue = NaN;
  /** The minute of the last canonical timestamp (consecutive rows mostly share it). */
  private readonly minute: MinuteCache = { minute: -1, ms: 0 };
  /** Short strings made before, by a hash of their bytes (see `short`). */
  private readonly shorts: (string | undefined)[] = new Array<string | undefined>(SHORT_CACHE).fill(undefined);

  /** See `ScannedFields`. */
  constructor(keys: readonly string[], failOnMissing = false) {
    super(keys, failOnMissing);
    this.high = new Uint8Array(keys.length);
    this.keyBytes = keys.map((k) => Buffer.from(k, 'utf8'));
  }

  /** The record as text (UTF-8), as the string path reads it: what the fallback parses. */
  text(): string {
    return this.buf.toString('utf8', this.start, this.end);
  }

  /** Reads the record in bytes [start, end) of `buf`; false when it is not exactly one well-formed JSON object. */
  scan(buf: Buffer, start: number, end: number): boolean {
    this.buf = buf;
    this.start = start;
    this.end = end;
    const kinds = this.kinds;
    for (let k = 0; k < kinds.length; k++) kinds[k] = ABSENT;
    let i = this.ws(start);
    if (i >= end || buf[i] !== 123 /* { */) return false;
    i = this.ws(i + 1);
    if (i < end && buf[i] === 125 /* } */) return this.ws(i + 1) === end;
    const order = this.order;
    for (let m = 0; ; m++) {
      if (i >= end || buf[i] !== 34 /* " */) return false;
      let slot: number;
      let keyEnd = -1;
      const expected = m < order.length ? order[m]! : null;
      if (expected !== null) {
        const n = expected.length;
        const at = i + 1;
        let k = 0;
        while (k < n && buf[at + k] === expected[k]) k++;
        if (k === n && at + n < end && buf[at + n] === 34) keyEnd = at + n;
      }
      if (keyEnd >= 0) slot = this.orderSlots[m]!;
      else {
        keyEnd = this.stringEnd(i);
        if (keyEnd < 0) return false;
        slot = this.slotOf(i, keyEnd);
        // predict this key at this position for the next lines (a copy: the buffer is reused)
        order.length = Math.min(order.length, m);
        this.orderSlots.length = order.length;
        if (!this.escaped && !this.nonAscii && order.length === m) {
          order.push(Uint8Array.from(buf.subarray(i + 1, keyEnd)));
          this.orderSlots.push(slot);
        }
      }
      i = this.ws(keyEnd + 1);
      if (i >= end || buf[i] !== 58 /* : */) return false;
      i = this.value(this.ws(i + 1), slot);
      if (i < 0) return false;
      i = this.ws(i);
      if (i >= end) return false;
      const c = buf[i];
      if (c === 44 /* , */) {
        i = this.ws(i + 1);
        continue;
      }
      if (c === 125 /* } */) return this.ws(i + 1) === end;
      return false;
    }
  }

  private ws(i: number): number {
    const buf = this.buf;
    const end = this.end;
    while (i < end) {
      const c = buf[i];
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return i;
      i++;
    }
    return i;
  }

  /** The slot of the key whose quotes are at `open` and `close` (-1: not wanted). */
  private slotOf(open: number, close: number): number {
    const buf = this.buf;
    if (this.escaped || this.nonAscii) {
      const key = (
        this.escaped ? JSON.parse(buf.toString('utf8', open, close + 1)) : buf.toString('utf8', open + 1, close)
      ) as string;
      return this.keys.indexOf(key);
    }
    const len = close - open - 1;
    const wanted = this.keyBytes;
    for (let slot = 0; slot < wanted.length; slot++) {
      const k = wanted[slot]!;
      if (k.length !== len) continue;
      let j = 0;
      while (j < len && buf[open + 1 + j] === k[j]) j++;
      if (j === len) return slot;
    }
    return -1;
  }

  /** `i` at an opening quote: the index of the closing quote, or -1 (sets `escaped`, `nonAscii`). */
  private stringEnd(i: number): number {
    const buf = this.buf;
    const end = this.end;
    let escaped = false;
    let high = false;
    let j = i + 1;
    for (;;) {
      // plain bytes without a bound check (as in `skipString`)
      while (BYTE_CLASS[buf[j]!] === PLAIN) j++;
      if (j >= end) return -1;
      const c = buf[j]!;
      if (c === 34) break;
      if (c >= 128) {
        high = true;
        j++;
        continue;
      }
      if (c !== 92) return -1; // a control character
      escaped = true;
      const e = buf[j + 1];
      if (e === 117 /* u */) {
        if (j + 6 > end) return -1;
        for (let k = j + 2; k < j + 6; k++) if (!isHex(buf[k]!)) return -1;
        j += 6;
        continue;
      }
      if (!isShortEscape(e)) return -1;
      j += 2;
    }
    this.escaped = escaped;
    this.nonAscii = high;
    return j;
  }

  /**
   * A string no column reads at `i` (its opening quote): the index after it, or -1. The common
   * case — no escape, no control character — is one table lookup per byte; anything else takes
   * `stringEnd`.
   */
  private skipString(i: number): number {
    const buf = this.buf;
    // four bytes a step while four remain, then no bound check per byte: a record's bytes end
    // before its line's \n or \r, or the buffer's end, which stop the loop (a string still open
    // at `end` is refused below)
    let j = i + 1;
    const stop = this.end - 4;
    while (j <= stop && (STOP[buf[j]!]! | STOP[buf[j + 1]!]! | STOP[buf[j + 2]!]! | STOP[buf[j + 3]!]!) === 0) j += 4;
    while (STOP[buf[j]!] === 0) j++;
    if (j < this.end && buf[j] === 34) return j + 1;
    const close = this.stringEnd(i);
    return close < 0 ? -1 : close + 1;
  }

  /** Scans the value at `i` (recording it when `slot >= 0`); returns the index after it, or -1. */
  private value(i: number, slot: number): number {
    const buf = this.buf;
    if (i >= this.end) return -1;
    const c = buf[i]!;
    if (c === 34) {
      if (slot < 0) return this.skipString(i);
      const close = this.stringEnd(i);
      if (close < 0) return -1;
      this.record(slot, this.escaped ? ESCAPED_STRING : STRING, i + 1, close);
      this.high[slot] = this.nonAscii ? 1 : 0;
      return close + 1;
    }
    if (c === 45 || (c >= 48 && c <= 57)) {
      const after = this.number(i);
      if (after < 0) return -1;
      if (slot >= 0) {
        this.record(slot, NUMBER, i, after);
        this.ints[slot] = this.numberValue;
      }
      return after;
    }
    if (c === 116 /* t */) return this.word(i, TRUE_BYTES, slot, TRUE);
    if (c === 102 /* f */) return this.word(i, FALSE_BYTES, slot, FALSE);
    if (c === 110 /* n */) return this.word(i, NULL_BYTES, slot, NULL);
    if (c === 123 || c === 91) {
      const after = this.skipComposite(i, 0);
      if (after < 0) return -1;
      if (slot >= 0) this.record(slot, COMPOSITE, i, after);
      return after;
    }
    return -1;
  }

  private word(i: number, word: readonly number[], slot: number, kind: number): number {
    const n = word.length;
    if (i + n > this.end) return -1;
    for (let k = 1; k < n; k++) if (this.buf[i + k] !== word[k]) return -1;
    if (slot >= 0) this.record(slot, kind, i, i + n);
    return i + n;
  }

  private record(slot: number, kind: number, start: number, end: number): void {
    this.kinds[slot] = kind;
    this.starts[slot] = start;
    this.ends[slot] = end;
  }

  /** `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` at `i`; the index after it, or -1. */
  private number(i: number): number {
    const buf = this.buf;
    const end = this.end;
    let j = i;
    const negative = buf[j] === 45;
    if (negative) j++;
    let c = j < end ? buf[j]! : -1;
    let v = 0;
    const digitsStart = j;
    if (c === 48) {
      j++;
    } else if (c >= 49 && c <= 57) {
      do {
        v = v * 10 + (c - 48);
        c = ++j < end ? buf[j]! : -1;
      } while (c >= 48 && c <= 57);
    } else {
      return -1;
    }
    let plain = j - digitsStart <= 15;
    c = j < end ? buf[j]! : -1;
    if (c === 46 /* . */) {
      plain = false;
      c = ++j < end ? buf[j]! : -1;
      if (!(c >= 48 && c <= 57)) return -1;
      do c = ++j < end ? buf[j]! : -1;
      while (c >= 48 && c <= 57);
    }
    if (c === 101 || c === 69 /* e E */) {
      plain = false;
      c = ++j < end ? buf[j]! : -1;
      if (c === 43 || c === 45) c = ++j < end ? buf[j]! : -1;
      if (!(c >= 48 && c <= 57)) return -1;
      do c = ++j < end ? buf[j]! : -1;
      while (c >= 48 && c <= 57);
    }
    this.numberValue = plain ? (negative ? -v : v) : NaN;
    return j;
  }

  /** Skips an object or array at `i` (validating it); the index after it, or -1. */
  private skipComposite(i: number, depth: number): number {
    if (depth > MAX_DEPTH) return -1;
    const buf = this.buf;
    const end = this.end;
    const open = buf[i];
    const close = open === 123 ? 125 : 93;
    i = this.ws(i + 1);
    if (i < end && buf[i] === close) return i + 1;
    for (;;) {
      if (open === 123) {
        if (i >= end || buf[i] !== 34) return -1;
        const keyEnd = this.stringEnd(i);
        if (keyEnd < 0) return -1;
        i = this.ws(keyEnd + 1);
        if (i >= end || buf[i] !== 58) return -1;
        i = this.ws(i + 1);
      }
      if (i >= end) return -1;
      const c = buf[i]!;
      if (c === 123 || c === 91) i = this.skipComposite(i, depth + 1);
      else i = this.value(i, -1);
      if (i < 0) return -1;
      i = this.ws(i);
      if (i >= end) return -1;
      const d = buf[i];
      if (d === 44) {
        i = this.ws(i + 1);
        continue;
      }
      return d === close ? i + 1 : -1;
    }
  }

  // -------------------------------------------------------------------------------------------
  // How the tokens read (the conversions are ScannedFields')

  protected token(slot: number): string {
    const start = this.starts[slot]!;
    const end = this.ends[slot]!;
    if (this.high[slot] === 1 && this.kinds[slot] === STRING) return this.buf.toString('utf8', start, end);
    return end - start <= SHORT ? this.short(start, end) : latin1Slice.call(this.buf, start, end);
  }

  protected quoted(slot: number): string {
    return this.buf.toString('utf8', this.starts[slot]! - 1, this.ends[slot]! + 1);
  }

  protected decimal(slot: number): number {
    return decimalValue(this.buf, this.starts[slot]!, this.ends[slot]!);
  }

  protected canonical(slot: number): number {
    const start = this.starts[slot]!;
    return this.ends[slot]! - start === 24 ? this.canonicalTimestamp(start) : NaN;
  }

  protected composite(slot: number): string {
    return this.buf.toString('utf8', this.starts[slot]!, this.ends[slot]!);
  }

  /**
   * A short ASCII token as a string, from a direct-mapped cache of the strings made before
   * (codes, channels, names repeat line after line): a hash and a compare instead of a new string.
   */
  private short(start: number, end: number): string {
    const buf = this.buf;
    let h = end - start;
    for (let k = start; k < end; k++) h = Math.imul(h ^ buf[k]!, 16777619);
    const at = (h ^ (h >>> 15)) & (SHORT_CACHE - 1);
    const cached = this.shorts[at];
    if (cached !== undefined && cached.length === end - start) {
      let k = 0;
      while (k < cached.length && cached.charCodeAt(k) === buf[start + k]) k++;
      if (k === cached.length) return cached;
    }
    const s = latin1Slice.call(buf, start, end);
    this.shorts[at] = s;
    return s;
  }

  /**
   * `YYYY-MM-DDTHH:MM:SS.sssZ` at `i`, read from the bytes; NaN for anything else (which then
   * takes the general parser). The epoch milliseconds of the last minute are kept.
   */
  private canonicalTimestamp(i: number): number {
    const b = this.buf;
    if (b[i + 4] !== 45 || b[i + 7] !== 45 || b[i + 10] !== 84 || b[i + 13] !== 58 || b[i + 16] !== 58) return NaN;
    if (b[i + 19] !== 46 || b[i + 23] !== 90) return NaN;
    const y1 = b[i]! - 48;
    const y2 = b[i + 1]! - 48;
    const y3 = b[i + 2]! - 48;
    const y4 = b[i + 3]! - 48;
    const mo1 = b[i + 5]! - 48;
    const mo2 = b[i + 6]! - 48;
    const d1 = b[i + 8]! - 48;
    const d2 = b[i + 9]! - 48;
    const h1 = b[i + 11]! - 48;
    const h2 = b[i + 12]! - 48;
    const mi1 = b[i + 14]! - 48;
    const mi2 = b[i + 15]! - 48;
    const s1 = b[i + 17]! - 48;
    const s2 = b[i + 18]! - 48;
    const f1 = b[i + 20]! - 48;
    const f2 = b[i + 21]! - 48;
    const f3 = b[i + 22]! - 48;
    // every one a digit (`>>> 0` turns negatives into large numbers)
    if ((y1 | y2 | y3 | y4 | mo1 | mo2 | d1 | d2 | h1 | h2 | mi2 | s2 | f1 | f2 | f3) >>> 0 > 15) return NaN;
    if (y1 > 9 || y2 > 9 || y3 > 9 || y4 > 9 || mo1 > 9 || mo2 > 9 || d1 > 9 || d2 > 9 || h1 > 9 || h2 > 9) return NaN;
    if (mi1 >>> 0 > 5 || mi2 > 9 || s1 >>> 0 > 5 || s2 > 9 || f1 > 9 || f2 > 9 || f3 > 9) return NaN;
    return timestampMs(
      this.minute,
      y1 * 1000 + y2 * 100 + y3 * 10 + y4,
      mo1 * 10 + mo2,
      d1 * 10 + d2,
      h1 * 10 + h2,
      mi1 * 10 + mi2,
      s1 * 10 + s2,
      f1 * 100 + f2 * 10 + f3,
    );
  }
}

/**
 * The value of a validated JSON number in bytes [start, end): at most 15 significant digits
 * without an exponent are `digits / 10^k` (exact operands, one rounding: what `Number` gives);
 * anything else goes to `Number`.
 */
function decimalValue(b: Buffer, start: number, end: number): number {
  let i = start;
  const negative = b[i] === 45;
  if (negative) i++;
  let mantissa = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === 46) {
      fraction = 0;
      continue;
    }
    if (c < 48 || c > 57) return Number(latin1Slice.call(b, start, end));
    mantissa = mantissa * 10 + (c - 48);
    digits++;
    if (fraction >= 0) fraction++;
  }
  if (digits > 15) return Number(latin1Slice.call(b, start, end));
  const v = fraction > 0 ? mantissa / POW10[fraction]! : mantissa;
  return negative ? -v : v;
}
