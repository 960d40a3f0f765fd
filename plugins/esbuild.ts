/**
 * `sqc/esbuild`: an esbuild plugin that turns `import { createJob } from './orders.sq'` into the
 * generated module (esbuild strips its types), and writes `orders.d.sq.ts` beside the `.sq` file
 * for `tsc`. Typed structurally, so sqc does not depend on esbuild.
 *
 *   import sqc from 'sqc/esbuild';
 *   await esbuild.build({ entryPoints: ['src/main.ts'], bundle: true, plugins: [sqc()] });
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { compileSq, SqCompileError, type SqPluginOptions } from './core.ts';

export type { SqPluginOptions } from './core.ts';

interface OnLoadResult {
  contents?: string;
  loader?: 'ts';
  resolveDir?: string;
  warnings?: { text: string }[];
  errors?: { text: string; location?: { file: string; line: number; column: number } | null }[];
}

export interface SqEsbuildPlugin {
  readonly name: string;
  setup(build: {
    onLoad(options: { filter: RegExp }, callback: (args: { path: string }) => Promise<OnLoadResult>): void;
  }): void;
}

export default function sqc(options: SqPluginOptions = {}): SqEsbuildPlugin {
  return {
    name: 'sqc',
    setup(build) {
      build.onLoad({ filter: /\.sq$/i }, async ({ path }) => {
        try {
          const compiled = await compileSq(path, await readFile(path, 'utf8'), options);
          return {
            contents: compiled.ts,
            loader: 'ts',
            resolveDir: dirname(path),
            warnings: compiled.warnings ? [{ text: compiled.warnings }] : [],
          };
        } catch (e) {
          if (!(e instanceof SqCompileError)) throw e;
          return {
            errors: [{ text: e.message, location: e.location && { ...e.location, column: e.location.column - 1 } }],
          };
        }
      });
    },
  };
}
