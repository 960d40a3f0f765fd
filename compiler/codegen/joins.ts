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
import { internal } from './internal.ts';
import { STATE_VERSIONS, type OperatorDescriptor } from '../../runtime/contract.ts';
import { exprToSql } from '../explain/expr.ts';
import type {
  BoundExpr,
  IntervalJoinNode,
  LookupJoinNode,
  PlanField,
  PlanNode,
  RegularJoinNode,
  WindowJoinNode,
} from '../plan/plan.ts';
import { numberLiteral, type FieldAccess } from './expr.ts';
import { refsOf } from './fields.ts';
import type { ModuleBuilder } from './module.ts';
import { propertyAccess, propertyKey, toCamelCase } from './names.ts';
import { rowInterface } from './schema.ts';
import type { NameScope } from './names.ts';
import type { Consumer, RowView } from './row-view.ts';
import { FnScope } from './scope.ts';
import { isPrimitive, tsType } from './ts-types.ts';

type JoinRowView = RowView;
type JoinConsumer = Consumer;

/** What a join needs from the query compiler. */
export interface JoinHost {
  readonly module: ModuleBuilder;
  readonly locals: NameScope;
  /** The row type and spec variable of a source. */
  source(name: string): { readonly row: string; readonly spec: string };
  /** Records the columns of a source read by the job. */
  read(source: string, fields: Iterable<string>): void;
  /** Declares a query-level constant (`code` uses `name`); returns its (placeholder) name. */
  declare(base: string, depth: number, code: (name: string) => string, descriptor?: OperatorDescriptor): string;
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
function keyCode(
  host: JoinHost,
  fn: FnScope,
  keys: readonly BoundExpr[],
  field: (name: string) => FieldAccess,
  span: LookupJoinNode['span'],
): string {
  const c = fn.compiler(field, span);
  if (keys.length === 1) return c.value(keys[0]!);
  const parts = keys.map((k, i) => {
    const v = c.compile(k);
    if (!c.mayBeNull(v) && v.simple) return { code: v.code, nullable: false };
    // A field read (`row.user_id`): tested and passed as is (TypeScript narrows it).
    if (v.simple && v.pre.length === 0 && v.guards.length === 1 && v.guards[0] === v.code)
      return { code: v.code, nullable: true };
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
    if (!isPrimitive(k.type)) internal('a lookup join key must be a scalar (not ARRAY, MAP, ROW or BYTES)');
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
    const keyFn = new FnScope(m, host.locals, ['row']);
    const key = keyCode(
      host,
      keyFn,
      node.rightKeys,
      (name) => {
        const f = tableFields.get(name)!;
        return { code: propertyAccess('row', name), nullable: f.nullable, type: f.type };
      },
      node.span,
    );
    const decls = keyFn.declarations();
    const keyArrow = decls ? `(row) => {\n${decls}\nreturn ${key};\n}` : `(row) => ${key}`;
    const kt = keyType(node.rightKeys);
    // Tables first: operators' `out` callbacks may read them.
    table = host.declare(
      `${toCamelCase(node.table.name)}Table`,
      Number.MAX_SAFE_INTEGER,
      (name) =>
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
      test === null
        ? `if (${r} === null && ${matched}) continue;`
        : `if (${r} === null ? ${matched} : !(${test})) continue;`,
      `${matched} = true;`,
      ...prelude,
      body,
      '}',
    );
    return lines.join('\n');
  };
  return { consumer, needed: leftReads };
}

// ---------------------------------------------------------------------------------------------
// Two-input joins: interval, window and regular

type TwoInputJoin = IntervalJoinNode | WindowJoinNode | RegularJoinNode;

export interface TwoInputHost extends JoinHost {
  /** The base of the query's type names (`Attributed`). */
  readonly base: string;
  /** Declares a module-level type or function. */
  declareType(code: string): void;
  /** Compiles `input` so that each of its rows goes to `consumer` (which reads `needed`). */
  input(input: PlanNode, consumer: Consumer, needed: ReadonlySet<string>, depth: number): void;
}

const OPERATOR: Readonly<
  Record<TwoInputJoin['kind'], { cls: string; id: 'interval-join' | 'window-join' | 'regular-join'; base: string }>
> = {
  IntervalJoin: { cls: 'IntervalJoin', id: 'interval-join', base: 'join' },
  WindowJoin: { cls: 'WindowJoin', id: 'window-join', base: 'join' },
  RegularJoin: { cls: 'RegularJoin', id: 'regular-join', base: 'join' },
};

/**
 * A stream–stream join as its runtime operator: the left input pushes rows of exactly the left
 * fields the join reads (side 0), the right input likewise (side 1); the operator's `out` runs
 * the consumer above the join on a row of the output fields downstream reads.
 */
export function twoInputJoin(
  host: TwoInputHost,
  node: TwoInputJoin,
  downstream: Consumer,
  needed: ReadonlySet<string>,
  depth: number,
): void {
  const m = host.module;
  const leftSchema = node.left.schema;
  const rightSchema = node.right.schema;
  const rightByOutput = new Map<string, PlanField>();
  node.rightNames.forEach((n, i) => rightByOutput.set(n, rightSchema[i]!));
  for (const k of [...node.leftKeys, ...node.rightKeys]) {
    if (!isPrimitive(k.type)) internal('a join key must be a scalar (not ARRAY, MAP, ROW or BYTES)');
  }
  const outerLeft = node.joinType === 'left' || node.joinType === 'full';
  const outerRight = node.joinType === 'right' || node.joinType === 'full';

  // Fields each side's rows carry into the operator.
  const leftReads = new Set<string>();
  const rightReads = new Set<string>();
  for (const k of node.leftKeys) refsOf(k, leftReads);
  for (const k of node.rightKeys) refsOf(k, rightReads);
  const timeFields = timeFieldsOf(node);
  timeFields.left.forEach((f) => leftReads.add(f));
  timeFields.right.forEach((f) => rightReads.add(f));
  const outReads = new Set<string>();
  if (node.residual) refsOf(node.residual, outReads);
  const outFields = node.schema.filter((f) => needed.has(f.name));
  for (const f of outFields) outReads.add(f.name);
  for (const n of outReads) {
    const r = rightByOutput.get(n);
    if (r) rightReads.add(r.name);
    else leftReads.add(n);
  }
  const leftFields = leftSchema.filter((f) => leftReads.has(f.name));
  const rightFields = rightSchema.filter((f) => rightReads.has(f.name));
  const what = `the ${OPERATOR[node.kind].id.replace('-', ' ')} (${node.joinType.toUpperCase()})`;
  const leftType = m.names.fresh(`${host.base}JoinLeft`);
  const rightType = m.names.fresh(`${host.base}JoinRight`);
  const outType = m.names.fresh(`${host.base}Joined`);
  host.declareType(rowInterface(leftType, leftFields, `The columns of the left input ${what} reads.`));
  host.declareType(rowInterface(rightType, rightFields, `The columns of the right input ${what} reads.`));
  // Output: a side's fields are nullable when the other side is outer.
  const outPlan = outFields.map((f) =>
    rightByOutput.has(f.name) ? (outerLeft ? { ...f, nullable: true } : f) : outerRight ? { ...f, nullable: true } : f,
  );
  host.declareType(rowInterface(outType, outPlan, `A result row of ${what}.`));

  const leftByName = new Map(leftFields.map((f) => [f.name, f]));
  const rightByName = new Map(rightFields.map((f) => [f.name, f]));
  const readLeft =
    (row: string) =>
    (name: string): FieldAccess => {
      const f = leftByName.get(name)!;
      return { code: propertyAccess(row, name), nullable: f.nullable, type: f.type };
    };
  const readRight =
    (row: string) =>
    (name: string): FieldAccess => {
      const f = rightByName.get(name)!;
      return { code: propertyAccess(row, name), nullable: f.nullable, type: f.type };
    };
  const fnOf = (params: readonly string[], body: (fn: FnScope) => string): string => {
    const fn = new FnScope(m, host.locals, params);
    const value = body(fn);
    const decls = fn.declarations();
    const ps = params.map((p) => (new RegExp(`\\b${p}\\b`).test(value) ? p : `_${p}`)).join(', ');
    return decls ? `(${ps}) => {\n${decls}\nreturn ${value};\n}` : `(${ps}) => ${value}`;
  };
  const config: string[] = [
    `id: ${JSON.stringify(`n${node.id}.${OPERATOR[node.kind].id}`)}`,
    `joinType: ${JSON.stringify(node.joinType)}`,
  ];
  config.push(`leftKey: ${fnOf(['row'], (fn) => keyCode(host, fn, node.leftKeys, readLeft('row'), node.span))}`);
  config.push(`rightKey: ${fnOf(['row'], (fn) => keyCode(host, fn, node.rightKeys, readRight('row'), node.span))}`);
  const joinedField =
    (l: string | null, r: string | null) =>
    (name: string): FieldAccess => {
      const rf = rightByOutput.get(name);
      if (rf) return r === null ? { code: 'null', nullable: true, type: rf.type } : readRight(r)(rf.name);
      return l === null
        ? { code: 'null', nullable: true, type: leftSchema.find((f) => f.name === name)!.type }
        : readLeft(l)(name);
    };
  config.push(
    `residual: ${node.residual ? fnOf(['left', 'right'], (fn) => fn.compiler(joinedField('left', 'right'), node.span).isTrue(node.residual!)) : 'null'}`,
  );
  const build = (l: string | null, r: string | null) => {
    const get = joinedField(l, r);
    return `({ ${outPlan.map((f) => `${propertyKey(f.name)}: ${get(f.name).code}`).join(', ')} })`;
  };
  config.push(`join: ${fnOf(['left', 'right'], () => build('left', 'right'))}`);
  if (outerLeft) config.push(`leftOnly: ${fnOf(['left'], () => build('left', null))}`);
  if (outerRight) config.push(`rightOnly: ${fnOf(['right'], () => build(null, 'right'))}`);
  config.push(...timeConfig(node, readLeft('row'), readRight('row')));
  const outFn = new FnScope(m, host.locals, ['row', 'kind']);
  const outByName = new Map(outPlan.map((f) => [f.name, f]));
  const statements = downstream(
    {
      field(name) {
        const f = outByName.get(name);
        if (!f) throw new Error(`internal: join output has no field "${name}"`);
        return { code: propertyAccess('row', name), nullable: f.nullable, type: f.type };
      },
      object: null,
    },
    'kind',
    outFn,
  );
  const usesKind = /\bkind\b/.test(statements);
  config.push(`out: (row, ${usesKind ? 'kind' : '_kind'}) => {\n${outFn.body(statements)}\n}`);
  const kt = node.leftKeys.length === 1 ? tsType(node.leftKeys[0]!.type) : 'string';
  const kind = OPERATOR[node.kind].id;
  const op = host.declare(
    OPERATOR[node.kind].base,
    depth + 1,
    (name) =>
      `const ${name} = q.operator(\nnew ${m.rt(OPERATOR[node.kind].cls)}<${leftType}, ${rightType}, ${kt}, ${outType}>({\n${config.join(',\n')},\n}),\n);`,
    {
      id: `n${node.id}.${kind}`,
      kind,
      version: STATE_VERSIONS[kind],
      config:
        node.kind === 'IntervalJoin'
          ? {
              joinType: node.joinType,
              lowerMs: node.lowerMs,
              lowerInclusive: node.lowerInclusive,
              upperMs: node.upperMs,
              upperInclusive: node.upperInclusive,
            }
          : { joinType: node.joinType },
      keys: {
        leftKey: node.leftKeys.map(exprToSql).join(', '),
        rightKey: node.rightKeys.map(exprToSql).join(', '),
      },
      state: null,
    },
  );
  const pusher =
    (fields: readonly PlanField[], side: number): Consumer =>
    (view, kind, fn) => {
      const props = fields.map((f) => {
        const x = view.field(f.name);
        const code = !f.nullable && x.nullable ? `${m.fn('notNull')}(${x.code}, ${JSON.stringify(f.name)})` : x.code;
        return code === propertyKey(f.name) ? code : `${propertyKey(f.name)}: ${code}`;
      });
      void fn;
      // an updating side hands each row's kind on: the join retracts -U/-D rows
      const updating = (side === 0 ? node.left : node.right).props.changelog !== 'append';
      return `${op}.push({ ${props.join(', ')} }, ${side}${updating && kind ? `, ${kind}` : ''});`;
    };
  host.input(node.left, pusher(leftFields, 0), leftReads, depth + 1);
  host.input(node.right, pusher(rightFields, 1), rightReads, depth + 1);
}

function timeFieldsOf(node: TwoInputJoin): { left: string[]; right: string[] } {
  switch (node.kind) {
    case 'IntervalJoin':
      return { left: [node.leftTime], right: [node.rightTime] };
    case 'WindowJoin':
      return { left: [node.leftStart, node.leftEnd], right: [node.rightStart, node.rightEnd] };
    case 'RegularJoin':
      return { left: [], right: [] };
  }
}

function timeConfig(
  node: TwoInputJoin,
  left: (name: string) => FieldAccess,
  right: (name: string) => FieldAccess,
): string[] {
  switch (node.kind) {
    case 'IntervalJoin':
      return [
        `leftTime: (row) => ${left(node.leftTime).code}`,
        `rightTime: (row) => ${right(node.rightTime).code}`,
        `lowerMs: ${numberLiteral(node.lowerMs)}`,
        `lowerInclusive: ${node.lowerInclusive}`,
        `upperMs: ${numberLiteral(node.upperMs)}`,
        `upperInclusive: ${node.upperInclusive}`,
      ];
    case 'WindowJoin':
      return [
        `leftStart: (row) => ${left(node.leftStart).code}`,
        `leftEnd: (row) => ${left(node.leftEnd).code}`,
        `rightStart: (row) => ${right(node.rightStart).code}`,
        `rightEnd: (row) => ${right(node.rightEnd).code}`,
      ];
    case 'RegularJoin':
      return [];
  }
}
