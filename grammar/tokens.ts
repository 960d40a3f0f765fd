/**
 * Every token of sq, and the lexer built from them.
 *
 * Keywords are case-insensitive and come in two families:
 * - reserved (`SELECT`, `FROM`, `JOIN`, ...): never an identifier, except after a `.`;
 * - non-reserved (`STREAM`, `KEY`, `TIMESTAMP`, `END`, ...): also accepted wherever a name is,
 *   through the `Ident` category, so columns called `timestamp`, `key` or `end` just work.
 * Time units (`MINUTE`, `YEAR`, ...) and `TO` are not keywords at all: the parser recognises them
 * by their image where a unit may appear (see `isTimeUnitToken`).
 *
 * Categories: `Ident` (any name: bare, quoted, non-reserved keyword), `AnyWord` (`Ident` plus every
 * reserved keyword: field names after `.`, bare option values), and the operator families
 * `CompareOp`, `AdditiveOp`, `MultiplicativeOp`. A label that starts with a lower-case letter is a
 * description ("a name"); other labels are what the user types (`SELECT`, `)`).
 */
import { createToken, Lexer, type IToken, type TokenType } from 'chevrotain';

// ---------------------------------------------------------------------------------------------
// Categories

export const AnyWord = createToken({ name: 'AnyWord', pattern: Lexer.NA, label: 'a name' });
export const Ident = createToken({ name: 'Ident', pattern: Lexer.NA, categories: [AnyWord], label: 'a name' });
export const CompareOp = createToken({ name: 'CompareOp', pattern: Lexer.NA, label: 'a comparison operator' });
export const AdditiveOp = createToken({ name: 'AdditiveOp', pattern: Lexer.NA, label: '"+" or "-"' });
export const MultiplicativeOp = createToken({ name: 'MultiplicativeOp', pattern: Lexer.NA, label: '"*", "/" or "%"' });

// ---------------------------------------------------------------------------------------------
// Trivia, literals and names

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /\s+/, group: Lexer.SKIPPED });
export const LineComment = createToken({ name: 'LineComment', pattern: /--[^\n\r]*/, group: Lexer.SKIPPED });
export const BlockComment = createToken({ name: 'BlockComment', pattern: /\/\*[\s\S]*?\*\//, group: Lexer.SKIPPED });

/** Tokens in the `errors` group never reach the parser; each becomes an SQ0002 diagnostic. */
export const ERROR_GROUP = 'errors';
export const UnterminatedComment = createToken({ name: 'UnterminatedComment', pattern: /\/\*[\s\S]*/, group: ERROR_GROUP });

export const StringLiteral = createToken({ name: 'StringLiteral', pattern: /'(?:[^']|'')*'/, label: 'a string' });
export const UnterminatedString = createToken({ name: 'UnterminatedString', pattern: /'(?:[^']|'')*/, group: ERROR_GROUP });

export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_\u00C0-\u024F\u0370-\u03FF\u0400-\u04FF\u4E00-\u9FFF][\w$\u00C0-\u024F\u0370-\u03FF\u0400-\u04FF\u4E00-\u9FFF]*/,
  categories: [Ident],
  label: 'a name',
});
export const QuotedIdentifier = createToken({ name: 'QuotedIdentifier', pattern: /"(?:[^"]|"")*"/, categories: [Ident], label: 'a name' });
export const UnterminatedQuotedIdentifier = createToken({ name: 'UnterminatedQuotedIdentifier', pattern: /"(?:[^"]|"")*/, group: ERROR_GROUP });
export const BacktickIdentifier = createToken({ name: 'BacktickIdentifier', pattern: /`(?:[^`]|``)*`/, categories: [Ident], label: 'a name' });
export const UnterminatedBacktickIdentifier = createToken({ name: 'UnterminatedBacktickIdentifier', pattern: /`(?:[^`]|``)*/, group: ERROR_GROUP });

export const NumberLiteral = createToken({
  name: 'NumberLiteral',
  pattern: /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/,
  label: 'a number',
});

// ---------------------------------------------------------------------------------------------
// Keywords

const keywords: TokenType[] = [];

function keyword(word: string, reserved: boolean): TokenType {
  const name = word
    .toLowerCase()
    .split('_')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
  const token = createToken({
    name,
    pattern: new RegExp(word, 'i'),
    longer_alt: Identifier,
    categories: [reserved ? AnyWord : Ident],
    label: word,
  });
  keywords.push(token);
  return token;
}
const reserved = (word: string) => keyword(word, true);
const nonReserved = (word: string) => keyword(word, false);

// Reserved: everything that may follow an expression, a select item or a table reference (so a
// bare alias is never confused with a clause), plus the words that open special syntax.
export const Select = reserved('SELECT');
export const From = reserved('FROM');
export const Where = reserved('WHERE');
export const Group = reserved('GROUP');
export const Having = reserved('HAVING');
export const Order = reserved('ORDER');
export const Limit = reserved('LIMIT');
export const Union = reserved('UNION');
export const Intersect = reserved('INTERSECT');
export const Except = reserved('EXCEPT');
export const Emit = reserved('EMIT');
export const Join = reserved('JOIN');
export const Inner = reserved('INNER');
export const Left = reserved('LEFT');
export const Right = reserved('RIGHT');
export const Full = reserved('FULL');
export const Outer = reserved('OUTER');
export const Cross = reserved('CROSS');
export const On = reserved('ON');
export const As = reserved('AS');
export const And = reserved('AND');
export const Or = reserved('OR');
export const Not = reserved('NOT');
export const Is = reserved('IS');
export const Null = reserved('NULL');
export const True = reserved('TRUE');
export const False = reserved('FALSE');
export const Between = reserved('BETWEEN');
export const Symmetric = reserved('SYMMETRIC');
export const Asymmetric = reserved('ASYMMETRIC');
export const In = reserved('IN');
export const Like = reserved('LIKE');
export const Escape = reserved('ESCAPE');
export const Case = reserved('CASE');
export const When = reserved('WHEN');
export const Then = reserved('THEN');
export const Else = reserved('ELSE');
export const Cast = reserved('CAST');
export const TryCast = reserved('TRY_CAST');
export const Extract = reserved('EXTRACT');
export const Trim = reserved('TRIM');
export const Substring = reserved('SUBSTRING');
export const Both = reserved('BOTH');
export const Leading = reserved('LEADING');
export const Trailing = reserved('TRAILING');
export const Interval = reserved('INTERVAL');
export const Array = reserved('ARRAY');
export const With = reserved('WITH');
export const Distinct = reserved('DISTINCT');
export const All = reserved('ALL');
export const Create = reserved('CREATE');
export const Insert = reserved('INSERT');
export const Into = reserved('INTO');
export const Set = reserved('SET');
export const Table = reserved('TABLE');
export const Unnest = reserved('UNNEST');
export const For = reserved('FOR');
export const CurrentTimestamp = reserved('CURRENT_TIMESTAMP');
export const CurrentDate = reserved('CURRENT_DATE');
export const CurrentTime = reserved('CURRENT_TIME');
export const Localtimestamp = reserved('LOCALTIMESTAMP');
export const Localtime = reserved('LOCALTIME');

// Non-reserved: keywords only where the grammar expects them, names everywhere else.
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
export const Final = nonReserved('FINAL');
export const Changes = nonReserved('CHANGES');
export const Complete = nonReserved('COMPLETE');
export const By = nonReserved('BY');
export const Asc = nonReserved('ASC');
export const Desc = nonReserved('DESC');
export const Nulls = nonReserved('NULLS');
export const First = nonReserved('FIRST');
export const Last = nonReserved('LAST');
export const SystemTime = nonReserved('SYSTEM_TIME');
export const Of = nonReserved('OF');
export const Tumble = nonReserved('TUMBLE');
export const Hop = nonReserved('HOP');
export const Cumulate = nonReserved('CUMULATE');
export const Session = nonReserved('SESSION');
export const Descriptor = nonReserved('DESCRIPTOR');
export const Partition = nonReserved('PARTITION');
export const Ordinality = nonReserved('ORDINALITY');
export const Filter = nonReserved('FILTER');
export const Unknown = nonReserved('UNKNOWN');
export const End = nonReserved('END');
// Type names.
export const Boolean = nonReserved('BOOLEAN');
export const Tinyint = nonReserved('TINYINT');
export const Smallint = nonReserved('SMALLINT');
export const Int = nonReserved('INT');
export const Integer = nonReserved('INTEGER');
export const Bigint = nonReserved('BIGINT');
export const Float = nonReserved('FLOAT');
export const Double = nonReserved('DOUBLE');
export const Precision = nonReserved('PRECISION');
export const Decimal = nonReserved('DECIMAL');
export const Dec = nonReserved('DEC');
export const Numeric = nonReserved('NUMERIC');
export const String = nonReserved('STRING');
export const Varchar = nonReserved('VARCHAR');
export const Char = nonReserved('CHAR');
export const Bytes = nonReserved('BYTES');
export const Timestamp = nonReserved('TIMESTAMP');
export const TimestampLtz = nonReserved('TIMESTAMP_LTZ');
export const Date = nonReserved('DATE');
export const Time = nonReserved('TIME');
export const Without = nonReserved('WITHOUT');
export const Zone = nonReserved('ZONE');
export const Local = nonReserved('LOCAL');
export const Map = nonReserved('MAP');
export const Row = nonReserved('ROW');

// ---------------------------------------------------------------------------------------------
// Operators and punctuation

export const Concat = createToken({ name: 'Concat', pattern: '||', label: '||' });
export const NotEqualsBang = createToken({ name: 'NotEqualsBang', pattern: '!=', categories: [CompareOp], label: '!=' });
export const NotEquals = createToken({ name: 'NotEquals', pattern: '<>', categories: [CompareOp], label: '<>' });
export const LessEquals = createToken({ name: 'LessEquals', pattern: '<=', categories: [CompareOp], label: '<=' });
export const GreaterEquals = createToken({ name: 'GreaterEquals', pattern: '>=', categories: [CompareOp], label: '>=' });
export const Less = createToken({ name: 'Less', pattern: '<', categories: [CompareOp], label: '<' });
export const Greater = createToken({ name: 'Greater', pattern: '>', categories: [CompareOp], label: '>' });
export const Equals = createToken({ name: 'Equals', pattern: '=', categories: [CompareOp], label: '=' });
export const Plus = createToken({ name: 'Plus', pattern: '+', categories: [AdditiveOp], label: '+' });
export const Minus = createToken({ name: 'Minus', pattern: '-', categories: [AdditiveOp], label: '-' });
export const Star = createToken({ name: 'Star', pattern: '*', categories: [MultiplicativeOp], label: '*' });
export const Slash = createToken({ name: 'Slash', pattern: '/', categories: [MultiplicativeOp], label: '/' });
export const Percent = createToken({ name: 'Percent', pattern: '%', categories: [MultiplicativeOp], label: '%' });
export const LParen = createToken({ name: 'LParen', pattern: '(', label: '(' });
export const RParen = createToken({ name: 'RParen', pattern: ')', label: ')' });
export const LBracket = createToken({ name: 'LBracket', pattern: '[', label: '[' });
export const RBracket = createToken({ name: 'RBracket', pattern: ']', label: ']' });
export const Comma = createToken({ name: 'Comma', pattern: ',', label: ',' });
export const Semicolon = createToken({ name: 'Semicolon', pattern: ';', label: ';' });
export const Dot = createToken({ name: 'Dot', pattern: '.', label: '.' });

// ---------------------------------------------------------------------------------------------
// Lexer

/** Longest keyword first, so `TIMESTAMP_LTZ` wins over `TIMESTAMP` and `INTERVAL` over `INT`. */
const keywordsByLength = [...keywords].sort((a, b) => (b.LABEL?.length ?? 0) - (a.LABEL?.length ?? 0));

/** The lexer's tokens in match order (the first pattern that matches wins). */
const lexerTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  StringLiteral,
  UnterminatedString,
  QuotedIdentifier,
  UnterminatedQuotedIdentifier,
  BacktickIdentifier,
  UnterminatedBacktickIdentifier,
  NumberLiteral,
  ...keywordsByLength,
  Identifier,
  Concat,
  NotEqualsBang,
  NotEquals,
  LessEquals,
  GreaterEquals,
  Less,
  Greater,
  Equals,
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
];

/** The parser's vocabulary: every token plus the categories. */
export const allTokens: TokenType[] = [AnyWord, Ident, CompareOp, AdditiveOp, MultiplicativeOp, ...lexerTokens];

/** Line/column come from our own line table (see spans.ts), so the lexer tracks offsets only. */
export const sqLexer = new Lexer(lexerTokens, { positionTracking: 'onlyOffset', ensureOptimizations: true });

// ---------------------------------------------------------------------------------------------
// Contextual words

const TIME_UNITS: Record<string, string> = {};
for (const unit of ['MILLISECOND', 'SECOND', 'MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR']) {
  TIME_UNITS[unit] = unit;
  TIME_UNITS[`${unit}S`] = unit;
}
for (const unit of ['DOW', 'DOY', 'EPOCH']) TIME_UNITS[unit] = unit;

/** The singular upper-case time unit a word names (`minutes` → `MINUTE`), or undefined. */
export function timeUnitOf(word: string): string | undefined {
  return Object.hasOwn(TIME_UNITS, word.toUpperCase()) ? TIME_UNITS[word.toUpperCase()] : undefined;
}

/** A bare (unquoted) word naming a time unit: `MINUTE`, `hours`, ... */
export function isTimeUnitToken(token: IToken): boolean {
  return token.tokenType === Identifier && timeUnitOf(token.image) !== undefined;
}

/** The bare word `TO` (as in `INTERVAL '1:30' HOUR TO MINUTE`); not a keyword, so `to` stays a valid name. */
export function isToToken(token: IToken): boolean {
  return token.tokenType === Identifier && token.image.toUpperCase() === 'TO';
}

/** Reserved keywords, for did-you-mean suggestions on misspelt clauses. */
export const KEYWORD_WORDS: readonly string[] = keywords.map((k) => k.LABEL!);
