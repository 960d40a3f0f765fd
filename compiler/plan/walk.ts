/** Structural walks over the plan, shared by the planner, its validator, codegen and explain. */
import type { BoundExpr, PlanNode } from './plan.ts';

/** The inputs of a node, left to right. */
export function children(node: PlanNode): PlanNode[] {
  switch (node.kind) {
    case 'Scan':
      return [];
    case 'Union':
      return [...node.inputs];
    case 'IntervalJoin':
    case 'WindowJoin':
    case 'RegularJoin':
      return [node.left, node.right];
    default:
      return [node.input];
  }
}

/** Calls `visit` with each input field name an expression reads, in order of appearance. */
export function forEachFieldRef(e: BoundExpr, visit: (name: string) => void): void {
  switch (e.kind) {
    case 'FieldRef':
      visit(e.name);
      break;
    case 'Literal':
      break;
    case 'Cast':
      forEachFieldRef(e.expr, visit);
      break;
    case 'Call':
      for (const a of e.args) forEachFieldRef(a, visit);
      break;
    case 'Case':
      for (const b of e.branches) {
        forEachFieldRef(b.when, visit);
        forEachFieldRef(b.then, visit);
      }
      forEachFieldRef(e.else, visit);
      break;
  }
}

/** The input field names an expression reads, in order of appearance (with repeats). */
export function fieldRefs(e: BoundExpr, out: string[] = []): string[] {
  forEachFieldRef(e, (name) => out.push(name));
  return out;
}
