/**
 * Aggregate function signatures and their runtime kinds (runtime/contract.ts `AggregateKind`).
 *
 * Result types: COUNT → BIGINT NOT NULL; SUM of INT/BIGINT → BIGINT, of DECIMAL(p, s) →
 * DECIMAL(38, s), of DOUBLE → DOUBLE; AVG, STDDEV_*, VAR_* → DOUBLE; MIN/MAX/FIRST_VALUE/
 * LAST_VALUE → the argument type; COLLECT_LIST/ARRAY_AGG → ARRAY<T> NOT NULL;
 * APPROX_COUNT_DISTINCT → BIGINT NOT NULL. SQL null rules: NULL inputs are ignored, and an
 * aggregate over no non-null input is NULL (except the counts).
 */
import type { AggregateKind } from '../../runtime/contract.ts';
import type { SqlType } from '../types.ts';
import { BIGINT, BOOLEAN, DOUBLE, isNumeric } from '../types.ts';
import { isOrderable } from './typing.ts';

export interface AggregateDef {
  readonly name: string;
  readonly kind: AggregateKind;
  readonly display: string;
  /** Result type for the argument type, or null when the argument does not fit. */
  readonly result: (arg: SqlType) => SqlType | null;
  /** The aggregate of a group can be NULL even when its input is NOT NULL (no FILTER involved). */
  readonly nullableAlways?: boolean;
  /** Never NULL (counts, lists). */
  readonly notNull?: boolean;
}

const numeric = (f: (t: SqlType) => SqlType) => (t: SqlType) =>
  isNumeric(t) ? f(t) : t.kind === 'NULL' ? f(DOUBLE) : null;

const defs: AggregateDef[] = [
  { name: 'COUNT', kind: 'count', display: '(*) or ([DISTINCT] any)', result: () => BIGINT, notNull: true },
  {
    name: 'SUM',
    kind: 'sum',
    display: '(NUMERIC)',
    result: numeric((t) =>
      t.kind === 'INT' || t.kind === 'BIGINT'
        ? BIGINT
        : t.kind === 'DECIMAL'
          ? { kind: 'DECIMAL', precision: 38, scale: t.scale }
          : DOUBLE,
    ),
  },
  { name: 'AVG', kind: 'avg', display: '(NUMERIC)', result: numeric(() => DOUBLE) },
  {
    name: 'MIN',
    kind: 'min',
    display: '(comparable)',
    result: (t) => (isOrderable(t) && t.kind !== 'NULL' ? t : null),
  },
  {
    name: 'MAX',
    kind: 'max',
    display: '(comparable)',
    result: (t) => (isOrderable(t) && t.kind !== 'NULL' ? t : null),
  },
  {
    name: 'COLLECT_LIST',
    kind: 'collect_list',
    display: '(any)',
    result: (t) => (t.kind === 'NULL' ? null : { kind: 'ARRAY', element: t, elementNullable: true }),
    notNull: true,
  },
  { name: 'FIRST_VALUE', kind: 'first_value', display: '(any)', result: (t) => (t.kind === 'NULL' ? null : t) },
  { name: 'LAST_VALUE', kind: 'last_value', display: '(any)', result: (t) => (t.kind === 'NULL' ? null : t) },
  { name: 'STDDEV_POP', kind: 'stddev_pop', display: '(NUMERIC)', result: numeric(() => DOUBLE) },
  {
    name: 'STDDEV_SAMP',
    kind: 'stddev_samp',
    display: '(NUMERIC)',
    result: numeric(() => DOUBLE),
    nullableAlways: true,
  },
  { name: 'VAR_POP', kind: 'var_pop', display: '(NUMERIC)', result: numeric(() => DOUBLE) },
  { name: 'VAR_SAMP', kind: 'var_samp', display: '(NUMERIC)', result: numeric(() => DOUBLE), nullableAlways: true },
  {
    name: 'APPROX_COUNT_DISTINCT',
    kind: 'approx_count_distinct',
    display: '(any)',
    result: (t) => (t.kind === 'NULL' ? null : BIGINT),
    notNull: true,
  },
  { name: 'BOOL_AND', kind: 'bool_and', display: '(BOOLEAN)', result: (t) => (t.kind === 'BOOLEAN' ? BOOLEAN : null) },
  { name: 'BOOL_OR', kind: 'bool_or', display: '(BOOLEAN)', result: (t) => (t.kind === 'BOOLEAN' ? BOOLEAN : null) },
];

const ALIASES: Record<string, string> = {
  ARRAY_AGG: 'COLLECT_LIST',
  STDDEV: 'STDDEV_SAMP',
  VARIANCE: 'VAR_SAMP',
  EVERY: 'BOOL_AND',
  FIRST: 'FIRST_VALUE',
  LAST: 'LAST_VALUE',
  APPROX_DISTINCT: 'APPROX_COUNT_DISTINCT',
};

const BY_NAME = new Map(defs.map((d) => [d.name, d]));

export function lookupAggregate(name: string): AggregateDef | undefined {
  const upper = name.toUpperCase();
  return BY_NAME.get(ALIASES[upper] ?? upper);
}

export function aggregateNames(): string[] {
  return [...BY_NAME.keys(), ...Object.keys(ALIASES)];
}
