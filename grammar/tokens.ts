/**
 * The sq lexer: every token, in match order. Keywords are case-insensitive and take
 * `longer_alt: Identifier` so `selection` is an identifier, not `SELECT` + `ion`.
 *
 * Two keyword families:
 * - reserved keywords (`SELECT`, `FROM`, `JOIN`, ...) are never identifiers unless quoted;
 * - non-reserved keywords (`TIMESTAMP`, `KEY`, `PARTITION`, `YEAR`, ...) carry the `NonReserved`
 *   category and are accepted wherever an identifier is, so columns may be called `timestamp`.
 * Every keyword also carries `Keyword`, accepted after a `.` (`window.end`).
 *
 * Unterminated strings, quoted identifiers and comments have tokens of their own, so the
 * lexer never fails on them: `parse` turns them into SQ0002 diagnostics with exact positions.
 */
import type { TokenType } from 'chevrotain';
import { createToken, Lexer } from './chevrotain.ts';

/**
 * Every token says which characters it can start with (`start_chars_hint`) and whether it can
 * span lines (`line_breaks`): otherwise the lexer parses each pattern's regular expression to
 * find out, the larger part of its construction at every start-up. `grammar.test.ts` checks the
 * hints against Chevrotain's own analysis of the patterns.
 */
const chars = (...ranges: string[]): string[] => {
  const out: string[] = []; // (`Array` is a keyword token below)
  for (const r of ranges) {
    if (r.length === 3 && r[1] === '-')
      for (let c = r.charCodeAt(0); c <= r.charCodeAt(2); c++) out.push(String.fromCharCode(c));
    else out.push(...r);
  }
  return out;
};
const LETTER = chars('A-Z', 'a-z', '_');
/** What `\s` matches: ECMAScript's WhiteSpace and LineTerminator characters. */
export const WHITESPACE_CHARS = chars(
  '\t\n\v\f\r \u00a0\u1680',
  '\u2000-\u200a',
  '\u2028\u2029\u202f\u205f\u3000\ufeff',
);

export const Identifier = createToken({
  name: 'Identifier',
  label: 'a name',
  pattern: /[A-Za-z_][A-Za-z0-9_$]*/,
  start_chars_hint: LETTER,
  line_breaks: false,
});
export const Keyword = createToken({ name: 'Keyword', pattern: Lexer.NA });
export const NonReserved = createToken({ name: 'NonReserved', pattern: Lexer.NA });
export const TimeUnitWord = createToken({ name: 'TimeUnitWord', pattern: Lexer.NA });

const keywords: TokenType[] = [];

function keyword(word: string, options: { reserved?: boolean; unit?: boolean; label?: string } = {}): TokenType {
  const categories = [Keyword];
  if (options.reserved === false || options.unit) categories.push(NonReserved);
  if (options.unit) categories.push(TimeUnitWord);
  const token = createToken({
    name: word
      .toLowerCase()
      .split('_')
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join(''),
    label: options.label ?? word.toUpperCase(),
    pattern: new RegExp(word, 'i'),
    // the lexer's first-character index without analysing the pattern (most of its start-up)
    start_chars_hint: [word.charAt(0).toUpperCase(), word.charAt(0).toLowerCase()],
    line_breaks: false,
    longer_alt: Identifier,
    categories,
  });
  keywords.push(token);
  return token;
}
const nonReserved = (word: string) => keyword(word, { reserved: false });
const unit = (word: string) => keyword(word, { unit: true });

// Reserved keywords.
export const Select = keyword('SELECT');
export const From = keyword('FROM');
export const Where = keyword('WHERE');
export const Group = keyword('GROUP');
export const By = keyword('BY');
export const Having = keyword('HAVING');
export const Order = keyword('ORDER');
export const Limit = keyword('LIMIT');
export const Join = keyword('JOIN');
export const Inner = keyword('INNER');
export const Left = keyword('LEFT');
export const Right = keyword('RIGHT');
export const Full = keyword('FULL');
export const Outer = keyword('OUTER');
export const Cross = keyword('CROSS');
export const On = keyword('ON');
export const As = keyword('AS');
export const Union = keyword('UNION');
export const Intersect = keyword('INTERSECT');
export const Except = keyword('EXCEPT');
export const All = keyword('ALL');
export const Distinct = keyword('DISTINCT');
export const And = keyword('AND');
export const Or = keyword('OR');
export const Not = keyword('NOT');
export const In = keyword('IN');
export const Is = keyword('IS');
export const Null = keyword('NULL');
export const True = keyword('TRUE');
export const False = keyword('FALSE');
export const Case = keyword('CASE');
export const When = keyword('WHEN');
export const Then = keyword('THEN');
export const Else = keyword('ELSE');
export const End = keyword('END');
export const Between = keyword('BETWEEN');
export const Like = keyword('LIKE');
export const With = keyword('WITH');
export const Insert = keyword('INSERT');
export const Into = keyword('INTO');
export const Create = keyword('CREATE');
export const Set = keyword('SET');
export const Emit = keyword('EMIT');
export const Table = keyword('TABLE');
export const Unnest = keyword('UNNEST');
export const TryCast = keyword('TRY_CAST');
export const Cast = keyword('CAST');
export const Interval = keyword('INTERVAL');
export const Extract = keyword('EXTRACT');
export const Trim = keyword('TRIM');
export const Substring = keyword('SUBSTRING');
export const Array = keyword('ARRAY');
export const For = keyword('FOR');

// Non-reserved keywords: meaningful in some places, identifiers everywhere else.
export const Stream = nonReserved('STREAM');
export const Sink = nonReserved('SINK');
export const View = nonReserved('VIEW');
export const Temporary = nonReserved('TEMPORARY');
export const If = nonReserved('IF');
export const Exists = nonReserved('EXISTS');
export const Watermark = nonReserved('WATERMARK');
export const Primary = nonReserved('PRIMARY');
export const Key = nonReserved('KEY');
export const Enforced = nonReserved('ENFORCED');
export const Metadata = nonReserved('METADATA');
export const Virtual = nonReserved('VIRTUAL');
export const Partition = nonReserved('PARTITION');
export const SystemTime = nonReserved('SYSTEM_TIME');
export const SystemKw = nonReserved('SYSTEM');
export const FunctionKw = nonReserved('FUNCTION');
export const Language = nonReserved('LANGUAGE');
export const Partitioned = nonReserved('PARTITIONED');
export const Of = nonReserved('OF');
export const Final = nonReserved('FINAL');
export const Changes = nonReserved('CHANGES');
export const Complete = nonReserved('COMPLETE');
export const Ordinality = nonReserved('ORDINALITY');
export const Asc = nonReserved('ASC');
export const Desc = nonReserved('DESC');
export const Nulls = nonReserved('NULLS');
export const First = nonReserved('FIRST');
export const Last = nonReserved('LAST');
export const Escape = nonReserved('ESCAPE');
export const Symmetric = nonReserved('SYMMETRIC');
export const Both = nonReserved('BOTH');
export const Leading = nonReserved('LEADING');
export const Trailing = nonReserved('TRAILING');
export const Unknown = nonReserved('UNKNOWN');
export const TimestampKw = nonReserved('TIMESTAMP');
export const DateKw = nonReserved('DATE');
export const TimeKw = nonReserved('TIME');
export const Filter = nonReserved('FILTER');
export const To = nonReserved('TO');
// OVER windows (`f(...) OVER (PARTITION BY ... ORDER BY ... ROWS BETWEEN n PRECEDING AND CURRENT ROW)`).
export const Over = nonReserved('OVER');
export const Rows = nonReserved('ROWS');
export const Range = nonReserved('RANGE');
export const Preceding = nonReserved('PRECEDING');
export const Following = nonReserved('FOLLOWING');
export const Unbounded = nonReserved('UNBOUNDED');
export const Current = nonReserved('CURRENT');
export const Row = nonReserved('ROW');

// Time units (non-reserved; plural spellings normalised by the AST builder).
export const TimeUnits = [
  'MILLISECONDS',
  'MILLISECOND',
  'SECONDS',
  'SECOND',
  'MINUTES',
  'MINUTE',
  'HOURS',
  'HOUR',
  'DAYS',
  'DAY',
  'WEEKS',
  'WEEK',
  'MONTHS',
  'MONTH',
  'QUARTERS',
  'QUARTER',
  'YEARS',
  'YEAR',
  'DOW',
  'DOY',
  'EPOCH',
].map(unit);

// Strings, quoted identifiers and comments may span lines.
const spanning = (start: string) => ({ start_chars_hint: [start], line_breaks: true });
const oneLine = (...start: string[]) => ({ start_chars_hint: start, line_breaks: false });

export const StringLiteral = createToken({
  name: 'StringLiteral',
  label: 'a string',
  pattern: /'(?:[^']|'')*'/,
  ...spanning("'"),
});
export const UnterminatedString = createToken({
  name: 'UnterminatedString',
  pattern: /'(?:[^']|'')*/,
  ...spanning("'"),
});
export const QuotedIdentifier = createToken({
  name: 'QuotedIdentifier',
  label: 'an identifier',
  pattern: /"(?:[^"]|"")*"/,
  ...spanning('"'),
});
export const UnterminatedQuoted = createToken({
  name: 'UnterminatedQuoted',
  pattern: /"(?:[^"]|"")*/,
  ...spanning('"'),
});
export const BacktickIdentifier = createToken({
  name: 'BacktickIdentifier',
  label: 'an identifier',
  pattern: /`(?:[^`]|``)*`/,
  ...spanning('`'),
});
export const UnterminatedBacktick = createToken({
  name: 'UnterminatedBacktick',
  pattern: /`(?:[^`]|``)*/,
  ...spanning('`'),
});
export const NumberLiteral = createToken({
  name: 'NumberLiteral',
  label: 'a number',
  pattern: /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/,
  ...oneLine(...chars('0-9', '.')),
});

export const WhiteSpace = createToken({
  name: 'WhiteSpace',
  pattern: /\s+/,
  group: Lexer.SKIPPED,
  start_chars_hint: WHITESPACE_CHARS,
  line_breaks: true,
});
export const LineComment = createToken({
  name: 'LineComment',
  pattern: /--[^\n\r]*/,
  group: Lexer.SKIPPED,
  ...oneLine('-'),
});
export const BlockComment = createToken({
  name: 'BlockComment',
  pattern: /\/\*[\s\S]*?\*\//,
  group: Lexer.SKIPPED,
  ...spanning('/'),
});
export const UnterminatedComment = createToken({
  name: 'UnterminatedComment',
  pattern: /\/\*[\s\S]*/,
  ...spanning('/'),
});

const punct = (name: string, pattern: string, label = `"${pattern}"`) =>
  createToken({ name, pattern: new RegExp(pattern.replace(/[|*+()[\].]/g, '\\$&')), label, ...oneLine(pattern[0]!) });

export const NotEqual = createToken({ name: 'NotEqual', pattern: /<>|!=/, label: '"<>"', ...oneLine('<', '!') });
export const LessEq = punct('LessEq', '<=');
export const GreaterEq = punct('GreaterEq', '>=');
export const Equals = punct('Equals', '=');
export const Less = punct('Less', '<');
export const Greater = punct('Greater', '>');
export const Concat = punct('Concat', '||');
export const Plus = punct('Plus', '+');
export const Minus = punct('Minus', '-');
export const Star = punct('Star', '*');
export const Slash = punct('Slash', '/');
export const Percent = punct('Percent', '%');
export const LParen = punct('LParen', '(');
export const RParen = punct('RParen', ')');
export const LBracket = punct('LBracket', '[');
export const RBracket = punct('RBracket', ']');
export const Comma = punct('Comma', ',');
export const Semicolon = punct('Semicolon', ';');
export const Dot = punct('Dot', '.');
export const Arrow = punct('Arrow', '=>');

export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  StringLiteral,
  UnterminatedString,
  QuotedIdentifier,
  UnterminatedQuoted,
  BacktickIdentifier,
  UnterminatedBacktick,
  NumberLiteral,
  Arrow,
  NotEqual,
  LessEq,
  GreaterEq,
  Equals,
  Less,
  Greater,
  Concat,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Semicolon,
  Dot,
  // Chevrotain takes the first pattern that matches, then checks `longer_alt`: a keyword that is
  // a prefix of another (IN / INNER, AS / ASC, OR / ORDER) must come after it.
  ...[...keywords].sort((a, b) => String(b.LABEL).length - String(a.LABEL).length),
  Keyword,
  NonReserved,
  TimeUnitWord,
  Identifier,
];

/** The reserved keywords' spellings, for did-you-mean on misspelled keywords. */
export const RESERVED_WORDS: readonly string[] = keywords
  .filter((k) => !k.CATEGORIES?.includes(NonReserved))
  .map((k) => String(k.LABEL));

/** Tokens whose presence means a lexical error (reported as SQ0002, then dropped). */
export const ERROR_TOKENS = new Map<TokenType, string>([
  [UnterminatedString, "unterminated string literal: add the closing quote '"],
  [UnterminatedQuoted, 'unterminated quoted identifier: add the closing "'],
  [UnterminatedBacktick, 'unterminated quoted identifier: add the closing `'],
  [UnterminatedComment, 'unterminated comment: add the closing */'],
]);

/** The lexer's configuration; Chevrotain's validation of the token definitions runs in the grammar test. */
export const LEXER_CONFIG = { ensureOptimizations: false, positionTracking: 'full' } as const;

/** The lexer, built without re-validating the token definitions at every start-up (~60 ms). */
export const SqLexer = new Lexer(allTokens, { ...LEXER_CONFIG, skipValidations: true });
