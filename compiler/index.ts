/**
 * The compiler's public surface: `.sq` source text in, a typed TypeScript module out.
 *
 *   parse (grammar/) → bind (compiler/bind) → plan (compiler/plan) → emit (compiler/codegen)
 *
 * `analyze` runs the front half (everything `sqc check` reports); `compile` adds code generation.
 */
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
}

export interface CompileResult {
  /** The generated module, or null when there are errors. */
  readonly code: string | null;
  readonly plan: JobPlan | null;
  readonly diagnostics: readonly Diagnostic[];
}

/** Compiles one `.sq` file. `file` is the path as the user wrote it (used in headers and messages). */
export async function compile(source: string, file: string, options: CompileOptions = {}): Promise<CompileResult> {
  const { plan, diagnostics } = analyze(source, file);
  if (!plan || diagnostics.some((d) => d.severity === 'error')) return { code: null, plan, diagnostics };
  const emitted = await emit(plan, {
    sourcePath: file,
    ...(options.runtimeImport ? { runtimeImport: options.runtimeImport } : {}),
  });
  const all = [...diagnostics, ...emitted.diagnostics];
  const failed = emitted.diagnostics.some((d) => d.severity === 'error');
  return { code: failed ? null : emitted.code, plan, diagnostics: all };
}
