/**
 * Checkpoint compatibility is decided from the descriptors the compiler writes into the module
 * (plan facts), never from generated code: every restart case's pair of programs gives the same
 * verdict when either module is minified (esbuild renames every local, function and class), and
 * a minified module is indistinguishable from the original.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { compile } from '../compiler/index.ts';
import { transpile } from '../compiler/codegen/testing.ts';
import * as rt from '../runtime/index.ts';
import * as functions from '../runtime/functions/index.ts';
import { compare, fingerprint, type QueryDescription } from '../runtime/checkpoint/describe.ts';

const RESTART = join(import.meta.dirname, 'cases', 'restart');

/** The job descriptions of a compiled module, evaluated as written or minified. */
function describeModule(code: string, minify: boolean): QueryDescription[] {
  const js = transpile(code)
    .replace(/^import .*$/gm, '')
    .replace(/^export /gm, '');
  let body = `function module(rt, fn) {\n${js}\nreturn { createJob };\n}`;
  if (minify) body = transformSync(body, { minify: true, loader: 'js' }).code;
  const factory = new Function(`${body}\nreturn module;`)() as (
    r: typeof rt,
    f: typeof functions,
  ) => { createJob: () => rt.Job };
  return factory(rt, functions).createJob().describe();
}

function verdict(a: readonly QueryDescription[], b: readonly QueryDescription[]): string[] {
  const lines: string[] = [];
  for (const q of b) {
    const old = a.find((x) => x.name === q.name);
    if (!old) {
      lines.push(`new query ${q.name}`);
      continue;
    }
    const c = compare(old, q);
    lines.push(...c.incompatible.map((x) => `incompatible: ${x}`), ...c.compatible.map((x) => `compatible: ${x}`));
  }
  return lines;
}

const pairs = readdirSync(RESTART)
  .filter((n) => existsSync(join(RESTART, n, 'first.sq')) && existsSync(join(RESTART, n, 'second.sq')))
  .sort();

describe('restart verdicts come from compiler-written descriptors', () => {
  it('a minified module describes exactly the same state as the original', async () => {
    const source = readFileSync(join(RESTART, 'incompatible-group-by-key', 'first.sq'), 'utf8');
    const { code } = await compile(source, 'first.sq');
    const minified = transformSync(transpile(code!), { minify: true, loader: 'js' }).code;
    // The minifier really renamed the generated locals (the query functions are gone by name).
    expect(transpile(code!)).toContain('function insertIntoCounts(');
    expect(minified).not.toContain('insertIntoCounts');
    const plain = describeModule(code!, false);
    const small = describeModule(code!, true);
    expect(small).toEqual(plain);
    expect(small.map(fingerprint)).toEqual(plain.map(fingerprint));
    expect(verdict(plain, small)).toEqual([]);
  });

  it.each(pairs)('%s: the same verdict whichever module is minified', async (name) => {
    const read = (f: string) => readFileSync(join(RESTART, name, f), 'utf8');
    const first = (await compile(read('first.sq'), 'first.sq')).code!;
    const second = (await compile(read('second.sq'), 'second.sq')).code!;
    const expected = verdict(describeModule(first, false), describeModule(second, false));
    expect(verdict(describeModule(first, true), describeModule(second, false))).toEqual(expected);
    expect(verdict(describeModule(first, false), describeModule(second, true))).toEqual(expected);
    expect(verdict(describeModule(first, true), describeModule(second, true))).toEqual(expected);
  });

  it('the restart cases cover refused, accepted and unchanged restarts', async () => {
    const kinds = new Set<string>();
    for (const name of pairs) {
      const read = (f: string) => readFileSync(join(RESTART, name, f), 'utf8');
      const a = describeModule((await compile(read('first.sq'), 'first.sq')).code!, false);
      const b = describeModule((await compile(read('second.sq'), 'second.sq')).code!, true);
      const v = verdict(a, b);
      kinds.add(v.some((x) => x.startsWith('incompatible')) ? 'refused' : v.length ? 'accepted' : 'same');
    }
    expect([...kinds].sort()).toEqual(['accepted', 'refused', 'same']);
  });
});
