/**
 * The exhaustive crash sweep of issue 15: a small job over inputs shaped like users' (JSON lines
 * from 0 bytes to 1.2 MiB across the 1 MiB read boundary, CRLF, a BOM, blank lines; CSV records
 * whose quoted fields hold line breaks) fails at every fault point of the protocol × every time
 * the point is reached (every batch of every query, every state snapshot, every cleanup), in
 * process, with a state snapshot after every batch — and at every third occurrence with a 1 h
 * interval, where every restart replays the whole log — and is restarted from its checkpoint: the files must then equal an uninterrupted run
 * byte for byte, with no hidden file left. (The process-level kills — SIGKILL, SIGINT, SIGTERM —
 * are test/crash-shapes.test.ts.)
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, expect, it } from 'vitest';
import { compile } from '../compiler/index.ts';
import type { Job, JobOverrides } from '../runtime/index.ts';
import { FAULT_POINTS, armFault, faultCount, resetFaults } from '../runtime/checkpoint/faults.ts';
import { leftovers } from './crash/harness.ts';
import { shapedCsv, shapedLines } from './crash/shapes.ts';

const TMP = mkdtempSync(join(tmpdir(), 'sqc-crash-sweep-'));
afterEach(() => resetFaults());
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const JOB = `SET 'pipeline.name' = 'sweep';
CREATE STREAM lines (id BIGINT NOT NULL, k STRING, s STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND
) WITH ('connector' = 'file', 'path' = 'lines', 'format' = 'json', 'scan.batch-size' = '8');
CREATE STREAM notes (id BIGINT NOT NULL, author STRING, body STRING)
  WITH ('connector' = 'file', 'path' = 'notes', 'format' = 'csv', 'scan.batch-size' = '6');
CREATE SINK line_copy WITH ('connector' = 'file', 'path' = 'lines.jsonl', 'format' = 'json');
CREATE SINK per_key WITH ('connector' = 'file', 'path' = 'per_key.csv', 'format' = 'csv');
CREATE SINK note_csv WITH ('connector' = 'file', 'path' = 'notes.csv', 'format' = 'csv');
INSERT INTO line_copy SELECT id, k, CHAR_LENGTH(s) AS len, ts FROM lines;
INSERT INTO per_key
SELECT window_start, window_end, k, COUNT(*) AS n, SUM(CHAR_LENGTH(s)) AS chars
FROM TABLE(TUMBLE(TABLE lines, DESCRIPTOR(ts), INTERVAL '20' SECOND))
GROUP BY window_start, window_end, k;
INSERT INTO note_csv SELECT id, author, body FROM notes;
`;

type Module = { createJob(o?: JobOverrides): Job };

async function load(): Promise<Module> {
  const result = await compile(JOB, 'sweep.sq', {
    runtimeImport: pathToFileURL(join(import.meta.dirname, '..', 'runtime', 'index.ts')).href,
  });
  expect(result.code, result.diagnostics.map((d) => d.message).join('\n')).not.toBeNull();
  const path = join(TMP, 'sweep.ts');
  writeFileSync(path, result.code!);
  return (await import(pathToFileURL(path).href)) as Module;
}

/** A scratch copy of the input. */
function scratch(input: string, name: string): string {
  const d = join(TMP, name);
  cpSync(input, join(d, 'in'), { recursive: true });
  return d;
}

async function run(mod: Module, d: string, interval: string): Promise<Error | null> {
  const job = mod.createJob({
    sources: { lines: { path: join(d, 'in', 'lines') }, notes: { path: join(d, 'in', 'notes') } },
    sinks: {
      line_copy: { path: join(d, 'out', 'lines.jsonl') },
      per_key: { path: join(d, 'out', 'per_key.csv') },
      note_csv: { path: join(d, 'out', 'notes.csv') },
    },
    set: { 'checkpoint.dir': join(d, 'chk'), 'checkpoint.interval': interval, 'checkpoint.retained': '2' },
  });
  // a replayed batch ends exactly at its logged offsets
  job.on('notice', (m) => expect(m).not.toContain('did not reach the logged offsets'));
  try {
    await job.run();
    return null;
  } catch (e) {
    return e as Error;
  }
}

function outputs(d: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(join(d, 'out')).sort())
    if (!f.startsWith('.')) out[f] = readFileSync(join(d, 'out', f), 'utf8');
  return out;
}

it('fails at every fault point × every time it is reached, and a restart gives exactly the uninterrupted output', async () => {
  const t0 = performance.now();
  const input = join(TMP, 'input');
  mkdirSync(join(input, 'lines'), { recursive: true });
  mkdirSync(join(input, 'notes'), { recursive: true });
  // ~40 JSON records in two files, one line of 1.2 MiB across the first read boundary
  const lines = shapedLines(40, 151, 2);
  for (const f of lines) writeFileSync(join(input, 'lines', f.name), f.text);
  writeFileSync(
    join(input, 'lines', 'b.jsonl'),
    lines[1]!.text.replace(/\n/, `\n\n${JSON.stringify({ id: 999, k: 'big', s: 'z'.repeat(1.2 * 2 ** 20), ts: 0 })}\n`),
  );
  for (const f of shapedCsv(24, 152, 2)) writeFileSync(join(input, 'notes', f.name), f.text);
  const mod = await load();

  let sweeps = 0;
  const counts: string[] = [];
  for (const interval of ['0', '1 h']) {
    const ref = scratch(input, `reference-${interval}`);
    resetFaults();
    expect(await run(mod, ref, interval)).toBeNull();
    const expected = outputs(ref);
    expect(expected['lines.jsonl']!.split('\n')).toHaveLength(42);
    expect(expected['notes.csv']).toMatch(/"[^"]*\n/); // quoted line breaks, written back
    const reached = new Map(FAULT_POINTS.map((p) => [p, faultCount(p)]));
    for (const point of FAULT_POINTS) {
      const count = reached.get(point)!;
      counts.push(`${point}×${count}${interval === '0' ? '' : ' (1 h)'}`);
      // interval 0: every occurrence; 1 h (every restart replays the whole log): every third and the last
      const step = interval === '0' ? 1 : 3;
      for (let n = 1; n <= count; n = n + step > count && n < count ? count : n + step) {
        const what = `${point}:${n} (interval ${interval})`;
        const d = scratch(input, `${interval}-${point}-${n}`);
        resetFaults();
        armFault(point, n, 'throw');
        const first = await run(mod, d, interval);
        resetFaults();
        expect(first?.message, what).toContain(`injected fault at ${point} (#${n})`);
        const second = await run(mod, d, interval);
        expect(second, what).toBeNull();
        expect(outputs(d), what).toEqual(expected);
        expect(leftovers(join(d, 'out'), join(d, 'chk')), what).toEqual([]);
        rmSync(d, { recursive: true, force: true });
        sweeps++;
      }
    }
  }
  console.log(
    `crash sweep: ${sweeps} crashes and restarts in ${((performance.now() - t0) / 1000).toFixed(1)} s; points reached: ${counts.join(', ')}`,
  );
  expect(sweeps).toBeGreaterThan(300);
}, 600_000);
