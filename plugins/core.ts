/**
 * What the build-tool plugins share: one `.sq` file → the generated module (TypeScript, then
 * JavaScript with the types stripped) and its declarations, written beside the `.sq` file as
 * `<name>.d.sq.ts` so that `tsc` (with `allowArbitraryExtensions`) types `import ... from './x.sq'`.
 * Compile errors become one `Error` whose message lists every diagnostic with `file:line:col`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type TypeScript from 'typescript';
import { loadTypeScript, toJavaScript } from '../compiler/javascript.ts';

export interface SqPluginOptions {
  /** Module specifier generated code imports the runtime from (default `sqc/runtime`). */
  readonly runtimeImport?: string;
  /** Write `<name>.d.sq.ts` beside each `.sq` file (default true). */
  readonly declarations?: boolean;
}

export interface CompiledSq {
  /** The generated TypeScript module. */
  readonly ts: string;
  /** Its declarations (`.d.ts` text). */
  readonly dts: string;
  /** Warnings, rendered. */
  readonly warnings: string;
}

/** A compile failure of a `.sq` file; `message` holds every diagnostic with file:line:col. */
export class SqCompileError extends Error {
  constructor(
    message: string,
    /** The first error's position, for tools that point at it. */
    readonly location: { readonly file: string; readonly line: number; readonly column: number } | null,
  ) {
    super(message);
    this.name = 'SqCompileError';
  }
}

/** TypeScript (a development dependency of the app), loaded once, with how to install it. */
async function typescript(): Promise<typeof TypeScript> {
  try {
    return await loadTypeScript();
  } catch (e) {
    throw new Error(
      `sqc: compiling .sq files needs the package "typescript" (${(e as Error).message}); install it with \`npm install -D typescript prettier chevrotain\``,
    );
  }
}

/** Compiles `source` (the text of `file`, an absolute path) to TypeScript and declarations. */
export async function compileSq(file: string, source: string, options: SqPluginOptions = {}): Promise<CompiledSq> {
  const { compile, renderDiagnostics } = await import('../compiler/index.ts');
  // The module stands in for the .sq file, so it names it by base name (`./orders.sq`).
  const result = await compile(source, file, {
    outFile: join(dirname(file), `${basename(file)}.ts`),
    // Tools that load TypeScript import a user-defined function's module by its own path.
    functionImports: 'source',
    ...(options.runtimeImport ? { runtimeImport: options.runtimeImport } : {}),
  });
  const rendered = result.diagnostics.length ? renderDiagnostics(result.diagnostics, { file, source }) : '';
  if (result.code === null) {
    const first = result.diagnostics.find((d) => d.severity === 'error');
    throw new SqCompileError(
      `sqc: ${file} does not compile:\n${rendered}`,
      first ? { file, line: first.span.line, column: first.span.col } : null,
    );
  }
  const ts = await typescript();
  const dts = ts.transpileDeclaration(result.code, {
    fileName: `${basename(file)}.ts`,
    compilerOptions: { declaration: true, isolatedDeclarations: true },
  }).outputText;
  if (options.declarations !== false) writeDeclaration(file, dts);
  return { ts: result.code, dts, warnings: rendered };
}

/** The generated module with its types stripped (ES2022 modules). */
export async function stripTypes(code: string, fileName: string): Promise<string> {
  await typescript();
  return toJavaScript(code, fileName);
}

/** Where the declarations of `x/orders.sq` go: `x/orders.d.sq.ts`. */
export function declarationPath(file: string): string {
  return join(dirname(file), basename(file).replace(/\.sq$/i, '') + '.d.sq.ts');
}

const HEADER = '// Types of the .sq module beside this file, written by sqc. Do not edit.\n';

/** Writes the declarations beside the `.sq` file, only when they changed (no watcher loops). */
function writeDeclaration(file: string, dts: string): void {
  const path = declarationPath(file);
  const text = HEADER + dts;
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  writeFileSync(path, text);
}

/** `/x/orders.sq?import` → `/x/orders.sq`; null for ids that are not `.sq` files. */
export function sqFile(id: string): string | null {
  const path = id.replace(/[?#].*$/, '');
  return /\.sq$/i.test(path) ? path : null;
}
