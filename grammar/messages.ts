/**
 * Syntax error messages in user terms. Chevrotain's defaults list every token sequence it could
 * accept; these say what was expected in a few words: `expected ")" but found "FROM"`,
 * `expected an expression but found ","`.
 */
import type { IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';
import { EOF } from './chevrotain.ts';

/** What a rule is called in a message ("expected an expression"). */
const RULE_NAMES: Record<string, string> = {
  statement: 'a statement (CREATE, INSERT or SET)',
  setStatement: 'SET',
  createStatement: 'STREAM, TABLE, SINK or VIEW',
  tableElement: 'a column definition, WATERMARK FOR or PRIMARY KEY',
  columnDef: 'a column type or AS <expression>',
  dataType: 'a type',
  typeArg: 'a type',
  optionPair: "an option 'key' = 'value'",
  query: 'a query (SELECT ...)',
  setExpr: 'a query (SELECT ...)',
  setTerm: 'SELECT or (',
  select: 'SELECT',
  selectItem: 'a column or expression',
  fromClause: 'a table, view, window function or subquery',
  joinedTable: 'a table, view, window function or subquery',
  tablePrimary: 'a table, view, window function or subquery',
  joinClause: 'JOIN',
  expression: 'an expression',
  andExpr: 'an expression',
  notExpr: 'an expression',
  predicate: 'an expression',
  concat: 'an expression',
  additive: 'an expression',
  multiplicative: 'an expression',
  unary: 'an expression',
  postfix: 'an expression',
  primary: 'an expression',
  emitClause: 'FINAL, CHANGES or COMPLETE',
  intervalLiteral: "an interval such as INTERVAL '5' MINUTE",
  identifier: 'a name',
  fieldName: 'a field name',
  anyWord: 'a word',
  setWord: 'a key or value',
  alias: 'a name',
  orderItem: 'an expression',
};

export function tokenText(token: IToken): string {
  if (token.tokenType === EOF) return 'end of input';
  const image = token.image.length > 30 ? `${token.image.slice(0, 27)}...` : token.image;
  return `"${image}"`;
}

export function tokenLabel(t: TokenType): string {
  if (t === EOF) return 'end of input';
  const label = t.LABEL ?? t.name;
  return /^[A-Z_]+$/.test(label) ? label : label;
}

/** Distinct first tokens of the expected paths, at most `max`, as labels. */
function firstTokens(paths: TokenType[][], max = 6): string[] {
  const seen = new Set<string>();
  for (const path of paths) {
    const t = path[0];
    if (!t) continue;
    const name = t.name;
    if (name === 'Keyword' || name === 'NonReserved' || name === 'TimeUnitWord') continue;
    seen.add(tokenLabel(t));
  }
  return [...seen].slice(0, max);
}

function orList(items: string[]): string {
  if (items.length <= 1) return items[0] ?? 'something else';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** A rule's description when it has a noun phrase ("an expression"), else its first tokens. */
function expectation(ruleName: string, paths: TokenType[][]): string {
  const described = RULE_NAMES[ruleName];
  if (described && /^an? /.test(described)) return described;
  const options = firstTokens(paths);
  return options.length ? orList(options) : (described ?? 'more input');
}

export const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, ruleName }) {
    const what =
      expected.name === 'Identifier' || expected.name === 'NonReserved'
        ? (RULE_NAMES[ruleName] ?? 'a name')
        : tokenLabel(expected);
    return `expected ${what} but found ${tokenText(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `unexpected ${tokenText(firstRedundant)}: expected ";" or the end of the statement`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    return `expected ${expectation(ruleName, expectedPathsPerAlt.flat())} but found ${tokenText(actual[0]!)}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    return `expected ${expectation(ruleName, expectedIterationPaths)} but found ${tokenText(actual[0]!)}`;
  },
};
