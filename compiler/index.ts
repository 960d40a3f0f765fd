/**
 * The compiler's public surface: `.sq` source text in, a typed TypeScript module out.
 *
 *   parse (grammar/) → bind (compiler/bind) → plan (compiler/plan) → emit (compiler/codegen)
 *
 * `analyze` runs the front half (everything `sqc check` reports); `compile` adds code generation.
 */
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import type { Diagnostic } from '../grammar/diagnostic.ts';
import { analyze } from './analyze.ts';
import { emit } from './codegen/index.ts';
import type { JobPlan } from './plan/plan.ts';

export { analyze } from './analyze.ts';
export { explain } from './explain/explain.ts';
export { renderDiagnostics, diagnosticsToJson } from './diagnostics/render.ts';
export { SQC_VERSION } from './version.ts';
export type { Diagnostic } from '../grammar/diagnostic.ts';
export type { JobPlan } from './plan/plan.ts';

export interface CompileOptions {
  /** Module specifier the generated code imports the runtime from (default `sqc/runtime`). */
  readonly runtimeImport?: string;
  /**
   * Where the generated module will be written: its header and comments name the `.sq` file
   * relative to it (`./orders.sq`, `../queries/orders.sq`). Without it, by its base name.
   */
  readonly outFile?: string;
  /**
   * How the module imports user-defined functions (CREATE FUNCTION) from their TypeScript files:
   * - `'tsc'` (default): relative to `outFile` (else to the `.sq` file's folder), with the `.js`
   *   extension `tsc` gives the compiled file (`../udf/count-char.js` for `count-char.ts`), as
   *   TypeScript's `nodenext` resolution expects;
   * - `'source'`: relative, with the file's own extension (tools that load TypeScript: the vite,
   *   esbuild and register plugins);
   * - `'absolute'`: the file's absolute path (a module written elsewhere: `sqc run`'s cache).
   */
  readonly functionImports?: 'tsc' | 'source' | 'absolute';
  /** The folder user-defined functions' module paths are relative to (default: the folder of `file`). */
  readonly dir?: string;
}

export interface CompileResult {
  /** The generated module, or null when there are errors. */
  readonly code: string | null;
  readonly plan: JobPlan | null;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * How generated code names the `.sq` file: relative to the module written from it (or by base
 * name), never by an absolute path or one that depends on the working directory, so the same
 * `.sq` file gives byte-identical code wherever it is compiled from.
 */
export function sourceName(file: string, outFile?: string): string {
  if (outFile === undefined) return basename(file);
  const rel = relative(dirname(resolve(outFile)), resolve(file))
    .split('\\')
    .join('/');
  return isAbsolute(rel) ? basename(file) : rel.startsWith('../') ? rel : `./${rel}`;
}

/** The import specifier of a user-defined function's module file, per `options.functionImports`. */
function functionImport(file: string, options: CompileOptions): (module: string) => string {
  const mode = options.functionImports ?? 'tsc';
  if (mode === 'absolute') return (module) => module.split('\\').join('/');
  const from = options.outFile !== undefined ? dirname(resolve(options.outFile)) : (options.dir ?? dirname(resolve(file)));
  return (module) => {
    let rel = relative(from, module).split('\\').join('/');
    if (!rel.startsWith('../') && !isAbsolute(rel)) rel = `./${rel}`;
    return mode === 'tsc' ? rel.replace(/\.(c|m)?ts$/, (_, x: string | undefined) => `.${x ?? ''}js`) : rel;
  };
}

/**
 * Compiles one `.sq` file. `file` is the path as the user wrote it (used in messages); the
 * generated module names it by `sourceName(file, options.outFile)`.
 */
export async function compile(source: string, file: string, options: CompileOptions = {}): Promise<CompileResult> {
  const { plan, diagnostics } = analyze(source, file, options.dir !== undefined ? { dir: options.dir } : {});
  if (!plan || diagnostics.some((d) => d.severity === 'error')) return { code: null, plan, diagnostics };
  const emitted = await emit(plan, {
    sourcePath: sourceName(file, options.outFile),
    ...(options.runtimeImport ? { runtimeImport: options.runtimeImport } : {}),
    functionImport: functionImport(file, options),
  });
  const all = [...diagnostics, ...emitted.diagnostics];
  const failed = emitted.diagnostics.some((d) => d.severity === 'error');
  return { code: failed ? null : emitted.code, plan, diagnostics: all };
}
