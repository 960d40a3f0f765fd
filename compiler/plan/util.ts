/** Small helpers shared by the planner files: conjunct splitting, field usage, node numbering. */
import type { Rel } from '../bind/rel.ts';
import { scansOf } from '../bind/rel.ts';
import type { BoundExpr, PlanField, PlanNode, StreamProps } from './plan.ts';
import { BOOLEAN } from '../types.ts';
import type { WindowSpec } from '../../runtime/contract.ts';

export function conjuncts(e: BoundExpr | null): BoundExpr[] {
  if (!e) return [];
  if (e.kind === 'Call' && e.op === 'AND') return [...conjuncts(e.args[0]!), ...conjuncts(e.args[1]!)];
  return [e];
}

export function and(parts: readonly BoundExpr[]): BoundExpr | null {
  if (parts.length === 0) return null;
  return parts.reduce((a, b) => ({
    kind: 'Call',
    op: 'AND',
    args: [a, b],
    type: BOOLEAN,
    nullable: a.nullable || b.nullable,
  }));
}

export function fieldNames(e: BoundExpr, out: Set<string> = new Set()): Set<string> {
  switch (e.kind) {
    case 'FieldRef':
      out.add(e.name);
      break;
    case 'Cast':
      fieldNames(e.expr, out);
      break;
    case 'Call':
      for (const a of e.args) fieldNames(a, out);
      break;
    case 'Case':
      for (const b of e.branches) {
        fieldNames(b.when, out);
        fieldNames(b.then, out);
      }
      fieldNames(e.else, out);
      break;
    case 'Literal':
      break;
  }
  return out;
}

/** Renames field references (`map` gives the new name; unmapped names are kept). */
export function renameFields(e: BoundExpr, map: ReadonlyMap<string, string>): BoundExpr {
  switch (e.kind) {
    case 'FieldRef':
      return map.has(e.name) ? { ...e, name: map.get(e.name)! } : e;
    case 'Literal':
      return e;
    case 'Cast':
      return { ...e, expr: renameFields(e.expr, map) };
    case 'Call':
      return { ...e, args: e.args.map((a) => renameFields(a, map)) };
    case 'Case':
      return {
        ...e,
        branches: e.branches.map((b) => ({ when: renameFields(b.when, map), then: renameFields(b.then, map) })),
        else: renameFields(e.else, map),
      };
  }
}

/** `"a", "b"` — the relations a subtree reads, for messages. */
export function sourcesLabel(rel: Rel): string {
  const names = [...new Set(scansOf(rel).map((s) => `"${s.source.name}"`))];
  return names.join(', ');
}

/** Plan fields with the time attribute set only on the event-time field the props name. */
export function withTime(
  fields: readonly { name: string; type: PlanField['type']; nullable: boolean; time: PlanField['time'] }[],
  eventTime: string | null,
): PlanField[] {
  return fields.map((f) => ({
    name: f.name,
    type: f.type,
    nullable: f.nullable,
    time: f.name === eventTime ? 'event' : f.time === 'proc' ? 'proc' : null,
  }));
}

export function props(p: Partial<StreamProps> & Pick<StreamProps, 'bounded'>): StreamProps {
  return { eventTime: null, watermarked: false, changelog: 'append', upsertKey: null, state: { kind: 'none' }, ...p };
}

/** Gives every node of a query a job-unique id in pre-order, starting at `next.value`. */
export function numberNodes<T extends PlanNode>(node: T, next: { value: number }): T {
  const id = next.value++;
  const n = node as PlanNode;
  switch (n.kind) {
    case 'Scan':
      return { ...n, id } as unknown as T;
    case 'Union':
      return { ...n, id, inputs: n.inputs.map((i) => numberNodes(i, next)) } as unknown as T;
    case 'IntervalJoin':
    case 'WindowJoin':
    case 'RegularJoin': {
      const left = numberNodes(n.left, next);
      return { ...n, id, left, right: numberNodes(n.right, next) } as unknown as T;
    }
    default:
      return { ...n, id, input: numberNodes(n.input, next) } as unknown as T;
  }
}

export function childrenOf(n: PlanNode): PlanNode[] {
  switch (n.kind) {
    case 'Scan':
      return [];
    case 'Union':
      return [...n.inputs];
    case 'IntervalJoin':
    case 'WindowJoin':
    case 'RegularJoin':
      return [n.left, n.right];
    default:
      return [n.input];
  }
}

/** 300000 → `5 min`, -1000 → `-1 s`, 1500 → `1500 ms`. */
/** Durations and windows are spelled by the runtime's one formatter (runtime/windows/format.ts). */
export { formatDuration as durationText, formatWindow as windowText } from '../../runtime/windows/format.ts';
