#!/usr/bin/env node
// The sqc command. An installed package runs the compiled CLI in dist/ (built by `npm run build`,
// which `npm pack` and a git install run). Inside the repository, where the TypeScript sources sit
// beside this file, tsx loads them so that edits take effect without a build; SQC_DIST=1 runs the
// build there too (the start-up benchmark does).
import { existsSync } from 'node:fs';

const fromSources = !process.env['SQC_DIST'] && existsSync(new URL('./main.ts', import.meta.url));
let main;
if (fromSources) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('./main.ts'));
} else {
  ({ main } = await import('../dist/bin/main.js'));
}
process.exitCode = await main(process.argv.slice(2));
