// Bundles scripts/report.ts with esbuild; the sqc plugin compiles the .sq file it imports.
import { build } from 'esbuild';
import sqc from 'sqc/esbuild';

await build({
  entryPoints: ['scripts/report.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  outfile: 'dist/report.mjs',
  plugins: [sqc()],
  logLevel: 'warning',
});
