/**
 * Parsers for connector (`WITH`) and job (`SET`) option values, shared by the compiler (which
 * validates every value and reports bad ones with a span) and the runtime (which receives the
 * resolved options and reads typed values). Pure functions, no compiler dependencies.
 *
 * Every parser throws `OptionValueError` with a one-line reason ("is not a duration") on bad
 * input; the compiler turns that reason into a diagnostic. All but `parseChar` (where a space
 * is a valid delimiter) ignore surrounding whitespace.
 */

export class OptionValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OptionValueError';
  }
}

const DURATION_UNITS: ReadonlyMap<string, number> = new Map([
  ...['ms', 'milli', 'millis', 'millisecond', 'milliseconds'].map((u) => [u, 1] as const),
  ...['s', 'sec', 'secs', 'second', 'seconds'].map((u) => [u, 1_000] as const),
  ...['m', 'min', 'mins', 'minute', 'minutes'].map((u) => [u, 60_000] as const),
  ...['h', 'hour', 'hours'].map((u) => [u, 3_600_000] as const),
  ...['d', 'day', 'days'].map((u) => [u, 86_400_000] as const),
]);

/**
 * A duration in milliseconds: a non-negative number and a unit, with or without a space:
 * `'500 ms'`, `'10s'`, `'1.5 s'`, `'1 min'`, `'2 minutes'`, `'1h'`, `'7 days'`. Units: ms, s, m/min,
 * h, d and their long forms (Flink's spellings). A bare number is milliseconds, as in Flink
 * (`'0'` = 0). Results must be whole milliseconds.
 */
export function parseDuration(text: string): number {
  const t = text.trim();
  const m = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)$/i.exec(t);
  if (!m) {
    if (/^-\s*\d/.test(t)) throw new OptionValueError('must not be negative');
    throw new OptionValueError('is not a duration');
  }
  const unit = m[2]!.toLowerCase();
  const factor = unit === '' ? 1 : DURATION_UNITS.get(unit);
  if (factor === undefined) throw new OptionValueError(`has an unknown time unit '${m[2]}'`);
  const ms = Number(m[1]) * factor;
  const rounded = Math.round(ms);
  if (!Number.isSafeInteger(rounded)) throw new OptionValueError('is too large a duration');
  if (Math.abs(ms - rounded) > 1e-6) throw new OptionValueError('is not a whole number of milliseconds');
  return rounded;
}

/** Formats milliseconds with the largest unit that divides them (the one duration formatter). */
export { formatDuration } from './windows/format.ts';

/** `'true'` or `'false'`, in any case (as Flink). */
export function parseBoolean(text: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === 'true') return true;
  if (t === 'false') return false;
  throw new OptionValueError("is not a boolean (expected 'true' or 'false')");
}

/**
 * A whole number in decimal (`'1000'`, `'-1'`, `'+5'`), exactly representable as a JavaScript
 * number, optionally within `[min, max]`.
 */
export function parseInteger(text: string, min?: number, max?: number): number {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) throw new OptionValueError('is not an integer');
  const n = Number(t);
  if (!Number.isSafeInteger(n)) throw new OptionValueError('is too large an integer');
  checkRange(n, min, max);
  return n === 0 ? 0 : n; // no -0
}

/** A finite decimal number (`'1.5'`, `'-3'`, `'1e3'`), optionally within `[min, max]`. */
export function parseNumber(text: string, min?: number, max?: number): number {
  const t = text.trim();
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(t)) throw new OptionValueError('is not a number');
  const n = Number(t);
  if (!Number.isFinite(n)) throw new OptionValueError('is not a finite number');
  checkRange(n, min, max);
  return n;
}

function checkRange(n: number, min: number | undefined, max: number | undefined): void {
  if (min !== undefined && n < min) {
    throw new OptionValueError(min === 0 ? 'must not be negative' : `must be at least ${min}`);
  }
  if (max !== undefined && n > max) throw new OptionValueError(`must be at most ${max}`);
}

const SIZE_UNITS: ReadonlyMap<string, number> = new Map([
  ...['', 'b', 'bytes'].map((u) => [u, 1] as const),
  ...['k', 'kb', 'kib', 'kibibytes'].map((u) => [u, 1024] as const),
  ...['m', 'mb', 'mib', 'mebibytes'].map((u) => [u, 1024 ** 2] as const),
  ...['g', 'gb', 'gib', 'gibibytes'].map((u) => [u, 1024 ** 3] as const),
  ...['t', 'tb', 'tib', 'tebibytes'].map((u) => [u, 1024 ** 4] as const),
]);

/** A size in bytes: `'512'`, `'64 kb'`, `'128mb'`, `'1 g'` (binary multiples, as Flink's MemorySize). */
export function parseSize(text: string): number {
  const m = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
  if (!m) throw new OptionValueError('is not a size (e.g. 64 mb)');
  const factor = SIZE_UNITS.get(m[2]!.toLowerCase());
  if (factor === undefined) throw new OptionValueError(`has an unknown size unit '${m[2]}'`);
  const n = Number(m[1]) * factor;
  if (!Number.isSafeInteger(n)) throw new OptionValueError('is too large a size');
  return n;
}

/**
 * A local file path: as written (trimmed), or a `file:` URI as Flink writes them
 * (`file:///data/in.jsonl`, `file://localhost/data/in.jsonl`, `file:/data/in.jsonl`) turned into
 * the path it names (percent-escapes decoded). Other schemes and remote hosts are refused: the
 * file connector reads and writes this machine's file system.
 */
export function parsePath(text: string): string {
  const t = text.trim();
  if (t === '') throw new OptionValueError('is empty');
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(t)?.[1];
  if (scheme === undefined) return t;
  if (scheme.toLowerCase() !== 'file')
    throw new OptionValueError(`is a ${scheme}: URI; the file connector reads and writes local paths only`);
  const m = /^file:(?:\/\/([^/]*))?(\/.*)$/i.exec(t);
  if (m === null)
    throw new OptionValueError("is not a file URI: write it as 'file:///absolute/path' or as a plain path");
  const host = m[1] ?? '';
  if (host !== '' && host.toLowerCase() !== 'localhost')
    throw new OptionValueError(`names host '${host}': the file connector reads and writes local paths only`);
  try {
    return decodeURIComponent(m[2]!);
  } catch {
    throw new OptionValueError('has an invalid percent-escape');
  }
}

/**
 * A list: elements separated by `;` (Flink's separator for `topic` and `key.fields`) or, when the
 * text has no `;`, by `,`. Elements are trimmed; empty text is the empty list; an empty element
 * (`'a;;b'`) is an error.
 */
export function parseList(text: string): string[] {
  const t = text.trim();
  if (t === '') return [];
  const parts = t.split(t.includes(';') ? ';' : ',').map((p) => p.trim());
  if (parts.some((p) => p === '')) throw new OptionValueError('has an empty list element');
  return parts;
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** `'host:port[,host:port...]'` (Kafka's `bootstrap.servers`); IPv6 hosts in brackets: `'[::1]:9092'`. */
export function parseHostPortList(text: string): HostPort[] {
  const items = parseList(text);
  if (items.length === 0) throw new OptionValueError('is empty (expected host:port)');
  return items.map((item) => {
    const m = /^(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?):(\d{1,5})$/i.exec(item);
    if (!m) throw new OptionValueError(`'${item}' is not host:port`);
    const port = Number(m[2]);
    if (port < 1 || port > 65535) throw new OptionValueError(`'${item}' has port ${port} outside 1-65535`);
    return { host: m[1]!, port };
  });
}

/**
 * A single character (CSV delimiters and quotes). Accepts the escapes `\t`, `\\`, `\'` and
 * `\uXXXX`, since a tab cannot be typed inside a SQL string.
 */
export function parseChar(text: string): string {
  const escapes: Record<string, string> = { '\\t': '\t', '\\\\': '\\', "\\'": "'" };
  const e = escapes[text];
  if (e !== undefined) return e;
  const u = /^\\u([0-9a-f]{4})$/i.exec(text);
  if (u) return String.fromCharCode(parseInt(u[1]!, 16));
  if ([...text].length !== 1) throw new OptionValueError('is not a single character');
  return text;
}

/** One of `allowed`, compared case-insensitively; returns the canonical spelling from `allowed`. */
export function parseEnum<T extends string>(text: string, allowed: readonly T[]): T {
  const t = text.trim().toLowerCase();
  const hit = allowed.find((a) => a.toLowerCase() === t);
  if (hit === undefined) throw new OptionValueError(`is not one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  return hit;
}

// ---------------------------------------------------------------------------------------------
// Typed reads from a resolved option map (absent key → null).

type Options = Readonly<Record<string, string>>;

export function durationOption(options: Options, key: string): number | null {
  const v = options[key];
  return v === undefined ? null : parseDuration(v);
}

export function integerOption(options: Options, key: string): number | null {
  const v = options[key];
  return v === undefined ? null : parseInteger(v);
}

export function booleanOption(options: Options, key: string): boolean | null {
  const v = options[key];
  return v === undefined ? null : parseBoolean(v);
}

export function listOption(options: Options, key: string): string[] | null {
  const v = options[key];
  return v === undefined ? null : parseList(v);
}
