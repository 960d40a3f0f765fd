/**
 * Bound expressions back to SQL-like text, for `explain` and for messages. Not a round-trip
 * printer: literals of time types print as their SQL literal, casts print as CAST.
 */
import type { BoundExpr } from '../plan/plan.ts';
import { typeToString } from '../types.ts';

const INFIX = new Set(['+', '-', '*', '/', '%', '=', '<>', '<', '<=', '>', '>=', 'AND', 'OR', '||']);
const POSTFIX = new Set(['IS NULL', 'IS NOT NULL', 'IS TRUE', 'IS NOT TRUE', 'IS FALSE', 'IS NOT FALSE']);

export function exprToSql(e: BoundExpr): string {
  switch (e.kind) {
    case 'FieldRef':
      return /^[A-Za-z_][A-Za-z0-9_]*$/.test(e.name) ? e.name : `\`${e.name}\``;
    case 'Literal':
      return literalToSql(e.value, e.type.kind);
    case 'Cast':
      return `${e.try ? 'TRY_CAST' : 'CAST'}(${exprToSql(e.expr)} AS ${typeToString(e.type)})`;
    case 'Case':
      return `CASE ${e.branches.map((b) => `WHEN ${exprToSql(b.when)} THEN ${exprToSql(b.then)}`).join(' ')} ELSE ${exprToSql(e.else)} END`;
    case 'Call': {
      const a = e.args.map(exprToSql);
      if (INFIX.has(e.op) && a.length === 2) return `(${a[0]} ${e.op} ${a[1]})`;
      if (POSTFIX.has(e.op)) return `(${a[0]} ${e.op})`;
      switch (e.op) {
        case 'NEG':
          return `-${a[0]}`;
        case 'NOT':
          return `NOT ${a[0]}`;
        case 'IS DISTINCT FROM':
        case 'IS NOT DISTINCT FROM':
          return `(${a[0]} ${e.op} ${a[1]})`;
        case 'BETWEEN':
          return `(${a[0]} BETWEEN ${a[1]} AND ${a[2]})`;
        case 'IN':
          return `(${a[0]} IN (${a.slice(1).join(', ')}))`;
        case 'LIKE':
          return `(${a[0]} LIKE ${a[1]}${a[2] ? ` ESCAPE ${a[2]}` : ''})`;
        case 'ARRAY':
          return `ARRAY[${a.join(', ')}]`;
        case 'ELEMENT_AT':
          return `${a[0]}[${a[1]}]`;
        case 'FIELD':
          return `${a[0]}.${String((e.args[1] as { value?: unknown }).value ?? a[1])}`;
        default:
          return `${e.op}(${a.join(', ')})`;
      }
    }
  }
}

function literalToSql(value: null | boolean | number | string, kind: string): string {
  if (value === null) return 'NULL';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
  switch (kind) {
    case 'TIMESTAMP':
      return Number.isFinite(value)
        ? `TIMESTAMP '${new Date(value).toISOString().replace('T', ' ').replace('Z', '')}'`
        : String(value);
    case 'DATE':
      return `DATE '${new Date(value * 86_400_000).toISOString().slice(0, 10)}'`;
    case 'INTERVAL':
      return intervalToSql(value);
    default:
      return String(value);
  }
}

const SQL_UNITS: [number, string][] = [
  [86_400_000, 'DAY'],
  [3_600_000, 'HOUR'],
  [60_000, 'MINUTE'],
  [1_000, 'SECOND'],
];

/** 300000 → `INTERVAL '5' MINUTE`; 1500 → `INTERVAL '1.5' SECOND`. */
function intervalToSql(ms: number): string {
  for (const [size, unit] of SQL_UNITS) if (ms !== 0 && ms % size === 0) return `INTERVAL '${ms / size}' ${unit}`;
  return `INTERVAL '${ms / 1000}' SECOND`;
}

const UNITS: [number, string][] = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'min'],
  [1_000, 's'],
];

export { formatDuration } from '../../runtime/windows/format.ts';
