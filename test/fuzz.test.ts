/**
 * Seeded fuzzing of the whole front end (parse → bind → plan): 10,000 random, truncated and
 * mutated programs. The checker must never throw or hang — only return diagnostics whose spans
 * lie inside the source. A failure prints the seed and the program, so it can be replayed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../compiler/analyze.ts';
import { seededRandom } from '../runtime/random.ts';

const ROOT = join(import.meta.dirname, '..');

function corpus(): string[] {
  const files: string[] = [];
  for (const dir of ['examples', 'test/cases/valid', 'test/cases/check']) {
    const abs = join(ROOT, dir);
    if (!existsSync(abs)) continue;
    for (const entry of readdirSync(abs, { withFileTypes: true, recursive: true })) {
      if (entry.isFile() && entry.name.endsWith('.sq'))
        files.push(readFileSync(join(entry.parentPath, entry.name), 'utf8'));
    }
  }
  return files;
}

const TOKENS = [
  'SELECT',
  'FROM',
  'WHERE',
  'GROUP BY',
  'HAVING',
  'JOIN',
  'LEFT JOIN',
  'ON',
  'AND',
  'OR',
  'NOT',
  '(',
  ')',
  ',',
  ';',
  '*',
  '+',
  '-',
  '/',
  '=',
  '<>',
  '<',
  '>=',
  '.',
  "'",
  '"',
  '`',
  'NULL',
  'TRUE',
  '42',
  '3.14',
  "'x'",
  'INTERVAL',
  "INTERVAL '5' MINUTE",
  'TUMBLE',
  'HOP',
  'SESSION',
  'CUMULATE',
  'TABLE',
  'DESCRIPTOR(ts)',
  'window',
  'EMIT FINAL',
  'EMIT CHANGES',
  'EMIT COMPLETE',
  'CREATE STREAM',
  'CREATE TABLE',
  'CREATE SINK',
  'CREATE VIEW',
  'INSERT INTO',
  'WITH',
  'AS',
  'CASE',
  'WHEN',
  'THEN',
  'ELSE',
  'END',
  'CAST',
  'TIMESTAMP(3)',
  'ARRAY<STRING>',
  'MAP<STRING, INT>',
  'ROW<a INT>',
  'UNNEST',
  'CROSS JOIN',
  'UNION ALL',
  'DISTINCT',
  'COUNT(*)',
  'SUM(',
  'FILTER (WHERE',
  'WATERMARK FOR',
  'PRIMARY KEY',
  'NOT ENFORCED',
  'METADATA FROM',
  "'connector' = 'file'",
  '/*',
  '*/',
  '--',
  '\n',
  'x',
  'orders',
  'LIMIT',
  'ORDER BY',
  'SET',
  'BETWEEN',
  'IN',
  'LIKE',
  'IS NULL',
  '[1]',
  '\u00e9',
  '\u0000',
  '#',
  '@',
  '$',
];

function mutate(program: string, next: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const at = () => Math.floor(next() * (program.length + 1));
  let p = program;
  const rounds = 1 + Math.floor(next() * 4);
  for (let r = 0; r < rounds; r++) {
    const op = Math.floor(next() * 7);
    const i = Math.min(at(), p.length);
    switch (op) {
      case 0: // truncate
        p = p.slice(0, i);
        break;
      case 1: // delete a range
        p = p.slice(0, i) + p.slice(i + Math.floor(next() * 40));
        break;
      case 2: // insert a token
        p = `${p.slice(0, i)} ${pick(TOKENS)} ${p.slice(i)}`;
        break;
      case 3: // duplicate a range
        p = p.slice(0, i) + p.slice(i, i + Math.floor(next() * 60)) + p.slice(i);
        break;
      case 4: // replace one character
        p = p.slice(0, i) + String.fromCharCode(32 + Math.floor(next() * 95)) + p.slice(i + 1);
        break;
      case 5: // random token soup
        p = Array.from({ length: 1 + Math.floor(next() * 30) }, () => pick(TOKENS)).join(' ');
        break;
      default: // swap two halves
        p = p.slice(i) + p.slice(0, i);
    }
  }
  return p;
}

describe('front-end fuzz', () => {
  it('never throws or hangs on 10,000 seeded mutated programs', () => {
    const base = corpus();
    expect(base.length).toBeGreaterThan(5);
    const next = seededRandom(20261121);
    let withDiagnostics = 0;
    for (let n = 0; n < 10_000; n++) {
      const program = mutate(base[n % base.length]!, next);
      const started = performance.now();
      let result;
      try {
        result = analyze(program, 'fuzz.sq');
      } catch (e) {
        throw new Error(`analyze threw on case ${n}: ${(e as Error).stack}\n--- program ---\n${program}`);
      }
      // A hang guard, not a performance assertion: no single small program may take seconds.
      const took = performance.now() - started;
      if (took > 5_000) throw new Error(`case ${n} took ${took.toFixed(0)} ms\n--- program ---\n${program}`);
      for (const d of result.diagnostics) {
        const ok =
          d.span.offset >= 0 &&
          d.span.end >= d.span.offset &&
          d.span.end <= program.length + 1 &&
          d.span.line >= 1 &&
          d.span.col >= 1;
        if (!ok)
          throw new Error(`case ${n}: diagnostic span out of range ${JSON.stringify(d)}\n--- program ---\n${program}`);
        expect(d.code).not.toBe('SQ9999');
      }
      if (result.diagnostics.length) withDiagnostics++;
    }
    // Mutations nearly always break something; a fuzz run that finds nothing wrong is suspicious.
    expect(withDiagnostics).toBeGreaterThan(5_000);
  });
});
