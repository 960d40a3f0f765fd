/**
 * The grammar stage's entry: `parse(source)` → the AST of every statement plus syntax
 * diagnostics. Never throws.
 *
 * The token stream is split at top-level `;` and each statement is parsed on its own, so one
 * broken statement costs one diagnostic and the others are still parsed and checked. Within a
 * statement only the first syntax error is reported: the ones after it are usually echoes.
 */
import type { IToken } from 'chevrotain';
import type { Script, Span, Statement } from './ast.ts';
import { error, type Diagnostic } from './diagnostic.ts';
import { checkLimits } from './limits.ts';
import { parser } from './parser.ts';
import { toAst, tokenSpan } from './toAst.ts';
import { editDistance, suggest } from './suggest.ts';
import { ERROR_TOKENS, RESERVED_WORDS, Semicolon, SqLexer } from './tokens.ts';

export type * from './ast.ts';
export * from './diagnostic.ts';

export interface ParseResult {
  readonly script: Script;
  readonly diagnostics: Diagnostic[];
}

export function parse(source: string): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const statements: Statement[] = [];
  const whole: Span = { offset: 0, end: source.length, line: 1, col: 1 };
  try {
    const lexed = SqLexer.tokenize(source);
    for (const e of lexed.errors) {
      const ch = source.slice(e.offset, e.offset + (e.length || 1));
      diagnostics.push(
        error('SQ0002', `unexpected character "${ch}"`, {
          offset: e.offset,
          end: e.offset + (e.length || 1),
          line: e.line ?? 1,
          col: e.column ?? 1,
        }),
      );
    }
    const tokens: IToken[] = [];
    for (const t of lexed.tokens) {
      const problem = ERROR_TOKENS.get(t.tokenType);
      if (problem) diagnostics.push(error('SQ0002', problem, { ...tokenSpan(t), end: t.startOffset + 1 }));
      else tokens.push(t);
    }
    const lexicalErrorAt = diagnostics.map((d) => d.span.offset);
    const groups = splitStatements(tokens);
    groups.forEach((group, i) => {
      const tooLarge = checkLimits(group);
      if (tooLarge) {
        // Not parsed: every later stage recurses over the statement's expressions.
        diagnostics.push(tooLarge);
        const placeholder = placeholderFor(group);
        if (placeholder) statements.push(placeholder);
        return;
      }
      parser.input = group;
      const cst = parser.statement();
      const first = parser.errors[0];
      // A statement broken by a lexical error (unterminated string, stray character) already
      // has its diagnostic; a syntax error on top of it would only echo it.
      const start = group[0]!.startOffset;
      const end = i + 1 < groups.length ? groups[i + 1]![0]!.startOffset : Infinity;
      const lexicalError = lexicalErrorAt.some((o) => o >= start && o < end);
      if (first && !lexicalError) {
        diagnostics.push(syntaxError(first.message, first.token, group, source));
      }
      if (first) {
        // Keep what a broken CREATE declares, so statements using it do not cascade errors.
        const placeholder = placeholderFor(group);
        if (placeholder) statements.push(placeholder);
        return;
      }
      if (!cst) return;
      const { statement, problems } = toAst(cst);
      for (const p of problems) diagnostics.push(error('SQ0001', p.message, p.span));
      if (statement) statements.push(statement);
    });
  } catch (e) {
    diagnostics.push(
      error(
        'SQ9999',
        `internal error in the parser: ${(e as Error).message}`,
        whole,
        'help: this is a bug in sqc; please report it with the query',
      ),
    );
  }
  return { script: { kind: 'Script', statements, span: whole }, diagnostics };
}

/**
 * The syntax error for `token`. A misspelled keyword is usually read as a name (`WHER` as an
 * alias) and the parser trips one token later, so when the token at or just before the error is
 * a plain name close to a reserved keyword, the error points at it and suggests the keyword.
 */
function syntaxError(message: string, token: IToken, group: readonly IToken[], source: string): Diagnostic {
  const atEnd = token.tokenType.name === 'EOF' || Number.isNaN(token.startOffset);
  const idx = atEnd ? group.length : group.indexOf(token);
  for (const candidate of [group[idx], group[idx - 1]]) {
    if (!candidate || candidate.tokenType.name !== 'Identifier' || candidate.image.length < 3) continue;
    const word = candidate.image.toUpperCase();
    const keyword = suggest(word, RESERVED_WORDS);
    // Stricter than for names: a column called `string` must not turn into SUBSTRING.
    if (keyword && keyword !== word && editDistance(word, keyword) <= (word.length >= 6 ? 2 : 1)) {
      const text = candidate === token ? message : `"${candidate.image}" is not a keyword: did you mean ${keyword}?`;
      return error('SQ0001', text, tokenSpan(candidate), `help: did you mean ${keyword}?`);
    }
  }
  return error('SQ0001', message, atEnd ? endOf(group, source) : tokenSpan(token));
}

const NAME_TOKENS = new Set(['Identifier', 'QuotedIdentifier', 'BacktickIdentifier']);

/**
 * The declaration a statement with a syntax error was making (`CREATE [TEMPORARY] kind
 * [IF NOT EXISTS] name`), with no columns and no query, spanning the whole statement. The binder
 * treats statements that contain a syntax error as damaged: declared, but never reported on.
 */
function placeholderFor(group: readonly IToken[]): Statement | null {
  let i = 0;
  const word = (k: number) => group[k]?.image.toUpperCase();
  if (word(i) !== 'CREATE') return null;
  i++;
  if (word(i) === 'TEMPORARY') i++;
  const kind = word(i++);
  if (word(i) === 'IF' && word(i + 1) === 'NOT' && word(i + 2) === 'EXISTS') i += 3;
  const nameTok = group[i];
  if (
    !nameTok ||
    !(NAME_TOKENS.has(nameTok.tokenType.name) || nameTok.tokenType.CATEGORIES?.some((c) => c.name === 'NonReserved'))
  )
    return null;
  const quoted = nameTok.tokenType.name !== 'Identifier' && !nameTok.tokenType.CATEGORIES?.length;
  const name = {
    kind: 'Ident' as const,
    name: quoted ? nameTok.image.slice(1, -1) : nameTok.image,
    quoted,
    span: tokenSpan(nameTok),
  };
  const last = group[group.length - 1]!;
  const span: Span = { ...tokenSpan(group[0]), end: tokenSpan(last).end };
  if (kind === 'VIEW') {
    const body = {
      kind: 'Select' as const,
      distinct: false,
      items: [],
      from: null,
      where: null,
      groupBy: [],
      having: null,
      span,
    };
    return {
      kind: 'CreateView',
      name,
      ifNotExists: false,
      columnAliases: null,
      query: { kind: 'Query', ctes: [], body, orderBy: [], limit: null, span },
      span,
    };
  }
  if (kind !== 'STREAM' && kind !== 'TABLE' && kind !== 'SINK') return null;
  return {
    kind: 'CreateRelation',
    relation: kind,
    name,
    ifNotExists: false,
    columns: null,
    watermark: null,
    primaryKey: null,
    partitionedBy: [],
    options: [],
    asQuery: null,
    emit: null,
    span,
  };
}

/** Tokens between top-level semicolons; empty statements dropped. */
function splitStatements(tokens: readonly IToken[]): IToken[][] {
  const groups: IToken[][] = [];
  let current: IToken[] = [];
  for (const t of tokens) {
    if (t.tokenType === Semicolon) {
      if (current.length) groups.push(current);
      current = [];
    } else current.push(t);
  }
  if (current.length) groups.push(current);
  return groups;
}

/** The position just after a statement's last token (where "end of input" errors point). */
function endOf(group: readonly IToken[], source: string): Span {
  const last = group[group.length - 1];
  if (!last) return { offset: source.length, end: source.length, line: 1, col: 1 };
  const s = tokenSpan(last);
  return { offset: s.end - 1, end: s.end, line: last.endLine ?? s.line, col: last.endColumn ?? s.col };
}
