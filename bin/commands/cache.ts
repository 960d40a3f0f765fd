/**
 * Compiled-output cache for `sqc run`: a re-run of an unchanged file with an unchanged compiler
 * loads the module it generated last time, without parsing or generating again.
 *
 * The key hashes the sqc version, the compiler's own files (paths, sizes and mtimes — so a
 * developer's edit to the compiler invalidates it), the file's path and text. Entries live in
 * `$SQC_CACHE_DIR`, else `~/.cache/sqc`, as JavaScript (`.mjs`, types stripped by TypeScript's
 * `transpileModule` on a miss), so a hit runs on plain node without loading the compiler, prettier
 * or TypeScript; warnings are stored beside the module and replayed.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderDiagnostics } from '../../compiler/diagnostics/render.ts';
import { SQC_VERSION } from '../../compiler/version.ts';
import { readSource } from './source.ts';
import { withTools } from './tools.ts';

/** Run from the TypeScript sources (inside the repository) or from the built package. */
const FROM_SOURCES = import.meta.url.endsWith('.ts');

export interface Compiled {
  /** Absolute path of the generated module (importable: it imports the runtime by absolute URL). */
  readonly modulePath: string;
  readonly fromCache: boolean;
}

function cacheDir(): string {
  return process.env['SQC_CACHE_DIR'] ?? join(homedir(), '.cache', 'sqc');
}

let fingerprint: string | null = null;

/**
 * The runtime generated modules import: the sources in the repository, else the package's own
 * `sqc/runtime` (its built JavaScript).
 */
function runtimeUrl(): string {
  return FROM_SOURCES ? new URL('../../runtime/index.ts', import.meta.url).href : import.meta.resolve('sqc/runtime');
}

/**
 * Cheap fingerprint of the compiler (stat only, no reads): its sources, or the built package's
 * JavaScript (the CLI and the chunks it shares with the compiler and the runtime; scripts/build.mjs).
 */
function compilerFingerprint(): string {
  if (fingerprint) return fingerprint;
  const h = createHash('sha256');
  const here = dirname(fileURLToPath(import.meta.url));
  const dirs = FROM_SOURCES
    ? ['grammar', 'compiler'].map((d) => resolve(here, '..', '..', d))
    : ['bin', 'chunks'].map((d) => resolve(here, '..', '..', d));
  for (const dir of dirs) {
    const entries = readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && /\.[jt]s$/.test(e.name) && !/\.(test|d)\.ts$/.test(e.name))
      .map((e) => join(e.parentPath, e.name))
      .sort();
    for (const f of entries) {
      const s = statSync(f);
      h.update(`${f}\0${s.size}\0${s.mtimeMs}\n`);
    }
  }
  return (fingerprint = h.digest('hex'));
}

/** Compiles `file` (or finds it in the cache); prints diagnostics; null when it does not compile. */
export async function compileCached(
  file: string,
  opts: { useCache: boolean; color: boolean },
): Promise<Compiled | null> {
  const src = readSource(file);
  if (!src) return null;
  const runtimeImport = runtimeUrl();
  const key = createHash('sha256')
    .update([SQC_VERSION, compilerFingerprint(), resolve(file), runtimeImport, src.text].join('\0'))
    .digest('hex')
    .slice(0, 32);
  const dir = cacheDir();
  // `.mjs`: the cache is outside any `"type": "module"` package, and the module is ESM.
  const modulePath = join(dir, `${key}.mjs`);
  const warningsPath = join(dir, `${key}.warnings.txt`);
  const depsPath = join(dir, `${key}.deps.json`);
  if (opts.useCache && existsSync(modulePath) && depsUnchanged(depsPath)) {
    if (existsSync(warningsPath)) process.stderr.write(readFileSync(warningsPath, 'utf8'));
    await loadTypeScriptFunctions(depsPath);
    return { modulePath, fromCache: true };
  }
  // The compiler, prettier and TypeScript: only on a cache miss.
  const tools = await withTools('sqc run', async () => {
    const { loadTypeScript, toJavaScript } = await import('../../compiler/javascript.ts');
    await loadTypeScript();
    return { compile: (await import('../../compiler/index.ts')).compile, toJavaScript };
  });
  if (!tools) return null;
  const { compile, toJavaScript } = tools;
  // The module lives in the cache: it imports user-defined functions by absolute path.
  const result = await compile(src.text, file, { runtimeImport, functionImports: 'absolute' });
  if (result.diagnostics.length) {
    process.stderr.write(renderDiagnostics(result.diagnostics, { file, source: src.text, color: opts.color }) + '\n');
  }
  if (result.code === null) return null;
  const js = await toJavaScript(result.code);
  try {
    mkdirSync(dir, { recursive: true });
    // Write-then-rename, so a concurrent run never imports a half-written module.
    const tmp = `${modulePath}.${process.pid}.tmp`;
    writeFileSync(tmp, js);
    renameSync(tmp, modulePath);
    const warnings = result.diagnostics.length
      ? renderDiagnostics(result.diagnostics, { file, source: src.text }) + '\n'
      : '';
    writeFileSync(warningsPath, warnings);
    writeFileSync(depsPath, JSON.stringify((result.plan?.functions ?? []).map((f) => stamp(f.module))));
  } catch (e) {
    console.error(
      `sqc run: cannot write the compiled module to "${dir}" (${(e as Error).message}); set SQC_CACHE_DIR to a writable directory`,
    );
    return null;
  }
  await loadTypeScriptFunctions(depsPath);
  return { modulePath, fromCache: false };
}

/** A file the compiled module depends on (a user-defined function's module), as it is now. */
function stamp(file: string): [string, number, number] {
  try {
    const s = statSync(file);
    return [file, s.size, s.mtimeMs];
  } catch {
    return [file, -1, -1];
  }
}

/** True when every user-defined function module the cached module was compiled from is unchanged. */
function depsUnchanged(depsPath: string): boolean {
  if (!existsSync(depsPath)) return false;
  try {
    const deps = JSON.parse(readFileSync(depsPath, 'utf8')) as [string, number, number][];
    return deps.every((d) => {
      const now = stamp(d[0]);
      return now[1] === d[1] && now[2] === d[2];
    });
  } catch {
    return false;
  }
}

/**
 * The module imports user-defined functions written in TypeScript: inside the repository tsx
 * loads them; the installed CLI registers sqc's module hooks (`sqc/register`), which strip types.
 */
async function loadTypeScriptFunctions(depsPath: string): Promise<void> {
  if (FROM_SOURCES || hooksRegistered) return;
  const deps = JSON.parse(readFileSync(depsPath, 'utf8')) as [string, number, number][];
  if (!deps.some((d) => /\.(c|m)?ts$/.test(d[0]))) return;
  hooksRegistered = true;
  const { register } = await import('node:module');
  register(new URL('../../plugins/hooks.js', import.meta.url));
}

let hooksRegistered = false;
