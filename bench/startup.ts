/**
 * Benchmark: start-up of the built CLI as an installed package runs it (`npm run build`, then
 * `SQC_DIST=1 node bin/sqc.js`), against a bare `node -e ''` on the same machine:
 * `sqc --version`, `sqc check` of a small file, and `sqc run` of a trivial program whose compiled
 * module is cached (which loads neither the compiler nor prettier nor TypeScript). Reports the
 * median wall time and CPU time (user + system) of whole processes. Target: each within 3× node.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, writeResults } from './util.ts';

const ROOT = join(import.meta.dirname, '..');
const RUNS = 15;

interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/**
 * Runs `node <args>` to completion: its wall time, and its CPU time, read by a small wrapper
 * process from its own /proc/self/stat (children's user + system ticks, Linux).
 */
function measure(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Sample {
  const wrapper = `
    const { spawnSync } = require('node:child_process');
    const start = performance.now();
    const r = spawnSync(process.execPath, ${JSON.stringify(args)}, { stdio: 'ignore' });
    const wall = performance.now() - start;
    if (r.status !== 0) process.exit(1);
    const f = require('node:fs').readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    console.log(wall, (Number(f[13]) + Number(f[14])) * 10); // cutime + cstime, 100 ticks/s`;
  const r = spawnSync(process.execPath, ['-e', wrapper], { cwd, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${r.stderr}`);
  const [wallMs, cpuMs] = r.stdout.trim().split(' ').map(Number);
  return { wallMs: wallMs!, cpuMs: cpuMs! };
}

function series(name: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv) {
  const samples: Sample[] = [];
  measure(args, cwd, env); // warm the file cache
  for (let i = 0; i < RUNS; i++) samples.push(measure(args, cwd, env));
  return { name, wallMs: median(samples.map((s) => s.wallMs)), cpuMs: median(samples.map((s) => s.cpuMs)) };
}

export async function benchStartup(): Promise<void> {
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');
  const dir = mkdtempSync(join(tmpdir(), 'sqc-bench-startup-'));
  try {
    writeFileSync(
      join(dir, 'small.sq'),
      `CREATE STREAM s (id STRING, n INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH ('connector' = 'file', 'path' = 'in.jsonl', 'format' = 'json');
CREATE SINK o WITH ('connector' = 'blackhole');
INSERT INTO o SELECT window_start, id, SUM(n) AS total
FROM TABLE(TUMBLE(TABLE s, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, id;
`,
    );
    writeFileSync(join(dir, 'in.jsonl'), '{"id":"a","n":1,"ts":"2025-01-01T00:00:10Z"}\n');
    const env = { ...process.env, SQC_DIST: '1', SQC_CACHE_DIR: join(dir, 'cache'), NO_COLOR: '1' };
    const sqc = join(ROOT, 'bin', 'sqc.js');
    // fill the cache once
    const first = spawnSync(process.execPath, [sqc, 'run', '--quiet', 'small.sq'], { cwd: dir, env, encoding: 'utf8' });
    if (first.status !== 0) throw new Error(`sqc run failed: ${first.stderr}`);
    const rows = [
      series("node -e ''", ['-e', ''], dir, env),
      series('sqc --version', [sqc, '--version'], dir, env),
      series('sqc check small.sq', [sqc, 'check', 'small.sq'], dir, env),
      series('sqc run small.sq (cached)', [sqc, 'run', '--quiet', 'small.sq'], dir, env),
    ];
    const base = rows[0]!;
    console.log(`\n## start-up of the built CLI (median of ${RUNS} processes; target ≤ 3× node)`);
    for (const r of rows) {
      console.log(
        `  ${r.name.padEnd(30)} wall ${r.wallMs.toFixed(0).padStart(5)} ms (${(r.wallMs / base.wallMs).toFixed(1)}× node)` +
          `   cpu ${r.cpuMs.toFixed(0).padStart(5)} ms (${(r.cpuMs / base.cpuMs).toFixed(1)}× node)`,
      );
    }
    console.log(`  results: ${writeResults('startup', rows)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
