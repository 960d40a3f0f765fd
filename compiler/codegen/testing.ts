/**
 * Test helpers: small factories for plan expressions and plans (so codegen can be tested
 * without the parser and binder), and a way to run generated TypeScript in-process.
 */
import { fileOptions } from '../../runtime/connectors/file/options.ts';
import { memoryOptions } from '../../runtime/connectors/memory/options.ts';
import ts from 'typescript';
import type { Span } from '../../grammar/ast.ts';
import type { Diagnostic } from '../../grammar/diagnostic.ts';
import * as functions from '../../runtime/functions/index.ts';
import type { AggregateKind, EmitMode, WindowSpec } from '../../runtime/contract.ts';
import type {
  AggCall,
  AggregateNode,
  BoundExpr,
  CallExpr,
  FilterNode,
  JobPlan,
  LiteralExpr,
  NamedExpr,
  PlanField,
  PlanNode,
  ProjectNode,
  QueryPlan,
  ScalarOp,
  ScanNode,
  SinkDef,
  SinkNode,
  SourceDef,
  StreamProps,
  UnnestNode,
  WindowAggregateNode,
} from '../plan/plan.ts';
import { BIGINT, BOOLEAN, DATE, DOUBLE, INT, INTERVAL, STRING, TIMESTAMP, type SqlType } from '../types.ts';
import { ExprCompiler, type ExprEnv } from './expr.ts';
import { ModuleBuilder } from './module.ts';
import { propertyAccess } from './names.ts';
import { nullableTsType } from './ts-types.ts';

export { BIGINT, BOOLEAN, DATE, DOUBLE, INT, INTERVAL, STRING, TIMESTAMP };

export const SPAN: Span = { offset: 0, end: 0, line: 1, col: 1 };

export function arrayOf(element: SqlType, elementNullable = true): SqlType {
  return { kind: 'ARRAY', element, elementNullable };
}

export function rowOf(fields: Record<string, SqlType>): SqlType {
  return { kind: 'ROW', fields: Object.entries(fields).map(([name, type]) => ({ name, type, nullable: true })) };
}

export function decimal(precision: number, scale: number): SqlType {
  return { kind: 'DECIMAL', precision, scale };
}

// ---------------------------------------------------------------------------------------------
// Expressions

export function ref(name: string, type: SqlType, nullable = true): BoundExpr {
  return { kind: 'FieldRef', name, type, nullable };
}

export function lit(value: null | boolean | number | string, type?: SqlType): LiteralExpr {
  const t =
    type ??
    (value === null
      ? { kind: 'NULL' }
      : typeof value === 'boolean'
        ? BOOLEAN
        : typeof value === 'string'
          ? STRING
          : Number.isInteger(value)
            ? INT
            : DOUBLE);
  return { kind: 'Literal', value, type: t, nullable: value === null };
}

export function call(op: ScalarOp, args: readonly BoundExpr[], type: SqlType, nullable?: boolean): CallExpr {
  return { kind: 'Call', op, args, type, nullable: nullable ?? args.some((a) => a.nullable) };
}

export function cast(expr: BoundExpr, type: SqlType, tryCast = false): BoundExpr {
  return { kind: 'Cast', expr, type, try: tryCast, nullable: expr.nullable || tryCast };
}

export function caseWhen(branches: readonly [BoundExpr, BoundExpr][], otherwise: BoundExpr): BoundExpr {
  const type = branches[0]![1].type;
  return {
    kind: 'Case',
    branches: branches.map(([when, then]) => ({ when, then })),
    else: otherwise,
    type,
    nullable: otherwise.nullable || branches.some(([, t]) => t.nullable),
  };
}

export function field(name: string, type: SqlType, nullable = true, time: PlanField['time'] = null): PlanField {
  return { name, type, nullable, time };
}

// ---------------------------------------------------------------------------------------------
// Running generated code

/** Strips TypeScript types (no type check) so generated code can run in-process. */
export function transpile(code: string): string {
  return ts.transpileModule(code, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } })
    .outputText;
}

export interface CompiledExpr {
  /** The function's TypeScript, with the module constants it uses (for assertions on the code). */
  readonly source: string;
  /** Evaluates the expression for one row (field name → value). */
  readonly run: (row: Record<string, unknown>) => unknown;
}

export type ExprMode = 'value' | 'true' | 'false';

/**
 * Compiles one expression over a row of the given fields into `(row) => value` and makes it
 * runnable. `mode`: 'value' (NULL as null), 'true' (the WHERE test), 'false' (the NOT test).
 */
export function compileExpr(expr: BoundExpr, fields: readonly PlanField[], mode: ExprMode = 'value'): CompiledExpr {
  return compileExprs([expr], fields, mode)[0]!;
}

/** `compileExpr` for many expressions at once (one transpilation: much faster for fuzzing). */
export function compileExprs(
  exprs: readonly BoundExpr[],
  fields: readonly PlanField[],
  mode: ExprMode = 'value',
): CompiledExpr[] {
  const module = new ModuleBuilder();
  const rowType = `{ ${fields.map((f) => `${JSON.stringify(f.name)}: ${nullableTsType(f.type, f.nullable)}`).join('; ')} }`;
  const compiled = exprs.map((expr, i) => {
    const temps: string[] = [];
    const locals = module.names.child(['row']);
    const env: ExprEnv = {
      module,
      span: SPAN,
      field(name) {
        const f = fields.find((x) => x.name === name);
        if (!f) throw new Error(`no field ${name}`);
        return { code: propertyAccess('row', name), nullable: f.nullable, type: f.type };
      },
      temp(base, type) {
        const name = locals.fresh(base);
        temps.push(`let ${name}: ${type};`);
        return name;
      },
    };
    const c = new ExprCompiler(env);
    const body = mode === 'value' ? c.value(expr) : mode === 'true' ? c.isTrue(expr) : c.isFalse(expr);
    return {
      fn: `export function evaluate${i}(row: ${rowType}) {\n${temps.join('\n')}\nreturn ${body};\n}`,
    };
  });
  const constants = module.render('', 'sqc/runtime').replace(/^import .*\n/gm, '');
  const js = transpile(`${constants}\n${compiled.map((c) => c.fn).join('\n')}`).replace(/^export /gm, '');
  const names = exprs.map((_, i) => `evaluate${i}`);
  const fns = new Function('fn', `${js}\nreturn [${names.join(', ')}];`)(functions) as ((
    row: Record<string, unknown>,
  ) => unknown)[];
  return compiled.map((c, i) => ({ source: `${constants}\n${c.fn}`, run: fns[i]! }));
}

// ---------------------------------------------------------------------------------------------
// Plans

let nextId = 1;

const APPEND: StreamProps = {
  bounded: true,
  eventTime: null,
  watermarked: false,
  changelog: 'append',
  upsertKey: null,
  state: { kind: 'none' },
};

function props(overrides: Partial<StreamProps> = {}): StreamProps {
  return { ...APPEND, ...overrides };
}

export function source(name: string, fields: readonly PlanField[], overrides: Partial<SourceDef> = {}): SourceDef {
  const options = { connector: 'file', path: `data/${name}.jsonl`, format: 'json' };
  return {
    name,
    relation: 'STREAM',
    connector: 'file',
    format: 'json',
    source: { connector: 'file', options, idleTimeoutMs: null, lateSink: null },
    config: fileOptions.resolve(options, { relationName: name, reads: true, writes: false }),
    physical: fields,
    metadata: [],
    computed: [],
    schema: fields,
    watermark: null,
    primaryKey: [],
    bounded: true,
    span: SPAN,
    ...overrides,
  };
}

/** `WATERMARK FOR field AS field - INTERVAL delayMs`. */
export function watermark(field: string, delayMs: number): SourceDef['watermark'] {
  const expr = call('-', [ref(field, TIMESTAMP), lit(delayMs, INTERVAL)], TIMESTAMP);
  return { field, expr, delayMs };
}

export function sink(name: string, fields: readonly PlanField[], overrides: Partial<SinkDef> = {}): SinkDef {
  return {
    name,
    relation: 'SINK',
    connector: 'memory',
    format: 'json',
    options: { connector: 'memory' },
    config: memoryOptions.resolve({}, { relationName: name, reads: false, writes: true }),
    schema: fields,
    keyFields: [],
    metadata: [],
    deliveryGuarantee: 'at-least-once',
    partitionBy: [],
    span: SPAN,
    ...overrides,
  };
}

export function scan(def: SourceDef, overrides: Partial<StreamProps> = {}): ScanNode {
  return {
    kind: 'Scan',
    id: nextId++,
    schema: def.schema,
    props: props({
      bounded: def.bounded,
      eventTime: def.watermark?.field ?? null,
      watermarked: def.watermark !== null,
      ...overrides,
    }),
    span: SPAN,
    source: def,
  };
}

export function filter(input: PlanNode, predicate: BoundExpr): FilterNode {
  return { kind: 'Filter', id: nextId++, schema: input.schema, props: input.props, span: SPAN, input, predicate };
}

export function project(input: PlanNode, exprs: readonly NamedExpr[]): ProjectNode {
  const schema = exprs.map((e) => {
    const time =
      e.expr.kind === 'FieldRef'
        ? (input.schema.find((f) => f.name === (e.expr as { name: string }).name)?.time ?? null)
        : null;
    return field(e.name, e.expr.type, e.expr.nullable, time);
  });
  return { kind: 'Project', id: nextId++, schema, props: input.props, span: SPAN, input, exprs };
}

export function unnest(
  input: PlanNode,
  array: BoundExpr,
  elementField: string,
  ordinalityField: string | null = null,
): UnnestNode {
  const element = array.type.kind === 'ARRAY' ? array.type.element : STRING;
  const schema = [
    ...input.schema,
    field(elementField, element, true),
    ...(ordinalityField ? [field(ordinalityField, INT, false)] : []),
  ];
  return {
    kind: 'Unnest',
    id: nextId++,
    schema,
    props: input.props,
    span: SPAN,
    input,
    array,
    elementFields: [elementField],
    ordinalityField,
  };
}

export function agg(
  name: string,
  kind: AggregateKind,
  args: readonly BoundExpr[],
  type: SqlType,
  extra: Partial<AggCall> = {},
): AggCall {
  const nullable = kind === 'count' || kind === 'count_star' || kind === 'approx_count_distinct' ? false : true;
  return { name, kind, args, distinct: false, filter: null, type, nullable, ...extra };
}

export function windowAggregate(
  input: PlanNode,
  window: WindowSpec,
  timeField: string,
  keys: readonly NamedExpr[],
  aggs: readonly AggCall[],
  emit: EmitMode = 'final',
): WindowAggregateNode {
  const schema = [
    ...keys.map((k) => field(k.name, k.expr.type, k.expr.nullable)),
    field('window_start', TIMESTAMP, false),
    field('window_end', TIMESTAMP, false),
    field('window_time', TIMESTAMP, false, 'event'),
    ...aggs.map((a) => field(a.name, a.type, a.nullable)),
  ];
  return {
    kind: 'WindowAggregate',
    id: nextId++,
    schema,
    props: { ...input.props, eventTime: 'window_time', state: { kind: 'bounded', by: 'window' } },
    span: SPAN,
    input,
    window,
    timeField,
    procTime: false,
    keys,
    aggs,
    startField: 'window_start',
    endField: 'window_end',
    timeOutField: 'window_time',
    emit,
  };
}

export function aggregate(
  input: PlanNode,
  keys: readonly NamedExpr[],
  aggs: readonly AggCall[],
  emit: EmitMode = 'changes',
): AggregateNode {
  const schema = [
    ...keys.map((k) => field(k.name, k.expr.type, k.expr.nullable)),
    ...aggs.map((a) => field(a.name, a.type, a.nullable)),
  ];
  return {
    kind: 'Aggregate',
    id: nextId++,
    schema,
    props: { ...input.props, changelog: 'upsert', state: { kind: 'unbounded', by: 'keys' } },
    span: SPAN,
    input,
    keys,
    aggs,
    emit,
  };
}

export function sinkNode(
  input: PlanNode,
  def: SinkDef,
  emit: EmitMode,
  upsertKey: readonly string[] | null = null,
): SinkNode {
  return {
    kind: 'Sink',
    id: nextId++,
    schema: input.schema,
    props: input.props,
    span: SPAN,
    input,
    sink: def,
    emit,
    upsertKey,
  };
}

export function query(name: string, root: SinkNode, line = 1): QueryPlan {
  return { name, root, span: { ...SPAN, line } };
}

export function job(
  file: string,
  sources: readonly SourceDef[],
  sinks: readonly SinkDef[],
  queries: readonly QueryPlan[],
): JobPlan {
  return {
    file,
    functions: [],
    options: {
      pipelineName: null,
      checkpointDir: null,
      checkpointIntervalMs: 10_000,
      triggerIntervalMs: 0,
      triggerMode: 'continuous',
      raw: {},
    },
    sources,
    sinks,
    queries,
  };
}

/** Named expressions from field references: `named('page', STRING)`. */
export function named(name: string, type: SqlType, nullable = true): NamedExpr {
  return { name, expr: ref(name, type, nullable) };
}

// ---------------------------------------------------------------------------------------------
// Running generated modules

export interface LoadedJob {
  readonly code: string;
  readonly diagnostics: readonly Diagnostic[];
  readonly job: import('../../runtime/index.ts').JobSpec;
  readonly createJob: (
    overrides?: import('../../runtime/index.ts').JobOverrides,
  ) => import('../../runtime/index.ts').Job;
}

/**
 * Emits `plan` and evaluates the module in-process against the runtime (types stripped, the
 * runtime and function library passed in for its imports).
 */
export async function loadPlan(plan: JobPlan): Promise<LoadedJob> {
  const { emit } = await import('./index.ts');
  const rt = await import('../../runtime/index.ts');
  const { code, diagnostics } = await emit(plan, { sourcePath: plan.file });
  if (diagnostics.some((d) => d.severity === 'error')) return { code, diagnostics, job: null!, createJob: null! };
  const js = transpile(code)
    .replace(/^import .*$/gm, '')
    .replace(/^export /gm, '');
  const exports = new Function('rt', 'fn', `${js}\nreturn { job, createJob };`)(rt, functions) as Pick<
    LoadedJob,
    'job' | 'createJob'
  >;
  return { code, diagnostics, ...exports };
}

/** Runs a loaded job with memory sources (`rows` per source) and collects each sink's rows. */
export async function runRows(
  loaded: LoadedJob,
  sources: Record<string, readonly unknown[] | { batches: readonly (readonly unknown[])[] }>,
  sinks: readonly string[],
  json = true,
): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  const sinkBindings: Record<string, { rows: unknown[]; json: boolean }> = {};
  for (const s of sinks) sinkBindings[s] = { rows: (out[s] = []), json };
  const sourceBindings: Record<string, { rows: readonly unknown[] } | { batches: readonly (readonly unknown[])[] }> =
    {};
  for (const [name, rows] of Object.entries(sources))
    sourceBindings[name] = Array.isArray(rows) ? { rows } : (rows as { batches: readonly (readonly unknown[])[] });
  await loaded.createJob({ sources: sourceBindings, sinks: sinkBindings }).run();
  return out;
}
