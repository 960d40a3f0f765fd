import { describe, expect, it } from 'vitest';
import type { BoundExpr, PlanField, ScalarOp } from '../plan/plan.ts';
import { InternalError } from './internal.ts';
import {
  BIGINT,
  BOOLEAN,
  DATE,
  DOUBLE,
  INT,
  INTERVAL,
  STRING,
  TIMESTAMP,
  arrayOf,
  call,
  caseWhen,
  cast,
  compileExpr,
  compileExprs,
  decimal,
  field,
  lit,
  ref,
  rowOf,
} from './testing.ts';

type V = null | boolean | number | string;
const B = BOOLEAN;
const a = ref('a', B);
const b = ref('b', B);
const TRUTH: V[] = [true, false, null];
const boolFields = [field('a', B), field('b', B)];

function run(e: BoundExpr, fields: readonly PlanField[], row: Record<string, unknown>): unknown {
  return compileExpr(e, fields).run(row);
}

// Three-valued logic, written out from the SQL standard's truth tables.
const AND = (x: V, y: V): V => (x === false || y === false ? false : x === null || y === null ? null : true);
const OR = (x: V, y: V): V => (x === true || y === true ? true : x === null || y === null ? null : false);
const NOT = (x: V): V => (x === null ? null : !x);

describe('three-valued logic (truth tables, executed)', () => {
  const cases: [string, ScalarOp, (x: V, y: V) => V][] = [
    ['AND', 'AND', AND],
    ['OR', 'OR', OR],
  ];
  for (const [name, op, truth] of cases) {
    it(name, () => {
      const value = compileExpr(call(op, [a, b], B), boolFields);
      const whenTrue = compileExpr(call(op, [a, b], B), boolFields, 'true');
      const whenFalse = compileExpr(call(op, [a, b], B), boolFields, 'false');
      for (const x of TRUTH)
        for (const y of TRUTH) {
          const expected = truth(x, y);
          expect(value.run({ a: x, b: y }), `${x} ${name} ${y}`).toBe(expected);
          expect(whenTrue.run({ a: x, b: y })).toBe(expected === true);
          expect(whenFalse.run({ a: x, b: y })).toBe(expected === false);
        }
    });
  }

  it('NOT', () => {
    const value = compileExpr(call('NOT', [a], B), boolFields);
    const whenTrue = compileExpr(call('NOT', [a], B), boolFields, 'true');
    for (const x of TRUTH) {
      expect(value.run({ a: x })).toBe(NOT(x));
      expect(whenTrue.run({ a: x })).toBe(NOT(x) === true);
    }
  });

  it('IS [NOT] TRUE/FALSE/NULL never return NULL', () => {
    const ops: [ScalarOp, (x: V) => boolean][] = [
      ['IS NULL', (x) => x === null],
      ['IS NOT NULL', (x) => x !== null],
      ['IS TRUE', (x) => x === true],
      ['IS NOT TRUE', (x) => x !== true],
      ['IS FALSE', (x) => x === false],
      ['IS NOT FALSE', (x) => x !== false],
    ];
    for (const [op, f] of ops) {
      const compiled = compileExpr(call(op, [a], B, false), boolFields);
      for (const x of TRUTH) expect(compiled.run({ a: x }), `${x} ${op}`).toBe(f(x));
    }
  });

  it('AND of three nullable operands with a mixed non-nullable one', () => {
    const c = ref('c', B, false);
    const fields = [...boolFields, field('c', B, false)];
    const e = call('AND', [a, c, b], B);
    const compiled = compileExpr(e, fields);
    for (const x of TRUTH)
      for (const y of TRUTH)
        for (const z of [true, false]) expect(compiled.run({ a: x, b: y, c: z })).toBe(AND(AND(x, z), y));
  });
});

describe('NULL-propagating operators', () => {
  const x = ref('x', INT);
  const y = ref('y', INT);
  const fields = [field('x', INT), field('y', INT)];

  it('arithmetic is NULL when an operand is NULL, and reads like code', () => {
    const sum = compileExpr(call('+', [x, y], INT), fields);
    expect(sum.run({ x: 1, y: 2 })).toBe(3);
    expect(sum.run({ x: null, y: 2 })).toBe(null);
    expect(sum.run({ x: 1, y: null })).toBe(null);
    expect(sum.source).toContain('row.x === null || row.y === null ? null : ((row.x + row.y) | 0)');
  });

  it('INT arithmetic wraps at 32 bits; BIGINT overflow is an error', () => {
    expect(run(call('+', [x, y], INT), fields, { x: 2 ** 31 - 1, y: 1 })).toBe(-(2 ** 31));
    expect(run(call('*', [x, y], INT), fields, { x: 65536, y: 65536 })).toBe(0);
    const big = [field('x', BIGINT), field('y', BIGINT)];
    const mul = call('*', [ref('x', BIGINT), ref('y', BIGINT)], BIGINT);
    expect(run(mul, big, { x: 2 ** 26, y: 2 ** 26 })).toBe(2 ** 52);
    expect(() => run(mul, big, { x: 2 ** 27, y: 2 ** 27 })).toThrow(/BIGINT overflow/);
  });

  it('integer division truncates toward zero; division by zero is an error for integers, IEEE for DOUBLE', () => {
    expect(run(call('/', [x, y], INT), fields, { x: 7, y: 2 })).toBe(3);
    expect(run(call('/', [x, y], INT), fields, { x: -7, y: 2 })).toBe(-3);
    expect(run(call('%', [x, y], INT), fields, { x: -7, y: 2 })).toBe(-1);
    expect(() => run(call('/', [x, y], INT), fields, { x: 1, y: 0 })).toThrow(/division by zero/);
    expect(() => run(call('%', [x, y], INT), fields, { x: 1, y: 0 })).toThrow(/division by zero/);
    const d = [field('x', DOUBLE), field('y', DOUBLE)];
    expect(run(call('/', [ref('x', DOUBLE), ref('y', DOUBLE)], DOUBLE), d, { x: 1, y: 0 })).toBe(Infinity);
    expect(run(call('/', [ref('x', DOUBLE), ref('y', DOUBLE)], DOUBLE), d, { x: 7, y: 2 })).toBe(3.5);
    expect(run(call('/', [x, lit(2)], INT), fields, { x: 9 })).toBe(4);
    expect(compileExpr(call('/', [x, lit(2)], INT), fields).source).not.toContain('intDiv');
  });

  it('a NULL literal operand folds the operation to NULL', () => {
    const e = compileExpr(call('+', [x, lit(null, INT)], INT), fields);
    expect(e.source).toContain('return null');
  });

  it('nested nullable results go through a temporary and are evaluated once', () => {
    // NULLIF(x, 0) + 1: NULLIF can be NULL for non-NULL input, so the sum tests a temporary.
    const e = call('+', [call('NULLIF', [x, lit(0)], INT, true), lit(1)], INT);
    const compiled = compileExpr(e, fields);
    expect(compiled.run({ x: 0 })).toBe(null);
    expect(compiled.run({ x: 4 })).toBe(5);
    expect(compiled.run({ x: null })).toBe(null);
    expect(compiled.source).toMatch(/let t: number \| null;/);
  });

  it('TIMESTAMP ± INTERVAL and DATE arithmetic', () => {
    const tf = [field('t', TIMESTAMP), field('d', DATE)];
    expect(run(call('-', [ref('t', TIMESTAMP), lit(60_000, INTERVAL)], TIMESTAMP), tf, { t: 120_000 })).toBe(60_000);
    expect(run(call('+', [ref('d', DATE), lit(86_400_000 * 2, INTERVAL)], DATE), tf, { d: 10 })).toBe(12);
    expect(run(call('+', [ref('d', DATE), lit(1000, INTERVAL)], TIMESTAMP), tf, { d: 1 })).toBe(86_401_000);
  });
});

describe('comparison, BETWEEN, IN, LIKE', () => {
  const s = ref('s', STRING);
  const n = ref('n', INT);
  const fields = [field('s', STRING), field('n', INT), field('lo', INT), field('hi', INT)];

  it('= with a literal is a plain === in a WHERE clause', () => {
    const e = call('=', [s, lit('completed')], B);
    const where = compileExpr(e, fields, 'true');
    expect(where.source).toContain('return row.s === "completed"');
    expect(where.run({ s: null })).toBe(false);
    expect(compileExpr(e, fields).run({ s: null })).toBe(null);
    expect(compileExpr(call('<>', [s, lit('x')], B), fields, 'true').run({ s: null })).toBe(false);
  });

  it('< with NULL is NULL, not JavaScript coercion', () => {
    const lt = compileExpr(call('<', [n, lit(5)], B), fields);
    expect(lt.run({ n: null })).toBe(null);
    expect(compileExpr(call('<', [n, lit(5)], B), fields, 'true').run({ n: null })).toBe(false);
    expect(compileExpr(call('<', [n, lit(5)], B), fields, 'false').run({ n: null })).toBe(false);
  });

  it('BOOLEAN ordering', () => {
    const e = call('<', [ref('p', B, false), ref('q', B, false)], B);
    const f = [field('p', B, false), field('q', B, false)];
    expect(run(e, f, { p: false, q: true })).toBe(true);
    expect(run(e, f, { p: true, q: false })).toBe(false);
  });

  it('BETWEEN evaluates its operand once and follows three-valued AND', () => {
    const lo = ref('lo', INT);
    const hi = ref('hi', INT);
    const e = call('BETWEEN', [n, lo, hi], B);
    const value = compileExpr(e, fields);
    const where = compileExpr(e, fields, 'true');
    const vals = [null, 1, 5, 9];
    for (const x of vals)
      for (const l of vals)
        for (const h of vals) {
          const ge = x === null || l === null ? null : x >= l;
          const le = x === null || h === null ? null : x <= h;
          const expected = AND(ge, le);
          expect(value.run({ n: x, lo: l, hi: h }), `${x} BETWEEN ${l} AND ${h}`).toBe(expected);
          expect(where.run({ n: x, lo: l, hi: h })).toBe(expected === true);
        }
    // A computed operand goes to a temporary once.
    const computed = compileExpr(call('BETWEEN', [call('+', [n, lit(1)], INT), lit(2), lit(4)], B), fields, 'true');
    expect(computed.source.match(/row\.n \+ 1/g)).toHaveLength(1);
    expect(computed.run({ n: 2 })).toBe(true);
    expect(computed.run({ n: 4 })).toBe(false);
  });

  it('IN with literals, with a NULL item, and with expressions', () => {
    const inLits = call('IN', [s, lit('a'), lit('b')], B);
    expect(compileExpr(inLits, fields, 'true').source).toContain('row.s === "a" || row.s === "b"');
    expect(compileExpr(inLits, fields).run({ s: 'b' })).toBe(true);
    expect(compileExpr(inLits, fields).run({ s: 'c' })).toBe(false);
    expect(compileExpr(inLits, fields).run({ s: null })).toBe(null);
    const withNull = call('IN', [s, lit('a'), lit(null, STRING)], B);
    expect(compileExpr(withNull, fields).run({ s: 'a' })).toBe(true);
    expect(compileExpr(withNull, fields).run({ s: 'c' })).toBe(null);
    expect(compileExpr(withNull, fields, 'true').run({ s: 'c' })).toBe(false);
    const many = call('IN', [n, ...[1, 2, 3, 4, 5, 6].map((i) => lit(i))], B);
    const compiled = compileExpr(many, fields, 'true');
    expect(compiled.source).toContain('new Set([1, 2, 3, 4, 5, 6])');
    expect(compiled.run({ n: 6 })).toBe(true);
    expect(compiled.run({ n: 7 })).toBe(false);
    const dynamic = call('IN', [n, ref('lo', INT), ref('hi', INT)], B);
    expect(compileExpr(dynamic, fields).run({ n: 1, lo: null, hi: 1 })).toBe(true);
    expect(compileExpr(dynamic, fields).run({ n: 1, lo: null, hi: 2 })).toBe(null);
    expect(compileExpr(dynamic, fields).run({ n: 1, lo: 3, hi: 2 })).toBe(false);
  });

  it('LIKE: literal patterns compile to string methods or a hoisted RegExp', () => {
    const like = (p: string, esc?: string) => call('LIKE', [s, lit(p), ...(esc ? [lit(esc)] : [])], B);
    expect(compileExpr(like('abc%'), fields).source).toContain('.startsWith("abc")');
    expect(compileExpr(like('%abc'), fields).source).toContain('.endsWith("abc")');
    expect(compileExpr(like('%abc%'), fields).source).toContain('.includes("abc")');
    expect(compileExpr(like('abc'), fields).source).toContain('=== "abc"');
    const re = compileExpr(like('a_c%d'), fields);
    expect(re.source).toMatch(/const LIKE = \/\^a\[\^\]c\[\^\]\*d\$\/;/);
    expect(re.run({ s: 'abcxxd' })).toBe(true);
    expect(re.run({ s: 'ab\ncd' })).toBe(false);
    expect(re.run({ s: 'a\ncd' })).toBe(true);
    expect(re.run({ s: null })).toBe(null);
    const esc = compileExpr(like('100!%', '!'), fields);
    expect(esc.run({ s: '100%' })).toBe(true);
    expect(esc.run({ s: '1000' })).toBe(false);
    expect(compileExpr(like('a.c'), fields).run({ s: 'abc' })).toBe(false);
    const dynamic = call('LIKE', [s, ref('p', STRING)], B);
    const d = compileExpr(dynamic, [...fields, field('p', STRING)]);
    expect(d.run({ s: 'hello', p: 'h%o' })).toBe(true);
    expect(d.run({ s: 'hello', p: null })).toBe(null);
  });
});

describe('CASE, COALESCE, NULLIF, IF', () => {
  const n = ref('n', INT);
  const fields = [field('n', INT), field('m', INT)];

  it('CASE takes the first TRUE branch; NULL conditions are not TRUE', () => {
    const e = caseWhen(
      [
        [call('>', [n, lit(10)], B), lit('big')],
        [call('>', [n, lit(0)], B), lit('small')],
      ],
      lit('none'),
    );
    const compiled = compileExpr(e, fields);
    expect(compiled.run({ n: 11 })).toBe('big');
    expect(compiled.run({ n: 1 })).toBe('small');
    expect(compiled.run({ n: -1 })).toBe('none');
    expect(compiled.run({ n: null })).toBe('none');
  });

  it('CASE does not evaluate branches it does not take', () => {
    const e = caseWhen([[call('<>', [n, lit(0)], B), call('/', [lit(10), n], INT)]], lit(0));
    expect(run(e, fields, { n: 0 })).toBe(0);
    expect(run(e, fields, { n: 5 })).toBe(2);
  });

  it('COALESCE returns the first non-NULL argument', () => {
    const e = call('COALESCE', [n, ref('m', INT), lit(7)], INT, false);
    const compiled = compileExpr(e, fields);
    expect(compiled.source).toContain('row.n ?? row.m ?? 7');
    expect(compiled.run({ n: null, m: null })).toBe(7);
    expect(compiled.run({ n: null, m: 3 })).toBe(3);
    expect(compiled.run({ n: 0, m: 3 })).toBe(0);
  });

  it('NULLIF and IF', () => {
    const nullif = compileExpr(call('NULLIF', [n, ref('m', INT)], INT, true), fields);
    expect(nullif.run({ n: 1, m: 1 })).toBe(null);
    expect(nullif.run({ n: 1, m: 2 })).toBe(1);
    expect(nullif.run({ n: 1, m: null })).toBe(1);
    expect(nullif.run({ n: null, m: 1 })).toBe(null);
    const ifE = compileExpr(call('IF', [call('>', [n, lit(0)], B), lit('pos'), lit('other')], STRING, false), fields);
    expect(ifE.run({ n: 1 })).toBe('pos');
    expect(ifE.run({ n: null })).toBe('other');
  });

  it('IS DISTINCT FROM treats NULLs as equal', () => {
    const e = compileExpr(call('IS DISTINCT FROM', [n, ref('m', INT)], B, false), fields);
    expect(e.run({ n: null, m: null })).toBe(false);
    expect(e.run({ n: 1, m: null })).toBe(true);
    expect(e.run({ n: 1, m: 1 })).toBe(false);
    const arrays = [field('x', arrayOf(INT)), field('y', arrayOf(INT))];
    const deep = compileExpr(
      call('IS NOT DISTINCT FROM', [ref('x', arrayOf(INT)), ref('y', arrayOf(INT))], B, false),
      arrays,
    );
    expect(deep.run({ x: [1, null], y: [1, null] })).toBe(true);
    expect(deep.run({ x: [1], y: null })).toBe(false);
  });
});

describe('casts', () => {
  const s = ref('s', STRING);
  const fields = [field('s', STRING), field('d', DOUBLE), field('t', TIMESTAMP), field('i', INT), field('b', BOOLEAN)];

  it('CAST fails loudly, TRY_CAST gives NULL', () => {
    expect(run(cast(s, INT), fields, { s: ' 42 ' })).toBe(42);
    expect(() => run(cast(s, INT), fields, { s: 'x' })).toThrow(/cannot cast 'x' to INT/);
    expect(run(cast(s, INT, true), fields, { s: 'x' })).toBe(null);
    expect(run(cast(s, INT, true), fields, { s: null })).toBe(null);
    expect(run(cast(s, INT, true), fields, { s: '3000000000' })).toBe(null);
    expect(run(cast(s, BIGINT), fields, { s: '3000000000' })).toBe(3_000_000_000);
    expect(run(cast(s, DOUBLE), fields, { s: '1e3' })).toBe(1000);
    expect(run(cast(s, BOOLEAN), fields, { s: 'TRUE' })).toBe(true);
    expect(run(cast(s, TIMESTAMP), fields, { s: '2025-04-21 14:08:35' })).toBe(Date.UTC(2025, 3, 21, 14, 8, 35));
    expect(run(cast(s, DATE), fields, { s: '1970-01-03' })).toBe(2);
    expect(run(cast(s, decimal(5, 2)), fields, { s: '1.005' })).toBe(1.01);
  });

  it('numbers, booleans and times to STRING follow Flink', () => {
    expect(run(cast(ref('d', DOUBLE), STRING), fields, { d: 1 })).toBe('1.0');
    expect(run(cast(ref('d', DOUBLE), STRING), fields, { d: 1e7 })).toBe('1.0E7');
    expect(run(cast(ref('i', INT), STRING), fields, { i: -3 })).toBe('-3');
    expect(run(cast(ref('b', BOOLEAN), STRING), fields, { b: true })).toBe('TRUE');
    expect(run(cast(ref('t', TIMESTAMP), STRING), fields, { t: Date.UTC(2025, 3, 21, 14, 8, 35, 120) })).toBe(
      '2025-04-21 14:08:35.120',
    );
  });

  it('DOUBLE to INT truncates; TIMESTAMP to DATE floors', () => {
    expect(run(cast(ref('d', DOUBLE), INT), fields, { d: -2.7 })).toBe(-2);
    expect(run(cast(ref('t', TIMESTAMP), DATE), fields, { t: -1 })).toBe(-1);
    expect(run(cast(ref('d', DOUBLE), decimal(3, 1)), fields, { d: 2.25 })).toBe(2.3);
    expect(() => run(cast(ref('d', DOUBLE), decimal(3, 1)), fields, { d: 1000 })).toThrow(/cannot cast/);
  });

  it('an unsupported cast (which the checker refuses) is an internal error, not broken code', () => {
    expect(() => compileExpr(cast(ref('d', DOUBLE), arrayOf(INT)), fields)).toThrow(InternalError);
  });
});

describe('functions', () => {
  const s = ref('s', STRING);
  const t = ref('t', TIMESTAMP);
  const fields = [
    field('s', STRING),
    field('t', TIMESTAMP),
    field('n', INT),
    field('d', DOUBLE),
    field('r', rowOf({ a: INT, b: STRING })),
    field('arr', arrayOf(STRING)),
  ];
  const ev = (e: BoundExpr, row: Record<string, unknown>) => run(e, fields, row);
  const T = Date.UTC(2025, 3, 21, 14, 8, 35, 123);

  it('string functions', () => {
    expect(ev(call('UPPER', [s], STRING), { s: 'abc' })).toBe('ABC');
    expect(ev(call('CONCAT', [s, lit('-'), s], STRING), { s: 'x' })).toBe('x-x');
    expect(ev(call('CONCAT', [s, lit('-')], STRING), { s: null })).toBe(null);
    expect(ev(call('||', [s, lit('!')], STRING), { s: 'hi' })).toBe('hi!');
    expect(ev(call('CONCAT_WS', [lit(','), s, lit('b')], STRING), { s: null })).toBe('b');
    expect(ev(call('SUBSTRING', [s, lit(2), lit(3)], STRING), { s: 'abcdef' })).toBe('bcd');
    expect(ev(call('CHAR_LENGTH', [s], INT), { s: 'abc' })).toBe(3);
    expect(ev(call('TRIM', [lit('BOTH'), lit(' '), s], STRING), { s: '  a b  ' })).toBe('a b');
    expect(ev(call('REPLACE', [s, lit('a'), lit('$&')], STRING), { s: 'banana' })).toBe('b$&n$&n$&');
    expect(ev(call('REGEXP_EXTRACT', [s, lit('(\\d+)-(\\d+)'), lit(2)], STRING), { s: 'x 12-34' })).toBe('34');
    expect(ev(call('REGEXP_EXTRACT', [s, lit('z')], STRING), { s: 'abc' })).toBe(null);
    expect(ev(call('REGEXP_REPLACE', [s, lit('[aeiou]'), lit('_')], STRING), { s: 'banana' })).toBe('b_n_n_');
    expect(ev(call('REGEXP', [s, lit('^b')], B), { s: 'banana' })).toBe(true);
    expect(ev(call('SPLIT_INDEX', [s, lit(','), lit(1)], STRING), { s: 'a,b,c' })).toBe('b');
    expect(ev(call('SPLIT_INDEX', [s, lit(','), lit(5)], STRING), { s: 'a,b,c' })).toBe(null);
    expect(ev(call('SPLIT', [s, lit(' ')], arrayOf(STRING)), { s: 'a b' })).toEqual(['a', 'b']);
    expect(ev(call('INITCAP', [s], STRING), { s: 'hello wORLD-x' })).toBe('Hello World-X');
    expect(ev(call('LPAD', [s, lit(5), lit('*')], STRING), { s: 'ab' })).toBe('***ab');
    expect(ev(call('POSITION', [lit('c'), s], INT), { s: 'abc' })).toBe(3);
    expect(ev(call('MD5', [s], STRING), { s: '' })).toBe('d41d8cd98f00b204e9800998ecf8427e');
  });

  it('numeric functions', () => {
    const d = ref('d', DOUBLE);
    expect(ev(call('ROUND', [d, lit(2)], DOUBLE), { d: 2.675 })).toBe(2.68);
    expect(ev(call('ROUND', [d], DOUBLE), { d: -2.5 })).toBe(-3);
    expect(ev(call('ROUND', [ref('n', INT), lit(-1)], INT), { n: 15 })).toBe(20);
    expect(ev(call('FLOOR', [d], DOUBLE), { d: -1.5 })).toBe(-2);
    expect(ev(call('POWER', [d, lit(2, DOUBLE)], DOUBLE), { d: 3 })).toBe(9);
    expect(ev(call('ABS', [ref('n', INT)], INT), { n: -4 })).toBe(4);
    expect(ev(call('ABS', [ref('n', INT)], INT), { n: -2147483648 })).toBe(-2147483648); // wraps, as Java's Math.abs
    expect(ev(call('MOD', [ref('n', INT), lit(3)], INT), { n: -7 })).toBe(-1);
    expect(ev(call('SIGN', [d], DOUBLE), { d: -0.1 })).toBe(-1);
    expect(ev(call('GREATEST', [ref('n', INT), lit(3)], INT), { n: 7 })).toBe(7);
    expect(ev(call('GREATEST', [ref('n', INT), lit(3)], INT), { n: null })).toBe(null);
    expect(ev(call('LEAST', [s, lit('m')], STRING), { s: 'z' })).toBe('m');
  });

  it('time functions', () => {
    expect(ev(call('DATE_FORMAT', [t, lit('yyyy-MM-dd HH:mm:ss')], STRING), { t: T })).toBe('2025-04-21 14:08:35');
    expect(ev(call('DATE_FORMAT', [s, lit('yyyy/MM/dd')], STRING), { s: '2025-04-21T14:08:35Z' })).toBe('2025/04/21');
    expect(ev(call('TO_TIMESTAMP', [s], TIMESTAMP), { s: '2025-04-21 14:08:35' })).toBe(
      Date.UTC(2025, 3, 21, 14, 8, 35),
    );
    expect(ev(call('TO_TIMESTAMP', [s, lit('dd/MM/yyyy HH:mm')], TIMESTAMP), { s: '21/04/2025 14:08' })).toBe(
      Date.UTC(2025, 3, 21, 14, 8),
    );
    expect(ev(call('TO_TIMESTAMP', [s], TIMESTAMP), { s: 'nope' })).toBe(null);
    expect(ev(call('EXTRACT', [lit('HOUR'), t], BIGINT), { t: T })).toBe(14);
    expect(ev(call('EXTRACT', [lit('YEAR'), t], BIGINT), { t: T })).toBe(2025);
    expect(
      ev(call('TIMESTAMPDIFF', [lit('SECOND'), t, call('+', [t, lit(90_500, INTERVAL)], TIMESTAMP)], INT), { t: T }),
    ).toBe(90);
    expect(ev(call('TIMESTAMPDIFF', [lit('MONTH'), lit(Date.UTC(2025, 0, 31), TIMESTAMP), t], INT), { t: T })).toBe(2);
    expect(ev(call('TIMESTAMPADD', [lit('MONTH'), lit(1), lit(Date.UTC(2025, 0, 31), TIMESTAMP)], TIMESTAMP), {})).toBe(
      Date.UTC(2025, 1, 28),
    );
    expect(ev(call('TIMESTAMPADD', [lit('MINUTE'), ref('n', INT), t], TIMESTAMP), { t: T, n: 2 })).toBe(T + 120_000);
    expect(ev(call('TO_TIMESTAMP_LTZ', [ref('n', INT), lit(0)], TIMESTAMP), { n: 2 })).toBe(2000);
    expect(ev(call('FROM_UNIXTIME', [ref('n', INT)], STRING), { n: 86_400 })).toBe('1970-01-02 00:00:00');
    expect(ev(call('UNIX_TIMESTAMP', [s], BIGINT), { s: '1970-01-02 00:00:00' })).toBe(86_400);
    expect(ev(call('TO_DATE', [s], DATE), { s: '1970-01-10' })).toBe(9);
    expect(ev(call('DATE_TRUNC', [lit('HOUR'), t], TIMESTAMP), { t: T })).toBe(Date.UTC(2025, 3, 21, 14));
  });

  it('JSON, arrays and rows', () => {
    const doc = '{"a":{"b":[10,{"c":"x"}]},"n":null}';
    expect(ev(call('JSON_VALUE', [s, lit('$.a.b[0]')], STRING), { s: doc })).toBe('10');
    expect(ev(call('JSON_VALUE', [s, lit('$.a.b[1].c')], STRING), { s: doc })).toBe('x');
    expect(ev(call('JSON_VALUE', [s, lit('$.a')], STRING), { s: doc })).toBe(null);
    expect(ev(call('JSON_VALUE', [s, lit('$.n')], STRING), { s: doc })).toBe(null);
    expect(ev(call('JSON_VALUE', [s, lit('$.a.b[0]')], INT), { s: doc })).toBe(10);
    expect(ev(call('JSON_VALUE', [s, lit('$.a')], STRING), { s: 'not json' })).toBe(null);
    const arr = ref('arr', arrayOf(STRING));
    expect(ev(call('CARDINALITY', [arr], INT), { arr: ['a', 'b'] })).toBe(2);
    expect(ev(call('ELEMENT_AT', [arr, lit(2)], STRING), { arr: ['a', 'b'] })).toBe('b');
    expect(ev(call('ELEMENT_AT', [arr, lit(3)], STRING), { arr: ['a', 'b'] })).toBe(null);
    expect(ev(call('ARRAY_CONTAINS', [arr, lit('b')], B), { arr: ['a', null] })).toBe(null);
    expect(ev(call('ARRAY_CONTAINS', [arr, lit('a')], B), { arr: ['a', null] })).toBe(true);
    expect(ev(call('ARRAY', [s, lit('z')], arrayOf(STRING), false), { s: null })).toEqual([null, 'z']);
    const r = ref('r', rowOf({ a: INT, b: STRING }));
    expect(ev(call('FIELD', [r, lit('b')], STRING), { r: { a: 1, b: 'q' } })).toBe('q');
    expect(ev(call('FIELD', [r, lit('b')], STRING), { r: null })).toBe(null);
    expect(ev(call('+', [call('FIELD', [r, lit('a')], INT), lit(1)], INT), { r: { a: 1, b: null } })).toBe(2);
    expect(ev(call('+', [call('FIELD', [r, lit('a')], INT), lit(1)], INT), { r: { a: null, b: null } })).toBe(null);
  });

  it('CURRENT_TIMESTAMP and PROCTIME read the replaceable clock', async () => {
    const { setClock } = await import('../../runtime/functions/time.ts');
    const previous = setClock(() => 1234);
    try {
      expect(ev(call('CURRENT_TIMESTAMP', [], TIMESTAMP, false), {})).toBe(1234);
      expect(ev(call('PROCTIME', [], TIMESTAMP, false), {})).toBe(1234);
    } finally {
      setClock(previous);
    }
  });

  it('an invalid literal regular expression (which the checker refuses) is an internal error', () => {
    expect(() => compileExpr(call('REGEXP', [s, lit('(')], B), fields)).toThrow(/invalid regular expression/);
  });
});

// ---------------------------------------------------------------------------------------------
// Random expressions against a reference interpreter

/** A small, obviously-correct SQL interpreter for the logic and arithmetic subset. */
function interpret(e: BoundExpr, row: Record<string, V>): V {
  switch (e.kind) {
    case 'FieldRef':
      return row[e.name] ?? null;
    case 'Literal':
      return e.value;
    case 'Case': {
      for (const br of e.branches) if (interpret(br.when, row) === true) return interpret(br.then, row);
      return interpret(e.else, row);
    }
    case 'Cast':
      throw new Error('not in the subset');
    case 'Call': {
      const args = e.args.map((x) => interpret(x, row));
      const [x, y] = args;
      const strictNum = (f: (p: number, q: number) => V): V =>
        x === null || y === null ? null : f(x as number, y as number);
      switch (e.op) {
        case 'AND':
          return args.reduce((p, q) => AND(p, q), true as V);
        case 'OR':
          return args.reduce((p, q) => OR(p, q), false as V);
        case 'NOT':
          return NOT(x!);
        case 'IS NULL':
          return x === null;
        case 'IS NOT NULL':
          return x !== null;
        case '=':
          return strictNum((p, q) => p === q);
        case '<>':
          return strictNum((p, q) => p !== q);
        case '<':
          return strictNum((p, q) => p < q);
        case '>=':
          return strictNum((p, q) => p >= q);
        case '+':
          return strictNum((p, q) => (p + q) | 0);
        case '-':
          return strictNum((p, q) => (p - q) | 0);
        case 'COALESCE':
          return args.find((v) => v !== null) ?? null;
        case 'NULLIF':
          return x === null ? null : x === y ? null : x!;
        case 'BETWEEN': {
          const z = args[2]!;
          return AND(x === null || y === null ? null : x >= y, x === null || z === null ? null : x <= z);
        }
        case 'IN': {
          let sawNull = false;
          for (const item of args.slice(1)) {
            if (x === null || item === null) sawNull = true;
            else if (x === item) return true;
          }
          return sawNull ? null : false;
        }
        default:
          throw new Error(`not in the subset: ${e.op}`);
      }
    }
  }
}

function randomExpr(rand: () => number, depth: number, type: 'bool' | 'int'): BoundExpr {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  if (type === 'int') {
    if (depth <= 0 || rand() < 0.3) {
      return rand() < 0.6 ? ref(pick(['x', 'y']), INT) : lit(pick([null, 0, 1, 2, -3]), INT);
    }
    const op = pick(['+', '-', 'COALESCE', 'NULLIF', 'CASE'] as const);
    if (op === 'CASE')
      return caseWhen(
        [[randomExpr(rand, depth - 1, 'bool'), randomExpr(rand, depth - 1, 'int')]],
        randomExpr(rand, depth - 1, 'int'),
      );
    return call(op, [randomExpr(rand, depth - 1, 'int'), randomExpr(rand, depth - 1, 'int')], INT, true);
  }
  if (depth <= 0 || rand() < 0.2) return rand() < 0.7 ? ref(pick(['p', 'q']), B) : lit(pick([null, true, false]), B);
  const op = pick([
    'AND',
    'OR',
    'NOT',
    'IS NULL',
    'IS NOT NULL',
    '=',
    '<>',
    '<',
    '>=',
    'BETWEEN',
    'IN',
    'AND3',
  ] as const);
  const int = () => randomExpr(rand, depth - 1, 'int');
  const bool = () => randomExpr(rand, depth - 1, 'bool');
  switch (op) {
    case 'AND':
    case 'OR':
      return call(op, [bool(), bool()], B, true);
    case 'AND3':
      return call('AND', [bool(), bool(), bool()], B, true);
    case 'NOT':
      return call('NOT', [bool()], B, true);
    case 'IS NULL':
    case 'IS NOT NULL':
      return call(op, [rand() < 0.5 ? int() : bool()], B, false);
    case 'BETWEEN':
      return call('BETWEEN', [int(), int(), int()], B, true);
    case 'IN':
      return call('IN', [int(), int(), int(), lit(pick([1, null]), INT)], B, true);
    default:
      return call(op, [int(), int()], B, true);
  }
}

describe('random expressions agree with a reference interpreter', () => {
  it('1,500 seeded expressions × all NULL/value combinations, value and WHERE modes', () => {
    let seed = 20250421;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const fields = [field('x', INT), field('y', INT), field('p', B), field('q', B)];
    const rows: Record<string, V>[] = [];
    for (const x of [null, 0, 2])
      for (const y of [null, 1, 2]) for (const p of TRUTH) for (const q of TRUTH) rows.push({ x, y, p, q });
    const exprs = Array.from({ length: 1500 }, () => randomExpr(rand, 4, 'bool'));
    const values = compileExprs(exprs, fields);
    const trues = compileExprs(exprs, fields, 'true');
    const falses = compileExprs(exprs, fields, 'false');
    for (let i = 0; i < exprs.length; i++) {
      const [e, value, whenTrue, whenFalse] = [exprs[i]!, values[i]!, trues[i]!, falses[i]!];
      for (const row of rows) {
        const expected = interpret(e, row);
        const got = value.run(row);
        if (got !== expected) {
          throw new Error(
            `mismatch for row ${JSON.stringify(row)}: expected ${expected}, got ${String(got)}\n${value.source}`,
          );
        }
        if (whenTrue.run(row) !== (expected === true) || whenFalse.run(row) !== (expected === false)) {
          throw new Error(
            `WHERE-mode mismatch for row ${JSON.stringify(row)}: expected ${expected}\n${whenTrue.source}\n${whenFalse.source}`,
          );
        }
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Every operator, at least once (the table must list every ScalarOp)

describe('every ScalarOp', () => {
  const fields = [
    field('s', STRING),
    field('n', INT),
    field('d', DOUBLE),
    field('t', TIMESTAMP),
    field('b', B),
    field('arr', arrayOf(STRING)),
    field('m', { kind: 'MAP', key: STRING, value: INT, valueNullable: true }),
    field('r', rowOf({ a: INT })),
  ];
  const s = ref('s', STRING);
  const n = ref('n', INT);
  const d = ref('d', DOUBLE);
  const t = ref('t', TIMESTAMP);
  const T = Date.UTC(2025, 3, 21, 14, 8, 35, 123);
  const row = { s: 'Hello World', n: 7, d: 2.5, t: T, b: true, arr: ['x', 'y'], m: { k: 3 }, r: { a: 4 } };
  // UDF calls import a module: covered by the run cases test/cases/run/udf-*.
  const cases: Record<Exclude<ScalarOp, 'UDF'>, [BoundExpr, unknown]> = {
    '+': [call('+', [n, lit(1)], INT), 8],
    '-': [call('-', [n, lit(1)], INT), 6],
    '*': [call('*', [d, lit(2, DOUBLE)], DOUBLE), 5],
    '/': [call('/', [n, lit(2)], INT), 3],
    '%': [call('%', [n, lit(4)], INT), 3],
    NEG: [call('NEG', [n], INT), -7],
    '=': [call('=', [n, lit(7)], B), true],
    '<>': [call('<>', [n, lit(7)], B), false],
    '<': [call('<', [n, lit(7)], B), false],
    '<=': [call('<=', [n, lit(7)], B), true],
    '>': [call('>', [d, lit(2, DOUBLE)], B), true],
    '>=': [call('>=', [d, lit(3, DOUBLE)], B), false],
    AND: [call('AND', [ref('b', B), lit(true)], B), true],
    OR: [call('OR', [ref('b', B), lit(false)], B), true],
    NOT: [call('NOT', [ref('b', B)], B), false],
    'IS NULL': [call('IS NULL', [s], B, false), false],
    'IS NOT NULL': [call('IS NOT NULL', [s], B, false), true],
    'IS TRUE': [call('IS TRUE', [ref('b', B)], B, false), true],
    'IS NOT TRUE': [call('IS NOT TRUE', [ref('b', B)], B, false), false],
    'IS FALSE': [call('IS FALSE', [ref('b', B)], B, false), false],
    'IS NOT FALSE': [call('IS NOT FALSE', [ref('b', B)], B, false), true],
    'IS DISTINCT FROM': [call('IS DISTINCT FROM', [n, lit(null, INT)], B, false), true],
    'IS NOT DISTINCT FROM': [call('IS NOT DISTINCT FROM', [n, lit(7)], B, false), true],
    BETWEEN: [call('BETWEEN', [n, lit(1), lit(7)], B), true],
    IN: [call('IN', [n, lit(1), lit(7)], B), true],
    LIKE: [call('LIKE', [s, lit('Hello%')], B), true],
    '||': [call('||', [s, lit('!')], STRING), 'Hello World!'],
    UPPER: [call('UPPER', [s], STRING), 'HELLO WORLD'],
    LOWER: [call('LOWER', [s], STRING), 'hello world'],
    CONCAT: [call('CONCAT', [s, lit('?')], STRING), 'Hello World?'],
    CONCAT_WS: [call('CONCAT_WS', [lit('-'), s, lit('x')], STRING), 'Hello World-x'],
    SUBSTRING: [call('SUBSTRING', [s, lit(7)], STRING), 'World'],
    CHAR_LENGTH: [call('CHAR_LENGTH', [s], INT), 11],
    TRIM: [call('TRIM', [lit('LEADING'), lit('H'), s], STRING), 'ello World'],
    LTRIM: [call('LTRIM', [call('||', [lit('  '), s], STRING)], STRING), 'Hello World'],
    RTRIM: [call('RTRIM', [call('||', [s, lit('  ')], STRING)], STRING), 'Hello World'],
    REPLACE: [call('REPLACE', [s, lit('World'), lit('sq')], STRING), 'Hello sq'],
    REGEXP_EXTRACT: [call('REGEXP_EXTRACT', [s, lit('W(\\w+)'), lit(1)], STRING), 'orld'],
    REGEXP_REPLACE: [call('REGEXP_REPLACE', [s, lit('o'), lit('0')], STRING), 'Hell0 W0rld'],
    REGEXP: [call('REGEXP', [s, lit('W.r')], B), true],
    SPLIT_INDEX: [call('SPLIT_INDEX', [s, lit(' '), lit(1)], STRING), 'World'],
    SPLIT: [call('SPLIT', [s, lit(' ')], arrayOf(STRING, false)), ['Hello', 'World']],
    LEFT: [call('LEFT', [s, lit(2)], STRING), 'He'],
    RIGHT: [call('RIGHT', [s, lit(2)], STRING), 'ld'],
    LPAD: [call('LPAD', [lit('7'), lit(3), lit('0')], STRING), '007'],
    RPAD: [call('RPAD', [lit('7'), lit(3), lit('0')], STRING), '700'],
    POSITION: [call('POSITION', [lit('World'), s], INT), 7],
    INITCAP: [call('INITCAP', [lit('hello world')], STRING), 'Hello World'],
    REVERSE: [call('REVERSE', [lit('abc')], STRING), 'cba'],
    REPEAT: [call('REPEAT', [lit('ab'), lit(2)], STRING), 'abab'],
    MD5: [call('MD5', [lit('abc')], STRING), '900150983cd24fb0d6963f7d28e17f72'],
    TO_BASE64: [call('TO_BASE64', [lit('hello world')], STRING), 'aGVsbG8gd29ybGQ='],
    ABS: [call('ABS', [call('NEG', [d], DOUBLE)], DOUBLE), 2.5],
    ROUND: [call('ROUND', [d], DOUBLE), 3],
    FLOOR: [call('FLOOR', [d], DOUBLE), 2],
    CEIL: [call('CEIL', [d], DOUBLE), 3],
    POWER: [call('POWER', [d, lit(2, DOUBLE)], DOUBLE), 6.25],
    SQRT: [call('SQRT', [lit(16, DOUBLE)], DOUBLE), 4],
    MOD: [call('MOD', [n, lit(3)], INT), 1],
    EXP: [call('EXP', [lit(0, DOUBLE)], DOUBLE), 1],
    LN: [call('LN', [lit(1, DOUBLE)], DOUBLE), 0],
    LOG10: [call('LOG10', [lit(1000, DOUBLE)], DOUBLE), 3],
    SIGN: [call('SIGN', [call('NEG', [d], DOUBLE)], DOUBLE), -1],
    RAND: [call('<', [call('RAND', [lit(42)], DOUBLE, false), lit(1, DOUBLE)], B), true],
    TO_TIMESTAMP: [call('TO_TIMESTAMP', [lit('2025-04-21 14:08:35.123')], TIMESTAMP), T],
    TO_TIMESTAMP_LTZ: [call('TO_TIMESTAMP_LTZ', [lit(T, BIGINT), lit(3)], TIMESTAMP), T],
    UNIX_TIMESTAMP: [call('UNIX_TIMESTAMP', [t], BIGINT), Math.floor(T / 1000)],
    FROM_UNIXTIME: [call('FROM_UNIXTIME', [lit(0, BIGINT)], STRING), '1970-01-01 00:00:00'],
    DATE_FORMAT: [call('DATE_FORMAT', [t, lit('HH:mm')], STRING), '14:08'],
    EXTRACT: [call('EXTRACT', [lit('MINUTE'), t], BIGINT), 8],
    CURRENT_TIMESTAMP: [call('>', [call('CURRENT_TIMESTAMP', [], TIMESTAMP, false), t], B), true],
    CURRENT_DATE: [call('>', [call('CURRENT_DATE', [], DATE, false), lit(20_000, DATE)], B), true],
    PROCTIME: [call('>', [call('PROCTIME', [], TIMESTAMP, false), t], B), true],
    TIMESTAMPDIFF: [call('TIMESTAMPDIFF', [lit('HOUR'), lit(0, TIMESTAMP), t], BIGINT), Math.floor(T / 3_600_000)],
    TIMESTAMPADD: [call('TIMESTAMPADD', [lit('DAY'), lit(1), t], TIMESTAMP), T + 86_400_000],
    TO_DATE: [call('TO_DATE', [lit('1970-01-02')], DATE), 1],
    DATE_TRUNC: [call('DATE_TRUNC', [lit('DAY'), t], TIMESTAMP), Date.UTC(2025, 3, 21)],
    JSON_VALUE: [call('JSON_VALUE', [lit('{"a":[1,2]}'), lit('$.a[1]')], STRING), '2'],
    CARDINALITY: [
      call('CARDINALITY', [ref('m', { kind: 'MAP', key: STRING, value: INT, valueNullable: true })], INT),
      1,
    ],
    ELEMENT_AT: [
      call('ELEMENT_AT', [ref('m', { kind: 'MAP', key: STRING, value: INT, valueNullable: true }), lit('k')], INT),
      3,
    ],
    ARRAY: [call('ARRAY', [n, lit(1)], arrayOf(INT), false), [7, 1]],
    ARRAY_CONTAINS: [call('ARRAY_CONTAINS', [ref('arr', arrayOf(STRING)), lit('y')], B), true],
    FIELD: [call('FIELD', [ref('r', rowOf({ a: INT })), lit('a')], INT), 4],
    COALESCE: [call('COALESCE', [lit(null, INT), n], INT), 7],
    NULLIF: [call('NULLIF', [n, lit(7)], INT, true), null],
    IF: [call('IF', [ref('b', B), lit('yes'), lit('no')], STRING), 'yes'],
    GREATEST: [call('GREATEST', [n, lit(9), lit(3)], INT), 9],
    LEAST: [call('LEAST', [d, lit(1, DOUBLE)], DOUBLE), 1],
  };
  it('each is compiled and evaluated', () => {
    const entries = Object.entries(cases) as [Exclude<ScalarOp, 'UDF'>, [BoundExpr, unknown]][];
    const compiled = compileExprs(
      entries.map(([, [e]]) => e),
      fields,
    );
    entries.forEach(([op, [, expected]], i) => {
      expect(compiled[i]!.run(row), op).toEqual(expected);
    });
  });
});
