/**
 * Scalar function signatures. Each entry checks the argument types, says which arguments need an
 * implicit conversion (the binder inserts it) and gives the result type. After binding, the code
 * generator can rely on these argument types:
 *
 * - STRING arguments are STRING; INT arguments are INT or BIGINT; DOUBLE arguments are DOUBLE;
 *   NUMERIC arguments are INT, BIGINT, DECIMAL or DOUBLE (the result has the argument's type);
 *   TIMESTAMP arguments are TIMESTAMP (string literals converted at compile time);
 * - unit arguments (EXTRACT, TIMESTAMPDIFF, TIMESTAMPADD, DATE_TRUNC) are upper-case STRING literals.
 */
import type { SqlType } from '../types.ts';
import { BIGINT, BOOLEAN, DATE, DOUBLE, INT, STRING, TIMESTAMP, isNumeric, typeToString } from '../types.ts';
import { commonType } from './typing.ts';
import { compileJsonPath } from '../../runtime/functions/json.ts';
import { literalRegExp } from '../../runtime/functions/strings.ts';
import { parsePattern } from '../../runtime/functions/time.ts';
import type * as library from '../../runtime/functions/index.ts';

export interface ArgInfo {
  readonly type: SqlType;
  /** The value when the argument is a literal (after folding), else undefined. */
  readonly literal?: null | boolean | number | string;
}

export interface Resolved {
  /** Per argument: the type to convert it to, or null to keep it. */
  readonly targets: readonly (SqlType | null)[];
  readonly type: SqlType;
  /** Result nullability; by default nullable when any argument is (or when `returnsNull`). */
  readonly nullable?: (argNullable: readonly boolean[]) => boolean;
  /** NULL for some non-NULL arguments too (a strict function that can fail to NULL). */
  readonly returnsNull?: boolean;
}

/** A function of the run-time library (`runtime/functions/`), by its exported name. */
export type LibraryFunction = {
  [K in keyof typeof library]: (typeof library)[K] extends (...args: never[]) => unknown ? K : never;
}[keyof typeof library];

export interface FunctionDef<Op extends string = string> {
  readonly name: string;
  /** The plan operator (`CallExpr.op`); `ScalarOp` in plan.ts is derived from these. */
  readonly op: Op;
  /**
   * The implementation generated code calls, `fn.<impl>(...args)`, strict in every argument
   * (NULL in, NULL out; NULL for non-NULL arguments only with `returnsNull`). Without it, the
   * function is compiled inline by its entry in codegen's `OPS`.
   */
  readonly impl?: LibraryFunction;
  /** The accepted arguments, as shown in messages: `(DOUBLE [, INT])`. */
  readonly display: string;
  /** Resolves a call, or returns null (generic "expects ... but got ..." message) or a specific message. */
  readonly check: (args: readonly ArgInfo[]) => Resolved | string | null;
  /**
   * Validates literal arguments (regular expressions, date patterns, JSON paths) once the call
   * resolved: the problem and the argument it is in, or null. Code generation relies on it.
   */
  readonly literals?: (args: readonly ArgInfo[]) => LiteralProblem | null;
}

export interface LiteralProblem {
  readonly arg: number;
  readonly message: string;
}

/** A literal STRING argument `arg` checked by `test` (which throws with the message). */
function literalArg(
  arg: number,
  test: (literal: string) => unknown,
): (args: readonly ArgInfo[]) => LiteralProblem | null {
  return (args) => {
    const v = args[arg]?.literal;
    if (typeof v !== 'string') return null;
    try {
      test(v);
      return null;
    } catch (e) {
      return { arg, message: (e as Error).message };
    }
  };
}

const regexArg = literalArg(1, (p) => literalRegExp(p));
const patternArg = literalArg(1, parsePattern);

type Param =
  'STRING' | 'INT' | 'NUMERIC' | 'DOUBLE' | 'BOOLEAN' | 'TIMESTAMP' | 'TEMPORAL' | 'ANY' | 'ARRAY' | 'COLLECTION';

/** The conversion target for one argument, null to keep it, or false when it does not fit. */
function fit(p: Param, a: ArgInfo): SqlType | null | false {
  const k = a.type.kind;
  switch (p) {
    case 'STRING':
      return k === 'STRING' ? null : k === 'NULL' ? STRING : false;
    case 'INT':
      return k === 'INT' || k === 'BIGINT' ? null : k === 'NULL' ? INT : false;
    case 'NUMERIC':
      return isNumeric(a.type) ? null : k === 'NULL' ? DOUBLE : false;
    case 'DOUBLE':
      return k === 'DOUBLE' ? null : isNumeric(a.type) || k === 'NULL' ? DOUBLE : false;
    case 'BOOLEAN':
      return k === 'BOOLEAN' ? null : k === 'NULL' ? BOOLEAN : false;
    case 'TIMESTAMP':
      if (k === 'TIMESTAMP') return null;
      if (k === 'NULL' || k === 'DATE' || (k === 'STRING' && typeof a.literal === 'string')) return TIMESTAMP;
      return false;
    case 'TEMPORAL':
      if (k === 'TIMESTAMP' || k === 'DATE') return null;
      if (k === 'NULL' || (k === 'STRING' && typeof a.literal === 'string')) return TIMESTAMP;
      return false;
    case 'ARRAY':
      return k === 'ARRAY' ? null : false;
    case 'COLLECTION':
      return k === 'ARRAY' || k === 'MAP' ? null : false;
    case 'ANY':
      return null;
  }
}

/**
 * A fixed list of parameters, the last `params.length - min` optional; `rest` repeats the last
 * parameter without limit.
 */
function sig(
  params: readonly Param[],
  min: number,
  result: (args: readonly ArgInfo[]) => SqlType,
  opts: { rest?: boolean; nullable?: Resolved['nullable']; returnsNull?: boolean } = {},
): FunctionDef['check'] {
  return (args) => {
    if (args.length < min || (!opts.rest && args.length > params.length)) return null;
    const targets: (SqlType | null)[] = [];
    for (let i = 0; i < args.length; i++) {
      const p = params[Math.min(i, params.length - 1)]!;
      const t = fit(p, args[i]!);
      if (t === false) return null;
      targets.push(t);
    }
    const typed = args.map((a, i) => ({ ...a, type: targets[i] ?? a.type }));
    return {
      targets,
      type: result(typed),
      ...(opts.nullable ? { nullable: opts.nullable } : {}),
      ...(opts.returnsNull ? { returnsNull: true } : {}),
    };
  };
}

const str = () => STRING;
const int = () => INT;
const big = () => BIGINT;
const dbl = () => DOUBLE;
const bool = () => BOOLEAN;
const ts = () => TIMESTAMP;
const first = (args: readonly ArgInfo[]) => (args[0]!.type.kind === 'NULL' ? DOUBLE : args[0]!.type);
const alwaysNullable = () => true;
const never = () => false;

/** Same-typed arguments unified to their common type (COALESCE, GREATEST, ...). */
function unified(
  min: number,
  opts: { from?: number; nullable?: Resolved['nullable']; orderable?: boolean } = {},
): FunctionDef['check'] {
  return (args) => {
    if (args.length < min) return null;
    const from = opts.from ?? 0;
    let t: SqlType = { kind: 'NULL' };
    for (const a of args.slice(from)) {
      // A string literal next to a TIMESTAMP/DATE is one (converted by the binder).
      if ((t.kind === 'TIMESTAMP' || t.kind === 'DATE') && a.type.kind === 'STRING' && typeof a.literal === 'string')
        continue;
      const c = commonType(t, a.type);
      if (!c)
        return `arguments must have a common type, but got ${args
          .slice(from)
          .map((x) => typeToString(x.type))
          .join(', ')}`;
      t = c;
    }
    if (t.kind === 'NULL') t = STRING;
    const targets = args.map((a, i) => (i < from || sameKind(a.type, t) ? null : t));
    return { targets, type: t, ...(opts.nullable ? { nullable: opts.nullable } : {}) };
  };
}

function sameKind(a: SqlType, b: SqlType): boolean {
  return typeToString(a) === typeToString(b) || (a.kind === 'TIMESTAMP' && b.kind === 'TIMESTAMP');
}

const UNITS_DIFF = ['MILLISECOND', 'SECOND', 'MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR'];
const UNITS_EXTRACT = [
  'MILLISECOND',
  'SECOND',
  'MINUTE',
  'HOUR',
  'DAY',
  'WEEK',
  'MONTH',
  'QUARTER',
  'YEAR',
  'DOW',
  'DOY',
  'EPOCH',
];

function unitArg(allowed: readonly string[], a: ArgInfo | undefined): string | null {
  if (!a || typeof a.literal !== 'string') return `the unit must be one of ${allowed.join(', ')}`;
  return allowed.includes(a.literal) ? null : `unknown time unit "${a.literal}"; expected one of ${allowed.join(', ')}`;
}

/** `IS [NOT] DISTINCT FROM` as a function of two same-typed arguments, never NULL. */
function distinctFrom<const Op extends string>(op: Op): FunctionDef<Op> {
  return {
    name: op.replace(/ /g, '_'),
    op,
    display: '(T, T)',
    check: (args) => {
      if (args.length !== 2) return null;
      const r = unified(2)(args);
      if (!r || typeof r === 'string') return r;
      return { ...r, type: BOOLEAN, nullable: () => false };
    },
  };
}

const defs = [
  // strings
  { name: 'UPPER', op: 'UPPER', display: '(STRING)', check: sig(['STRING'], 1, str) },
  { name: 'LOWER', op: 'LOWER', display: '(STRING)', check: sig(['STRING'], 1, str) },
  { name: 'INITCAP', op: 'INITCAP', impl: 'initcap', display: '(STRING)', check: sig(['STRING'], 1, str) },
  { name: 'REVERSE', op: 'REVERSE', impl: 'reverse', display: '(STRING)', check: sig(['STRING'], 1, str) },
  { name: 'MD5', op: 'MD5', impl: 'md5', display: '(STRING)', check: sig(['STRING'], 1, str) },
  { name: 'TO_BASE64', op: 'TO_BASE64', impl: 'toBase64', display: '(STRING)', check: sig(['STRING'], 1, str) },
  { name: 'CONCAT', op: 'CONCAT', display: '(STRING, ...)', check: sig(['STRING'], 1, str, { rest: true }) },
  {
    name: 'CONCAT_WS',
    op: 'CONCAT_WS',
    display: '(STRING separator, STRING, ...)',
    check: sig(['STRING', 'STRING'], 1, str, { rest: true, nullable: (n) => n[0]! }),
  },
  {
    name: 'SUBSTRING',
    op: 'SUBSTRING',
    impl: 'substring',
    display: '(STRING, INT [, INT])',
    check: sig(['STRING', 'INT', 'INT'], 2, str),
  },
  { name: 'CHAR_LENGTH', op: 'CHAR_LENGTH', display: '(STRING)', check: sig(['STRING'], 1, int) },
  { name: 'LTRIM', op: 'LTRIM', impl: 'ltrim', display: '(STRING)', check: sig(['STRING'], 1, str) },
  { name: 'RTRIM', op: 'RTRIM', impl: 'rtrim', display: '(STRING)', check: sig(['STRING'], 1, str) },
  {
    name: 'REPLACE',
    op: 'REPLACE',
    impl: 'replace',
    display: '(STRING, STRING, STRING)',
    check: sig(['STRING', 'STRING', 'STRING'], 3, str),
  },
  {
    name: 'REGEXP_EXTRACT',
    op: 'REGEXP_EXTRACT',
    display: '(STRING, STRING regex [, INT group])',
    literals: regexArg,
    check: sig(['STRING', 'STRING', 'INT'], 2, str, { returnsNull: true }),
  },
  {
    name: 'REGEXP_REPLACE',
    op: 'REGEXP_REPLACE',
    display: '(STRING, STRING regex, STRING)',
    literals: regexArg,
    check: sig(['STRING', 'STRING', 'STRING'], 3, str),
  },
  {
    name: 'REGEXP',
    op: 'REGEXP',
    display: '(STRING, STRING regex)',
    literals: regexArg,
    check: sig(['STRING', 'STRING'], 2, bool),
  },
  {
    name: 'SPLIT_INDEX',
    op: 'SPLIT_INDEX',
    impl: 'splitIndex',
    display: '(STRING, STRING separator, INT index)',
    check: sig(['STRING', 'STRING', 'INT'], 3, str, { returnsNull: true }),
  },
  {
    name: 'SPLIT',
    op: 'SPLIT',
    display: '(STRING, STRING separator)',
    check: sig(['STRING', 'STRING'], 2, () => ({ kind: 'ARRAY', element: STRING, elementNullable: false })),
  },
  { name: 'LEFT', op: 'LEFT', impl: 'left', display: '(STRING, INT)', check: sig(['STRING', 'INT'], 2, str) },
  { name: 'RIGHT', op: 'RIGHT', impl: 'right', display: '(STRING, INT)', check: sig(['STRING', 'INT'], 2, str) },
  {
    name: 'LPAD',
    op: 'LPAD',
    impl: 'lpad',
    display: '(STRING, INT, STRING)',
    check: sig(['STRING', 'INT', 'STRING'], 3, str, { returnsNull: true }),
  },
  {
    name: 'RPAD',
    op: 'RPAD',
    impl: 'rpad',
    display: '(STRING, INT, STRING)',
    check: sig(['STRING', 'INT', 'STRING'], 3, str, { returnsNull: true }),
  },
  {
    name: 'POSITION',
    op: 'POSITION',
    impl: 'position',
    display: '(STRING needle, STRING haystack)',
    check: sig(['STRING', 'STRING'], 2, int),
  },
  { name: 'REPEAT', op: 'REPEAT', impl: 'repeat', display: '(STRING, INT)', check: sig(['STRING', 'INT'], 2, str) },
  // numbers
  { name: 'ABS', op: 'ABS', display: '(NUMERIC)', check: sig(['NUMERIC'], 1, first) },
  { name: 'ROUND', op: 'ROUND', display: '(DOUBLE [, INT])', check: sig(['NUMERIC', 'INT'], 1, first) },
  { name: 'FLOOR', op: 'FLOOR', display: '(NUMERIC)', check: sig(['NUMERIC'], 1, first) },
  { name: 'CEIL', op: 'CEIL', display: '(NUMERIC)', check: sig(['NUMERIC'], 1, first) },
  { name: 'POWER', op: 'POWER', display: '(DOUBLE, DOUBLE)', check: sig(['DOUBLE', 'DOUBLE'], 2, dbl) },
  { name: 'SQRT', op: 'SQRT', display: '(DOUBLE)', check: sig(['DOUBLE'], 1, dbl) },
  { name: 'EXP', op: 'EXP', display: '(DOUBLE)', check: sig(['DOUBLE'], 1, dbl) },
  { name: 'LN', op: 'LN', display: '(DOUBLE)', check: sig(['DOUBLE'], 1, dbl) },
  { name: 'LOG10', op: 'LOG10', display: '(DOUBLE)', check: sig(['DOUBLE'], 1, dbl) },
  { name: 'SIGN', op: 'SIGN', impl: 'sign', display: '(NUMERIC)', check: sig(['NUMERIC'], 1, first) },
  { name: 'RAND', op: 'RAND', display: '([INT seed])', check: sig(['INT'], 0, dbl, { nullable: never }) },
  {
    name: 'MOD',
    op: 'MOD',
    display: '(NUMERIC, NUMERIC)',
    check: (args) => {
      const r = sig(['NUMERIC', 'NUMERIC'], 2, dbl)(args);
      if (!r || typeof r === 'string') return r;
      return unified(2)(args);
    },
  },
  // time
  {
    name: 'TO_TIMESTAMP',
    op: 'TO_TIMESTAMP',
    display: '(STRING [, STRING format])',
    literals: patternArg,
    check: sig(['STRING', 'STRING'], 1, ts, { returnsNull: true }),
  },
  {
    name: 'TO_TIMESTAMP_LTZ',
    op: 'TO_TIMESTAMP_LTZ',
    display: '(NUMERIC epoch [, INT precision 0 or 3])',
    check: (args) => {
      const r = sig(['NUMERIC', 'INT'], 1, () => ({ kind: 'TIMESTAMP', precision: 3, ltz: true }))(args);
      if (r && typeof r !== 'string' && args.length === 2 && args[1]!.literal !== 0 && args[1]!.literal !== 3) {
        return 'the precision must be the literal 0 (epoch seconds) or 3 (epoch milliseconds)';
      }
      return r;
    },
  },
  {
    name: 'UNIX_TIMESTAMP',
    op: 'UNIX_TIMESTAMP',
    display: '([STRING | TIMESTAMP [, STRING format]])',
    literals: patternArg,
    check: (args) => {
      if (args.length === 0) return { targets: [], type: BIGINT, nullable: never };
      if (args[0]!.type.kind === 'TIMESTAMP' && args.length === 1) return { targets: [null], type: BIGINT };
      return sig(['STRING', 'STRING'], 1, big, { returnsNull: true })(args);
    },
  },
  {
    name: 'FROM_UNIXTIME',
    op: 'FROM_UNIXTIME',
    display: '(BIGINT seconds [, STRING format])',
    literals: patternArg,
    check: sig(['INT', 'STRING'], 1, str),
  },
  {
    name: 'DATE_FORMAT',
    op: 'DATE_FORMAT',
    display: '(TIMESTAMP, STRING format)',
    literals: patternArg,
    check: sig(['TIMESTAMP', 'STRING'], 2, str),
  },
  {
    name: 'TO_DATE',
    op: 'TO_DATE',
    display: '(STRING [, STRING format])',
    literals: patternArg,
    check: sig(['STRING', 'STRING'], 1, () => DATE, { returnsNull: true }),
  },
  /** Bound args: [unit (upper-case STRING literal), ts]. */
  {
    name: 'EXTRACT',
    op: 'EXTRACT',
    display: '(unit FROM TIMESTAMP | DATE)',
    check: (args) => unitArg(UNITS_EXTRACT, args[0]) ?? sig(['STRING', 'TEMPORAL'], 2, big)(args),
  },
  /** Bound args: [unit (upper-case STRING literal), a, b]. */
  {
    name: 'TIMESTAMPDIFF',
    op: 'TIMESTAMPDIFF',
    display: '(unit, TIMESTAMP, TIMESTAMP)',
    check: (args) =>
      (args.length === 3 ? unitArg(UNITS_DIFF, args[0]) : null) ??
      sig(['STRING', 'TEMPORAL', 'TEMPORAL'], 3, big)(args),
  },
  /** Bound args: [unit (upper-case STRING literal), n, ts]. */
  {
    name: 'TIMESTAMPADD',
    op: 'TIMESTAMPADD',
    display: '(unit, INT, TIMESTAMP)',
    check: (args) =>
      (args.length === 3 ? unitArg(UNITS_DIFF, args[0]) : null) ??
      sig(['STRING', 'INT', 'TEMPORAL'], 3, (a) => a[2]!.type)(args),
  },
  {
    name: 'DATE_TRUNC',
    op: 'DATE_TRUNC',
    display: '(STRING unit, TIMESTAMP)',
    check: (args) =>
      (args.length === 2 ? unitArg(UNITS_DIFF, args[0]) : null) ?? sig(['STRING', 'TIMESTAMP'], 2, ts)(args),
  },
  { name: 'CURRENT_TIMESTAMP', op: 'CURRENT_TIMESTAMP', display: '()', check: sig([], 0, ts, { nullable: never }) },
  { name: 'CURRENT_DATE', op: 'CURRENT_DATE', display: '()', check: sig([], 0, () => DATE, { nullable: never }) },
  {
    name: 'PROCTIME',
    op: 'PROCTIME',
    display: '()',
    check: sig([], 0, () => ({ kind: 'TIMESTAMP', precision: 3, ltz: true }), { nullable: never }),
  },
  // JSON, collections
  {
    name: 'JSON_VALUE',
    op: 'JSON_VALUE',
    display: '(STRING json, STRING path)',
    literals: literalArg(1, compileJsonPath),
    check: (args) => {
      const r = sig(['STRING', 'STRING'], 2, str, { returnsNull: true })(args);
      if (r && typeof r !== 'string' && typeof args[1]!.literal === 'string' && !args[1]!.literal.startsWith('$')) {
        return `the JSON path must start with "$", e.g. '$.${args[1]!.literal}'`;
      }
      return r;
    },
  },
  { name: 'CARDINALITY', op: 'CARDINALITY', display: '(ARRAY | MAP)', check: sig(['COLLECTION'], 1, int) },
  /** Bound args: [array, index (1-based)] or [map, key]; NULL when out of range / absent. */
  {
    name: 'ELEMENT_AT',
    op: 'ELEMENT_AT',
    display: '(ARRAY, INT) or (MAP, STRING)',
    check: (args) => {
      if (args.length !== 2) return null;
      const [c, i] = args as [ArgInfo, ArgInfo];
      if (c.type.kind === 'ARRAY') {
        const t = fit('INT', i);
        return t === false ? null : { targets: [null, t], type: c.type.element, returnsNull: true };
      }
      if (c.type.kind === 'MAP') {
        const t = fit('STRING', i);
        return t === false ? null : { targets: [null, t], type: c.type.value, returnsNull: true };
      }
      return null;
    },
  },
  {
    name: 'ARRAY_CONTAINS',
    op: 'ARRAY_CONTAINS',
    display: '(ARRAY<T>, T)',
    check: (args) => {
      if (args.length !== 2 || args[0]!.type.kind !== 'ARRAY') return null;
      const el = args[0]!.type.element;
      const c = commonType(el, args[1]!.type);
      if (!c) return null;
      const nullElements = args[0]!.type.kind === 'ARRAY' && args[0]!.type.elementNullable;
      return { targets: [null, sameKind(args[1]!.type, el) ? null : el], type: BOOLEAN, returnsNull: nullElements };
    },
  },
  {
    name: 'ARRAY',
    op: 'ARRAY',
    display: '(T, ...)',
    check: (args) => {
      const r = unified(1, { nullable: never })(args);
      if (!r || typeof r === 'string') return r;
      return { ...r, type: { kind: 'ARRAY', element: r.type, elementNullable: true } };
    },
  },
  // null handling and conditionals
  {
    name: 'COALESCE',
    op: 'COALESCE',
    display: '(T, T, ...)',
    check: unified(1, { nullable: (n) => n.every(Boolean) }),
  },
  {
    name: 'NULLIF',
    op: 'NULLIF',
    display: '(T, T)',
    check: (args) => {
      if (args.length !== 2) return null;
      const r = unified(2, { nullable: alwaysNullable })(args);
      if (!r || typeof r === 'string') return r;
      return { ...r, targets: [null, r.targets[1]!], type: args[0]!.type.kind === 'NULL' ? r.type : args[0]!.type };
    },
  },
  {
    name: 'IF',
    op: 'IF',
    display: '(BOOLEAN, T, T)',
    check: (args) => {
      if (args.length !== 3 || fit('BOOLEAN', args[0]!) === false) return null;
      const r = unified(3, { from: 1, nullable: (n) => n[1]! || n[2]! })(args);
      if (!r || typeof r === 'string') return r;
      return { ...r, targets: [fit('BOOLEAN', args[0]!) || null, ...r.targets.slice(1)] };
    },
  },
  // `a IS [NOT] DISTINCT FROM b` (the parser writes it as a call): NULL-safe equality, never NULL.
  distinctFrom('IS DISTINCT FROM'),
  distinctFrom('IS NOT DISTINCT FROM'),
  { name: 'GREATEST', op: 'GREATEST', display: '(T, T, ...)', check: unified(1) },
  { name: 'LEAST', op: 'LEAST', display: '(T, T, ...)', check: unified(1) },
] as const satisfies readonly FunctionDef[];

/** The plan operators of the scalar functions (part of `ScalarOp`). */
export type FunctionOp = (typeof defs)[number]['op'];
/** The functions compiled as a call of their library implementation (`impl`): no codegen entry. */
export type LibraryFunctionOp = Extract<(typeof defs)[number], { readonly impl: string }>['op'];

/** Other spellings of the same functions (Spark and Flink names). */
const ALIASES: Record<string, string> = {
  SUBSTR: 'SUBSTRING',
  CHARACTER_LENGTH: 'CHAR_LENGTH',
  LENGTH: 'CHAR_LENGTH',
  CEILING: 'CEIL',
  POW: 'POWER',
  LOG: 'LN',
  NOW: 'CURRENT_TIMESTAMP',
  LOCALTIMESTAMP: 'CURRENT_TIMESTAMP',
  CURRENT_ROW_TIMESTAMP: 'CURRENT_TIMESTAMP',
  IFNULL: 'COALESCE',
  NVL: 'COALESCE',
  REGEXP_LIKE: 'REGEXP',
  RLIKE: 'REGEXP',
  ARRAY_LENGTH: 'CARDINALITY',
  SIZE: 'CARDINALITY',
  LOCATE: 'POSITION',
  INSTR: 'POSITION',
};

/** `YEAR(ts)` etc. are `EXTRACT(YEAR FROM ts)`. */
export const EXTRACT_SHORTHANDS: Readonly<Record<string, string>> = {
  YEAR: 'YEAR',
  QUARTER: 'QUARTER',
  MONTH: 'MONTH',
  WEEK: 'WEEK',
  DAYOFMONTH: 'DAY',
  DAY: 'DAY',
  DAYOFWEEK: 'DOW',
  DAYOFYEAR: 'DOY',
  HOUR: 'HOUR',
  MINUTE: 'MINUTE',
  SECOND: 'SECOND',
};

const BY_NAME = new Map<string, FunctionDef<FunctionOp>>(defs.map((d) => [d.name, d]));
const BY_OP = new Map<string, FunctionDef<FunctionOp>>(defs.map((d) => [d.op, d]));

/** The scalar function for a name written in any case, aliases resolved; undefined when unknown. */
export function lookupFunction(name: string): FunctionDef<FunctionOp> | undefined {
  const upper = name.toUpperCase();
  return BY_NAME.get(ALIASES[upper] ?? upper);
}

/** Every callable scalar name (for did-you-mean). */
export function scalarFunctionNames(): string[] {
  return [...BY_NAME.keys(), ...Object.keys(ALIASES), ...Object.keys(EXTRACT_SHORTHANDS)];
}

/** Every scalar function definition (one per name; aliases excluded). */
export function scalarFunctions(): readonly FunctionDef<FunctionOp>[] {
  return defs;
}

/** The function whose plan operator is `op`, if it is a function (not an operator). */
export function functionOf(op: string): FunctionDef<FunctionOp> | undefined {
  return BY_OP.get(op);
}
