/**
 * The state an expression is bound in: the visible names, where diagnostics go, and — inside a
 * SELECT with aggregation — where aggregate calls are collected and which group window is active.
 * Everything here is local to one `bind()` call.
 */
import type { Expr, FunctionCall, Span } from '../../grammar/ast.ts';
import type { Diagnostic } from '../../grammar/diagnostic.ts';
import type { WindowSpec } from '../../runtime/contract.ts';
import type { AggCall, BoundExpr } from '../plan/plan.ts';
import type { SqlType } from '../types.ts';
import { typeToString } from '../types.ts';
import type { Scope } from './scope.ts';
import type { UdfSignature } from '../catalog/udf.ts';

export interface ExprMeta {
  /** Where each bound column reference came from, for errors found after binding (SQ0301). */
  readonly origins: WeakMap<BoundExpr, { readonly span: Span; readonly label: string }>;
  /** References to aggregate output fields (aggregate calls, window properties) made while binding. */
  readonly placeholders: WeakSet<BoundExpr>;
  /** User-defined functions declared so far (CREATE FUNCTION), by upper-case name. */
  readonly functions: Map<string, UserFunction>;
}

/** A declared user-defined function: its SQL name and the signature read from its module. */
export interface UserFunction {
  readonly name: string;
  /** Null when the declaration has an error (reported there): its calls are accepted silently. */
  readonly signature: UdfSignature | null;
  readonly span: Span;
}

export function newMeta(): ExprMeta {
  return { origins: new WeakMap(), placeholders: new WeakSet(), functions: new Map() };
}

/** Collects the aggregate calls of one SELECT (deduplicated). */
export interface AggCollector {
  readonly calls: AggCall[];
  readonly byKey: Map<string, AggCall>;
  /** Names already used in the aggregate's output (keys, window fields, earlier aggregates). */
  readonly taken: Set<string>;
  /** True when there is no GROUP BY key: every aggregate may see no rows. */
  readonly global: boolean;
}

/** The group window of the current SELECT, for TUMBLE_START(...), window.start, ... */
export interface GroupWindow {
  readonly spelling: 'tvf' | 'group' | 'spark';
  readonly fn: 'TUMBLE' | 'HOP' | 'SESSION' | 'CUMULATE';
  readonly spec: WindowSpec;
  /** The interval arguments in milliseconds, as written (for matching TUMBLE_START(ts, ...)). */
  readonly argsMs: readonly number[];
  /** exprKey of the bound time column (over the aggregate input). */
  readonly timeKey: string;
  /** The window as written, for messages. */
  readonly display: string;
  readonly startField: string;
  readonly endField: string;
  readonly timeOutField: string;
  /** The window in GROUP BY had an error (reported): its properties are accepted silently. */
  readonly broken?: boolean;
}

export interface ExprCtx {
  readonly scope: Scope;
  readonly diags: Diagnostic[];
  readonly meta: ExprMeta;
  /** Where aggregate calls go; null when aggregates are not allowed here. */
  readonly aggs: AggCollector | null;
  /** The clause being bound (for "not allowed in WHERE" messages). */
  readonly clause: string;
  readonly inAggregate: boolean;
  readonly window: GroupWindow | null;
  /** Preferred output name for an aggregate that is a whole SELECT item. */
  readonly aggName: string | null;
  /** Window-function calls of the SELECT list, already computed below the projection (bind/over.ts). */
  readonly overs?: ReadonlyMap<FunctionCall, BoundExpr>;
  /** SELECT aliases usable where a column is not found (Spark: HAVING total > 10). */
  readonly aliases?: ReadonlyMap<string, Expr>;
}

export function exprCtx(scope: Scope, diags: Diagnostic[], meta: ExprMeta, clause: string): ExprCtx {
  return { scope, diags, meta, aggs: null, clause, inAggregate: false, window: null, aggName: null };
}

/**
 * A canonical text for a bound expression: equal keys mean the same computation. Placeholders
 * (aggregate outputs) are marked so they never equal a column of the same name.
 */
export function exprKey(e: BoundExpr, meta?: ExprMeta): string {
  const mark = meta?.placeholders.has(e) ? '@' : '';
  switch (e.kind) {
    case 'FieldRef':
      return `${mark}$${JSON.stringify(e.name)}`;
    case 'Literal':
      return `${JSON.stringify(e.value)}:${typeToString(e.type)}`;
    case 'Cast':
      return `${e.try ? 'TRY_CAST' : 'CAST'}(${exprKey(e.expr, meta)}:${typeToString(e.type)})`;
    case 'Call':
      return `${e.udf !== undefined ? `UDF:${e.udf}` : e.op}(${e.args.map((a) => exprKey(a, meta)).join(',')})`;
    case 'Case':
      return `CASE(${e.branches.map((b) => `${exprKey(b.when, meta)}?${exprKey(b.then, meta)}`).join(';')}:${exprKey(e.else, meta)})`;
  }
}

/** Field names an expression reads. */
export function fieldsUsed(e: BoundExpr, out: Set<string> = new Set()): Set<string> {
  switch (e.kind) {
    case 'FieldRef':
      out.add(e.name);
      break;
    case 'Literal':
      break;
    case 'Cast':
      fieldsUsed(e.expr, out);
      break;
    case 'Call':
      for (const a of e.args) fieldsUsed(a, out);
      break;
    case 'Case':
      for (const b of e.branches) {
        fieldsUsed(b.when, out);
        fieldsUsed(b.then, out);
      }
      fieldsUsed(e.else, out);
      break;
  }
  return out;
}

export function typeName(t: SqlType): string {
  return t.kind === 'NULL' ? 'NULL' : typeToString(t);
}

/** A structural key of an AST expression, ignoring source positions (to match ORDER BY / GROUP BY against SELECT items). */
export function astKey(e: unknown): string {
  return JSON.stringify(e, (k, v) =>
    k === 'span' || k === 'opSpan' || k === 'unitSpan' ? undefined : k === 'quoted' ? undefined : v,
  );
}
