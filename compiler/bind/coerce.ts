/**
 * Implicit conversions of bound expressions: NULL literals take the needed type, numeric
 * literals are retyped in place, string literals become TIMESTAMP/DATE/TIME literals where one
 * is expected (checked at compile time), everything else gets a `Cast` node when the run-time
 * type changes.
 */
import type { Span } from '../../grammar/ast.ts';
import type { Diagnostic } from '../../grammar/diagnostic.ts';
import { error } from '../../grammar/diagnostic.ts';
import { parseDate, parseTime, parseTimestamp } from '../check/literals.ts';
import { needsCast } from '../check/typing.ts';
import type { BoundExpr } from '../plan/plan.ts';
import type { SqlType } from '../types.ts';
import { isNumeric, typeToString } from '../types.ts';

export function literal(value: null | boolean | number | string, type: SqlType, nullable = value === null): BoundExpr {
  return { kind: 'Literal', value, type, nullable };
}

export function isStringLiteral(e: BoundExpr): e is BoundExpr & { kind: 'Literal'; value: string } {
  return e.kind === 'Literal' && typeof e.value === 'string' && e.type.kind === 'STRING';
}

/**
 * Converts a string literal to a time literal of `to` (TIMESTAMP, DATE or TIME); reports SQ0204
 * and returns null when the text is not a valid value.
 */
export function timeLiteral(text: string, to: SqlType, span: Span, diags: Diagnostic[]): BoundExpr | null {
  if (to.kind === 'TIMESTAMP') {
    const v = parseTimestamp(text);
    if (v === null) {
      diags.push(
        error(
          'SQ0204',
          `invalid TIMESTAMP literal '${text}'`,
          span,
          "help: write it as 'YYYY-MM-DD HH:MM:SS[.fff]' (UTC), e.g. '2025-04-21 14:08:35'",
        ),
      );
      return null;
    }
    return literal(v, to, false);
  }
  if (to.kind === 'DATE') {
    const v = parseDate(text);
    if (v === null) {
      diags.push(
        error('SQ0204', `invalid DATE literal '${text}'`, span, "help: write it as 'YYYY-MM-DD', e.g. '2025-04-21'"),
      );
      return null;
    }
    return literal(v, to, false);
  }
  const v = parseTime(text);
  if (v === null) {
    diags.push(
      error('SQ0204', `invalid TIME literal '${text}'`, span, "help: write it as 'HH:MM:SS', e.g. '14:08:35'"),
    );
    return null;
  }
  return literal(v, to, false);
}

/**
 * `e` as a value of type `to`. The caller has checked that the conversion is allowed
 * (implicitly, or by the function signature). `span` locates `e` for literal errors.
 */
export function coerce(e: BoundExpr, to: SqlType, span: Span, diags: Diagnostic[]): BoundExpr | null {
  if (e.kind === 'Literal') {
    if (e.value === null) return literal(null, to, true);
    if (
      typeof e.value === 'string' &&
      e.type.kind === 'STRING' &&
      (to.kind === 'TIMESTAMP' || to.kind === 'DATE' || to.kind === 'TIME')
    ) {
      return timeLiteral(e.value, to, span, diags);
    }
    if (typeof e.value === 'number' && isNumeric(e.type) && isNumeric(to)) return literal(e.value, to, false);
  }
  if (!needsCast(e.type, to)) return e;
  return { kind: 'Cast', expr: e, try: false, type: to, nullable: e.nullable };
}

export function describeType(t: SqlType): string {
  return t.kind === 'NULL' ? 'NULL' : typeToString(t);
}
