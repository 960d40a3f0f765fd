/**
 * `sqc/vite`: a Vite plugin (Vitest uses it too) that turns `import { createJob } from
 * './orders.sq'` into the generated module, and writes `orders.d.sq.ts` beside the `.sq` file for
 * `tsc`. Typed structurally, so sqc does not depend on Vite.
 *
 *   // vite.config.ts / vitest.config.ts
 *   import sqc from 'sqc/vite';
 *   export default defineConfig({ plugins: [sqc()] });
 */
import { compileSq, SqCompileError, sqFile, stripTypes, type SqPluginOptions } from './core.ts';

export type { SqPluginOptions } from './core.ts';

export interface SqVitePlugin {
  readonly name: string;
  readonly enforce: 'pre';
  transform(
    this: { warn(message: string): void; error(e: { message: string; id?: string; loc?: object }): never },
    code: string,
    id: string,
  ): Promise<{ code: string; map: null } | null>;
}

export default function sqc(options: SqPluginOptions = {}): SqVitePlugin {
  return {
    name: 'sqc',
    enforce: 'pre',
    async transform(code, id) {
      const file = sqFile(id);
      if (file === null) return null;
      try {
        const compiled = await compileSq(file, code, options);
        if (compiled.warnings) this.warn(compiled.warnings);
        return { code: await stripTypes(compiled.ts, `${file}.ts`), map: null };
      } catch (e) {
        if (e instanceof SqCompileError && e.location)
          return this.error({ message: e.message, id: file, loc: { ...e.location, column: e.location.column - 1 } });
        throw e;
      }
    },
  };
}
