/**
 * The expression binder and type checker: AST `Expr` → plan `BoundExpr`, every node typed, implicit
 * conversions inserted. Returns null for an expression with an error that was already reported,
 * so one mistake gives one diagnostic (callers treat null as "poisoned" and stay silent).
 */
import type { ColumnRef, Expr, FieldAccessExpr, Ident, NumberLiteral, Span } from '../../grammar/ast.ts';
import { error } from '../../grammar/diagnostic.ts';
import { intervalToMs } from '../check/literals.ts';
import { didYouMean } from '../../grammar/suggest.ts';
import { canCast, commonType } from '../check/typing.ts';
import type { BoundExpr } from '../plan/plan.ts';
import type { SqlType } from '../types.ts';
import { BIGINT, BOOLEAN, DATE, DOUBLE, INT, INTERVAL, NULL_TYPE, STRING, TIME, TIMESTAMP } from '../types.ts';
import { bindCall, bindExtract, bindTrim } from './calls.ts';
import { coerce, literal, timeLiteral } from './coerce.ts';
import type { ExprCtx } from './context.ts';
import { typeName } from './context.ts';
import { bindBinary, bindBetween, bindCase, bindInList, bindLike, bindUnary } from './operators.ts';
import { allAliases, allColumnNames, findEntry, lookupColumn } from './scope.ts';
import { typeFromNode } from '../check/typing.ts';

export function bindExpr(e: Expr, ctx: ExprCtx): BoundExpr | null {
  switch (e.kind) {
    case 'ColumnRef':
      return bindColumnRef(e, ctx);
    case 'NumberLiteral':
      return bindNumber(e, ctx);
    case 'StringLiteral':
      return literal(e.value, STRING, false);
    case 'BooleanLiteral':
      return literal(e.value, BOOLEAN, false);
    case 'NullLiteral':
      return literal(null, NULL_TYPE, true);
    case 'IntervalLiteral': {
      const v = intervalToMs(e);
      if ('error' in v) {
        ctx.diags.push(error('SQ0204', v.error, e.span));
        return null;
      }
      return literal(v.ms, INTERVAL, false);
    }
    case 'TypedLiteral':
      return timeLiteral(
        e.value,
        e.type === 'TIMESTAMP' ? TIMESTAMP : e.type === 'DATE' ? DATE : TIME,
        e.span,
        ctx.diags,
      );
    case 'BinaryExpr':
      return bindBinary(e, ctx);
    case 'UnaryExpr':
      return bindUnary(e, ctx);
    case 'IsNullExpr': {
      const x = bindExpr(e.expr, ctx);
      if (!x) return null;
      return { kind: 'Call', op: e.negated ? 'IS NOT NULL' : 'IS NULL', args: [x], type: BOOLEAN, nullable: false };
    }
    case 'IsBooleanExpr': {
      const x = bindExpr(e.expr, ctx);
      if (!x) return null;
      if (e.value === 'UNKNOWN') {
        return { kind: 'Call', op: e.negated ? 'IS NOT NULL' : 'IS NULL', args: [x], type: BOOLEAN, nullable: false };
      }
      const b = requireBoolean(x, e.expr.span, `IS ${e.negated ? 'NOT ' : ''}${e.value ? 'TRUE' : 'FALSE'}`, ctx);
      if (!b) return null;
      const op = e.value ? (e.negated ? 'IS NOT TRUE' : 'IS TRUE') : e.negated ? 'IS NOT FALSE' : 'IS FALSE';
      return { kind: 'Call', op, args: [b], type: BOOLEAN, nullable: false };
    }
    case 'BetweenExpr':
      return bindBetween(e, ctx);
    case 'InListExpr':
      return bindInList(e, ctx);
    case 'LikeExpr':
      return bindLike(e, ctx);
    case 'CaseExpr':
      return bindCase(e, ctx);
    case 'CastExpr': {
      const x = bindExpr(e.expr, ctx);
      const { type: to, problems } = typeFromNode(e.type);
      for (const p of problems) ctx.diags.push(error('SQ0203', p.message, p.node.span));
      if (!x || problems.length) return null;
      if (!canCast(x.type, to)) {
        ctx.diags.push(
          error('SQ0203', `cannot ${e.try ? 'TRY_CAST' : 'CAST'} ${typeName(x.type)} to ${typeName(to)}`, e.span),
        );
        return null;
      }
      if (
        !e.try &&
        x.kind === 'Literal' &&
        typeof x.value === 'string' &&
        (to.kind === 'TIMESTAMP' || to.kind === 'DATE' || to.kind === 'TIME')
      ) {
        return timeLiteral(x.value, to, e.expr.span, ctx.diags);
      }
      if (x.kind === 'Literal' && x.value === null) return literal(null, to, true);
      return { kind: 'Cast', expr: x, try: e.try, type: to, nullable: x.nullable || e.try };
    }
    case 'FunctionCall':
      return bindCall(e, ctx);
    case 'ExtractExpr':
      return bindExtract(e, ctx);
    case 'TrimExpr':
      return bindTrim(e, ctx);
    case 'TimeUnitExpr':
      ctx.diags.push(
        error(
          'SQ0201',
          `a time unit (${e.unit}) is only allowed as a function argument, e.g. TIMESTAMPDIFF(${e.unit}, a, b)`,
          e.span,
        ),
      );
      return null;
    case 'SubscriptExpr': {
      const base = bindExpr(e.base, ctx);
      const index = bindExpr(e.index, ctx);
      if (!base || !index) return null;
      if (base.type.kind === 'ARRAY') {
        if (index.type.kind !== 'INT' && index.type.kind !== 'BIGINT') {
          ctx.diags.push(
            error('SQ0201', `an ARRAY index must be an INT (1-based), not ${typeName(index.type)}`, e.index.span),
          );
          return null;
        }
        return { kind: 'Call', op: 'ELEMENT_AT', args: [base, index], type: base.type.element, nullable: true };
      }
      if (base.type.kind === 'MAP') {
        const key =
          index.type.kind === 'STRING' || index.type.kind === 'NULL'
            ? coerce(index, STRING, e.index.span, ctx.diags)
            : null;
        if (!key) {
          ctx.diags.push(error('SQ0201', `a MAP key must be a STRING, not ${typeName(index.type)}`, e.index.span));
          return null;
        }
        return { kind: 'Call', op: 'ELEMENT_AT', args: [base, key], type: base.type.value, nullable: true };
      }
      ctx.diags.push(
        error(
          'SQ0201',
          `cannot subscript a value of type ${typeName(base.type)}; [...] needs an ARRAY or a MAP`,
          e.base.span,
        ),
      );
      return null;
    }
    case 'FieldAccessExpr':
      return bindFieldAccess(e, ctx);
    case 'ArrayConstructor': {
      const els = e.elements.map((x) => bindExpr(x, ctx));
      if (els.some((x) => x === null)) return null;
      let t: SqlType = NULL_TYPE;
      for (let i = 0; i < els.length; i++) {
        const c = commonType(t, els[i]!.type);
        if (!c) {
          ctx.diags.push(
            error(
              'SQ0201',
              `ARRAY elements must have a common type, but ${typeName(els[i]!.type)} does not match ${typeName(t)}`,
              e.elements[i]!.span,
            ),
          );
          return null;
        }
        t = c;
      }
      if (t.kind === 'NULL') t = STRING;
      const args = els.map((x, i) => coerce(x!, t, e.elements[i]!.span, ctx.diags));
      if (args.some((x) => x === null)) return null;
      return {
        kind: 'Call',
        op: 'ARRAY',
        args: args as BoundExpr[],
        type: { kind: 'ARRAY', element: t, elementNullable: els.some((x) => x!.nullable) },
        nullable: false,
      };
    }
    case 'ErrorExpr':
      return null;
  }
}

/** Binds `e` and checks it is BOOLEAN (SQ0205 "condition is not BOOLEAN"), for WHERE/HAVING/ON/FILTER. */
export function bindCondition(e: Expr, clause: string, ctx: ExprCtx): BoundExpr | null {
  const x = bindExpr(e, ctx);
  if (!x) return null;
  if (x.type.kind === 'NULL') return literal(null, BOOLEAN, true);
  if (x.type.kind !== 'BOOLEAN') {
    ctx.diags.push(error('SQ0205', `${clause} condition must be BOOLEAN, but this is ${typeName(x.type)}`, e.span));
    return null;
  }
  return x;
}

/** Checks an operand is BOOLEAN (SQ0201); NULL literals become BOOLEAN NULL. */
export function requireBoolean(x: BoundExpr, span: Span, what: string, ctx: ExprCtx): BoundExpr | null {
  if (x.type.kind === 'NULL') return literal(null, BOOLEAN, true);
  if (x.type.kind !== 'BOOLEAN') {
    ctx.diags.push(error('SQ0201', `${what} expects a BOOLEAN operand, but this is ${typeName(x.type)}`, span));
    return null;
  }
  return x;
}

function bindNumber(e: NumberLiteral, ctx: ExprCtx): BoundExpr | null {
  const v = Number(e.text);
  if (!Number.isFinite(v)) {
    ctx.diags.push(error('SQ0204', `invalid number ${e.text}`, e.span));
    return null;
  }
  if (!e.integer) return literal(v, DOUBLE, false);
  if (Number.isInteger(v) && Math.abs(v) <= 2_147_483_647) return literal(v, INT, false);
  if (Number.isSafeInteger(v)) return literal(v, BIGINT, false);
  ctx.diags.push(
    error(
      'SQ0204',
      `integer literal ${e.text} is out of range: BIGINT values are limited to ±9007199254740991 (2^53 − 1) so that they never lose precision`,
      e.span,
    ),
  );
  return null;
}

function columnRef(
  ctx: ExprCtx,
  name: string,
  field: { name: string; type: SqlType; nullable: boolean },
  span: Span,
): BoundExpr {
  const ref: BoundExpr = { kind: 'FieldRef', name: field.name, type: field.type, nullable: field.nullable };
  ctx.meta.origins.set(ref, { span, label: name });
  return ref;
}

function spanOf(parts: readonly Ident[], from: number, to: number): Span {
  const a = parts[from]!.span;
  const b = parts[to]!.span;
  return { offset: a.offset, end: b.end, line: a.line, col: a.col };
}

function bindColumnRef(e: ColumnRef, ctx: ExprCtx): BoundExpr | null {
  const parts = e.parts;
  if (parts.length === 0) return null;
  const p0 = parts[0]!;
  // Spark's `window.start` / `window.end` after GROUP BY window(...) / session_window(...).
  if (
    ctx.window &&
    parts.length === 2 &&
    p0.name.toLowerCase() === 'window' &&
    lookupColumn(ctx.scope, p0.name).kind === 'missing'
  ) {
    return windowField(e, ctx);
  }
  if (parts.length >= 2) {
    const entry = findEntry(ctx.scope, p0.name);
    if (entry) {
      const p1 = parts[1]!;
      const column = entry.columns.find((c) => c.name === p1.name);
      if (!column) {
        ctx.diags.push(
          error(
            'SQ0102',
            `unknown column "${p1.name}" in "${entry.label}"`,
            p1.span,
            ...didYouMean(
              p1.name,
              entry.columns.map((c) => c.name),
            ),
          ),
        );
        return null;
      }
      return fieldChain(columnRef(ctx, `${p0.name}.${p1.name}`, column.field, spanOf(parts, 0, 1)), parts, 2, ctx);
    }
  }
  const found = lookupColumn(ctx.scope, p0.name);
  if (found.kind === 'ambiguous') {
    const labels = found.entries.map((x) => `"${x.label}"`);
    const quals = found.entries.filter((x) => x.alias !== null).map((x) => `${x.alias}.${p0.name}`);
    ctx.diags.push(
      error(
        'SQ0104',
        `column "${p0.name}" is ambiguous: it exists in ${labels.join(' and ')}`,
        p0.span,
        ...(quals.length ? [`help: qualify it, e.g. ${quals.join(' or ')}`] : []),
      ),
    );
    return null;
  }
  if (found.kind === 'missing') {
    const alias = parts.length === 1 ? ctx.aliases?.get(p0.name) : undefined;
    if (alias) return bindExpr(alias, { ...ctx, aliases: undefined });
    if (parts.length >= 2) {
      ctx.diags.push(
        error(
          'SQ0106',
          `"${p0.name}" is neither a table alias nor a column here`,
          p0.span,
          ...didYouMean(p0.name, [...allAliases(ctx.scope), ...allColumnNames(ctx.scope)]),
        ),
      );
      return null;
    }
    const notes = didYouMean(p0.name, allColumnNames(ctx.scope));
    if (p0.name.toLowerCase() === 'window' && !ctx.window) {
      notes.push(
        "note: window.start / window.end exist only when grouping by window(ts, '...') or session_window(ts, '...')",
      );
    }
    if (ctx.scope.entries.length === 0) notes.push('note: there is no FROM clause, so no columns are visible');
    ctx.diags.push(error('SQ0102', `unknown column "${p0.name}"`, p0.span, ...notes));
    return null;
  }
  return fieldChain(columnRef(ctx, p0.name, found.column.field, p0.span), parts, 1, ctx);
}

/** `col.a.b`: nested ROW field access. */
function fieldChain(base: BoundExpr, parts: readonly Ident[], from: number, ctx: ExprCtx): BoundExpr | null {
  let cur = base;
  for (let i = from; i < parts.length; i++) {
    const next = rowField(
      cur,
      parts[i]!,
      parts
        .slice(0, i)
        .map((p) => p.name)
        .join('.'),
      ctx,
    );
    if (!next) return null;
    cur = next;
  }
  return cur;
}

function rowField(base: BoundExpr, field: Ident, label: string, ctx: ExprCtx): BoundExpr | null {
  if (base.type.kind !== 'ROW') {
    const notes = base.type.kind === 'MAP' ? [`help: read a MAP value with ${label}['${field.name}']`] : [];
    ctx.diags.push(
      error(
        'SQ0106',
        `"${label}" is ${typeName(base.type)}, not a ROW, so it has no field "${field.name}"`,
        field.span,
        ...notes,
      ),
    );
    return null;
  }
  const f = base.type.fields.find((x) => x.name === field.name);
  if (!f) {
    ctx.diags.push(
      error(
        'SQ0106',
        `unknown field "${field.name}" of "${label}" (${typeName(base.type)})`,
        field.span,
        ...didYouMean(
          field.name,
          base.type.fields.map((x) => x.name),
        ),
      ),
    );
    return null;
  }
  return {
    kind: 'Call',
    op: 'FIELD',
    args: [base, literal(f.name, STRING, false)],
    type: f.type,
    nullable: base.nullable || f.nullable,
  };
}

function bindFieldAccess(e: FieldAccessExpr, ctx: ExprCtx): BoundExpr | null {
  const base = bindExpr(e.base, ctx);
  if (!base) return null;
  return rowField(base, e.field, 'the expression', ctx);
}

function windowField(e: ColumnRef, ctx: ExprCtx): BoundExpr | null {
  const w = ctx.window!;
  if (w.broken) return null;
  const prop = e.parts[1]!;
  const p = prop.name.toLowerCase();
  if (w.spelling !== 'spark') {
    ctx.diags.push(
      error(
        'SQ0304',
        `window.${prop.name} needs GROUP BY window(ts, '...') or session_window(ts, '...'); this query groups by ${w.display}`,
        e.span,
      ),
    );
    return null;
  }
  if (p !== 'start' && p !== 'end') {
    ctx.diags.push(
      error(
        'SQ0106',
        `unknown field "${prop.name}" of the window`,
        prop.span,
        'help: the window has the fields "start" and "end"',
      ),
    );
    return null;
  }
  const ref: BoundExpr = {
    kind: 'FieldRef',
    name: p === 'start' ? w.startField : w.endField,
    type: TIMESTAMP,
    nullable: false,
  };
  ctx.meta.placeholders.add(ref);
  return ref;
}
