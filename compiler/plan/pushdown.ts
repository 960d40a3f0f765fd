/**
 * WHERE over joins: each conjunct moves to where it can be evaluated earliest without changing
 * the result — into the input it reads (recursively through nested joins), or, when it reads both
 * sides of an inner join, into that join's condition, where the planner finds equi keys and time
 * bounds ("time bounds may be written in ON or in WHERE"). Conjuncts never move below the
 * preserved side of an outer join's opposite input (that would change which rows get NULLs), and
 * never into a lookup table's side (the table is read as it is).
 */
import type { JoinRel, Rel } from '../bind/rel.ts';
import type { BoundExpr } from './plan.ts';
import { and, conjuncts, fieldNames, renameFields } from './util.ts';

function isLookupTable(r: Rel): boolean {
  return r.kind === 'Scan' && r.source.relation === 'TABLE' && r.source.bounded;
}

/** `rel` with `preds` applied: pushed into a join when `rel` is one, else a Filter on top. */
export function applyFilter(rel: Rel, preds: readonly BoundExpr[], span: Rel['span']): Rel {
  if (preds.length === 0) return rel;
  if (rel.kind === 'Join') {
    const { join, rest } = pushIntoJoin(rel, preds);
    const p = and(rest);
    return p ? { kind: 'Filter', input: join, predicate: p, fields: join.fields, span } : join;
  }
  return { kind: 'Filter', input: rel, predicate: and(preds)!, fields: rel.fields, span };
}

export function pushIntoJoin(j: JoinRel, preds: readonly BoundExpr[]): { join: JoinRel; rest: BoundExpr[] } {
  const leftNames = new Set(j.left.fields.map((f) => f.name));
  const rightIn = new Map(j.right.fields.map((f, i) => [j.rightNames[i]!, f.name]));
  const inner = j.joinType === 'inner' || j.joinType === 'cross';
  const toLeft: BoundExpr[] = [];
  const toRight: BoundExpr[] = [];
  const toCond: BoundExpr[] = [];
  const rest: BoundExpr[] = [];
  for (const c of preds) {
    const used = [...fieldNames(c)];
    const onlyLeft = used.length > 0 && used.every((u) => leftNames.has(u));
    const onlyRight = used.length > 0 && used.every((u) => rightIn.has(u));
    if (onlyLeft && (inner || j.joinType === 'left') && !isLookupTable(j.left)) toLeft.push(c);
    else if (onlyRight && (inner || j.joinType === 'right') && !isLookupTable(j.right))
      toRight.push(renameFields(c, rightIn));
    else if (inner && used.length > 0) toCond.push(c);
    else rest.push(c);
  }
  const join: JoinRel = {
    ...j,
    left: applyFilter(j.left, toLeft, j.leftSpan),
    right: applyFilter(j.right, toRight, j.rightSpan),
    joinType: j.joinType === 'cross' && toCond.length > 0 ? 'inner' : j.joinType,
    condition: toCond.length ? and([...conjuncts(j.condition), ...toCond]) : j.condition,
  };
  return { join, rest };
}
