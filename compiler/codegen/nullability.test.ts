/**
 * The checker and the generated code agree on NULL for every scalar function: each function is
 * typed by its signature (compiler/check/functions.ts), compiled, and evaluated on edge inputs
 * that are all non-NULL (empty strings, negative lengths, no match, bad text, ...). Whenever the
 * generated code yields NULL, the checker must have typed the call nullable — a NOT NULL result
 * that turns out NULL fails the query at run time. Every function must have edge inputs here.
 */
import { describe, expect, it } from 'vitest';
import { scalarFunctions, type ArgInfo } from '../check/functions.ts';
import type { BoundExpr, CallExpr } from '../plan/plan.ts';
import { BIGINT, BOOLEAN, DATE, DOUBLE, INT, STRING, TIMESTAMP, type SqlType } from '../types.ts';
import { arrayOf, compileExpr, field, lit, ref } from './testing.ts';

/** A non-NULL argument: a column of that type holding the value, or a literal (`lit`). */
type Arg = readonly [SqlType, unknown] | { readonly lit: string | number };

const S = (v: string): Arg => [STRING, v];
const I = (v: number): Arg => [INT, v];
const D = (v: number): Arg => [DOUBLE, v];
const T = (v: number): Arg => [TIMESTAMP, v];
const U = (unit: string): Arg => ({ lit: unit });
const STRS: readonly (readonly Arg[])[] = [[S('')], [S('aB c')]];

const EDGES: Readonly<Record<string, readonly (readonly Arg[])[]>> = {
  UPPER: STRS,
  LOWER: STRS,
  INITCAP: STRS,
  REVERSE: STRS,
  MD5: STRS,
  TO_BASE64: STRS,
  CHAR_LENGTH: STRS,
  LTRIM: [[S(' a ')]],
  RTRIM: [[S(' a ')]],
  CONCAT: [[S(''), S('x')]],
  CONCAT_WS: [[S(','), S('a'), S('')]],
  SUBSTRING: [[S('abc'), I(0)], [S('abc'), I(5), I(2)], [S('abc'), I(-1), I(1)], [S('abc'), I(2), I(-1)]],
  REPLACE: [[S('abc'), S(''), S('x')], [S('aaa'), S('a'), S('')]],
  REGEXP_EXTRACT: [[S('abc'), S('x')], [S('abc'), S('(b)'), I(2)], [S('abc'), S('b')]],
  REGEXP_REPLACE: [[S('abc'), S('b'), S('')]],
  REGEXP: [[S('abc'), S('')]],
  SPLIT_INDEX: [[S('a,b'), S(','), I(5)], [S('a,b'), S(','), I(-1)], [S(''), S(''), I(0)]],
  SPLIT: [[S(''), S('')], [S('a,b'), S(',')]],
  LEFT: [[S('abc'), I(-1)], [S('abc'), I(10)]],
  RIGHT: [[S('abc'), I(-1)], [S('abc'), I(10)]],
  LPAD: [[S('hi'), I(5), S('')], [S('hi'), I(-1), S('x')], [S('hi'), I(1), S('x')], [S('hi'), I(4), S('xy')]],
  RPAD: [[S('hi'), I(5), S('')], [S('hi'), I(-1), S('x')], [S('hi'), I(1), S('x')], [S('hi'), I(4), S('xy')]],
  POSITION: [[S(''), S('abc')], [S('z'), S('abc')]],
  REPEAT: [[S('ab'), I(-1)], [S(''), I(3)]],
  ABS: [[I(-2147483648)], [D(-1.5)]],
  ROUND: [[D(2.675), I(2)], [I(5)], [D(-0.5)]],
  FLOOR: [[D(-1.5)], [I(3)]],
  CEIL: [[D(-1.5)], [I(3)]],
  POWER: [[D(0), D(-1)], [D(-8), D(0.5)]],
  SQRT: [[D(-1)]],
  EXP: [[D(1000)]],
  LN: [[D(0)]],
  LOG10: [[D(-1)]],
  SIGN: [[D(0)], [I(-3)]],
  RAND: [[], [I(1)]],
  MOD: [[I(5), I(3)], [D(5.5), D(0)]],
  TO_TIMESTAMP: [[S('nope')], [S('2025-01-01 00:00:00')], [S('2025'), S('yyyy')], [S('x'), S('yyyy')]],
  TO_TIMESTAMP_LTZ: [[[BIGINT, 0]], [[BIGINT, 1], { lit: 0 }]],
  UNIX_TIMESTAMP: [[], [S('nope')], [T(0)], [S('x'), S('yyyy')]],
  FROM_UNIXTIME: [[[BIGINT, 0]], [[BIGINT, 0], S('yyyy')]],
  DATE_FORMAT: [[T(0), S('yyyy-MM-dd')], [T(-1), S('')]],
  TO_DATE: [[S('nope')], [S('2025-01-01')], [S('x'), S('yyyy')]],
  EXTRACT: [[U('YEAR'), T(0)], [U('DOW'), [DATE, 0]], [U('EPOCH'), T(-1)]],
  TIMESTAMPDIFF: [[U('MONTH'), T(0), T(1e12)], [U('SECOND'), T(5), T(0)]],
  TIMESTAMPADD: [[U('MONTH'), I(1), T(0)], [U('DAY'), I(-1), [DATE, 0]]],
  DATE_TRUNC: [[U('MONTH'), T(0)], [U('WEEK'), T(-1)]],
  CURRENT_TIMESTAMP: [[]],
  CURRENT_DATE: [[]],
  PROCTIME: [[]],
  JSON_VALUE: [[S('{"a":1}'), S('$.b')], [S('not json'), S('$.a')], [S('{"a":{"b":2}}'), S('$.a')]],
  CARDINALITY: [[[arrayOf(STRING, false), []]], [[{ kind: 'MAP', key: STRING, value: INT, valueNullable: true }, {}]]],
  ELEMENT_AT: [
    [[arrayOf(STRING, false), ['a']], I(5)],
    [[{ kind: 'MAP', key: STRING, value: INT, valueNullable: false }, { k: 1 }], S('x')],
  ],
  ARRAY_CONTAINS: [
    [[arrayOf(STRING, false), ['a']], S('b')],
    [[arrayOf(STRING, true), ['a', null]], S('b')],
  ],
  ARRAY: [[S('a'), S('b')]],
  COALESCE: [[S('a'), S('b')]],
  NULLIF: [[S('a'), S('a')]],
  IF: [[[BOOLEAN, false], S('a'), S('b')]],
  IS_DISTINCT_FROM: [[S('a'), S('a')]],
  IS_NOT_DISTINCT_FROM: [[S('a'), S('b')]],
  GREATEST: [[I(1), I(2)], [S('a'), S('b')]],
  LEAST: [[I(1), I(2)], [T(0), T(1)]],
};

describe('checker nullability agrees with the generated code', () => {
  it('every scalar function has edge inputs here', () => {
    const missing = scalarFunctions()
      .map((d) => d.name)
      .filter((n) => !(n in EDGES));
    expect(missing).toEqual([]);
  });

  for (const def of scalarFunctions()) {
    it(`${def.name}: NULL only where the checker types the call nullable`, () => {
      for (const edge of EDGES[def.name] ?? []) {
        const fields = edge.flatMap((a, i) => ('lit' in a ? [] : [field(`a${i}`, a[0], false)]));
        const row: Record<string, unknown> = {};
        const args: BoundExpr[] = edge.map((a, i) => {
          if ('lit' in a) return lit(a.lit);
          row[`a${i}`] = a[1];
          return ref(`a${i}`, a[0], false);
        });
        const infos: ArgInfo[] = args.map((a) =>
          a.kind === 'Literal' ? { type: a.type, literal: a.value } : { type: a.type },
        );
        const resolved = def.check(infos);
        if (resolved === null || typeof resolved === 'string')
          throw new Error(`${def.name}: edge input (${infos.map((i) => i.type.kind).join(', ')}) does not type-check`);
        expect(resolved.targets.every((t) => t === null), `${def.name}: edge inputs need no conversion`).toBe(true);
        const returnsNull = resolved.returnsNull === true;
        const nullable = resolved.nullable ? resolved.nullable(args.map(() => false)) : returnsNull;
        const e: CallExpr = {
          kind: 'Call',
          op: def.op,
          args,
          type: resolved.type,
          nullable,
          ...(returnsNull ? { returnsNull } : {}),
        };
        let value: unknown;
        try {
          value = compileExpr(e, fields).run(row);
        } catch {
          continue; // a run-time error (division by zero, ...) is not a NULL
        }
        const shown = `${def.name}(${edge.map((a) => JSON.stringify('lit' in a ? a.lit : a[1])).join(', ')})`;
        if (value === null) expect(nullable, `${shown} is NULL but typed NOT NULL`).toBe(true);
      }
    });
  }
});
