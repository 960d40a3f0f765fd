/**
 * Row encoders built once per sink from its schema (the per-row work is a loop over prepared
 * column encoders, no type dispatch). TIMESTAMP → ISO-8601 UTC with ms, DATE → `YYYY-MM-DD`,
 * TIME → `HH:MM:SS.mmm`, INTERVAL → ms, non-finite doubles → the strings `"NaN"`, `"Infinity"`,
 * `"-Infinity"` (JSON has no such numbers; Flink's Jackson writes them so, and the decoders read
 * them back).
 */
import type { FieldDesc, RowKind, TypeDesc } from '../types.ts';
import { csvOptions, quoteCsv, type CsvOptions } from './csv.ts';
import { parseBoolean } from '../options.ts';
import { formatDate, formatTime, formatTimestamp } from './timestamp.ts';

const DAY_MS = 86_400_000;

/** 10^f as exact doubles, for the fraction digits `LineBuffer.shortest` writes (at most 20 for |v| ≥ 1e-6). */
const MAX_FRACTION = 21;
const EXACT_POW10 = Array.from({ length: MAX_FRACTION + 1 }, (_, f) => Number(`1e${f}`));

type ToJson = (v: unknown) => unknown;

const identity: ToJson = (v) => v;
const finite: ToJson = (v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);

/** A converter from a run-time value of `type` to a JSON-ready value (null stays null). */
export function toJsonValue(type: TypeDesc): ToJson {
  switch (type.kind) {
    case 'TIMESTAMP':
      return (v) => (v === null ? null : formatTimestamp(v as number));
    case 'DATE':
      return (v) => (v === null ? null : formatDate(v as number));
    case 'TIME':
      return (v) => (v === null ? null : formatTime(v as number));
    case 'DOUBLE':
    case 'DECIMAL':
      return finite;
    case 'ARRAY': {
      const el = toJsonValue(type.element ?? { kind: 'STRING' });
      if (el === identity) return identity;
      return (v) => (v === null ? null : (v as unknown[]).map(el));
    }
    case 'MAP': {
      const val = toJsonValue(type.value ?? { kind: 'STRING' });
      if (val === identity) return identity;
      return (v) => {
        if (v === null) return null;
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = val(x);
        return out;
      };
    }
    case 'ROW': {
      const conv = jsonObjectConverter(type.fields ?? []);
      return (v) => (v === null ? null : conv(v as Record<string, unknown>));
    }
    default:
      return identity;
  }
}

/** Row → JSON-ready object with the schema's fields in order (absent fields become null). */
export function jsonObjectConverter(
  schema: readonly FieldDesc[],
): (row: Record<string, unknown>) => Record<string, unknown> {
  const names = schema.map((f) => f.name);
  const convs = schema.map((f) => toJsonValue(f.type));
  return (row) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) {
      const v = row[names[i]!];
      out[names[i]!] = v === undefined || v === null ? null : convs[i]!(v);
    }
    return out;
  };
}

export interface JsonWriteOptions {
  /** `json.timestamp-format.standard = 'SQL'`: `2025-04-21 14:08:35.000` instead of ISO-8601. */
  readonly sqlTimestamps: boolean;
  /** `json.encode.ignore-null-fields`: leave NULL fields out. */
  readonly ignoreNullFields: boolean;
}

export function jsonWriteOptions(options: Readonly<Record<string, string>>): JsonWriteOptions {
  const o = (k: string): string | undefined => options[k] ?? options[`value.${k}`];
  const std = o('json.timestamp-format.standard');
  const ignore = o('json.encode.ignore-null-fields');
  return {
    sqlTimestamps: std !== undefined && std.toUpperCase() === 'SQL',
    ignoreNullFields: ignore !== undefined && parseBoolean(ignore),
  };
}

const DEFAULT_JSON: JsonWriteOptions = { sqlTimestamps: false, ignoreNullFields: false };

/** Row → one JSON line (no trailing newline), fields in schema order. */
export function jsonLineEncoder(
  schema: readonly FieldDesc[],
  options: JsonWriteOptions = DEFAULT_JSON,
): (row: Record<string, unknown>) => string {
  const names = schema.map((f) => f.name);
  const keys = schema.map((f) => JSON.stringify(f.name) + ':');
  const convs = schema.map((f) =>
    options.sqlTimestamps && f.type.kind === 'TIMESTAMP'
      ? (v: unknown) =>
          formatTimestamp(v as number)
            .slice(0, 23)
            .replace('T', ' ')
      : toJsonValue(f.type),
  );
  const plain = schema.map(
    (f) => f.type.kind === 'STRING' || f.type.kind === 'BIGINT' || f.type.kind === 'INT' || f.type.kind === 'BOOLEAN',
  );
  // ISO timestamps need no escaping: quoted as they are, without JSON.stringify
  const iso = schema.map((f) => f.type.kind === 'TIMESTAMP' && !options.sqlTimestamps);
  const skipNull = options.ignoreNullFields;
  return (row) => {
    let s = '{';
    let first = true;
    for (let i = 0; i < names.length; i++) {
      const v = row[names[i]!];
      if (skipNull && (v === null || v === undefined)) continue;
      s += first ? keys[i] : ',' + keys[i];
      first = false;
      if (v === null || v === undefined) s += 'null';
      else if (plain[i]) s += typeof v === 'string' ? JSON.stringify(v) : String(v);
      else if (iso[i]) s += '"' + formatTimestamp(v as number) + '"';
      else s += JSON.stringify(convs[i]!(v));
    }
    return s + '}';
  };
}

/**
 * Encoded output collected as bytes: lines are written into one growing buffer as they are
 * encoded, so a batch's output is not held as thousands of strings until it is written (which
 * the young-generation GC would copy, again and again, while they wait). `jsonLineWriter` writes
 * JSON lines straight into it, without a string per row.
 */
export class LineBuffer {
  private buf: Buffer = Buffer.allocUnsafe(1 << 16);
  private pos = 0;
  /** The epoch day and `"YYYY-MM-DDT` bytes of the last timestamp written (most share it). */
  private day = NaN;
  private readonly datePrefix = Buffer.alloc(12);
  /** The last two timestamps written (`isoTimestamp`), their 26 bytes each, and the slot to replace next. */
  private readonly recent = [NaN, NaN];
  private readonly recentBytes = Buffer.alloc(52);
  private nextRecent = 0;
  /** The 15 digits `shortest` writes from. */
  private readonly digits = new Uint8Array(15);

  get length(): number {
    return this.pos;
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Appends `text` as UTF-8, then a newline. */
  line(text: string): void {
    this.text(text);
    this.buf[this.pos++] = 10;
  }

  /** Appends `text` as UTF-8 (reserving a byte more, for a newline). */
  text(text: string): void {
    this.reserve(text.length * 3 + 1);
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  /** Appends `text`, known to be ASCII. */
  ascii(text: string): void {
    const n = text.length;
    this.reserve(n + 1);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) buf[pos++] = text.charCodeAt(i);
    this.pos = pos;
  }

  bytes(b: Uint8Array): void {
    const n = b.length;
    this.reserve(n + 1);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) buf[pos++] = b[i]!;
    this.pos = pos;
  }

  /**
   * A number as `String(v)` writes it, without making the string when it is plain: integers of
   * up to 31 bits digit by digit, other numbers of 15 significant digits or fewer in fixed
   * notation (prices, `price * 0.908`) by `shortest`; anything else through `String`.
   */
  number(v: number): void {
    if (!(v === (v | 0))) {
      if (!this.shortest(v)) this.ascii(String(v));
      return;
    }
    this.reserve(12);
    const buf = this.buf;
    let pos = this.pos;
    let n = v | 0;
    if (n < 0) {
      buf[pos++] = 45;
      if (n === -2147483648) {
        this.pos = pos;
        this.ascii('2147483648');
        return;
      }
      n = -n;
    }
    let digits = 1;
    for (let x = n; x >= 10; x = (x / 10) | 0) digits++;
    let k = pos + digits;
    this.pos = k;
    while (n >= 10) {
      const q = (n / 10) | 0;
      buf[--k] = 48 + n - q * 10;
      n = q;
    }
    buf[--k] = 48 + n;
  }

  /**
   * Writes `v` as `String(v)` does when its shortest round-trip decimal has at most 15 significant
   * digits and `String` writes it in fixed notation (1e-6 ≤ |v| < 1e15); false (nothing written)
   * otherwise. With f fraction digits such that |v|·10^f has 15 integer digits, the only 15-digit
   * decimal that can read back as v is m = round(|v|·10^f) (such a decimal lies within half an ulp
   * of v), and m / 10^f — both exact, one rounding — is the double that decimal reads as. Two
   * decimals of ≤ 15 significant digits never read as the same double (10^15 < 2^53), so when m
   * reads back as v, every shorter decimal that does is m without trailing zeros: that is
   * `String`'s shortest, with no tie for it to break differently.
   */
  private shortest(v: number): boolean {
    const a = v < 0 ? -v : v;
    if (!(a >= 1e-6 && a < 1e15)) return false;
    let f = 14 - Math.floor(Math.log10(a));
    if (f < 0) f = 0;
    let m = Math.round(a * EXACT_POW10[f]!);
    // log10 may be one off next to a power of ten
    if (m >= 1e15 && f > 0) m = Math.round(a * EXACT_POW10[--f]!);
    else if (m < 1e14 && f < MAX_FRACTION) m = Math.round(a * EXACT_POW10[++f]!);
    if (m < 1e14 || m >= 1e15 || m / EXACT_POW10[f]! !== a) return false;
    // the 15 digits as 7 + 8 in int32 arithmetic
    const hi = Math.floor(m / 1e8);
    const lo = m - hi * 1e8;
    const d = this.digits;
    let x = hi | 0;
    for (let k = 6; k >= 0; k--) {
      const q = (x / 10) | 0;
      d[k] = 48 + x - q * 10;
      x = q;
    }
    x = lo | 0;
    for (let k = 14; k >= 7; k--) {
      const q = (x / 10) | 0;
      d[k] = 48 + x - q * 10;
      x = q;
    }
    // the last digit written: trailing zeros of the fraction dropped
    let last = 15;
    while (last > 15 - f && d[last - 1] === 48) last--;
    const whole = 15 - f; // digits before the point (≤ 0: "0." and zeros first)
    this.reserve(24);
    const buf = this.buf;
    let pos = this.pos;
    if (v < 0) buf[pos++] = 45;
    if (whole > 0) {
      for (let k = 0; k < whole; k++) buf[pos++] = d[k]!;
      if (last > whole) {
        buf[pos++] = 46;
        for (let k = whole; k < last; k++) buf[pos++] = d[k]!;
      }
    } else {
      buf[pos++] = 48;
      buf[pos++] = 46;
      for (let k = whole; k < 0; k++) buf[pos++] = 48;
      for (let k = 0; k < last; k++) buf[pos++] = d[k]!;
    }
    this.pos = pos;
    return true;
  }

  /** Ends a line. */
  newline(): void {
    this.reserve(1);
    this.buf[this.pos++] = 10;
  }

  /** `s` as a JSON string: printable ASCII byte by byte, anything else through JSON.stringify. */
  jsonString(s: string): void {
    const n = s.length;
    this.reserve(n + 3);
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    buf[pos++] = 34;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 32 || c === 34 || c === 92 || c > 126) {
        this.pos = start;
        this.text(JSON.stringify(s));
        return;
      }
      buf[pos++] = c;
    }
    buf[pos++] = 34;
    this.pos = pos;
  }

  /**
   * Epoch ms as a quoted ISO-8601 UTC timestamp with ms (as `formatTimestamp` writes it). The
   * last two written are kept as bytes: the rows a window emits share their window bounds.
   */
  isoTimestamp(ms: number): void {
    const slot = ms === this.recent[0] ? 0 : ms === this.recent[1] ? 1 : -1;
    if (slot >= 0) {
      this.reserve(26);
      const buf = this.buf;
      const pos = this.pos;
      const from = this.recentBytes;
      for (let i = 0, j = slot * 26; i < 26; i++, j++) buf[pos + i] = from[j]!;
      this.pos = pos + 26;
      return;
    }
    const start = this.pos;
    this.formatIso(ms);
    if (this.pos - start === 26) {
      const to = this.recentBytes;
      const next = this.nextRecent;
      this.recent[next] = ms;
      for (let i = 0, j = next * 26; i < 26; i++, j++) to[j] = this.buf[start + i]!;
      this.nextRecent = 1 - next;
    }
  }

  private formatIso(ms: number): void {
    const day = Math.floor(ms / DAY_MS);
    if (day !== this.day || !Number.isInteger(ms)) {
      const text = formatTimestamp(ms);
      if (text.length !== 24 || text.charCodeAt(10) !== 84 || !Number.isInteger(ms)) {
        this.ascii(`"${text}"`); // years outside 0000-9999, or a fraction of a ms
        return;
      }
      this.day = day;
      this.datePrefix[0] = 34;
      for (let i = 0; i < 11; i++) this.datePrefix[i + 1] = text.charCodeAt(i);
    }
    this.reserve(27);
    const buf = this.buf;
    let pos = this.pos;
    const p = this.datePrefix;
    for (let i = 0; i < 12; i++) buf[pos++] = p[i]!;
    let r = ms - day * DAY_MS;
    const h = (r / 3_600_000) | 0;
    r -= h * 3_600_000;
    const m = (r / 60_000) | 0;
    r -= m * 60_000;
    const sec = (r / 1000) | 0;
    r -= sec * 1000;
    buf[pos++] = 48 + ((h / 10) | 0);
    buf[pos++] = 48 + (h % 10);
    buf[pos++] = 58;
    buf[pos++] = 48 + ((m / 10) | 0);
    buf[pos++] = 48 + (m % 10);
    buf[pos++] = 58;
    buf[pos++] = 48 + ((sec / 10) | 0);
    buf[pos++] = 48 + (sec % 10);
    buf[pos++] = 46;
    buf[pos++] = 48 + ((r / 100) | 0);
    buf[pos++] = 48 + (((r / 10) | 0) % 10);
    buf[pos++] = 48 + (r % 10);
    buf[pos++] = 90;
    buf[pos++] = 34;
    this.pos = pos;
  }

  /** The bytes written since the last `take`, and starts over in a new buffer (no copy). */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    // the next batch likely writes as much (a burst beyond 16 MiB is not kept)
    this.buf = Buffer.allocUnsafeSlow(Math.min(this.buf.length, 1 << 24));
    this.pos = 0;
    return out;
  }
}

/**
 * Row → one JSON line written into `out` (with its newline): the bytes `jsonLineEncoder` gives,
 * without building the line as a string.
 */
export function jsonLineWriter(
  schema: readonly FieldDesc[],
  options: JsonWriteOptions = DEFAULT_JSON,
): (row: Record<string, unknown>, out: LineBuffer) => void {
  const names = schema.map((f) => f.name);
  const line = jsonLineEncoder(schema, options);
  // `{"name":` for the first field, `,"name":` after it
  const keys = schema.map((f) => [
    Buffer.from('{' + JSON.stringify(f.name) + ':'),
    Buffer.from(',' + JSON.stringify(f.name) + ':'),
  ]);
  const STRING = 1;
  const NUMBER = 2;
  const ISO = 3;
  const DOUBLE = 4;
  const how = schema.map((f) => {
    const k = f.type.kind;
    if (k === 'STRING') return STRING;
    if (k === 'BIGINT' || k === 'INT' || k === 'BOOLEAN') return NUMBER;
    if (k === 'DOUBLE' || k === 'DECIMAL') return DOUBLE;
    return k === 'TIMESTAMP' && !options.sqlTimestamps ? ISO : 0;
  });
  // other types (nested values, dates, SQL timestamps; NULL fields left out): the string encoder
  if (how.includes(0) || options.ignoreNullFields || names.length === 0) return (row, out) => out.line(line(row));
  const NULL = Buffer.from('null');
  return (row, out) => {
    for (let i = 0; i < names.length; i++) {
      out.bytes(keys[i]![i === 0 ? 0 : 1]!);
      const v = row[names[i]!];
      if (v === null || v === undefined) out.bytes(NULL);
      else if (typeof v === 'string') out.jsonString(v);
      else if (how[i] === ISO) out.isoTimestamp(v as number);
      else if (typeof v !== 'number') out.ascii(String(v));
      else if (how[i] === DOUBLE && !Number.isFinite(v)) out.jsonString(String(v));
      else out.number(v);
    }
    out.ascii('}\n');
  };
}

/** A value as plain text (CSV cells, print): ISO timestamps, JSON for nested values. */
export function textConverter(type: TypeDesc, nullText: string): (v: unknown) => string {
  const json = toJsonValue(type);
  switch (type.kind) {
    case 'ARRAY':
    case 'MAP':
    case 'ROW':
      return (v) => (v === null || v === undefined ? nullText : JSON.stringify(json(v)));
    default:
      return (v) => (v === null || v === undefined ? nullText : String(json(v)));
  }
}

export { csvOptions, type CsvOptions };

/** Row → one CSV line (NULL → `csv.null-literal`, default empty); `csvHeader` gives the header. */
export function csvLineEncoder(schema: readonly FieldDesc[], o: CsvOptions): (row: Record<string, unknown>) => string {
  const names = schema.map((f) => f.name);
  const convs = schema.map((f) => textConverter(f.type, o.nullLiteral ?? ''));
  const quote = schema.map(
    (f) => f.type.kind !== 'INT' && f.type.kind !== 'BIGINT' && f.type.kind !== 'DOUBLE' && f.type.kind !== 'BOOLEAN',
  );
  const d = o.delimiter;
  return (row) => {
    let s = '';
    for (let i = 0; i < names.length; i++) {
      if (i > 0) s += d;
      const v = row[names[i]!];
      const t = convs[i]!(v);
      // an empty string must be quoted, or it would read back as NULL
      s += quote[i] ? (t === '' && v === '' && o.quote !== null ? o.quote + o.quote : quoteCsv(t, d, o.quote)) : t;
    }
    return s;
  };
}

export function csvHeader(schema: readonly FieldDesc[], o: CsvOptions): string {
  return schema.map((f) => quoteCsv(f.name, o.delimiter, o.quote)).join(o.delimiter);
}

/** Row → Flink-style changelog text: `+I[2025-04-21T14:00:00.000Z, home, 3]`. */
export function changelogEncoder(
  schema: readonly FieldDesc[],
): (row: Record<string, unknown>, kind: RowKind) => string {
  const names = schema.map((f) => f.name);
  const convs = schema.map((f) => textConverter(f.type, 'NULL'));
  return (row, kind) => {
    let s = kind + '[';
    for (let i = 0; i < names.length; i++) {
      if (i > 0) s += ', ';
      s += convs[i]!(row[names[i]!]);
    }
    return s + ']';
  };
}

/**
 * `changelog-json`: a JSON line with the row's kind first, in the field `opField`
 * (`{"op":"+U","page":"/cart","n":3}`).
 */
export function changelogJsonLineEncoder(
  schema: readonly FieldDesc[],
  opField: string,
  options: JsonWriteOptions = DEFAULT_JSON,
): (row: Record<string, unknown>, kind: RowKind) => string {
  const line = jsonLineEncoder(schema, options);
  const prefix = `{${JSON.stringify(opField)}:`;
  const ops: Record<RowKind, string> = { '+I': '"+I"', '-U': '"-U"', '+U': '"+U"', '-D': '"-D"' };
  return (row, kind) => {
    const body = line(row);
    return prefix + ops[kind] + (body.length > 2 ? ',' + body.slice(1) : '}');
  };
}
