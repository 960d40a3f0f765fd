/**
 * Imports point forward and form no cycles (the pipeline standard: grammar → compiler → runtime
 * contract; the runtime is linked by generated code and never reaches back).
 *
 * - No import cycle in `runtime/`, `grammar/`, `bin/`, `broker/` or `plugins/` — type-only
 *   imports included: a type cycle becomes a load-order hazard with the first value import.
 * - In `compiler/`, the only cycles are the inherent mutual recursions named in the "Import
 *   cycles" section of `compiler/README.md` (read from there, so the README stays the one list),
 *   each inside one folder.
 * - Layers: `grammar/` imports only itself (and chevrotain); `runtime/` only itself (no compiler
 *   tools: chevrotain, prettier, TypeScript, ts-morph); `compiler/` only itself, `grammar/` and
 *   `runtime/`; none of them imports `bin/`, `broker/`, `plugins/` or `test/`.
 *
 * Imports are read with TypeScript's own scanner (`preProcessFile`: static, `export ... from`,
 * dynamic `import()` and `import('...')` types); test files are not part of the graph.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const FOLDERS = ['grammar', 'compiler', 'runtime', 'bin', 'broker', 'plugins'] as const;
const ACYCLIC = new Set(['grammar', 'runtime', 'bin', 'broker', 'plugins']);
const COMPILER_TOOLS = ['chevrotain', 'prettier', 'typescript', 'ts-morph'];

interface Graph {
  /** Source file (repository-relative) → the repository files it imports. */
  readonly local: Map<string, string[]>;
  /** Source file → the packages it imports (bare specifiers, `node:` builtins left out). */
  readonly packages: Map<string, string[]>;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ts$/.test(e.name) && !/\.(test|d)\.ts$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)))
    .filter((f) => !f.split('/').includes('node_modules'))
    .sort();
}

/** The repository file a relative specifier names (`./x.ts`, `./x.js` of a .ts, `./dir`). */
function resolveLocal(from: string, spec: string): string | null {
  const base = join(dirname(from), spec);
  const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')];
  const hit = candidates.find((c) => c.endsWith('.ts') && existsSync(join(ROOT, c)));
  return hit ?? null;
}

function buildGraph(): Graph {
  const local = new Map<string, string[]>();
  const packages = new Map<string, string[]>();
  for (const folder of FOLDERS) {
    for (const file of sourceFiles(folder)) {
      const { importedFiles } = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
      const deps = new Set<string>();
      const pkgs = new Set<string>();
      for (const { fileName } of importedFiles) {
        if (fileName.startsWith('.')) {
          const target = resolveLocal(file, fileName);
          if (target) deps.add(target);
        } else if (!fileName.startsWith('node:')) {
          pkgs.add(fileName.startsWith('@') ? fileName.split('/').slice(0, 2).join('/') : fileName.split('/')[0]!);
        }
      }
      local.set(file, [...deps].sort());
      packages.set(file, [...pkgs].sort());
    }
  }
  return { local, packages };
}

/** The strongly connected components with more than one file (or a file importing itself). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** The cycles `compiler/README.md` names: one bullet each, its files as `folder/file.ts` in backticks. */
function namedCompilerCycles(): string[][] {
  const readme = readFileSync(join(ROOT, 'compiler/README.md'), 'utf8');
  const section = /^## Import cycles\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme);
  if (!section) throw new Error('compiler/README.md has no "## Import cycles" section');
  return section[1]!
    .split('\n')
    .filter((line) => line.startsWith('- '))
    .map((line) => [...line.matchAll(/`([\w/.-]+\.ts)`/g)].map((m) => `compiler/${m[1]}`).sort());
}

const topOf = (file: string): string => file.split('/')[0]!;

describe('imports', () => {
  const graph = buildGraph();
  const found = cycles(graph.local);

  it('reads a real import graph', () => {
    // The scanner sees type-only, re-export and dynamic imports (each used in these files).
    expect(graph.local.get('runtime/index.ts')).toContain('runtime/types.ts');
    expect(graph.local.get('runtime/engine/query.ts')).toContain('runtime/engine/api.ts');
    expect(graph.local.get('bin/main.ts')).toContain('bin/commands/run.ts');
    expect(
      cycles(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
          ['d', ['a']],
        ]),
      ),
    ).toEqual([['a', 'b', 'c']]);
  });

  it('has no cycle in runtime/, grammar/, bin/, broker/ or plugins/', () => {
    const bad = found.filter((scc) => scc.some((f) => ACYCLIC.has(topOf(f))));
    expect(
      bad.map((scc) => scc.join(' → ')),
      'import cycle (runtime files take shared types from runtime/types.ts and the job API from engine/api.ts, never from runtime/index.ts)',
    ).toEqual([]);
  });

  it('has only the compiler cycles compiler/README.md names, each inside one folder', () => {
    const named = namedCompilerCycles();
    expect(named.length).toBeGreaterThan(0);
    for (const scc of named) {
      expect(scc.length, `a named cycle lists at least two files: ${scc.join(', ')}`).toBeGreaterThan(1);
      expect(new Set(scc.map(dirname)).size, `a named cycle stays in one folder: ${scc.join(', ')}`).toBe(1);
    }
    const compilerCycles = found.filter((scc) => scc.some((f) => topOf(f) === 'compiler'));
    expect(compilerCycles.map((scc) => scc.join(', '))).toEqual(named.map((scc) => scc.join(', ')).sort());
  });

  it('points forward: grammar → compiler → runtime, nothing reaches back', () => {
    const allowed: Record<string, readonly string[]> = {
      grammar: ['grammar'],
      runtime: ['runtime'],
      compiler: ['compiler', 'grammar', 'runtime'],
    };
    const backward: string[] = [];
    for (const [file, deps] of graph.local) {
      const may = allowed[topOf(file)];
      if (!may) continue;
      for (const dep of deps) if (!may.includes(topOf(dep))) backward.push(`${file} → ${dep}`);
    }
    for (const [file, pkgs] of graph.packages) {
      if (topOf(file) !== 'runtime') continue;
      for (const p of pkgs) if (COMPILER_TOOLS.includes(p)) backward.push(`${file} → ${p} (a compiler tool)`);
    }
    expect(backward).toEqual([]);
  });
});
