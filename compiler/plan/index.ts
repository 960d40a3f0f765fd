/**
 * The logical planner: `BoundScript` → `JobPlan` (plan.ts). One plan tree per query, rooted at
 * its sink; views, CTEs and derived tables are already inlined by the binder. The planner
 * classifies joins (joins.ts), derives stream properties (build.ts), assigns and checks emit
 * modes (emit.ts) and resolves sinks and their keys. Never throws: an unexpected exception
 * becomes an SQ9999 diagnostic.
 *
 * `plan()` returns only the planner's own diagnostics; the plan is null when the bound script or
 * the planner has an error.
 */
import type { Span } from '../../grammar/ast.ts';
import type { Diagnostic } from '../../grammar/diagnostic.ts';
import { error } from '../../grammar/diagnostic.ts';
import type { EmitMode } from '../../runtime/contract.ts';
import type { BoundQuery, BoundScript } from '../bind/index.ts';
import type { RelationEntry } from '../catalog/catalog.ts';
import { writableColumns } from '../catalog/catalog.ts';
import { connectorConfig, keyFields } from '../connectors/index.ts';
import { build } from './build.ts';
import { checkSinkPaths } from './paths.ts';
import { checkScaleOut } from './scale-out.ts';
import { splitStages } from './stages.ts';
import { checkEmitAfter, checkEmitBefore, defaultEmit, topAggregate, topRank, upsertKey } from './emit.ts';
import type {
  JobPlan,
  OverAggregateNode,
  PlanNode,
  QueryPlan,
  SinkDef,
  SinkNode,
  SourceDef,
  UserFunctionDef,
} from './plan.ts';
import type { UserFunction } from '../bind/context.ts';
import { childrenOf, numberNodes } from './util.ts';

export function plan(bound: BoundScript): { plan: JobPlan | null; diagnostics: Diagnostic[] } {
  const diags: Diagnostic[] = [];
  try {
    const relations = new Map(bound.relations.map((r) => [r.name, r]));
    const sinkDefs = new Map<string, SinkDef>();
    const queries: QueryPlan[] = [];
    const next = { value: 0 };
    for (const q of bound.queries) {
      try {
        const qp = planQuery(q, relations, sinkDefs, diags);
        if (qp) queries.push({ ...qp, root: numberNodes(qp.root, next) });
      } catch (e) {
        diags.push(internal(e, q.span));
      }
    }
    const sources = collectSources(queries, bound.relations);
    for (const s of sources) {
      const late = s.source.lateSink;
      const entry = late ? relations.get(late) : undefined;
      if (entry && entry.columns && !sinkDefs.has(entry.name)) sinkDefs.set(entry.name, sinkDef(entry, null));
    }
    diags.push(...checkSinkPaths(sources, [...sinkDefs.values()], relations));
    const order = new Map(bound.relations.map((r, i) => [r.name, i]));
    const sinks = [...sinkDefs.values()].sort((a, b) => order.get(a.name)! - order.get(b.name)!);
    // scaled out: stages at the operators whose key needs re-keying, then what still cannot run
    const staged = splitStages({ file: bound.file, options: bound.options, functions: [], sources, sinks, queries });
    checkScaleOut(bound.options, staged.queries, diags);
    const failed = [...bound.diagnostics, ...diags].some((d) => d.severity === 'error');
    if (failed) return { plan: null, diagnostics: diags };
    const functions = bound.functions.map(functionDef);
    return { plan: { ...staged, functions }, diagnostics: diags };
  } catch (e) {
    diags.push(internal(e, { offset: 0, end: 0, line: 1, col: 1 }));
    return { plan: null, diagnostics: diags };
  }
}

function functionDef(f: UserFunction): UserFunctionDef {
  const s = f.signature!;
  return {
    name: f.name,
    kind: s.kind,
    module: s.file,
    exportName: s.exportName,
    isClass: s.isClass,
    params: s.params.map((p) => ({ name: p.name, nullable: p.nullable })),
    type: s.result.type,
    nullable: s.result.nullable,
    snapshot: s.members.snapshot,
    merge: s.members.merge,
    retract: s.members.retract,
    span: f.span,
  };
}

function internal(e: unknown, span: Span): Diagnostic {
  const msg = e instanceof Error ? e.message : String(e);
  return error(
    'SQ9999',
    `internal compiler error: ${msg}`,
    span,
    'note: this is a bug in sqc; please report it with the program that triggers it',
  );
}

function planQuery(
  q: BoundQuery,
  relations: ReadonlyMap<string, RelationEntry>,
  sinkDefs: Map<string, SinkDef>,
  diags: Diagnostic[],
): QueryPlan | null {
  let emit: EmitMode = q.emit ? (q.emit.mode.toLowerCase() as EmitMode) : defaultEmit(q.rel);
  if (!checkEmitBefore(q.rel, emit, q.emit, diags)) return null;
  // Warnings (unbounded state) only matter for a query that is otherwise legal.
  const local: Diagnostic[] = [];
  const root = build(q.rel, { diags: local, emit }, true);
  // an OVER aggregate over an updating input updates its rows: its default is EMIT CHANGES
  if (!q.emit && emit === 'final' && root && topOver(root)?.mode === 'changes') emit = 'changes';
  const ok = root !== null && checkEmitAfter(q.rel, root, emit, q.emit, local);
  const failed = local.some((d) => d.severity === 'error');
  diags.push(...local.filter((d) => d.severity === 'error' || !failed));
  if (!ok || !root) return null;
  const entry = relations.get(q.target);
  if (!entry) return null;
  const key = emit !== 'final' && (topAggregate(q.rel) || topRank(q.rel)) ? upsertKey(root) : null;
  const top = key ? upsertIntoSink(root) : root;
  let sink = sinkDefs.get(entry.name);
  if (!sink) {
    sink = sinkDef(entry, key);
    sinkDefs.set(entry.name, sink);
  }
  const node: SinkNode = {
    kind: 'Sink',
    id: 0,
    input: top,
    sink,
    emit,
    upsertKey: key,
    schema: top.schema,
    props: { ...top.props, state: { kind: 'none' } },
    span: q.span,
  };
  return { name: q.name, root: node, span: q.span };
}

/**
 * An aggregate whose rows reach the sink through projections only, keyed by the sink's upsert
 * key, need not say what each update replaces: its changelog is 'upsert' (no `-U` rows).
 */
function upsertIntoSink(node: PlanNode): PlanNode {
  if (node.kind === 'Project') {
    const input = upsertIntoSink(node.input);
    return input === node.input ? node : { ...node, input, props: { ...node.props, changelog: input.props.changelog } };
  }
  if ((node.kind === 'Aggregate' || node.kind === 'WindowAggregate') && node.props.changelog === 'retract')
    return { ...node, props: { ...node.props, changelog: 'upsert' } };
  return node;
}

/** The sink of a relation; `upsertKey` is the default message key when neither 'key.fields' nor a PRIMARY KEY gives one. */
function sinkDef(entry: RelationEntry, upsert: readonly string[] | null): SinkDef {
  const connector = entry.connector!;
  const primaryKey = entry.primaryKey.length ? [...entry.primaryKey] : upsert ? [...upsert] : [];
  const config = connectorConfig(connector, entry.options, {
    relationName: entry.name,
    reads: false,
    writes: true,
    primaryKey,
  });
  const keys = keyFields(entry.options) ?? primaryKey;
  return {
    name: entry.name,
    relation: entry.kind,
    connector,
    format: entry.format,
    options: entry.options,
    config,
    schema: writableColumns(entry).map((c) => ({ name: c.name, type: c.type, nullable: c.nullable, time: null })),
    keyFields: keys,
    metadata: writableColumns(entry).flatMap((c) =>
      c.kind === 'metadata' ? [{ name: c.name, key: c.metadataKey! }] : [],
    ),
    deliveryGuarantee: config.deliveryGuarantee,
    partitionBy: entry.decl.partitionedBy.map((c) => c.name),
    span: entry.decl.name.span,
  };
}

/** Every source scanned or looked up by some query, in declaration order. */
function collectSources(queries: readonly QueryPlan[], relations: readonly RelationEntry[]): SourceDef[] {
  const used = new Map<string, SourceDef>();
  const visit = (n: PlanNode): void => {
    if (n.kind === 'Scan') used.set(n.source.name, n.source);
    if (n.kind === 'LookupJoin') used.set(n.table.name, n.table);
    for (const c of childrenOf(n)) visit(c);
  };
  for (const q of queries) visit(q.root);
  return relations.flatMap((r) => (used.has(r.name) ? [used.get(r.name)!] : []));
}

/** The OVER aggregate whose rows the query writes (through stateless operators only). */
function topOver(node: PlanNode): OverAggregateNode | null {
  if (node.kind === 'OverAggregate') return node;
  if (node.kind === 'Project' || node.kind === 'Filter') return topOver(node.input);
  return null;
}
