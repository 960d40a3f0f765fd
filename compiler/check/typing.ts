/**
 * Type rules of the checker: declared types from the AST, implicit widening, common types
 * (for comparisons, CASE, COALESCE, UNION, IN lists), and which explicit casts exist.
 *
 * Implicit widening: INT → BIGINT → DECIMAL → DOUBLE (DECIMAL is carried as a double at run time,
 * so the order only matters for the declared result type). A NULL literal takes the type its
 * context needs. String literals become TIMESTAMP/DATE literals where one is expected; that
 * conversion happens on literals only (see bind/coerce.ts), never on columns.
 */
import type { TypeNode } from '../../grammar/ast.ts';
import type { RowField, SqlType } from '../types.ts';
import {
  BIGINT,
  BOOLEAN,
  DATE,
  DOUBLE,
  INT,
  INTERVAL,
  STRING,
  TIME,
  isNumeric,
  sameType,
  typeToString,
} from '../types.ts';

export interface TypeResult {
  readonly type: SqlType;
  /** Problems found in the type (e.g. a MAP key that is not STRING); empty when fine. */
  readonly problems: readonly { readonly message: string; readonly node: TypeNode }[];
}

/** Converts a declared type. Unknown or unsupported parts are reported as problems (never thrown). */
export function typeFromNode(node: TypeNode): TypeResult {
  const problems: { message: string; node: TypeNode }[] = [];
  const conv = (n: TypeNode): SqlType => {
    switch (n.name) {
      case 'BOOLEAN':
        return BOOLEAN;
      case 'TINYINT':
      case 'SMALLINT':
      case 'INT':
        return INT;
      case 'BIGINT':
        return BIGINT;
      case 'FLOAT':
      case 'DOUBLE':
        return DOUBLE;
      case 'DECIMAL': {
        const precision = n.params[0] ?? 10;
        const scale = n.params[1] ?? 0;
        if (precision < 1 || precision > 38 || scale < 0 || scale > precision) {
          problems.push({
            message: `invalid DECIMAL(${precision}, ${scale}): precision must be 1..38 and scale 0..precision`,
            node: n,
          });
        }
        return { kind: 'DECIMAL', precision, scale };
      }
      case 'STRING':
      case 'VARCHAR':
      case 'CHAR':
        return STRING;
      case 'BYTES':
        return { kind: 'BYTES' };
      case 'TIMESTAMP':
      case 'TIMESTAMP_LTZ': {
        const precision = n.params[0] ?? 3;
        if (precision < 0 || precision > 9)
          problems.push({ message: `invalid ${n.name} precision ${precision}: it must be 0..9`, node: n });
        return { kind: 'TIMESTAMP', precision, ltz: n.name === 'TIMESTAMP_LTZ' };
      }
      case 'DATE':
        return DATE;
      case 'TIME':
        return TIME;
      case 'INTERVAL':
        return INTERVAL;
      case 'ARRAY': {
        const el = n.element;
        if (!el) return { kind: 'ARRAY', element: STRING, elementNullable: true };
        return { kind: 'ARRAY', element: conv(el), elementNullable: !el.notNull };
      }
      case 'MAP': {
        const key = n.key ? conv(n.key) : STRING;
        if (n.key && key.kind !== 'STRING') {
          problems.push({
            message: `MAP keys must be STRING, not ${typeToString(key)} (maps are carried as JSON objects)`,
            node: n.key,
          });
        }
        const value = n.value ? conv(n.value) : STRING;
        return { kind: 'MAP', key: STRING, value, valueNullable: !(n.value?.notNull ?? false) };
      }
      case 'ROW': {
        const fields: RowField[] = [];
        const seen = new Set<string>();
        for (const f of n.fields ?? []) {
          if (seen.has(f.name.name))
            problems.push({ message: `duplicate field "${f.name.name}" in ROW type`, node: f.type });
          seen.add(f.name.name);
          fields.push({ name: f.name.name, type: conv(f.type), nullable: !f.type.notNull });
        }
        return { kind: 'ROW', fields };
      }
    }
  };
  return { type: conv(node), problems };
}

const NUMERIC_RANK: Record<string, number> = { INT: 0, BIGINT: 1, DECIMAL: 2, DOUBLE: 3 };

/** The wider of two numeric types. */
export function widerNumeric(a: SqlType, b: SqlType): SqlType {
  if (a.kind === 'DECIMAL' && b.kind === 'DECIMAL') {
    const scale = Math.max(a.scale, b.scale);
    const intDigits = Math.max(a.precision - a.scale, b.precision - b.scale);
    return { kind: 'DECIMAL', precision: Math.min(38, intDigits + scale), scale };
  }
  if (a.kind === 'DECIMAL' && (b.kind === 'INT' || b.kind === 'BIGINT')) return a;
  if (b.kind === 'DECIMAL' && (a.kind === 'INT' || a.kind === 'BIGINT')) return b;
  return NUMERIC_RANK[a.kind]! >= NUMERIC_RANK[b.kind]! ? a : b;
}

/**
 * The type both `a` and `b` implicitly convert to, or null when there is none.
 * NULL unifies with anything; TIMESTAMP precisions unify to the larger; TIMESTAMP and
 * TIMESTAMP_LTZ unify to TIMESTAMP (both are epoch milliseconds at run time).
 */
export function commonType(a: SqlType, b: SqlType): SqlType | null {
  if (a.kind === 'NULL') return b;
  if (b.kind === 'NULL') return a;
  if (isNumeric(a) && isNumeric(b)) return widerNumeric(a, b);
  if (a.kind === 'TIMESTAMP' && b.kind === 'TIMESTAMP') {
    return { kind: 'TIMESTAMP', precision: Math.max(a.precision, b.precision), ltz: a.ltz && b.ltz };
  }
  if (a.kind === 'ARRAY' && b.kind === 'ARRAY') {
    const el = commonType(a.element, b.element);
    return el ? { kind: 'ARRAY', element: el, elementNullable: a.elementNullable || b.elementNullable } : null;
  }
  if (a.kind === 'MAP' && b.kind === 'MAP') {
    const v = commonType(a.value, b.value);
    return v ? { kind: 'MAP', key: STRING, value: v, valueNullable: a.valueNullable || b.valueNullable } : null;
  }
  if (a.kind === 'ROW' && b.kind === 'ROW') {
    if (a.fields.length !== b.fields.length) return null;
    const fields: RowField[] = [];
    for (let i = 0; i < a.fields.length; i++) {
      const fa = a.fields[i]!;
      const fb = b.fields[i]!;
      const t = commonType(fa.type, fb.type);
      if (!t || fa.name !== fb.name) return null;
      fields.push({ name: fa.name, type: t, nullable: fa.nullable || fb.nullable });
    }
    return { kind: 'ROW', fields };
  }
  return a.kind === b.kind ? a : null;
}

/** True when a value of type `from` may be used where `to` is expected without a written CAST. */
export function canImplicitlyConvert(from: SqlType, to: SqlType): boolean {
  if (from.kind === 'NULL') return true;
  if (sameType(from, to)) return true;
  if (isNumeric(from) && isNumeric(to)) {
    if (to.kind === 'DOUBLE') return true;
    if (to.kind === 'DECIMAL') return from.kind !== 'DOUBLE';
    if (to.kind === 'BIGINT') return from.kind === 'INT' || from.kind === 'BIGINT';
    return from.kind === 'INT';
  }
  if (from.kind === 'TIMESTAMP' && to.kind === 'TIMESTAMP') return true;
  if (from.kind === 'ARRAY' && to.kind === 'ARRAY') return canImplicitlyConvert(from.element, to.element);
  if (from.kind === 'MAP' && to.kind === 'MAP') return canImplicitlyConvert(from.value, to.value);
  if (from.kind === 'ROW' && to.kind === 'ROW') {
    return (
      from.fields.length === to.fields.length &&
      from.fields.every((f, i) => f.name === to.fields[i]!.name && canImplicitlyConvert(f.type, to.fields[i]!.type))
    );
  }
  return false;
}

/** True when an implicit conversion changes the run-time representation or declared type (needs a Cast node). */
export function needsCast(from: SqlType, to: SqlType): boolean {
  if (from.kind === 'NULL') return false;
  if (from.kind === 'TIMESTAMP' && to.kind === 'TIMESTAMP') return false;
  return !sameType(from, to);
}

const SCALAR_TO_STRING = new Set([
  'BOOLEAN',
  'INT',
  'BIGINT',
  'DOUBLE',
  'DECIMAL',
  'STRING',
  'TIMESTAMP',
  'DATE',
  'TIME',
  'BYTES',
]);

/** Which explicit CAST / TRY_CAST conversions exist. */
export function canCast(from: SqlType, to: SqlType): boolean {
  if (from.kind === 'NULL' || canImplicitlyConvert(from, to)) return true;
  const f = from.kind;
  const t = to.kind;
  if (isNumeric(from) && isNumeric(to)) return true;
  if (t === 'STRING') return SCALAR_TO_STRING.has(f) || f === 'ARRAY' || f === 'MAP' || f === 'ROW';
  if (f === 'STRING') return t !== 'INTERVAL' && t !== 'ARRAY' && t !== 'MAP' && t !== 'ROW';
  if (f === 'BOOLEAN' && isNumeric(to)) return true;
  if (isNumeric(from) && t === 'BOOLEAN') return true;
  if (f === 'TIMESTAMP' && (t === 'DATE' || t === 'TIME' || t === 'TIMESTAMP')) return true;
  if (f === 'DATE' && t === 'TIMESTAMP') return true;
  // Epoch milliseconds, both ways (Spark's cast; Flink needs TO_TIMESTAMP_LTZ).
  if (f === 'TIMESTAMP' && (t === 'BIGINT' || t === 'DOUBLE')) return true;
  if ((f === 'BIGINT' || f === 'INT') && t === 'TIMESTAMP') return true;
  // Elements convert only when every value does (a fallible element cast has no per-element error).
  if (f === 'ARRAY' && t === 'ARRAY') return elementCast(from.element, (to as { element: SqlType }).element);
  if (f === 'MAP' && t === 'MAP') return elementCast(from.value, (to as { value: SqlType }).value);
  return false;
}

function elementCast(from: SqlType, to: SqlType): boolean {
  return sameType(from, to) || (canCast(from, to) && !castMayFail(from, to));
}

/**
 * True when CAST from `from` to `to` can fail at run time for some value (CAST raises an error,
 * TRY_CAST gives NULL): text to anything but text, and numbers into BIGINT or DECIMAL.
 */
export function castMayFail(from: SqlType, to: SqlType): boolean {
  if (from.kind === 'STRING') return to.kind !== 'STRING';
  if (isNumeric(from) && (to.kind === 'BIGINT' || to.kind === 'DECIMAL'))
    return !(to.kind === 'BIGINT' && (from.kind === 'INT' || from.kind === 'BIGINT'));
  return false;
}

/** Types whose values can be ordered with < and compared with = (collections compare with = only). */
export function isOrderable(t: SqlType): boolean {
  return isNumeric(t) || ['STRING', 'TIMESTAMP', 'DATE', 'TIME', 'BOOLEAN', 'INTERVAL', 'NULL'].includes(t.kind);
}

export function isTimestamp(t: SqlType): boolean {
  return t.kind === 'TIMESTAMP';
}

export function isStringy(t: SqlType): boolean {
  return t.kind === 'STRING' || t.kind === 'NULL';
}
