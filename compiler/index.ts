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

/**
 * Compiles one `.sq` file. `file` is the path as the user wrote it (used in messages); the
 * generated module names it by `sourceName(file, options.outFile)`.
 */
export async function compile(source: string, file: string, options: CompileOptions = {}): Promise<CompileResult> {
  const { plan, diagnostics } = analyze(source, file);
  if (!plan || diagnostics.some((d) => d.severity === 'error')) return { code: null, plan, diagnostics };
  const emitted = await emit(plan, {
    sourcePath: sourceName(file, options.outFile),
    ...(options.runtimeImport ? { runtimeImport: options.runtimeImport } : {}),
  });
  const all = [...diagnostics, ...emitted.diagnostics];
  const failed = emitted.diagnostics.some((d) => d.severity === 'error');
  return { code: failed ? null : emitted.code, plan, diagnostics: all };
}
