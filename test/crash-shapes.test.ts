/**
 * Crash tests with the record shapes users produce (issue 15): the file source's saved position
 * must be exact whatever the line lengths, read chunks and batch sizes.
 *
 * - The issue's two reproductions: a 900,000-byte line among 99-byte lines (crash at
 *   `batch.polled:11`), and uniform lines in batches of 313 (crash at `state.renamed:67`).
 * - Two jobs run as `sqc run` processes, stopped again and again with SIGKILL, SIGINT and SIGTERM
 *   at seeded moments (start-up, replay, anywhere in the run) and restarted until done; their
 *   output must equal an uninterrupted run's byte for byte, with no hidden file left:
 *   `shapes`: JSON lines from 0 bytes to 3.5 MiB across the 1 MiB read boundaries (BOM, CRLF,
 *   blank lines, no final newline) in three files of a directory, copied and aggregated in
 *   tumbling windows, and CSV files whose quoted fields hold line breaks, copied to CSV (which
 *   writes them quoted again) and to JSON lines; `watch`: a watched directory
 *   (`source.monitor-interval`) that receives files while the job runs and is killed.
 * The exhaustive sweep (every fault point × every batch) is test/crash-sweep.test.ts.
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { encodeFile } from '../runtime/checkpoint/files.ts';
import { seededRandom } from '../runtime/random.ts';
import {
  fileDifference,
  killAll,
  leftovers,
  listOutput,
  runJob,
  type RunOptions,
  type RunResult,
} from './crash/harness.ts';
import { arrivals, shapedCsv, shapedLines, type ShapedFile } from './crash/shapes.ts';

const TMP = mkdtempSync(join(tmpdir(), 'sqc-crash-shapes-'));
const CACHE = join(TMP, 'cache');
afterAll(() => {
  killAll();
  rmSync(TMP, { recursive: true, force: true });
});

/** A job copying `id` from `path` (JSON lines) to out/ids.jsonl, exactly-once. */
function copyJob(dir: string, batchSize: number): string {
  const job = join(dir, 'job.sq');
  writeFileSync(
    job,
    `SET 'pipeline.name' = 'copy';
CREATE STREAM src (id BIGINT, pad STRING) WITH (
  'connector' = 'file', 'path' = 'in.jsonl', 'format' = 'json', 'scan.batch-size' = '${batchSize}');
CREATE SINK ids WITH ('connector' = 'file', 'path' = 'out/ids.jsonl', 'format' = 'json');
INSERT INTO ids SELECT id FROM src;
`,
  );
  return job;
}

/** A JSON line of `bytes` bytes before its newline. */
function line(id: number, bytes: number): string {
  const head = `{"id":${id},"pad":"`;
  return `${head}${'x'.repeat(bytes - head.length - 2)}"}\n`;
}

/** Runs `job` in `dir` with checkpoints in dir/chk; fails unless killed at `crashAt` (when given) or exits 0. */
async function run(dir: string, job: string, crashAt?: string, sets: Record<string, string> = {}): Promise<RunResult> {
  const r = await runJob({
    job,
    cwd: dir,
    cacheDir: CACHE,
    sets: { 'checkpoint.dir': join(dir, 'chk'), ...sets },
    ...(crashAt !== undefined ? { crashAt } : {}),
  });
  if (crashAt !== undefined) expect(r.signal, `${crashAt}: ${r.stderr}`).toBe('SIGKILL');
  else expect(r.code, r.stderr).toBe(0);
  return r;
}

function ids(dir: string): number[] {
  return readFileSync(join(dir, 'out', 'ids.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { id: number }).id);
}

function expectEachOnce(got: number[], n: number): void {
  const seen = new Map<number, number>();
  for (const id of got) seen.set(id, (seen.get(id) ?? 0) + 1);
  const twice = [...seen].filter(([, c]) => c > 1).map(([id]) => id);
  expect({ rows: got.length, distinct: seen.size, twice: twice.slice(0, 5) }).toEqual({
    rows: n,
    distinct: n,
    twice: [],
  });
  expect(got).toEqual(Array.from({ length: n }, (_, i) => i));
}

it('a restart after a crash reads a 900,000-byte line among 99-byte lines once (issue 15)', async () => {
  const dir = join(TMP, 'long-line');
  mkdirSync(dir);
  const parts: string[] = [];
  let id = 0;
  for (let i = 0; i < 5000; i++) parts.push(line(id++, 99));
  parts.push(line(id++, 900_000));
  for (let i = 0; i < 30_000; i++) parts.push(line(id++, 99));
  writeFileSync(join(dir, 'in.jsonl'), parts.join(''));
  const job = copyJob(dir, 1000);
  await run(dir, job, 'batch.polled:11', { 'checkpoint.interval': '0' });
  const r = await run(dir, job, undefined, { 'checkpoint.interval': '0' });
  expect(r.stderr).not.toContain('did not reach the logged offsets');
  expectEachOnce(ids(dir), 35_001);
}, 300_000);

it('a crash at state.renamed:67 with uniform lines and batches of 313 loses and repeats nothing (issue 15)', async () => {
  const dir = join(TMP, 'uniform');
  mkdirSync(dir);
  const parts: string[] = [];
  for (let id = 0; id < 30_000; id++) parts.push(line(id, 99));
  writeFileSync(join(dir, 'in.jsonl'), parts.join(''));
  const job = copyJob(dir, 313);
  await run(dir, job, 'state.renamed:67', { 'checkpoint.interval': '0' });
  const r = await run(dir, job, undefined, { 'checkpoint.interval': '0' });
  expect(r.stderr).not.toContain('did not reach the logged offsets');
  expectEachOnce(ids(dir), 30_000);
}, 300_000);

it('refuses a checkpoint whose file offsets have the older {byte, skip} format, saying what to do', async () => {
  const dir = join(TMP, 'old-format');
  mkdirSync(dir);
  writeFileSync(join(dir, 'in.jsonl'), Array.from({ length: 50 }, (_, id) => line(id, 40)).join(''));
  const job = copyJob(dir, 10);
  await run(dir, job, 'batch.published:3', { 'checkpoint.interval': '0' });
  // what an older sqc wrote: the same state, its offsets as {done, file, byte, skip, line}
  const qdir = join(dir, 'chk', 'insert_into_ids');
  const state = readdirSync(qdir)
    .filter((f) => f.startsWith('state-'))
    .sort()
    .pop()!;
  const text = readFileSync(join(qdir, state), 'utf8');
  const payload = JSON.parse(text.slice(text.indexOf('\n') + 1)) as { snapshot: { inputs: { offsets: object }[] } };
  for (const i of payload.snapshot.inputs) i.offsets = { ...i.offsets, skip: 0 };
  writeFileSync(join(qdir, state), encodeFile('state', JSON.stringify(payload)));
  const before = readFileSync(join(dir, 'out', 'ids.jsonl'));
  const r = await runJob({ job, cwd: dir, cacheDir: CACHE, sets: { 'checkpoint.dir': join(dir, 'chk') } });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(
    `error: query "insert_into_ids" failed reading source "src": the checkpoint holds file offsets in the format of an older sqc ({byte, skip}: a read chunk and lines into it), which this version cannot resume exactly\n  hint: start over: delete the checkpoint directory and the job's output, and run the job again\n`,
  );
  expect(readFileSync(join(dir, 'out', 'ids.jsonl')).equals(before)).toBe(true);
}, 300_000);

const SEED = 20260415;
/** Kills of each job (signals rotating SIGKILL, SIGINT, SIGTERM). */
const KILLS_SHAPES = 30;
const KILLS_WATCH = 24;
const SIGNALS: readonly NodeJS.Signals[] = ['SIGKILL', 'SIGINT', 'SIGTERM'];

const SHAPES_SQ = `SET 'pipeline.name' = 'shapes';
CREATE STREAM lines (id BIGINT NOT NULL, k STRING, s STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND
) WITH ('connector' = 'file', 'path' = 'data/lines', 'format' = 'json', 'scan.batch-size' = '9');
CREATE STREAM notes (id BIGINT NOT NULL, author STRING, body STRING)
  WITH ('connector' = 'file', 'path' = 'data/notes/*.csv', 'format' = 'csv', 'scan.batch-size' = '7');
CREATE SINK line_copy WITH ('connector' = 'file', 'path' = 'out/lines.jsonl', 'format' = 'json');
CREATE SINK per_key WITH ('connector' = 'file', 'path' = 'out/per_key.csv', 'format' = 'csv');
CREATE SINK note_csv WITH ('connector' = 'file', 'path' = 'out/notes.csv', 'format' = 'csv');
CREATE SINK note_json WITH ('connector' = 'file', 'path' = 'out/notes.jsonl', 'format' = 'json');
INSERT INTO line_copy SELECT id, k, CHAR_LENGTH(s) AS len, ts FROM lines;
INSERT INTO per_key
SELECT window_start, window_end, k, COUNT(*) AS n, SUM(CHAR_LENGTH(s)) AS chars
FROM TABLE(TUMBLE(TABLE lines, DESCRIPTOR(ts), INTERVAL '30' SECOND))
GROUP BY window_start, window_end, k;
INSERT INTO note_csv SELECT id, author, body FROM notes;
INSERT INTO note_json SELECT id, author, body FROM notes;
`;

const WATCH_SQ = `SET 'pipeline.name' = 'watch';
CREATE STREAM arrivals (id BIGINT NOT NULL, s STRING) WITH ('connector' = 'file', 'path' = 'data/watch',
  'format' = 'json', 'source.monitor-interval' = '30 ms', 'scan.batch-size' = '11');
CREATE SINK arrived WITH ('connector' = 'file', 'path' = 'out/arrived.jsonl', 'format' = 'json');
INSERT INTO arrived SELECT id, CHAR_LENGTH(s) AS len FROM arrivals;
`;

function writeAll(dir: string, files: readonly ShapedFile[]): void {
  mkdirSync(dir, { recursive: true });
  for (const f of files) writeFileSync(join(dir, f.name), f.text);
}

/** Writes `files` into `dir` one by one, `everyMs` apart, each whole at once (hidden, then renamed). */
async function feed(dir: string, files: readonly ShapedFile[], everyMs: number): Promise<void> {
  for (const f of files) {
    writeFileSync(join(dir, `.${f.name}.tmp`), f.text);
    renameSync(join(dir, `.${f.name}.tmp`), join(dir, f.name));
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function lineCount(path: string): number {
  if (!existsSync(path)) return 0;
  const b = readFileSync(path);
  let n = 0;
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
  return n;
}

function outBytes(dir: string): number {
  let n = 0;
  const out = join(dir, 'out');
  if (!existsSync(out)) return 0;
  for (const f of listOutput(out)) n += statSync(join(out, f)).size;
  return n;
}

interface Tally {
  runs: number;
  kills: Map<string, number>;
  /** Kills that landed before the checkpoint was open (start-up) / before new output (replay). */
  startup: number;
  replay: number;
  passes: number;
  ms: number;
}

const tally = (): Tally => ({ runs: 0, kills: new Map(), startup: 0, replay: 0, passes: 1, ms: 0 });

/** One run; counts the kill; fails when the job failed on its own. */
async function step(o: RunOptions, t: Tally): Promise<RunResult> {
  const r = await runJob(o);
  const f = process.env['SQC_CRASH_TRACE'];
  if (f)
    appendFileSync(
      f,
      `${new Date().toISOString().slice(11, 23)} ${o.cwd.split('/').pop()} ${o.signal ?? ''} ${r.killedByHarness ? 'killed' : r.stoppedByHarness ? 'stopped' : 'ran'}: ${r.signal ?? `exit ${r.code}`} after ${Math.round(r.ms)} ms (open at ${r.openMs === null ? '-' : Math.round(r.openMs)}) ${r.progressAtKill?.toFixed(2) ?? ''}\n`,
    );
  t.runs++;
  t.ms += r.ms;
  if (/^error:/m.test(r.stderr) || (r.code !== 0 && !r.killedByHarness && !r.stoppedByHarness)) {
    throw new Error(`${o.cwd}: the job failed (exit ${r.code}, signal ${r.signal}) after ${t.runs} runs:\n${r.stderr}`);
  }
  expect(r.stderr, o.cwd).not.toContain('did not reach the logged offsets');
  if (r.killedByHarness) {
    const sig = o.signal ?? 'SIGKILL';
    t.kills.set(sig, (t.kills.get(sig) ?? 0) + 1);
    if (r.openMs === null) t.startup++;
    else if (r.progressAtOpen !== null && r.progressAtKill === r.progressAtOpen) t.replay++;
  }
  return r;
}

const landed = (t: Tally) => [...t.kills.values()].reduce((a, b) => a + b, 0);

function sameOutput(reference: string, dir: string): void {
  const files = listOutput(join(reference, 'out'));
  expect(listOutput(join(dir, 'out')), dir).toEqual(files);
  const diffs = files
    .map((f) => fileDifference(join(reference, 'out', f), join(dir, 'out', f)))
    .filter((d) => d !== null);
  expect(diffs, `${dir}: output differs from the uninterrupted run`).toEqual([]);
  expect(leftovers(join(dir, 'out'), join(dir, 'chk')), `${dir}: hidden files left over`).toEqual([]);
}

function summary(name: string, t: Tally): string {
  const kills = [...t.kills].map(([s, n]) => `${n} ${s}`).join(', ');
  return `${name}: ${t.runs} runs (${(t.ms / 1000).toFixed(1)} s), ${landed(t)} kills (${kills}; ${t.startup} in start-up, ${t.replay} before new output), ${t.passes} pass(es)`;
}

it(`jobs over shaped inputs, stopped ${KILLS_SHAPES + KILLS_WATCH} times with SIGKILL, SIGINT and SIGTERM, end with the output of an uninterrupted run`, async () => {
  const t0 = performance.now();
  const root = join(TMP, 'shapes');
  const lines = shapedLines(700, SEED);
  const notes = shapedCsv(400, SEED + 1);
  const watchFiles = arrivals(20, 25, SEED + 2);
  const watchIds = watchFiles.reduce((n, f) => n + f.ids.length, 0);
  mkdirSync(root);
  const shapesJob = join(root, 'shapes.sq');
  const watchJob = join(root, 'watch.sq');
  writeFileSync(shapesJob, SHAPES_SQ);
  writeFileSync(watchJob, WATCH_SQ);
  const lane = (name: string, job: string, interval: string) => {
    const cwd = join(root, name);
    mkdirSync(join(cwd, 'data'), { recursive: true });
    for (const d of ['lines', 'notes']) writeAll(join(cwd, 'data', d), d === 'lines' ? lines : notes);
    mkdirSync(join(cwd, 'data', 'watch'));
    return { job, cwd, cacheDir: CACHE, sets: { 'checkpoint.dir': join(cwd, 'chk'), 'checkpoint.interval': interval } };
  };
  const watchDone = (cwd: string) => () => lineCount(join(cwd, 'out', 'arrived.jsonl')) >= watchIds;

  // 1. the uninterrupted runs (the watched one stopped once it wrote every record)
  const refT = tally();
  const ref = lane('reference', shapesJob, '150 ms');
  const refW = lane('reference-watch', watchJob, '150 ms');
  const [r, rw] = await Promise.all([
    step(ref, refT),
    (async () => {
      const fed = feed(join(refW.cwd, 'data', 'watch'), watchFiles, 40);
      const res = await step({ ...refW, stopWhen: watchDone(refW.cwd) }, refT);
      await fed;
      return res;
    })(),
  ]);
  expect(r.code, r.stderr).toBe(0);
  expect(rw.stoppedByHarness, rw.stderr).toBe(true);
  // the references are right: every record once, in order, with its value
  const copied = readFileSync(join(ref.cwd, 'out', 'lines.jsonl'), 'utf8')
    .trimEnd()
    .split('\n');
  expect(copied.map((l) => (JSON.parse(l) as { id: number }).id)).toEqual(lines.flatMap((f) => f.ids));
  const expectedLens = lines.flatMap((f) =>
    f.text
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/)
      .filter((l) => l !== '')
      .map((l) => [...(JSON.parse(l) as { s: string }).s].length),
  );
  expect(copied.map((l) => (JSON.parse(l) as { len: number }).len)).toEqual(expectedLens);
  expect(Math.max(...expectedLens)).toBeGreaterThan(3 * 2 ** 20 - 1);
  const noteRows = readFileSync(join(ref.cwd, 'out', 'notes.jsonl'), 'utf8')
    .trimEnd()
    .split('\n');
  expect(noteRows.map((l) => (JSON.parse(l) as { id: number }).id)).toEqual(notes.flatMap((f) => f.ids));
  expect(noteRows.filter((l) => l.includes('\\n')).length).toBeGreaterThan(50);
  expect(readFileSync(join(ref.cwd, 'out', 'notes.csv'), 'utf8')).toContain('"say ""hi"", 0');
  const arrived = readFileSync(join(refW.cwd, 'out', 'arrived.jsonl'), 'utf8')
    .trimEnd()
    .split('\n');
  expect(arrived.map((l) => (JSON.parse(l) as { id: number }).id)).toEqual(watchFiles.flatMap((f) => f.ids));
  const refTotal = outBytes(ref.cwd);
  // start-up time: the fastest open seen (the reference's first run compiled the job)
  let startup = Math.min(r.openMs ?? 1000, rw.openMs ?? 1000);

  // 2. the chains, side by side: kills at seeded moments, restarts until done
  const rand = seededRandom(SEED);
  const between = (a: number, b: number) => a + rand() * (b - a);
  const shapesT = tally();
  const watchT = tally();
  const shapes = lane('shapes-kills', shapesJob, '150 ms');
  const watch = lane('watch-kills', watchJob, '100 ms');
  const shapesProgress = () => outBytes(shapes.cwd) / refTotal;
  await Promise.all([
    (async () => {
      for (let i = 0; landed(shapesT) < KILLS_SHAPES; i++) {
        if (i > KILLS_SHAPES * 3) throw new Error(`only ${landed(shapesT)} of ${KILLS_SHAPES} kills landed`);
        const signal = SIGNALS[i % 3]!;
        const k = i % 5;
        const moment: Partial<RunOptions> =
          k === 0
            ? { killAfterMs: between(0.2, 1.1) * startup }
            : k === 1
              ? { killAfterOpenMs: between(0, 250) }
              : // a little further than the output is now: kills spread over the rest of the run
                { killAtProgress: Math.min(0.98, shapesProgress() + between(0.02, 0.3)), progress: shapesProgress };
        const res = await step({ ...shapes, ...moment, signal }, shapesT);
        if (res.openMs !== null) startup = Math.min(startup, res.openMs);
        if (res.code === 0 && !res.killedByHarness) {
          // completed before the kill: check, and start over for the kills still to land
          sameOutput(ref.cwd, shapes.cwd);
          rmSync(join(shapes.cwd, 'out'), { recursive: true, force: true });
          rmSync(join(shapes.cwd, 'chk'), { recursive: true, force: true });
          shapesT.passes++;
        }
      }
      for (let k = 0; ; k++) {
        if (k === 3) throw new Error('the shapes job did not complete in 3 runs after the last kill');
        const res = await step(shapes, shapesT);
        if (res.code === 0) break;
      }
    })(),
    (async () => {
      const fed = feed(join(watch.cwd, 'data', 'watch'), watchFiles, 150);
      for (let i = 0; landed(watchT) < KILLS_WATCH; i++) {
        if (i > KILLS_WATCH * 3) throw new Error(`only ${landed(watchT)} of ${KILLS_WATCH} kills landed`);
        const signal = SIGNALS[i % 3]!;
        await step({ ...watch, killAfterOpenMs: between(20, 300), signal }, watchT);
      }
      await fed;
      await step({ ...watch, stopWhen: watchDone(watch.cwd) }, watchT);
    })(),
  ]);
  console.log(
    [
      `crash shapes: ${lines.length} JSON files (${lines.reduce((n, f) => n + f.ids.length, 0)} records, ${(lines.reduce((n, f) => n + f.text.length, 0) / 2 ** 20).toFixed(1)} MiB), ${notes.length} CSV files (${notes.reduce((n, f) => n + f.ids.length, 0)} records), ${watchFiles.length} arriving files (${watchIds} records); uninterrupted run ${(r.ms / 1000).toFixed(1)} s; total ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      summary('shapes', shapesT),
      summary('watch', watchT),
    ].join('\n'),
  );
  sameOutput(ref.cwd, shapes.cwd);
  sameOutput(refW.cwd, watch.cwd);
  expect(landed(shapesT) + landed(watchT)).toBeGreaterThanOrEqual(50);
  for (const sig of SIGNALS) expect(shapesT.kills.get(sig) ?? 0, sig).toBeGreaterThanOrEqual(KILLS_SHAPES / 3 - 2);
}, 900_000);
