/**
 * Grouped SELECTs: GROUP BY keys (columns, expressions, SELECT aliases, positions), group windows
 * in all three spellings, aggregate calls, HAVING, and the check that every column outside an
 * aggregate is grouped.
 *
 * Binding works in two steps. SELECT and HAVING expressions are first bound over the FROM scope,
 * with aggregate calls and window properties replaced by placeholders that reference the
 * aggregate's output. They are then rewritten over the aggregate's output: a subexpression equal
 * to a group key becomes a reference to that key; any other column reference is an SQ0301 error.
 */
import type { Expr, FunctionCall, Select, Span } from '../../grammar/ast.ts';
import { error } from '../../grammar/diagnostic.ts';
import { lookupAggregate } from '../check/aggregates.ts';
import type { BoundExpr, NamedExpr } from '../plan/plan.ts';
import type { SqlType } from '../types.ts';
import { INTERVAL, TIMESTAMP } from '../types.ts';
import type { WindowSpec } from '../../runtime/contract.ts';
import type { AggCollector, ExprCtx, ExprMeta, GroupWindow } from './context.ts';
import { astKey, exprCtx, exprKey, fieldsUsed } from './context.ts';
import type { Env, FromResult, ItemPlan } from './env.ts';
import { bindExpr } from './expr.ts';
import type { Rel, RelField, WindowGroup, WindowTvfRel } from './rel.ts';
import { fieldRef, project, uniqueName } from './rel.ts';
import { lookupColumn } from './scope.ts';
import type { WindowFn } from './windows.ts';
import {
  GROUP_WINDOW_FUNCTIONS,
  WINDOW_ARITY,
  WINDOW_SIGNATURE,
  checkTimeAttribute,
  intervalArg,
  intervalSql,
  windowSpec,
} from './windows.ts';

/** True when `e` contains an aggregate call (the SELECT is then an aggregation). */
export function containsAggregate(e: unknown): boolean {
  if (!e || typeof e !== 'object') return false;
  if (Array.isArray(e)) return e.some(containsAggregate);
  const node = e as { kind?: string; name?: { name: string } };
  // `AVG(x) OVER (...)` is an OVER aggregate, not a grouping (bind/over.ts)
  if (node.kind === 'FunctionCall' && (node as { over?: unknown }).over) return false;
  if (node.kind === 'FunctionCall' && node.name && lookupAggregate(node.name.name)) return true;
  return Object.entries(e).some(([k, v]) => k !== 'span' && typeof v === 'object' && containsAggregate(v));
}

interface KeyInfo {
  readonly name: string;
  readonly type: SqlType;
  readonly nullable: boolean;
}

interface CallWindow extends GroupWindow {
  readonly timeField: string;
}

export function bindGroupedSelect(
  sel: Select,
  from: FromResult,
  where: BoundExpr | null,
  items: readonly ItemPlan[],
  env: Env,
): Rel | null {
  const { diags, meta } = env;
  const groupCtx = exprCtx(from.scope, diags, meta, 'GROUP BY');
  let ok = true;
  let windowCall: FunctionCall | null = null;
  const keyExprs: { expr: BoundExpr; ast: Expr }[] = [];
  for (const g of sel.groupBy) {
    let ast: Expr = g;
    if (g.kind === 'FunctionCall' && GROUP_WINDOW_FUNCTIONS.has(g.name.name.toUpperCase())) {
      if (windowCall) {
        diags.push(
          error(
            'SQ0305',
            'GROUP BY may contain only one window',
            g.span,
            `note: the first window is ${windowCall.name.name}(...)`,
          ),
        );
        ok = false;
      } else windowCall = g;
      continue;
    }
    if (g.kind === 'NumberLiteral' && g.integer) {
      const n = Number(g.text);
      const item = sel.items[n - 1];
      if (!item || item.kind !== 'SelectExpr') {
        diags.push(
          error('SQ0305', `GROUP BY position ${n} does not name a SELECT expression (1..${sel.items.length})`, g.span),
        );
        ok = false;
        continue;
      }
      ast = item.expr;
    } else if (
      g.kind === 'ColumnRef' &&
      g.parts.length === 1 &&
      lookupColumn(from.scope, g.parts[0]!.name).kind === 'missing'
    ) {
      // Spark: GROUP BY may name a SELECT alias.
      const item = sel.items.find((i) => i.kind === 'SelectExpr' && i.alias?.name === g.parts[0]!.name);
      if (item && item.kind === 'SelectExpr') ast = item.expr;
    }
    if (containsAggregate(ast) && ast !== g) {
      diags.push(error('SQ0303', 'GROUP BY cannot refer to an aggregate', g.span));
      ok = false;
      continue;
    }
    const b = bindExpr(ast, groupCtx);
    if (!b) ok = false;
    else keyExprs.push({ expr: b, ast: g });
  }

  const call = windowCall ? groupWindowCall(windowCall, from, groupCtx) : null;
  if (windowCall && !call) ok = false;
  // After an error in GROUP BY, ungrouped columns and window properties are not reported (they would be echoes).
  const groupingOk = ok;

  // Window TVF + GROUP BY window_start, window_end: a windowed aggregate over the TVF's input.
  const tvf: WindowTvfRel | null = from.rel.kind === 'WindowTvf' ? from.rel : null;
  const isRef = (e: BoundExpr, name: string) => e.kind === 'FieldRef' && e.name === name;
  let fused = false;
  if (tvf) {
    const hasStart = keyExprs.some((k) => isRef(k.expr, tvf.startField));
    const hasEnd = keyExprs.some((k) => isRef(k.expr, tvf.endField));
    if (hasStart !== hasEnd) {
      const at = keyExprs.find((k) => isRef(k.expr, hasStart ? tvf.startField : tvf.endField))!.ast.span;
      diags.push(
        error(
          'SQ0305',
          `a window aggregation must GROUP BY both window_start and window_end`,
          at,
          `help: add ${hasStart ? 'window_end' : 'window_start'} to GROUP BY`,
        ),
      );
      ok = false;
    }
    fused = hasStart && hasEnd;
    if (fused && windowCall) {
      diags.push(
        error('SQ0305', 'GROUP BY cannot use a group window over the output of a window TVF', windowCall.span),
      );
      ok = false;
    }
  }
  const windowFields = fused && tvf ? new Set([tvf.startField, tvf.endField, tvf.timeOutField]) : new Set<string>();

  // GROUP BY the window_start and window_end of an already windowed relation (a window TVF or
  // window aggregate, possibly renamed, e.g. NEXMark q5's MAX of per-auction counts per window):
  // a window aggregation over the same windows, as Flink plans it. See `attachedWindow`.
  const attached =
    !fused && !windowCall
      ? attachedWindow(
          keyExprs.map((k) => k.expr),
          from.rel,
        )
      : null;

  // Keys and output names.
  const taken = new Set<string>();
  const keys: NamedExpr[] = [];
  const keyMap = new Map<string, KeyInfo>();
  for (const k of keyExprs) {
    if (fused && k.expr.kind === 'FieldRef' && windowFields.has(k.expr.name)) continue;
    const key = exprKey(k.expr, meta);
    if (keyMap.has(key)) continue;
    const alias = sel.items.find((i) => i.kind === 'SelectExpr' && i.alias && astKey(i.expr) === astKey(k.ast));
    const base =
      k.expr.kind === 'FieldRef' ? k.expr.name : alias && alias.kind === 'SelectExpr' ? alias.alias!.name : 'key';
    const name = claimName(base, taken);
    keys.push({ name, expr: k.expr });
    keyMap.set(key, { name, type: k.expr.type, nullable: k.expr.nullable });
  }
  if (fused && tvf?.window.kind === 'session') {
    const groupCols = new Set(keys.map((k) => (k.expr.kind === 'FieldRef' ? k.expr.name : '')));
    const same = groupCols.size === tvf.partitionBy.length && tvf.partitionBy.every((p) => groupCols.has(p));
    if (!same) {
      const want = ['window_start', 'window_end', ...tvf.partitionBy].join(', ');
      diags.push(
        error(
          'SQ0305',
          'a SESSION window aggregation must group by exactly its PARTITION BY columns',
          sel.groupBy[0]!.span,
          `help: GROUP BY ${want}`,
        ),
      );
      ok = false;
    }
  }
  let win: WindowGroup | null = null;
  let gw: GroupWindow | null = null;
  if (windowCall && !call) {
    const upper = windowCall.name.name.toUpperCase();
    const spark = upper === 'WINDOW' || upper === 'SESSION_WINDOW';
    const fn = (spark ? (upper === 'WINDOW' ? 'TUMBLE' : 'SESSION') : upper) as WindowFn;
    gw = {
      spelling: spark ? 'spark' : 'group',
      fn,
      spec: { kind: 'tumble', sizeMs: 1 },
      argsMs: [],
      timeKey: '',
      display: '',
      startField: '',
      endField: '',
      timeOutField: '',
      broken: true,
    };
  }
  if ((fused && tvf) || call) {
    const { startField, endField, timeOutField } = windowFieldNames(taken);
    if (fused && tvf) {
      win = { window: tvf.window, timeField: tvf.timeField, startField, endField, timeOutField };
      const ref = (name: string): string => exprKey({ kind: 'FieldRef', name, type: TIMESTAMP, nullable: false }, meta);
      keyMap.set(ref(tvf.startField), { name: startField, type: TIMESTAMP, nullable: false });
      keyMap.set(ref(tvf.endField), { name: endField, type: TIMESTAMP, nullable: false });
      keyMap.set(ref(tvf.timeOutField), { name: timeOutField, type: TIMESTAMP, nullable: false });
      const fn = tvfName(tvf.window.kind);
      gw = {
        spelling: 'tvf',
        fn,
        spec: tvf.window,
        argsMs: [],
        timeKey: '',
        display: `the ${fn} window TVF`,
        startField,
        endField,
        timeOutField,
      };
    } else if (call) {
      win = { window: call.spec, timeField: call.timeField, startField, endField, timeOutField };
      gw = { ...call, startField, endField, timeOutField };
    }
  }
  let attachedTime: string | null = null;
  if (attached) {
    attachedTime = uniqueName('window_time', new Set(from.rel.fields.map((f) => f.name)));
    const { startField, endField, timeOutField } = windowFieldNames(taken);
    win = {
      window: { kind: 'tumble', sizeMs: attached.unitMs },
      timeField: attachedTime,
      startField,
      endField,
      timeOutField,
    };
  }

  const collector: AggCollector = {
    calls: [],
    byKey: new Map(),
    taken: new Set(taken),
    global: keys.length === 0 && win === null,
  };
  const selCtx: ExprCtx = { ...exprCtx(from.scope, diags, meta, 'SELECT'), aggs: collector, window: gw };
  const reported = new Set<string>();
  const exprs: (NamedExpr | null)[] = items.map((it) => {
    const aggName = it.ast && isAggregateCall(it.ast.expr) ? it.name : null;
    const b = it.star ?? bindExpr(it.ast!.expr, { ...selCtx, aggName });
    const r = b
      ? rewrite(b, keyMap, meta, { diags, reported, global: collector.global, gw, call, silent: !groupingOk })
      : null;
    return r ? { name: it.name, expr: r } : null;
  });
  let having: BoundExpr | null = null;
  if (sel.having) {
    const aliases = new Map<string, Expr>();
    for (const i of sel.items) if (i.kind === 'SelectExpr' && i.alias) aliases.set(i.alias.name, i.expr);
    const b = bindExpr(sel.having, { ...selCtx, clause: 'HAVING', aliases });
    if (b && b.type.kind !== 'BOOLEAN' && b.type.kind !== 'NULL') {
      diags.push(error('SQ0205', `HAVING condition must be BOOLEAN, but this is ${b.type.kind}`, sel.having.span));
      ok = false;
    } else if (b) {
      having = rewrite(b, keyMap, meta, { diags, reported, global: collector.global, gw, call, silent: !groupingOk });
    }
    if (!having) ok = false;
  }
  if (!ok || exprs.some((e) => !e) || (sel.where && !where)) return null;

  let input: Rel = fused && tvf ? tvf.input : from.rel;
  if (fused && tvf) {
    const used = new Set<string>();
    if (where) fieldsUsed(where, used);
    for (const k of keys) fieldsUsed(k.expr, used);
    for (const a of collector.calls) {
      for (const x of a.args) fieldsUsed(x, used);
      if (a.filter) fieldsUsed(a.filter, used);
    }
    const bad = [...used].filter((u) => windowFields.has(u));
    if (bad.length) {
      diags.push(
        error(
          'SQ0305',
          `"${bad[0]}" can only be used in the GROUP BY and SELECT list of a window aggregation, not in WHERE or inside aggregates`,
          sel.where?.span ?? sel.span,
          'help: filter on window bounds in HAVING',
        ),
      );
      return null;
    }
  }
  if (attached && attachedTime) {
    // The input's rows with their window's window_time (window_end - 1 ms) as event time.
    const end = from.rel.fields.find((f) => f.name === attached.end)!;
    const time: BoundExpr = {
      kind: 'Call',
      op: '-',
      args: [fieldRef(end), { kind: 'Literal', value: 1, type: INTERVAL, nullable: false }],
      type: TIMESTAMP,
      nullable: false,
    };
    input = {
      kind: 'Project',
      input,
      exprs: [...input.fields.map((f) => ({ name: f.name, expr: fieldRef(f) })), { name: attachedTime, expr: time }],
      fields: [
        ...input.fields.map((f) => ({ ...f, time: null, window: undefined })),
        { name: attachedTime, type: TIMESTAMP, nullable: false, time: 'event', window: 'time' },
      ],
      span: sel.span,
    };
  }
  if (where) input = { kind: 'Filter', input, predicate: where, fields: input.fields, span: sel.where!.span };

  const fields: RelField[] = [
    ...keys.map((k): RelField => {
      const role = attached && k.expr.kind === 'FieldRef' ? attachedRole(attached, k.expr.name) : undefined;
      return {
        name: k.name,
        type: k.expr.type,
        nullable: k.expr.nullable,
        time: null,
        ...(role ? { window: role } : {}),
      };
    }),
    ...(win
      ? ([
          // An attached window's bounds are the grouped window_start/window_end keys above.
          {
            name: win.startField,
            type: TIMESTAMP,
            nullable: false,
            time: null,
            ...(attached ? {} : { window: 'start' }),
          },
          { name: win.endField, type: TIMESTAMP, nullable: false, time: null, ...(attached ? {} : { window: 'end' }) },
          { name: win.timeOutField, type: TIMESTAMP, nullable: false, time: 'event', window: 'time' },
        ] satisfies RelField[])
      : []),
    ...collector.calls.map((a) => ({ name: a.name, type: a.type, nullable: a.nullable, time: null })),
  ];
  let rel: Rel = {
    kind: 'Aggregate',
    input,
    keys,
    aggs: collector.calls,
    window: win,
    fields,
    span: sel.groupBy[0]?.span ?? sel.span,
  };
  if (having) rel = { kind: 'Filter', input: rel, predicate: having, fields: rel.fields, span: sel.having!.span };
  return project(rel, exprs as NamedExpr[], sel.span);
}

function tvfName(kind: string): WindowFn {
  return kind === 'tumble' ? 'TUMBLE' : kind === 'hop' ? 'HOP' : kind === 'cumulate' ? 'CUMULATE' : 'SESSION';
}

function isAggregateCall(e: Expr): boolean {
  return e.kind === 'FunctionCall' && !!lookupAggregate(e.name.name);
}

/** `TUMBLE(ts, i)`, `HOP(ts, slide, size)`, `SESSION(ts, gap)`, `window(ts, size[, slide])`, `session_window(ts, gap)`. */
function groupWindowCall(c: FunctionCall, from: FromResult, ctx: ExprCtx): CallWindow | null {
  const upper = c.name.name.toUpperCase();
  const spark = upper === 'WINDOW' || upper === 'SESSION_WINDOW';
  const diags = ctx.diags;
  let fn: WindowFn;
  let intervalArgs: readonly Expr[];
  if (upper === 'WINDOW') {
    if (c.args.length < 2 || c.args.length > 4) {
      diags.push(
        error(
          'SQ0202',
          `window() expects (time_column, 'size' [, 'slide']) but got ${c.args.length} argument${c.args.length === 1 ? '' : 's'}`,
          c.span,
        ),
      );
      return null;
    }
    if (c.args.length === 4) {
      const offset = intervalArg(c.args[3]!, diags);
      if (offset === null) return null;
      diags.push(
        error('SQ0305', 'window start offsets are not supported: windows are aligned to the epoch', c.args[3]!.span),
      );
      return null;
    }
    fn = c.args.length === 3 ? 'HOP' : 'TUMBLE';
    // Spark: window(ts, size, slide); the spec takes (slide, size).
    intervalArgs = c.args.length === 3 ? [c.args[2]!, c.args[1]!] : [c.args[1]!];
  } else if (upper === 'SESSION_WINDOW') {
    if (c.args.length !== 2) {
      diags.push(
        error(
          'SQ0202',
          `session_window() expects (time_column, 'gap') but got ${c.args.length} argument${c.args.length === 1 ? '' : 's'}`,
          c.span,
        ),
      );
      return null;
    }
    fn = 'SESSION';
    intervalArgs = [c.args[1]!];
  } else {
    fn = upper as WindowFn;
    if (c.args.length !== WINDOW_ARITY[fn] + 1) {
      diags.push(
        error(
          'SQ0202',
          `group window ${fn} expects (time_column, ${WINDOW_SIGNATURE[fn]}) but got ${c.args.length} argument${c.args.length === 1 ? '' : 's'}`,
          c.span,
        ),
      );
      return null;
    }
    intervalArgs = c.args.slice(1);
  }
  const timeAst = c.args[0]!;
  const t = bindExpr(timeAst, ctx);
  const ms = intervalArgs.map((a) => intervalArg(a, diags));
  if (!t || ms.some((m) => m === null)) return null;
  if (t.kind !== 'FieldRef') {
    diags.push(
      error(
        'SQ0602',
        'the window time argument must be a column with a watermark (an event-time attribute)',
        timeAst.span,
      ),
    );
    return null;
  }
  const entry = from.scope.entries.find((e) => e.columns.some((x) => x.field.name === t.name));
  const col = entry?.columns.find((x) => x.field.name === t.name);
  if (!col || !checkTimeAttribute(col.field, col.name, entry, timeAst.span, diags)) return null;
  const spec = windowSpec(fn, ms as number[], c.span, diags);
  if (!spec) return null;
  const label = timeAst.kind === 'ColumnRef' ? timeAst.parts.map((p) => p.name).join('.') : col.name;
  const display = spark
    ? `${c.name.name}(${label}, ${c.args
        .slice(1)
        .map((a) => (a.kind === 'StringLiteral' ? `'${a.value}'` : intervalSql(intervalArg(a, [])!)))
        .join(', ')})`
    : `${fn}(${label}, ${(ms as number[]).map(intervalSql).join(', ')})`;
  return {
    spelling: spark ? 'spark' : 'group',
    fn,
    spec,
    argsMs: ms as number[],
    timeKey: exprKey(t),
    display,
    startField: '',
    endField: '',
    timeOutField: '',
    timeField: t.name,
  };
}

interface RewriteCtx {
  readonly diags: Env['diags'];
  readonly reported: Set<string>;
  readonly global: boolean;
  readonly gw: GroupWindow | null;
  readonly call: CallWindow | null;
  readonly silent: boolean;
}

/** Re-expresses a SELECT/HAVING expression over the aggregate's output (see the file comment). */
function rewrite(e: BoundExpr, keyMap: ReadonlyMap<string, KeyInfo>, meta: ExprMeta, rc: RewriteCtx): BoundExpr | null {
  if (meta.placeholders.has(e)) return e;
  const hit = keyMap.get(exprKey(e, meta));
  if (hit) return { kind: 'FieldRef', name: hit.name, type: hit.type, nullable: hit.nullable };
  switch (e.kind) {
    case 'Literal':
      return e;
    case 'FieldRef': {
      const origin = meta.origins.get(e);
      const span: Span | undefined = origin?.span;
      const label = origin?.label ?? e.name;
      const key = `${label}@${span?.offset ?? -1}`;
      if (span && !rc.silent && !rc.reported.has(key)) {
        rc.reported.add(key);
        const notes: string[] = [];
        if (rc.global)
          notes.push(
            'note: the query aggregates without GROUP BY, so every column must be inside an aggregate function',
          );
        else notes.push(`help: add "${label}" to GROUP BY, or use it inside an aggregate function`);
        if (rc.call && rc.call.timeField === e.name) {
          notes.push(
            rc.gw?.spelling === 'spark'
              ? 'help: the window bounds are window.start and window.end'
              : `help: the window bounds are ${rc.call.fn}_START(...) and ${rc.call.fn}_END(...) with the GROUP BY arguments`,
          );
        }
        rc.diags.push(
          error('SQ0301', `column "${label}" must be in GROUP BY or inside an aggregate function`, span, ...notes),
        );
      }
      return null;
    }
    case 'Cast': {
      const x = rewrite(e.expr, keyMap, meta, rc);
      return x ? { ...e, expr: x } : null;
    }
    case 'Call': {
      const args = e.args.map((a) => rewrite(a, keyMap, meta, rc));
      return args.every((a) => a) ? { ...e, args: args as BoundExpr[] } : null;
    }
    case 'Case': {
      const branches = e.branches.map((b) => ({
        when: rewrite(b.when, keyMap, meta, rc),
        then: rewrite(b.then, keyMap, meta, rc),
      }));
      const els = rewrite(e.else, keyMap, meta, rc);
      if (!els || branches.some((b) => !b.when || !b.then)) return null;
      return { ...e, branches: branches as { when: BoundExpr; then: BoundExpr }[], else: els };
    }
  }
}

interface AttachedWindow {
  /** The input fields grouped as window_start and window_end. */
  readonly start: string;
  readonly end: string;
  /** Every window end of the input's window is a multiple of this. */
  readonly unitMs: number;
}

function attachedRole(a: AttachedWindow, name: string): 'start' | 'end' | undefined {
  return name === a.start ? 'start' : name === a.end ? 'end' : undefined;
}

/**
 * Whether GROUP BY names the window_start and window_end of a windowed `input` (a TUMBLE, HOP or
 * CUMULATE window; sessions have arbitrary ends). Such an aggregation is planned as a TUMBLE
 * window aggregate over the input's window_time (window_end - 1 ms) with a size dividing every
 * window end of the input, grouped by the window bounds as well: each input window falls into
 * exactly one of its windows, which fires when the watermark passes the input window's end, as
 * the input window did. Its result carries the grouped bounds as its window_start and window_end
 * (so it can be window-joined with the input) and window_time as event time.
 */
function attachedWindow(keys: readonly BoundExpr[], input: Rel): AttachedWindow | null {
  const byName = new Map(input.fields.map((f) => [f.name, f]));
  const refs = keys.flatMap((k) => (k.kind === 'FieldRef' ? [k.name] : []));
  const start = refs.find((r) => byName.get(r)?.window === 'start');
  const end = refs.find((r) => byName.get(r)?.window === 'end');
  if (!start || !end) return null;
  const a = windowOrigin(input, start);
  const b = windowOrigin(input, end);
  if (!a || !b || a !== b) return null;
  const w = a;
  const unitMs =
    w.kind === 'tumble'
      ? w.sizeMs
      : w.kind === 'hop'
        ? gcd(w.sizeMs, w.slideMs)
        : w.kind === 'cumulate'
          ? gcd(w.maxMs, w.stepMs)
          : 0;
  return unitMs > 0 ? { start, end, unitMs } : null;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The window whose window_start/window_end `field` of `rel` is (through renames), if any. */
function windowOrigin(rel: Rel, field: string): WindowSpec | null {
  switch (rel.kind) {
    case 'Project': {
      const e = rel.exprs.find((x) => x.name === field)?.expr;
      return e?.kind === 'FieldRef' ? windowOrigin(rel.input, e.name) : null;
    }
    case 'Filter':
    case 'Sort':
      return windowOrigin(rel.input, field);
    case 'WindowTvf':
      return field === rel.startField || field === rel.endField ? rel.window : windowOrigin(rel.input, field);
    case 'Aggregate': {
      if (rel.window && (field === rel.window.startField || field === rel.window.endField)) {
        // An attached window's own bounds are not the grouped ones.
        return rel.fields.find((f) => f.name === field)?.window ? rel.window.window : null;
      }
      const e = rel.keys.find((k) => k.name === field)?.expr;
      return e?.kind === 'FieldRef' ? windowOrigin(rel.input, e.name) : null;
    }
    case 'Join': {
      if (rel.left.fields.some((f) => f.name === field)) return windowOrigin(rel.left, field);
      const i = rel.rightNames.indexOf(field);
      return i >= 0 ? windowOrigin(rel.right, rel.right.fields[i]!.name) : null;
    }
    default:
      return null;
  }
}

/** `base`, or `base` with a number when taken; the name is then taken. */
function claimName(base: string, taken: Set<string>): string {
  const name = uniqueName(base, taken);
  taken.add(name);
  return name;
}

/** Fresh names for a window aggregate's window_start, window_end and window_time columns. */
function windowFieldNames(taken: Set<string>): { startField: string; endField: string; timeOutField: string } {
  return {
    startField: claimName('window_start', taken),
    endField: claimName('window_end', taken),
    timeOutField: claimName('window_time', taken),
  };
}
