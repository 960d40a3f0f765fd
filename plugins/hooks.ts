/**
 * The module hooks `sqc/register` installs (they run on node's loader thread): `.sq` files load as
 * the module sqc generates; `.ts`, `.mts` and `.cts` files outside node_modules load with their
 * types stripped by TypeScript. Everything else goes to node's own loader.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { compileSq, sqFile, stripTypes } from './core.ts';

interface LoadResult {
  readonly format: 'module' | 'commonjs' | string;
  readonly source?: string | ArrayBuffer | Uint8Array;
  readonly shortCircuit?: boolean;
}

type NextLoad = (url: string, context: { readonly format?: string | null }) => Promise<LoadResult>;

const TS = /\.(ts|mts|cts)$/;

export async function load(
  url: string,
  context: { readonly format?: string | null },
  nextLoad: NextLoad,
): Promise<LoadResult> {
  if (!url.startsWith('file:')) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const sq = sqFile(path);
  if (sq !== null) {
    const compiled = await compileSq(sq, await readFile(sq, 'utf8'));
    if (compiled.warnings) process.stderr.write(compiled.warnings);
    return { format: 'module', source: await stripTypes(compiled.ts, `${sq}.ts`), shortCircuit: true };
  }
  if (TS.test(path) && !path.includes('/node_modules/')) {
    const source = await stripTypes(await readFile(path, 'utf8'), path);
    return { format: path.endsWith('.cts') ? 'commonjs' : 'module', source, shortCircuit: true };
  }
  return nextLoad(url, context);
}
