/**
 * sq's documented size limits (docs/language.md §11, SQ0003), checked on a statement's tokens
 * before it is parsed. Every later stage (parser, binder, planner, code generator, formatter)
 * walks expressions recursively; these limits keep every statement `sqc check` accepts within
 * what all of them handle, so a program never passes `check` and then fails in `compile`.
 *
 * - nesting: parentheses (also of function calls and subqueries), `[...]`, `CASE ... END` and
 *   runs of prefix operators (`- - - x`, `NOT NOT x`), at most MAX_NESTING levels deep;
 * - expression size: at most MAX_OPERATORS operators (`AND`, `OR`, `NOT`, `+`, `||`, `=`, ...)
 *   between two commas at one nesting level (one select item, one argument, one condition).
 */
import type { IToken, TokenType } from 'chevrotain';
import { error, type Diagnostic } from './diagnostic.ts';
import { tokenSpan } from './toAst.ts';
import {
  And,
  Between,
  Case,
  Comma,
  Concat,
  End,
  Equals,
  Greater,
  GreaterEq,
  In,
  Is,
  LBracket,
  LParen,
  Less,
  LessEq,
  Like,
  Minus,
  Not,
  NotEqual,
  Or,
  Percent,
  Plus,
  RBracket,
  RParen,
  Slash,
  RESERVED_WORDS,
  Star,
} from './tokens.ts';

export const MAX_NESTING = 100;
export const MAX_OPERATORS = 1000;

const OPERATORS: ReadonlySet<TokenType> = new Set([
  And,
  Or,
  Not,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Concat,
  Equals,
  NotEqual,
  Less,
  LessEq,
  Greater,
  GreaterEq,
  Is,
  Like,
  Between,
  In,
]);

const RESERVED = new Set(RESERVED_WORDS);

/** Whether `+` / `-` after `prev` is a prefix (sign) rather than a binary operator. */
function isPrefixPosition(prev: IToken | undefined): boolean {
  if (prev === undefined) return true;
  const type = prev.tokenType;
  if (type === RParen || type === RBracket || type === End) return false;
  return (
    OPERATORS.has(type) ||
    type === LParen ||
    type === LBracket ||
    type === Comma ||
    RESERVED.has(prev.image.toUpperCase())
  );
}

/** The first limit a statement exceeds, as a diagnostic at the token that exceeds it; or null. */
export function checkLimits(tokens: readonly IToken[]): Diagnostic | null {
  // Per open level: what closes it, the operators counted since its last comma, and the prefix
  // operators (`-`, `NOT`) since then (each nests its operand one level deeper).
  const closers: TokenType[] = [];
  const counts: number[] = [0];
  const prefixes: number[] = [0];
  let depth = 0;
  let prev: IToken | undefined;
  for (const t of tokens) {
    const type = t.tokenType;
    if (type === LParen || type === LBracket || type === Case) {
      closers.push(type === LParen ? RParen : type === LBracket ? RBracket : End);
      counts.push(0);
      prefixes.push(0);
      if (++depth > MAX_NESTING) return tooDeep(t);
    } else if (closers.length > 0 && type === closers[closers.length - 1]) {
      closers.pop();
      counts.pop();
      depth -= 1 + prefixes.pop()!;
    } else if (type === Comma) {
      counts[counts.length - 1] = 0;
      depth -= prefixes[prefixes.length - 1]!;
      prefixes[prefixes.length - 1] = 0;
    } else if (OPERATORS.has(type)) {
      if (++counts[counts.length - 1]! > MAX_OPERATORS) return tooLarge(t);
      if (type === Not || ((type === Minus || type === Plus) && isPrefixPosition(prev))) {
        prefixes[prefixes.length - 1]!++;
        if (++depth > MAX_NESTING) return tooDeep(t);
      } else if (type === And || type === Or) {
        // prefix operators bind tighter than AND / OR: their operands have ended
        depth -= prefixes[prefixes.length - 1]!;
        prefixes[prefixes.length - 1] = 0;
      }
    }
    prev = t;
  }
  return null;
}

function tooLarge(t: IToken): Diagnostic {
  return error(
    'SQ0003',
    `expression too large: more than ${MAX_OPERATORS} operators in one expression`,
    tokenSpan(t),
    `help: sq's limit is ${MAX_OPERATORS} operators per expression; split it over views or computed columns, or write a long OR of equalities as IN (...)`,
  );
}

function tooDeep(t: IToken): Diagnostic {
  return error(
    'SQ0003',
    `nested too deeply: more than ${MAX_NESTING} levels of parentheses, function calls, subqueries, CASE or prefix operators`,
    tokenSpan(t),
    `help: sq's limit is ${MAX_NESTING} levels; move inner parts into views or WITH clauses, or flatten the expression`,
  );
}
