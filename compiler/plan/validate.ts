/**
 * Structural invariants of a plan (used by tests, and cheap enough to run on every plan):
 * node ids unique, field names unique in every schema, and every field reference naming a field
 * of the node's input (a join's residual: its own output). Returns the violations found.
 */
import { fieldRefs } from './walk.ts';
import type { AggCall, BoundExpr, JobPlan, PlanField, PlanNode } from './plan.ts';
import { childrenOf } from './util.ts';

export function validatePlan(plan: JobPlan): string[] {
  const problems: string[] = [];
  const ids = new Set<number>();
  const visit = (n: PlanNode, where: string): void => {
    const at = `${where} > ${n.kind}#${n.id}`;
    if (ids.has(n.id)) problems.push(`${at}: duplicate id`);
    ids.add(n.id);
    const names = n.schema.map((f) => f.name);
    const dup = names.find((x, i) => names.indexOf(x) !== i);
    if (dup !== undefined) problems.push(`${at}: duplicate field "${dup}"`);
    if (n.props.eventTime && !names.includes(n.props.eventTime))
      problems.push(`${at}: eventTime "${n.props.eventTime}" not in schema`);
    const check = (e: BoundExpr | null | undefined, fields: readonly PlanField[], what: string): void => {
      if (!e) return;
      for (const r of fieldRefs(e))
        if (!fields.some((f) => f.name === r)) problems.push(`${at}: ${what} references unknown field "${r}"`);
    };
    const aggs = (as: readonly AggCall[], fields: readonly PlanField[]) => {
      for (const a of as) {
        for (const x of a.args) check(x, fields, `aggregate ${a.name}`);
        check(a.filter, fields, `filter of ${a.name}`);
      }
    };
    switch (n.kind) {
      case 'Scan':
        break;
      case 'Filter':
        check(n.predicate, n.input.schema, 'predicate');
        break;
      case 'Project':
        for (const e of n.exprs) check(e.expr, n.input.schema, `expression ${e.name}`);
        if (n.exprs.length !== n.schema.length)
          problems.push(`${at}: ${n.exprs.length} expressions but ${n.schema.length} fields`);
        break;
      case 'Unnest':
        check(n.array, n.input.schema, 'array');
        break;
      case 'WindowAssign':
        if (!n.input.schema.some((f) => f.name === n.timeField))
          problems.push(`${at}: time field "${n.timeField}" not in input`);
        break;
      case 'WindowAggregate':
        if (!n.input.schema.some((f) => f.name === n.timeField))
          problems.push(`${at}: time field "${n.timeField}" not in input`);
        for (const k of n.keys) check(k.expr, n.input.schema, `key ${k.name}`);
        aggs(n.aggs, n.input.schema);
        break;
      case 'Aggregate':
        for (const k of n.keys) check(k.expr, n.input.schema, `key ${k.name}`);
        aggs(n.aggs, n.input.schema);
        break;
      case 'LookupJoin':
        n.leftKeys.forEach((k) => check(k, n.input.schema, 'left key'));
        n.rightKeys.forEach((k) => check(k, n.table.schema, 'right key'));
        check(n.residual, n.schema, 'residual');
        break;
      case 'IntervalJoin':
      case 'WindowJoin':
      case 'RegularJoin':
        n.leftKeys.forEach((k) => check(k, n.left.schema, 'left key'));
        n.rightKeys.forEach((k) => check(k, n.right.schema, 'right key'));
        check(n.residual, n.schema, 'residual');
        if (n.rightNames.length !== n.right.schema.length)
          problems.push(`${at}: rightNames does not match the right schema`);
        if (n.kind === 'IntervalJoin') {
          if (!n.left.schema.some((f) => f.name === n.leftTime)) problems.push(`${at}: leftTime not in left input`);
          if (!n.right.schema.some((f) => f.name === n.rightTime)) problems.push(`${at}: rightTime not in right input`);
        }
        break;
      case 'Union':
        for (const i of n.inputs)
          if (i.schema.length !== n.schema.length) problems.push(`${at}: union input width differs`);
        break;
      case 'Sort':
        for (const k of n.keys) check(k.expr, n.input.schema, 'sort key');
        break;
      case 'Rank':
        for (const k of n.partitionKeys) check(k.expr, n.input.schema, `partition key ${k.name}`);
        for (const k of n.orderBy) check(k.expr, n.input.schema, 'order key');
        break;
      case 'OverAggregate':
        for (const k of n.partitionKeys) check(k.expr, n.input.schema, `partition key ${k.name}`);
        if (!n.input.schema.some((f) => f.name === n.orderField))
          problems.push(`${at}: order field "${n.orderField}" not in input`);
        aggs(n.aggs, n.input.schema);
        break;
      case 'Sink':
        if (n.schema.length !== n.sink.schema.length)
          problems.push(`${at}: query has ${n.schema.length} fields, sink ${n.sink.schema.length}`);
        n.schema.forEach((f, i) => {
          if (n.sink.schema[i] && n.sink.schema[i]!.name !== f.name)
            problems.push(`${at}: field ${i} is "${f.name}", sink has "${n.sink.schema[i]!.name}"`);
        });
        for (const k of n.upsertKey ?? [])
          if (!n.schema.some((f) => f.name === k)) problems.push(`${at}: upsert key "${k}" not in schema`);
        break;
    }
    for (const c of childrenOf(n)) visit(c, at);
  };
  for (const q of plan.queries) visit(q.root, q.name);
  return problems;
}
