/**
 * Join planning. A join of two inputs becomes, in this order of preference:
 * - LookupJoin: one side is a bounded table read directly (loaded once, indexed by the equi keys);
 *   a table on the left of an INNER/RIGHT join is swapped to the right and the columns put back
 *   in order by a Project.
 * - WindowJoin: both sides are windowed (window TVF or windowed aggregate) and the condition
 *   equates window_start and window_end.
 * - IntervalJoin: both sides carry event time and the condition bounds `right.time - left.time`
 *   from below and above (`BETWEEN`, `>=`/`<`, `=`; bounds may be written in ON or WHERE); the
 *   `window_end` of a windowed side stands for its time (`intervalBound`).
 * - Another bounded relation read directly on the right: LookupJoin.
 * - RegularJoin: inner only, with an unbounded-state warning (SQ0901) unless both inputs are
 *   bounded; an outer join here is SQ0801. Updating inputs ('retract' changelog) are joined
 *   only this way (or looked up): the join retracts what they retract.
 */
import type { JoinRel, Rel } from '../bind/rel.ts';
import { uniqueName } from '../bind/rel.ts';
import { error, warning } from '../../grammar/diagnostic.ts';
import type { Diagnostic } from '../../grammar/diagnostic.ts';
import type { JoinKind } from '../../runtime/contract.ts';
import type { BoundExpr, PlanNode, SourceDef } from './plan.ts';
import { typeToString, type SqlType } from '../types.ts';
import {
  and,
  conjuncts,
  durationText as formatDuration,
  fieldNames,
  props,
  renameFields,
  sourcesLabel,
  withTime,
} from './util.ts';

interface Sides {
  readonly left: ReadonlySet<string>;
  /** Join output name → right input name. */
  readonly rightIn: ReadonlyMap<string, string>;
}

function sideOf(e: BoundExpr, s: Sides): 'L' | 'R' | 'both' | 'none' {
  const used = fieldNames(e);
  let l = false;
  let r = false;
  for (const u of used) {
    if (s.left.has(u)) l = true;
    else if (s.rightIn.has(u)) r = true;
  }
  return l && r ? 'both' : l ? 'L' : r ? 'R' : 'none';
}

interface Keys {
  readonly leftKeys: BoundExpr[];
  readonly rightKeys: BoundExpr[];
  readonly rest: BoundExpr[];
}

/** Splits `left_expr = right_expr` conjuncts (either order) into key pairs. */
function equiKeys(parts: readonly BoundExpr[], s: Sides, cx: JoinContext, rel: JoinRel): Keys {
  const leftKeys: BoundExpr[] = [];
  const rightKeys: BoundExpr[] = [];
  const rest: BoundExpr[] = [];
  for (const c of parts) {
    if (c.kind === 'Call' && c.op === '=') {
      const [a, b] = c.args as [BoundExpr, BoundExpr];
      const sa = sideOf(a, s);
      const sb = sideOf(b, s);
      if (((sa === 'L' && sb === 'R') || (sa === 'R' && sb === 'L')) && !isScalarKey(a.type)) {
        const what = a.kind === 'FieldRef' ? `"${a.name}" is ${typeToString(a.type)}` : `it is ${typeToString(a.type)}`;
        cx.diags.push(
          error('SQ0802', `a join key must be a scalar (not ARRAY, MAP, ROW or BYTES), but ${what}`, rel.span),
        );
      }
      if (sa === 'L' && sb === 'R') {
        leftKeys.push(a);
        rightKeys.push(renameFields(b, s.rightIn));
        continue;
      }
      if (sa === 'R' && sb === 'L') {
        leftKeys.push(b);
        rightKeys.push(renameFields(a, s.rightIn));
        continue;
      }
    }
    rest.push(c);
  }
  return { leftKeys, rightKeys, rest };
}

/** Join keys are hashed by value: ARRAY, MAP, ROW and BYTES values cannot be keys. */
function isScalarKey(t: SqlType): boolean {
  return t.kind !== 'ARRAY' && t.kind !== 'MAP' && t.kind !== 'ROW' && t.kind !== 'BYTES';
}

interface TimeTerm {
  readonly side: 'L' | 'R';
  readonly offset: number;
}

function timeTerm(e: BoundExpr, leftTime: string, rightTime: string): TimeTerm | null {
  if (e.kind === 'FieldRef')
    return e.name === leftTime ? { side: 'L', offset: 0 } : e.name === rightTime ? { side: 'R', offset: 0 } : null;
  if (e.kind === 'Call' && (e.op === '+' || e.op === '-') && e.args.length === 2) {
    const base = timeTerm(e.args[0]!, leftTime, rightTime);
    const d = e.args[1]!;
    if (base && d.kind === 'Literal' && typeof d.value === 'number' && d.type.kind === 'INTERVAL') {
      return { side: base.side, offset: base.offset + (e.op === '+' ? d.value : -d.value) };
    }
  }
  return null;
}

interface Bound {
  readonly ms: number;
  readonly inclusive: boolean;
}

/** The bounds on `right.time - left.time` stated by comparison conjuncts; consumed conjuncts are left out of `rest`. */
function timeBounds(parts: readonly BoundExpr[], leftTime: string, rightTime: string) {
  let lower: Bound | null = null;
  let upper: Bound | null = null;
  const rest: BoundExpr[] = [];
  const consumed: BoundExpr[] = [];
  const addLower = (b: Bound) => {
    if (!lower || b.ms > lower.ms || (b.ms === lower.ms && !b.inclusive)) lower = b;
  };
  const addUpper = (b: Bound) => {
    if (!upper || b.ms < upper.ms || (b.ms === upper.ms && !b.inclusive)) upper = b;
  };
  /** Applies `a op b`; false when it is not a cross-side time comparison. */
  const compare = (a: BoundExpr, op: string, b: BoundExpr): boolean => {
    const x = timeTerm(a, leftTime, rightTime);
    const y = timeTerm(b, leftTime, rightTime);
    if (!x || !y || x.side === y.side) return false;
    // Normalise to R - L (op) k.
    let k: number;
    let o = op;
    if (x.side === 'R') k = y.offset - x.offset;
    else {
      k = x.offset - y.offset;
      o = op === '<' ? '>' : op === '<=' ? '>=' : op === '>' ? '<' : op === '>=' ? '<=' : op;
    }
    if (o === '>=' || o === '=') addLower({ ms: k, inclusive: true });
    if (o === '>') addLower({ ms: k, inclusive: false });
    if (o === '<=' || o === '=') addUpper({ ms: k, inclusive: true });
    if (o === '<') addUpper({ ms: k, inclusive: false });
    return true;
  };
  for (const c of parts) {
    if (c.kind === 'Call' && ['<', '<=', '>', '>=', '='].includes(c.op) && compare(c.args[0]!, c.op, c.args[1]!)) {
      consumed.push(c);
      continue;
    }
    if (c.kind === 'Call' && c.op === 'BETWEEN') {
      const [x, lo, hi] = c.args as [BoundExpr, BoundExpr, BoundExpr];
      const xs = timeTerm(x, leftTime, rightTime);
      const ls = timeTerm(lo, leftTime, rightTime);
      const hs = timeTerm(hi, leftTime, rightTime);
      if (xs && ls && hs && xs.side !== ls.side && xs.side !== hs.side) {
        compare(x, '>=', lo);
        compare(x, '<=', hi);
        consumed.push(c);
        continue;
      }
    }
    rest.push(c);
  }
  return { lower: lower as Bound | null, upper: upper as Bound | null, rest, consumed };
}

/**
 * A bounded TABLE read directly, possibly through filters (a view like `SELECT * FROM users WHERE
 * active`): the filters become part of the join condition, which is the same for INNER joins and
 * for the table side of a LEFT join.
 */
interface LookupTable {
  readonly source: SourceDef;
  /** Filter predicates over the table's fields. */
  readonly filters: readonly BoundExpr[];
}

function lookupTable(r: Rel): LookupTable | null {
  const filters: BoundExpr[] = [];
  let cur = r;
  while (cur.kind === 'Filter') {
    filters.push(...conjuncts(cur.predicate));
    cur = cur.input;
  }
  if (cur.kind !== 'Scan' || cur.source.relation !== 'TABLE' || !cur.source.bounded) return null;
  return { source: cur.source, filters };
}

export interface JoinContext {
  readonly diags: Diagnostic[];
  /** WHERE conjuncts over both sides that stayed above this (outer) join. */
  readonly whereCrossSide?: boolean;
}

function windowFields(rel: Rel, role: 'start' | 'end'): string[] {
  return rel.fields.filter((f) => f.window === role).map((f) => f.name);
}

export function planJoin(rel: JoinRel, left: PlanNode, right: PlanNode, cx: JoinContext): PlanNode | null {
  const kind: JoinKind = rel.joinType === 'cross' ? 'inner' : rel.joinType;
  const labelL = sourcesLabel(rel.left);
  const labelR = sourcesLabel(rel.right);
  // Updating inputs (retractions) are joined by a regular join only, or looked up row by row.
  const updating = left.props.changelog !== 'append' || right.props.changelog !== 'append';
  if (updating && kind !== 'inner' && !lookupTable(rel.right)) {
    const [label, span] = left.props.changelog !== 'append' ? [labelL, rel.leftSpan] : [labelR, rel.rightSpan];
    cx.diags.push(
      error(
        'SQ0701',
        `${kind.toUpperCase()} JOIN needs append-only inputs, but the input reading ${label} produces updates (a non-windowed aggregate over unbounded input)`,
        span,
        'note: an INNER regular join takes back (retracts) the rows an updating input retracts; outer joins of updating inputs are not supported',
        'help: aggregate over a window (e.g. TUMBLE) with EMIT FINAL before joining, so that the join sees final rows',
      ),
    );
    return null;
  }
  const rt0 = lookupTable(rel.right);
  if (rt0) return lookup(rel, left, rt0, kind, cx);
  const lt0 = lookupTable(rel.left);
  if (lt0 && !right.props.bounded) return swappedLookup(rel, right, lt0, kind, cx);

  const sides: Sides = {
    left: new Set(rel.left.fields.map((f) => f.name)),
    rightIn: new Map(rel.right.fields.map((f, i) => [rel.rightNames[i]!, f.name])),
  };
  const rightOut = new Map(rel.right.fields.map((f, i) => [f.name, rel.rightNames[i]!]));
  const parts = conjuncts(rel.condition);
  const base = { joinType: kind, rightNames: rel.rightNames, span: rel.span, id: 0 };
  const fieldsOut = (eventTime: string | null) => withTime(rel.fields, eventTime);

  // Window join: equal window_start and window_end on both sides.
  const ls = windowFields(rel.left, 'start');
  const le = windowFields(rel.left, 'end');
  const rs = new Set(windowFields(rel.right, 'start').map((n) => rightOut.get(n)!));
  const re = new Set(windowFields(rel.right, 'end').map((n) => rightOut.get(n)!));
  const eqPair = (c: BoundExpr, lset: readonly string[], rset: ReadonlySet<string>): [string, string] | null => {
    if (c.kind !== 'Call' || c.op !== '=') return null;
    const [a, b] = c.args as [BoundExpr, BoundExpr];
    if (a.kind !== 'FieldRef' || b.kind !== 'FieldRef') return null;
    if (lset.includes(a.name) && rset.has(b.name)) return [a.name, b.name];
    if (lset.includes(b.name) && rset.has(a.name)) return [b.name, a.name];
    return null;
  };
  const startEq = parts.map((c) => eqPair(c, ls, rs)).find((p) => p);
  const endEq = parts.map((c) => eqPair(c, le, re)).find((p) => p);
  if (startEq && endEq && !updating) {
    const rest = parts.filter((c) => !eqPair(c, ls, rs) && !eqPair(c, le, re));
    const k = equiKeys(rest, sides, cx, rel);
    const eventTime =
      kind === 'inner' || kind === 'left'
        ? left.props.eventTime
        : kind === 'right' && right.props.eventTime
          ? (rightOut.get(right.props.eventTime) ?? null)
          : null;
    return {
      ...base,
      kind: 'WindowJoin',
      left,
      right,
      leftKeys: k.leftKeys,
      rightKeys: k.rightKeys,
      residual: and(k.rest),
      leftStart: startEq[0],
      leftEnd: endEq[0],
      rightStart: sides.rightIn.get(startEq[1])!,
      rightEnd: sides.rightIn.get(endEq[1])!,
      schema: fieldsOut(eventTime),
      props: props({
        bounded: left.props.bounded && right.props.bounded,
        eventTime,
        watermarked: left.props.watermarked && right.props.watermarked,
        state: { kind: 'bounded', by: 'rows of both sides per window, dropped when the window is final' },
      }),
    };
  }

  // Interval join: a two-sided bound on right.time - left.time.
  const lt = left.props.eventTime;
  const rt = right.props.eventTime ? (rightOut.get(right.props.eventTime) ?? null) : null;
  const b = lt && rt ? timeBounds(parts, lt, rt) : null;
  const bound =
    left.props.watermarked && right.props.watermarked && !updating ? intervalBound(parts, rel, lt, rt, rightOut) : null;
  if (bound) {
    const { lt: tl, rt: tr, b } = bound;
    if (b.lower.ms > b.upper.ms || (b.lower.ms === b.upper.ms && !(b.lower.inclusive && b.upper.inclusive))) {
      cx.diags.push(
        error(
          'SQ0803',
          `the join's time bounds can never hold: "${tr}" - "${tl}" would have to be at least ${formatDuration(b.lower.ms)} and at most ${formatDuration(b.upper.ms)}`,
          rel.onSpan ?? rel.span,
          'help: write the lower bound first: r.ts BETWEEN l.ts - INTERVAL ... AND l.ts + INTERVAL ...',
        ),
      );
      return null;
    }
    const k = equiKeys(b.rest, sides, cx, rel);
    const eventTime = kind === 'inner' || kind === 'left' ? lt : kind === 'right' ? rt : null;
    return {
      ...base,
      kind: 'IntervalJoin',
      left,
      right,
      leftKeys: k.leftKeys,
      rightKeys: k.rightKeys,
      residual: and(k.rest),
      leftTime: tl,
      rightTime: sides.rightIn.get(tr)!,
      lowerMs: b.lower.ms,
      lowerInclusive: b.lower.inclusive,
      upperMs: b.upper.ms,
      upperInclusive: b.upper.inclusive,
      schema: fieldsOut(eventTime),
      props: props({
        bounded: left.props.bounded && right.props.bounded,
        eventTime,
        watermarked: true,
        state: {
          kind: 'bounded',
          by: `rows within the time bound (${formatDuration(b.lower.ms)} .. ${formatDuration(b.upper.ms)}), dropped as the watermark passes`,
        },
      }),
    };
  }

  if (rel.right.kind === 'Scan' && rel.right.source.bounded && !left.props.bounded) {
    return lookup(rel, left, { source: rel.right.source, filters: [] }, kind, cx);
  }

  const bounded = left.props.bounded && right.props.bounded;
  if (kind !== 'inner') {
    const missing = [...(!left.props.watermarked ? [labelL] : []), ...(!right.props.watermarked ? [labelR] : [])];
    const noTime = [...(!lt ? [labelL] : []), ...(!rt ? [labelR] : [])];
    const why = missing.length
      ? `${missing.join(' and ')} ${missing.length > 1 ? 'have' : 'has'} no watermark`
      : noTime.length
        ? `the join input from ${noTime.join(' and ')} does not carry its event-time column`
        : b && (b.lower || b.upper)
          ? `the condition bounds "${rt}" - "${lt}" only ${b.lower ? 'from below' : 'from above'}; it needs both bounds`
          : 'the condition has no time bound between the two event times';
    cx.diags.push(
      error(
        'SQ0801',
        `${kind.toUpperCase()} JOIN of streams ${labelL} and ${labelR} needs watermarks on both sides and a time bound in its condition: ${why}`,
        rel.onSpan ?? rel.span,
        ...(missing.length
          ? ['help: declare WATERMARK FOR <time column> AS <time column> - INTERVAL ... on both streams']
          : []),
        "help: bound the event times, e.g. ON ... AND r.ts BETWEEN l.ts AND l.ts + INTERVAL '5' MINUTE",
        ...(cx.whereCrossSide ? ['note: WHERE conditions apply after an outer join; put the time bound in ON'] : []),
        ...(bounded ? ['note: only interval, window and lookup joins can be outer joins'] : []),
      ),
    );
    return null;
  }
  const k = equiKeys(parts, sides, cx, rel);
  if (!bounded) {
    cx.diags.push(
      warning(
        'SQ0901',
        !left.props.watermarked || !right.props.watermarked
          ? `unbounded state: the join of ${labelL} and ${labelR} keeps every row of both inputs forever, because ${[...(!left.props.watermarked ? [labelL] : []), ...(!right.props.watermarked ? [labelR] : [])].join(' and ')} ${!left.props.watermarked && !right.props.watermarked ? 'have' : 'has'} no watermark`
          : `unbounded state: the join of ${labelL} and ${labelR} has no time bound, so it keeps every row of both inputs forever`,
        rel.onSpan ?? rel.span,
        "help: bound the event times, e.g. AND r.ts BETWEEN l.ts AND l.ts + INTERVAL '5' MINUTE (both sides need a watermark)",
      ),
    );
  }
  return {
    ...base,
    kind: 'RegularJoin',
    left,
    right,
    leftKeys: k.leftKeys,
    rightKeys: k.rightKeys,
    residual: and(k.rest),
    schema: fieldsOut(null),
    props: props({
      bounded,
      changelog: updating ? 'retract' : 'append',
      state: bounded
        ? { kind: 'bounded', by: 'rows of both bounded inputs' }
        : { kind: 'unbounded', by: 'every row of both inputs' },
    }),
  };
}

/**
 * The columns that can stand for each side's event time in a time bound: its event-time
 * attribute, then the `window_end` columns of a windowed relation (window TVF, windowed
 * aggregate or join). A window's rows carry `window_time` = `window_end` - 1 ms as event time
 * (§7) and reach the join no earlier than its watermark, so `window_end` is never below the
 * watermark either: the interval join's reasoning (a future row's time is `>= W`) holds for it,
 * even where `window_time` was projected away (Flink's q7 bounds its join by `window_end`).
 * The first pair of columns (left, right: output names) the condition bounds from both sides.
 */
function intervalBound(
  parts: readonly BoundExpr[],
  rel: JoinRel,
  lt: string | null,
  rt: string | null,
  rightOut: ReadonlyMap<string, string>,
): { lt: string; rt: string; b: { lower: Bound; upper: Bound; rest: BoundExpr[] } } | null {
  const lefts = [...(lt ? [lt] : []), ...windowFields(rel.left, 'end').filter((n) => n !== lt)];
  const rights = [
    ...(rt ? [rt] : []),
    ...windowFields(rel.right, 'end')
      .map((n) => rightOut.get(n)!)
      .filter((n) => n !== rt),
  ];
  for (const l of lefts)
    for (const r of rights) {
      const b = timeBounds(parts, l, r);
      if (b.lower && b.upper) return { lt: l, rt: r, b: { lower: b.lower, upper: b.upper, rest: b.rest } };
    }
  return null;
}

function lookup(rel: JoinRel, input: PlanNode, lt: LookupTable, kind: JoinKind, cx: JoinContext): PlanNode | null {
  const table = lt.source;
  if (kind === 'right' || kind === 'full') {
    cx.diags.push(
      error(
        'SQ0802',
        `${kind.toUpperCase()} JOIN with table "${table.name}" is not supported: a lookup join keeps every row of the stream side only (INNER or LEFT)`,
        rel.span,
      ),
    );
    return null;
  }
  const sides: Sides = {
    left: new Set(rel.left.fields.map((f) => f.name)),
    rightIn: new Map(rel.right.fields.map((f, i) => [rel.rightNames[i]!, f.name])),
  };
  const toOut = new Map(rel.right.fields.map((f, i) => [f.name, rel.rightNames[i]!]));
  const k = equiKeys([...conjuncts(rel.condition), ...lt.filters.map((f) => renameFields(f, toOut))], sides, cx, rel);
  return {
    kind: 'LookupJoin',
    id: 0,
    input,
    table,
    joinType: kind,
    leftKeys: k.leftKeys,
    rightKeys: k.rightKeys,
    residual: and(k.rest),
    rightNames: rel.rightNames,
    schema: withTime(rel.fields, input.props.eventTime),
    props: { ...input.props, state: { kind: 'none' } },
    span: rel.span,
  };
}

/** `table JOIN stream`: a lookup join with the stream as input, then a Project restoring the column order. */
function swappedLookup(
  rel: JoinRel,
  stream: PlanNode,
  lt: LookupTable,
  kind: JoinKind,
  cx: JoinContext,
): PlanNode | null {
  const table = lt.source;
  if (kind === 'left' || kind === 'full') {
    cx.diags.push(
      error(
        'SQ0802',
        `${kind.toUpperCase()} JOIN that keeps every row of table "${table.name}" against a stream is not supported`,
        rel.span,
        'help: put the stream on the left: FROM stream LEFT JOIN table ON ...',
      ),
    );
    return null;
  }
  const nLeft = rel.left.fields.length;
  const streamNames = rel.right.fields.map((f) => f.name);
  const taken = new Set(streamNames);
  const tableOut = rel.left.fields.map((f) => {
    const n = uniqueName(f.name, taken);
    taken.add(n);
    return n;
  });
  // rel output name → lookup output name.
  const toLookup = new Map<string, string>();
  rel.fields.forEach((f, i) => toLookup.set(f.name, i < nLeft ? tableOut[i]! : streamNames[i - nLeft]!));
  const cond = rel.condition ? renameFields(rel.condition, toLookup) : null;
  const sides: Sides = {
    left: new Set(streamNames),
    rightIn: new Map(rel.left.fields.map((f, i) => [tableOut[i]!, f.name])),
  };
  const tableToOut = new Map(rel.left.fields.map((f, i) => [f.name, tableOut[i]!]));
  const k = equiKeys([...conjuncts(cond), ...lt.filters.map((f) => renameFields(f, tableToOut))], sides, cx, rel);
  const lookupFields = [
    ...rel.right.fields.map((f, i) => ({ ...rel.fields[nLeft + i]!, name: streamNames[i]! })),
    ...rel.left.fields.map((f, i) => ({ ...rel.fields[i]!, name: tableOut[i]! })),
  ];
  const join: PlanNode = {
    kind: 'LookupJoin',
    id: 0,
    input: stream,
    table,
    joinType: kind === 'right' ? 'left' : 'inner',
    leftKeys: k.leftKeys,
    rightKeys: k.rightKeys,
    residual: and(k.rest),
    rightNames: tableOut,
    schema: withTime(lookupFields, stream.props.eventTime),
    props: { ...stream.props, state: { kind: 'none' } },
    span: rel.span,
  };
  const eventTime = stream.props.eventTime
    ? (rel.fields[nLeft + streamNames.indexOf(stream.props.eventTime)]?.name ?? null)
    : null;
  return {
    kind: 'Project',
    id: 0,
    input: join,
    exprs: rel.fields.map((f) => ({
      name: f.name,
      expr: { kind: 'FieldRef', name: toLookup.get(f.name)!, type: f.type, nullable: f.nullable },
    })),
    schema: withTime(rel.fields, eventTime),
    props: { ...join.props, eventTime },
    span: rel.span,
  };
}
