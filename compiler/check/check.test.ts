import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as library from '../../runtime/functions/index.ts';
import type { IntervalLiteral, TimeUnit } from '../../grammar/ast.ts';
import { BIGINT, DOUBLE, INT, STRING, TIMESTAMP } from '../types.ts';
import { lookupAggregate } from './aggregates.ts';
import { lookupFunction, scalarFunctions } from './functions.ts';
import { intervalToMs, parseDate, parseDuration, parseTimestamp } from './literals.ts';
import { canCast, canImplicitlyConvert, commonType } from './typing.ts';

const SPAN = { offset: 0, end: 0, line: 1, col: 1 };
const iv = (value: string, unit: TimeUnit | null, toUnit: TimeUnit | null = null): IntervalLiteral => ({
  kind: 'IntervalLiteral',
  value,
  unit,
  toUnit,
  span: SPAN,
});

describe('literals', () => {
  it('evaluates interval literals to milliseconds', () => {
    expect(intervalToMs(iv('5', 'MINUTE'))).toEqual({ ms: 300_000 });
    expect(intervalToMs(iv('10 minutes', null))).toEqual({ ms: 600_000 });
    expect(intervalToMs(iv('1 hour 30 minutes', null))).toEqual({ ms: 5_400_000 });
    expect(intervalToMs(iv('1:30', 'HOUR', 'MINUTE'))).toEqual({ ms: 5_400_000 });
    expect(intervalToMs(iv('1', 'HOUR', 'MINUTE'))).toEqual({ ms: 3_600_000 });
    expect(intervalToMs(iv('1 10:00:00.5', 'DAY', 'SECOND'))).toEqual({ ms: 86_400_000 + 36_000_000 + 500 });
    expect(intervalToMs(iv('1.5', 'SECOND'))).toEqual({ ms: 1500 });
    expect(intervalToMs(iv('-5', 'SECOND'))).toEqual({ ms: -5000 });
    expect(intervalToMs(iv('1', 'MONTH'))).toHaveProperty('error');
    expect(intervalToMs(iv('10', null))).toEqual({
      error: "interval '10' has no unit; write INTERVAL '10' SECOND or INTERVAL '10 seconds'",
    });
  });

  it('parses Spark durations', () => {
    expect(parseDuration('10 minutes')).toBe(600_000);
    expect(parseDuration('5 s')).toBe(5000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('10 minuets')).toBeNull();
    expect(parseDuration('10')).toBeNull();
  });

  it('parses timestamps as UTC unless a zone is written', () => {
    expect(parseTimestamp('2025-04-21 14:08:35')).toBe(Date.UTC(2025, 3, 21, 14, 8, 35));
    expect(parseTimestamp('2025-04-21T14:08:35.123Z')).toBe(Date.UTC(2025, 3, 21, 14, 8, 35, 123));
    expect(parseTimestamp('2025-04-21T14:08:35+02:00')).toBe(Date.UTC(2025, 3, 21, 12, 8, 35));
    expect(parseTimestamp('2025-04-21')).toBe(Date.UTC(2025, 3, 21));
    expect(parseTimestamp('2025-13-01 00:00:00')).toBeNull();
    expect(parseDate('2025-02-29')).toBeNull();
    expect(parseDate('1970-01-02')).toBe(1);
  });
});

describe('types', () => {
  it('widens numbers and unifies NULL', () => {
    expect(commonType(INT, DOUBLE)).toEqual(DOUBLE);
    expect(commonType(INT, BIGINT)).toEqual(BIGINT);
    expect(commonType({ kind: 'NULL' }, STRING)).toEqual(STRING);
    expect(commonType(STRING, INT)).toBeNull();
    expect(canImplicitlyConvert(INT, DOUBLE)).toBe(true);
    expect(canImplicitlyConvert(DOUBLE, INT)).toBe(false);
    expect(canCast(STRING, TIMESTAMP)).toBe(true);
    expect(canCast({ kind: 'ARRAY', element: STRING, elementNullable: true }, INT)).toBe(false);
  });
});

describe('signatures', () => {
  it('resolves scalar functions with implicit conversions', () => {
    const round = lookupFunction('round')!;
    expect(round.display).toBe('(DOUBLE [, INT])');
    expect(round.check([{ type: STRING }])).toBeNull();
    expect(round.check([{ type: INT }])).toMatchObject({ type: INT });
    const pow = lookupFunction('POWER')!;
    expect(pow.check([{ type: INT }, { type: INT }])).toMatchObject({ targets: [DOUBLE, DOUBLE], type: DOUBLE });
    const coalesce = lookupFunction('IFNULL')!;
    expect(coalesce.check([{ type: INT }, { type: DOUBLE }])).toMatchObject({ targets: [DOUBLE, null], type: DOUBLE });
    expect(coalesce.check([{ type: TIMESTAMP }, { type: STRING, literal: '2025-01-01' }])).toMatchObject({
      targets: [null, TIMESTAMP],
    });
    expect(
      lookupFunction('TIMESTAMPDIFF')!.check([
        { type: STRING, literal: 'FORTNIGHT' },
        { type: TIMESTAMP },
        { type: TIMESTAMP },
      ]),
    ).toMatch(/unknown time unit/);
  });

  it('maps aggregates to runtime kinds and result types', () => {
    expect(lookupAggregate('array_agg')!.kind).toBe('collect_list');
    expect(lookupAggregate('SUM')!.result(INT)).toEqual(BIGINT);
    expect(lookupAggregate('SUM')!.result(STRING)).toBeNull();
    expect(lookupAggregate('AVG')!.result(INT)).toEqual(DOUBLE);
    expect(lookupAggregate('COUNT')!.notNull).toBe(true);
  });
});

// A scalar function is one entry in functions.ts (CONTRIBUTING.md "Adding a scalar function"):
// what else depends on the entry is checked here and by the tests the recipe names.
describe('scalar function definitions', () => {
  it('call an implementation the run-time library exports, when they name one', () => {
    for (const def of scalarFunctions()) {
      if (def.impl) expect(typeof library[def.impl], `${def.name}: fn.${def.impl}`).toBe('function');
    }
  });

  it('are each listed in the function table of docs/language.md', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../docs/language.md'), 'utf8');
    const table = doc.slice(doc.indexOf('| group | functions |'));
    const listed = new Set(table.slice(0, table.indexOf('\n\n')).match(/[A-Z][A-Z0-9_]+/g));
    const missing = scalarFunctions()
      .filter((d) => !d.op.startsWith('IS '))
      .map((d) => d.name)
      .filter((n) => !listed.has(n));
    expect(missing).toEqual([]);
  });
});
