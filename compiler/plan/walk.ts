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

/** The input field names an expression reads, in order of appearance (with repeats). */
export function fieldRefs(e: BoundExpr, out: string[] = []): string[] {
  switch (e.kind) {
    case 'FieldRef':
      out.push(e.name);
      break;
    case 'Literal':
      break;
    case 'Cast':
      fieldRefs(e.expr, out);
      break;
    case 'Call':
      for (const a of e.args) fieldRefs(a, out);
      break;
    case 'Case':
      for (const b of e.branches) {
        fieldRefs(b.when, out);
        fieldRefs(b.then, out);
      }
      fieldRefs(e.else, out);
      break;
  }
  return out;
}
