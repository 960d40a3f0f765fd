/** SQL types to the TypeScript types that carry them at run time (see compiler/types.ts). */
import type { SqlType } from '../types.ts';
import { propertyKey } from './names.ts';

/** The TypeScript type of a non-NULL value of `t`. */
export function tsType(t: SqlType): string {
  switch (t.kind) {
    case 'BOOLEAN':
      return 'boolean';
    case 'INT':
    case 'BIGINT':
    case 'DOUBLE':
    case 'DECIMAL':
    case 'TIMESTAMP':
    case 'DATE':
    case 'TIME':
    case 'INTERVAL':
      return 'number';
    case 'STRING':
      return 'string';
    case 'BYTES':
      return 'Uint8Array';
    case 'ARRAY': {
      const element = nullableTsType(t.element, t.elementNullable);
      return t.elementNullable ? `(${element})[]` : `${element}[]`;
    }
    case 'MAP':
      return `Record<string, ${nullableTsType(t.value, t.valueNullable)}>`;
    case 'ROW':
      return `{ ${t.fields.map((f) => `${propertyKey(f.name)}: ${nullableTsType(f.type, f.nullable)}`).join('; ')} }`;
    case 'NULL':
      return 'null';
  }
}

/** `T` or `T | null`. */
export function nullableTsType(t: SqlType, nullable: boolean): string {
  const base = tsType(t);
  return nullable && base !== 'null' ? `${base} | null` : base;
}

/** A short comment naming the SQL type, where the TS type (`number`) loses information. */
export function sqlTypeComment(t: SqlType): string | null {
  switch (t.kind) {
    case 'TIMESTAMP':
      return 'epoch milliseconds (UTC)';
    case 'DATE':
      return 'days since 1970-01-01';
    case 'TIME':
      return 'milliseconds since midnight';
    case 'INTERVAL':
      return 'milliseconds';
    case 'BIGINT':
      return 'BIGINT (safe integer)';
    case 'DECIMAL':
      return `DECIMAL(${t.precision}, ${t.scale}) carried as a double`;
    default:
      return null;
  }
}

/** True for types whose values are JavaScript primitives compared with `===`. */
export function isPrimitive(t: SqlType): boolean {
  return t.kind !== 'ARRAY' && t.kind !== 'MAP' && t.kind !== 'ROW' && t.kind !== 'BYTES';
}
