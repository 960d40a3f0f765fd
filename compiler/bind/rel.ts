/**
 * The bound relational tree: what the binder produces for each query and the planner consumes.
 * It is the logical plan before physical choices — joins are not yet classified (lookup,
 * interval, window, regular), emit modes are not assigned and stream properties are not derived.
 *
 * Field names are unique within each node's `fields`; expressions (plan.ts `BoundExpr`)
 * reference the fields of the node's input by name, exactly as in the final plan. A join's
 * `condition` references the join's own output fields.
 */
import type { Span } from '../../grammar/ast.ts';
import type { JoinKind, WindowSpec } from '../../runtime/contract.ts';
import type { AggCall, BoundExpr, NamedExpr, SourceDef } from '../plan/plan.ts';
import type { SqlType } from '../types.ts';

export interface RelField {
  readonly name: string;
  readonly type: SqlType;
  readonly nullable: boolean;
  /** 'event': an event-time attribute (watermarked rowtime); 'proc': processing time. */
  readonly time: 'event' | 'proc' | null;
  /** Set on the window_start / window_end / window_time columns of a window TVF or windowed aggregate. */
  readonly window?: 'start' | 'end' | 'time';
}

interface RelBase {
  readonly fields: readonly RelField[];
  /** Source span of the construct (for planner diagnostics and explain). */
  readonly span: Span;
}

export interface ScanRel extends RelBase {
  readonly kind: 'Scan';
  readonly source: SourceDef;
}

export interface FilterRel extends RelBase {
  readonly kind: 'Filter';
  readonly input: Rel;
  readonly predicate: BoundExpr;
}

export interface ProjectRel extends RelBase {
  readonly kind: 'Project';
  readonly input: Rel;
  readonly exprs: readonly NamedExpr[];
}

export interface UnnestRel extends RelBase {
  readonly kind: 'Unnest';
  readonly input: Rel;
  readonly array: BoundExpr;
  readonly elementFields: readonly string[];
  readonly ordinalityField: string | null;
}

/** A window TVF: input fields ++ window_start, window_end, window_time. */
export interface WindowTvfRel extends RelBase {
  readonly kind: 'WindowTvf';
  readonly input: Rel;
  readonly window: WindowSpec;
  readonly timeField: string;
  readonly startField: string;
  readonly endField: string;
  readonly timeOutField: string;
  /** SESSION ... PARTITION BY keys (input field names). */
  readonly partitionBy: readonly string[];
}

export interface WindowGroup {
  readonly window: WindowSpec;
  /** Event-time field of the aggregate's input. */
  readonly timeField: string;
  /** Output names of window_start, window_end, window_time. */
  readonly startField: string;
  readonly endField: string;
  readonly timeOutField: string;
}

/** GROUP BY (windowed or not) and SELECT DISTINCT. Output fields: keys, [window fields], aggs. */
export interface AggregateRel extends RelBase {
  readonly kind: 'Aggregate';
  readonly input: Rel;
  readonly keys: readonly NamedExpr[];
  readonly aggs: readonly AggCall[];
  readonly window: WindowGroup | null;
}

export interface JoinRel extends RelBase {
  readonly kind: 'Join';
  /** 'cross' for `CROSS JOIN` and `FROM a, b` (the planner may turn WHERE conjuncts into its condition). */
  readonly joinType: JoinKind | 'cross';
  readonly left: Rel;
  readonly right: Rel;
  /** Over this join's output fields; null for CROSS. */
  readonly condition: BoundExpr | null;
  /** Output name of each right field, in right field order (left names are kept). */
  readonly rightNames: readonly string[];
  /** `FOR SYSTEM_TIME AS OF` was written on the right side. */
  readonly temporal: boolean;
  /** Spans of the sides (for messages). */
  readonly leftSpan: Span;
  readonly rightSpan: Span;
  readonly onSpan: Span | null;
}

export interface UnionRel extends RelBase {
  readonly kind: 'Union';
  readonly inputs: readonly Rel[];
}

export interface SortRel extends RelBase {
  readonly kind: 'Sort';
  readonly input: Rel;
  readonly keys: readonly { readonly expr: BoundExpr; readonly descending: boolean; readonly nullsFirst: boolean }[];
  readonly limit: number | null;
}

/** The ranking functions of a Top-N (`ROW_NUMBER() OVER (...)`). */
export type RankFunction = 'ROW_NUMBER' | 'RANK' | 'DENSE_RANK';

export interface OrderKey {
  readonly expr: BoundExpr;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

/**
 * `ROW_NUMBER() | RANK() | DENSE_RANK() OVER (PARTITION BY ... ORDER BY ...)` with the outer
 * query's filter on it folded in (`limit`: rows ranked 1..limit are kept). Output fields: the
 * input's, then the rank (`rankField`, BIGINT). A Top-N without its filter (`limit` null) is an
 * error found after binding.
 */
export interface RankRel extends RelBase {
  readonly kind: 'Rank';
  readonly input: Rel;
  readonly fn: RankFunction;
  readonly partitionBy: readonly NamedExpr[];
  readonly orderBy: readonly OrderKey[];
  readonly rankField: string;
  readonly limit: number | null;
  /** False when no query above reads the rank (the output is then keyed by the rows themselves). */
  readonly rankOutput: boolean;
  /** The ranking call (for messages). */
  readonly callSpan: Span;
}

/** A window frame, resolved: `rows` counts rows before the current one, `range` milliseconds; null = UNBOUNDED. */
export type OverFrame =
  | { readonly unit: 'rows'; readonly preceding: number | null }
  | { readonly unit: 'range'; readonly preceding: number | null };

/**
 * OVER aggregates of one SELECT (one window): `AGG(x) OVER (PARTITION BY ... ORDER BY t frame)`.
 * Output fields: the input's, then one per aggregate.
 */
export interface OverRel extends RelBase {
  readonly kind: 'Over';
  readonly input: Rel;
  readonly partitionBy: readonly NamedExpr[];
  /** The ORDER BY column (an input field) and where it was written. */
  readonly orderField: string;
  readonly orderSpan: Span;
  readonly frame: OverFrame;
  readonly aggs: readonly AggCall[];
}

export type Rel =
  | ScanRel
  | FilterRel
  | ProjectRel
  | UnnestRel
  | WindowTvfRel
  | AggregateRel
  | JoinRel
  | UnionRel
  | SortRel
  | RankRel
  | OverRel;

export function inputsOf(rel: Rel): readonly Rel[] {
  switch (rel.kind) {
    case 'Scan':
      return [];
    case 'Join':
      return [rel.left, rel.right];
    case 'Union':
      return rel.inputs;
    default:
      return [rel.input];
  }
}

/** Every Scan under `rel`, left to right. */
export function scansOf(rel: Rel): ScanRel[] {
  if (rel.kind === 'Scan') return [rel];
  return inputsOf(rel).flatMap(scansOf);
}

export function fieldRef(f: { readonly name: string; readonly type: SqlType; readonly nullable: boolean }): BoundExpr {
  return { kind: 'FieldRef', name: f.name, type: f.type, nullable: f.nullable };
}

/** `base`, `base0`, `base1`, ... — the first not in `taken`. */
export function uniqueName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 0; ; i++) if (!taken.has(`${base}${i}`)) return `${base}${i}`;
}

/** A Project over `input`; returns `input` itself when the projection is the identity. */
export function project(input: Rel, exprs: readonly NamedExpr[], span: Span): Rel {
  const identity =
    exprs.length === input.fields.length &&
    exprs.every(
      (e, i) => e.expr.kind === 'FieldRef' && e.expr.name === input.fields[i]!.name && e.name === e.expr.name,
    );
  if (identity) return input;
  const byName = new Map(input.fields.map((f) => [f.name, f]));
  const fields: RelField[] = exprs.map((e) => {
    const src = e.expr.kind === 'FieldRef' ? byName.get(e.expr.name) : undefined;
    return {
      name: e.name,
      type: e.expr.type,
      nullable: e.expr.nullable,
      // PROCTIME() in a SELECT list is a processing-time attribute, as in a computed column
      time: src?.time ?? (e.expr.kind === 'Call' && e.expr.op === 'PROCTIME' ? 'proc' : null),
      ...(src?.window ? { window: src.window } : {}),
    };
  });
  return { kind: 'Project', input, exprs, fields, span };
}
