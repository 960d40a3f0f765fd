/**
 * Bound relations → plan operators, with the stream properties of every node:
 * - boundedness: a node is bounded when all its inputs are;
 * - event time: flows through stateless operators while the time column is kept as a plain
 *   reference; a window TVF or windowed aggregate makes `window_time` the event time; an interval
 *   join keeps the left (RIGHT JOIN: the right) time; lookup joins keep the stream's;
 * - changelog (plan.ts): stateless operators keep their input's; an upsert source is 'upsert',
 *   normalised ('retract') below a stateful operator; an aggregate appends when it emits FINAL,
 *   else a non-windowed one retracts ('upsert' when its rows go straight to the sink, index.ts)
 *   and a windowed one upserts; a regular join retracts when an input does;
 * - upsert key: derived for every node by `upsertKey` (emit.ts).
 * `emitOf` gives each aggregate its emit mode (the query's for the top one).
 */
import { fieldRefs } from './walk.ts';
import type { Diagnostic } from '../../grammar/diagnostic.ts';
import { error, warning } from '../../grammar/diagnostic.ts';
import type { EmitMode } from '../../runtime/contract.ts';
import type { AggregateRel, FilterRel, JoinRel, OverRel, RankRel, Rel, RelField } from '../bind/rel.ts';
import { rankMode } from './emit.ts';
import { planJoin } from './joins.ts';
import { upsertKey } from './emit.ts';
import type { BoundExpr, NamedExpr, OverAggregateNode, PlanNode, RankNode, StreamProps } from './plan.ts';
import { pushIntoJoin } from './pushdown.ts';
import { and, conjuncts, durationText, fieldNames, props, sourcesLabel, windowText, withTime } from './util.ts';

export interface BuildContext {
  readonly diags: Diagnostic[];
  /** The query's emit mode, applied to the top aggregate. */
  readonly emit: EmitMode;
}

/** Builds the operator tree for `rel`; `top` is true while only stateless operators lie between `rel` and the sink. */
export function build(rel: Rel, cx: BuildContext, top: boolean): PlanNode | null {
  const n = buildNode(rel, cx, top);
  return n && withUpsertKey(n);
}

/** `node` with `props.upsertKey` derived (emit.ts `upsertKey`). */
export function withUpsertKey(node: PlanNode): PlanNode {
  const key = upsertKey(node);
  const old = node.props.upsertKey;
  if (key === old || (key && old && key.length === old.length && key.every((k, i) => k === old[i]))) return node;
  return { ...node, props: { ...node.props, upsertKey: key } } as PlanNode;
}

/** The retracting changelog of an 'upsert' node (ChangelogNormalize by its upsert key). */
function normalize(input: PlanNode): PlanNode {
  const keys = input.props.upsertKey ?? [];
  return withUpsertKey({
    kind: 'Normalize',
    id: 0,
    input,
    keys,
    schema: input.schema,
    props: {
      ...input.props,
      changelog: 'retract',
      state: { kind: 'unbounded', by: `the latest row per key (${keys.join(', ')})` },
    },
    span: input.span,
  });
}

function buildNode(rel: Rel, cx: BuildContext, top: boolean): PlanNode | null {
  switch (rel.kind) {
    case 'Scan': {
      const s = rel.source;
      const eventTime = s.watermark?.field ?? null;
      const upsert = s.connector === 'upsert-kafka';
      const scan = withUpsertKey({
        kind: 'Scan',
        id: 0,
        source: s,
        schema: withTime(s.schema, eventTime),
        props: props({
          bounded: s.bounded,
          eventTime,
          watermarked: eventTime !== null,
          changelog: upsert ? 'upsert' : 'append',
        }),
        span: rel.span,
      });
      // a stateful operator folds an upsert source through ChangelogNormalize
      return upsert && !top ? normalize(scan) : scan;
    }
    case 'Filter': {
      if (rel.input.kind === 'Join') return buildFilteredJoin(rel, rel.input, cx, top);
      const input = build(rel.input, cx, top);
      if (!input) return null;
      return {
        kind: 'Filter',
        id: 0,
        input,
        predicate: rel.predicate,
        schema: input.schema,
        props: stateless(input),
        span: rel.span,
      };
    }
    case 'Project': {
      const input = build(rel.input, cx, top);
      if (!input) return null;
      // Two projections in a row are one, as long as no computed field of the inner one is used twice.
      const merged = input.kind === 'Project' ? composeProjections(rel.exprs, input.exprs) : null;
      if (merged && input.kind === 'Project') return projectNode(merged, rel.fields, input.input, rel.span);
      return projectNode(rel.exprs, rel.fields, input, rel.span);
    }
    case 'Unnest': {
      const input = build(rel.input, cx, top);
      if (!input) return null;
      return {
        kind: 'Unnest',
        id: 0,
        input,
        array: rel.array,
        elementFields: rel.elementFields,
        ordinalityField: rel.ordinalityField,
        schema: withTime(rel.fields, input.props.eventTime),
        props: stateless(input),
        span: rel.span,
      };
    }
    case 'WindowTvf': {
      if (rel.window.kind === 'session') {
        cx.diags.push(
          error(
            'SQ0305',
            'a SESSION window TVF must be aggregated: GROUP BY window_start, window_end and its PARTITION BY columns',
            rel.span,
            'note: sessions are only known once rows are grouped',
          ),
        );
        return null;
      }
      const input = build(rel.input, cx, false);
      if (!input || !requireAppend(input, 'a window TVF', rel, cx) || !requireEventTime(input, rel.timeField, rel, cx))
        return null;
      return {
        kind: 'WindowAssign',
        id: 0,
        input,
        window: rel.window,
        timeField: rel.timeField,
        startField: rel.startField,
        endField: rel.endField,
        timeOutField: rel.timeOutField,
        schema: withTime(rel.fields, rel.timeOutField),
        props: { ...stateless(input), eventTime: rel.timeOutField },
        span: rel.span,
      };
    }
    case 'Aggregate':
      return buildAggregate(rel, cx, top);
    case 'Join':
      return buildJoinWith(rel, cx, {});
    case 'Union': {
      const inputs = rel.inputs.map((i) => build(i, cx, top));
      if (inputs.some((i) => !i)) return null;
      const ins = inputs as PlanNode[];
      const idx = ins.map((n) => (n.props.eventTime ? n.schema.findIndex((f) => f.name === n.props.eventTime) : -1));
      const sameTime = idx.every((i) => i >= 0 && i === idx[0]);
      const eventTime = sameTime ? rel.fields[idx[0]!]!.name : null;
      return {
        kind: 'Union',
        id: 0,
        inputs: ins,
        schema: withTime(rel.fields, eventTime),
        props: props({
          bounded: ins.every((n) => n.props.bounded),
          eventTime,
          watermarked: ins.every((n) => n.props.watermarked),
          changelog: ins.some((n) => n.props.changelog === 'retract')
            ? 'retract'
            : ins.some((n) => n.props.changelog === 'upsert')
              ? 'upsert'
              : 'append',
        }),
        span: rel.span,
      };
    }
    case 'Rank':
      return buildRank(rel, cx, top);
    case 'Over':
      return buildOver(rel, cx);
    case 'Sort': {
      const input = build(rel.input, cx, top);
      if (!input) return null;
      const state = input.props.bounded
        ? { kind: 'bounded' as const, by: 'the rows of a bounded input, sorted at its end' }
        : { kind: 'bounded' as const, by: 'the complete result table' };
      return {
        kind: 'Sort',
        id: 0,
        input,
        keys: rel.keys,
        limit: rel.limit,
        schema: input.schema,
        props: { ...input.props, state },
        span: rel.span,
      };
    }
  }
}

/** `outer` over the fields `inner` computes, expressed over `inner`'s input; null when it would repeat work. */
function composeProjections(outer: readonly NamedExpr[], inner: readonly NamedExpr[]): NamedExpr[] | null {
  const byName = new Map(inner.map((e) => [e.name, e.expr]));
  const uses = new Map<string, number>();
  for (const o of outer) for (const r of fieldRefs(o.expr)) uses.set(r, (uses.get(r) ?? 0) + 1);
  for (const [name, n] of uses) {
    const e = byName.get(name);
    if (e && e.kind !== 'FieldRef' && e.kind !== 'Literal' && n > 1) return null;
  }
  return outer.map((o) => ({ name: o.name, expr: substitute(o.expr, byName) }));
}

function substitute(e: BoundExpr, by: ReadonlyMap<string, BoundExpr>): BoundExpr {
  switch (e.kind) {
    case 'FieldRef':
      return by.get(e.name) ?? e;
    case 'Literal':
      return e;
    case 'Cast':
      return { ...e, expr: substitute(e.expr, by) };
    case 'Call':
      return { ...e, args: e.args.map((a) => substitute(a, by)) };
    case 'Case':
      return {
        ...e,
        branches: e.branches.map((b) => ({ when: substitute(b.when, by), then: substitute(b.then, by) })),
        else: substitute(e.else, by),
      };
  }
}

function projectNode(
  exprs: readonly NamedExpr[],
  relFields: readonly RelField[],
  input: PlanNode,
  span: Rel['span'],
): PlanNode {
  const et = input.props.eventTime;
  const kept = et ? exprs.find((e) => e.expr.kind === 'FieldRef' && e.expr.name === et) : undefined;
  const eventTime = kept?.name ?? (input.props.watermarked ? derivedWindowTime(exprs, relFields) : null);
  const inputFields = new Map(input.schema.map((f) => [f.name, f]));
  const fields = relFields.map((f, i) => {
    const e = exprs[i]!.expr;
    // a PROCTIME() column, or one of the input's (Flink: SELECT *, PROCTIME() AS p_time FROM bid)
    const proc =
      (e.kind === 'FieldRef' && inputFields.get(e.name)?.time === 'proc') || (e.kind === 'Call' && e.op === 'PROCTIME');
    return { ...f, time: proc ? ('proc' as const) : null };
  });
  if (
    exprs.length === input.schema.length &&
    exprs.every((e, i) => e.expr.kind === 'FieldRef' && e.expr.name === e.name && input.schema[i]!.name === e.name)
  ) {
    return input;
  }
  return {
    kind: 'Project',
    id: 0,
    input,
    exprs,
    schema: withTime(fields, eventTime),
    props: { ...stateless(input), eventTime },
    span,
  };
}

/**
 * The window_time the binder derives as `window_end - 1 ms` for a window aggregation over an
 * already windowed relation whose own window_time was projected away (bind/aggregate.ts
 * `attachedWindow`): the binder marks it as an event-time window_time field. Under a watermark
 * it is as much an event time as the window_time it reconstructs.
 */
function derivedWindowTime(exprs: readonly NamedExpr[], relFields: readonly RelField[]): string | null {
  const i = relFields.findIndex((f, j) => {
    const e = exprs[j]!.expr;
    return (
      f.window === 'time' &&
      f.time === 'event' &&
      e.kind === 'Call' &&
      e.op === '-' &&
      e.args[0]!.kind === 'FieldRef' &&
      e.args[1]!.kind === 'Literal' &&
      e.args[1]!.value === 1
    );
  });
  return i >= 0 ? relFields[i]!.name : null;
}

/** The properties of a stateless operator over `input`. */
export function stateless(input: PlanNode): StreamProps {
  return { ...input.props, state: { kind: 'none' } };
}

/** What SQ0701 suggests for a window operator over an updating input. */
const WINDOW_NOTES = [
  'note: only non-windowed aggregates and regular joins take back (retract) rows they were given',
  'help: window a stream that only appends: a kafka or file source, or a windowed aggregate with EMIT FINAL',
];
/** What SQ0701 suggests for another stateful operator that needs append-only input (Top-N, OVER). */
const STATEFUL_NOTES = ['help: compute the input over a window (e.g. TUMBLE) so that it emits final rows'];

/** Operators that fold inserts only (windows, Top-N, OVER): an updating input is SQ0701. */
function requireAppend(
  input: PlanNode,
  what: string,
  rel: Rel,
  cx: BuildContext,
  notes: readonly string[] = WINDOW_NOTES,
): boolean {
  if (input.props.changelog === 'append') return true;
  cx.diags.push(
    error(
      'SQ0701',
      `${what} needs append-only input, but its input (reading ${sourcesLabel(rel)}) produces updates`,
      rel.span,
      ...notes,
    ),
  );
  return false;
}

/** Aggregate functions that can take back a row (retractable accumulators). */
const RETRACTABLE = new Set([
  'count_star',
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'collect_list',
  'stddev_pop',
  'stddev_samp',
  'var_pop',
  'var_samp',
]);

/** A non-windowed aggregate over an updating input: every aggregate function must retract (SQ0703). */
function retractable(rel: AggregateRel, input: PlanNode, cx: BuildContext): boolean {
  let ok = true;
  for (const a of rel.aggs) {
    if (RETRACTABLE.has(a.kind) || (a.kind === 'udf' && a.udfRetracts)) continue;
    const name = a.kind === 'udf' ? `"${a.udf!.toLowerCase()}" (it has no retract method)` : a.kind.toUpperCase();
    cx.diags.push(
      error(
        'SQ0703',
        `${name} cannot take back rows, but this aggregate's input (reading ${sourcesLabel(rel.input)}) produces updates and retractions`,
        rel.span,
        'note: over an updating input, COUNT, SUM, AVG, MIN, MAX, COLLECT_LIST, STDDEV and VAR retract; ' +
          'FIRST_VALUE, LAST_VALUE, APPROX_COUNT_DISTINCT, BOOL_AND and BOOL_OR do not',
        'help: aggregate the inner query over a window (e.g. TUMBLE) so that it emits final rows',
      ),
    );
    ok = false;
  }
  return ok;
}

function requireEventTime(input: PlanNode, field: string, rel: Rel, cx: BuildContext): boolean {
  if (input.props.eventTime === field && input.props.watermarked) return true;
  if (isProcTime(input, field)) return true;
  cx.diags.push(
    error(
      'SQ0602',
      `the window's time column "${field}" is not an event-time attribute here: the input of the window does not carry a watermark on it`,
      rel.span,
      'note: event time survives stateless operators, window aggregates (as window_time) and interval joins, but not regular joins or non-windowed aggregates',
    ),
  );
  return false;
}

/** True when `field` of `input` is a processing-time attribute (a PROCTIME() column). */
function isProcTime(input: PlanNode, field: string): boolean {
  return input.schema.find((f) => f.name === field)?.time === 'proc';
}

function buildJoinWith(rel: JoinRel, cx: BuildContext, extra: { whereCrossSide?: boolean }): PlanNode | null {
  const left = build(rel.left, cx, false);
  const right = build(rel.right, cx, false);
  if (!left || !right) return null;
  return planJoin(rel, left, right, { ...cx, ...extra });
}

/** WHERE over a join: conjuncts are pushed into the join and its inputs (pushdown.ts). */
function buildFilteredJoin(f: FilterRel, j: JoinRel, cx: BuildContext, top: boolean): PlanNode | null {
  const { join, rest } = pushIntoJoin(j, conjuncts(f.predicate));
  const leftNames = new Set(j.left.fields.map((x) => x.name));
  const rightNames = new Set(j.rightNames);
  const crossSide = rest.some((c) => {
    const used = [...fieldNames(c)];
    return used.some((u) => leftNames.has(u)) && used.some((u) => rightNames.has(u));
  });
  const input = crossSide ? buildJoinWith(join, cx, { whereCrossSide: true }) : build(join, cx, top);
  if (!input) return null;
  const p = and(rest);
  if (!p) return input;
  return { kind: 'Filter', id: 0, input, predicate: p, schema: input.schema, props: stateless(input), span: f.span };
}

function buildAggregate(rel: AggregateRel, cx: BuildContext, top: boolean): PlanNode | null {
  const built = build(rel.input, cx, false);
  if (!built) return null;
  const input = built.props.changelog === 'upsert' && built.props.upsertKey ? normalize(built) : built;
  const label = sourcesLabel(rel.input);
  const keyNames = rel.keys.map((k) => k.name);
  if (rel.window) {
    const w = rel.window;
    if (!requireAppend(input, 'a window aggregate', rel, cx) || !requireEventTime(input, w.timeField, rel, cx))
      return null;
    const emit: EmitMode = top ? cx.emit : 'final';
    const procTime = isProcTime(input, w.timeField);
    const by = `${windowText(w.window)} windows${keyNames.length ? ` per (${keyNames.join(', ')})` : ''}, dropped when final${procTime ? ' (by the wall clock: processing time)' : ''}`;
    return {
      kind: 'WindowAggregate',
      id: 0,
      input,
      window: w.window,
      timeField: w.timeField,
      procTime,
      keys: rel.keys,
      aggs: rel.aggs,
      startField: w.startField,
      endField: w.endField,
      timeOutField: w.timeOutField,
      emit,
      // Over processing time, window_time is a processing-time attribute (Flink's proctime()).
      schema: procTime
        ? withTime(rel.fields, null).map((f) => (f.name === w.timeOutField ? { ...f, time: 'proc' as const } : f))
        : withTime(rel.fields, w.timeOutField),
      props: props({
        bounded: input.props.bounded,
        eventTime: procTime ? null : w.timeOutField,
        watermarked: !procTime,
        // CHANGES retracts ('upsert' when its rows go straight to the sink, index.ts); sessions
        // upsert (a merged-away session is deleted)
        changelog:
          emit === 'final' ? 'append' : emit === 'changes' && w.window.kind !== 'session' ? 'retract' : 'upsert',
        state: { kind: 'bounded', by },
      }),
      span: rel.span,
    };
  }
  if (input.props.changelog !== 'append' && !retractable(rel, input, cx)) return null;
  const bounded = input.props.bounded;
  const emit: EmitMode = top ? cx.emit : bounded ? 'final' : 'changes';
  const what = rel.aggs.length === 0 ? 'distinct row' : 'group';
  const keysText = keyNames.length ? ` (${keyNames.join(', ')})` : '';
  if (!bounded) {
    cx.diags.push(
      warning(
        'SQ0901',
        `unbounded state: this aggregate keeps one row per ${what}${keysText} of ${label} forever`,
        rel.span,
        'help: group by a window (e.g. TUMBLE(ts, INTERVAL ...)) so that state is dropped as the watermark passes',
      ),
    );
  }
  return {
    kind: 'Aggregate',
    id: 0,
    input,
    keys: rel.keys,
    aggs: rel.aggs,
    emit,
    schema: withTime(rel.fields, null),
    props: props({
      bounded,
      changelog: emit === 'final' ? 'append' : emit === 'complete' ? 'upsert' : 'retract',
      state: bounded
        ? { kind: 'bounded', by: `one row per ${what}${keysText} of a bounded input` }
        : { kind: 'unbounded', by: `one row per ${what}${keysText}` },
    }),
    span: rel.span,
  };
}

function buildRank(rel: RankRel, cx: BuildContext, top: boolean): PlanNode | null {
  const input = build(rel.input, cx, false);
  if (!input || !requireAppend(input, `${rel.fn}() (a Top-N)`, rel.input, cx, STATEFUL_NOTES)) return null;
  const m = rankMode(rel);
  const limit = rel.limit!;
  const partition = rel.partitionBy.map((k) => k.name);
  // a window Top-N's state is per window: its bounds need not be repeated as keys
  const windowBounds = new Set(rel.input.fields.filter((f) => f.window).map((f) => f.name));
  const keys = m.mode === 'window' ? partition.filter((k) => !windowBounds.has(k)) : partition;
  const per = keys.length ? ` per (${keys.join(', ')})` : '';
  const first = rel.orderBy[0]!;
  const firstField =
    first.expr.kind === 'FieldRef'
      ? input.schema.find((f) => f.name === (first.expr as { name: string }).name)
      : undefined;
  // EMIT CHANGES on a Top-N over bounded input asks for its updates as they happen
  let mode = m.mode === 'final' && top && cx.emit === 'changes' ? 'changes' : m.mode;
  let timeField: string | null = null;
  if (mode === 'first') {
    const name = firstField!.name;
    if (firstField!.time === 'proc') timeField = null;
    else if (input.props.eventTime === name && input.props.watermarked) timeField = name;
    else mode = input.props.bounded ? 'final' : 'changes';
  }
  if (mode === 'window' && !input.props.watermarked) mode = input.props.bounded ? 'final' : 'changes';
  // keyed by the partition only when it is made of output columns (not expressions)
  const columns = rel.partitionBy.every((k) => k.expr.kind === 'FieldRef' && k.expr.name === k.name);
  const output: RankNode['output'] =
    columns && rel.fn === 'ROW_NUMBER' && rel.rankOutput
      ? 'position'
      : columns && rel.fn === 'ROW_NUMBER' && limit === 1
        ? 'partition'
        : 'row';
  const ties = rel.fn === 'ROW_NUMBER' ? '' : ' (and the rows tied with the last)';
  const by =
    mode === 'first'
      ? `one row${per} until ${timeField === null ? 'it is emitted' : 'the watermark passes its time'}, then the key alone`
      : mode === 'window'
        ? `${limit} row${limit === 1 ? '' : 's'}${ties} per window${per}, dropped when the window is final`
        : mode === 'final'
          ? `${limit} row${limit === 1 ? '' : 's'}${ties}${per} of a bounded input`
          : `${limit} row${limit === 1 ? '' : 's'}${ties}${per}`;
  const unbounded = (mode === 'changes' || mode === 'first') && !input.props.bounded;
  if (unbounded && partition.length)
    unboundedKeys(
      `${rel.fn}() (a Top-N)`,
      by,
      partition,
      rel,
      cx,
      'help: partition by a window (PARTITION BY window_start, window_end, ...) so that state is dropped as the watermark passes',
    );
  const eventTime = mode === 'window' || mode === 'first' ? input.props.eventTime : null;
  return {
    kind: 'Rank',
    id: 0,
    input,
    fn: rel.fn,
    partitionKeys: rel.partitionBy,
    orderBy: rel.orderBy,
    limit,
    rankField: rel.rankField,
    rankOutput: rel.rankOutput,
    newestFirst: m.newestFirst,
    mode,
    output,
    windowEndField: mode === 'window' ? m.windowEnd : null,
    timeField,
    schema: withTime(rel.fields, eventTime),
    props: props({
      bounded: input.props.bounded,
      eventTime,
      watermarked: input.props.watermarked && eventTime !== null,
      // changes: upserts by partition + rank, rows leaving the top N deleted (no -U)
      changelog: mode === 'changes' ? 'upsert' : 'append',
      state:
        unbounded && partition.length
          ? { kind: 'unbounded', by: `${by}; grows with the number of keys` }
          : { kind: 'bounded', by },
    }),
    span: rel.span,
  };
}

function buildOver(rel: OverRel, cx: BuildContext): PlanNode | null {
  const built = build(rel.input, cx, false);
  if (!built) return null;
  const input = built.props.changelog === 'upsert' && built.props.upsertKey ? normalize(built) : built;
  if (input.props.changelog === 'upsert') {
    requireAppend(input, 'an OVER aggregate', rel.input, cx, STATEFUL_NOTES);
    return null;
  }
  const field = input.schema.find((f) => f.name === rel.orderField)!;
  let mode: OverAggregateNode['mode'];
  // over an updating input (a Top-N, an aggregate): every row kept, its result updated
  if (input.props.changelog === 'retract') mode = 'changes';
  else if (input.props.eventTime === rel.orderField && input.props.watermarked) mode = 'watermark';
  else if (field.time === 'proc') mode = 'proc';
  else if (input.props.bounded) mode = 'end';
  else {
    cx.diags.push(
      error(
        'SQ0602',
        `an OVER aggregate on a stream must be ordered by an event-time attribute, but "${rel.orderField}" is not one here`,
        rel.orderSpan,
        'help: ORDER BY the column the source declares a WATERMARK on',
        'note: event time survives stateless operators, window aggregates (as window_time) and interval joins, but not regular joins or non-windowed aggregates',
      ),
    );
    return null;
  }
  const partition = rel.partitionBy.map((k) => k.name);
  const per = partition.length ? ` per (${partition.join(', ')})` : '';
  const f = rel.frame;
  const frame =
    mode === 'changes'
      ? `every row${per}`
      : f.preceding === null
        ? `one accumulator${per}`
        : f.unit === 'rows'
          ? `the last ${f.preceding + 1} rows${per}`
          : `the rows of the last ${durationText(f.preceding)}${per}`;
  if (partition.length && mode !== 'end' && !input.props.bounded)
    unboundedKeys(
      'this OVER aggregate',
      frame,
      partition,
      rel,
      cx,
      mode === 'changes'
        ? 'note: over an updating input any row can still be taken back, so every row stays in state'
        : "note: a key's frame stays in state until the key's next rows push it out (Flink drops idle keys by a state TTL; sq keeps them)",
    );
  const waiting =
    mode === 'watermark'
      ? ', plus the rows waiting for the watermark'
      : mode === 'end'
        ? ', plus every row until the end of the bounded input'
        : '';
  return {
    kind: 'OverAggregate',
    id: 0,
    input,
    partitionKeys: rel.partitionBy,
    orderField: rel.orderField,
    frame: f,
    aggs: rel.aggs,
    mode,
    schema: withTime(rel.fields, mode === 'changes' ? null : input.props.eventTime),
    props: props({
      bounded: input.props.bounded,
      eventTime: mode === 'changes' ? null : input.props.eventTime,
      watermarked: input.props.watermarked && mode !== 'changes',
      // over an updating input: each changed result retracted (-U) and emitted again (+U)
      changelog: mode === 'changes' ? 'retract' : 'append',
      state:
        (partition.length || mode === 'changes') && mode !== 'end' && !input.props.bounded
          ? { kind: 'unbounded', by: `${frame}${waiting}; grows with the number of keys` }
          : { kind: 'bounded', by: `${frame}${waiting}` },
    }),
    span: rel.span,
  };
}

/** SQ0901: state kept per partition key of an unbounded input, for as long as the query runs. */
function unboundedKeys(
  what: string,
  by: string,
  keys: readonly string[],
  rel: Rel,
  cx: BuildContext,
  help: string,
): void {
  cx.diags.push(
    warning(
      'SQ0901',
      `unbounded state: ${what} keeps ${by.replace(/ per \(.*?\)/, '')} for every (${keys.join(', ')}) of ${sourcesLabel(rel)} it has seen, forever`,
      rel.span,
      help,
    ),
  );
}
