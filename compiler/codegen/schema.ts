/**
 * Schemas as the runtime reads them (`rt.FieldDesc[]`, for encoding, CSV column order and
 * datagen) and the row interfaces generated code is typed with.
 */
import type { PlanField } from '../plan/plan.ts';
import type { SqlType } from '../types.ts';
import type { ModuleBuilder } from './module.ts';
import { numberLiteral } from './expr.ts';
import { propertyKey } from './names.ts';
import { nullableTsType, sqlTypeComment } from './ts-types.ts';

/** A `rt.TypeDesc` literal, hoisted to a module constant (`STRING`, `ARRAY_OF_STRING`). */
export function typeDesc(m: ModuleBuilder, t: SqlType): string {
  return m.constant(typeDescName(t), typeDescLiteral(m, t), undefined, m.rt('TypeDesc'));
}

function typeDescName(t: SqlType): string {
  switch (t.kind) {
    case 'ARRAY':
      return `ARRAY_OF_${typeDescName(t.element)}`;
    case 'MAP':
      return `MAP_OF_${typeDescName(t.value)}`;
    case 'ROW':
      return `ROW_OF_${t.fields.map((f) => f.name).join('_')}`;
    default:
      return t.kind;
  }
}

function typeDescLiteral(m: ModuleBuilder, t: SqlType): string {
  switch (t.kind) {
    case 'ARRAY':
      return `{ kind: 'ARRAY', element: ${typeDesc(m, t.element)} }`;
    case 'MAP':
      return `{ kind: 'MAP', value: ${typeDesc(m, t.value)} }`;
    case 'ROW':
      return `{ kind: 'ROW', fields: [${t.fields.map((f) => fieldDesc(m, f)).join(', ')}] }`;
    default:
      return `{ kind: '${t.kind}' }`;
  }
}

function fieldDesc(
  m: ModuleBuilder,
  f: { readonly name: string; readonly type: SqlType; readonly nullable: boolean },
): string {
  return `{ name: ${JSON.stringify(f.name)}, type: ${typeDesc(m, f.type)}${f.nullable ? '' : ', nullable: false'} }`;
}

/** `[{ name: 'a', type: STRING }, ...]`. */
export function fieldDescs(m: ModuleBuilder, fields: readonly PlanField[]): string {
  return `[${fields.map((f) => fieldDesc(m, f)).join(', ')}]`;
}

/** An exported interface with one property per field; `doc` becomes its JSDoc. */
export function rowInterface(name: string, fields: readonly PlanField[], doc: string): string {
  const props = fields.map((f) => {
    const note = sqlTypeComment(f.type);
    const comment = note ? ` // ${note}` : '';
    return `${propertyKey(f.name)}: ${nullableTsType(f.type, f.nullable)};${comment}`;
  });
  return `/** ${doc} */\nexport interface ${name} {\n${props.join('\n')}\n}`;
}

/** A JSON-like value as a TypeScript literal, numbers written readably (`10_000`). */
export function literal(v: unknown): string {
  if (typeof v === 'number') return numberLiteral(v);
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    return `{ ${Object.entries(v)
      .map(([k, x]) => `${propertyKey(k)}: ${literal(x)}`)
      .join(', ')} }`;
  }
  return JSON.stringify(v);
}
