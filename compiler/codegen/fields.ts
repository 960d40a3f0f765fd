/**
 * Which fields each operator reads, found statically from the plan: used to decode only the
 * source columns a job reads (projection pushdown into the decoders), to pass operators only
 * the fields they use, and to build result rows with only the fields downstream needs.
 */
import type { BoundExpr, JobPlan, PlanField, PlanNode, SourceDef } from '../plan/plan.ts';
import { children, forEachFieldRef } from '../plan/walk.ts';

/** Names of the input fields an expression reads, added to `into`. */
export function refsOf(e: BoundExpr, into: Set<string> = new Set()): Set<string> {
  forEachFieldRef(e, (name) => into.add(name));
  return into;
}

/**
 * The input fields a stateless node needs so that `needed` of its output fields can be
 * computed. Only for Filter, Project, Unnest and WindowAssign.
 */
export function neededInputs(node: PlanNode, needed: ReadonlySet<string>): Set<string> {
  switch (node.kind) {
    case 'Filter':
      return refsOf(node.predicate, new Set(needed));
    case 'Project': {
      const out = new Set<string>();
      for (const e of node.exprs) if (needed.has(e.name)) refsOf(e.expr, out);
      return out;
    }
    case 'Unnest': {
      const produced = new Set([...node.elementFields, ...(node.ordinalityField ? [node.ordinalityField] : [])]);
      const out = new Set([...needed].filter((n) => !produced.has(n)));
      return refsOf(node.array, out);
    }
    case 'WindowAssign': {
      const produced = new Set([node.startField, node.endField, node.timeOutField]);
      const out = new Set([...needed].filter((n) => !produced.has(n)));
      out.add(node.timeField);
      return out;
    }
    default:
      throw new Error(`neededInputs: ${node.kind} is not a stateless node`);
  }
}

/** The input fields a stateful operator (or sink) reads from each row it receives. */
export function operatorInputs(node: PlanNode): Set<string> {
  switch (node.kind) {
    case 'WindowAggregate':
    case 'Aggregate': {
      const out = new Set<string>();
      if (node.kind === 'WindowAggregate') out.add(node.timeField);
      for (const k of node.keys) refsOf(k.expr, out);
      for (const a of node.aggs) {
        for (const x of a.args) refsOf(x, out);
        if (a.filter) refsOf(a.filter, out);
      }
      return out;
    }
    case 'Sort':
    case 'Sink':
      return new Set(node.input.schema.map((f) => f.name));
    default:
      throw new Error(`operatorInputs: ${node.kind} is not an operator`);
  }
}

/** True for the nodes compiled into the fused per-row code (no state). */
export function isStateless(node: PlanNode): boolean {
  return node.kind === 'Filter' || node.kind === 'Project' || node.kind === 'Unnest' || node.kind === 'WindowAssign';
}

const EXPR_KINDS = new Set(['FieldRef', 'Literal', 'Call', 'Case', 'Cast']);
/** Node properties that are not the node's own expressions. */
const NOT_OWN = new Set([
  'id',
  'schema',
  'props',
  'span',
  'input',
  'inputs',
  'left',
  'right',
  'source',
  'table',
  'sink',
]);

/**
 * For each ROW column of `source` that the job reads only through some of its fields
 * (`bid.price`, never `bid` as a whole), those fields: a connector that builds typed rows
 * (nexmark) builds only them. Found from the root of each query down, with the fields each node
 * needs of its input as code generation finds them (a projection's unused columns are not
 * computed), and conservatively by name over the whole job: a ROW column is read whole if any
 * computed expression reads a ROW value of that name other than through `.field`, or if a ROW
 * field of that name reaches a node other than a filter or a projection (an operator holds its
 * rows, a sink writes them); every column is, on a source with a `late.sink` (which receives
 * rows unchanged) or read as a lookup table. Such a ROW value is used only while its row is
 * pushed through that fused code, so the connector may reuse one object for it (`transientRows`).
 */
export function rowFieldReads(plan: JobPlan, source: SourceDef): Map<string, Set<string>> {
  const rows = new Set(source.physical.filter((f) => f.type.kind === 'ROW').map((f) => f.name));
  const partial = new Map<string, Set<string>>();
  const whole = new Set<string>();
  if (rows.size === 0 || source.source.lateSink !== null) return partial;
  const expr = (e: BoundExpr): void => {
    if (e.kind === 'Call' && e.op === 'FIELD') {
      const [base, name] = e.args;
      if (base!.kind === 'FieldRef' && name!.kind === 'Literal' && typeof name!.value === 'string') {
        if (rows.has(base!.name)) {
          let set = partial.get(base!.name);
          if (!set) partial.set(base!.name, (set = new Set()));
          set.add(name!.value);
        }
        return;
      }
    }
    switch (e.kind) {
      case 'FieldRef':
        if (e.type.kind === 'ROW' && rows.has(e.name)) whole.add(e.name);
        break;
      case 'Cast':
        expr(e.expr);
        break;
      case 'Call':
        e.args.forEach(expr);
        break;
      case 'Case':
        for (const b of e.branches) {
          expr(b.when);
          expr(b.then);
        }
        expr(e.else);
        break;
    }
  };
  // the expressions anywhere in a node's own properties
  const own = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(own);
    else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o['kind'] === 'string' && EXPR_KINDS.has(o['kind']) && 'type' in o) expr(o as unknown as BoundExpr);
      else for (const x of Object.values(o)) own(x);
    }
  };
  /** `needed`: the fields of `node`'s output that the node above reads. */
  const visit = (node: PlanNode, needed: ReadonlySet<string>): void => {
    if (node.kind === 'Scan') return;
    if (node.kind === 'LookupJoin' && node.table.name === source.name) rows.forEach((r) => whole.add(r));
    let inputs: ReadonlySet<string> | null = null;
    if (node.kind === 'Filter') expr(node.predicate);
    else if (node.kind === 'Project') {
      for (const e of node.exprs) if (needed.has(e.name)) expr(e.expr);
    } else for (const [k, v] of Object.entries(node)) if (!NOT_OWN.has(k)) own(v);
    if (isStateless(node)) inputs = neededInputs(node, needed);
    else if (node.kind === 'WindowAggregate' || node.kind === 'Aggregate' || node.kind === 'Sink')
      inputs = operatorInputs(node);
    for (const child of children(node)) {
      const fields = inputs ?? new Set(child.schema.map((f) => f.name));
      // a ROW value that leaves the fused code of filters and projections is used whole
      if (node.kind !== 'Filter' && node.kind !== 'Project')
        for (const f of child.schema)
          if (f.type.kind === 'ROW' && rows.has(f.name) && fields.has(f.name)) whole.add(f.name);
      visit(child, fields);
    }
  };
  for (const s of plan.sources) {
    for (const c of s.computed) expr(c.expr);
    if (s.watermark) expr(s.watermark.expr);
  }
  for (const q of plan.queries) visit(q.root, new Set());
  for (const name of whole) partial.delete(name);
  return partial;
}
