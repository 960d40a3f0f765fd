/**
 * Writing a query into a relation (INSERT INTO and CREATE ... AS SELECT): the target must be a
 * stream, table or sink; declared columns are checked against the query (count, types,
 * nullability; without a column list the query is written by position, and names or an order that
 * differ from the sink's are warnings) and undeclared ones are inferred from the first query
 * written into it.
 * The returned relation has exactly the target's columns, with implicit widening applied.
 */
import type { Ident, Query, Span } from '../../grammar/ast.ts';
import type { Diagnostic } from '../../grammar/diagnostic.ts';
import { error, warning } from '../../grammar/diagnostic.ts';
import type { CatalogColumn, RelationEntry } from '../catalog/catalog.ts';
import { writableColumns } from '../catalog/catalog.ts';
import { didYouMean } from '../../grammar/suggest.ts';
import { canImplicitlyConvert } from '../check/typing.ts';
import { isNumeric, type SqlType } from '../types.ts';
import type { NamedExpr } from '../plan/plan.ts';
import { coerce, literal } from './coerce.ts';
import { typeName } from './context.ts';
import type { Rel } from './rel.ts';
import { fieldRef, project } from './rel.ts';

export interface WriteInput {
  readonly target: RelationEntry;
  readonly columns: readonly Ident[] | null;
  readonly query: Query;
  readonly rel: Rel;
  /** Where the write is stated (target name), for messages without a better place. */
  readonly at: Span;
  readonly diags: Diagnostic[];
}

export type WriteResult = { readonly rel: Rel; readonly inferred: CatalogColumn[] | null } | null;

/** Spans of the SELECT items when the query is one plain SELECT, for pointing at a column. */
function itemSpans(q: Query): Span[] {
  let body = q.body;
  while (body.kind === 'Query' && body.orderBy.length === 0) body = body.body;
  if (body.kind !== 'Select' || body.items.some((i) => i.kind === 'SelectStar')) return [];
  return body.items.map((i) => i.span);
}

export function bindWrite(w: WriteInput): WriteResult {
  const { target, rel, diags } = w;
  const spans = itemSpans(w.query);
  const at = (i: number) => spans[i] ?? w.query.span;
  const name = target.name;
  const fields = rel.fields;

  if (!target.columns) {
    // Infer the target's columns from this query.
    const names = w.columns ? w.columns.map((c) => c.name) : fields.map((f) => f.name);
    if (w.columns && w.columns.length !== fields.length) {
      diags.push(
        error(
          'SQ0401',
          `INSERT lists ${w.columns.length} columns but the query produces ${fields.length}`,
          w.query.span,
        ),
      );
      return null;
    }
    const unnamed = fields.findIndex((f, i) => !w.columns && f.name.startsWith('EXPR$') && names[i] === f.name);
    if (unnamed >= 0) {
      diags.push(
        error(
          'SQ0401',
          `column ${unnamed + 1} of the query has no name, and ${target.kind.toLowerCase()} "${name}" takes its column names from the query`,
          at(unnamed),
          'help: name it with AS, e.g. COUNT(*) AS cnt',
        ),
      );
      return null;
    }
    const inferred: CatalogColumn[] = fields.map((f, i) => ({
      name: names[i]!,
      type: f.type.kind === 'NULL' ? { kind: 'STRING' } : f.type,
      nullable: f.nullable,
      time: null,
      kind: 'physical',
      span: at(i),
    }));
    const exprs: NamedExpr[] = fields.map((f, i) => ({
      name: names[i]!,
      expr: f.type.kind === 'NULL' ? literal(null, inferred[i]!.type) : fieldRef(f),
    }));
    return { rel: project(rel, exprs, w.query.span), inferred };
  }

  const sinkCols = writableColumns(target);
  const inferredNote = target.inferredAt
    ? [`note: the columns of "${name}" were inferred from the query on line ${target.inferredAt.line}`]
    : [];
  // Which sink column each query column goes to.
  let mapping: number[];
  // Reported when the columns otherwise fit (a type error says more), or explain type errors.
  let warnNames: Diagnostic[] = [];
  if (w.columns) {
    mapping = [];
    const seen = new Set<string>();
    let ok = true;
    for (const c of w.columns) {
      const i = sinkCols.findIndex((s) => s.name === c.name);
      if (i < 0) {
        diags.push(
          error(
            'SQ0102',
            `unknown column "${c.name}" in ${target.kind.toLowerCase()} "${name}"`,
            c.span,
            ...didYouMean(
              c.name,
              sinkCols.map((s) => s.name),
            ),
          ),
        );
        ok = false;
      } else if (seen.has(c.name)) {
        diags.push(error('SQ0105', `column "${c.name}" is listed twice`, c.span));
        ok = false;
      }
      seen.add(c.name);
      mapping.push(i);
    }
    if (!ok) return null;
    if (w.columns.length !== fields.length) {
      diags.push(
        error(
          'SQ0401',
          `INSERT lists ${w.columns.length} columns but the query produces ${fields.length}`,
          w.query.span,
        ),
      );
      return null;
    }
  } else {
    if (fields.length !== sinkCols.length) {
      diags.push(
        error(
          'SQ0401',
          `the query produces ${fields.length} column${fields.length === 1 ? '' : 's'} but ${target.kind.toLowerCase()} "${name}" has ${sinkCols.length}: (${sinkCols.map((c) => `${c.name} ${typeName(c.type)}`).join(', ')})`,
          w.query.span,
          ...inferredNote,
        ),
      );
      return null;
    }
    // Without a column list the query is written by position, as in Flink and Spark. A name
    // that differs from the sink's is usually a mistake, so it is reported, as a warning (Flink's
    // own NEXMark q7 and q8 insert differently named columns).
    const qNames = fields.map((f) => f.name);
    const nameWarnings: Diagnostic[] = [];
    const sNames = sinkCols.map((c) => c.name);
    const sameSet = qNames.length === sNames.length && [...qNames].sort().join('\0') === [...sNames].sort().join('\0');
    if (sameSet && qNames.join('\0') !== sNames.join('\0')) {
      nameWarnings.push(
        warning(
          'SQ0401',
          `the query's columns are in a different order than ${target.kind.toLowerCase()} "${name}" declares: (${sNames.join(', ')}); they are written by position`,
          w.query.span,
          'help: list the SELECT items in the same order',
        ),
      );
    } else {
      fields.forEach((f, i) => {
        const s = sinkCols[i]!;
        if (f.name !== s.name && !f.name.startsWith('EXPR$')) {
          nameWarnings.push(
            warning(
              'SQ0401',
              `column ${i + 1} of the query is "${f.name}" but ${target.kind.toLowerCase()} "${name}" names it "${s.name}"; it is written as "${s.name}"`,
              at(i),
              `help: rename it: ... AS ${s.name}`,
              ...inferredNote,
            ),
          );
        }
      });
    }
    mapping = fields.map((_, i) => i);
    warnNames = nameWarnings;
  }

  let ok = true;
  const byTarget = new Map<number, number>(mapping.map((t, q) => [t, q]));
  const exprs: NamedExpr[] = [];
  sinkCols.forEach((s, t) => {
    const qi = byTarget.get(t);
    if (qi === undefined) {
      if (!s.nullable) {
        diags.push(
          error(
            'SQ0401',
            `column "${s.name}" of "${name}" is NOT NULL but the INSERT gives it no value`,
            w.columns?.[0]?.span ?? w.at,
          ),
        );
        ok = false;
      }
      exprs.push({ name: s.name, expr: literal(null, s.type) });
      return;
    }
    const f = fields[qi]!;
    const rounding = sinkRounding(f.type, s.type);
    if (rounding !== null) {
      // Flink's DDL declares exact types where sq computes DOUBLE (AVG of a BIGINT is a BIGINT
      // there, 0.908 * price a DECIMAL): written with the cast Flink's value would have had
      diags.push(
        warning(
          'SQ0401',
          `column "${s.name}": the query produces ${typeName(f.type)}, written to ${typeName(s.type)} ${rounding}`,
          at(qi),
          `help: write CAST(... AS ${typeName(s.type)}) to say so and silence this`,
        ),
      );
      exprs.push({
        name: s.name,
        expr: { kind: 'Cast', expr: fieldRef(f), try: false, type: s.type, nullable: f.nullable },
      });
      return;
    }
    if (!canImplicitlyConvert(f.type, s.type)) {
      diags.push(
        error(
          'SQ0401',
          `column "${s.name}": the query produces ${typeName(f.type)} but ${target.kind.toLowerCase()} "${name}" declares ${typeName(s.type)}`,
          at(qi),
          `help: convert it: CAST(... AS ${typeName(s.type)})`,
          ...inferredNote,
        ),
      );
      ok = false;
      return;
    }
    if (f.nullable && !s.nullable) {
      diags.push(
        error(
          'SQ0401',
          `column "${s.name}" of "${name}" is NOT NULL, but the query can produce NULL for it`,
          at(qi),
          `help: give a default: COALESCE(..., <value>)`,
        ),
      );
      ok = false;
      return;
    }
    exprs.push({ name: s.name, expr: coerce(fieldRef(f), s.type, at(qi), diags)! });
  });
  if (!ok) {
    // Columns listed in another order explain the type errors.
    diags.push(...warnNames.filter((d) => d.message.includes('different order')));
    return null;
  }
  diags.push(...warnNames);
  return { rel: project(rel, exprs, w.query.span), inferred: null };
}

/**
 * How a DOUBLE (or wider DECIMAL) query column is written to an exact numeric sink column, or
 * null when no such implicit cast applies: BIGINT/INT truncate toward zero (Flink's AVG of an
 * integer column, integer division), DECIMAL(p, s) rounds half-up to s digits.
 */
function sinkRounding(from: SqlType, to: SqlType): string | null {
  if (canImplicitlyConvert(from, to) || !isNumeric(from) || !isNumeric(to) || to.kind === 'DOUBLE') return null;
  if (to.kind === 'DECIMAL') return `rounded half-up to ${to.scale} decimal place${to.scale === 1 ? '' : 's'}`;
  return 'truncated toward zero (as Flink computes AVG of an integer column)';
}
