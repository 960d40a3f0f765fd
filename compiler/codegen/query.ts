/**
 * One query (INSERT) → one function `(q: rt.QueryBuilder) => void` that wires generated code to
 * the runtime: a sink writer, the stateful operators (upstream first) and one `q.input` per
 * scanned source.
 *
 * The plan is compiled from the sink down. Every node turns "what to do with a row of my
 * output" (a `Consumer`, which appends statements) into "what to do with a row of my input":
 * - stateless nodes (Filter, Project, Unnest, WindowAssign) wrap the statements of the consumer
 *   above them, so the chain scan → filter → project → unnest → window assign becomes one
 *   fused block of code per row, with projected values in local constants;
 * - a stateful node (window/session/group aggregate, sort) declares its runtime operator, whose
 *   `out` runs the consumer above it, and consumes its input by `op.push(row, 0)`;
 * - a scan hands its rows to `q.input(source, (row) => { ... })`.
 * Operators receive the row object as it is when it already has the fields they read, else a
 * row with exactly those fields. An aggregate followed only by projections into the sink
 * builds the sink's row directly in its `result`.
 */
import { children } from '../plan/walk.ts';
import { createHash } from 'node:crypto';
import { internal } from './internal.ts';
import { STATE_VERSIONS, type OperatorDescriptor, type QueryDescriptor } from '../../runtime/contract.ts';
import { explainTree } from '../explain/explain.ts';
import { exprToSql } from '../explain/expr.ts';
import { formatDuration, formatWindow } from '../../runtime/windows/format.ts';
import type {
  AggregateNode,
  BoundExpr,
  NamedExpr,
  OverAggregateNode,
  PlanField,
  RankNode,
  PlanNode,
  ProjectNode,
  QueryPlan,
  SinkNode,
  SortNode,
  WindowAggregateNode,
} from '../plan/plan.ts';
import { BIGINT, INT, TIMESTAMP, type SqlType } from '../types.ts';
import { aggregateRowFields, compileAggregate } from './aggregate.ts';
import { numberLiteral, type FieldAccess } from './expr.ts';
import { isStateless, neededInputs, operatorInputs, refsOf } from './fields.ts';
import { lookupJoin, twoInputJoin, type TwoInputHost } from './joins.ts';
import type { ModuleBuilder } from './module.ts';
import { NameScope, propertyAccess, propertyKey, toCamelCase, toPascalCase } from './names.ts';
import { rowInterface } from './schema.ts';
import type { Consumer, RowView } from './row-view.ts';
import { FnScope } from './scope.ts';
import type { SinkNames } from './sinks.ts';
import type { SourceNames } from './sources.ts';
import { isPrimitive, nullableTsType } from './ts-types.ts';

const nullableTsTypeOf = (f: PlanField): string => nullableTsType(f.type, f.nullable);

/** What the query compiler needs from the module: declared names and the columns read. */
export interface QueryContext {
  readonly module: ModuleBuilder;
  readonly sourcePath: string;
  source(name: string): SourceNames;
  sink(name: string): SinkNames;
  /** Records that this job reads these columns of a source (projection pushdown). */
  read(source: string, fields: Iterable<string>): void;
}

/** A row object `code` of interface `type` with `fields`. */
function objectView(code: string, type: string, fields: readonly PlanField[], exact: boolean): RowView {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const field = (name: string): FieldAccess => {
    const f = byName.get(name);
    if (!f) throw new Error(`internal: row ${type} has no field "${name}"`);
    return { code: propertyAccess(code, name), nullable: f.nullable, type: f.type };
  };
  return { field, object: { code, type, exact: exact ? new Set(byName.keys()) : null, declared: field } };
}

const COMPARISONS = new Set(['=', '<>', '<', '<=', '>', '>=']);

/**
 * Fields that are non-NULL wherever `predicate` is TRUE and that the generated test checks in a
 * form TypeScript narrows (`x !== null && ...`, `x === 'a'`): conjuncts comparing fields with
 * literals or fields, and `x IS NOT NULL`.
 */
function nonNullWhenTrue(predicate: BoundExpr): Set<string> {
  const out = new Set<string>();
  const visit = (e: BoundExpr) => {
    if (e.kind !== 'Call') return;
    if (e.op === 'AND') e.args.forEach(visit);
    else if (e.op === 'IS NOT NULL' && e.args[0]!.kind === 'FieldRef') out.add(e.args[0]!.name);
    else if (
      COMPARISONS.has(e.op) &&
      e.args.every((a) => a.kind === 'FieldRef' || (a.kind === 'Literal' && a.value !== null))
    ) {
      for (const a of e.args) if (a.kind === 'FieldRef') out.add(a.name);
    }
  };
  visit(predicate);
  return out;
}

function sameSet(a: ReadonlySet<string> | null, b: Iterable<string>): boolean {
  if (a === null) return false;
  const items = [...b];
  return items.length === a.size && items.every((x) => a.has(x));
}

function single(statements: string): string | null {
  const s = statements.trim();
  return /^[^\n;{}]*;$/.test(s) ? s.slice(0, -1) : null;
}

/** An arrow function `(params) => expr` or `(params) => { body }`. */
function arrow(names: string, fn: FnScope, statements: string): string {
  const params = names
    .split(', ')
    .map((p) => (new RegExp(`\\b${p}\\b`).test(statements) ? p : `_${p}`))
    .join(', ');
  if (!fn.declarations()) {
    const s = statements.trim();
    // A lone `return {...};` (always generated on one line) becomes `=> ({...})`.
    if (s.startsWith('return ') && !s.includes('\n')) return `(${params}) => (${s.slice(7, -1)})`;
    const one = single(s);
    if (one !== null) return `(${params}) => ${one}`;
  }
  return `(${params}) => {\n${fn.body(statements)}\n}`;
}

/** A query's name without the `insert_into_` prefix, in PascalCase: the base of its type names. */
function baseName(q: QueryPlan): string {
  return toPascalCase(q.name.replace(/^insert_into_/, '')) || 'Query';
}

export class QueryGen {
  private readonly m: ModuleBuilder;
  private readonly base: string;
  /** Local names of the query function. */
  private readonly locals: NameScope;
  /** Operator declarations with their distance from the sink (upstream first when sorted). */
  private readonly operators: {
    depth: number;
    code: string;
    placeholder: string;
    base: string;
    /** What the operator's saved state depends on (stateful operators). */
    descriptor?: OperatorDescriptor;
  }[] = [];
  private described: QueryDescriptor | null = null;
  private readonly inputs: string[] = [];
  private readonly parents = new Map<PlanNode, PlanNode>();
  private sinkVar = 'sink';

  constructor(
    private readonly cx: QueryContext,
    private readonly query: QueryPlan,
  ) {
    this.m = cx.module;
    this.base = baseName(query);
    this.locals = this.m.names.child(['q']);
  }

  /**
   * What checkpoint compatibility compares (runtime/contract.ts `QueryDescriptor`): the stateful
   * operators in registration order, as plan facts, and a hash of the query's plan. After `generate`.
   */
  get descriptor(): QueryDescriptor {
    if (this.described === null) return internal('the query descriptor is read before the query is generated');
    return this.described;
  }

  /** The name of the generated function. */
  get functionName(): string {
    return toCamelCase(this.query.name);
  }

  /**
   * Renders the query into the module: declares its row interfaces, accumulator classes and
   * hoisted constants, and the function `name(q: rt.QueryBuilder): void` that registers its
   * operators (upstream first), its inputs and its sink writer. Records the columns each source
   * must decode (`QueryContext.read`) and the query's `descriptor`, readable afterwards.
   * Returns nothing: the plan was accepted by `analyze`, so every query renders; a plan it
   * cannot render is a compiler bug, thrown as `internal(...)` (SQ9999 from `emit`).
   */
  generate(name: string): void {
    const root = this.query.root;
    this.index(root);
    const sinkNames = this.cx.sink(root.sink.name);
    const options: string[] = [];
    if (root.upsertKey) options.push(`upsertKey: ${JSON.stringify(root.upsertKey)}`);
    // `-U` rows reach the sink writer, which folds them into upserts and deletes
    if (root.input.props.changelog === 'retract') options.push(`changelog: 'retract'`);
    this.sinkVar = this.locals.fresh('sink');
    const sinkDecl = `const ${this.sinkVar} = q.sink<${sinkNames.row}>(${JSON.stringify(root.sink.name)}${options.length ? `, { ${options.join(', ')} }` : ''});`;
    const needed = new Set(root.input.schema.map((f) => f.name));
    this.node(root.input, this.sinkConsumer(root), needed, 0);
    // Operators are declared upstream first and named in that order (`windows`, then `windows2`).
    const ordered = [...this.operators].sort((a, b) => b.depth - a.depth);
    this.described = {
      operators: ordered.flatMap((o) => (o.descriptor ? [o.descriptor] : [])),
      logic: createHash('sha256').update(explainTree(this.query)).digest('hex').slice(0, 16),
    };
    const names = new Map(ordered.map((o) => [o.placeholder, this.locals.fresh(o.base)]));
    const named = (code: string) => code.replace(/\u0000op\d+\u0000/g, (p) => names.get(p)!);
    const body = [sinkDecl, ...ordered.map((o) => o.code), ...this.inputs].map(named).join('\n');
    const doc = [
      `${this.cx.sourcePath}:${this.query.span.line} INSERT INTO ${root.sink.name}`,
      `${describe(root.input)} → ${root.sink.name}, EMIT ${root.emit.toUpperCase()}`,
    ];
    this.m.declare(
      'queries',
      `/**\n * ${doc.join('\n * ')}\n */\nfunction ${name}(q: ${this.m.rt('QueryBuilder')}): void {\n${body}\n}`,
    );
  }

  private index(node: PlanNode): void {
    for (const child of children(node)) {
      this.parents.set(child, node);
      this.index(child);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Nodes

  /** Compiles `node` so that each of its output rows goes to `consumer`, which reads `needed`. */
  private node(node: PlanNode, consumer: Consumer, needed: ReadonlySet<string>, depth: number): void {
    switch (node.kind) {
      case 'Scan':
        return this.scan(node, consumer, needed);
      case 'Filter':
      case 'Project':
      case 'Unnest':
      case 'WindowAssign':
        return this.node(node.input, this.stateless(node, consumer, needed), neededInputs(node, needed), depth);
      case 'WindowAggregate':
      case 'Aggregate':
        return this.aggregate(node, consumer, needed, depth + 1);
      case 'Sort':
        return this.sort(node, consumer, depth + 1);
      case 'Rank':
        return this.rank(node, consumer, needed, depth + 1);
      case 'OverAggregate':
        return this.overAggregate(node, consumer, needed, depth + 1);
      case 'Normalize':
        return this.normalize(node, consumer, needed, depth + 1);
      case 'Union':
        return this.union(node, consumer, needed, depth);
      case 'LookupJoin': {
        const j = lookupJoin(this.joinHost(), node, consumer, needed, depth);
        return this.node(node.input, j.consumer, j.needed, depth);
      }
      case 'IntervalJoin':
      case 'WindowJoin':
      case 'RegularJoin':
        return twoInputJoin(this.joinHost(), node, consumer, needed, depth);
      default:
        throw new Error(`internal: unexpected ${node.kind} in a query`);
    }
  }

  private scan(node: Extract<PlanNode, { kind: 'Scan' }>, consumer: Consumer, needed: ReadonlySet<string>): void {
    const def = node.source;
    const names = this.cx.source(def.name);
    this.cx.read(def.name, needed);
    const fn = new FnScope(this.m, this.locals, ['row']);
    const view = objectView('row', names.row, def.schema, false);
    // a changelog source (upsert-kafka) hands each row's kind on: +U for a value, -D for a tombstone
    const changelog = node.props.changelog !== 'append';
    const statements = consumer(view, changelog ? 'kind' : null, fn);
    this.inputs.push(`q.input(${names.spec}, ${arrow(changelog ? 'row, kind' : 'row', fn, statements)});`);
  }

  private union(
    node: Extract<PlanNode, { kind: 'Union' }>,
    consumer: Consumer,
    needed: ReadonlySet<string>,
    depth: number,
  ): void {
    node.inputs.forEach((input) => {
      const rename = new Map(node.schema.map((f, i) => [f.name, input.schema[i]!.name]));
      const same = [...rename].every(([a, b]) => a === b);
      const renamed: Consumer = (view, kind, fn) =>
        consumer({ field: (name) => view.field(rename.get(name)!), object: same ? view.object : null }, kind, fn);
      this.node(input, renamed, new Set([...needed].map((n) => rename.get(n)!)), depth);
    });
  }

  // -------------------------------------------------------------------------------------------
  // Stateless stages

  private stateless(node: PlanNode, downstream: Consumer, needed: ReadonlySet<string>): Consumer {
    switch (node.kind) {
      case 'Filter': {
        const nonNull = nonNullWhenTrue(node.predicate);
        return (view, kind, fn) => {
          const test = fn.compiler((n) => view.field(n), node.span).isTrue(node.predicate);
          // Inside the test's block, TypeScript (and the code below) know these are not NULL.
          const narrowed: RowView = {
            field(name) {
              const f = view.field(name);
              return nonNull.has(name) && /^[\w$.]+$/.test(f.code) ? { ...f, nullable: false } : f;
            },
            object: view.object,
          };
          const inner = downstream(narrowed, kind, fn);
          return test === 'true' ? inner : `if (${test}) {\n${inner}\n}`;
        };
      }
      case 'Project':
        return (view, kind, fn) => this.project(node, view, kind, fn, downstream, needed);
      case 'Unnest':
        return (view, kind, fn) => this.unnest(node, view, kind, fn, downstream);
      case 'WindowAssign':
        return (view, kind, fn) => this.windowAssign(node, view, kind, fn, downstream);
      default:
        throw new Error(`internal: ${node.kind} is not stateless`);
    }
  }

  private project(
    node: ProjectNode,
    view: RowView,
    kind: string | null,
    fn: FnScope,
    downstream: Consumer,
    needed: ReadonlySet<string>,
  ): string {
    const c = fn.compiler((n) => view.field(n), node.span);
    const lines: string[] = [];
    const out = new Map<string, FieldAccess>();
    let aliases = true;
    for (const e of node.exprs) {
      if (!needed.has(e.name)) continue;
      if (e.expr.kind === 'FieldRef') {
        out.set(e.name, view.field(e.expr.name));
        if (e.expr.name !== e.name) aliases = false;
        continue;
      }
      aliases = false;
      const v = c.compile(e.expr);
      const code = c.materialize(v);
      if (e.expr.kind === 'Literal') {
        out.set(e.name, { code, nullable: c.mayBeNull(v), type: e.expr.type });
        continue;
      }
      const id = fn.names.fresh(e.name);
      lines.push(`const ${id} = ${code};`);
      out.set(e.name, { code: id, nullable: c.mayBeNull(v), type: e.expr.type });
    }
    const projected: RowView = {
      field(name) {
        const f = out.get(name);
        if (!f) throw new Error(`internal: projection has no field "${name}"`);
        return f;
      },
      // Renaming nothing and dropping nothing keeps the row object as it is.
      object:
        aliases && view.object
          ? { ...view.object, exact: sameSet(view.object.exact, out.keys()) ? view.object.exact : null }
          : null,
    };
    return [...lines, downstream(projected, kind, fn)].join('\n');
  }

  private unnest(
    node: Extract<PlanNode, { kind: 'Unnest' }>,
    view: RowView,
    kind: string | null,
    fn: FnScope,
    downstream: Consumer,
  ): string {
    const c = fn.compiler((n) => view.field(n), node.span);
    const arrayType = node.array.type;
    if (arrayType.kind !== 'ARRAY') {
      return internal('UNNEST needs an ARRAY');
    }
    const v = c.compile(node.array);
    const items = fn.names.fresh(node.elementFields.length === 1 ? `${node.elementFields[0]}s` : 'items');
    const element = fn.names.fresh(node.elementFields.length === 1 ? node.elementFields[0]! : 'item');
    const fields = new Map<string, FieldAccess>();
    const el = arrayType.element;
    /** Statements at the top of the loop body: the fields of a nullable ROW element, as read. */
    const prelude: string[] = [];
    const lazy = new Map<string, () => FieldAccess>();
    if (el.kind === 'ROW' && node.elementFields.length === el.fields.length && node.elementFields.length > 1) {
      node.elementFields.forEach((name, i) => {
        const f = el.fields[i]!;
        const read = propertyAccess(element, f.name);
        if (!arrayType.elementNullable) {
          fields.set(name, { code: read, nullable: f.nullable, type: f.type });
          return;
        }
        // A NULL element is a row of NULLs; each field is read once, when the query uses it.
        lazy.set(name, () => {
          const id = fn.names.fresh(name);
          prelude.push(`const ${id} = ${element} === null ? null : ${read};`);
          return { code: id, nullable: true, type: f.type };
        });
      });
    } else {
      fields.set(node.elementFields[0]!, { code: element, nullable: arrayType.elementNullable, type: el });
    }
    let index: string | null = null;
    if (node.ordinalityField) {
      index = fn.names.fresh('i');
      fields.set(node.ordinalityField, { code: `(${index} + 1)`, nullable: false, type: INT });
    }
    const inner: RowView = {
      field(name) {
        let f = fields.get(name);
        const make = lazy.get(name);
        if (f === undefined && make !== undefined) fields.set(name, (f = make()));
        return f ?? view.field(name);
      },
      object: null,
    };
    const rows = downstream(inner, kind, fn);
    const body = [...prelude, rows].join('\n');
    const loop = (array: string) =>
      index === null
        ? `for (const ${element} of ${array}) {\n${body}\n}`
        : `for (let ${index} = 0; ${index} < ${array}.length; ${index}++) {\nconst ${element} = ${array}[${index}]!;\n${body}\n}`;
    // A NULL array has no elements: no rows.
    if (v.pre.length === 0 && !v.nullable && (index === null || /^[\w$.]+$/.test(v.code))) {
      const arrayLoop = loop(v.code);
      return v.guards.length
        ? `if (${v.guards.map((g) => `${g} !== null`).join(' && ')}) {\n${arrayLoop}\n}`
        : arrayLoop;
    }
    const decl = `const ${items} = ${c.materialize(v)};`;
    return c.mayBeNull(v) ? `${decl}\nif (${items} !== null) {\n${loop(items)}\n}` : `${decl}\n${loop(items)}`;
  }

  private windowAssign(
    node: Extract<PlanNode, { kind: 'WindowAssign' }>,
    view: RowView,
    kind: string | null,
    fn: FnScope,
    downstream: Consumer,
  ): string {
    const time = view.field(node.timeField);
    const lines: string[] = [];
    let t = time.code;
    if (!/^[\w$.]+$/.test(t)) {
      t = fn.names.fresh('time');
      lines.push(`const ${t} = ${time.code};`);
    }
    const start = fn.names.fresh(node.startField);
    const end = fn.names.fresh(node.endField);
    const fields = new Map<string, FieldAccess>([
      [node.startField, { code: start, nullable: false, type: TIMESTAMP }],
      [node.endField, { code: end, nullable: false, type: TIMESTAMP }],
      [node.timeOutField, { code: `(${end} - 1)`, nullable: false, type: TIMESTAMP }],
    ]);
    const inner: RowView = { field: (name) => fields.get(name) ?? view.field(name), object: null };
    const body = downstream(inner, kind, fn);
    const w = node.window;
    let code: string;
    switch (w.kind) {
      case 'tumble': {
        const size = numberLiteral(w.sizeMs);
        code = `const ${start} = ${this.m.rt('windowStart')}(${t}, ${size});\nconst ${end} = ${start} + ${size};\n${body}`;
        break;
      }
      case 'hop': {
        const size = numberLiteral(w.sizeMs);
        const slide = numberLiteral(w.slideMs);
        code = `// every window [start, start + ${formatDuration(w.sizeMs)}) with start a multiple of ${formatDuration(w.slideMs)} that holds the row\nfor (let ${start} = ${this.m.rt('firstHopStart')}(${t}, ${size}, ${slide}); ${start} <= ${t}; ${start} += ${slide}) {\nconst ${end} = ${start} + ${size};\n${body}\n}`;
        break;
      }
      case 'cumulate': {
        const max = numberLiteral(w.maxMs);
        const step = numberLiteral(w.stepMs);
        code = `const ${start} = ${this.m.rt('windowStart')}(${t}, ${max});\n// every window [start, start + k × ${formatDuration(w.stepMs)}) up to ${formatDuration(w.maxMs)} that holds the row\nfor (let ${end} = ${this.m.rt('firstCumulateEnd')}(${t}, ${start}, ${step}); ${end} <= ${start} + ${max}; ${end} += ${step}) {\n${body}\n}`;
        break;
      }
      case 'session':
        return internal('a SESSION window must be aggregated');
    }
    // Rows without an event time belong to no window (as in the window operators).
    return time.nullable ? `${lines.join('\n')}\nif (${t} !== null) {\n${code}\n}` : `${lines.join('\n')}\n${code}`;
  }

  // -------------------------------------------------------------------------------------------
  // Sinks

  private sinkConsumer(root: SinkNode): Consumer {
    return (view, kind, fn) => `${this.sinkVar}.write(${this.sinkRow(root, view, fn)}${kind ? `, ${kind}` : ''});`;
  }

  /** A consumer that returns the sink row (inside an aggregate's `result`). */
  private returnConsumer(root: SinkNode): Consumer {
    return (view, _kind, fn) => `return ${this.sinkRow(root, view, fn)};`;
  }

  /** The row written to the sink: sink column i is the query's column i. */
  private sinkRow(root: SinkNode, view: RowView, fn: FnScope): string {
    const columns = root.sink.schema;
    const input = root.input.schema;
    const o = view.object;
    if (
      o?.exact &&
      o.exact.size === columns.length &&
      columns.every((f, i) => {
        const v = view.field(input[i]!.name);
        return (
          input[i]!.name === f.name &&
          v.code === propertyAccess(o.code, f.name) &&
          (f.nullable || !o.declared(f.name).nullable)
        );
      })
    ) {
      return o.code;
    }
    const props = columns.map((f, i) => {
      const v = view.field(input[i]!.name);
      const code =
        !f.nullable && v.nullable ? `${fn.module.fn('notNull')}(${v.code}, ${JSON.stringify(f.name)})` : v.code;
      return code === propertyKey(f.name) ? code : `${propertyKey(f.name)}: ${code}`;
    });
    return `{ ${props.join(', ')} }`;
  }

  // -------------------------------------------------------------------------------------------
  // Operators

  /**
   * The input side of an operator: its row type, how its functions read a field of `row`, and
   * the push statement. Decided by the first row view that reaches the operator: its object is
   * pushed as is when it carries every field the operator reads.
   */
  private operatorInput(
    node: PlanNode,
    reads: ReadonlySet<string>,
    view: RowView,
    suffix: string,
  ): {
    type: string;
    fieldIn: (row: string) => (name: string) => FieldAccess;
    push: (view: RowView, fn: FnScope) => string;
  } {
    const input = children(node)[0]!.schema;
    const o = view.object;
    const direct =
      o !== null &&
      producers(children(node)[0]!) === 1 &&
      [...reads].every((name) => view.field(name).code === propertyAccess(o.code, name));
    if (direct) {
      return {
        type: o.type,
        fieldIn: (row) => (name) => ({ ...o.declared(name), code: propertyAccess(row, name) }),
        push: (v) => v.object!.code,
      };
    }
    const fields = input.filter((f) => reads.has(f.name));
    const type = this.m.names.fresh(`${this.base}${suffix}`);
    this.m.declare(
      'queries',
      rowInterface(type, fields, `The columns ${this.describeOperator(node)} reads (${this.where()}).`),
    );
    const byName = new Map(fields.map((f) => [f.name, f]));
    return {
      type,
      fieldIn: (row) => (name) => {
        const f = byName.get(name)!;
        return { code: propertyAccess(row, name), nullable: f.nullable, type: f.type };
      },
      push: (v, fn) =>
        `{ ${fields
          .map((f) => {
            const x = v.field(f.name);
            const code =
              !f.nullable && x.nullable ? `${fn.module.fn('notNull')}(${x.code}, ${JSON.stringify(f.name)})` : x.code;
            return code === propertyKey(f.name) ? code : `${propertyKey(f.name)}: ${code}`;
          })
          .join(', ')} }`,
    };
  }

  private aggregate(
    node: WindowAggregateNode | AggregateNode,
    downstream: Consumer,
    needed: ReadonlySet<string>,
    depth: number,
  ): void {
    const reads = operatorInputs(node);
    let op: { name: string; push: (view: RowView, fn: FnScope) => string } | null = null;
    // an updating input hands each row's kind on: the aggregate retracts -U/-D rows
    const updating = node.input.props.changelog !== 'append';
    const push: Consumer = (view, kind, fn) => {
      op ??= this.declareAggregate(node, downstream, needed, reads, view, depth);
      return `${op.name}.push(${op.push(view, fn)}, 0${updating && kind ? `, ${kind}` : ''});`;
    };
    this.node(node.input, push, reads, depth);
  }

  private declareAggregate(
    node: WindowAggregateNode | AggregateNode,
    downstream: Consumer,
    needed: ReadonlySet<string>,
    reads: ReadonlySet<string>,
    firstView: RowView,
    depth: number,
  ): { name: string; push: (view: RowView, fn: FnScope) => string } {
    const m = this.m;
    const session = node.kind === 'WindowAggregate' && node.window.kind === 'session';
    const input = this.operatorInput(node, reads, firstView, 'Input');
    const agg = compileAggregate(
      m,
      node,
      { acc: m.names.fresh(`${this.base}Acc`), keyDecoder: m.names.fresh(`${toCamelCase(this.base)}Key`) },
      input.type,
      input.fieldIn('row'),
      `of ${this.describeOperator(node)} (${this.where()})`,
      session,
      node.kind === 'Aggregate' && node.input.props.changelog !== 'append',
    );
    const windowed = node.kind === 'WindowAggregate';
    const params = windowed ? ['acc', 'key', 'start', 'end'] : ['acc', 'key'];
    const resultFn = new FnScope(m, this.locals, params);
    const prelude: string[] = [];
    const outputView: RowView = {
      field: (name) => {
        if (windowed) {
          if (name === node.startField) return { code: 'start', nullable: false, type: TIMESTAMP };
          if (name === node.endField) return { code: 'end', nullable: false, type: TIMESTAMP };
          if (name === node.timeOutField) return { code: '(end - 1)', nullable: false, type: TIMESTAMP };
        }
        return agg.output(name, prelude, resultFn);
      },
      object: null,
    };

    // result → out: fold projections straight into the sink row, or build this aggregate's row.
    const fold = this.foldIntoSink(node);
    let outType: string;
    let resultBody: string;
    let out: string;
    if (fold) {
      let consumer = this.returnConsumer(fold.sink);
      let below = new Set(fold.sink.input.schema.map((f) => f.name));
      const neededAt: ReadonlySet<string>[] = [];
      for (const p of fold.projects) {
        neededAt.push(below);
        below = neededInputs(p, below);
      }
      fold.projects.forEach((p, i) => (consumer = this.stateless(p, consumer, neededAt[i]!)));
      const statements = consumer(outputView, null, resultFn);
      resultBody = [...prelude, statements].join('\n');
      outType = this.cx.sink(fold.sink.sink.name).row;
      out = `(row, kind) => ${this.sinkVar}.write(row, kind)`;
    } else {
      const fields = aggregateRowFields(node, needed);
      outType = m.names.fresh(`${this.base}${windowed ? 'Window' : 'Group'}`);
      m.declare(
        'queries',
        rowInterface(outType, fields, `A result row of ${this.describeOperator(node)} (${this.where()}).`),
      );
      const props = fields.map((f) => {
        const v = outputView.field(f.name);
        const code = !f.nullable && v.nullable ? `${m.fn('notNull')}(${v.code}, ${JSON.stringify(f.name)})` : v.code;
        return code === propertyKey(f.name) ? code : `${propertyKey(f.name)}: ${code}`;
      });
      resultBody = [...prelude, `return { ${props.join(', ')} };`].join('\n');
      const outFn = new FnScope(m, this.locals, ['row', 'kind']);
      const statements = downstream(objectView('row', outType, fields, true), 'kind', outFn);
      out = arrow('row, kind', outFn, statements);
    }
    const result = arrow(params.join(', '), resultFn, resultBody);

    const keyType = agg.keyType;
    const config: string[] = [`id: ${JSON.stringify(`n${node.id}.${operatorKind(node)}`)}`];
    let cls: string;
    if (node.kind === 'WindowAggregate') {
      const w = node.window;
      if (w.kind === 'session') {
        cls = 'SessionWindowAggregate';
        config.push(`gapMs: ${numberLiteral(w.gapMs)}`);
      } else {
        cls = 'WindowAggregate';
        config.push(`window: ${windowLiteral(w)}`);
        // a consumer that retracts (a HAVING filter before the sink) gets each update's previous row first (-U)
        if (node.emit === 'changes' && node.props.changelog === 'retract') config.push('updateBefore: true');
      }
      config.push(`emit: ${JSON.stringify(node.emit)}`, `time: (row) => ${input.fieldIn('row')(node.timeField).code}`);
      // processing time: windows close by the wall clock (the row's time is its PROCTIME())
      if (node.procTime) config.push('procTime: true');
    } else {
      cls = 'GroupAggregate';
      config.push(`emit: ${JSON.stringify(node.emit)}`);
      if (node.aggs.length === 0) config.push('keyOnly: true');
      // a consumer that retracts gets each update's previous row first (-U)
      if (node.emit === 'changes' && node.props.changelog === 'retract') config.push('updateBefore: true');
    }
    config.push(
      `key: ${agg.key}`,
      `create: () => new ${agg.acc}()`,
      `restore: (_key, state) => ${agg.acc}.restore(state)`,
      `result: ${result}`,
      `out: ${out}`,
    );
    const name = this.operatorName(session ? 'sessions' : windowed ? 'windows' : 'groups');
    const code = `const ${name} = q.operator(\nnew ${m.rt(cls)}<${input.type}, ${keyType}, ${agg.acc}, ${outType}>({\n${config.join(',\n')},\n}),\n);`;
    const kind = operatorKind(node);
    const descriptor: OperatorDescriptor = {
      id: `n${node.id}.${kind}`,
      kind,
      version: STATE_VERSIONS[kind],
      config:
        node.kind === 'WindowAggregate'
          ? { window: { ...node.window }, emit: node.emit }
          : { emit: node.emit, ...(node.aggs.length === 0 ? { keyOnly: true } : {}) },
      keys: { key: node.keys.map((k) => exprToSql(k.expr)).join(', ') },
      state: agg.state,
      aggregates: agg.aggregates,
    };
    this.operators.push({ depth, code, placeholder: name, base: this.bases.get(name)!, descriptor });
    return { name, push: input.push };
  }

  private readonly bases = new Map<string, string>();

  /** ChangelogNormalize: the latest row per key of an upsert input, emitted as a retracting changelog. */
  private normalize(
    node: Extract<PlanNode, { kind: 'Normalize' }>,
    downstream: Consumer,
    needed: ReadonlySet<string>,
    depth: number,
  ): void {
    // the stored row is the whole row downstream reads, plus the key
    const reads = new Set([...needed, ...node.keys]);
    let op: { name: string; push: (view: RowView, fn: FnScope) => string } | null = null;
    const push: Consumer = (view, kind, fn) => {
      if (!op) {
        const m = this.m;
        const input = this.operatorInput(node, reads, view, 'Row');
        const keyFn = new FnScope(m, this.locals, ['row']);
        const kc = keyFn.compiler(input.fieldIn('row'), node.span);
        const keyExprs = node.keys.map((k) => {
          const f = node.input.schema.find((x) => x.name === k)!;
          return kc.value({ kind: 'FieldRef', name: k, type: f.type, nullable: f.nullable });
        });
        const keyType =
          node.keys.length === 1 ? nullableTsTypeOf(node.input.schema.find((x) => x.name === node.keys[0])!) : 'string';
        const key = node.keys.length === 1 ? keyExprs[0]! : `${m.rt('compositeKey')}(${keyExprs.join(', ')})`;
        const outFn = new FnScope(m, this.locals, ['row', 'kind']);
        const statements = downstream(objectView('row', input.type, node.input.schema, false), 'kind', outFn);
        const name = this.operatorName('latest');
        const id = `n${node.id}.changelog-normalize`;
        const config = [
          `id: ${JSON.stringify(id)}`,
          `key: ${arrow('row', keyFn, `return ${key};`)}`,
          `out: ${arrow('row, kind', outFn, statements)}`,
        ];
        this.operators.push({
          depth,
          code: `const ${name} = q.operator(\nnew ${m.rt('ChangelogNormalize')}<${input.type}, ${keyType}>({\n${config.join(',\n')},\n}),\n);`,
          placeholder: name,
          base: 'latest',
          descriptor: {
            id,
            kind: 'changelog-normalize',
            version: STATE_VERSIONS['changelog-normalize'],
            config: {},
            keys: { key: node.keys.join(', ') },
            state: null,
          },
        });
        op = { name, push: input.push };
      }
      return `${op.name}.push(${op.push(view, fn)}, 0${kind ? `, ${kind}` : ''});`;
    };
    this.node(node.input, push, reads, depth);
  }

  /** What the join compilers (joins.ts) use of this query. */
  private joinHost(): TwoInputHost {
    return {
      base: this.base,
      declareType: (code) => this.m.declare('queries', code),
      input: (node, consumer, needed, depth) => this.node(node, consumer, needed, depth),
      module: this.m,
      locals: this.locals,
      source: (name) => this.cx.source(name),
      read: (source, fields) => this.cx.read(source, fields),
      declare: (base, depth, code, descriptor) => {
        const placeholder = this.operatorName(base);
        this.operators.push({
          depth,
          code: code(placeholder),
          placeholder,
          base,
          ...(descriptor ? { descriptor } : {}),
        });
        return placeholder;
      },
    };
  }

  /** A placeholder for an operator's variable, named once all operators are known. */
  private operatorName(base: string): string {
    const placeholder = `\u0000op${this.bases.size}\u0000`;
    this.bases.set(placeholder, base);
    return placeholder;
  }

  /** The projections between an aggregate and the sink, when nothing else is in between. */
  private foldIntoSink(node: PlanNode): { projects: ProjectNode[]; sink: SinkNode } | null {
    const projects: ProjectNode[] = [];
    let p = this.parents.get(node);
    while (p && p.kind === 'Project') {
      projects.push(p);
      p = this.parents.get(p);
    }
    if (!p || p.kind !== 'Sink') return null;
    // Top (next to the sink) first: each wraps the consumer above it.
    return { projects: projects.reverse(), sink: p };
  }

  private sort(node: SortNode, downstream: Consumer, depth: number): void {
    const reads = operatorInputs(node);
    let op: { name: string; push: (view: RowView, fn: FnScope) => string } | null = null;
    const push: Consumer = (view, _kind, fn) => {
      if (!op) {
        const input = this.operatorInput(node, reads, view, 'Row');
        const m = this.m;
        const emit = this.query.root.emit === 'complete' ? 'complete' : 'final';
        const outFn = new FnScope(m, this.locals, ['row', 'kind']);
        const statements = downstream(objectView('row', input.type, node.input.schema, true), 'kind', outFn);
        const name = this.operatorName('sorted');
        const config = [
          `id: ${JSON.stringify(`n${node.id}.sort-limit`)}`,
          `emit: ${JSON.stringify(emit)}`,
          `compare: ${this.comparator(node.keys, input.fieldIn, node.span)}`,
          `limit: ${node.limit === null ? 'null' : numberLiteral(node.limit)}`,
          `out: ${arrow('row, kind', outFn, statements)}`,
        ];
        this.operators.push({
          depth,
          code: `const ${name} = q.operator(\nnew ${m.rt('SortLimit')}<${input.type}>({\n${config.join(',\n')},\n}),\n);`,
          placeholder: name,
          base: 'sorted',
          descriptor: {
            id: `n${node.id}.sort-limit`,
            kind: 'sort-limit',
            version: STATE_VERSIONS['sort-limit'],
            config: { emit, limit: node.limit },
            keys: {},
            state: null,
          },
        });
        op = { name, push: input.push };
      }
      return `${op.name}.push(${op.push(view, fn)}, 0);`;
    };
    this.node(node.input, push, reads, depth);
  }

  /** A comparator `(a, b) => number` over rows read by `fieldIn`, by `keys` in order (0 for ties). */
  private comparator(
    keys: readonly { readonly expr: BoundExpr; readonly descending: boolean; readonly nullsFirst: boolean }[],
    fieldIn: (row: string) => (name: string) => FieldAccess,
    span: PlanNode['span'],
  ): string {
    const m = this.m;
    const cmp = new FnScope(m, this.locals, ['a', 'b']);
    const lines: string[] = [];
    keys.forEach((k, i) => {
      const read = (row: string) => cmp.compiler(fieldIn(row), span).value(k.expr);
      const x = cmp.names.fresh(`a${i}`);
      const y = cmp.names.fresh(`b${i}`);
      lines.push(`const ${x} = ${read('a')};`, `const ${y} = ${read('b')};`);
      lines.push(compareLines(x, y, k.expr.type, k.expr.nullable, k.descending, k.nullsFirst, m));
    });
    lines.push('return 0;');
    return `(a, b) => {\n${cmp.body(lines.join('\n'))}\n}`;
  }

  /** A partition key function over rows read by `fieldIn`: its type and code. */
  private partitionKey(
    keys: readonly NamedExpr[],
    fieldIn: (row: string) => (name: string) => FieldAccess,
    span: PlanNode['span'],
  ): { type: string; code: string } {
    if (keys.length === 0) return { type: 'null', code: '() => null' };
    const fn = new FnScope(this.m, this.locals, ['row']);
    const c = fn.compiler(fieldIn('row'), span);
    const parts = keys.map((k) => c.value(k.expr));
    const value = keys.length === 1 ? parts[0]! : `${this.m.rt('compositeKey')}(${parts.join(', ')})`;
    const type = keys.length === 1 ? nullableTsType(keys[0]!.expr.type, keys[0]!.expr.nullable) : 'string';
    return { type, code: arrow('row', fn, `return ${value};`) };
  }

  /** OVER aggregates: the runtime's `OverAggregate` with a generated accumulator class per frame. */
  private overAggregate(
    node: OverAggregateNode,
    downstream: Consumer,
    needed: ReadonlySet<string>,
    depth: number,
  ): void {
    const aggNames = new Set(node.aggs.map((a) => a.name));
    const reads = new Set([...needed].filter((n) => !aggNames.has(n)));
    reads.add(node.orderField);
    for (const k of node.partitionKeys) refsOf(k.expr, reads);
    for (const a of node.aggs) {
      for (const x of a.args) refsOf(x, reads);
      if (a.filter) refsOf(a.filter, reads);
    }
    let op: { name: string; push: (view: RowView, fn: FnScope) => string } | null = null;
    // an updating input hands each row's kind on: the operator takes -U/-D rows back
    const updating = node.input.props.changelog !== 'append';
    const push: Consumer = (view, kind, fn) => {
      if (!op) {
        const m = this.m;
        const input = this.operatorInput(node, reads, view, 'Row');
        // the accumulator class and partition key, as for a GROUP BY of the partition keys
        const grouped: AggregateNode = {
          kind: 'Aggregate',
          id: node.id,
          input: node.input,
          keys: node.partitionKeys,
          aggs: node.aggs,
          emit: 'final',
          schema: node.schema,
          props: node.props,
          span: node.span,
        };
        const agg = compileAggregate(
          m,
          grouped,
          { acc: m.names.fresh(`${this.base}Acc`), keyDecoder: m.names.fresh(`${toCamelCase(this.base)}Key`) },
          input.type,
          input.fieldIn('row'),
          `of ${this.describeOperator(node)} (${this.where()})`,
          false,
        );
        const rowField = input.fieldIn('row');
        const resultFn = new FnScope(m, this.locals, ['acc', 'row']);
        const prelude: string[] = [];
        const fields = node.schema.filter((f) => needed.has(f.name));
        const outType = m.names.fresh(`${this.base}Over`);
        m.declare(
          'queries',
          rowInterface(outType, fields, `A result row of ${this.describeOperator(node)} (${this.where()}).`),
        );
        const props = fields.map((f) => {
          const v = aggNames.has(f.name) ? agg.output(f.name, prelude, resultFn) : rowField(f.name);
          const code = !f.nullable && v.nullable ? `${m.fn('notNull')}(${v.code}, ${JSON.stringify(f.name)})` : v.code;
          return code === propertyKey(f.name) ? code : `${propertyKey(f.name)}: ${code}`;
        });
        const result = arrow('acc, row', resultFn, [...prelude, `return { ${props.join(', ')} };`].join('\n'));
        const outFn = new FnScope(m, this.locals, ['row', 'kind']);
        const statements = downstream(objectView('row', outType, fields, true), 'kind', outFn);
        const keyFn = this.partitionKey(node.partitionKeys, input.fieldIn, node.span);
        const name = this.operatorName('over');
        const id = `n${node.id}.over-aggregate`;
        const f = node.frame;
        const config = [
          `id: ${JSON.stringify(id)}`,
          `mode: ${JSON.stringify(node.mode)}`,
          `key: ${keyFn.code}`,
          `order: (row) => ${rowField(node.orderField).code}`,
          `frame: { unit: ${JSON.stringify(f.unit)}, preceding: ${f.preceding === null ? 'null' : numberLiteral(f.preceding)} }`,
          `create: () => new ${agg.acc}()`,
          `restore: (state) => ${agg.acc}.restore(state)`,
          `result: ${result}`,
          `out: ${arrow('row, kind', outFn, statements)}`,
        ];
        this.operators.push({
          depth,
          code: `const ${name} = q.operator(\nnew ${m.rt('OverAggregate')}<${input.type}, ${keyFn.type}, ${agg.acc}, ${outType}>({\n${config.join(',\n')},\n}),\n);`,
          placeholder: name,
          base: this.bases.get(name)!,
          descriptor: {
            id,
            kind: 'over-aggregate',
            version: STATE_VERSIONS['over-aggregate'],
            config: { mode: node.mode, frame: { unit: f.unit, preceding: f.preceding } },
            keys: {
              partition: node.partitionKeys.map((k) => exprToSql(k.expr)).join(', '),
              order: node.orderField,
            },
            state: agg.state,
            aggregates: agg.aggregates,
          },
        });
        op = { name, push: input.push };
      }
      return `${op.name}.push(${op.push(view, fn)}, 0${updating && kind ? `, ${kind}` : ''});`;
    };
    this.node(node.input, push, reads, depth);
  }

  /** Top-N and deduplication: the runtime's `TopN`, whose `out` runs the code above with the rank. */
  private rank(node: RankNode, downstream: Consumer, needed: ReadonlySet<string>, depth: number): void {
    const reads = new Set([...needed].filter((n) => n !== node.rankField));
    for (const k of node.partitionKeys) refsOf(k.expr, reads);
    for (const k of node.orderBy) refsOf(k.expr, reads);
    if (node.windowEndField) reads.add(node.windowEndField);
    if (node.timeField) reads.add(node.timeField);
    let op: { name: string; push: (view: RowView, fn: FnScope) => string } | null = null;
    const push: Consumer = (view, _kind, fn) => {
      if (!op) {
        const m = this.m;
        const input = this.operatorInput(node, reads, view, 'Row');
        const key = this.partitionKey(node.partitionKeys, input.fieldIn, node.span);
        const time = node.windowEndField ?? node.timeField;
        const outFn = new FnScope(m, this.locals, ['row', 'rank', 'kind']);
        const rowField = input.fieldIn('row');
        const outView: RowView = {
          field: (name) => (name === node.rankField ? { code: 'rank', nullable: false, type: BIGINT } : rowField(name)),
          object: needed.has(node.rankField)
            ? null
            : { code: 'row', type: input.type, exact: null, declared: rowField },
        };
        const statements = downstream(outView, 'kind', outFn);
        const name = this.operatorName(node.mode === 'first' ? 'firstRows' : 'topN');
        const id = `n${node.id}.top-n`;
        const config = [
          `id: ${JSON.stringify(id)}`,
          `mode: ${JSON.stringify(node.mode)}`,
          `fn: ${JSON.stringify(node.fn)}`,
          `limit: ${numberLiteral(node.limit)}`,
          `key: ${key.code}`,
          `compare: ${this.comparator(node.orderBy, input.fieldIn, node.span)}`,
          `newestFirst: ${node.newestFirst}`,
          `output: ${JSON.stringify(node.output)}`,
          `rankOutput: ${node.rankOutput}`,
          `time: ${time ? `(row) => ${rowField(time).code}` : 'null'}`,
          `out: ${arrow('row, rank, kind', outFn, statements)}`,
        ];
        this.operators.push({
          depth,
          code: `const ${name} = q.operator(\nnew ${m.rt('TopN')}<${input.type}, ${key.type}>({\n${config.join(',\n')},\n}),\n);`,
          placeholder: name,
          base: this.bases.get(name)!,
          descriptor: {
            id,
            kind: 'top-n',
            version: STATE_VERSIONS['top-n'],
            config: {
              mode: node.mode,
              fn: node.fn,
              limit: node.limit,
              output: node.output,
              rankOutput: node.rankOutput,
              newestFirst: node.newestFirst,
            },
            keys: {
              partition: node.partitionKeys.map((k) => exprToSql(k.expr)).join(', '),
              order: node.orderBy.map((k) => `${exprToSql(k.expr)}${k.descending ? ' DESC' : ''}`).join(', '),
            },
            state: null,
          },
        });
        op = { name, push: input.push };
      }
      return `${op.name}.push(${op.push(view, fn)}, 0);`;
    };
    this.node(node.input, push, reads, depth);
  }

  // -------------------------------------------------------------------------------------------
  // Descriptions for comments

  private where(): string {
    return `${this.cx.sourcePath}:${this.query.span.line}`;
  }

  private describeOperator(node: PlanNode): string {
    return describeNode(node);
  }
}

function operatorKind(
  node: WindowAggregateNode | AggregateNode,
): 'group-aggregate' | 'session-window-aggregate' | 'window-aggregate' {
  if (node.kind === 'Aggregate') return 'group-aggregate';
  return node.window.kind === 'session' ? 'session-window-aggregate' : 'window-aggregate';
}

function windowLiteral(w: Exclude<WindowAggregateNode['window'], { kind: 'session' }>): string {
  switch (w.kind) {
    case 'tumble':
      return `{ kind: 'tumble', sizeMs: ${numberLiteral(w.sizeMs)} }`;
    case 'hop':
      return `{ kind: 'hop', sizeMs: ${numberLiteral(w.sizeMs)}, slideMs: ${numberLiteral(w.slideMs)} }`;
    case 'cumulate':
      return `{ kind: 'cumulate', maxMs: ${numberLiteral(w.maxMs)}, stepMs: ${numberLiteral(w.stepMs)} }`;
  }
}

/** Statements returning the order of `x` and `y` (both read already), or falling through when equal. */
function compareLines(
  x: string,
  y: string,
  type: SqlType,
  nullable: boolean,
  descending: boolean,
  nullsFirst: boolean,
  m: ModuleBuilder,
): string {
  const before = descending ? '1' : '-1';
  const after = descending ? '-1' : '1';
  const less = isPrimitive(type)
    ? type.kind === 'BOOLEAN'
      ? `Number(${x}) < Number(${y})`
      : `${x} < ${y}`
    : `${m.fn('valueToString')}(${x}) < ${m.fn('valueToString')}(${y})`;
  const nulls = nullable
    ? `if (${x} === null) return ${nullsFirst ? '-1' : '1'};\nif (${y} === null) return ${nullsFirst ? '1' : '-1'};\n`
    : '';
  return `if (${x} !== ${y}) {\n${nulls}return ${less} ? ${before} : ${after};\n}`;
}

/** How many scans feed rows into `node` (through stateless nodes and unions). */
function producers(node: PlanNode): number {
  if (node.kind === 'Scan') return 1;
  if (node.kind === 'Union') return node.inputs.reduce((n, i) => n + producers(i), 0);
  if (isStateless(node)) return producers(children(node)[0]!);
  return 1;
}

function keysText(keys: readonly { readonly name: string }[]): string {
  return keys.length ? ` by ${keys.map((k) => k.name).join(', ')}` : '';
}

function describeNode(node: PlanNode): string {
  switch (node.kind) {
    case 'WindowAggregate': {
      const w = node.window;
      return `the ${formatWindow(w)} window aggregate${keysText(node.keys)}`;
    }
    case 'Aggregate':
      return node.aggs.length === 0 ? `the distinct rows${keysText(node.keys)}` : `the aggregate${keysText(node.keys)}`;
    case 'Sort':
      return 'the sort';
    case 'Rank':
      return `the ${node.mode === 'first' ? 'first row' : `top ${node.limit}`}${keysText(node.partitionKeys)}`;
    case 'OverAggregate':
      return `the OVER aggregate${keysText(node.partitionKeys)}`;
    case 'Normalize':
      return `the latest row per ${node.keys.join(', ')}`;
    default:
      return node.kind;
  }
}

/** The dataflow for the query's doc comment: `orders → filter → tumbling 5 s window aggregate by product_id`. */
function describe(node: PlanNode): string {
  switch (node.kind) {
    case 'Scan':
      return node.source.name;
    case 'Filter':
      return `${describe(node.input)} → filter`;
    case 'Project':
      return `${describe(node.input)} → project`;
    case 'Unnest':
      return `${describe(node.input)} → unnest`;
    case 'WindowAssign':
      return `${describe(node.input)} → ${node.window.kind} windows`;
    case 'WindowAggregate':
    case 'Aggregate':
    case 'Sort':
    case 'Rank':
    case 'OverAggregate':
    case 'Normalize':
      return `${describe(node.input)} → ${describeNode(node).replace(/^the /, '')}`;
    case 'Union':
      return `(${node.inputs.map(describe).join(' ∪ ')})`;
    case 'LookupJoin':
      return `${describe(node.input)} → ${node.joinType} lookup join with ${node.table.name}`;
    case 'IntervalJoin':
    case 'WindowJoin':
    case 'RegularJoin': {
      const what = node.kind === 'IntervalJoin' ? 'interval' : node.kind === 'WindowJoin' ? 'window' : 'regular';
      return `(${describe(node.left)} ${node.joinType} ${what} join ${describe(node.right)})`;
    }
    default:
      return node.kind;
  }
}
