/**
 * Program size (grammar/limits.ts): what `sqc check` accepts, `compile` compiles — at the limits
 * themselves, for each way of reaching them — and one step beyond is SQ0003 at the token that
 * crosses the limit, from `check`, never an internal error from `compile`.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.ts';
import { compile } from '../index.ts';
import { MAX_NESTING, MAX_OPERATORS } from '../../grammar/limits.ts';

const HEAD =
  "CREATE STREAM t (a INT, d DOUBLE, b STRING, x BIGINT) WITH ('connector' = 'file', 'path' = 'in.jsonl', 'format' = 'json');\n" +
  "CREATE SINK o WITH ('connector' = 'print');\n";

const terms = (n: number, term: (i: number) => string): string => Array.from({ length: n }, (_, i) => term(i)).join('');

/** Statements at a limit: [name, statement]. */
const AT_LIMIT: [string, string][] = [
  // 2 operators per term: `a = i OR`
  ['OR chain', `INSERT INTO o SELECT a FROM t WHERE a = 0${terms(MAX_OPERATORS / 2 - 1, (i) => ` OR a = ${i + 1}`)};`],
  ['INT sum', `INSERT INTO o SELECT a${' + a'.repeat(MAX_OPERATORS)} AS s FROM t;`],
  ['BIGINT sum', `INSERT INTO o SELECT x${' + x'.repeat(MAX_OPERATORS)} AS s FROM t;`],
  ['string concatenation', `INSERT INTO o SELECT b${' || b'.repeat(MAX_OPERATORS)} AS s FROM t;`],
  ['parentheses', `INSERT INTO o SELECT ${'('.repeat(MAX_NESTING)}a${')'.repeat(MAX_NESTING)} AS s FROM t;`],
  ['function calls', `INSERT INTO o SELECT ${'ABS('.repeat(MAX_NESTING)}a${')'.repeat(MAX_NESTING)} AS s FROM t;`],
  ['subqueries', `INSERT INTO o SELECT a FROM ${'(SELECT a FROM '.repeat(MAX_NESTING)}t${') q'.repeat(MAX_NESTING)};`],
  [
    'CASE',
    `INSERT INTO o SELECT ${'CASE WHEN a > 0 THEN '.repeat(MAX_NESTING)}a${' ELSE 0 END'.repeat(MAX_NESTING)} AS s FROM t;`,
  ],
  ['signs', `INSERT INTO o SELECT ${'- '.repeat(MAX_NESTING)}a AS s FROM t;`],
  [
    'signed calls',
    `INSERT INTO o SELECT ${'-ABS('.repeat(MAX_NESTING / 2)}a${')'.repeat(MAX_NESTING / 2)} AS s FROM t;`,
  ],
];

describe('program size limits', () => {
  for (const [name, statement] of AT_LIMIT) {
    it(`compiles a statement at the limit: ${name}`, async () => {
      const { diagnostics, code } = await compile(HEAD + statement, 'q.sq');
      expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(code).toContain('export function createJob');
    }, 300_000);
  }

  const errorOf = (statement: string): string =>
    analyze(HEAD + statement, 'q.sq')
      .diagnostics.map((d) => `${d.code} ${d.span.line}:${d.span.col} ${d.message}`)
      .join('\n');

  it('refuses one level or one operator more, at the token that crosses the limit', () => {
    const deep = `INSERT INTO o SELECT ${'('.repeat(MAX_NESTING + 1)}a${')'.repeat(MAX_NESTING + 1)} AS s FROM t;`;
    expect(errorOf(deep)).toBe(
      `SQ0003 3:${22 + MAX_NESTING} nested too deeply: more than 100 levels of parentheses, function calls, subqueries, CASE or prefix operators`,
    );
    const signed = `INSERT INTO o SELECT ${'-ABS('.repeat(MAX_NESTING / 2 + 1)}a${')'.repeat(MAX_NESTING / 2 + 1)} AS s FROM t;`;
    expect(errorOf(signed)).toMatch(/^SQ0003 3:\d+ nested too deeply/);
    const long = `INSERT INTO o SELECT a${' + a'.repeat(MAX_OPERATORS + 1)} AS s FROM t;`;
    expect(errorOf(long)).toBe(
      `SQ0003 3:${24 + 4 * MAX_OPERATORS} expression too large: more than 1000 operators in one expression`,
    );
  });

  it('counts per expression: commas, AND / OR end what a prefix operator nests', () => {
    // 1,500 select items of 1 operator each; 200 negative literals in an OR chain
    expect(errorOf(`INSERT INTO o SELECT ${terms(1500, (i) => `${i ? ', ' : ''}a + ${i} AS c${i}`)} FROM t;`)).toBe('');
    expect(errorOf(`INSERT INTO o SELECT a FROM t WHERE a = -1${terms(199, (i) => ` OR a = -${i + 2}`)};`)).toBe('');
  });
});
