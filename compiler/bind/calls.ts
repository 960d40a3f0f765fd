/**
 * Function calls: scalar functions (signature table in check/functions.ts), aggregates
 * (check/aggregates.ts; collected into the SELECT's AggCollector), group-window properties
 * (TUMBLE_START(...), HOP_END(...), SESSION_ROWTIME(...)), EXTRACT and TRIM.
 */
import type { Expr, ExtractExpr, FunctionCall, TrimExpr } from '../../grammar/ast.ts';
import { error } from '../../grammar/diagnostic.ts';
import { aggregateNames, lookupAggregate } from '../check/aggregates.ts';
import type { ArgInfo } from '../check/functions.ts';
import { EXTRACT_SHORTHANDS, lookupFunction, scalarFunctionNames } from '../check/functions.ts';
import { didYouMean } from '../../grammar/suggest.ts';
import type { AggCall, BoundExpr } from '../plan/plan.ts';
import { BOOLEAN, DOUBLE, STRING, TIMESTAMP, isNumeric, isTemporal } from '../types.ts';
import { canImplicitlyConvert } from '../check/typing.ts';
import { paramDisplay } from '../catalog/udf.ts';
import { coerce, literal } from './coerce.ts';
import type { ExprCtx, UserFunction } from './context.ts';
import { exprKey, typeName } from './context.ts';
import { bindExpr } from './expr.ts';
import { uniqueName } from './rel.ts';
import { GROUP_WINDOW_FUNCTIONS, intervalArg } from './windows.ts';

const WINDOW_PROPERTY = /^(TUMBLE|HOP|SESSION|CUMULATE)_(START|END|ROWTIME|PROCTIME)$/;

/** The ranking functions of a Top-N (bind/over.ts). */
export const RANKING_FUNCTIONS: ReadonlySet<string> = new Set(['ROW_NUMBER', 'RANK', 'DENSE_RANK']);

export function bindCall(e: FunctionCall, ctx: ExprCtx): BoundExpr | null {
  const upper = e.name.name.toUpperCase();
  if (e.over) {
    const done = ctx.overs?.get(e);
    if (done) return done;
    ctx.diags.push(
      error(
        'SQ0306',
        `window function "${e.name.name}(...) OVER (...)" is only allowed in a SELECT list${ctx.clause === 'SELECT' ? ' (not nested in another window function)' : `, not in ${ctx.clause}`}`,
        e.over.span,
        'help: compute it in a subquery and filter or aggregate the subquery',
      ),
    );
    return null;
  }
  if (RANKING_FUNCTIONS.has(upper)) {
    ctx.diags.push(
      error(
        'SQ0306',
        `${upper}() needs an OVER clause, e.g. ${upper}() OVER (PARTITION BY k ORDER BY v DESC)`,
        e.span,
        'note: ranking functions are supported as Top-N: filtered by their rank in an outer query',
      ),
    );
    return null;
  }
  const prop = WINDOW_PROPERTY.exec(upper);
  if (prop) return bindWindowProperty(e, prop[1]!, prop[2]!, ctx);
  if (GROUP_WINDOW_FUNCTIONS.has(upper)) {
    const spark = upper === 'WINDOW' || upper === 'SESSION_WINDOW';
    ctx.diags.push(
      error(
        'SQ0305',
        `group window function "${e.name.name}" is only allowed in GROUP BY`,
        e.name.span,
        spark
          ? 'help: group by it and select window.start and window.end'
          : `help: group by it and select ${upper}_START(...) and ${upper}_END(...)`,
      ),
    );
    return null;
  }
  const udf = ctx.meta.functions.get(upper);
  if (udf) return bindUserCall(e, udf, ctx);
  const agg = lookupAggregate(upper);
  if (agg) return bindAggregate(e, ctx);
  const shorthand = EXTRACT_SHORTHANDS[upper];
  if (shorthand && e.parens && !lookupFunction(upper)) {
    if (e.args.length !== 1) {
      ctx.diags.push(
        error('SQ0202', `function "${upper}" expects (TIMESTAMP | DATE) but got ${e.args.length} arguments`, e.span),
      );
      return null;
    }
    return extract(shorthand, e.args[0]!, e, ctx);
  }
  const def = lookupFunction(upper);
  if (!def) {
    for (const a of e.args) bindExpr(a, ctx);
    ctx.diags.push(
      error(
        'SQ0103',
        `unknown function "${e.name.name}"`,
        e.name.span,
        ...didYouMean(upper, [
          ...scalarFunctionNames(),
          ...aggregateNames(),
          ...[...ctx.meta.functions.values()].map((f) => f.name),
        ]),
      ),
    );
    return null;
  }
  if (e.distinct || e.star || e.filter) {
    const what = e.distinct ? 'DISTINCT' : e.star ? '*' : 'FILTER (WHERE ...)';
    ctx.diags.push(error('SQ0202', `"${def.name}" is not an aggregate function, so ${what} is not allowed`, e.span));
    return null;
  }
  // A unit argument is a bare word: TIMESTAMPDIFF(SECOND, ...); an unknown word is checked as a unit, not a column.
  const unitWord = (a: Expr, i: number): string | null =>
    a.kind === 'TimeUnitExpr'
      ? a.unit
      : isUnitArg(def.op, i) && a.kind === 'ColumnRef' && a.parts.length === 1
        ? a.parts[0]!.name.toUpperCase()
        : null;
  const args = e.args.map((a, i) => {
    const w = unitWord(a, i);
    return w !== null ? literal(w, STRING, false) : bindExpr(a, ctx);
  });
  if (args.some((a) => !a)) return null;
  const bound = args as BoundExpr[];
  const infos: ArgInfo[] = bound.map((a, i) =>
    a.kind === 'Literal'
      ? { type: a.type, literal: isUnitArg(def.op, i) ? normalizeUnit(a) : a.value }
      : { type: a.type },
  );
  const resolved = def.check(infos);
  if (resolved === null || typeof resolved === 'string') {
    const got = `(${bound.map((a) => typeName(a.type)).join(', ')})`;
    const msg =
      resolved === null
        ? `function "${def.name}" expects ${def.display} but got ${got}`
        : `invalid arguments to "${def.name}": ${resolved}`;
    ctx.diags.push(error('SQ0202', msg, e.span));
    return null;
  }
  const bad = def.literals?.(infos) ?? null;
  if (bad !== null) {
    ctx.diags.push(error('SQ0202', bad.message, e.args[bad.arg]?.span ?? e.span));
    return null;
  }
  const finalArgs: BoundExpr[] = [];
  for (let i = 0; i < bound.length; i++) {
    let a = bound[i]!;
    if (isUnitArg(def.op, i) && a.kind === 'Literal') a = literal(String(normalizeUnit(a)), STRING, false);
    const t = resolved.targets[i];
    const c = t ? coerce(a, t, e.args[i]!.span, ctx.diags) : a;
    if (!c) return null;
    finalArgs.push(c);
  }
  const returnsNull = resolved.returnsNull === true;
  const nullable = resolved.nullable
    ? resolved.nullable(finalArgs.map((a) => a.nullable))
    : returnsNull || finalArgs.some((a) => a.nullable);
  return {
    kind: 'Call',
    op: def.op,
    args: finalArgs,
    type: resolved.type,
    nullable,
    ...(returnsNull ? { returnsNull } : {}),
  };
}

function isUnitArg(op: string, i: number): boolean {
  return i === 0 && (op === 'EXTRACT' || op === 'TIMESTAMPDIFF' || op === 'TIMESTAMPADD' || op === 'DATE_TRUNC');
}

/** Unit arguments are written as bare words or strings in any case ('hour', HOURS): upper-case singular. */
function normalizeUnit(a: BoundExpr & { kind: 'Literal' }): null | boolean | number | string {
  if (typeof a.value !== 'string') return a.value;
  const u = a.value.trim().toUpperCase();
  const singular = u.endsWith('S') && u !== 'DOS' ? u.slice(0, -1) : u;
  return singular === 'DAYOFWEEK' ? 'DOW' : singular === 'DAYOFYEAR' ? 'DOY' : singular;
}

export function bindExtract(e: ExtractExpr, ctx: ExprCtx): BoundExpr | null {
  return extract(e.unit, e.expr, e, ctx);
}

function extract(
  unit: string,
  arg: ExtractExpr['expr'],
  at: { span: ExtractExpr['span'] },
  ctx: ExprCtx,
): BoundExpr | null {
  const x = bindExpr(arg, ctx);
  if (!x) return null;
  const def = lookupFunction('EXTRACT')!;
  const resolved = def.check([
    { type: STRING, literal: unit },
    x.kind === 'Literal' ? { type: x.type, literal: x.value } : { type: x.type },
  ]);
  if (resolved === null || typeof resolved === 'string') {
    const msg = resolved ?? `EXTRACT(${unit} FROM ...) expects a TIMESTAMP or DATE but got ${typeName(x.type)}`;
    ctx.diags.push(error('SQ0202', msg, at.span));
    return null;
  }
  const t = resolved.targets[1];
  const c = t ? coerce(x, t, arg.span, ctx.diags) : x;
  if (!c) return null;
  return {
    kind: 'Call',
    op: 'EXTRACT',
    args: [literal(unit, STRING, false), c],
    type: resolved.type,
    nullable: c.nullable,
  };
}

export function bindTrim(e: TrimExpr, ctx: ExprCtx): BoundExpr | null {
  const s = bindExpr(e.expr, ctx);
  const chars = e.chars ? bindExpr(e.chars, ctx) : literal(' ', STRING, false);
  if (!s || !chars) return null;
  for (const [x, span] of [
    [s, e.expr.span],
    [chars, e.chars?.span ?? e.span],
  ] as const) {
    if (x.type.kind !== 'STRING' && x.type.kind !== 'NULL') {
      ctx.diags.push(error('SQ0202', `function "TRIM" expects (STRING) but got (${typeName(x.type)})`, span));
      return null;
    }
  }
  const args = [
    literal(e.mode, STRING, false),
    coerce(chars, STRING, e.span, ctx.diags)!,
    coerce(s, STRING, e.span, ctx.diags)!,
  ];
  return { kind: 'Call', op: 'TRIM', args, type: STRING, nullable: s.nullable || chars.nullable };
}

function bindAggregate(e: FunctionCall, ctx: ExprCtx): BoundExpr | null {
  const def = lookupAggregate(e.name.name)!;
  const name = def.name;
  if (ctx.inAggregate) {
    ctx.diags.push(error('SQ0302', `aggregate function "${name}" cannot be nested inside another aggregate`, e.span));
    return null;
  }
  if (!ctx.aggs) {
    const notes = ctx.clause === 'WHERE' ? ['help: filter on aggregates with HAVING'] : [];
    ctx.diags.push(error('SQ0303', `aggregate function "${name}" is not allowed in ${ctx.clause}`, e.span, ...notes));
    return null;
  }
  const inner: ExprCtx = { ...ctx, inAggregate: true, aggName: null };
  let args: BoundExpr[] = [];
  let kind = def.kind;
  if (e.star) {
    if (name !== 'COUNT' || e.distinct) {
      ctx.diags.push(
        error('SQ0202', `only COUNT accepts *, not ${e.distinct ? 'COUNT(DISTINCT *)' : `"${name}"`}`, e.span),
      );
      return null;
    }
    kind = 'count_star';
  } else {
    if (e.args.length !== 1) {
      const got = e.args.length === 0 ? 'no arguments' : `${e.args.length} arguments`;
      const msg =
        name === 'COUNT' && e.args.length === 0
          ? 'COUNT needs an argument: COUNT(*) counts rows, COUNT(x) counts non-NULL values'
          : `function "${name}" expects ${def.display} but got ${got}`;
      for (const a of e.args) bindExpr(a, inner);
      ctx.diags.push(error('SQ0202', msg, e.span));
      return null;
    }
    const a = bindExpr(e.args[0]!, inner);
    if (!a) return null;
    args = [a];
  }
  const filter = aggregateFilter(e, inner, ctx);
  if (filter === undefined) return null;
  const argType = args[0]?.type ?? STRING;
  const type = kind === 'count_star' ? def.result(STRING) : def.result(argType);
  if (!type) {
    ctx.diags.push(error('SQ0202', `function "${name}" expects ${def.display} but got (${typeName(argType)})`, e.span));
    return null;
  }
  if (args[0] && args[0].kind === 'Literal' && args[0].value === null)
    args = [literal(null, kind === 'sum' || kind === 'avg' ? type : args[0].type, true)];
  const nullable = def.notNull
    ? false
    : !!def.nullableAlways || filter !== null || ctx.aggs.global || (args[0]?.nullable ?? false);
  const draft = { kind, args, distinct: e.distinct, filter, type, nullable };
  const key = `${kind}|${e.distinct}|${args.map((a) => exprKey(a, ctx.meta)).join(',')}|${filter ? exprKey(filter, ctx.meta) : ''}`;
  let call = ctx.aggs.byKey.get(key);
  if (!call) {
    const hint = ctx.aggName ?? `${kind === 'count_star' ? 'cnt' : kind}`;
    const aggName = uniqueName(ctx.aggName ?? hint, ctx.aggs.taken);
    call = { name: aggName, ...draft } satisfies AggCall;
    ctx.aggs.taken.add(aggName);
    ctx.aggs.byKey.set(key, call);
    ctx.aggs.calls.push(call);
  }
  const ref: BoundExpr = { kind: 'FieldRef', name: call.name, type: call.type, nullable: call.nullable };
  ctx.meta.placeholders.add(ref);
  return ref;
}

/** An aggregate call's `FILTER (WHERE ...)`: null without one, undefined when it has an error (reported). */
function aggregateFilter(e: FunctionCall, inner: ExprCtx, ctx: ExprCtx): BoundExpr | null | undefined {
  if (!e.filter) return null;
  const f = bindExpr(e.filter, inner);
  if (!f) return undefined;
  if (f.type.kind !== 'BOOLEAN' && f.type.kind !== 'NULL') {
    ctx.diags.push(
      error('SQ0205', `FILTER (WHERE ...) condition must be BOOLEAN, but this is ${typeName(f.type)}`, e.filter.span),
    );
    return undefined;
  }
  return f.type.kind === 'NULL' ? literal(null, BOOLEAN, true) : f;
}

function bindWindowProperty(e: FunctionCall, fn: string, prop: string, ctx: ExprCtx): BoundExpr | null {
  const name = `${fn}_${prop}`;
  if (prop === 'PROCTIME') {
    ctx.diags.push(
      error(
        'SQ0602',
        `"${name}" is not supported: a window's time attribute is selected with ${fn}_ROWTIME(...) (or window_time), a processing-time one too`,
        e.name.span,
        `help: use ${fn}_ROWTIME(...) or ${fn}_END(...)`,
      ),
    );
    return null;
  }
  const w = ctx.window;
  if (w?.broken) return null;
  if (!w) {
    ctx.diags.push(
      error('SQ0304', `"${name}" needs a matching group window: GROUP BY ${fn}(time_column, ...)`, e.span),
    );
    return null;
  }
  const mismatch = () => {
    ctx.diags.push(
      error(
        'SQ0304',
        `${name}(...) does not match the group window ${w.display}`,
        e.span,
        `help: write the same arguments as in GROUP BY: ${w.display}`,
      ),
    );
    return null;
  };
  if (w.spelling !== 'group' || w.fn !== fn) {
    if (w.spelling === 'tvf') {
      ctx.diags.push(
        error(
          'SQ0304',
          `"${name}" needs GROUP BY ${fn}(...); with a window TVF select window_start / window_end instead`,
          e.span,
        ),
      );
      return null;
    }
    if (w.spelling === 'spark') {
      ctx.diags.push(
        error(
          'SQ0304',
          `"${name}" needs GROUP BY ${fn}(...); with ${w.display} select window.start / window.end instead`,
          e.span,
        ),
      );
      return null;
    }
    return mismatch();
  }
  if (e.args.length !== w.argsMs.length + 1) return mismatch();
  const t = bindExpr(e.args[0]!, { ...ctx, aggs: null, clause: name });
  if (!t) return null;
  const ms: number[] = [];
  for (const a of e.args.slice(1)) {
    const v = intervalArg(a, ctx.diags);
    if (v === null) return null;
    ms.push(v);
  }
  if (exprKey(t) !== w.timeKey || ms.some((m, i) => m !== w.argsMs[i])) return mismatch();
  const field = prop === 'START' ? w.startField : prop === 'END' ? w.endField : w.timeOutField;
  const ref: BoundExpr = { kind: 'FieldRef', name: field, type: TIMESTAMP, nullable: false };
  ctx.meta.placeholders.add(ref);
  return ref;
}

/**
 * A call of a user-defined function (CREATE FUNCTION): each argument must convert implicitly to
 * its parameter's SQL type (a `number` parameter takes any number), checked here so a wrong
 * argument is an error at the argument. Scalar: a `Call` with op 'UDF', NULL when an argument
 * whose parameter does not accept NULL is NULL. Aggregate: an `AggCall` of kind 'udf'.
 */
function bindUserCall(e: FunctionCall, f: UserFunction, ctx: ExprCtx): BoundExpr | null {
  const sig = f.signature;
  if (!sig) {
    for (const a of e.args) bindExpr(a, { ...ctx, aggs: null, clause: `${f.name}(...)` });
    return null;
  }
  const aggregate = sig.kind === 'aggregate';
  const shape = `${f.name}(${sig.params.map((p) => `${p.name} ${paramDisplay(p)}`).join(', ')}) → ${typeName(sig.result.type)}`;
  const note = `note: ${shape}, declared on line ${f.span.line}`;
  if (e.star || (e.distinct && !aggregate) || (e.filter && !aggregate)) {
    const what = e.distinct ? 'DISTINCT' : e.star ? '*' : 'FILTER (WHERE ...)';
    ctx.diags.push(
      error(
        'SQ0202',
        `"${f.name}" ${aggregate ? 'does not take' : 'is not an aggregate function, so'} ${what}${aggregate ? '' : ' is not allowed'}`,
        e.span,
        note,
      ),
    );
    return null;
  }
  if (e.distinct) {
    ctx.diags.push(error('SQ0202', `DISTINCT is not supported for user-defined aggregate "${f.name}"`, e.span));
    return null;
  }
  if (aggregate) {
    if (ctx.inAggregate) {
      ctx.diags.push(
        error('SQ0302', `aggregate function "${f.name}" cannot be nested inside another aggregate`, e.span),
      );
      return null;
    }
    if (!ctx.aggs) {
      const notes = ctx.clause === 'WHERE' ? ['help: filter on aggregates with HAVING'] : [];
      ctx.diags.push(
        error('SQ0303', `aggregate function "${f.name}" is not allowed in ${ctx.clause}`, e.span, ...notes),
      );
      return null;
    }
  }
  if (aggregate && ctx.window?.fn === 'SESSION' && sig.members.merge === 'never') {
    ctx.diags.push(
      error(
        'SQ0202',
        `"${f.name}" cannot aggregate over a SESSION window: it has no merge(acc, other) method, and sessions merge when a row bridges two of them`,
        e.span,
        'help: add merge to the aggregate function (AggregateFunction in "sqc/runtime")',
      ),
    );
    return null;
  }
  const inner: ExprCtx = aggregate ? { ...ctx, inAggregate: true, aggName: null } : ctx;
  const bound = e.args.map((a) => bindExpr(a, inner));
  if (bound.some((a) => !a)) return null;
  if (bound.length !== sig.params.length) {
    ctx.diags.push(
      error(
        'SQ0202',
        `function "${f.name}" expects ${sig.params.length} argument${sig.params.length === 1 ? '' : 's'} but got ${bound.length}`,
        e.span,
        note,
      ),
    );
    return null;
  }
  const args: BoundExpr[] = [];
  for (let i = 0; i < bound.length; i++) {
    const a = bound[i]!;
    const p = sig.params[i]!;
    const span = e.args[i]!.span;
    const to = p.type ?? (a.type.kind === 'NULL' ? DOUBLE : null);
    const fits =
      p.type === null
        ? isNumeric(a.type) || a.type.kind === 'NULL'
        : canImplicitlyConvert(a.type, p.type) ||
          (isTemporal(p.type) && a.kind === 'Literal' && typeof a.value === 'string');
    if (!fits) {
      ctx.diags.push(
        error(
          'SQ0202',
          `argument ${i + 1} of "${f.name}" (${p.name}) must be ${p.type ? typeName(p.type) : 'a number'}, but this is ${typeName(a.type)}`,
          span,
          note,
        ),
      );
      return null;
    }
    const c = to ? coerce(a, to, span, ctx.diags) : a;
    if (!c) return null;
    args.push(c);
  }
  const strictNull = args.some((a, i) => a.nullable && !sig.params[i]!.nullable);
  const udf = f.name.toUpperCase();
  if (!aggregate) {
    return { kind: 'Call', op: 'UDF', udf, args, type: sig.result.type, nullable: sig.result.nullable || strictNull };
  }
  const filter = aggregateFilter(e, inner, ctx);
  if (filter === undefined) return null;
  const aggs = ctx.aggs!;
  const draft = {
    kind: 'udf' as const,
    udf,
    udfRetracts: sig.members.retract !== 'never',
    args,
    distinct: false,
    filter,
    type: sig.result.type,
    nullable: sig.result.nullable,
  };
  const key = `udf:${udf}|${args.map((a) => exprKey(a, ctx.meta)).join(',')}|${filter ? exprKey(filter, ctx.meta) : ''}`;
  let call = aggs.byKey.get(key);
  if (!call) {
    const aggName = uniqueName(ctx.aggName ?? f.name, aggs.taken);
    call = { name: aggName, ...draft } satisfies AggCall;
    aggs.taken.add(aggName);
    aggs.byKey.set(key, call);
    aggs.calls.push(call);
  }
  const ref: BoundExpr = { kind: 'FieldRef', name: call.name, type: call.type, nullable: call.nullable };
  ctx.meta.placeholders.add(ref);
  return ref;
}
