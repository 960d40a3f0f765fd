/**
 * SQL types as the compiler sees them, and how each is carried at run time.
 *
 * | SQL type                    | run-time value                                   |
 * |-----------------------------|--------------------------------------------------|
 * | BOOLEAN                     | boolean                                          |
 * | TINYINT, SMALLINT, INT      | number (32-bit integer)                          |
 * | BIGINT                      | number, restricted to the safe integer range ±(2^53−1); inputs outside it are parse errors and arithmetic that leaves it is a run-time error — never silent rounding |
 * | FLOAT, DOUBLE               | number                                           |
 * | DECIMAL(p, s)               | number (a double; documented approximation)      |
 * | STRING, VARCHAR, CHAR       | string                                           |
 * | TIMESTAMP(p), TIMESTAMP_LTZ | number: epoch milliseconds, UTC                  |
 * | DATE                        | number: days since 1970-01-01                    |
 * | TIME                        | number: milliseconds since midnight              |
 * | INTERVAL                    | number: milliseconds                             |
 * | ARRAY<T>                    | T[]                                              |
 * | MAP<STRING, T>              | Record<string, T>                                |
 * | ROW<a T, ...>               | { a: T, ... }                                    |
 *
 * Every type is nullable unless NOT NULL; nullability lives on the field or expression, not in
 * the type. NULL is `null` at run time (never `undefined`).
 */

export type SqlType =
  | { readonly kind: 'BOOLEAN' }
  | { readonly kind: 'INT' }
  | { readonly kind: 'BIGINT' }
  | { readonly kind: 'DOUBLE' }
  | { readonly kind: 'DECIMAL'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'STRING' }
  | { readonly kind: 'BYTES' }
  | { readonly kind: 'TIMESTAMP'; readonly precision: number; readonly ltz: boolean }
  | { readonly kind: 'DATE' }
  | { readonly kind: 'TIME' }
  | { readonly kind: 'INTERVAL' }
  | { readonly kind: 'ARRAY'; readonly element: SqlType; readonly elementNullable: boolean }
  | { readonly kind: 'MAP'; readonly key: SqlType; readonly value: SqlType; readonly valueNullable: boolean }
  | { readonly kind: 'ROW'; readonly fields: readonly RowField[] }
  /** The type of a bare NULL literal before it is unified with a context. */
  | { readonly kind: 'NULL' };

export type SqlTypeKind = SqlType['kind'];

export interface RowField {
  readonly name: string;
  readonly type: SqlType;
  readonly nullable: boolean;
}

export const BOOLEAN: SqlType = Object.freeze({ kind: 'BOOLEAN' });
export const INT: SqlType = Object.freeze({ kind: 'INT' });
export const BIGINT: SqlType = Object.freeze({ kind: 'BIGINT' });
export const DOUBLE: SqlType = Object.freeze({ kind: 'DOUBLE' });
export const STRING: SqlType = Object.freeze({ kind: 'STRING' });
export const TIMESTAMP: SqlType = Object.freeze({ kind: 'TIMESTAMP', precision: 3, ltz: false });
export const DATE: SqlType = Object.freeze({ kind: 'DATE' });
export const TIME: SqlType = Object.freeze({ kind: 'TIME' });
export const INTERVAL: SqlType = Object.freeze({ kind: 'INTERVAL' });
export const NULL_TYPE: SqlType = Object.freeze({ kind: 'NULL' });

export function isNumeric(t: SqlType): boolean {
  return t.kind === 'INT' || t.kind === 'BIGINT' || t.kind === 'DOUBLE' || t.kind === 'DECIMAL';
}

export function isTemporal(t: SqlType): boolean {
  return t.kind === 'TIMESTAMP' || t.kind === 'DATE' || t.kind === 'TIME';
}

/** Renders a type the way a user writes it: `TIMESTAMP(3)`, `ARRAY<STRING>`, `ROW<a INT, b STRING>`. */
export function typeToString(t: SqlType): string {
  switch (t.kind) {
    case 'DECIMAL':
      return `DECIMAL(${t.precision}, ${t.scale})`;
    case 'TIMESTAMP':
      return t.ltz ? `TIMESTAMP_LTZ(${t.precision})` : `TIMESTAMP(${t.precision})`;
    case 'ARRAY':
      return `ARRAY<${typeToString(t.element)}${t.elementNullable ? '' : ' NOT NULL'}>`;
    case 'MAP':
      return `MAP<${typeToString(t.key)}, ${typeToString(t.value)}${t.valueNullable ? '' : ' NOT NULL'}>`;
    case 'ROW':
      return `ROW<${t.fields.map((f) => `${f.name} ${typeToString(f.type)}${f.nullable ? '' : ' NOT NULL'}`).join(', ')}>`;
    default:
      return t.kind;
  }
}

/** Structural type equality (nullability of nested elements included). */
export function sameType(a: SqlType, b: SqlType): boolean {
  return typeToString(a) === typeToString(b);
}
