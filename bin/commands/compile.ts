/** `sqc compile <files...> [-o dir] [--watch]`: write one typed TypeScript module per .sq file. */
import { mkdirSync, watch, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { renderDiagnostics } from '../../compiler/diagnostics/render.ts';
import type { Command } from './command.ts';
import { readSource, useColor } from './source.ts';
import { withTools } from './tools.ts';

/** Where `x/orders.sq` is written: beside it as `x/orders.ts`, or into `outDir`. */
export function outputPath(file: string, outDir: string | undefined): string {
  const name = basename(file).replace(/\.sq$/i, '') + '.ts';
  return join(outDir ?? dirname(file), name);
}

/** Compiles one file and writes the module; returns false (after printing why) on failure. */
async function compileOne(
  file: string,
  outDir: string | undefined,
  runtimeImport: string | undefined,
  strict: boolean,
): Promise<boolean> {
  const src = readSource(file);
  if (!src) return false;
  // Loaded on demand: code generation pulls in prettier, which `check` never needs.
  const compiler = await withTools('sqc compile', () => import('../../compiler/index.ts'));
  if (!compiler) return false;
  const { compile } = compiler;
  const out = outputPath(file, outDir);
  const result = await compile(src.text, file, { outFile: out, ...(runtimeImport ? { runtimeImport } : {}) });
  if (result.diagnostics.length) {
    process.stderr.write(renderDiagnostics(result.diagnostics, { file, source: src.text, color: useColor() }) + '\n');
  }
  if (result.code === null || (strict && result.diagnostics.length > 0)) return false;
  try {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, result.code);
  } catch (e) {
    console.error(`sqc compile: cannot write "${out}": ${(e as Error).message}`);
    return false;
  }
  console.log(`${file} -> ${out}`);
  return true;
}

export const compileCommand: Command = {
  summary: 'compile .sq files into typed TypeScript modules',
  usage: '<files...> [-o <dir>] [--watch] [--runtime-import <specifier>] [--strict]',
  options: {
    out: { type: 'string', short: 'o' },
    watch: { type: 'boolean', short: 'w', default: false },
    'runtime-import': { type: 'string' },
    strict: { type: 'boolean', default: false },
  },
  async run(files, values) {
    if (files.length === 0) {
      console.error('sqc compile: no input files (usage: sqc compile <files...> [-o dir])');
      return 2;
    }
    const outDir = values['out'] as string | undefined;
    const runtimeImport = values['runtime-import'] as string | undefined;
    const strict = Boolean(values['strict']);
    let ok = true;
    for (const f of files) ok = (await compileOne(f, outDir, runtimeImport, strict)) && ok;
    if (!values['watch']) return ok ? 0 : 1;

    console.log(`watching ${files.length} file(s); Ctrl-C to stop`);
    let timer: NodeJS.Timeout | undefined;
    const pending = new Set<string>();
    for (const f of files) {
      watch(f, () => {
        pending.add(f);
        clearTimeout(timer);
        timer = setTimeout(async () => {
          const batch = [...pending];
          pending.clear();
          for (const changed of batch) await compileOne(changed, outDir, runtimeImport, strict);
        }, 50);
      });
    }
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    return 0;
  },
};
