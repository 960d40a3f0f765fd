/**
 * The precomputed lookahead table is the grammar's: a parser built without it computes exactly
 * the table that is committed, and the parser built with it computes nothing itself.
 */
import type { CstNode, IToken } from 'chevrotain';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderTable, TableLookahead } from './lookahead.ts';
import { parser, SqParser } from './parser.ts';
import * as T from './tokens.ts';

const ROOT = resolve(import.meta.dirname, '..');
import { Semicolon, SqLexer } from './tokens.ts';
import { LLkLookaheadStrategy } from './chevrotain.ts';

describe('the lookahead table', () => {
  it('is current (after a grammar change: npx vitest run grammar/lookahead.test.ts -u)', async () => {
    const fresh = new TableLookahead(null, T.allTokens);
    new SqParser(fresh);
    await expect(renderTable(fresh)).toMatchFileSnapshot('./lookahead-table.ts');
  });

  it('serves every lookahead of the parser', () => {
    expect(parser.lookahead).toBeInstanceOf(TableLookahead);
    expect(Object.keys((parser.lookahead as TableLookahead).computed)).toEqual([]);
  });

  it("decides as Chevrotain's own strategy: the same trees and errors on every program of the repository", () => {
    const computing = new SqParser(new LLkLookaheadStrategy({ maxLookahead: 2 }));
    const files = ['test', 'examples'].flatMap((d) =>
      readdirSync(join(ROOT, d), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.sq') && !f.includes('node_modules'))
        .map((f) => join(d, f)),
    );
    expect(files.length).toBeGreaterThan(100);
    let statements = 0;
    for (const f of files) {
      const tokens = SqLexer.tokenize(readFileSync(join(ROOT, f), 'utf8')).tokens;
      // statements split at every `;` (a `;` inside a statement only makes both parsers fail alike)
      let start = 0;
      for (let i = 0; i <= tokens.length; i++) {
        if (i < tokens.length && tokens[i]!.tokenType !== Semicolon) continue;
        const group = tokens.slice(start, i);
        start = i + 1;
        if (group.length === 0) continue;
        statements++;
        expect(outcome(computing, group), `${f}: statement at ${group[0]!.startLine}`).toBe(outcome(parser, group));
      }
    }
    expect(statements).toBeGreaterThan(300);
  });
});

/** The CST (rule names, token images and offsets) or the first error, as text. */
function outcome(p: SqParser, tokens: IToken[]): string {
  p.input = tokens;
  const cst = p.statement();
  const e = p.errors[0];
  return e !== undefined ? `error at ${e.token.startOffset}: ${e.message}` : show(cst);
}

function show(node: CstNode | IToken): string {
  if ('image' in node) return `${node.image}@${node.startOffset}`;
  const kids = Object.entries(node.children)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}[${(v as (CstNode | IToken)[]).map(show).join(' ')}]`);
  return `${node.name}(${kids.join(' ')})`;
}
