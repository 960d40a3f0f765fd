#!/usr/bin/env node
// `npm run build` (also run by `prepare`, so `npm pack`, `npm publish` and a git install build
// first): compiles grammar/, compiler/, runtime/, broker/ and bin/ into dist/ as JavaScript with
// .d.ts files. Sources import each other with `.ts` extensions; tsc rewrites them to `.js` in the
// JavaScript (`rewriteRelativeImportExtensions`) but not in declarations, so this script rewrites
// the declarations' relative `.ts` specifiers, so that apps resolve them under any moduleResolution.
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
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
// Static assets that modules read at run time (the live page).
cpSync(join(root, 'runtime', 'monitor', 'page'), join(dist, 'runtime', 'monitor', 'page'), { recursive: true });
console.log(`build: dist/ written (${files} declaration files)`);
