/**
 * TypeScript → JavaScript for code that runs without a build step (`sqc run`'s cache, the
 * plugins, the Node loader): types stripped by TypeScript's `transpileModule`, ES2022 modules as
 * Node 20 runs them. TypeScript is a development dependency of apps, loaded on first use; a
 * missing one throws node's ERR_MODULE_NOT_FOUND for the callers to explain.
 */
import type TypeScript from 'typescript';

let typescript: Promise<typeof TypeScript> | null = null;

/** TypeScript, loaded once. */
export function loadTypeScript(): Promise<typeof TypeScript> {
  typescript ??= import('typescript').then((m) => m.default);
  return typescript;
}

/** `code` (a TypeScript module) with its types stripped. */
export async function toJavaScript(code: string, fileName = 'module.ts'): Promise<string> {
  const ts = await loadTypeScript();
  return ts.transpileModule(code, {
    fileName,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: false,
      sourceMap: false,
    },
  }).outputText;
}
