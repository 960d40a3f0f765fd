/**
 * Every WITH clause and SET of the bundled examples validates without errors. The statements are
 * cut out of the files with a small scanner (the parser is another stage), which is enough for
 * these well-formed programs.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RelationKind } from '../../grammar/ast.ts';
import { resolveJobOptions, validateConnectorOptions, validateSetOption } from './index.ts';
import { pairsIn, setsIn, spanAt, summary } from './testing.ts';

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples');
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.sq'))
  .sort();

/** The text from `open` (an opening parenthesis) to its matching close, skipping strings. */
function balanced(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '`') i = text.indexOf(c, i + 1);
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return text.slice(open, i + 1);
  }
  throw new Error('unbalanced');
}

function columnsOf(list: string): string[] {
  const inner = list.slice(1, -1);
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    if (inner[i] === '(' || inner[i] === '<') depth++;
    else if (inner[i] === ')' || inner[i] === '>') depth--;
    else if (inner[i] === ',' && depth === 0) {
      parts.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(inner.slice(start));
  return parts
    .map((p) => p.replace(/--.*$/gm, '').trim())
    .filter((p) => p && !/^(WATERMARK|PRIMARY)\b/i.test(p) && !/\bMETADATA\b|\bAS\b/i.test(p))
    .map((p) => p.split(/\s+/)[0]!.replace(/`/g, ''));
}

function primaryKeyOf(list: string): string[] {
  const m = /PRIMARY KEY \(([^)]*)\)/i.exec(list);
  return m ? m[1]!.split(',').map((s) => s.trim()) : [];
}

describe.each(FILES)('examples/%s', (file) => {
  const text = readFileSync(join(DIR, file), 'utf8').replace(/--[^\n']*$/gm, (c) => ' '.repeat(c.length));
  const sets = setsIn(
    text
      .split('\n')
      .filter((l) => /^\s*SET\b/i.test(l))
      .join('\n'),
  );
  const checkpointing = resolveJobOptions(sets).checkpointDir !== null;

  it('has valid SET statements', () => {
    for (const s of sets) expect(validateSetOption(s).diagnostics).toEqual([]);
  });

  const creates = [...text.matchAll(/CREATE\s+(STREAM|TABLE|SINK)\s+(\w+)\s*/gi)];
  it.each(creates.map((m) => [m[2]!, m] as const))('WITH clause of %s', (name, m) => {
    const relation = m[1]!.toUpperCase() as RelationKind;
    let at = m.index + m[0].length;
    let columns: string[] | null = null;
    let primaryKey: string[] = [];
    if (text[at] === '(') {
      const list = balanced(text, at);
      columns = columnsOf(list);
      primaryKey = primaryKeyOf(list);
      at += list.length;
    }
    const withAt = text.indexOf('(', text.indexOf('WITH', at));
    const clause = balanced(text, withAt);
    const written = new RegExp(`INSERT\\s+INTO\\s+${name}\\b|\\)\\s*AS\\s+SELECT`, 'i').test(text.slice(m.index));
    const read = new RegExp(`\\b(FROM|JOIN|TABLE)\\s+${name}\\b`, 'i').test(text);
    const role = relation === 'SINK' || !read ? 'sink' : written ? 'both' : 'source';
    const result = validateConnectorOptions({
      relationName: name,
      relation,
      role,
      options: pairsIn(clause),
      columns,
      primaryKey,
      span: spanAt(text, m.index, withAt + clause.length),
      checkpointing,
    });
    expect(summary(result.diagnostics.filter((d) => d.severity === 'error'))).toEqual([]);
    expect(result.connector).not.toBeNull();
    const warnings = summary(result.diagnostics.filter((d) => d.severity === 'warning'));
    if (file === 'ad_attribution.sq' && name === 'attributed') {
      expect(warnings).toEqual([
        `warning SQ0902 kafka sink "attributed" is at-least-once: after a restart, rows written since the last checkpoint are written again`,
      ]);
    } else {
      expect(warnings).toEqual([]);
    }
  });
});
