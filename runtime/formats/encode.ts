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
 * the young-generation GC would copy, again and again, while they wait).
 */
export class LineBuffer {
  private buf: Buffer = Buffer.allocUnsafe(1 << 16);
  private pos = 0;

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
    this.reserve(text.length * 3 + 1);
    this.pos += this.buf.write(text, this.pos, 'utf8');
    this.buf[this.pos++] = 10;
  }

  /** The bytes written since the last `take` (a copy), and starts over. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    if (this.buf.length > 1 << 24) this.buf = Buffer.allocUnsafe(1 << 16); // a burst is not kept
    return out;
  }
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
