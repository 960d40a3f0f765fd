/**
 * Output (emit) modes, LANGUAGE.md §6, with Spark's legality rules:
 * - defaults: stateless queries FINAL (append); windowed aggregates FINAL; non-windowed
 *   aggregates CHANGES, or FINAL when every input is bounded;
 * - FINAL needs rows that can no longer change: a watermarked window or a bounded input;
 * - COMPLETE needs an aggregation;
 * - CHANGES is always accepted (without an aggregation it is the same as append);
 * - ORDER BY / LIMIT need COMPLETE or a bounded input.
 * The upsert key of CHANGES/COMPLETE output is the group key (plus the window bounds of a
 * windowed aggregate) as it appears in the query's output.
 */
import type { EmitClause } from '../../grammar/ast.ts';
import type { Diagnostic } from '../../grammar/diagnostic.ts';
import { error } from '../../grammar/diagnostic.ts';
import type { EmitMode } from '../../runtime/contract.ts';
import type { AggregateRel, RankRel, Rel } from '../bind/rel.ts';
import { inputsOf, scansOf } from '../bind/rel.ts';
import type { BoundExpr, PlanNode, RankMode } from './plan.ts';
import { sourcesLabel } from './util.ts';

/** The aggregate whose result the query writes (through stateless single-input operators only). */
export function topAggregate(rel: Rel): AggregateRel | null {
  switch (rel.kind) {
    case 'Aggregate':
      return rel;
    case 'Project':
    case 'Filter':
    case 'Sort':
    case 'Unnest':
      return topAggregate(rel.input);
    default:
      return null;
  }
}

function hasAggregate(rel: Rel): boolean {
  return rel.kind === 'Aggregate' || inputsOf(rel).some(hasAggregate);
}

export function allBounded(rel: Rel): boolean {
  return scansOf(rel).every((s) => s.source.bounded);
}

/** The Top-N whose result the query writes (through stateless single-input operators only). */
export function topRank(rel: Rel): RankRel | null {
  switch (rel.kind) {
    case 'Rank':
      return rel;
    case 'Project':
    case 'Filter':
    case 'Unnest':
      return topRank(rel.input);
    default:
      return null;
  }
}

/**
 * How a Top-N emits (plan.ts `RankMode`), decided from the bound query: a window Top-N when a
 * partition key is a window's end; keep-first deduplication (append-only) for ROW_NUMBER,
 * N = 1, ordered by a time attribute ascending (on bounded input too: it keeps less); the top N
 * at end of a bounded input; else an updating result.
 */
export function rankMode(rel: RankRel): { mode: RankMode; windowEnd: string | null; newestFirst: boolean } {
  const byName = new Map(rel.input.fields.map((f) => [f.name, f]));
  const fieldOf = (e: BoundExpr) => (e.kind === 'FieldRef' ? byName.get(e.name) : undefined);
  const end = rel.partitionBy.find((k) => fieldOf(k.expr)?.window === 'end');
  const first = rel.orderBy[0];
  const firstTime = first ? (fieldOf(first.expr)?.time ?? null) : null;
  const newestFirst = rel.fn === 'ROW_NUMBER' && firstTime !== null && first!.descending;
  const windowEnd = end ? (end.expr as { name: string }).name : null;
  if (windowEnd) return { mode: 'window', windowEnd, newestFirst };
  if (
    rel.fn === 'ROW_NUMBER' &&
    rel.limit === 1 &&
    rel.orderBy.length === 1 &&
    firstTime !== null &&
    !first!.descending
  )
    return { mode: 'first', windowEnd: null, newestFirst };
  if (allBounded(rel.input)) return { mode: 'final', windowEnd: null, newestFirst };
  return { mode: 'changes', windowEnd: null, newestFirst };
}

export function defaultEmit(rel: Rel): EmitMode {
  const rank = topRank(rel);
  if (rank) return rankMode(rank).mode === 'changes' ? 'changes' : 'final';
  const agg = topAggregate(rel);
  if (!agg) return 'final';
  if (agg.window) return 'final';
  return allBounded(agg.input) ? 'final' : 'changes';
}

/** Checks what can be decided before building the plan; returns false on an error. */
export function checkEmitBefore(rel: Rel, emit: EmitMode, clause: EmitClause | null, diags: Diagnostic[]): boolean {
  if (emit === 'complete' && !hasAggregate(rel)) {
    diags.push(
      error(
        'SQ0701',
        'EMIT COMPLETE needs an aggregation: without GROUP BY the complete result would be every row ever read',
        clause?.span ?? rel.span,
        'help: use EMIT FINAL (append each row once) or aggregate the rows',
      ),
    );
    return false;
  }
  let ok = true;
  const sorts = (r: Rel, top: boolean): void => {
    if (r.kind === 'Sort' && !(top && emit === 'complete') && !allBounded(r)) {
      const unbounded = [
        ...new Set(
          scansOf(r)
            .filter((s) => !s.source.bounded)
            .map((s) => `"${s.source.name}"`),
        ),
      ];
      diags.push(
        error(
          'SQ0702',
          `ORDER BY and LIMIT need EMIT COMPLETE or bounded input, but ${unbounded.join(', ')} ${unbounded.length > 1 ? 'are' : 'is'} unbounded`,
          r.span,
          emit === 'complete'
            ? 'note: with EMIT COMPLETE, ORDER BY / LIMIT may only be applied to the final result'
            : 'help: aggregate and write the query with EMIT COMPLETE, or read bounded input (files)',
        ),
      );
      ok = false;
    }
    // Only a Sort above the query's result (not inside a subquery) may sort a COMPLETE result.
    const next = top && (r.kind === 'Project' || r.kind === 'Filter' || r.kind === 'Sort');
    for (const i of inputsOf(r)) sorts(i, next);
  };
  sorts(rel, true);
  return ok;
}

/** Checks the built plan against the requested mode; returns false on an error. */
export function checkEmitAfter(
  rel: Rel,
  root: PlanNode,
  emit: EmitMode,
  clause: EmitClause | null,
  diags: Diagnostic[],
): boolean {
  if (emit !== 'final') return true;
  const agg = topAggregate(rel);
  const finalImpossible = agg !== null && !agg.window && !allBounded(agg.input);
  if (!finalImpossible && root.props.changelog === 'append') return true;
  const span = clause?.span ?? agg?.span ?? rel.span;
  if (agg && finalImpossible) {
    const label = sourcesLabel(agg.input);
    const unwatermarked = scansOf(agg.input)
      .filter((s) => !s.source.bounded)
      .every((s) => !s.source.watermark);
    if (unwatermarked) {
      diags.push(
        error(
          'SQ0603',
          `EMIT FINAL needs a watermark: the non-windowed aggregate over ${label} (no WATERMARK) keeps unbounded state and can never emit a final row`,
          span,
          'help: use EMIT CHANGES to upsert each group as it changes',
          "help: or declare a WATERMARK and group by a window, e.g. GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE), ...",
        ),
      );
      return false;
    }
    diags.push(
      error(
        'SQ0701',
        `EMIT FINAL needs a watermarked window or bounded input: non-windowed aggregate over stream ${label} can still change`,
        span,
        "help: use EMIT CHANGES, or group by a window, e.g. GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE), ...",
      ),
    );
    return false;
  }
  const rank = topRank(rel);
  if (rank) {
    diags.push(
      error(
        'SQ0701',
        `EMIT FINAL needs append-only input, but the Top-N over ${sourcesLabel(rank.input)} is an updating result: rows enter and leave the top ${rank.limit} as input arrives`,
        span,
        'help: use EMIT CHANGES (the sink gets upserts and deletes), or rank per window (PARTITION BY window_start, window_end) for final rows',
      ),
    );
    return false;
  }
  diags.push(
    error(
      'SQ0701',
      `EMIT FINAL needs append-only input, but this query's input (reading ${sourcesLabel(rel)}) produces updates`,
      span,
      'help: use EMIT CHANGES',
    ),
  );
  return false;
}

/**
 * The fields of `node`'s output that identify a result row for upserts (`StreamProps.upsertKey`),
 * or null when the output is not keyed: an aggregate's groups (plus its window), an upsert
 * source's PRIMARY KEY, as the projections above keep them.
 */
export function upsertKey(node: PlanNode): string[] | null {
  const k = keyOf(node);
  if (!k) return null;
  const names = new Set(k.fields);
  if (k.start) names.add(k.start);
  if (k.end) names.add(k.end);
  return node.schema.map((f) => f.name).filter((n) => names.has(n));
}

interface Key {
  readonly fields: readonly string[];
  readonly start: string | null;
  readonly end: string | null;
  readonly cumulate: boolean;
}

function keyOf(node: PlanNode): Key | null {
  switch (node.kind) {
    case 'Scan':
      return node.source.connector === 'upsert-kafka' && node.source.primaryKey.length
        ? { fields: node.source.primaryKey, start: null, end: null, cumulate: false }
        : null;
    case 'Normalize':
      return { fields: node.keys, start: null, end: null, cumulate: false };
    case 'Aggregate':
      return { fields: node.keys.map((k) => k.name), start: null, end: null, cumulate: false };
    case 'WindowAggregate':
      return {
        fields: node.keys.map((k) => k.name),
        start: node.startField,
        end: node.endField,
        cumulate: node.window.kind === 'cumulate',
      };
    case 'Rank': {
      if (node.mode !== 'changes') return null;
      const partition = node.partitionKeys.map((k) => k.name);
      const fields =
        node.output === 'position'
          ? [...partition, node.rankField]
          : node.output === 'partition'
            ? partition
            : node.schema.map((f) => f.name).filter((n) => node.rankOutput || n !== node.rankField);
      return { fields, start: null, end: null, cumulate: false };
    }
    case 'Filter':
    case 'Sort':
      return keyOf(node.input);
    case 'Project': {
      const k = keyOf(node.input);
      if (!k) return null;
      const out = (name: string | null): string | null => {
        if (name === null) return null;
        const e = node.exprs.find((x) => x.expr.kind === 'FieldRef' && x.expr.name === name);
        return e ? e.name : null;
      };
      const fields = k.fields.map(out);
      if (fields.some((f) => f === null)) return null;
      const start = out(k.start);
      const end = out(k.end);
      const windowed = k.start !== null;
      // One window bound identifies the window (except cumulate windows, which share their start).
      if (windowed && !end && (k.cumulate || !start)) return null;
      return { fields: fields as string[], start, end, cumulate: k.cumulate };
    }
    default:
      return null;
  }
}
