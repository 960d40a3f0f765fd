/**
 * Window functions (`... OVER (PARTITION BY ... ORDER BY ... [frame])`) in a SELECT list:
 * - ranking functions (ROW_NUMBER, RANK, DENSE_RANK) make a `RankRel`, which is only legal as a
 *   Top-N: an outer query filters on the rank (`WHERE rownum <= N`, `< N`, `= 1`), and that
 *   filter is folded into the rank (`fuseRankFilter`); a rank left without one is an error
 *   (`checkRanksFiltered`);
 * - aggregates with OVER make an `OverRel`: one window per SELECT, ordered by one column
 *   (a time attribute on streams: the planner checks it), with a frame that ends at the
 *   current row (ROWS n PRECEDING, RANGE INTERVAL ... PRECEDING, UNBOUNDED PRECEDING).
 */
import type { Expr, FrameBound, FunctionCall, OverClause, Select, Span } from '../../grammar/ast.ts';
import type { Diagnostic } from '../../grammar/diagnostic.ts';
import { error } from '../../grammar/diagnostic.ts';
import type { BoundExpr, NamedExpr } from '../plan/plan.ts';
import { BIGINT } from '../types.ts';
import type { AggCollector, ExprCtx } from './context.ts';
import { astKey, exprCtx, fieldsUsed } from './context.ts';
import type { Env, FromResult, ItemPlan } from './env.ts';
import { RANKING_FUNCTIONS } from './calls.ts';
import { bindExpr } from './expr.ts';
import type { OrderKey, OverFrame, RankFunction, RankRel, Rel, RelField } from './rel.ts';
import { fieldRef, inputsOf, project, uniqueName } from './rel.ts';
import { intervalArg } from './windows.ts';

/** The window-function calls (`f(...) OVER (...)`) of a SELECT list, in order. */
export function overCalls(sel: Select): FunctionCall[] {
  const out: FunctionCall[] = [];
  const visit = (e: unknown): void => {
    if (!e || typeof e !== 'object') return;
    if (Array.isArray(e)) return e.forEach(visit);
    const n = e as { kind?: string; over?: unknown };
    if (n.kind === 'FunctionCall' && n.over) {
      out.push(e as FunctionCall);
      return;
    }
    for (const [k, v] of Object.entries(e)) if (k !== 'span' && typeof v === 'object') visit(v);
  };
  for (const it of sel.items) if (it.kind === 'SelectExpr') visit(it.expr);
  return out;
}

function windowKey(o: OverClause): string {
  return astKey({ p: o.partitionBy, o: o.orderBy, f: o.frame });
}

/**
 * A SELECT (without GROUP BY) whose list holds window functions: the rank or OVER aggregate over
 * the FROM/WHERE input, then the projection of the items (each call read back as a column).
 */
export function bindOverSelect(
  sel: Select,
  calls: readonly FunctionCall[],
  input: Rel,
  from: FromResult,
  items: readonly ItemPlan[],
  env: Env,
): Rel | null {
  const diags = env.diags;
  const ctx = exprCtx(from.scope, diags, env.meta, 'SELECT');
  const first = calls[0]!;
  const over = first.over!;
  let ok = true;
  for (const c of calls.slice(1)) {
    if (windowKey(c.over!) !== windowKey(over)) {
      diags.push(
        error(
          'SQ0306',
          'every window function of one SELECT must use the same window (PARTITION BY, ORDER BY and frame)',
          c.over!.span,
          'help: compute the other window in a subquery',
        ),
      );
      ok = false;
    }
  }
  const ranks = calls.filter((c) => RANKING_FUNCTIONS.has(c.name.name.toUpperCase()));
  if (ranks.length > 0 && ranks.length < calls.length) {
    const agg = calls.find((c) => !ranks.includes(c))!;
    diags.push(
      error(
        'SQ0306',
        `a ranking function and an OVER aggregate cannot share a SELECT: "${agg.name.name}" here, "${ranks[0]!.name.name}" in the same list`,
        agg.span,
        'help: compute the Top-N in a subquery and the OVER aggregate over it',
      ),
    );
    return null;
  }
  if (ranks.length > 1) {
    diags.push(error('SQ0306', 'one ranking function per SELECT: a Top-N ranks by one order', ranks[1]!.span));
    return null;
  }
  const nameOf = (c: FunctionCall): string | null => items.find((it) => it.ast?.expr === c)?.name ?? null;
  const partitionBy: NamedExpr[] = [];
  const taken = new Set(input.fields.map((f) => f.name));
  over.partitionBy.forEach((p, i) => {
    const e = bindExpr(p, ctx);
    if (!e) {
      ok = false;
      return;
    }
    const name = e.kind === 'FieldRef' ? e.name : uniqueName(`$partition${i}`, taken);
    taken.add(name);
    partitionBy.push({ name, expr: e });
  });
  const overs = new Map<FunctionCall, BoundExpr>();
  let rel: Rel | null = null;
  if (ranks.length === 1) {
    rel = bindRank(first, over, input, partitionBy, nameOf(first), ctx, ok);
    if (rel) overs.set(first, fieldRef(rel.fields[rel.fields.length - 1]!));
  } else {
    const r = bindOverAggregates(calls, over, input, partitionBy, nameOf, ctx, ok);
    if (r) {
      rel = r.rel;
      for (const [c, e] of r.refs) overs.set(c, e);
    }
  }
  if (!rel) return null;
  const itemCtx: ExprCtx = { ...ctx, overs };
  const exprs: (NamedExpr | null)[] = items.map((it) => {
    const e = it.star ?? bindExpr(it.ast!.expr, itemCtx);
    return e ? { name: it.name, expr: e } : null;
  });
  if (exprs.some((e) => !e)) return null;
  return project(rel, exprs as NamedExpr[], sel.span);
}

function bindRank(
  call: FunctionCall,
  over: OverClause,
  input: Rel,
  partitionBy: readonly NamedExpr[],
  alias: string | null,
  ctx: ExprCtx,
  ok: boolean,
): RankRel | null {
  const fn = call.name.name.toUpperCase() as RankFunction;
  if (call.args.length > 0 || call.star) {
    ctx.diags.push(error('SQ0202', `${fn}() takes no arguments`, call.span));
    ok = false;
  }
  if (over.frame) {
    ctx.diags.push(
      error(
        'SQ0306',
        `${fn}() takes no window frame: it ranks the whole partition`,
        over.frame.span,
        'help: remove the ROWS/RANGE clause',
      ),
    );
    ok = false;
  }
  if (over.orderBy.length === 0) {
    ctx.diags.push(
      error(
        'SQ0306',
        `${fn}() needs ORDER BY in its OVER clause: the order decides which rows are the top N`,
        over.span,
        'help: e.g. OVER (PARTITION BY auction ORDER BY price DESC)',
      ),
    );
    ok = false;
  }
  const orderBy: OrderKey[] = [];
  for (const o of over.orderBy) {
    const e = bindExpr(o.expr, ctx);
    if (!e) {
      ok = false;
      continue;
    }
    orderBy.push({
      expr: e,
      descending: o.descending,
      nullsFirst: o.nulls === null ? !o.descending : o.nulls === 'FIRST',
    });
  }
  if (!ok) return null;
  const rankField = uniqueName(alias ?? 'rownum', new Set(input.fields.map((f) => f.name)));
  const fields: RelField[] = [...input.fields, { name: rankField, type: BIGINT, nullable: false, time: null }];
  return {
    kind: 'Rank',
    input,
    fn,
    partitionBy,
    orderBy,
    rankField,
    limit: null,
    rankOutput: true,
    callSpan: call.span,
    fields,
    span: call.span,
  };
}

function bindOverAggregates(
  calls: readonly FunctionCall[],
  over: OverClause,
  input: Rel,
  partitionBy: readonly NamedExpr[],
  nameOf: (c: FunctionCall) => string | null,
  ctx: ExprCtx,
  ok: boolean,
): { rel: Rel; refs: Map<FunctionCall, BoundExpr> } | null {
  const diags = ctx.diags;
  let orderField: string | null = null;
  if (over.orderBy.length !== 1) {
    diags.push(
      error(
        'SQ0306',
        over.orderBy.length === 0
          ? 'an OVER aggregate needs ORDER BY on a time attribute: its frame is the rows before the current one in time'
          : 'an OVER aggregate orders by one time attribute only',
        over.orderBy.length === 0 ? over.span : over.orderBy[1]!.span,
        'help: e.g. OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)',
      ),
    );
    ok = false;
  } else {
    const o = over.orderBy[0]!;
    const e = bindExpr(o.expr, ctx);
    if (e && e.kind !== 'FieldRef') {
      diags.push(
        error('SQ0602', 'an OVER aggregate must be ordered by a time attribute column, not an expression', o.expr.span),
      );
      ok = false;
    } else if (e && o.descending) {
      diags.push(
        error(
          'SQ0306',
          'an OVER aggregate is ordered by time ascending: rows are aggregated as time passes',
          o.span,
          'help: remove DESC',
        ),
      );
      ok = false;
    } else if (e) orderField = e.name;
    else ok = false;
  }
  const frame = bindFrame(over, diags);
  if (!frame) ok = false;
  const collector: AggCollector = {
    calls: [],
    byKey: new Map(),
    taken: new Set(input.fields.map((f) => f.name)),
    global: false,
  };
  const refs = new Map<FunctionCall, BoundExpr>();
  for (const c of calls) {
    const plain: FunctionCall = { ...c, over: undefined };
    delete (plain as { over?: unknown }).over;
    const r = bindExpr(plain, { ...ctx, aggs: collector, aggName: nameOf(c), clause: 'an OVER window' });
    if (!r) {
      ok = false;
      continue;
    }
    if (r.kind !== 'FieldRef' || !collector.calls.some((a) => a.name === r.name)) {
      diags.push(
        error(
          'SQ0306',
          `"${c.name.name}" is not an aggregate function: only aggregates (and ROW_NUMBER, RANK, DENSE_RANK) take OVER`,
          c.name.span,
        ),
      );
      ok = false;
      continue;
    }
    refs.set(c, r);
  }
  if (!ok || orderField === null || !frame) return null;
  const fields: RelField[] = [
    ...input.fields,
    ...collector.calls.map((a) => ({ name: a.name, type: a.type, nullable: a.nullable, time: null })),
  ];
  return {
    rel: {
      kind: 'Over',
      input,
      partitionBy,
      orderField,
      orderSpan: over.orderBy[0]!.span,
      frame,
      aggs: collector.calls,
      fields,
      span: over.span,
    },
    refs,
  };
}

/** The frame, resolved; SQL's default with ORDER BY is RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW. */
function bindFrame(over: OverClause, diags: Diagnostic[]): OverFrame | null {
  const f = over.frame;
  if (!f) return { unit: 'range', preceding: null };
  const unit = f.unit === 'ROWS' ? 'rows' : 'range';
  const upper = f.upper;
  if (upper.bound !== 'current') {
    diags.push(
      error(
        'SQ0306',
        'a streaming OVER frame ends at the current row: rows after it have not arrived yet',
        upper.span,
        'help: write ... AND CURRENT ROW',
      ),
    );
    return null;
  }
  const preceding = frameOffset(f.lower, unit, diags);
  if (preceding === undefined) return null;
  return { unit, preceding };
}

/** The lower bound's offset (rows or ms), null for UNBOUNDED, undefined on an error (reported). */
function frameOffset(b: FrameBound, unit: 'rows' | 'range', diags: Diagnostic[]): number | null | undefined {
  if (b.bound === 'current') return 0;
  if (b.direction !== 'PRECEDING') {
    diags.push(
      error('SQ0306', 'a frame starts before the current row: write n PRECEDING or UNBOUNDED PRECEDING', b.span),
    );
    return undefined;
  }
  if (b.bound === 'unbounded') return null;
  const off = b.offset as Expr;
  if (unit === 'rows') {
    if (off.kind === 'NumberLiteral' && off.integer && Number.isSafeInteger(Number(off.text))) return Number(off.text);
    diags.push(
      error(
        'SQ0306',
        'ROWS frames count rows: the offset must be a non-negative integer, e.g. ROWS BETWEEN 10 PRECEDING AND CURRENT ROW',
        off.span,
      ),
    );
    return undefined;
  }
  if (off.kind !== 'IntervalLiteral') {
    diags.push(
      error(
        'SQ0306',
        "RANGE frames over time take an interval, e.g. RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW",
        off.span,
      ),
    );
    return undefined;
  }
  const ms = intervalArg(off, diags);
  return ms === null ? undefined : ms;
}

// ---------------------------------------------------------------------------------------------
// Top-N: the outer filter on the rank

function conjuncts(e: BoundExpr): BoundExpr[] {
  return e.kind === 'Call' && e.op === 'AND' ? e.args.flatMap(conjuncts) : [e];
}

function andAll(es: readonly BoundExpr[]): BoundExpr | null {
  if (es.length === 0) return null;
  return es.reduce((a, b) => ({
    kind: 'Call',
    op: 'AND',
    args: [a, b],
    type: a.type,
    nullable: a.nullable || b.nullable,
  }));
}

/** The rank whose rank column `name` of `rel` is (through projections and filters), if any. */
function rankOf(rel: Rel, name: string): RankRel | null {
  switch (rel.kind) {
    case 'Rank':
      return name === rel.rankField ? rel : null;
    case 'Project': {
      const e = rel.exprs.find((x) => x.name === name)?.expr;
      return e?.kind === 'FieldRef' ? rankOf(rel.input, e.name) : null;
    }
    case 'Filter':
      return rankOf(rel.input, name);
    default:
      return null;
  }
}

/** `rel` with `target` (under projections and filters) replaced by `f(target)`. */
function replaceRank(rel: Rel, target: RankRel, f: (r: RankRel) => RankRel): Rel {
  if (rel === target) return f(target);
  if (rel.kind === 'Project' || rel.kind === 'Filter') return { ...rel, input: replaceRank(rel.input, target, f) };
  return rel;
}

function integerValue(e: BoundExpr): number | null {
  const x = e.kind === 'Cast' ? e.expr : e;
  return x.kind === 'Literal' && typeof x.value === 'number' && Number.isSafeInteger(x.value) ? x.value : null;
}

/**
 * Folds `rank <= N`, `rank < N`, `rank = 1` and `rank BETWEEN 1 AND N` conjuncts of a WHERE over
 * a rank into the rank's limit. Returns the new input and what remains of the condition.
 */
export function fuseRankFilter(rel: Rel, where: BoundExpr): { rel: Rel; rest: BoundExpr | null } {
  const rest: BoundExpr[] = [];
  const limits = new Map<RankRel, number>();
  for (const c of conjuncts(where)) {
    let fused = false;
    if (c.kind === 'Call' && (c.op === '<=' || c.op === '<' || c.op === '=' || c.op === '>=' || c.op === '>')) {
      const [a, b] = c.args as [BoundExpr, BoundExpr];
      const flip: Record<string, string> = { '<=': '>=', '<': '>', '=': '=', '>=': '<=', '>': '<' };
      const [field, value, op] =
        a.kind === 'FieldRef'
          ? [a, integerValue(b), c.op]
          : b.kind === 'FieldRef'
            ? [b, integerValue(a), flip[c.op]!]
            : [null, null, c.op];
      const rank = field ? rankOf(rel, field.name) : null;
      if (rank && value !== null) {
        const limit = op === '<=' ? value : op === '<' ? value - 1 : op === '=' && value === 1 ? 1 : null;
        if (limit !== null && limit >= 1) {
          limits.set(rank, Math.min(limits.get(rank) ?? limit, limit));
          fused = true;
        }
      }
    }
    // rank BETWEEN 1 AND N
    if (!fused && c.kind === 'Call' && c.op === 'BETWEEN' && c.args[0]!.kind === 'FieldRef') {
      const rank = rankOf(rel, c.args[0]!.name);
      const low = integerValue(c.args[1]!);
      const high = integerValue(c.args[2]!);
      if (rank && low !== null && low <= 1 && high !== null && high >= 1) {
        limits.set(rank, Math.min(limits.get(rank) ?? high, high));
        fused = true;
      }
    }
    if (!fused) rest.push(c);
  }
  let out = rel;
  for (const [rank, limit] of limits) {
    // a rank already limited by an inner filter keeps the smaller limit
    out = replaceRank(out, rank, (r) => ({ ...r, limit: r.limit === null ? limit : Math.min(r.limit, limit) }));
  }
  return { rel: out, rest: andAll(rest) };
}

/** Marks a Top-N whose rank column no expression of `rel` (a projection over it) reads. */
export function markUnreadRank(rel: Rel): Rel {
  if (rel.kind !== 'Project') return rel;
  const used = new Set<string>();
  for (const e of rel.exprs) fieldsUsed(e.expr, used);
  const walk = (r: Rel, used: Set<string>): Rel => {
    if (r.kind === 'Rank') return r.limit !== null && !used.has(r.rankField) ? { ...r, rankOutput: false } : r;
    if (r.kind === 'Filter') {
      const u = new Set(used);
      fieldsUsed(r.predicate, u);
      return { ...r, input: walk(r.input, u) };
    }
    if (r.kind === 'Project') {
      const u = new Set<string>();
      for (const e of r.exprs) if (used.has(e.name)) fieldsUsed(e.expr, u);
      return { ...r, input: walk(r.input, u) };
    }
    return r;
  };
  return { ...rel, input: walk(rel.input, used) };
}

/** Every ranking function of a query must be a Top-N: filtered by its rank in an outer query. */
export function checkRanksFiltered(rel: Rel, diags: Diagnostic[]): boolean {
  let ok = true;
  const visit = (r: Rel): void => {
    if (r.kind === 'Rank' && r.limit === null) {
      diags.push(rankWithoutFilter(r.fn, r.rankField, r.callSpan));
      ok = false;
    }
    for (const i of inputsOf(r)) visit(i);
  };
  visit(rel);
  return ok;
}

function rankWithoutFilter(fn: string, name: string, span: Span): Diagnostic {
  return error(
    'SQ0306',
    `${fn}() is only supported as a Top-N: an outer query must keep the first rows by their rank, e.g. WHERE ${name} <= 10`,
    span,
    `help: SELECT * FROM (SELECT *, ${fn}() OVER (PARTITION BY ... ORDER BY ...) AS ${name} FROM t) WHERE ${name} <= N`,
    'note: without the filter every row would be re-ranked on every input row (unbounded state and output)',
  );
}
