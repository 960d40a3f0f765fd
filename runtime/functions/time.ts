/**
 * Time values at run time are numbers (see compiler/types.ts): TIMESTAMP = epoch milliseconds
 * (UTC), DATE = days since 1970-01-01, TIME = milliseconds since midnight, INTERVAL =
 * milliseconds. The session time zone is UTC: a timestamp without a zone is read as UTC and
 * every formatted timestamp is UTC.
 *
 * Calendar arithmetic uses the proleptic Gregorian calendar via Howard Hinnant's
 * `days_from_civil` / `civil_from_days`, which is exact for every year and avoids `Date`
 * objects on the hot path.
 */

export const MS_PER_SECOND = 1_000;
export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1–12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

export interface CivilDate {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
}

/** The calendar date of a day number (days since 1970-01-01). */
export function civilFromDays(days: number): CivilDate {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : MONTH_DAYS[month - 1]!;
}

// ---------------------------------------------------------------------------------------------
// Parsing

/** Reads `n` ASCII digits at `pos`; -1 when any is not a digit. */
function digits(s: string, pos: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(pos + i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Parses an ISO-8601 / SQL timestamp: `YYYY-MM-DD`, optionally followed by `T` or a space and
 * `HH:MM[:SS[.fraction]]`, optionally followed by `Z` or an offset `±HH[:MM]`/`±HHMM`. No zone
 * means UTC. Fractions beyond milliseconds are truncated. Surrounding whitespace is allowed.
 * Returns epoch milliseconds, or null when the text is not such a timestamp.
 */
export function parseTimestamp(text: string): number | null {
  let s = text;
  if (s.charCodeAt(0) <= 32 || s.charCodeAt(s.length - 1) <= 32) s = s.trim();
  const len = s.length;
  if (len < 10 || s.charCodeAt(4) !== 45 /* - */ || s.charCodeAt(7) !== 45) return null;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  let ms = daysFromCivil(year, month, day) * MS_PER_DAY;
  if (len === 10) return ms;
  const sep = s.charCodeAt(10);
  if (sep !== 84 /* T */ && sep !== 32 && sep !== 116 /* t */) return null;
  if (len < 16 || s.charCodeAt(13) !== 58 /* : */) return null;
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return null;
  ms += hour * MS_PER_HOUR + minute * MS_PER_MINUTE;
  let pos = 16;
  if (pos < len && s.charCodeAt(pos) === 58) {
    const second = digits(s, pos + 1, 2);
    if (second < 0 || second > 59) return null;
    ms += second * MS_PER_SECOND;
    pos += 3;
    if (pos < len && s.charCodeAt(pos) === 46 /* . */) {
      pos++;
      const start = pos;
      let frac = 0;
      while (pos < len) {
        const c = s.charCodeAt(pos) - 48;
        if (c < 0 || c > 9) break;
        if (pos - start < 3) frac = frac * 10 + c;
        pos++;
      }
      const n = pos - start;
      if (n === 0) return null;
      if (n === 1) frac *= 100;
      else if (n === 2) frac *= 10;
      ms += frac;
    }
  }
  if (pos === len) return ms;
  const z = s.charCodeAt(pos);
  if ((z === 90 /* Z */ || z === 122) && pos + 1 === len) return ms;
  if (z !== 43 /* + */ && z !== 45 /* - */) return null;
  const offHour = digits(s, pos + 1, 2);
  if (offHour < 0) return null;
  let offMinute = 0;
  let end = pos + 3;
  if (end < len) {
    if (s.charCodeAt(end) === 58) end++;
    offMinute = digits(s, end, 2);
    if (offMinute < 0) return null;
    end += 2;
  }
  if (end !== len || offHour > 18 || offMinute > 59) return null;
  const offset = offHour * MS_PER_HOUR + offMinute * MS_PER_MINUTE;
  return z === 43 ? ms - offset : ms + offset;
}

/** Parses `YYYY-MM-DD` (or a timestamp, whose date part is taken) to epoch days, or null. */
export function parseDate(text: string): number | null {
  const ms = parseTimestamp(text);
  return ms === null ? null : Math.floor(ms / MS_PER_DAY);
}

/** Parses `HH:MM[:SS[.fff]]` to milliseconds since midnight, or null. */
export function parseTime(text: string): number | null {
  const ms = parseTimestamp(`1970-01-01 ${text.trim()}`);
  return ms === null || ms >= MS_PER_DAY ? null : ms;
}

// ---------------------------------------------------------------------------------------------
// Formatting

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function pad3(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n);
}

function padYear(y: number): string {
  if (y >= 1000 && y <= 9999) return String(y);
  const sign = y < 0 ? '-' : '';
  return sign + String(Math.abs(y)).padStart(4, '0');
}

/** `YYYY-MM-DD` of an epoch-day number. */
export function formatDate(days: number): string {
  const d = civilFromDays(days);
  return `${padYear(d.year)}-${pad2(d.month)}-${pad2(d.day)}`;
}

/** `HH:MM:SS` plus `.fff` when `millis` is set, of a time of day in milliseconds. */
export function formatTime(msOfDay: number, millis = false): string {
  const h = Math.floor(msOfDay / MS_PER_HOUR);
  const m = Math.floor((msOfDay % MS_PER_HOUR) / MS_PER_MINUTE);
  const s = Math.floor((msOfDay % MS_PER_MINUTE) / MS_PER_SECOND);
  const base = `${pad2(h)}:${pad2(m)}:${pad2(s)}`;
  return millis ? `${base}.${pad3(msOfDay % MS_PER_SECOND)}` : base;
}

/** ISO-8601 UTC with milliseconds, the JSON output form: `2025-04-21T14:08:35.000Z`. */
export function formatTimestampIso(ms: number): string {
  const days = Math.floor(ms / MS_PER_DAY);
  return `${formatDate(days)}T${formatTime(ms - days * MS_PER_DAY, true)}Z`;
}

/**
 * The SQL form used by `CAST(ts AS STRING)` and CSV output: `2025-04-21 14:08:35.123`
 * (precision 3) or `2025-04-21 14:08:35` (precision 0).
 */
export function formatTimestampSql(ms: number, precision = 3): string {
  const days = Math.floor(ms / MS_PER_DAY);
  return `${formatDate(days)} ${formatTime(ms - days * MS_PER_DAY, precision > 0)}`;
}

// ---------------------------------------------------------------------------------------------
// Java-style date patterns (DATE_FORMAT, TO_TIMESTAMP, FROM_UNIXTIME, UNIX_TIMESTAMP)

type PatternPart = { readonly literal: string } | { readonly letter: string; readonly width: number };

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const PATTERN_LETTERS = 'GyYuMLdDEaHhKkmsSnwWuQXxZz';

/**
 * Splits a `java.time` / `SimpleDateFormat` pattern (`yyyy-MM-dd HH:mm:ss.SSS`) into letter runs
 * and literals; text in single quotes is literal and `''` is a quote.
 */
export function parsePattern(pattern: string): PatternPart[] {
  const parts: PatternPart[] = [];
  let literal = '';
  for (let i = 0; i < pattern.length;) {
    const c = pattern[i]!;
    if (c === "'") {
      if (pattern[i + 1] === "'") {
        literal += "'";
        i += 2;
        continue;
      }
      const close = pattern.indexOf("'", i + 1);
      const end = close < 0 ? pattern.length : close;
      literal += pattern.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      if (!PATTERN_LETTERS.includes(c)) throw new Error(`unknown pattern letter "${c}" in date format "${pattern}"`);
      let j = i;
      while (pattern[j] === c) j++;
      if (literal) parts.push({ literal });
      literal = '';
      parts.push({ letter: c, width: j - i });
      i = j;
      continue;
    }
    literal += c;
    i++;
  }
  if (literal) parts.push({ literal });
  return parts;
}

/** Broken-down UTC fields of a timestamp. */
interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  milli: number;
  /** 1 = Monday … 7 = Sunday (ISO). */
  dayOfWeek: number;
  dayOfYear: number;
}

function fieldsOf(ms: number): Fields {
  const days = Math.floor(ms / MS_PER_DAY);
  const t = ms - days * MS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  return {
    year,
    month,
    day,
    hour: Math.floor(t / MS_PER_HOUR),
    minute: Math.floor((t % MS_PER_HOUR) / MS_PER_MINUTE),
    second: Math.floor((t % MS_PER_MINUTE) / MS_PER_SECOND),
    milli: t % MS_PER_SECOND,
    dayOfWeek: ((((days + 3) % 7) + 7) % 7) + 1,
    dayOfYear: days - daysFromCivil(year, 1, 1) + 1,
  };
}

function num(n: number, width: number): string {
  const s = String(Math.abs(n));
  return (n < 0 ? '-' : '') + (s.length >= width ? s : '0'.repeat(width - s.length) + s);
}

function formatPart(letter: string, width: number, f: Fields): string {
  switch (letter) {
    case 'y':
    case 'u':
    case 'Y':
      return width === 2 ? num(((f.year % 100) + 100) % 100, 2) : num(f.year, width);
    case 'M':
    case 'L':
      if (width >= 4) return MONTH_NAMES[f.month - 1]!;
      if (width === 3) return MONTH_NAMES[f.month - 1]!.slice(0, 3);
      return num(f.month, width);
    case 'd':
      return num(f.day, width);
    case 'D':
      return num(f.dayOfYear, width);
    case 'E':
      return width >= 4 ? DAY_NAMES[f.dayOfWeek - 1]! : DAY_NAMES[f.dayOfWeek - 1]!.slice(0, 3);
    case 'a':
      return f.hour < 12 ? 'AM' : 'PM';
    case 'H':
      return num(f.hour, width);
    case 'k':
      return num(f.hour === 0 ? 24 : f.hour, width);
    case 'h':
      return num(f.hour % 12 === 0 ? 12 : f.hour % 12, width);
    case 'K':
      return num(f.hour % 12, width);
    case 'm':
      return num(f.minute, width);
    case 's':
      return num(f.second, width);
    case 'S':
      // Fraction of a second: the first `width` digits of the nine-digit nanosecond fraction.
      return (pad3(f.milli) + '000000').slice(0, width);
    case 'Q':
      return num(Math.floor((f.month - 1) / 3) + 1, width);
    case 'X':
      return 'Z';
    case 'x':
    case 'Z':
      return width >= 4 ? '+00:00' : '+0000';
    case 'z':
      return 'UTC';
    case 'G':
      return f.year > 0 ? 'AD' : 'BC';
    default:
      throw new Error(`pattern letter "${letter}" is not supported in DATE_FORMAT`);
  }
}

/** Compiles a Java-style pattern into a formatter of epoch milliseconds (UTC). */
export function dateFormatter(pattern: string): (ms: number) => string {
  const parts = parsePattern(pattern);
  return (ms) => {
    const f = fieldsOf(ms);
    let out = '';
    for (const p of parts) out += 'literal' in p ? p.literal : formatPart(p.letter, p.width, f);
    return out;
  };
}

/**
 * Compiles a Java-style pattern into a parser to epoch milliseconds (UTC); the parser returns
 * null when the text does not match. Numeric fields take exactly `width` digits when the next
 * part is another number (`yyyyMMdd`), otherwise as many as are there.
 */
export function timestampParser(pattern: string): (text: string) => number | null {
  const parts = parsePattern(pattern);
  return (text) => {
    let year = 1970;
    let month = 1;
    let day = 1;
    let hour = 0;
    let minute = 0;
    let second = 0;
    let milli = 0;
    let pm: boolean | null = null;
    let offsetMs = 0;
    let pos = 0;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if ('literal' in p) {
        if (!text.startsWith(p.literal, pos)) return null;
        pos += p.literal.length;
        continue;
      }
      const { letter, width } = p;
      if (letter === 'M' && width >= 3) {
        const idx = MONTH_NAMES.findIndex((m) => text.startsWith(width === 3 ? m.slice(0, 3) : m, pos));
        if (idx < 0) return null;
        month = idx + 1;
        pos += width === 3 ? 3 : MONTH_NAMES[idx]!.length;
        continue;
      }
      if (letter === 'E') {
        const idx = DAY_NAMES.findIndex((d) => text.startsWith(width >= 4 ? d : d.slice(0, 3), pos));
        if (idx < 0) return null;
        pos += width >= 4 ? DAY_NAMES[idx]!.length : 3;
        continue;
      }
      if (letter === 'a') {
        const ap = text.slice(pos, pos + 2).toUpperCase();
        if (ap !== 'AM' && ap !== 'PM') return null;
        pm = ap === 'PM';
        pos += 2;
        continue;
      }
      if (letter === 'X' || letter === 'Z' || letter === 'x') {
        const c = text[pos];
        if (c === 'Z') {
          pos++;
          continue;
        }
        const m = /^([+-])(\d\d):?(\d\d)?/.exec(text.slice(pos));
        if (!m) return null;
        offsetMs = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * MS_PER_HOUR + Number(m[3] ?? 0) * MS_PER_MINUTE);
        pos += m[0].length;
        continue;
      }
      const next = parts[i + 1];
      const fixed = next !== undefined && !('literal' in next);
      const start = pos;
      let v = 0;
      while (pos < text.length && (!fixed || pos - start < width)) {
        const c = text.charCodeAt(pos) - 48;
        if (c < 0 || c > 9) break;
        v = v * 10 + c;
        pos++;
      }
      const n = pos - start;
      if (n === 0 || (fixed && n !== width)) return null;
      switch (letter) {
        case 'y':
        case 'u':
        case 'Y':
          year = width === 2 && n === 2 ? 2000 + v : v;
          break;
        case 'M':
        case 'L':
          month = v;
          break;
        case 'd':
          day = v;
          break;
        case 'H':
        case 'k':
          hour = letter === 'k' && v === 24 ? 0 : v;
          break;
        case 'h':
        case 'K':
          hour = v % 12;
          break;
        case 'm':
          minute = v;
          break;
        case 's':
          second = v;
          break;
        case 'S':
          milli = n >= 3 ? Number(text.slice(start, start + 3)) : v * (n === 1 ? 100 : 10);
          break;
        default:
          return null;
      }
    }
    if (pos !== text.length) return null;
    if (pm !== null) hour = (hour % 12) + (pm ? 12 : 0);
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
    if (hour > 23 || minute > 59 || second > 59) return null;
    return (
      daysFromCivil(year, month, day) * MS_PER_DAY +
      hour * MS_PER_HOUR +
      minute * MS_PER_MINUTE +
      second * MS_PER_SECOND +
      milli -
      offsetMs
    );
  };
}

const formatterCache = new Map<string, (ms: number) => string>();
const parserCache = new Map<string, (text: string) => number | null>();

/** `DATE_FORMAT(ts, fmt)` with a format that is not a literal (literal formats are hoisted). */
export function dateFormat(ms: number, pattern: string): string {
  let f = formatterCache.get(pattern);
  if (!f) formatterCache.set(pattern, (f = dateFormatter(pattern)));
  return f(ms);
}

/** The default pattern of TO_TIMESTAMP, UNIX_TIMESTAMP and FROM_UNIXTIME. */
export const DEFAULT_TIMESTAMP_PATTERN = 'yyyy-MM-dd HH:mm:ss';

/**
 * `TO_TIMESTAMP(text[, fmt])`: NULL when the text does not parse (as Flink). Without a format,
 * any form `parseTimestamp` accepts (the default `yyyy-MM-dd HH:mm:ss` is one of them).
 */
export function toTimestamp(text: string, pattern?: string): number | null {
  if (pattern === undefined) return parseTimestamp(text);
  let p = parserCache.get(pattern);
  if (!p) parserCache.set(pattern, (p = timestampParser(pattern)));
  return p(text);
}

// ---------------------------------------------------------------------------------------------
// Units: EXTRACT, TIMESTAMPDIFF, TIMESTAMPADD, DATE_TRUNC

/**
 * `EXTRACT(unit FROM ts)`. Units: MILLENNIUM, CENTURY, DECADE, YEAR, QUARTER, MONTH, WEEK (ISO
 * week of year), DAY, DOY, DOW (1 = Sunday … 7 = Saturday, as Flink), ISODOW (1 = Monday),
 * HOUR, MINUTE, SECOND, MILLISECOND, EPOCH (seconds).
 */
export function extract(unit: string, ms: number): number {
  const f = fieldsOf(ms);
  switch (unit.toUpperCase()) {
    case 'MILLENNIUM':
      return Math.floor((f.year - 1) / 1000) + 1;
    case 'CENTURY':
      return Math.floor((f.year - 1) / 100) + 1;
    case 'DECADE':
      return Math.floor(f.year / 10);
    case 'YEAR':
      return f.year;
    case 'QUARTER':
      return Math.floor((f.month - 1) / 3) + 1;
    case 'MONTH':
      return f.month;
    case 'WEEK':
      return isoWeek(ms);
    case 'DAY':
    case 'DAYOFMONTH':
      return f.day;
    case 'DOY':
    case 'DAYOFYEAR':
      return f.dayOfYear;
    case 'DOW':
    case 'DAYOFWEEK':
      return (f.dayOfWeek % 7) + 1;
    case 'ISODOW':
      return f.dayOfWeek;
    case 'HOUR':
      return f.hour;
    case 'MINUTE':
      return f.minute;
    case 'SECOND':
      return f.second;
    case 'MILLISECOND':
      return f.second * 1000 + f.milli;
    case 'EPOCH':
      return Math.floor(ms / MS_PER_SECOND);
    default:
      throw new Error(`EXTRACT: unknown unit "${unit}"`);
  }
}

/** ISO-8601 week number (weeks start on Monday; week 1 holds the year's first Thursday). */
function isoWeek(ms: number): number {
  const days = Math.floor(ms / MS_PER_DAY);
  const dow = ((((days + 3) % 7) + 7) % 7) + 1;
  const thursday = days - dow + 4;
  const { year } = civilFromDays(thursday);
  return Math.floor((thursday - daysFromCivil(year, 1, 1)) / 7) + 1;
}

const FIXED_UNITS: Readonly<Record<string, number>> = {
  MILLISECOND: 1,
  SECOND: MS_PER_SECOND,
  MINUTE: MS_PER_MINUTE,
  HOUR: MS_PER_HOUR,
  DAY: MS_PER_DAY,
  WEEK: 7 * MS_PER_DAY,
};

const MONTH_UNITS: Readonly<Record<string, number>> = { MONTH: 1, QUARTER: 3, YEAR: 12 };

function normalizeUnit(unit: string): string {
  const u = unit.toUpperCase();
  return u.startsWith('SQL_TSI_') ? u.slice(8) : u.endsWith('S') && u !== 'S' ? u.slice(0, -1) : u;
}

/** Whole months from a to b, counting a partial month only when it is complete (as Flink/Java). */
function monthsBetween(a: number, b: number): number {
  const fa = fieldsOf(a);
  const fb = fieldsOf(b);
  let months = (fb.year - fa.year) * 12 + (fb.month - fa.month);
  const restA = a - daysFromCivil(fa.year, fa.month, 1) * MS_PER_DAY;
  const restB = b - daysFromCivil(fb.year, fb.month, 1) * MS_PER_DAY;
  if (months > 0 && restB < restA) months--;
  else if (months < 0 && restB > restA) months++;
  return months;
}

/**
 * `TIMESTAMPDIFF(unit, a, b)`: the number of whole `unit`s from `a` to `b` (negative when b < a),
 * truncated toward zero. MONTH, QUARTER and YEAR count calendar months.
 */
export function timestampDiff(unit: string, a: number, b: number): number {
  const u = normalizeUnit(unit);
  const fixed = FIXED_UNITS[u];
  if (fixed !== undefined) return Math.trunc((b - a) / fixed);
  const months = MONTH_UNITS[u];
  if (months !== undefined) return Math.trunc(monthsBetween(a, b) / months);
  throw new Error(`TIMESTAMPDIFF: unknown unit "${unit}"`);
}

/** Adds calendar months, clamping the day to the target month's length (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(ms: number, months: number): number {
  const days = Math.floor(ms / MS_PER_DAY);
  const rest = ms - days * MS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  const total = year * 12 + (month - 1) + months;
  const y = Math.floor(total / 12);
  const m = total - y * 12 + 1;
  return daysFromCivil(y, m, Math.min(day, daysInMonth(y, m))) * MS_PER_DAY + rest;
}

/** `TIMESTAMPADD(unit, n, ts)`. */
export function timestampAdd(unit: string, n: number, ms: number): number {
  const u = normalizeUnit(unit);
  const fixed = FIXED_UNITS[u];
  if (fixed !== undefined) return ms + n * fixed;
  const months = MONTH_UNITS[u];
  if (months !== undefined) return addMonths(ms, n * months);
  throw new Error(`TIMESTAMPADD: unknown unit "${unit}"`);
}

/** `DATE_TRUNC(unit, ts)`: the start of the unit (weeks start on Monday). */
export function dateTrunc(unit: string, ms: number): number {
  const u = normalizeUnit(unit);
  const days = Math.floor(ms / MS_PER_DAY);
  switch (u) {
    case 'MILLISECOND':
    case 'SECOND':
    case 'MINUTE':
    case 'HOUR':
    case 'DAY': {
      const size = FIXED_UNITS[u]!;
      return Math.floor(ms / size) * size;
    }
    case 'WEEK': {
      const dow = ((((days + 3) % 7) + 7) % 7) + 1;
      return (days - dow + 1) * MS_PER_DAY;
    }
    case 'MONTH':
    case 'QUARTER':
    case 'YEAR': {
      const { year, month } = civilFromDays(days);
      const m = u === 'MONTH' ? month : u === 'QUARTER' ? month - ((month - 1) % 3) : 1;
      return daysFromCivil(year, m, 1) * MS_PER_DAY;
    }
    default:
      throw new Error(`DATE_TRUNC: unknown unit "${unit}"`);
  }
}

// ---------------------------------------------------------------------------------------------
// Clock

let clock: () => number = Date.now;

/**
 * Wall-clock time for CURRENT_TIMESTAMP, CURRENT_DATE, PROCTIME() and UNIX_TIMESTAMP().
 * Evaluated per row (Flink's streaming semantics).
 */
export function now(): number {
  return clock();
}

/** Replaces the wall clock (tests, deterministic replays); returns the previous one. */
export function setClock(next: () => number): () => number {
  const previous = clock;
  clock = next;
  return previous;
}

/** `TO_TIMESTAMP_LTZ(n, precision)`: n seconds (precision 0) or milliseconds (precision 3) since the epoch. */
export function toTimestampLtz(n: number, precision: number): number {
  if (precision === 0) return n * MS_PER_SECOND;
  if (precision === 3) return n;
  throw new Error(`TO_TIMESTAMP_LTZ: precision must be 0 or 3, got ${precision}`);
}

/** The time of day (milliseconds since midnight) of a timestamp. */
export function timeOfDay(ms: number): number {
  return ((ms % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
}
