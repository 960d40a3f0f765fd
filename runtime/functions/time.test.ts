import { describe, expect, it } from 'vitest';
import {
  addMonths,
  civilFromDays,
  dateFormatter,
  dateTrunc,
  daysFromCivil,
  extract,
  formatDate,
  formatTimestampIso,
  formatTimestampSql,
  parseDate,
  parseTime,
  parseTimestamp,
  timestampAdd,
  timestampDiff,
  timestampParser,
  toTimestamp,
} from './time.ts';

const T = Date.UTC(2025, 3, 21, 14, 8, 35, 123);

describe('calendar', () => {
  it('days_from_civil and civil_from_days agree with Date over ±1000 years', () => {
    for (let days = -400_000; days <= 400_000; days += 997) {
      const d = new Date(days * 86_400_000);
      const c = civilFromDays(days);
      expect([c.year, c.month, c.day]).toEqual([d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()]);
      expect(daysFromCivil(c.year, c.month, c.day)).toBe(days);
    }
  });
});

describe('parseTimestamp', () => {
  it('accepts ISO-8601 and SQL forms; no zone means UTC', () => {
    expect(parseTimestamp('2025-04-21T14:08:35.123Z')).toBe(T);
    expect(parseTimestamp('2025-04-21 14:08:35.123')).toBe(T);
    expect(parseTimestamp('2025-04-21 14:08:35')).toBe(T - 123);
    expect(parseTimestamp('2025-04-21T14:08:35')).toBe(T - 123);
    expect(parseTimestamp('2025-04-21T14:08')).toBe(Date.UTC(2025, 3, 21, 14, 8));
    expect(parseTimestamp('2025-04-21')).toBe(Date.UTC(2025, 3, 21));
    expect(parseTimestamp('2025-04-21T14:08:35.1Z')).toBe(T - 23);
    expect(parseTimestamp('2025-04-21T14:08:35.123456789Z')).toBe(T);
    expect(parseTimestamp(' 2025-04-21 14:08:35.123 ')).toBe(T);
  });

  it('applies zone offsets', () => {
    expect(parseTimestamp('2025-04-21T16:08:35.123+02:00')).toBe(T);
    expect(parseTimestamp('2025-04-21T12:08:35.123-0200')).toBe(T);
    expect(parseTimestamp('2025-04-21T16:08:35.123+02')).toBe(T);
  });

  it('rejects what is not a valid timestamp', () => {
    for (const bad of [
      '',
      'x',
      '2025-4-21',
      '2025-02-30',
      '2025-13-01',
      '2025-04-21X14:00',
      '2025-04-21 24:00:00',
      '2025-04-21 14:60',
      '2025-04-21 14:08:35.',
      '2025-04-21T14:08:35Zx',
      '2025-04-21T14:08:35+2',
    ]) {
      expect(parseTimestamp(bad), bad).toBe(null);
    }
  });

  it('agrees with Date.parse on random ISO strings', () => {
    let seed = 9;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 2000; i++) {
      const ms = Math.floor((rand() - 0.5) * 2 ** 43);
      const iso = new Date(ms).toISOString();
      expect(parseTimestamp(iso)).toBe(Date.parse(iso));
    }
  });

  it('parseDate and parseTime', () => {
    expect(parseDate('1970-01-02')).toBe(1);
    expect(parseDate('1969-12-31')).toBe(-1);
    expect(parseTime('01:02:03.004')).toBe(3_723_004);
    expect(parseTime('25:00')).toBe(null);
  });
});

describe('formatting', () => {
  it('ISO with milliseconds, SQL form, dates (including before 1970 and year < 1000)', () => {
    expect(formatTimestampIso(Date.UTC(2025, 3, 21, 14, 8, 35))).toBe('2025-04-21T14:08:35.000Z');
    expect(formatTimestampIso(-1)).toBe('1969-12-31T23:59:59.999Z');
    expect(formatTimestampSql(T)).toBe('2025-04-21 14:08:35.123');
    expect(formatTimestampSql(T, 0)).toBe('2025-04-21 14:08:35');
    expect(formatDate(daysFromCivil(33, 1, 2))).toBe('0033-01-02');
    for (let ms = -2e12; ms < 2e12; ms += 7_777_777_777)
      expect(formatTimestampIso(ms)).toBe(new Date(ms).toISOString());
  });

  it('DATE_FORMAT with Java patterns', () => {
    expect(dateFormatter('yyyy-MM-dd HH:mm:ss')(T)).toBe('2025-04-21 14:08:35');
    expect(dateFormatter('yyyy-MM-dd HH:mm:ss.SSS')(T)).toBe('2025-04-21 14:08:35.123');
    expect(dateFormatter("yyyyMMdd'T'HHmm")(T)).toBe('20250421T1408');
    expect(dateFormatter('EEE, d MMM yy h:mm a')(T)).toBe('Mon, 21 Apr 25 2:08 PM');
    expect(dateFormatter('EEEE MMMM D Q')(T)).toBe('Monday April 111 2');
    expect(dateFormatter("''yyyy''")(T)).toBe("'2025'");
    expect(dateFormatter('yyyy-MM-dd HH:mm:ssXXX')(T)).toBe('2025-04-21 14:08:35Z');
    expect(() => dateFormatter('yyyy-MM-dd qq')).toThrow(/unknown pattern letter "q"/);
  });

  it('TO_TIMESTAMP with patterns', () => {
    expect(timestampParser('yyyy-MM-dd HH:mm:ss')('2025-04-21 14:08:35')).toBe(T - 123);
    expect(timestampParser('yyyyMMddHHmmss')('20250421140835')).toBe(T - 123);
    expect(timestampParser('dd/MM/yyyy')('21/04/2025')).toBe(Date.UTC(2025, 3, 21));
    expect(timestampParser('d MMM yyyy h:mm a')('21 Apr 2025 2:08 PM')).toBe(Date.UTC(2025, 3, 21, 14, 8));
    expect(timestampParser('yyyy-MM-dd HH:mm:ss.SSS')('2025-04-21 14:08:35.123')).toBe(T);
    expect(timestampParser("yyyy-MM-dd'T'HH:mm:ssXXX")('2025-04-21T16:08:35+02:00')).toBe(T - 123);
    expect(timestampParser('yyyy-MM-dd')('2025-02-30')).toBe(null);
    expect(timestampParser('yyyy-MM-dd')('2025-04-21x')).toBe(null);
    expect(toTimestamp('2025-04-21 14:08:35')).toBe(T - 123);
    expect(toTimestamp('21.04.2025', 'dd.MM.yyyy')).toBe(Date.UTC(2025, 3, 21));
  });
});

describe('EXTRACT, TIMESTAMPDIFF, TIMESTAMPADD, DATE_TRUNC', () => {
  it('EXTRACT', () => {
    const units: Record<string, number> = {
      YEAR: 2025,
      QUARTER: 2,
      MONTH: 4,
      WEEK: 17,
      DAY: 21,
      DOY: 111,
      DOW: 2,
      ISODOW: 1,
      HOUR: 14,
      MINUTE: 8,
      SECOND: 35,
      MILLISECOND: 35_123,
      EPOCH: Math.floor(T / 1000),
      CENTURY: 21,
      DECADE: 202,
    };
    for (const [unit, v] of Object.entries(units)) expect(extract(unit, T), unit).toBe(v);
    expect(extract('WEEK', Date.UTC(2021, 0, 1))).toBe(53);
    expect(extract('DOW', Date.UTC(2025, 3, 20))).toBe(1);
    expect(() => extract('FORTNIGHT', T)).toThrow(/unknown unit/);
  });

  it('TIMESTAMPDIFF truncates toward zero and counts calendar months', () => {
    expect(timestampDiff('SECOND', T, T + 1999)).toBe(1);
    expect(timestampDiff('SECOND', T + 1999, T)).toBe(-1);
    expect(timestampDiff('MINUTE', T, T + 3_600_000)).toBe(60);
    expect(timestampDiff('DAY', Date.UTC(2025, 0, 1), Date.UTC(2025, 0, 31, 23))).toBe(30);
    expect(timestampDiff('MONTH', Date.UTC(2025, 0, 31), Date.UTC(2025, 1, 28))).toBe(0);
    expect(timestampDiff('MONTH', Date.UTC(2025, 0, 15), Date.UTC(2025, 2, 15))).toBe(2);
    expect(timestampDiff('MONTH', Date.UTC(2025, 2, 15), Date.UTC(2025, 0, 16))).toBe(-1);
    expect(timestampDiff('YEAR', Date.UTC(2020, 1, 29), Date.UTC(2025, 1, 28))).toBe(4);
    expect(timestampDiff('QUARTER', Date.UTC(2025, 0, 1), Date.UTC(2025, 6, 1))).toBe(2);
    expect(timestampDiff('SQL_TSI_HOUR', T, T + 7_200_000)).toBe(2);
  });

  it('TIMESTAMPADD clamps to the end of the month', () => {
    expect(timestampAdd('MONTH', 1, Date.UTC(2024, 0, 31, 5))).toBe(Date.UTC(2024, 1, 29, 5));
    expect(timestampAdd('YEAR', -1, Date.UTC(2024, 1, 29))).toBe(Date.UTC(2023, 1, 28));
    expect(timestampAdd('HOUR', 2, T)).toBe(T + 7_200_000);
    expect(addMonths(Date.UTC(2025, 11, 15), 1)).toBe(Date.UTC(2026, 0, 15));
  });

  it('DATE_TRUNC', () => {
    expect(dateTrunc('MINUTE', T)).toBe(Date.UTC(2025, 3, 21, 14, 8));
    expect(dateTrunc('WEEK', T)).toBe(Date.UTC(2025, 3, 21));
    expect(dateTrunc('QUARTER', T)).toBe(Date.UTC(2025, 3, 1));
    expect(dateTrunc('YEAR', T)).toBe(Date.UTC(2025, 0, 1));
    expect(dateTrunc('DAY', -1)).toBe(-86_400_000);
  });
});
