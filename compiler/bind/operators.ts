/**
 * Typing of operators: arithmetic (numbers, TIMESTAMP ± INTERVAL, INTERVAL arithmetic),
 * comparison (common type; string literals compared with a TIMESTAMP/DATE become time literals),
 * logic (three-valued, BOOLEAN operands), `||`, BETWEEN, IN, LIKE and CASE.
 */
import type {
  BetweenExpr,
  BinaryExpr,
  CaseExpr,
  Expr,
  InListExpr,
  LikeExpr,
  Span,
  UnaryExpr,
} from '../../grammar/ast.ts';
import { error } from '../../grammar/diagnostic.ts';
import { likeToRegExpSource } from '../../runtime/functions/strings.ts';
import { commonType, isOrderable, widerNumeric } from '../check/typing.ts';
import type { BoundExpr, ScalarOp } from '../plan/plan.ts';
import type { SqlType } from '../types.ts';
import { BOOLEAN, INT, INTERVAL, NULL_TYPE, STRING, TIMESTAMP, isNumeric } from '../types.ts';
import { coerce, isStringLiteral, literal } from './coerce.ts';
import type { ExprCtx } from './context.ts';
import { typeName } from './context.ts';
import { bindCondition, bindExpr, requireBoolean } from './expr.ts';

function call(op: ScalarOp, args: BoundExpr[], type: SqlType, nullable = args.some((a) => a.nullable)): BoundExpr {
  return { kind: 'Call', op, args, type, nullable };
}

export function bindBinary(e: BinaryExpr, ctx: ExprCtx): BoundExpr | null {
  const l = bindExpr(e.left, ctx);
  const r = bindExpr(e.right, ctx);
  if (!l || !r) return null;
  switch (e.op) {
    case 'AND':
    case 'OR': {
      const a = requireBoolean(l, e.left.span, `operator ${e.op}`, ctx);
      const b = requireBoolean(r, e.right.span, `operator ${e.op}`, ctx);
      return a && b ? call(e.op, [a, b], BOOLEAN) : null;
    }
    case '||': {
      for (const [x, side] of [
        [l, e.left],
        [r, e.right],
      ] as const) {
        if (x.type.kind !== 'STRING' && x.type.kind !== 'NULL') {
          ctx.diags.push(
            error(
              'SQ0201',
              `operator || concatenates STRING values, but this is ${typeName(x.type)}`,
              side.span,
              'help: convert it with CAST(... AS STRING)',
            ),
          );
          return null;
        }
      }
      return call(
        '||',
        [coerce(l, STRING, e.left.span, ctx.diags)!, coerce(r, STRING, e.right.span, ctx.diags)!],
        STRING,
      );
    }
    case '=':
    case '<>':
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const pair = comparable(l, r, e.left.span, e.right.span, e.span, e.op, ctx);
      return pair ? call(e.op, pair, BOOLEAN) : null;
    }
    default:
      return arithmetic(e, l, r, ctx);
  }
}

function arithmetic(e: BinaryExpr, l: BoundExpr, r: BoundExpr, ctx: ExprCtx): BoundExpr | null {
  const op = e.op as '+' | '-' | '*' | '/' | '%';
  const lk = l.type.kind;
  const rk = r.type.kind;
  const num = (t: SqlType) => isNumeric(t) || t.kind === 'NULL';
  if (num(l.type) && num(r.type)) {
    const lt = lk === 'NULL' ? (rk === 'NULL' ? INT : r.type) : l.type;
    const rt = rk === 'NULL' ? lt : r.type;
    const t = widerNumeric(lt, rt);
    return call(op, [coerce(l, t, e.left.span, ctx.diags)!, coerce(r, t, e.right.span, ctx.diags)!], t);
  }
  const time = (k: string) => k === 'TIMESTAMP' || k === 'DATE';
  // TIMESTAMP ± INTERVAL, INTERVAL + TIMESTAMP (DATE is widened to TIMESTAMP first).
  if ((op === '+' || op === '-') && time(lk) && (rk === 'INTERVAL' || rk === 'NULL')) {
    const ts = lk === 'DATE' ? TIMESTAMP : l.type;
    return call(op, [coerce(l, ts, e.left.span, ctx.diags)!, coerce(r, INTERVAL, e.right.span, ctx.diags)!], ts);
  }
  if (op === '+' && lk === 'INTERVAL' && time(rk)) {
    const ts = rk === 'DATE' ? TIMESTAMP : r.type;
    return call(op, [coerce(r, ts, e.right.span, ctx.diags)!, l], ts);
  }
  if ((op === '+' || op === '-') && (lk === 'INTERVAL' || lk === 'NULL') && (rk === 'INTERVAL' || rk === 'NULL')) {
    return call(
      op,
      [coerce(l, INTERVAL, e.left.span, ctx.diags)!, coerce(r, INTERVAL, e.right.span, ctx.diags)!],
      INTERVAL,
    );
  }
  if ((op === '*' || op === '/') && lk === 'INTERVAL' && num(r.type)) return call(op, [l, r], INTERVAL);
  if (op === '*' && num(l.type) && rk === 'INTERVAL') return call(op, [r, l], INTERVAL);
  if (op === '-' && time(lk) && time(rk)) {
    ctx.diags.push(
      error(
        'SQ0201',
        `cannot subtract ${typeName(r.type)} from ${typeName(l.type)}`,
        e.opSpan,
        'help: use TIMESTAMPDIFF(SECOND, a, b) for the difference of two timestamps',
      ),
    );
    return null;
  }
  // Point at the operand that is not a number when the other one is.
  const bad = num(l.type) ? { x: r, span: e.right.span } : num(r.type) ? { x: l, span: e.left.span } : null;
  const notes =
    lk === 'STRING' || rk === 'STRING'
      ? op === '+'
        ? ['help: concatenate strings with || or CONCAT(...)']
        : ['help: convert it with CAST(... AS DOUBLE)']
      : [];
  if (bad) {
    ctx.diags.push(
      error('SQ0201', `operator ${op} expects numbers, but this is ${typeName(bad.x.type)}`, bad.span, ...notes),
    );
  } else {
    ctx.diags.push(
      error('SQ0201', `cannot apply operator ${op} to ${typeName(l.type)} and ${typeName(r.type)}`, e.opSpan, ...notes),
    );
  }
  return null;
}

/**
 * Brings both sides of a comparison to one type. `ordered` comparisons (<, <=, ...) also need an
 * orderable type. Reports SQ0201 on `span` when they cannot be compared.
 */
export function comparable(
  l: BoundExpr,
  r: BoundExpr,
  lspan: Span,
  rspan: Span,
  span: Span,
  op: string,
  ctx: ExprCtx,
): [BoundExpr, BoundExpr] | null {
  const timeKinds = ['TIMESTAMP', 'DATE', 'TIME'];
  // '2025-01-01 00:00:00' compared with a TIMESTAMP is a TIMESTAMP literal.
  if (timeKinds.includes(l.type.kind) && isStringLiteral(r)) {
    const c = coerce(r, l.type, rspan, ctx.diags);
    return c ? [l, c] : null;
  }
  if (timeKinds.includes(r.type.kind) && isStringLiteral(l)) {
    const c = coerce(l, r.type, lspan, ctx.diags);
    return c ? [c, r] : null;
  }
  let t = commonType(l.type, r.type);
  if (
    !t &&
    ((l.type.kind === 'DATE' && r.type.kind === 'TIMESTAMP') || (l.type.kind === 'TIMESTAMP' && r.type.kind === 'DATE'))
  )
    t = TIMESTAMP;
  const ordered = op !== '=' && op !== '<>' && op !== 'IN';
  if (!t || (ordered && !isOrderable(t))) {
    const notes =
      !t && (l.type.kind === 'STRING' || r.type.kind === 'STRING')
        ? [
            `help: convert one side with CAST, e.g. CAST(... AS ${typeName(l.type.kind === 'STRING' ? r.type : l.type)})`,
          ]
        : [];
    const msg = !t
      ? `cannot compare ${typeName(l.type)} with ${typeName(r.type)}`
      : `values of type ${typeName(t)} cannot be ordered with ${op}`;
    ctx.diags.push(error('SQ0201', msg, span, ...notes));
    return null;
  }
  if (t.kind === 'NULL') t = STRING;
  const a = coerce(l, t, lspan, ctx.diags);
  const b = coerce(r, t, rspan, ctx.diags);
  return a && b ? [a, b] : null;
}

export function bindUnary(e: UnaryExpr, ctx: ExprCtx): BoundExpr | null {
  const x = bindExpr(e.operand, ctx);
  if (!x) return null;
  if (e.op === 'NOT') {
    const b = requireBoolean(x, e.operand.span, 'NOT', ctx);
    return b ? call('NOT', [b], BOOLEAN) : null;
  }
  if (!isNumeric(x.type) && x.type.kind !== 'INTERVAL' && x.type.kind !== 'NULL') {
    ctx.diags.push(
      error('SQ0201', `unary ${e.op} expects a number or an INTERVAL, but this is ${typeName(x.type)}`, e.operand.span),
    );
    return null;
  }
  if (e.op === '+') return x;
  if (x.kind === 'Literal' && typeof x.value === 'number') return literal(-x.value, x.type, false);
  return call('NEG', [x], x.type.kind === 'NULL' ? INT : x.type);
}

export function bindBetween(e: BetweenExpr, ctx: ExprCtx): BoundExpr | null {
  const x = bindExpr(e.expr, ctx);
  const lo = bindExpr(e.low, ctx);
  const hi = bindExpr(e.high, ctx);
  if (!x || !lo || !hi) return null;
  const a = comparable(x, lo, e.expr.span, e.low.span, e.span, 'BETWEEN', ctx);
  if (!a) return null;
  const b = comparable(a[0], hi, e.expr.span, e.high.span, e.span, 'BETWEEN', ctx);
  if (!b) return null;
  // The low bound may need the wider type found with the high bound.
  const low =
    a[1].type.kind === b[0].type.kind || a[1].kind === 'Literal'
      ? coerce(a[1], b[0].type, e.low.span, ctx.diags)
      : a[1];
  if (!low) return null;
  const test = (l: BoundExpr, h: BoundExpr) => call('BETWEEN', [b[0], l, h], BOOLEAN);
  let result = e.symmetric ? call('OR', [test(low, b[1]), test(b[1], low)], BOOLEAN) : test(low, b[1]);
  if (e.negated) result = call('NOT', [result], BOOLEAN);
  return result;
}

export function bindInList(e: InListExpr, ctx: ExprCtx): BoundExpr | null {
  const x = bindExpr(e.expr, ctx);
  const items = e.list.map((i) => bindExpr(i, ctx));
  if (!x || items.some((i) => !i)) return null;
  let t: SqlType = x.type;
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    if (['TIMESTAMP', 'DATE'].includes(t.kind) && isStringLiteral(it)) continue;
    const c = commonType(t, it.type);
    if (!c) {
      ctx.diags.push(
        error(
          'SQ0201',
          `IN list item of type ${typeName(it.type)} cannot be compared with ${typeName(t)}`,
          e.list[i]!.span,
        ),
      );
      return null;
    }
    t = c;
  }
  if (t.kind === 'NULL') t = STRING;
  const args = [
    coerce(x, t, e.expr.span, ctx.diags),
    ...items.map((it, i) => coerce(it!, t, e.list[i]!.span, ctx.diags)),
  ];
  if (args.some((a) => !a)) return null;
  const r = call('IN', args as BoundExpr[], BOOLEAN);
  return e.negated ? call('NOT', [r], BOOLEAN) : r;
}

export function bindLike(e: LikeExpr, ctx: ExprCtx): BoundExpr | null {
  const parts: [Expr, BoundExpr | null][] = [
    [e.expr, bindExpr(e.expr, ctx)],
    [e.pattern, bindExpr(e.pattern, ctx)],
  ];
  if (e.escape) parts.push([e.escape, bindExpr(e.escape, ctx)]);
  if (parts.some(([, b]) => !b)) return null;
  const args: BoundExpr[] = [];
  for (const [ast, b] of parts) {
    if (b!.type.kind !== 'STRING' && b!.type.kind !== 'NULL') {
      ctx.diags.push(
        error(
          'SQ0201',
          `LIKE expects STRING operands, but this is ${typeName(b!.type)}`,
          ast.span,
          'help: convert it with CAST(... AS STRING)',
        ),
      );
      return null;
    }
    args.push(coerce(b!, STRING, ast.span, ctx.diags)!);
  }
  if (e.escape && args[2]!.kind === 'Literal' && typeof args[2]!.value === 'string' && args[2]!.value.length !== 1) {
    ctx.diags.push(error('SQ0204', 'the LIKE escape must be a single character', e.escape.span));
    return null;
  }
  const [, pattern, escape] = args as [BoundExpr, BoundExpr, BoundExpr | undefined];
  if (pattern.kind === 'Literal' && typeof pattern.value === 'string' && (!escape || escape.kind === 'Literal')) {
    const esc = escape && typeof escape.value === 'string' ? escape.value : undefined;
    try {
      likeToRegExpSource(pattern.value, esc);
    } catch (err) {
      ctx.diags.push(error('SQ0202', (err as Error).message, e.pattern.span, `help: escape it as '${esc}${esc}'`));
      return null;
    }
  }
  const r = call('LIKE', args, BOOLEAN);
  return e.negated ? call('NOT', [r], BOOLEAN) : r;
}

export function bindCase(e: CaseExpr, ctx: ExprCtx): BoundExpr | null {
  const operand = e.operand ? bindExpr(e.operand, ctx) : null;
  if (e.operand && !operand) return null;
  const conds: (BoundExpr | null)[] = [];
  for (const w of e.whens) {
    if (operand) {
      const v = bindExpr(w.when, ctx);
      const pair = v ? comparable(operand, v, e.operand!.span, w.when.span, w.when.span, '=', ctx) : null;
      conds.push(pair ? call('=', pair, BOOLEAN) : null);
    } else {
      conds.push(bindCondition(w.when, 'WHEN', ctx));
    }
  }
  const thens = e.whens.map((w) => bindExpr(w.then, ctx));
  const els = e.else ? bindExpr(e.else, ctx) : literal(null, NULL_TYPE, true);
  if (conds.some((c) => !c) || thens.some((t) => !t) || !els) return null;
  let t: SqlType = NULL_TYPE;
  const results = [...thens, els] as BoundExpr[];
  const spans = [...e.whens.map((w) => w.then.span), e.else?.span ?? e.span];
  for (let i = 0; i < results.length; i++) {
    const c = commonType(t, results[i]!.type);
    if (!c) {
      ctx.diags.push(
        error(
          'SQ0201',
          `CASE results must have a common type, but ${typeName(results[i]!.type)} does not match ${typeName(t)}`,
          spans[i]!,
        ),
      );
      return null;
    }
    t = c;
  }
  if (t.kind === 'NULL') t = STRING;
  const coerced = results.map((x, i) => coerce(x, t, spans[i]!, ctx.diags));
  if (coerced.some((x) => !x)) return null;
  return {
    kind: 'Case',
    branches: conds.map((c, i) => ({ when: c!, then: coerced[i]! })),
    else: coerced[coerced.length - 1]!,
    type: t,
    nullable: coerced.some((x) => x!.nullable),
  };
}
