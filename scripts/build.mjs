#!/usr/bin/env node
// `npm run build` (also run by `prepare`, so `npm pack`, `npm publish` and a git install build
// first): type-checks grammar/, compiler/, runtime/, broker/, plugins/ and bin/ and writes their
// declarations (.d.ts) into dist/ with tsc, then bundles the JavaScript with esbuild.
//
// The JavaScript is one bundle per entry point (the package's exports, the CLI, the loader hooks)
// with code splitting: code shared by entries lives in dist/chunks/, each source module in exactly
// one file, so the CLI, a generated module's `sqc/runtime` and the compiler share one instance of
// every module (connector registries, classes). Node loads a handful of files instead of ~130
// modules (each a resolve, a package.json lookup, a read and a compile), the larger part of
// `sqc run` start-up. The CLI's commands stay separate chunks, loaded when they run.
//
// Every output file sits one folder below dist/ (dist/runtime/index.js, dist/chunks/x.js), so a
// module's `import.meta.url` is rewritten to where tsc would have put it (dist/<its path>.js):
// paths relative to it (the live page's assets, the loader hooks, declarations) resolve as before.
//
// tsc writes declarations with the sources' relative `.ts` specifiers, which this script rewrites
// to `.js`, so that apps resolve them under any moduleResolution.
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--emitDeclarationOnly'], {
  stdio: 'inherit',
});
if (r.status !== 0) {
  console.error('build: tsc reported errors (see above); dist/ is incomplete');
  process.exit(1);
}
const SPECIFIER = /((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*?)\.ts\2/g;
let files = 0;
for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const file = join(entry.parentPath, entry.name);
  const text = readFileSync(file, 'utf8');
  const rewritten = text.replace(SPECIFIER, (_m, lead, q, path) => `${lead}${q}${path}.js${q}`);
  if (rewritten !== text) writeFileSync(file, rewritten);
  files++;
}

/** Entry points: the package's exports, the CLI, and the module hooks `sqc/register` installs. */
const entries = [
  'bin/main',
  'runtime/index',
  'compiler/index',
  'grammar/index',
  'broker/index',
  'plugins/vite',
  'plugins/esbuild',
  'plugins/register',
  'plugins/hooks',
];

/** `import.meta.url` of a bundled module → the URL tsc's one-file-per-module layout gave it. */
const moduleUrl = {
  name: 'module-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const own = relative(root, args.path).split('\\').join('/').replace(/\.ts$/, '.js');
      const url = `new URL(${JSON.stringify(`../${own}`)}, import.meta.url).href`;
      return { contents: text.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

const result = await build({
  absWorkingDir: root,
  entryPoints: Object.fromEntries(entries.map((e) => [e, join(root, `${e}.ts`)])),
  outdir: dist,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  tsconfig: join(root, 'tsconfig.build.json'),
  plugins: [moduleUrl],
  // less JavaScript for node to read and pre-parse at start-up; names kept (messages and stack
  // traces name functions and classes)
  minifyWhitespace: true,
  minifySyntax: true,
  // where each line came from (no source text): `node --enable-source-maps` prints stack traces
  // with the TypeScript files' lines, and `npm run bench -- profile` traces samples back to them
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  metafile: true,
});
// Static assets that modules read at run time (the live page).
cpSync(join(root, 'runtime', 'monitor', 'page'), join(dist, 'runtime', 'monitor', 'page'), { recursive: true });
const outputs = Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js')).length;
console.log(`build: dist/ written (${files} declaration files, ${outputs} JavaScript files)`);
