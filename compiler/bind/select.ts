/**
 * Queries: WITH, SELECT (projection, WHERE, DISTINCT; grouping is in aggregate.ts), UNION [ALL],
 * ORDER BY and LIMIT. A query's output fields have unique names: explicit duplicates are errors,
 * duplicates from `*` over a join keep the join's renaming (`uuid0`).
 */
import type {
  Expr,
  Ident,
  OrderItem,
  Query,
  QueryBody,
  Select,
  SelectExpr,
  SetOperation,
  Span,
} from '../../grammar/ast.ts';
import type { Diagnostic } from '../../grammar/diagnostic.ts';
import { error, warning } from '../../grammar/diagnostic.ts';
import { didYouMean } from '../../grammar/suggest.ts';
import { commonType } from '../check/typing.ts';
import type { BoundExpr, NamedExpr } from '../plan/plan.ts';
import type { SqlType } from '../types.ts';
import { STRING } from '../types.ts';
import { bindGroupedSelect, containsAggregate } from './aggregate.ts';
import { coerce } from './coerce.ts';
import { astKey, exprCtx, typeName } from './context.ts';
import type { Env, FromResult, ItemPlan } from './env.ts';
import { bindCondition, bindExpr } from './expr.ts';
import { bindFrom } from './from.ts';
import { bindOverSelect, fuseRankFilter, markUnreadRank, overCalls } from './over.ts';
import type { Rel, RelField } from './rel.ts';
import { fieldRef, project, uniqueName } from './rel.ts';
import type { Scope } from './scope.ts';
import { allAliases, findEntry, singleScope } from './scope.ts';

export function bindQuery(q: Query, outer: Env): Rel | null {
  const byPosition = q.orderBy.length === 0 ? (outer.outputByPosition ?? null) : null;
  const env: Env = outer.outputByPosition ? { ...outer, outputByPosition: null } : outer;
  let inner = env;
  if (q.ctes.length > 0) {
    const ctes = new Map(env.ctes);
    const seen = new Set<string>();
    for (const cte of q.ctes) {
      const name = cte.name.name;
      if (seen.has(name)) {
        env.diags.push(error('SQ0105', `duplicate WITH query name "${name}"`, cte.name.span));
        continue;
      }
      seen.add(name);
      let rel = bindQuery(cte.query, { ...env, ctes });
      if (rel && cte.columnAliases)
        rel = renameColumns(rel, cte.columnAliases, `WITH query "${name}"`, cte.span, env.diags);
      ctes.set(name, rel);
    }
    inner = { ...env, ctes };
  }
  const body = bindBody(q.body, byPosition ? { ...inner, outputByPosition: byPosition } : inner);
  if (!body) return null;
  if (q.orderBy.length === 0 && q.limit === null) return body.rel;
  return bindOrderLimit(q, body, inner);
}

interface BodyResult {
  readonly rel: Rel;
  /** SELECT items with their output names, to match ORDER BY expressions against. */
  readonly items: readonly { readonly expr: Expr; readonly name: string }[];
}

function bindBody(b: QueryBody, env: Env): BodyResult | null {
  switch (b.kind) {
    case 'Select':
      return bindSelect(b, env);
    case 'SetOperation':
      return bindSetOp(b, env);
    case 'Query': {
      const rel = bindQuery(b, env);
      return rel ? { rel, items: [] } : null;
    }
  }
}

/** Output name of a SELECT item written without AS. */
export function implicitName(e: SelectExpr, index: number): string {
  if (e.alias) return e.alias.name;
  const x = e.expr;
  if (x.kind === 'ColumnRef') return x.parts[x.parts.length - 1]!.name;
  if (x.kind === 'FieldAccessExpr') return x.field.name;
  return `EXPR$${index}`;
}

/** Expands `*` / `t.*` and names every item; reports unknown qualifiers and duplicate names. */
export function planItems(
  sel: Select,
  scope: Scope,
  diags: Diagnostic[],
  meta: Env['meta'],
  byPosition: readonly string[] | null = null,
): ItemPlan[] | null {
  const items: ItemPlan[] = [];
  let ok = true;
  sel.items.forEach((it, i) => {
    if (it.kind === 'SelectExpr') {
      items.push({ ast: it, name: implicitName(it, i), span: it.span });
      return;
    }
    let entries = scope.entries;
    if (it.qualifier) {
      const e = findEntry(scope, it.qualifier.name);
      if (!e) {
        diags.push(
          error(
            'SQ0106',
            `unknown table alias "${it.qualifier.name}" in ${it.qualifier.name}.*`,
            it.qualifier.span,
            ...didYouMean(it.qualifier.name, allAliases(scope)),
          ),
        );
        ok = false;
        return;
      }
      entries = [e];
    } else if (scope.entries.length === 0) {
      diags.push(error('SQ0102', 'SELECT * needs a FROM clause', it.span));
      ok = false;
      return;
    }
    for (const e of entries) {
      for (const c of e.columns) {
        const ref = fieldRef(c.field);
        meta.origins.set(ref, { span: it.span, label: c.name });
        // `t.*` keeps the names of t's columns; `*` over a join keeps the join's renaming (uuid0).
        items.push({ ast: null, name: it.qualifier ? c.name : c.field.name, span: it.span, star: ref });
      }
    }
  });
  if (!ok) return null;
  const explicit = new Map<string, ItemPlan>();
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    if (!it.ast) continue;
    if (explicit.has(it.name) && byPosition) {
      // written by position: the repeated item takes its target column's name (or a unique one)
      const taken = new Set([...explicit.keys(), ...items.map((x) => x.name)]);
      const target = byPosition[i];
      const name = target !== undefined && !taken.has(target) ? target : uniqueName(it.name, taken);
      diags.push(
        warning(
          'SQ0105',
          `duplicate column name "${it.name}" in the SELECT list, kept because INSERT writes columns by position${target !== undefined ? ` (this one into "${target}")` : ''}`,
          it.ast.alias?.span ?? it.span,
          `help: name it with AS${target !== undefined ? ` ${target}` : ''} to silence this`,
        ),
      );
      items[i] = { ...it, name };
      explicit.set(name, items[i]!);
      continue;
    }
    if (explicit.has(it.name)) {
      diags.push(
        error(
          'SQ0105',
          `duplicate column name "${it.name}" in the SELECT list`,
          it.ast.alias?.span ?? it.span,
          'help: rename one of them with AS',
        ),
      );
      ok = false;
    }
    explicit.set(it.name, it);
  }
  // Columns of `*` never clash: they are renamed like join columns (`uuid0`).
  const taken = new Set(explicit.keys());
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    if (it.ast) continue;
    const name = uniqueName(it.name, taken);
    taken.add(name);
    if (name !== it.name) items[i] = { ...it, name };
  }
  return ok ? items : null;
}

function bindSelect(sel: Select, outer: Env): BodyResult | null {
  const byPosition = outer.outputByPosition ?? null;
  const env: Env = byPosition ? { ...outer, outputByPosition: null } : outer;
  if (!sel.from) {
    env.diags.push(
      error('SQ0404', 'SELECT without FROM is not supported: a streaming query reads from a stream or table', sel.span),
    );
    return null;
  }
  let from: FromResult | null = bindFrom(sel.from, env);
  if (!from) return null;
  // A bad WHERE does not stop the SELECT list from being checked for independent errors.
  const where = sel.where ? bindCondition(sel.where, 'WHERE', exprCtx(from.scope, env.diags, env.meta, 'WHERE')) : null;
  const items = planItems(sel, from.scope, env.diags, env.meta, byPosition);
  // A filter on the rank of a Top-N below is the Top-N's limit (bind/over.ts).
  let cond = where;
  if (where) {
    const fused = fuseRankFilter(from.rel, where);
    if (fused.rel !== from.rel) {
      from = { ...from, rel: fused.rel };
      cond = fused.rest;
    }
  }
  const calls = overCalls(sel);
  const grouped =
    sel.groupBy.length > 0 ||
    sel.having !== null ||
    sel.items.some((i) => i.kind === 'SelectExpr' && containsAggregate(i.expr));
  let rel: Rel | null;
  if (grouped && calls.length > 0) {
    env.diags.push(
      error(
        'SQ0306',
        'window functions (OVER) cannot be combined with GROUP BY or aggregates in one SELECT',
        calls[0]!.over!.span,
        'help: aggregate in a subquery and apply the window function over it',
      ),
    );
    return null;
  } else if (grouped) {
    rel = items ? bindGroupedSelect(sel, from, cond, items, env) : null;
  } else if (calls.length > 0) {
    if (!items || (sel.where && !where)) return null;
    const input: Rel = cond
      ? { kind: 'Filter', input: from.rel, predicate: cond, fields: from.rel.fields, span: sel.where!.span }
      : from.rel;
    rel = bindOverSelect(sel, calls, input, from, items, env);
    if (rel) rel = markUnreadRank(rel);
  } else {
    const ctx = exprCtx(from.scope, env.diags, env.meta, 'SELECT');
    const exprs: (NamedExpr | null)[] = (items ?? []).map((it) => {
      const e = it.star ?? bindExpr(it.ast!.expr, ctx);
      return e ? { name: it.name, expr: e } : null;
    });
    if (!items || exprs.some((e) => !e) || (sel.where && !where)) return null;
    const input: Rel = cond
      ? { kind: 'Filter', input: from.rel, predicate: cond, fields: from.rel.fields, span: sel.where!.span }
      : from.rel;
    rel = markUnreadRank(project(input, exprs as NamedExpr[], sel.span));
  }
  if (!rel || (sel.where && !where) || !items) return null;
  if (sel.distinct) rel = distinct(rel, sel.span);
  return { rel, items: items.flatMap((it) => (it.ast ? [{ expr: it.ast.expr, name: it.name }] : [])) };
}

export function distinct(rel: Rel, span: Span): Rel {
  return {
    kind: 'Aggregate',
    input: rel,
    keys: rel.fields.map((f) => ({ name: f.name, expr: fieldRef(f) })),
    aggs: [],
    window: null,
    fields: rel.fields.map((f) => ({ name: f.name, type: f.type, nullable: f.nullable, time: null })),
    span,
  };
}

/** Renames the columns of `rel` (view, CTE and derived-table column lists). */
export function renameColumns(
  rel: Rel,
  names: readonly Ident[],
  what: string,
  span: Span,
  diags: Diagnostic[],
): Rel | null {
  if (names.length !== rel.fields.length) {
    const list = names.length ? { ...names[0]!.span, end: names[names.length - 1]!.span.end } : span;
    diags.push(
      error(
        'SQ0401',
        `${what} lists ${names.length} column name${names.length === 1 ? '' : 's'} but its query produces ${rel.fields.length}`,
        list,
      ),
    );
    return null;
  }
  const dup = names.find((n, i) => names.findIndex((m) => m.name === n.name) !== i);
  if (dup) {
    diags.push(error('SQ0105', `duplicate column name "${dup.name}" in the column list of ${what}`, dup.span));
    return null;
  }
  return project(
    rel,
    rel.fields.map((f, i) => ({ name: names[i]!.name, expr: fieldRef(f) })),
    span,
  );
}

function bindSetOp(s: SetOperation, env: Env): BodyResult | null {
  if (s.op !== 'UNION') {
    bindBody(s.left, env);
    bindBody(s.right, env);
    env.diags.push(error('SQ0404', `${s.op} is not supported on streams; only UNION [ALL] is`, s.span));
    return null;
  }
  const l = bindBody(s.left, env);
  const r = bindBody(s.right, env);
  if (!l || !r) return null;
  const lf = l.rel.fields;
  const rf = r.rel.fields;
  if (lf.length !== rf.length) {
    env.diags.push(
      error('SQ0201', `UNION inputs have different numbers of columns: ${lf.length} and ${rf.length}`, s.right.span),
    );
    return null;
  }
  const types: SqlType[] = [];
  for (let i = 0; i < lf.length; i++) {
    const t = commonType(lf[i]!.type, rf[i]!.type);
    if (!t) {
      env.diags.push(
        error(
          'SQ0201',
          `UNION column ${i + 1} ("${lf[i]!.name}") is ${typeName(lf[i]!.type)} on the left but ${typeName(rf[i]!.type)} on the right`,
          s.right.span,
          'help: CAST one side to the other type',
        ),
      );
      return null;
    }
    types.push(t.kind === 'NULL' ? STRING : t);
  }
  const align = (rel: Rel): Rel =>
    project(
      rel,
      rel.fields.map((f, i) => ({ name: lf[i]!.name, expr: coerce(fieldRef(f), types[i]!, s.span, env.diags)! })),
      s.span,
    );
  const inputs = [align(l.rel), align(r.rel)].flatMap((x) =>
    x.kind === 'Union' && x.inputs.length > 0 ? x.inputs : [x],
  );
  const fields: RelField[] = lf.map((f, i) => ({
    name: f.name,
    type: types[i]!,
    nullable: f.nullable || rf[i]!.nullable,
    time: f.time === 'event' && rf[i]!.time === 'event' ? 'event' : null,
  }));
  const union: Rel = { kind: 'Union', inputs, fields, span: s.span };
  return { rel: s.all ? union : distinct(union, s.span), items: l.items };
}

function bindOrderLimit(q: Query, body: BodyResult, env: Env): Rel | null {
  const rel = body.rel;
  const scope = singleScope(null, 'the query result', rel.fields, q.span);
  const ctx = exprCtx(scope, env.diags, env.meta, 'ORDER BY');
  const keys: { expr: BoundExpr; descending: boolean; nullsFirst: boolean }[] = [];
  let ok = true;
  for (const o of q.orderBy) {
    const e = orderExpr(o, body, ctx, env);
    if (!e) {
      ok = false;
      continue;
    }
    // SQL default: NULLs sort as the smallest value (first ascending, last descending).
    keys.push({
      expr: e,
      descending: o.descending,
      nullsFirst: o.nulls === null ? !o.descending : o.nulls === 'FIRST',
    });
  }
  let limit: number | null = null;
  if (q.limit) {
    const l = q.limit;
    if (l.kind === 'NumberLiteral' && l.integer && Number(l.text) >= 0 && Number.isSafeInteger(Number(l.text)))
      limit = Number(l.text);
    else if (l.kind !== 'ErrorExpr') {
      env.diags.push(error('SQ0204', 'LIMIT must be a non-negative integer literal', l.span));
      ok = false;
    }
  }
  if (!ok) return null;
  return { kind: 'Sort', input: rel, keys, limit, fields: rel.fields, span: sortSpan(q) };
}

function orderExpr(o: OrderItem, body: BodyResult, ctx: ReturnType<typeof exprCtx>, env: Env): BoundExpr | null {
  const fields = body.rel.fields;
  if (o.expr.kind === 'NumberLiteral' && o.expr.integer) {
    const n = Number(o.expr.text);
    if (n < 1 || n > fields.length) {
      env.diags.push(
        error('SQ0102', `ORDER BY position ${n} is not in the SELECT list (1..${fields.length})`, o.expr.span),
      );
      return null;
    }
    return fieldRef(fields[n - 1]!);
  }
  const k = astKey(o.expr);
  const match = body.items.find((it) => astKey(it.expr) === k);
  if (match) {
    const f = fields.find((x) => x.name === match.name);
    if (f) return fieldRef(f);
  }
  const before = env.diags.length;
  const e = bindExpr(o.expr, ctx);
  if (!e && env.diags.length > before) {
    const last = env.diags[env.diags.length - 1]!;
    if (last.code === 'SQ0102' && !last.notes.some((n) => n.startsWith('note: ORDER BY'))) {
      env.diags[env.diags.length - 1] = {
        ...last,
        notes: [...last.notes, 'note: ORDER BY can use the columns of the SELECT list (by name or position)'],
      };
    }
  }
  return e;
}

/** From the first ORDER BY item (or the LIMIT) to the end of the query: where SQ0702 points. */
function sortSpan(q: Query): Span {
  const first = q.orderBy[0]?.span ?? q.limit?.span ?? q.span;
  return {
    ...first,
    end: Math.max(first.end, q.limit?.span.end ?? first.end, q.orderBy[q.orderBy.length - 1]?.span.end ?? first.end),
  };
}
