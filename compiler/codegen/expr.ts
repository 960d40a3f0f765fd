/**
 * The expression compiler: `BoundExpr` → TypeScript expression text with exact SQL NULL
 * semantics.
 *
 * A compiled value (`Val`) is split into three parts so that NULL tests stay cheap and readable:
 *
 *   pre     assignments to temporaries, evaluated first (`t1 = a.b + 1`)
 *   guards  cheap expressions (fields, temporaries) that, when any is NULL, make the value NULL
 *   code    the value, assuming every guard is non-NULL
 *
 * so `price * quantity` becomes guards `[price, quantity]` and code `price * quantity`, and is
 * written out as `price === null || quantity === null ? null : price * quantity`. In a WHERE
 * clause the same value is tested with `price !== null && ...` (`isTrue`), where NULL counts as
 * false, and `status = 'x'` is simply `status === 'x'`.
 *
 * Every operator of the plan, and every function without a library implementation, has an entry
 * in `OPS` (a `Record`, so a missing one is a type error). A function with one (`impl` in its
 * definition, compiler/check/functions.ts) is a call into runtime/functions (`fn.<impl>(...)`),
 * NULL when an argument is, and for non-NULL arguments only when the checker says so.
 * Literal regular expressions, LIKE patterns, date formats and JSON paths are compiled once into
 * module constants.
 *
 * Semantics chosen where SQL engines differ (see runtime/functions for the details):
 * - INT arithmetic wraps at 32 bits (Java); BIGINT arithmetic leaving ±(2^53−1) is an error.
 * - Integer and DECIMAL division or modulo by zero is an error (Flink); DOUBLE follows IEEE.
 * - CAST of a value that does not convert is an error; TRY_CAST gives NULL.
 * - Casts between BIGINT and TIMESTAMP are epoch milliseconds both ways (as the checker says).
 */
import type { Span } from '../../grammar/ast.ts';
import { functionOf, type LibraryFunctionOp } from '../check/functions.ts';
import type { BoundExpr, CallExpr, ScalarOp } from '../plan/plan.ts';
import { BOOLEAN, sameType, typeToString, type SqlType } from '../types.ts';
import { likeToRegExpSource, literalRegExp } from '../../runtime/functions/strings.ts';
import { DEFAULT_TIMESTAMP_PATTERN } from '../../runtime/functions/time.ts';
import { internal } from './internal.ts';
import type { ModuleBuilder } from './module.ts';
import { propertyAccess } from './names.ts';
import { isPrimitive, nullableTsType, tsType } from './ts-types.ts';

/** A compiled value; see the file comment. */
export interface Val {
  readonly pre: readonly string[];
  readonly guards: readonly string[];
  readonly code: string;
  /** True when `code` itself may be NULL (beyond the guards). */
  readonly nullable: boolean;
  readonly type: SqlType;
  /** True when `code` is cheap and pure enough to repeat (identifier, literal, member chain). */
  readonly simple: boolean;
}

/** An input field as the enclosing code holds it. */
export interface FieldAccess {
  readonly code: string;
  readonly nullable: boolean;
  readonly type: SqlType;
}

/** What the expression compiler needs from the code around it. */
export interface ExprEnv {
  readonly module: ModuleBuilder;
  /** How to read an input field, by its name in the input schema. */
  field(name: string): FieldAccess;
  /** Declares a temporary (`let name: tsType;`) in the enclosing function; returns its name. */
  temp(base: string, tsType: string): string;
  /** Where the expression comes from. */
  readonly span: Span;
}

/** An already compiled value used as an operand of a synthesised expression (BETWEEN, IN). */
interface CompiledExpr {
  readonly kind: 'Compiled';
  readonly val: Val;
  readonly type: SqlType;
  readonly nullable: boolean;
}

/** An expression to compile: a plan expression, or an already compiled value (internal). */
type Expr = BoundExpr | CompiledExpr;

/**
 * Wraps a compiled value so that it can stand as an argument of a synthesised `CallExpr`; the
 * operator table compiles arguments through `ExprCompiler.compile`, which unwraps it.
 */
function compiled(val: Val, nullable: boolean): BoundExpr {
  const e: CompiledExpr = { kind: 'Compiled', val, type: val.type, nullable };
  return e as unknown as BoundExpr;
}

const MS_PER_DAY = 86_400_000;

const UNIT_MS: Readonly<Record<string, number>> = {
  MILLISECOND: 1,
  SECOND: 1_000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: MS_PER_DAY,
  WEEK: 7 * MS_PER_DAY,
};

/** Wraps compound code in parentheses; prettier removes the ones that are not needed. */
function paren(code: string): string {
  return /^[\w$.]+$/.test(code) || /^"(?:[^"\\]|\\.)*"$/.test(code) ? code : `(${code})`;
}

function isSimpleCode(code: string): boolean {
  return /^(?:[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*|\["(?:[^"\\]|\\.)*"\])*|-?\d[\d_.e+]*|"(?:[^"\\]|\\.)*"|true|false|null)$/.test(
    code,
  );
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

/** Renders a number literal readably (`300_000`, `-5`, `NaN`). */
export function numberLiteral(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (Object.is(n, -0)) return '-0';
  if (Number.isInteger(n) && Math.abs(n) >= 10_000) {
    const digits = String(Math.abs(n));
    if (!digits.includes('e')) return (n < 0 ? '-' : '') + digits.replace(/\B(?=(\d{3})+(?!\d))/g, '_');
  }
  return String(n);
}

function literalString(e: Expr | undefined): string | null {
  return e !== undefined && e.kind === 'Literal' && typeof e.value === 'string' ? e.value : null;
}

function literalNumber(e: Expr | undefined): number | null {
  return e !== undefined && e.kind === 'Literal' && typeof e.value === 'number' ? e.value : null;
}

type OpCompiler = (call: CallExpr, c: ExprCompiler) => Val;

export class ExprCompiler {
  constructor(readonly env: ExprEnv) {}

  private get m(): ModuleBuilder {
    return this.env.module;
  }

  // -------------------------------------------------------------------------------------------
  // Entry points

  /** The value of `e` as one nullable TypeScript expression. */
  value(e: BoundExpr): string {
    return this.materialize(this.compile(e));
  }

  /** A boolean TypeScript expression that is true exactly when `e` is TRUE (NULL counts as false). */
  isTrue(e: Expr): string {
    if (e.kind === 'Call') {
      switch (e.op) {
        case 'AND':
          return e.args.map((a) => paren(this.isTrue(a))).join(' && ');
        case 'OR':
          return e.args.map((a) => paren(this.isTrue(a))).join(' || ');
        case 'NOT':
          return this.isFalse(e.args[0]!);
        case 'BETWEEN': {
          const { pre, test } = this.betweenTest(e);
          return this.withPre(pre, this.isTrue(test));
        }
        case 'IN': {
          const fast = this.inLiteralTest(e);
          if (fast !== null) return fast;
          break;
        }
        case '=':
        case '<>': {
          const fast = this.equalityTest(e);
          if (fast !== null) return fast;
          break;
        }
      }
    }
    if (e.kind === 'Literal') return e.value === true ? 'true' : 'false';
    const v = this.compile(e);
    const tests = v.guards.map((g) => `${g} !== null`);
    tests.push(v.nullable ? `${paren(v.code)} === true` : paren(v.code));
    return this.withPre(v.pre, tests.join(' && '));
  }

  /** A boolean TypeScript expression that is true exactly when `e` is FALSE (not NULL). */
  isFalse(e: Expr): string {
    if (e.kind === 'Call') {
      switch (e.op) {
        case 'AND':
          return e.args.map((a) => paren(this.isFalse(a))).join(' || ');
        case 'OR':
          return e.args.map((a) => paren(this.isFalse(a))).join(' && ');
        case 'NOT':
          return this.isTrue(e.args[0]!);
        case 'BETWEEN': {
          const { pre, test } = this.betweenTest(e);
          return this.withPre(pre, this.isFalse(test));
        }
      }
    }
    if (e.kind === 'Literal') return e.value === false ? 'true' : 'false';
    const v = this.compile(e);
    const tests = v.guards.map((g) => `${g} !== null`);
    tests.push(v.nullable ? `${paren(v.code)} === false` : `!${paren(v.code)}`);
    return this.withPre(v.pre, tests.join(' && '));
  }

  /** A boolean expression that is true exactly when `e` is NULL. */
  isNull(e: Expr): string {
    const v = this.compile(e);
    const tests = v.guards.map((g) => `${g} === null`);
    if (v.nullable) tests.push(`${paren(v.code)} === null`);
    if (tests.length === 0) return 'false';
    return this.withPre(v.pre, tests.join(' || '));
  }

  /** A boolean expression that is true exactly when `e` is not NULL. */
  isNotNull(e: Expr): string {
    const v = this.compile(e);
    const tests = v.guards.map((g) => `${g} !== null`);
    if (v.nullable) tests.push(`${paren(v.code)} !== null`);
    if (tests.length === 0) return 'true';
    return this.withPre(v.pre, tests.join(' && '));
  }

  // -------------------------------------------------------------------------------------------
  // Compiled values

  compile(e: Expr): Val {
    switch (e.kind) {
      case 'Compiled':
        return e.val;
      case 'FieldRef': {
        const f = this.env.field(e.name);
        if (!isSimpleCode(f.code))
          return { pre: [], guards: [], code: f.code, nullable: f.nullable, type: e.type, simple: false };
        return {
          pre: [],
          guards: f.nullable ? [f.code] : [],
          code: f.code,
          nullable: false,
          type: e.type,
          simple: true,
        };
      }
      case 'Literal':
        return this.literal(e.value, e.type);
      case 'Cast':
        return this.cast(e.expr, e.type, e.try);
      case 'Case':
        return this.caseWhen(e);
      case 'Call':
        return this.call(e);
    }
  }

  /**
   * A call: its inline compiler in `OPS` (operators, and functions worth inlining), else its
   * library implementation (`impl` in the function's definition, check/functions.ts).
   */
  private call(e: CallExpr): Val {
    const inline = (OPS as Partial<Record<ScalarOp, OpCompiler>>)[e.op];
    if (inline) return inline(e, this);
    const impl = functionOf(e.op)?.impl;
    if (!impl) internal(`no compiler for ${e.op}`);
    return this.fnCall(e, impl);
  }

  literal(value: null | boolean | number | string, type: SqlType): Val {
    if (value === null) return this.nullVal(type);
    let code: string;
    if (typeof value === 'string') code = JSON.stringify(value);
    else if (typeof value === 'boolean') code = String(value);
    else code = numberLiteral(value);
    return { pre: [], guards: [], code, nullable: false, type, simple: true };
  }

  nullVal(type: SqlType): Val {
    return { pre: [], guards: [], code: 'null', nullable: true, type, simple: true };
  }

  /** True when a value is known to be the NULL literal (strict operators fold to NULL). */
  isNullLiteral(v: Val): boolean {
    return v.code === 'null' && v.guards.length === 0;
  }

  /** The value as one expression: `g1 === null || g2 === null ? null : code`. */
  materialize(v: Val): string {
    // A guard that is the value itself needs no test: `x === null ? null : x` is just `x`.
    const guards = !v.nullable && v.guards[v.guards.length - 1] === v.code ? v.guards.slice(0, -1) : v.guards;
    const core = guards.length
      ? `${guards.map((g) => `${g} === null`).join(' || ')} ? null : ${paren(v.code)}`
      : v.code;
    return this.withPre(v.pre, core);
  }

  /** Whether the materialized value may be NULL. */
  mayBeNull(v: Val): boolean {
    return v.nullable || v.guards.length > 0;
  }

  withPre(pre: readonly string[], code: string): string {
    return pre.length ? `(${[...pre, paren(code)].join(', ')})` : code;
  }

  /**
   * Makes the value usable as a strict operand: `code` non-NULL once the guards pass, and cheap
   * to repeat. Compound or nullable values go to a temporary.
   */
  pin(v: Val, base = 't'): Val {
    if (!v.nullable && v.simple) return v;
    if (v.simple && v.pre.length === 0) return { ...v, guards: unique([...v.guards, v.code]), nullable: false };
    const t = this.env.temp(base, nullableTsType(v.type, this.mayBeNull(v)));
    const nullable = this.mayBeNull(v);
    return {
      pre: [`${t} = ${this.materialize(v)}`],
      guards: nullable ? [t] : [],
      code: t,
      nullable: false,
      type: v.type,
      simple: true,
    };
  }

  /**
   * A strict (NULL-propagating) operation: NULL when any argument is NULL, else `build(codes)`.
   * `nullableResult`: the operation itself may return NULL for non-NULL arguments.
   * `repeat`: the arguments that `build` uses more than once (they are pinned to temporaries).
   */
  strict(
    type: SqlType,
    args: readonly Val[],
    build: (codes: string[]) => string,
    opts: { nullableResult?: boolean; repeat?: readonly number[] } = {},
  ): Val {
    if (args.some((a) => this.isNullLiteral(a))) return this.nullVal(type);
    const pinned = args.map((a, i) => (a.nullable || (opts.repeat?.includes(i) && !a.simple) ? this.pin(a) : a));
    const code = build(pinned.map((a) => a.code));
    return {
      pre: pinned.flatMap((a) => a.pre),
      guards: unique(pinned.flatMap((a) => a.guards)),
      code,
      nullable: opts.nullableResult ?? false,
      type,
      simple: false,
    };
  }

  /**
   * Compiles the arguments of a call and applies `strict`; the result may be NULL for non-NULL
   * arguments when the checker said so (`call.returnsNull`), unless `opts` says otherwise.
   */
  strictCall(
    call: CallExpr,
    build: (codes: string[]) => string,
    opts: { nullableResult?: boolean; repeat?: readonly number[] } = {},
  ): Val {
    return this.strict(
      call.type,
      call.args.map((a) => this.compile(a)),
      build,
      { ...opts, nullableResult: opts.nullableResult ?? call.returnsNull === true },
    );
  }

  /**
   * A library function call `fn.name(a, b)`, strict in every argument; NULL for non-NULL
   * arguments only when the checker says the function can return it (`call.returnsNull`).
   */
  fnCall(call: CallExpr, name: string, opts: { nullableResult?: boolean } = {}): Val {
    const f = this.m.fn(name);
    return this.strictCall(call, (a) => `${f}(${a.join(', ')})`, opts);
  }

  // -------------------------------------------------------------------------------------------
  // Logic

  /** Three-valued AND over values (n-ary). */
  and(args: readonly Val[], type: SqlType = BOOLEAN): Val {
    return this.logic(args, 'AND', type);
  }

  or(args: readonly Val[], type: SqlType = BOOLEAN): Val {
    return this.logic(args, 'OR', type);
  }

  private logic(args: readonly Val[], op: 'AND' | 'OR', type: SqlType): Val {
    const decisive = op === 'AND' ? 'false' : 'true';
    const known = args.filter((a) => !(a.code === (op === 'AND' ? 'true' : 'false') && !this.mayBeNull(a)));
    if (known.some((a) => a.code === decisive && !this.mayBeNull(a))) return this.literal(op === 'OR', type);
    if (known.length === 0) return this.literal(op === 'AND', type);
    if (known.every((a) => !this.mayBeNull(a))) {
      const code = known.map((a) => paren(this.withPre(a.pre, a.code))).join(op === 'AND' ? ' && ' : ' || ');
      return { pre: [], guards: [], code, nullable: false, type, simple: known.length === 1 && known[0]!.simple };
    }
    // Any decisive operand decides; otherwise any NULL makes NULL; otherwise the other value.
    const decides: string[] = [];
    const nullTests: string[] = [];
    for (const a of known) {
      if (!this.mayBeNull(a)) {
        decides.push(op === 'AND' ? `!${paren(this.withPre(a.pre, a.code))}` : paren(this.withPre(a.pre, a.code)));
        continue;
      }
      const m = this.materialize(a);
      if (isSimpleCode(m)) {
        decides.push(`${m} === ${decisive}`);
        nullTests.push(`${m} === null`);
      } else {
        const t = this.env.temp('b', 'boolean | null');
        decides.push(`(${t} = ${m}) === ${decisive}`);
        nullTests.push(`${t} === null`);
      }
    }
    const code = `${decides.join(' || ')} ? ${decisive} : ${nullTests.join(' || ')} ? null : ${op === 'AND' ? 'true' : 'false'}`;
    return { pre: [], guards: [], code, nullable: true, type, simple: false };
  }

  /**
   * `e BETWEEN lo AND hi` as `e >= lo AND e <= hi` with `e` evaluated once: `pre` assigns `e` to
   * a temporary when it is not a plain field, and `test` reads it from there.
   */
  betweenTest(call: CallExpr): { pre: readonly string[]; test: CallExpr } {
    const [e, lo, hi] = call.args as [BoundExpr, BoundExpr, BoundExpr];
    const v = this.pin(this.compile(e), 'between');
    const operand = compiled({ ...v, pre: [] }, e.nullable);
    const cmp = (op: ScalarOp, other: BoundExpr): CallExpr => ({
      kind: 'Call',
      op,
      args: [operand, other],
      type: BOOLEAN,
      nullable: true,
    });
    const test: CallExpr = {
      kind: 'Call',
      op: 'AND',
      args: [cmp('>=', lo), cmp('<=', hi)],
      type: call.type,
      nullable: call.nullable,
    };
    return { pre: v.pre, test };
  }

  /**
   * `x IN (literal, ...)` with non-NULL primitive literals: the pinned operand and a test
   * `x === a || x === b` (or a hoisted Set for longer lists), valid once the guards pass.
   */
  inLiterals(call: CallExpr): { operand: Val; test: string } | null {
    const [e, ...items] = call.args as [BoundExpr, ...BoundExpr[]];
    if (!isPrimitive(e.type) || !items.every((i) => i.kind === 'Literal' && i.value !== null)) return null;
    const literals = items.map((i) => this.literal((i as { value: string | number | boolean }).value, i.type).code);
    const operand = this.pin(this.compile(e), 'needle');
    const x = operand.code;
    const test =
      literals.length <= 4
        ? literals.map((l) => `${x} === ${l}`).join(' || ')
        : `${this.m.constant('IN_SET', `new Set([${literals.join(', ')}])`, undefined, `ReadonlySet<${tsType(e.type)}>`)}.has(${x})`;
    return { operand, test };
  }

  /** `x IN (literals)` in a WHERE clause: a NULL `x` equals no literal, so it needs no NULL test. */
  private inLiteralTest(call: CallExpr): string | null {
    const found = this.inLiterals(call);
    if (found === null) return null;
    const { operand, test } = found;
    const guards = operand.guards.filter((g) => g !== operand.code).map((g) => `${g} !== null`);
    return this.withPre(operand.pre, [...guards, paren(test)].join(' && '));
  }

  /** `x = literal` / `x <> literal` in a WHERE clause, without a NULL test where `===` suffices. */
  private equalityTest(call: CallExpr): string | null {
    const [a, b] = call.args as [BoundExpr, BoundExpr];
    if (!isPrimitive(a.type)) return null;
    const va = this.compile(a);
    const vb = this.compile(b);
    const bare = (v: Val) => v.pre.length === 0 && !v.nullable && v.guards.length === 1 && v.guards[0] === v.code;
    const solid = (v: Val) => v.pre.length === 0 && !this.mayBeNull(v) && v.simple;
    if (call.op === '=' && ((bare(va) && solid(vb)) || (solid(va) && bare(vb)))) return `${va.code} === ${vb.code}`;
    if (call.op === '<>' && bare(va) && solid(vb)) return `${va.code} !== null && ${va.code} !== ${vb.code}`;
    return null;
  }

  // -------------------------------------------------------------------------------------------
  // CASE, casts

  private caseWhen(e: Extract<BoundExpr, { kind: 'Case' }>): Val {
    let code = this.materialize(this.compile(e.else));
    for (let i = e.branches.length - 1; i >= 0; i--) {
      const b = e.branches[i]!;
      code = `${paren(this.isTrue(b.when))} ? ${paren(this.materialize(this.compile(b.then)))} : ${paren(code)}`;
    }
    const nullable = e.nullable || e.else.nullable || e.branches.some((b) => b.then.nullable);
    return { pre: [], guards: [], code, nullable, type: e.type, simple: false };
  }

  private cast(inner: BoundExpr, to: SqlType, isTry: boolean): Val {
    return this.convert(this.compile(inner), inner.type, to, isTry);
  }

  /** Converts a compiled value between SQL types (CAST semantics; `isTry`: NULL on failure). */
  convert(v: Val, from: SqlType, to: SqlType, isTry: boolean): Val {
    if (from.kind === 'NULL' || this.isNullLiteral(v)) return this.nullVal(to);
    if (
      sameType(from, to) ||
      (from.kind === 'TIMESTAMP' && to.kind === 'TIMESTAMP' && from.precision >= to.precision)
    ) {
      return { ...v, type: to };
    }
    const conv = this.conversion(from, to);
    if (conv === null) {
      return internal(`cannot compile a cast from ${typeToString(from)} to ${typeToString(to)}`);
    }
    if (!conv.mayFail) return this.strict(to, [v], ([x]) => conv.code(x!));
    if (isTry) return this.strict(to, [v], ([x]) => conv.code(x!), { nullableResult: true });
    const failure = this.m.fn('castError');
    const target = JSON.stringify(typeToString(to));
    return this.strict(to, [v], ([x]) => `${paren(conv.code(x!))} ?? ${failure}(${x}, ${target})`, { repeat: [0] });
  }

  /** How to convert a non-NULL value; `mayFail` conversions yield null on failure. */
  private conversion(from: SqlType, to: SqlType): { code: (x: string) => string; mayFail: boolean } | null {
    const ok = (code: (x: string) => string) => ({ code, mayFail: false });
    const fallible = (code: (x: string) => string) => ({ code, mayFail: true });
    const f = (name: string) => this.m.fn(name);
    const numeric = (k: string) => k === 'INT' || k === 'BIGINT' || k === 'DOUBLE' || k === 'DECIMAL';
    const a = from.kind;
    const b = to.kind;
    if (b === 'STRING') {
      switch (a) {
        case 'INT':
        case 'BIGINT':
          return ok((x) => `String(${x})`);
        case 'DOUBLE':
          return ok((x) => `${f('doubleToString')}(${x})`);
        case 'DECIMAL':
          return ok((x) => `${f('decimalToString')}(${x}, ${from.kind === 'DECIMAL' ? from.scale : 0})`);
        case 'BOOLEAN':
          return ok((x) => `${f('booleanToString')}(${x})`);
        case 'TIMESTAMP':
          return ok((x) => `${f('timestampToString')}(${x}, ${from.kind === 'TIMESTAMP' ? from.precision : 3})`);
        case 'DATE':
          return ok((x) => `${f('dateToString')}(${x})`);
        case 'TIME':
          return ok((x) => `${f('timeToString')}(${x})`);
        case 'INTERVAL':
          return ok((x) => `String(${x})`);
        default:
          return ok((x) => `${f('valueToString')}(${x})`);
      }
    }
    if (a === 'STRING') {
      switch (b) {
        case 'INT':
          return fallible((x) => `${f('parseInt32')}(${x})`);
        case 'BIGINT':
          return fallible((x) => `${f('parseBigint')}(${x})`);
        case 'DOUBLE':
          return fallible((x) => `${f('parseDouble')}(${x})`);
        case 'DECIMAL': {
          const { precision, scale } = to as Extract<SqlType, { kind: 'DECIMAL' }>;
          return fallible((x) => `${f('parseDecimal')}(${x}, ${precision}, ${scale})`);
        }
        case 'BOOLEAN':
          return fallible((x) => `${f('parseBoolean')}(${x})`);
        case 'TIMESTAMP':
          return fallible((x) => `${f('parseTimestamp')}(${x})`);
        case 'DATE':
          return fallible((x) => `${f('parseDate')}(${x})`);
        case 'TIME':
          return fallible((x) => `${f('parseTime')}(${x})`);
        default:
          return null;
      }
    }
    if (numeric(a) && numeric(b)) {
      if (b === 'DOUBLE') return ok((x) => x);
      if (b === 'INT')
        return a === 'BIGINT' || a === 'INT' ? ok((x) => `${paren(x)} | 0`) : ok((x) => `${f('doubleToInt')}(${x})`);
      if (b === 'BIGINT') return a === 'INT' ? ok((x) => x) : fallible((x) => `${f('doubleToBigint')}(${x})`);
      const { precision, scale } = to as Extract<SqlType, { kind: 'DECIMAL' }>;
      return fallible((x) => `${f('toDecimal')}(${x}, ${precision}, ${scale})`);
    }
    if (numeric(a) && b === 'BOOLEAN') return ok((x) => `${paren(x)} !== 0`);
    if (a === 'BOOLEAN' && numeric(b)) return ok((x) => `${paren(x)} ? 1 : 0`);
    if (a === 'TIMESTAMP' && b === 'DATE') return ok((x) => `Math.floor(${x} / ${numberLiteral(MS_PER_DAY)})`);
    if (a === 'DATE' && b === 'TIMESTAMP') return ok((x) => `${paren(x)} * ${numberLiteral(MS_PER_DAY)}`);
    if (a === 'TIMESTAMP' && b === 'TIMESTAMP') return ok((x) => x);
    if (a === 'TIMESTAMP' && b === 'TIME') return ok((x) => `${f('timeOfDay')}(${x})`);
    // TIMESTAMP ↔ numbers: epoch milliseconds both ways (as the checker documents).
    if (a === 'TIMESTAMP' && (b === 'BIGINT' || b === 'DOUBLE')) return ok((x) => x);
    if ((a === 'BIGINT' || a === 'INT') && b === 'TIMESTAMP') return ok((x) => x);
    if (from.kind === 'ARRAY' && to.kind === 'ARRAY') {
      const el = this.conversion(from.element, to.element);
      if (el === null || el.mayFail) return null;
      return ok((x) => `${paren(x)}.map((e) => (e === null ? null : ${el.code('e')}))`);
    }
    if (from.kind === 'MAP' && to.kind === 'MAP') {
      const v = this.conversion(from.value, to.value);
      if (v === null || v.mayFail) return null;
      return ok(
        (x) => `Object.fromEntries(Object.entries(${x}).map(([k, e]) => [k, e === null ? null : ${v.code('e')}]))`,
      );
    }
    return null;
  }

  // -------------------------------------------------------------------------------------------
  // Helpers used by the operator table

  /** A hoisted, literal regular expression (the checker validated the pattern). */
  regexConstant(pattern: string, flags: string, base = 'PATTERN'): string {
    const re = literalRegExp(pattern, flags);
    return this.m.constant(
      base,
      `/${re.source}/${re.flags}`,
      `${base === 'LIKE' ? 'LIKE' : 'regular expression'} '${pattern}'`,
    );
  }

  /** Milliseconds of a TIMESTAMP or DATE value (DATE is days). */
  toMillis(code: string, type: SqlType): string {
    return type.kind === 'DATE' ? `${paren(code)} * ${numberLiteral(MS_PER_DAY)}` : code;
  }

  unitOf(e: BoundExpr | undefined, what: string): string | null {
    const u = literalString(e);
    if (u === null) {
      return internal(`${what}: the unit must be a literal`);
    }
    return u.toUpperCase();
  }
}

// ---------------------------------------------------------------------------------------------
// The operator table

const INFIX: Partial<Record<ScalarOp, string>> = {
  '=': '===',
  '<>': '!==',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};

function arithmetic(op: '+' | '-' | '*'): OpCompiler {
  return (call, c) => {
    const [a, b] = call.args as [BoundExpr, BoundExpr];
    const t = call.type;
    // TIMESTAMP/DATE ± INTERVAL, INTERVAL arithmetic, DATE ± days.
    if (t.kind === 'TIMESTAMP' || t.kind === 'DATE' || t.kind === 'TIME' || t.kind === 'INTERVAL') {
      return c.strictCall(call, ([x, y]) => {
        if (t.kind === 'DATE' && (a.type.kind === 'INTERVAL' || b.type.kind === 'INTERVAL')) {
          const days = (code: string, type: SqlType) =>
            type.kind === 'INTERVAL' ? `Math.trunc(${code} / ${numberLiteral(MS_PER_DAY)})` : code;
          return `${paren(days(x!, a.type))} ${op} ${paren(days(y!, b.type))}`;
        }
        const ms = (code: string, type: SqlType) => (t.kind === 'TIMESTAMP' ? c.toMillis(code, type) : code);
        return `${paren(ms(x!, a.type))} ${op} ${paren(ms(y!, b.type))}`;
      });
    }
    if (t.kind === 'INT') {
      if (op === '*') return c.strictCall(call, ([x, y]) => `Math.imul(${x}, ${y})`);
      return c.strictCall(call, ([x, y]) => `(${paren(x!)} ${op} ${paren(y!)}) | 0`);
    }
    if (t.kind === 'BIGINT') {
      const checked = c.env.module.fn('bigint');
      return c.strictCall(call, ([x, y]) => `${checked}(${paren(x!)} ${op} ${paren(y!)})`);
    }
    return c.strictCall(call, ([x, y]) => `${paren(x!)} ${op} ${paren(y!)}`);
  };
}

function division(kind: 'div' | 'mod'): OpCompiler {
  return (call, c) => {
    const t = call.type;
    const f = (name: string) => c.env.module.fn(name);
    const divisor = literalNumber(call.args[1]);
    const safeDivisor = divisor !== null && divisor !== 0;
    if (kind === 'mod') {
      if (t.kind === 'DOUBLE' || safeDivisor) return c.strictCall(call, ([x, y]) => `${paren(x!)} % ${paren(y!)}`);
      return c.strictCall(call, ([x, y]) => `${f('intMod')}(${x}, ${y})`);
    }
    switch (t.kind) {
      case 'INT':
        return safeDivisor
          ? c.strictCall(call, ([x, y]) => `(${paren(x!)} / ${paren(y!)}) | 0`)
          : c.strictCall(call, ([x, y]) => `${f('intDiv')}(${x}, ${y})`);
      case 'BIGINT':
        return safeDivisor
          ? c.strictCall(call, ([x, y]) => `Math.trunc(${paren(x!)} / ${paren(y!)})`)
          : c.strictCall(call, ([x, y]) => `${f('bigintDiv')}(${x}, ${y})`);
      case 'DECIMAL':
        return safeDivisor
          ? c.strictCall(call, ([x, y]) => `${paren(x!)} / ${paren(y!)}`)
          : c.strictCall(call, ([x, y]) => `${f('decimalDiv')}(${x}, ${y})`);
      default:
        return c.strictCall(call, ([x, y]) => `${paren(x!)} / ${paren(y!)}`);
    }
  };
}

function comparison(op: ScalarOp): OpCompiler {
  return (call, c) => {
    const type = call.args[0]!.type;
    if (!isPrimitive(type)) {
      if (op !== '=' && op !== '<>') {
        return internal(`cannot compare values of type ${typeToString(type)} with "${op}"`);
      }
      const equals = c.env.module.fn('equals');
      return c.strictCall(call, ([x, y]) => `${op === '=' ? '' : '!'}${equals}(${x}, ${y})`);
    }
    if (type.kind === 'BOOLEAN' && op !== '=' && op !== '<>') {
      return c.strictCall(call, ([x, y]) => `Number(${x}) ${INFIX[op]} Number(${y})`);
    }
    return c.strictCall(call, ([x, y]) => `${paren(x!)} ${INFIX[op]} ${paren(y!)}`);
  };
}

function isTest(test: (c: ExprCompiler, e: BoundExpr) => string): OpCompiler {
  return (call, c) => ({
    pre: [],
    guards: [],
    code: test(c, call.args[0]!),
    nullable: false,
    type: call.type,
    simple: false,
  });
}

function distinct(negate: boolean): OpCompiler {
  return (call, c) => {
    const [a, b] = call.args.map((x) => c.materialize(c.compile(x))) as [string, string];
    const type = call.args[0]!.type;
    let code: string;
    if (isPrimitive(type)) code = `${paren(a)} ${negate ? '===' : '!=='} ${paren(b)}`;
    else code = `${negate ? '' : '!'}${c.env.module.fn('notDistinct')}(${a}, ${b})`;
    return { pre: [], guards: [], code, nullable: false, type: call.type, simple: false };
  };
}

function method(name: string): OpCompiler {
  return (call, c) => c.strictCall(call, ([x, ...rest]) => `${paren(x!)}.${name}(${rest.join(', ')})`);
}

function math(name: string): OpCompiler {
  return (call, c) => c.strictCall(call, (a) => `Math.${name}(${a.join(', ')})`);
}

function now(call: CallExpr, c: ExprCompiler): Val {
  return { pre: [], guards: [], code: `${c.env.module.fn('now')}()`, nullable: false, type: call.type, simple: false };
}

/** A Java-style date pattern argument: hoisted when literal (and checked at compile time). */
function patternConstant(
  c: ExprCompiler,
  e: BoundExpr | undefined,
  factory: 'dateFormatter' | 'timestampParser',
): string | null {
  const p = literalString(e);
  if (p === null) return null;
  const base = factory === 'dateFormatter' ? `FORMAT_${p}` : `PARSE_${p}`;
  return c.env.module.constant(
    base,
    `${c.env.module.fn(factory)}(${JSON.stringify(p)})`,
    `${factory === 'dateFormatter' ? 'formats' : 'parses'} '${p}'`,
  );
}

/** The timestamp argument of a time function as epoch milliseconds (DATE → ms, STRING → parsed). */
function timeArg(c: ExprCompiler, e: BoundExpr): Val {
  const v = c.compile(e);
  if (e.type.kind === 'DATE') return c.strict(e.type, [v], ([x]) => c.toMillis(x!, e.type));
  if (e.type.kind === 'STRING')
    return c.strict(e.type, [v], ([x]) => `${c.env.module.fn('parseTimestamp')}(${x})`, { nullableResult: true });
  return v;
}

/**
 * A user-defined scalar function: `fooUdf(a, b)` with the imported function. Arguments whose
 * parameter does not accept NULL are strict (a NULL one makes the call NULL without calling it);
 * the others are passed as they are, NULL included.
 */
function userFunction(call: CallExpr, c: ExprCompiler): Val {
  const f = c.env.module.userFunction(call.udf!);
  const vals = call.args.map((a) => c.compile(a));
  const strict = (i: number) => !f.def.params[i]!.nullable;
  if (vals.some((v, i) => strict(i) && c.isNullLiteral(v))) return c.nullVal(call.type);
  const parts = vals.map((v, i) =>
    strict(i) ? (v.nullable ? c.pin(v) : v) : { pre: [], guards: [], code: c.materialize(v) },
  );
  return {
    pre: parts.flatMap((p) => p.pre),
    guards: unique(parts.flatMap((p) => p.guards)),
    code: `${f.ident}(${parts.map((p) => p.code).join(', ')})`,
    nullable: f.def.nullable,
    type: call.type,
    simple: false,
  };
}

export const OPS: Readonly<Record<Exclude<ScalarOp, LibraryFunctionOp>, OpCompiler>> = {
  UDF: userFunction,
  // arithmetic
  '+': arithmetic('+'),
  '-': arithmetic('-'),
  '*': arithmetic('*'),
  '/': division('div'),
  '%': division('mod'),
  MOD: division('mod'),
  NEG: (call, c) => c.strictCall(call, ([x]) => (call.type.kind === 'INT' ? `-${paren(x!)} | 0` : `-${paren(x!)}`)),

  // comparison
  '=': comparison('='),
  '<>': comparison('<>'),
  '<': comparison('<'),
  '<=': comparison('<='),
  '>': comparison('>'),
  '>=': comparison('>='),

  // logic
  AND: (call, c) =>
    c.and(
      call.args.map((a) => c.compile(a)),
      call.type,
    ),
  OR: (call, c) =>
    c.or(
      call.args.map((a) => c.compile(a)),
      call.type,
    ),
  NOT: (call, c) => c.strictCall(call, ([x]) => `!${paren(x!)}`),
  'IS NULL': isTest((c, e) => c.isNull(e)),
  'IS NOT NULL': isTest((c, e) => c.isNotNull(e)),
  'IS TRUE': isTest((c, e) => c.isTrue(e)),
  'IS NOT TRUE': isTest((c, e) => `!${paren(c.isTrue(e))}`),
  'IS FALSE': isTest((c, e) => c.isFalse(e)),
  'IS NOT FALSE': isTest((c, e) => `!${paren(c.isFalse(e))}`),
  'IS DISTINCT FROM': distinct(false),
  'IS NOT DISTINCT FROM': distinct(true),
  BETWEEN: (call, c) => {
    const { pre, test } = c.betweenTest(call);
    const v = c.compile(test);
    return { ...v, pre: [...pre, ...v.pre] };
  },
  IN: (call, c) => {
    const literals = c.inLiterals(call);
    if (literals !== null) return { ...literals.operand, code: literals.test, type: call.type, simple: false };
    // e = i1 OR e = i2 OR ... with three-valued OR: NULL when nothing matches and an item is NULL.
    const [e, ...items] = call.args as [BoundExpr, ...BoundExpr[]];
    const v = c.pin(c.compile(e), 'needle');
    const operand = compiled({ ...v, pre: [] }, e.nullable);
    const tests = items.map((i) =>
      OPS['=']({ kind: 'Call', op: '=', args: [operand, i], type: BOOLEAN, nullable: true }, c),
    );
    const any = c.or(tests, call.type);
    return { ...any, pre: [...v.pre, ...any.pre] };
  },
  LIKE: (call, c) => {
    const pattern = literalString(call.args[1]);
    const escape = call.args[2] === undefined ? undefined : literalString(call.args[2]);
    if (pattern === null || escape === null) {
      const like = c.env.module.fn('like');
      return c.strictCall(call, (a) => `${like}(${a.join(', ')})`);
    }
    const subject = c.compile(call.args[0]!);
    const lit = (s: string) => JSON.stringify(s);
    if (escape === undefined && !pattern.includes('_')) {
      const parts = pattern.split('%');
      const inner = parts.slice(1, -1);
      if (parts.length === 1) return c.strict(call.type, [subject], ([s]) => `${s} === ${lit(pattern)}`);
      if (parts.length === 2 && parts[1] === '')
        return c.strict(call.type, [subject], ([s]) => `${paren(s!)}.startsWith(${lit(parts[0]!)})`);
      if (parts.length === 2 && parts[0] === '')
        return c.strict(call.type, [subject], ([s]) => `${paren(s!)}.endsWith(${lit(parts[1]!)})`);
      if (parts.length === 3 && parts[0] === '' && parts[2] === '' && inner[0] !== '')
        return c.strict(call.type, [subject], ([s]) => `${paren(s!)}.includes(${lit(parts[1]!)})`);
    }
    const source = likeToRegExpSource(pattern, escape);
    const re = c.env.module.constant('LIKE', `/${new RegExp(source).source}/`, `LIKE '${pattern}'`);
    return c.strict(call.type, [subject], ([s]) => `${re}.test(${s})`);
  },
  '||': (call, c) => c.strictCall(call, (a) => a.map(paren).join(' + ')),

  // strings
  UPPER: method('toUpperCase'),
  LOWER: method('toLowerCase'),
  CONCAT: (call, c) => c.strictCall(call, (a) => (a.length === 0 ? '""' : a.map(paren).join(' + '))),
  CONCAT_WS: (call, c) => {
    const [sep, ...rest] = call.args as [BoundExpr, ...BoundExpr[]];
    const parts = rest.map((a) => c.materialize(c.compile(a)));
    const join = c.env.module.fn('concatWs');
    return c.strict(call.type, [c.compile(sep)], ([s]) => `${join}(${[s!, ...parts].join(', ')})`);
  },
  CHAR_LENGTH: (call, c) => c.strictCall(call, ([s]) => `${paren(s!)}.length`),
  TRIM: (call, c) => {
    const mode = literalString(call.args[0]) ?? 'BOTH';
    const trim = c.env.module.fn('trim');
    const rest = call.args.slice(1).map((a) => c.compile(a));
    return c.strict(call.type, rest, ([chars, s]) => `${trim}(${JSON.stringify(mode.toUpperCase())}, ${chars}, ${s})`);
  },
  REGEXP_EXTRACT: (call, c) => {
    const p = literalString(call.args[1]);
    const re = p === null ? null : c.regexConstant(p, '');
    const extract = c.env.module.fn('regexpExtract');
    if (re === null) {
      const dyn = c.env.module.fn('regex');
      return c.strictCall(call, ([s, pat, g]) => `${extract}(${s}, ${dyn}(${pat}), ${g ?? 0})`, {
        nullableResult: call.returnsNull === true,
      });
    }
    const args = [call.args[0]!, ...call.args.slice(2)].map((a) => c.compile(a));
    return c.strict(call.type, args, ([s, g]) => `${extract}(${s}, ${re}${g === undefined ? '' : `, ${g}`})`, {
      nullableResult: call.returnsNull === true,
    });
  },
  REGEXP_REPLACE: (call, c) => {
    const p = literalString(call.args[1]);
    const re = p === null ? null : c.regexConstant(p, 'g');
    if (re === null) {
      const replace = c.env.module.fn('regexpReplace');
      const dyn = c.env.module.fn('regex');
      return c.strictCall(call, ([s, pat, r]) => `${replace}(${s}, ${dyn}(${pat}), ${r})`);
    }
    const args = [call.args[0]!, call.args[2]!].map((a) => c.compile(a));
    return c.strict(call.type, args, ([s, r]) => `${paren(s!)}.replace(${re}, ${r})`);
  },
  REGEXP: (call, c) => {
    const p = literalString(call.args[1]);
    const re = p === null ? null : c.regexConstant(p, '');
    if (re === null) {
      const dyn = c.env.module.fn('regex');
      return c.strictCall(call, ([s, pat]) => `${dyn}(${pat}).test(${s})`);
    }
    return c.strict(call.type, [c.compile(call.args[0]!)], ([s]) => `${re}.test(${s})`);
  },
  SPLIT: (call, c) => c.strictCall(call, ([s, sep]) => `${paren(s!)}.split(${sep})`),

  // numbers
  // INT wraps as in Flink (Java): ABS(-2147483648) is -2147483648
  ABS: (call, c) =>
    call.type.kind === 'INT' ? c.strictCall(call, ([a]) => `Math.abs(${a}) | 0`) : math('abs')(call, c),
  ROUND: (call, c) => {
    const t = call.type.kind;
    if (t === 'INT' || t === 'BIGINT') {
      if (call.args.length === 1) return c.compile(call.args[0]!);
      return c.fnCall(call, 'roundInteger');
    }
    return c.fnCall(call, 'round');
  },
  FLOOR: (call, c) =>
    call.type.kind === 'INT' || call.type.kind === 'BIGINT' ? c.compile(call.args[0]!) : math('floor')(call, c),
  CEIL: (call, c) =>
    call.type.kind === 'INT' || call.type.kind === 'BIGINT' ? c.compile(call.args[0]!) : math('ceil')(call, c),
  POWER: math('pow'),
  SQRT: math('sqrt'),
  EXP: math('exp'),
  LN: math('log'),
  LOG10: math('log10'),
  RAND: (call, c) => {
    if (call.args.length === 0)
      return { pre: [], guards: [], code: 'Math.random()', nullable: false, type: call.type, simple: false };
    const seed = literalNumber(call.args[0]) ?? 0;
    const gen = c.env.module.constant(
      'RANDOM',
      `${c.env.module.fn('seededRandom')}(${seed})`,
      `RAND(${seed}): a repeatable sequence`,
    );
    return { pre: [], guards: [], code: `${gen}()`, nullable: false, type: call.type, simple: false };
  },

  // time
  TO_TIMESTAMP: (call, c) => {
    if (call.args.length === 1) return c.fnCall(call, 'parseTimestamp');
    const parser = patternConstant(c, call.args[1], 'timestampParser');
    if (parser === null) return c.fnCall(call, 'toTimestamp');
    return c.strict(call.type, [c.compile(call.args[0]!)], ([s]) => `${parser}(${s})`, {
      nullableResult: call.returnsNull === true,
    });
  },
  TO_TIMESTAMP_LTZ: (call, c) => {
    const precision = literalNumber(call.args[1]) ?? (call.args.length === 1 ? 3 : null);
    if (precision === 3) return { ...c.compile(call.args[0]!), type: call.type };
    if (precision === 0) return c.strict(call.type, [c.compile(call.args[0]!)], ([n]) => `${paren(n!)} * 1000`);
    return c.fnCall(call, 'toTimestampLtz');
  },
  UNIX_TIMESTAMP: (call, c) => {
    if (call.args.length === 0) return { ...now(call, c), code: `Math.floor(${c.env.module.fn('now')}() / 1000)` };
    if (call.args[0]!.type.kind === 'TIMESTAMP') return c.strictCall(call, ([t]) => `Math.floor(${t} / 1000)`);
    const parser = call.args.length === 2 ? patternConstant(c, call.args[1], 'timestampParser') : null;
    const parsed: Val =
      call.args.length === 1
        ? c.strict(call.type, [c.compile(call.args[0]!)], ([s]) => `${c.env.module.fn('parseTimestamp')}(${s})`, {
            nullableResult: true,
          })
        : parser !== null
          ? c.strict(call.type, [c.compile(call.args[0]!)], ([s]) => `${parser}(${s})`, { nullableResult: true })
          : c.fnCall(call, 'toTimestamp', { nullableResult: true });
    return c.strict(call.type, [parsed], ([ms]) => `Math.floor(${ms} / 1000)`);
  },
  FROM_UNIXTIME: (call, c) => {
    const pattern: BoundExpr = call.args[1] ?? {
      kind: 'Literal',
      value: DEFAULT_TIMESTAMP_PATTERN,
      type: call.type,
      nullable: false,
    };
    const fmt = patternConstant(c, pattern, 'dateFormatter');
    if (fmt === null) {
      const dateFormat = c.env.module.fn('dateFormat');
      return c.strictCall(call, ([s, p]) => `${dateFormat}(${paren(s!)} * 1000, ${p})`);
    }
    return c.strict(call.type, [c.compile(call.args[0]!)], ([s]) => `${fmt}(${paren(s!)} * 1000)`);
  },
  DATE_FORMAT: (call, c) => {
    const ts = timeArg(c, call.args[0]!);
    const fmt = patternConstant(c, call.args[1], 'dateFormatter');
    if (fmt === null) {
      const dateFormat = c.env.module.fn('dateFormat');
      return c.strict(call.type, [ts, c.compile(call.args[1]!)], ([t, p]) => `${dateFormat}(${t}, ${p})`);
    }
    return c.strict(call.type, [ts], ([t]) => `${fmt}(${t})`);
  },
  EXTRACT: (call, c) => {
    const unit = c.unitOf(call.args[0], 'EXTRACT');
    if (unit === null) return c.nullVal(call.type);
    const extract = c.env.module.fn('extract');
    return c.strict(call.type, [timeArg(c, call.args[1]!)], ([t]) => `${extract}(${JSON.stringify(unit)}, ${t})`);
  },
  CURRENT_TIMESTAMP: now,
  PROCTIME: now,
  CURRENT_DATE: (call, c) => ({
    ...now(call, c),
    code: `Math.floor(${c.env.module.fn('now')}() / ${numberLiteral(MS_PER_DAY)})`,
  }),
  TIMESTAMPDIFF: (call, c) => {
    const unit = c.unitOf(call.args[0], 'TIMESTAMPDIFF');
    if (unit === null) return c.nullVal(call.type);
    const args = [timeArg(c, call.args[1]!), timeArg(c, call.args[2]!)];
    const size = UNIT_MS[unit.replace(/^SQL_TSI_/, '')];
    if (size !== undefined) {
      return c.strict(call.type, args, ([a, b]) =>
        size === 1
          ? `${paren(b!)} - ${paren(a!)}`
          : `Math.trunc((${paren(b!)} - ${paren(a!)}) / ${numberLiteral(size)})`,
      );
    }
    const diff = c.env.module.fn('timestampDiff');
    return c.strict(call.type, args, ([a, b]) => `${diff}(${JSON.stringify(unit)}, ${a}, ${b})`);
  },
  TIMESTAMPADD: (call, c) => {
    const unit = c.unitOf(call.args[0], 'TIMESTAMPADD');
    if (unit === null) return c.nullVal(call.type);
    const tsArg = call.args[2]!;
    const args = [c.compile(call.args[1]!), timeArg(c, tsArg)];
    const size = UNIT_MS[unit.replace(/^SQL_TSI_/, '')];
    const back = (code: string) =>
      call.type.kind === 'DATE' ? `Math.floor(${code} / ${numberLiteral(MS_PER_DAY)})` : code;
    if (size !== undefined)
      return c.strict(call.type, args, ([n, t]) => back(`${paren(t!)} + ${paren(n!)} * ${numberLiteral(size)}`));
    const add = c.env.module.fn('timestampAdd');
    return c.strict(call.type, args, ([n, t]) => back(`${add}(${JSON.stringify(unit)}, ${n}, ${t})`));
  },
  TO_DATE: (call, c) => {
    if (call.args.length === 1 && call.args[0]!.type.kind !== 'STRING') {
      return c.strict(
        call.type,
        [timeArg(c, call.args[0]!)],
        ([t]) => `Math.floor(${t} / ${numberLiteral(MS_PER_DAY)})`,
      );
    }
    if (call.args.length === 1) return c.fnCall(call, 'parseDate', { nullableResult: true });
    const parser = patternConstant(c, call.args[1], 'timestampParser');
    const parsed =
      parser === null
        ? c.fnCall(call, 'toTimestamp', { nullableResult: true })
        : c.strict(call.type, [c.compile(call.args[0]!)], ([s]) => `${parser}(${s})`, { nullableResult: true });
    return c.strict(call.type, [parsed], ([ms]) => `Math.floor(${ms} / ${numberLiteral(MS_PER_DAY)})`);
  },
  DATE_TRUNC: (call, c) => {
    const unit = c.unitOf(call.args[0], 'DATE_TRUNC');
    if (unit === null) return c.nullVal(call.type);
    const trunc = c.env.module.fn('dateTrunc');
    return c.strict(call.type, [timeArg(c, call.args[1]!)], ([t]) => `${trunc}(${JSON.stringify(unit)}, ${t})`);
  },

  // JSON, collections, rows
  JSON_VALUE: (call, c) => {
    const path = literalString(call.args[1]);
    let text: Val;
    if (path === null) {
      text = c.strict(
        call.type,
        call.args.map((a) => c.compile(a)),
        ([s, p]) => `${c.env.module.fn('jsonValueDynamic')}(${s}, ${p})`,
        { nullableResult: call.returnsNull === true },
      );
    } else {
      const steps = c.env.module.constant(
        `PATH_${path}`,
        `${c.env.module.fn('compileJsonPath')}(${JSON.stringify(path)})`,
        `JSON path '${path}'`,
      );
      text = c.strict(
        call.type,
        [c.compile(call.args[0]!)],
        ([s]) => `${c.env.module.fn('jsonValue')}(${s}, ${steps})`,
        { nullableResult: call.returnsNull === true },
      );
    }
    if (call.type.kind === 'STRING') return text;
    // JSON_VALUE(... RETURNING type): converted like TRY_CAST (NULL ON ERROR).
    return c.convert({ ...text, type: { kind: 'STRING' } }, { kind: 'STRING' }, call.type, true);
  },
  CARDINALITY: (call, c) => {
    if (call.args[0]!.type.kind === 'ARRAY') return c.strictCall(call, ([a]) => `${paren(a!)}.length`);
    return c.fnCall(call, 'cardinality');
  },
  ELEMENT_AT: (call, c) => {
    if (call.args[0]!.type.kind === 'MAP') return c.fnCall(call, 'mapGet');
    return c.fnCall(call, 'elementAt');
  },
  ARRAY: (call, c) => {
    const items = call.args.map((a) => c.materialize(c.compile(a)));
    return { pre: [], guards: [], code: `[${items.join(', ')}]`, nullable: false, type: call.type, simple: false };
  },
  ARRAY_CONTAINS: (call, c) => {
    const arr = call.args[0]!.type;
    if (arr.kind === 'ARRAY' && !arr.elementNullable && isPrimitive(arr.element))
      return c.strictCall(call, ([a, x]) => `${paren(a!)}.includes(${x})`);
    return c.fnCall(call, 'arrayContains');
  },
  FIELD: (call, c) => {
    const name = literalString(call.args[1]);
    const row = call.args[0]!;
    const field = row.type.kind === 'ROW' ? row.type.fields.find((f) => f.name === name) : undefined;
    if (name === null || field === undefined) {
      return internal(`unknown field ${JSON.stringify(name)} of ${typeToString(row.type)}`);
    }
    const v = c.compile(row);
    const base = v.nullable ? c.pin(v) : v;
    return {
      ...base,
      code: propertyAccess(base.code, name),
      nullable: field.nullable,
      type: call.type,
      simple: base.simple,
    };
  },

  // NULL handling and conditionals
  COALESCE: (call, c) => {
    const vals: Val[] = [];
    for (const a of call.args) {
      const v = c.compile(a);
      if (c.isNullLiteral(v)) continue;
      vals.push(v);
      if (!c.mayBeNull(v)) break;
    }
    if (vals.length === 0) return c.nullVal(call.type);
    if (vals.length === 1) return { ...vals[0]!, type: call.type };
    const code = vals.map((v) => paren(c.materialize(v))).join(' ?? ');
    return { pre: [], guards: [], code, nullable: c.mayBeNull(vals[vals.length - 1]!), type: call.type, simple: false };
  },
  NULLIF: (call, c) => {
    const a = c.compile(call.args[0]!);
    const b = c.materialize(c.compile(call.args[1]!));
    const type = call.args[0]!.type;
    const m = c.materialize(a);
    const held = isSimpleCode(m) ? m : c.env.temp('nullif', nullableTsType(type, true));
    const first = held === m ? m : `(${held} = ${m})`;
    const same = isPrimitive(type) ? `${first} === ${paren(b)}` : `${c.env.module.fn('notDistinct')}(${first}, ${b})`;
    return { pre: [], guards: [], code: `${same} ? null : ${held}`, nullable: true, type: call.type, simple: false };
  },
  IF: (call, c) => {
    const [cond, a, b] = call.args as [BoundExpr, BoundExpr, BoundExpr];
    const code = `${paren(c.isTrue(cond))} ? ${paren(c.materialize(c.compile(a)))} : ${paren(c.materialize(c.compile(b)))}`;
    return { pre: [], guards: [], code, nullable: a.nullable || b.nullable, type: call.type, simple: false };
  },
  GREATEST: (call, c) =>
    isNumberType(call.type)
      ? math('max')(call, c)
      : c.strictCall(call, (a) => `${c.env.module.fn('greatest')}(${a.join(', ')})`),
  LEAST: (call, c) =>
    isNumberType(call.type)
      ? math('min')(call, c)
      : c.strictCall(call, (a) => `${c.env.module.fn('least')}(${a.join(', ')})`),
};

function isNumberType(t: SqlType): boolean {
  return tsType(t) === 'number';
}
