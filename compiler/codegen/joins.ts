/**
 * Joins in generated code.
 *
 * Lookup join (stream–table, INNER or LEFT): fused into the per-row code of the stream side.
 * The table is declared once per query with `q.lookup(spec, key)` (the engine loads it before
 * the first batch and installs reloads between batches); for each stream row the generated code
 * computes the key, looks the rows up and runs the consumer above the join once per match for
 * which the residual is TRUE. LEFT: a row without such a match (NULL key included) runs it once
 * with the table fields NULL. Keys: one column → its value; several → `rt.compositeKey(...)`,
 * null when any key column is NULL (NULL matches nothing).
 */
import { error, type Diagnostic } from '../../grammar/diagnostic.ts';
import type { BoundExpr, LookupJoinNode, PlanField } from '../plan/plan.ts';
import type { FieldAccess } from './expr.ts';
import { refsOf } from './fields.ts';
import type { ModuleBuilder } from './module.ts';
import { propertyAccess, toCamelCase } from './names.ts';
import type { NameScope } from './names.ts';
import type { Consumer, RowView } from './query.ts';
import { FnScope } from './scope.ts';
import { isPrimitive, tsType } from './ts-types.ts';

type JoinRowView = RowView;
type JoinConsumer = Consumer;

/** What a join needs from the query compiler. */
export interface JoinHost {
  readonly module: ModuleBuilder;
  readonly diagnostics: Diagnostic[];
  readonly locals: NameScope;
  /** The row type and spec variable of a source. */
  source(name: string): { readonly row: string; readonly spec: string };
  /** Records the columns of a source read by the job. */
  read(source: string, fields: Iterable<string>): void;
  /** Declares a query-level constant (`code` uses `name`); returns its (placeholder) name. */
  declare(base: string, depth: number, code: (name: string) => string): string;
}

/** The right-side (table) fields by output name, and the inverse. */
function rightFields(node: LookupJoinNode): { byOutput: Map<string, PlanField>; right: readonly PlanField[] } {
  const right = node.table.schema;
  const byOutput = new Map<string, PlanField>();
  node.rightNames.forEach((n, i) => byOutput.set(n, right[i]!));
  return { byOutput, right };
}

/**
 * A key expression over `field`: the value of one key, or a composite string of several;
 * null when any key column is NULL. Returns the code (may use temporaries of `fn`).
 */
function keyCode(host: JoinHost, fn: FnScope, keys: readonly BoundExpr[], field: (name: string) => FieldAccess, span: LookupJoinNode['span']): string {
  const c = fn.compiler(field, span);
  if (keys.length === 1) return c.value(keys[0]!);
  const parts = keys.map((k, i) => {
    const v = c.compile(k);
    if (!c.mayBeNull(v) && v.simple) return { code: v.code, nullable: false };
    // A field read (`row.user_id`): tested and passed as is (TypeScript narrows it).
    if (v.simple && v.pre.length === 0 && v.guards.length === 1 && v.guards[0] === v.code) return { code: v.code, nullable: true };
    const t = fn.temp(`k${i}`, `${tsType(k.type)} | null`);
    return { code: t, nullable: true, init: `${t} = ${c.materialize(v)}` };
  });
  const inits = parts.flatMap((p) => ('init' in p ? [p.init] : []));
  const nulls = parts.filter((p) => p.nullable).map((p) => `${p.code} === null`);
  const composite = `${host.module.rt('compositeKey')}(${parts.map((p) => p.code).join(', ')})`;
  const core = nulls.length ? `${nulls.join(' || ')} ? null : ${composite}` : composite;
  return inits.length ? `(${[...inits, `(${core})`].join(', ')})` : core;
}

/** The TypeScript type of a lookup key. */
function keyType(keys: readonly BoundExpr[]): string {
  return keys.length === 1 ? tsType(keys[0]!.type) : 'string';
}

/**
 * The consumer of the join's input (the stream side): looks up the table and runs `downstream`
 * for each output row. `needed`: the output fields downstream reads. Also records the table
 * columns read. Returns the consumer and the stream-side fields it reads.
 */
export function lookupJoin(
  host: JoinHost,
  node: LookupJoinNode,
  downstream: JoinConsumer,
  needed: ReadonlySet<string>,
  depth: number,
): { consumer: JoinConsumer; needed: Set<string> } {
  const m = host.module;
  const { byOutput, right } = rightFields(node);
  for (const k of [...node.leftKeys, ...node.rightKeys]) {
    if (!isPrimitive(k.type)) host.diagnostics.push(error('SQ0802', 'a lookup join key must be a scalar (not ARRAY, MAP, ROW or BYTES)', node.span));
  }
  // Table columns read: keys, residual and output.
  const outputReads = new Set(needed);
  if (node.residual) refsOf(node.residual, outputReads);
  const tableReads = new Set<string>();
  for (const k of node.rightKeys) refsOf(k, tableReads);
  const leftReads = new Set<string>();
  for (const k of node.leftKeys) refsOf(k, leftReads);
  for (const n of outputReads) {
    const f = byOutput.get(n);
    if (f) tableReads.add(f.name);
    else leftReads.add(n);
  }
  const names = host.source(node.table.name);
  host.read(node.table.name, tableReads);
  const tableFields = new Map(right.map((f) => [f.name, f]));

  let table: string | null = null;
  const declareTable = (): string => {
    if (table !== null) return table;
    const keyFn = new FnScope(m, host.diagnostics, host.locals, ['row']);
    const key = keyCode(host, keyFn, node.rightKeys, (name) => {
      const f = tableFields.get(name)!;
      return { code: propertyAccess('row', name), nullable: f.nullable, type: f.type };
    }, node.span);
    const decls = keyFn.declarations();
    const keyArrow = decls ? `(row) => {\n${decls}\nreturn ${key};\n}` : `(row) => ${key}`;
    const kt = keyType(node.rightKeys);
    table = host.declare(`${toCamelCase(node.table.name)}Table`, depth, (name) =>
      `// ${node.joinType.toUpperCase()} lookup join with table ${node.table.name}, loaded before the first batch\nconst ${name} = q.lookup<${names.row}, ${kt}>(${names.spec}, ${keyArrow});`,
    );
    return table;
  };

  const consumer: JoinConsumer = (view, kind, fn) => {
    const t = declareTable();
    const key = keyCode(host, fn, node.leftKeys, (n) => view.field(n), node.span);
    const k = fn.names.fresh('key');
    const matches = fn.names.fresh('matches');
    const r = fn.names.fresh(`${toCamelCase(node.table.name)}Row`);
    const lines = [`const ${k} = ${key};`, `const ${matches} = ${k} === null ? undefined : ${t}.get(${k});`];
    if (node.joinType === 'inner') {
      const joined: JoinRowView = {
        field(name) {
          const f = byOutput.get(name);
          return f ? { code: propertyAccess(r, f.name), nullable: f.nullable, type: f.type } : view.field(name);
        },
        object: null,
      };
      const body = downstream(joined, kind, fn);
      const test = node.residual ? fn.compiler((n) => joined.field(n), node.span).isTrue(node.residual) : null;
      const inner = test === null ? body : `if (${test}) {\n${body}\n}`;
      lines.push(`if (${matches} !== undefined) {\nfor (const ${r} of ${matches}) {\n${inner}\n}\n}`);
      return lines.join('\n');
    }
    // LEFT: one pass over the matches plus a last step with no table row, taken when nothing matched.
    const matched = fn.names.fresh('matched');
    const i = fn.names.fresh('i');
    const n = fn.names.fresh('n');
    const matchView: JoinRowView = {
      field(name) {
        const f = byOutput.get(name);
        return f ? { code: propertyAccess(r, f.name), nullable: f.nullable, type: f.type } : view.field(name);
      },
      object: null,
    };
    const test = node.residual ? fn.compiler((x) => matchView.field(x), node.span).isTrue(node.residual) : null;
    // Table fields as read by the consumer: NULL on the padding step.
    const prelude: string[] = [];
    const read = new Map<string, FieldAccess>();
    const padded: JoinRowView = {
      field(name) {
        const f = byOutput.get(name);
        if (!f) return view.field(name);
        let a = read.get(name);
        if (!a) {
          const id = fn.names.fresh(name);
          prelude.push(`const ${id} = ${r} === null ? null : ${propertyAccess(r, f.name)};`);
          read.set(name, (a = { code: id, nullable: true, type: f.type }));
        }
        return a;
      },
      object: null,
    };
    const body = downstream(padded, kind, fn);
    lines.push(
      `let ${matched} = false;`,
      `for (let ${i} = 0, ${n} = ${matches}?.length ?? 0; ${i} <= ${n}; ${i}++) {`,
      `const ${r} = ${i} < ${n} ? ${matches}![${i}]! : null;`,
      test === null ? `if (${r} === null && ${matched}) continue;` : `if (${r} === null ? ${matched} : !(${test})) continue;`,
      `${matched} = true;`,
      ...prelude,
      body,
      '}',
    );
    return lines.join('\n');
  };
  return { consumer, needed: leftReads };
}
