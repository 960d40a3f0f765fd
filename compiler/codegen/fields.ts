/**
 * Which fields each operator reads, found statically from the plan: used to decode only the
 * source columns a job reads (projection pushdown into the decoders), to pass operators only
 * the fields they use, and to build result rows with only the fields downstream needs.
 */
import type { BoundExpr, PlanNode } from '../plan/plan.ts';
import { forEachFieldRef } from '../plan/walk.ts';

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
