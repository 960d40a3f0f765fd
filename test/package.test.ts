/**
 * sqc as a user's project meets it: the package is built (`npm run build`) and packed, the tarball
 * installed into a fresh copy of examples/app (strict `nodenext` tsconfig), a query compiled with
 * `sqc compile` and built with plain `tsc` and run with plain `node` (also as CommonJS), another
 * imported as `.sq` through the Vite plugin (the app's vitest tests, with a snapshot of generated
 * code), the Node loader (`node --import sqc/register`) and the esbuild plugin; then a production
 * install (`npm ci --omit=dev`) runs the built app and holds no compiler tools.
 *
 * npm installs from its local cache (`--prefer-offline`): the app's dependencies are the
 * repository's own. `SQC_UPDATE_SNAPSHOTS=1` writes the app's snapshot back into examples/app.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const APP = join(ROOT, 'examples', 'app');
const tmp = mkdtempSync(join(tmpdir(), 'sqc-package-'));
const NPM = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs a command; fails the test with its output unless it exits 0. */
function run(cwd: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): string {
  const r: SpawnSyncReturns<string> = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', SQC_CACHE_DIR: join(tmp, 'cache'), ...env },
    maxBuffer: 64 << 20,
  });
  const output = `$ ${command} ${args.join(' ')} (in ${cwd})\n${r.stdout}${r.stderr}${r.error ? String(r.error) : ''}`;
  expect(r.status, output).toBe(0);
  return r.stdout;
}

/** Total size of the files under `dir`, in bytes. */
function du(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (e.isFile()) total += readFileSync(join(e.parentPath, e.name)).length;
  return total;
}

describe('the package in a fresh app', () => {
  it('builds, packs, installs; the app builds with tsc, runs on node, tests with vitest; production holds no compiler', () => {
    // Build and pack.
    run(ROOT, process.execPath, ['scripts/build.mjs']);
    const packed = JSON.parse(
      run(ROOT, 'npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp, '--loglevel=error']),
    ) as { filename: string; size: number; entryCount: number; files: { path: string }[] }[];
    const pack = packed[0]!;
    const files = pack.files.map((f) => f.path);
    expect(files.filter((f) => /\.test\.|testdata|(^|\/)test\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files).toContain('dist/runtime/index.js');
    expect(files).toContain('dist/runtime/index.d.ts');
    console.log(`tarball: ${pack.entryCount} files, ${(pack.size / 1024).toFixed(0)} kB`);

    // A fresh copy of the example app with the tarball as its sqc.
    const app = join(tmp, 'app');
    cpSync(APP, app, {
      recursive: true,
      filter: (src) => !/[/\\](node_modules|dist|out)$|\.d\.sq\.ts$|[/\\]src[/\\]orders\.ts$/.test(src),
    });
    const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
    manifest.dependencies.sqc = `file:${join(tmp, pack.filename)}`;
    writeFileSync(join(app, 'package.json'), JSON.stringify(manifest, null, 2));
    run(app, 'npm', ['install', ...NPM]);
    const bin = (name: string) => join(app, 'node_modules', '.bin', name);

    // sqc compile + plain tsc (strict nodenext) + plain node.
    run(app, bin('sqc'), ['compile', 'src/orders.sq']);
    run(app, bin('tsc'), ['-p', 'tsconfig.json']);
    const report = JSON.parse(run(app, process.execPath, ['dist/main.js']));
    expect(report).toEqual([
      { category: 'books', total: 40 },
      { category: 'games', total: 55 },
    ]);

    // The same generated module as CommonJS (nodenext, a "type": "commonjs" package).
    const cjs = join(app, 'cjs');
    mkdirSync(cjs);
    writeFileSync(join(cjs, 'package.json'), '{ "type": "commonjs" }\n');
    cpSync(join(app, 'src', 'orders.ts'), join(cjs, 'orders.ts'));
    writeFileSync(
      join(cjs, 'main.ts'),
      "import { createJob } from './orders.js';\n\nconst rows: number[] = [];\n" +
        'void createJob({ sinks: { revenue: { onBatch: (b) => rows.push(...b.rows.map((r) => r.total ?? 0)) } } })\n' +
        '  .run()\n  .then(() => console.log(rows.reduce((a, b) => a + b, 0)));\n',
    );
    writeFileSync(
      join(cjs, 'tsconfig.json'),
      // verbatimModuleSyntax forbids `import` in CommonJS files by design: CommonJS apps leave it off
      JSON.stringify({
        extends: '../tsconfig.json',
        compilerOptions: { rootDir: '.', outDir: 'dist', verbatimModuleSyntax: false },
        include: ['*.ts'],
      }),
    );
    run(cjs, bin('tsc'), ['-p', 'tsconfig.json']);
    expect(readFileSync(join(cjs, 'dist', 'orders.js'), 'utf8')).toContain('require("sqc/runtime")');
    expect(run(app, process.execPath, ['cjs/dist/main.js']).trim()).toBe('95');

    // The app's vitest tests: a unit test, a snapshot of the generated code, a .sq import through
    // the Vite plugin (which writes src/clicks.d.sq.ts); then tsc types the tests and scripts.
    const update = process.env['SQC_UPDATE_SNAPSHOTS'] === '1';
    run(app, bin('vitest'), ['run', ...(update ? ['-u'] : [])]);
    if (update) cpSync(join(app, 'test', '__snapshots__'), join(APP, 'test', '__snapshots__'), { recursive: true });
    expect(existsSync(join(app, 'src', 'clicks.d.sq.ts'))).toBe(true);
    run(app, bin('tsc'), ['-p', 'tsconfig.test.json']);

    // The Node loader and the esbuild plugin, on the script that imports src/clicks.sq.
    const expected = ['3 page-minute rows', '2025-04-21T10:00:00.000Z /home views=2 users=2'];
    const loaded = run(app, process.execPath, ['--import', 'sqc/register', 'scripts/report.ts']);
    for (const line of expected) expect(loaded).toContain(line);
    run(app, process.execPath, ['scripts/bundle.mjs']);
    const bundled = run(app, process.execPath, ['dist/report.mjs']);
    expect(bundled).toBe(loaded);

    // Production: only the runtime (and kafkajs); the built app runs there.
    const prod = join(tmp, 'prod');
    mkdirSync(prod);
    for (const f of ['package.json', 'package-lock.json', 'dist', 'data'])
      cpSync(join(app, f), join(prod, f), { recursive: true });
    run(prod, 'npm', ['ci', '--omit=dev', ...NPM]);
    const installed = readdirSync(join(prod, 'node_modules')).filter((n) => !n.startsWith('.'));
    for (const tool of ['typescript', 'ts-morph', '@ts-morph', 'prettier', 'chevrotain', 'tsx', 'vitest'])
      expect(installed, `production node_modules holds ${tool}`).not.toContain(tool);
    expect(JSON.parse(run(prod, process.execPath, ['dist/main.js']))).toEqual(report);
    console.log(
      `app production node_modules: ${installed.join(', ')}; ${(du(join(prod, 'node_modules')) / 1e6).toFixed(1)} MB`,
    );
  }, 900_000);
});
