/**
 * The fuzz corpus shared by the front-end fuzz test and the check/compile agreement test: the
 * example and golden programs, and seeded random, truncated and mutated variants of them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../runtime/random.ts';

const ROOT = join(import.meta.dirname, '..');

export function corpus(): string[] {
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

export function mutate(program: string, next: () => number): string {
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

/** The `count` seeded mutated programs of the fuzz test, in order. */
export function* fuzzPrograms(count: number, seed = 20261121): Generator<string> {
  const base = corpus();
  const next = seededRandom(seed);
  for (let n = 0; n < count; n++) yield mutate(base[n % base.length]!, next);
}
