/**
 * Compile-time conversion of literals to their run-time numbers: intervals and Spark duration
 * strings to milliseconds, TIMESTAMP to epoch milliseconds (UTC when no zone is written), DATE to
 * epoch days, TIME to milliseconds since midnight. Each returns null or an error text, never throws.
 */
import type { IntervalLiteral, TimeUnit } from '../../grammar/ast.ts';

const UNIT_MS: Partial<Record<TimeUnit, number>> = {
  MILLISECOND: 1,
  SECOND: 1_000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: 86_400_000,
  WEEK: 7 * 86_400_000,
};

/** Duration words accepted in `INTERVAL '10 minutes'`, Spark window strings and option values. */
const WORD_MS: Record<string, number> = {
  ms: 1,
  milli: 1,
  millis: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1_000,
  sec: 1_000,
  secs: 1_000,
  second: 1_000,
  seconds: 1_000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};

/**
 * `'10 minutes'`, `'1 hour 30 minutes'`, `'5 s'`, `'500ms'`, `'1.5 seconds'` → milliseconds.
 * A bare number is not accepted (the unit would be a guess).
 */
export function parseDuration(text: string): number | null {
  const s = text.trim().toLowerCase();
  if (s === '') return null;
  const re = /\s*(-?\d+(?:\.\d+)?)\s*([a-z]+)\s*/y;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) return null;
    const unit = WORD_MS[m[2]!];
    if (unit === undefined) return null;
    total += Number(m[1]) * unit;
    pos = re.lastIndex;
  }
  return Number.isFinite(total) ? Math.round(total) : null;
}

export type IntervalValue = { readonly ms: number } | { readonly error: string };

/** Evaluates an interval literal to milliseconds. */
export function intervalToMs(lit: IntervalLiteral): IntervalValue {
  const { value, unit, toUnit } = lit;
  if (unit === 'MONTH' || unit === 'YEAR' || unit === 'QUARTER' || toUnit === 'MONTH') {
    return { error: `interval ${unit} has no fixed length in milliseconds; write it in DAY, HOUR, MINUTE or SECOND` };
  }
  if (unit === null) {
    const ms = parseDuration(value);
    if (ms === null) {
      const n = value.trim();
      if (/^-?\d+(\.\d+)?$/.test(n))
        return { error: `interval '${value}' has no unit; write INTERVAL '${n}' SECOND or INTERVAL '${n} seconds'` };
      return { error: `invalid interval '${value}'; write e.g. INTERVAL '10' MINUTE or INTERVAL '10 minutes'` };
    }
    return { ms };
  }
  const base = UNIT_MS[unit];
  if (base === undefined) return { error: `invalid interval unit ${unit}` };
  if (toUnit === null) {
    const t = value.trim();
    if (!/^[-+]?\d+(\.\d+)?$/.test(t)) {
      const alt = parseDuration(t);
      if (alt !== null) return { ms: alt };
      return {
        error: `invalid interval value '${value}' for unit ${unit}; expected a number, e.g. INTERVAL '5' ${unit}`,
      };
    }
    return { ms: Math.round(Number(t) * base) };
  }
  return rangeInterval(value, unit, toUnit);
}

/** `'1 10:30:00.5' DAY TO SECOND`, `'1:30' HOUR TO MINUTE`, `'1 10' DAY TO HOUR`, ... */
function rangeInterval(value: string, from: TimeUnit, to: TimeUnit): IntervalValue {
  const order: TimeUnit[] = ['DAY', 'HOUR', 'MINUTE', 'SECOND'];
  const i = order.indexOf(from);
  const j = order.indexOf(to);
  if (i < 0 || j < 0 || j <= i) return { error: `invalid interval range ${from} TO ${to}` };
  const units = order.slice(i, j + 1);
  let t = value.trim();
  let sign = 1;
  if (t.startsWith('-')) {
    sign = -1;
    t = t.slice(1);
  }
  const parts = t.split(/[\s:]+/);
  const expected = units.length;
  // Fewer parts than units fill from the leading unit: '1' HOUR TO MINUTE is one hour.
  const last = parts.length - 1;
  if (
    parts.length > expected ||
    parts.some((p, k) => !(k === last && units[k] === 'SECOND' ? /^\d+(\.\d+)?$/ : /^\d+$/).test(p))
  ) {
    const shape = units
      .map((u) => (u === 'DAY' ? 'd' : u === 'HOUR' ? 'hh' : u === 'MINUTE' ? 'mm' : 'ss'))
      .join(' ')
      .replace(/ (?=[hms])/g, ':')
      .replace('d:', 'd ');
    return { error: `invalid interval '${value}' for ${from} TO ${to}; expected '${shape}'` };
  }
  let ms = 0;
  parts.forEach((p, k) => (ms += Number(p) * UNIT_MS[units[k]!]!));
  return { ms: sign * Math.round(ms) };
}

const DATE_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const TS_RE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** `2025-04-21 14:08:35.123`, `2025-04-21T14:08:35Z`, `2025-04-21` → epoch ms (UTC unless a zone is given). */
export function parseTimestamp(text: string): number | null {
  const m = TS_RE.exec(text.trim());
  if (!m) return null;
  const [y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m.slice(1);
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
    return null;
  const ms = Number((frac + '000').slice(0, 3));
  let t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return t;
}

/** `2025-04-21` → days since 1970-01-01. */
export function parseDate(text: string): number | null {
  const m = DATE_RE.exec(text.trim());
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return Date.UTC(year, month - 1, day) / 86_400_000;
}

/** `12:30`, `12:30:05.250` → milliseconds since midnight. */
export function parseTime(text: string): number | null {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/.exec(text.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const mi = Number(m[2]);
  const s = Number(m[3] ?? '0');
  if (h > 23 || mi > 59 || s > 59) return null;
  return ((h * 60 + mi) * 60 + s) * 1000 + Number(((m[4] ?? '') + '000').slice(0, 3));
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
