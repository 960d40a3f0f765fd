/**
 * The parser's LL(k) lookahead, precomputed. Chevrotain derives, for every OR, OPTION and
 * repetition of the grammar, the token sequences that select it: a pure function of the grammar
 * that took most of the parser's construction (~60% of `sqc check` on a small file). The
 * sequences are computed once, when the grammar changes, into `lookahead-table.ts` (token names),
 * and the parser builds its lookahead functions from them at start-up. The functions decide
 * exactly as Chevrotain's own: the first alternative (in order, its GATE allowing) one of whose
 * sequences matches the next tokens, a token matching its type or a category it belongs to.
 *
 * The table is keyed by a fingerprint of the grammar: a parser whose grammar differs from the
 * one the table was computed for ignores it and computes every lookahead itself, so an edited
 * grammar is never parsed with stale sequences (`grammar/lookahead.test.ts` says to refresh it).
 */
import { createHash } from 'node:crypto';
import type {
  ILookaheadStrategy,
  ILookaheadValidationError,
  IOrAlt,
  IToken,
  LookaheadProductionType,
  OptionalProductionType,
  Rule,
  TokenType,
} from 'chevrotain';
import { getLookaheadPaths, serializeGrammar } from './chevrotain.ts';

/** Per production (`rule kind occurrence k`): alternatives → sequences → token names. */
export interface LookaheadTable {
  readonly grammar: string;
  readonly productions: Readonly<Record<string, readonly (readonly (readonly string[])[])[]>>;
}

/** Token type fields that `createToken` adds (Chevrotain's own matcher reads the same). */
interface Indexed {
  readonly tokenTypeIdx: number;
  readonly isParent?: boolean;
  readonly categoryMatchesMap?: Readonly<Record<number, boolean>>;
  readonly categoryMatches?: readonly number[];
}

interface Lookahead {
  LA(i: number): IToken;
}

const matches = (token: IToken, type: TokenType): boolean => {
  const t = type as unknown as Indexed;
  const idx = token.tokenTypeIdx;
  return idx === t.tokenTypeIdx || (t.isParent === true && t.categoryMatchesMap?.[idx] === true);
};

function matchesPath(p: Lookahead, path: readonly TokenType[]): boolean {
  for (let i = 0; i < path.length; i++) if (!matches(p.LA(i + 1), path[i]!)) return false;
  return true;
}

/** Every sequence one token long: the next token's type (or a category of it) picks. */
function singleTokenChoice(alts: readonly (readonly (readonly TokenType[])[])[]): Map<number, number> | null {
  const choice = new Map<number, number>();
  for (let a = 0; a < alts.length; a++) {
    for (const path of alts[a]!) {
      if (path.length !== 1) return null;
      const t = path[0] as unknown as Indexed;
      for (const idx of [t.tokenTypeIdx, ...(t.categoryMatches ?? [])]) if (!choice.has(idx)) choice.set(idx, a);
    }
  }
  return choice;
}

function alternationFunction(
  alts: readonly (readonly (readonly TokenType[])[])[],
  hasPredicates: boolean,
): (this: Lookahead, orAlts?: IOrAlt<unknown>[]) => number | undefined {
  const choice = hasPredicates ? null : singleTokenChoice(alts);
  if (choice !== null)
    return function (this: Lookahead) {
      return choice.get(this.LA(1).tokenTypeIdx);
    };
  return function (this: Lookahead, orAlts?: IOrAlt<unknown>[]) {
    for (let a = 0; a < alts.length; a++) {
      const gate = hasPredicates ? orAlts?.[a]?.GATE : undefined;
      if (gate !== undefined && gate.call(this) === false) continue;
      for (const path of alts[a]!) if (matchesPath(this, path)) return a;
    }
    return undefined;
  };
}

function optionalFunction(paths: readonly (readonly TokenType[])[]): (this: Lookahead) => boolean {
  return function (this: Lookahead) {
    for (const path of paths) if (matchesPath(this, path)) return true;
    return false;
  };
}

const keyOf = (rule: Rule, kind: LookaheadProductionType, occurrence: number, k: number) =>
  `${rule.name} ${kind} ${occurrence} ${k}`;

/** A fingerprint of the grammar's productions (rules, their structure and token types). */
export function grammarFingerprint(rules: readonly Rule[]): string {
  return createHash('sha256')
    .update(JSON.stringify(serializeGrammar(rules as Rule[])))
    .digest('hex')
    .slice(0, 16);
}

/**
 * Chevrotain's lookahead strategy, served from `table` when it was computed for this grammar;
 * what it computes itself (all of it, when the table is stale) is kept in `computed` so a new
 * table can be written from it.
 */
export class TableLookahead implements ILookaheadStrategy {
  private byName = new Map<string, TokenType>();
  private table: LookaheadTable['productions'] = {};
  readonly computed: Record<string, string[][][]> = {};
  fingerprint = '';

  constructor(
    private readonly given: LookaheadTable | null,
    tokens: readonly TokenType[],
  ) {
    for (const t of tokens) this.byName.set(t.name, t);
  }

  validate(): ILookaheadValidationError[] {
    return []; // Chevrotain's grammar validations run with SQC_GRAMMAR_VALIDATE=1 (grammar.test.ts)
  }

  initialize(options: { rules: Rule[] }): void {
    this.fingerprint = grammarFingerprint(options.rules);
    this.table = this.given !== null && this.given.grammar === this.fingerprint ? this.given.productions : {};
  }

  private paths(rule: Rule, kind: LookaheadProductionType, occurrence: number, k: number): TokenType[][][] {
    const key = keyOf(rule, kind, occurrence, k);
    const known = this.table[key];
    if (known !== undefined) return known.map((alt) => alt.map((path) => path.map((name) => this.byName.get(name)!)));
    const paths = getLookaheadPaths({ occurrence, rule, prodType: kind, maxLookahead: k });
    this.computed[key] = paths.map((alt) => alt.map((path) => path.map((t) => t.name)));
    return paths;
  }

  buildLookaheadForAlternation(options: {
    prodOccurrence: number;
    rule: Rule;
    maxLookahead: number;
    hasPredicates: boolean;
  }): (orAlts?: IOrAlt<unknown>[]) => number | undefined {
    const alts = this.paths(options.rule, 'Alternation', options.prodOccurrence, options.maxLookahead);
    return alternationFunction(alts, options.hasPredicates);
  }

  buildLookaheadForOptional(options: {
    prodOccurrence: number;
    prodType: OptionalProductionType;
    rule: Rule;
    maxLookahead: number;
  }): () => boolean {
    const alts = this.paths(options.rule, options.prodType, options.prodOccurrence, options.maxLookahead);
    return optionalFunction(alts[0] ?? []);
  }
}

/** The module `lookahead-table.ts` holding what `strategy` computed. */
export function renderTable(strategy: TableLookahead): string {
  const lines = Object.keys(strategy.computed)
    .sort()
    .map((k) => `    ${JSON.stringify(k)}: ${JSON.stringify(strategy.computed[k])},`);
  return [
    '// Generated by grammar/lookahead.test.ts from the grammar (`npx vitest run grammar/lookahead.test.ts -u`).',
    "import type { LookaheadTable } from './lookahead.ts';",
    '',
    'export const LOOKAHEAD_TABLE: LookaheadTable = {',
    `  grammar: ${JSON.stringify(strategy.fingerprint)},`,
    '  productions: {',
    ...lines,
    '  },',
    '};',
    '',
  ].join('\n');
}
