/**
 * TIMESTAMP / DATE / TIME text conversions. Parsing is hand-rolled because `Date.parse` is slow
 * and lenient in surprising ways; it accepts exactly the forms of LANGUAGE.md §2:
 * `2025-04-21T14:08:35.123Z`, `2025-04-21 14:08:35`, `2025-04-21 14:08:35.123` (no zone = UTC),
 * plus a `±hh:mm` offset, 1–9 fraction digits (truncated to ms) and a bare date.
 */

const DAY_MS = 86_400_000;

/**
 * The range of TIMESTAMP and DATE values (Flink's): years 0000 to 9999, so that every value
 * has a 4-digit-year ISO form that reads back. Decoders refuse values outside it.
 */
export const MIN_TIMESTAMP = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
export const MAX_TIMESTAMP = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z
export const MIN_DATE = -719_528; // 0000-01-01
export const MAX_DATE = 2_932_896; // 9999-12-31

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Parses `YYYY-MM-DD` at the start of `s`; returns epoch days or NaN. */
function parseDatePart(s: string): number {
  if (s.length < 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return NaN;
  const y = digits(s, 0, 4);
  const m = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  if (y < 0 || m < 1 || m > 12 || d < 1 || d > MONTH_DAYS[m - 1]!) return NaN;
  if (m === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return NaN;
  return daysFromCivil(y, m, d);
}

/** The last date seen by the fast path (timestamps in a stream mostly share their date). */
let lastYmd = -1;
let lastDays = 0;

/** `d(s, i)`: the digit at i, or a large negative number so any sum with it fails the range check. */
function d(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1e9;
}

/**
 * Fast path for the canonical `YYYY-MM-DDTHH:MM:SS.mmmZ` (or with a space): fixed positions,
 * no loops, the date's day number cached. Returns NaN when `s` is not exactly that form.
 */
function parseCanonical(s: string): number {
  const sep = s.charCodeAt(10);
  if (
    s.charCodeAt(23) !== 90 || // 'Z'
    (sep !== 84 && sep !== 32) ||
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58 ||
    s.charCodeAt(19) !== 46
  ) {
    return NaN;
  }
  const ymd =
    (d(s, 0) * 1000 + d(s, 1) * 100 + d(s, 2) * 10 + d(s, 3)) * 10000 +
    (d(s, 5) * 10 + d(s, 6)) * 100 +
    d(s, 8) * 10 +
    d(s, 9);
  if (ymd < 0) return NaN;
  let days: number;
  if (ymd === lastYmd) days = lastDays;
  else {
    days = parseDatePart(s);
    if (days !== days) return NaN;
    lastYmd = ymd;
    lastDays = days;
  }
  const hh = d(s, 11) * 10 + d(s, 12);
  const mi = d(s, 14) * 10 + d(s, 15);
  const ss = d(s, 17) * 10 + d(s, 18);
  const ms = d(s, 20) * 100 + d(s, 21) * 10 + d(s, 22);
  if (hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 59 || ms < 0) return NaN;
  return days * DAY_MS + ((hh * 60 + mi) * 60 + ss) * 1000 + ms;
}

/** ISO-8601 / SQL timestamp text → epoch ms (UTC), or NaN when malformed. */
export function parseTimestamp(s: string): number {
  if (s.length === 24) {
    const t = parseCanonical(s);
    if (t === t) return t;
  }
  const days = parseDatePart(s);
  if (days !== days) return NaN;
  const n = s.length;
  if (n === 10) return days * DAY_MS;
  const sep = s.charCodeAt(10);
  if ((sep !== 84 && sep !== 32) || n < 16 || s.charCodeAt(13) !== 58) return NaN; // 'T' or ' ', ':'
  const hh = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  if (hh < 0 || hh > 23 || mi < 0 || mi > 59) return NaN;
  let ss = 0;
  let ms = 0;
  let i = 16;
  if (i < n && s.charCodeAt(i) === 58) {
    ss = digits(s, 17, 2);
    if (ss < 0 || ss > 59 || n < 19) return NaN;
    i = 19;
    if (i < n && s.charCodeAt(i) === 46) {
      i++;
      let k = 0;
      for (; i < n; i++, k++) {
        const c = s.charCodeAt(i) - 48;
        if (c < 0 || c > 9) break;
        if (k < 3) ms = ms * 10 + c;
      }
      if (k === 0) return NaN;
      for (; k < 3; k++) ms *= 10;
    }
  }
  let offsetMin = 0;
  if (i < n) {
    const z = s.charCodeAt(i);
    if (z === 90 && i + 1 === n) {
      // 'Z'
    } else if ((z === 43 || z === 45) && (n - i === 6 || n - i === 5 || n - i === 3)) {
      const oh = digits(s, i + 1, 2);
      const om = n - i === 3 ? 0 : digits(s, n - 2, 2);
      if (oh < 0 || om < 0 || oh > 18 || om > 59) return NaN;
      offsetMin = (z === 45 ? -1 : 1) * (oh * 60 + om);
    } else {
      return NaN;
    }
  }
  return days * DAY_MS + ((hh * 60 + mi - offsetMin) * 60 + ss) * 1000 + ms;
}

/** `YYYY-MM-DD` → epoch days, or NaN. */
export function parseDate(s: string): number {
  return s.length === 10 ? parseDatePart(s) : NaN;
}

/** `HH:MM[:SS[.fff]]` → ms since midnight, or NaN. */
export function parseTime(s: string): number {
  const t = parseTimestamp(`1970-01-01T${s}Z`);
  return t === t && t >= 0 && t < DAY_MS ? t : NaN;
}

/** Epoch ms → `2025-04-21T14:08:35.000Z` (ISO-8601 UTC with milliseconds). */
export function formatTimestamp(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  // a fraction of a millisecond (also on a day already seen) takes the slow path
  if (!Number.isInteger(ms)) return new Date(ms).toISOString();
  if (day !== isoDay) {
    // the date part of a new day; years outside 0000-9999 take the slow path
    const prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    if (prefix.length !== 11 || prefix[10] !== 'T') return new Date(ms).toISOString();
    isoDay = day;
    isoPrefix = prefix;
  }
  let r = ms - day * DAY_MS;
  const h = (r / 3_600_000) | 0;
  r -= h * 3_600_000;
  const m = (r / 60_000) | 0;
  r -= m * 60_000;
  const s = (r / 1000) | 0;
  return `${isoPrefix}${PAD2[h]!}:${PAD2[m]!}:${PAD2[s]!}.${PAD3[r - s * 1000]!}Z`;
}

/**
 * `formatTimestamp` keeps the `YYYY-MM-DDT` of the last day it formatted (output rows of a
 * window, or of a stream, mostly share it) and writes the time of day from tables: no Date
 * object and no `toISOString` per value.
 */
let isoDay = NaN;
let isoPrefix = '';
const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** Epoch days → `YYYY-MM-DD`. */
export function formatDate(days: number): string {
  return new Date(days * DAY_MS).toISOString().slice(0, 10);
}

/** ms since midnight → `HH:MM:SS.mmm`. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}
