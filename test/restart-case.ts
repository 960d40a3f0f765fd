/**
 * Runs one golden restart case through the real CLI (`node bin/sqc.js run --quiet`), so what is
 * tested is exactly what the user sees. A case is a folder `test/cases/restart/<name>/`:
 *
 *   first.sq       the job as it first runs (its `checkpoint.dir` and file paths are relative:
 *                  every run has the case's scratch copy as its working directory)
 *   second.sq      optional: the job as changed for the restart
 *   *.jsonl ...    inputs (every other file is copied to the scratch directory)
 *   case.json      what the case is about, and the steps, in order (default: run first.sq, then
 *                  second.sq if any)
 *   expected.txt   the transcript: per run the command, its stderr (and stdout) lines and exit
 *                  code, each file operation, and at the end the output files
 *
 * case.json:
 *
 *   {
 *     "about": "A flipped byte in the newest state file: refused, naming the file ...",
 *     "uninterrupted": "first.sq",    the output files at the end must equal those of one clean
 *                                     run of this file on all the input (done last, in the same
 *                                     scratch directory after removing chk/ and out/)
 *     "steps": [
 *       { "run": "first.sq", "crashAt": "batch.published:3" },     SQC_CRASH_AT (SIGKILL)
 *       { "run": "first.sq", "failAt": "state.write:2=ENOSPC" },   SQC_FAIL_AT (an fs error)
 *       { "run": "second.sq", "set": { "checkpoint.interval": "0" }, "unchanged": true },
 *       { "file": "chk/q/state-3.ckpt", "action": "flip-byte" },    the middle byte of the payload
 *       { "file": "chk/q/log-0.log", "action": "flip-byte", "line": 2 },   ... of that line
 *       { "file": "chk/q/state-3.ckpt", "action": "truncate", "drop": 5 }, default: half of it
 *       { "file": "out/.x.jsonl.manifest", "action": "empty" },      truncated to 0 bytes
 *       { "file": "chk/q/state-3.ckpt", "action": "replace-with-foreign", "from": "chk/p/state-3.ckpt" },
 *       { "file": "chk/metadata", "action": "replace-with-foreign", "text": "{...}" },
 *       { "file": "chk/metadata", "action": "delete" },            a file or a whole directory
 *       { "file": "chk/.lock", "action": "lock-live" },    the pid of a live process (this one)
 *       { "file": "in/b.jsonl", "action": "add", "from": "more.jsonl" }   new input between runs
 *     ]
 *   }
 *
 * Checksums in messages (`stored 9f3b0c21, computed ...`) are normalised to `<crc>`: state and
 * metadata files hold their creation time. `"unchanged": true` asserts that the run left every file in the scratch directory (checkpoint
 * and output) byte for byte as it was (but for chk/.lock: a stale lock a crash left is taken over). The scratch path and the live pid are normalised to
 * `<dir>` and `<pid>`. Compiled modules are cached (SQC_CACHE_DIR): each distinct .sq text
 * compiles once per test run.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';

const SQC = join(import.meta.dirname, '..', 'bin', 'sqc.js');
const CACHE = mkdtempSync(join(tmpdir(), 'sqc-restart-cache-'));

type Step =
  | {
      readonly run: string;
      readonly crashAt?: string;
      readonly failAt?: string;
      readonly set?: Readonly<Record<string, string>>;
      readonly unchanged?: boolean;
    }
  | {
      readonly file: string;
      readonly action: 'flip-byte' | 'truncate' | 'empty' | 'replace-with-foreign' | 'delete' | 'lock-live' | 'add';
      readonly line?: number;
      readonly drop?: number;
      readonly from?: string;
      readonly text?: string;
    };

export interface RestartCase {
  /** One sentence: what changes or breaks, and what must happen. */
  readonly about?: string;
  readonly steps?: readonly Step[];
  readonly uninterrupted?: string;
}

interface RunResult {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

function sqcRun(
  cwd: string,
  file: string,
  env: Record<string, string>,
  set: Readonly<Record<string, string>>,
): Promise<RunResult> {
  // The .sq runs from a path that depends only on its text (paths in it resolve against the working
  // directory), so the compile cache, keyed by path and text, compiles each distinct text once.
  const text = readFileSync(join(cwd, file));
  const stable = join(CACHE, 'sq', createHash('sha256').update(text).digest('hex').slice(0, 16));
  mkdirSync(stable, { recursive: true });
  // Cases run concurrently and share this path: write it once, atomically (a plain rewrite
  // truncates it while another case's sqc may be reading it, which then runs an empty job).
  const target = join(stable, basename(file));
  if (!existsSync(target)) {
    const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, target);
  }
  const args = [
    SQC,
    'run',
    '--quiet',
    join(stable, basename(file)),
    ...Object.entries(set).flatMap(([k, v]) => ['--set', `${k}=${v}`]),
  ];
  const childEnv: NodeJS.ProcessEnv = { ...process.env, SQC_CACHE_DIR: CACHE, NO_COLOR: '1', ...env };
  for (const k of ['FORCE_COLOR', 'SQC_CRASH_AT', 'SQC_FAIL_AT']) if (!(k in env)) delete childEnv[k];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, env: childEnv, timeout: 60_000 }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number | string; signal?: string | null }) | null;
      resolve({
        code: e === null ? 0 : typeof e.code === 'number' ? e.code : null,
        signal: e?.signal ?? null,
        stdout,
        stderr: stderr.split(stable + '/').join(''),
      });
    });
  });
}

/** Every file under `dir` (hidden ones too), relative path → content hash. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    if (relative(dir, path) === join('chk', '.lock')) continue; // a stale lock left by a crash is taken over
    files.set(relative(dir, path), createHash('sha256').update(readFileSync(path)).digest('hex'));
  }
  return files;
}

function changes(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [f, h] of before)
    if (!after.has(f)) out.push(`deleted ${f}`);
    else if (after.get(f) !== h) out.push(`changed ${f}`);
  for (const f of after.keys()) if (!before.has(f)) out.push(`created ${f}`);
  return out.sort();
}

/** The output files (not hidden) under `out/`, each as `-- out/x.jsonl` and its lines. */
function outputs(dir: string): string[] {
  const root = join(dir, 'out');
  if (!existsSync(root)) return ['-- no output files'];
  const lines: string[] = [];
  const files = readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
  for (const f of files) {
    lines.push(`-- ${f}`);
    const text = readFileSync(join(dir, f), 'utf8');
    if (text !== '') lines.push(...text.replace(/\n$/, '').split('\n'));
  }
  return lines;
}

function mutate(dir: string, step: Extract<Step, { file: string }>): string {
  const path = join(dir, step.file);
  switch (step.action) {
    case 'flip-byte': {
      const data = readFileSync(path);
      let start = data.indexOf(10) + 1; // after the header line
      let end = data.length;
      if (step.line !== undefined) {
        start = 0;
        for (let i = 1; i < step.line; i++) start = data.indexOf(10, start) + 1;
        end = data.indexOf(10, start);
      }
      const at = start + Math.floor((end - start) / 2);
      data[at] = data[at]! ^ 0x01;
      writeFileSync(path, data);
      return `-- flipped the lowest bit of byte ${at} of ${step.file}${step.line !== undefined ? ` (line ${step.line})` : ''}`;
    }
    case 'truncate': {
      const data = readFileSync(path);
      const keep = step.drop !== undefined ? data.length - step.drop : Math.floor(data.length / 2);
      writeFileSync(path, data.subarray(0, keep));
      return `-- truncated ${step.file} to ${keep} of ${data.length} bytes`;
    }
    case 'empty':
      writeFileSync(path, '');
      return `-- emptied ${step.file}`;
    case 'replace-with-foreign':
      if (step.from !== undefined) {
        writeFileSync(path, readFileSync(join(dir, step.from)));
        return `-- replaced ${step.file} with a copy of ${step.from}`;
      }
      writeFileSync(path, step.text ?? '{"not":"a checkpoint"}\n');
      return `-- replaced ${step.file} with ${JSON.stringify(step.text ?? '{"not":"a checkpoint"}\n')}`;
    case 'add':
      writeFileSync(path, readFileSync(join(dir, step.from!)));
      return `-- new input file ${step.file} (${step.from})`;
    case 'delete':
      rmSync(path, { recursive: true });
      return `-- deleted ${step.file}`;
    case 'lock-live':
      writeFileSync(path, String(process.pid));
      return `-- ${step.file} holds the pid of a live process`;
  }
}

/**
 * The first run of many cases is the same job on the same input: it runs once, and the files it
 * leaves are copied for the other cases (their transcripts are golden, so it is deterministic).
 */
const firstRuns = new Map<
  string,
  Promise<{ readonly result: RunResult; readonly files: string; readonly origin: string }>
>();

function firstRun(dir: string, step: Extract<Step, { run: string }>, env: Record<string, string>): Promise<RunResult> {
  const h = createHash('sha256')
    .update(JSON.stringify([step, env]))
    .update(readFileSync(join(dir, step.run)));
  for (const [f] of [...snapshot(dir)].sort())
    if (!f.endsWith('.sq')) h.update(`\0${f}\0`).update(readFileSync(join(dir, f)));
  const key = h.digest('hex').slice(0, 16);
  let memo = firstRuns.get(key);
  const hit = memo !== undefined;
  if (memo === undefined) {
    memo = (async () => {
      const result = await sqcRun(dir, step.run, env, step.set ?? {});
      const files = join(CACHE, 'runs', key);
      cpSync(dir, files, { recursive: true, filter: (src) => !src.endsWith('.sq') });
      return { result, files, origin: dir };
    })();
    firstRuns.set(key, memo);
  }
  return memo.then(({ result, files, origin }) => {
    if (!hit) return result;
    cpSync(files, dir, { recursive: true });
    return { ...result, stdout: result.stdout.split(origin).join(dir), stderr: result.stderr.split(origin).join(dir) };
  });
}

export async function runRestartCase(caseDir: string): Promise<string> {
  const config: RestartCase = existsSync(join(caseDir, 'case.json'))
    ? JSON.parse(readFileSync(join(caseDir, 'case.json'), 'utf8'))
    : {};
  const steps: readonly Step[] = config.steps ?? [
    { run: 'first.sq' },
    ...(existsSync(join(caseDir, 'second.sq')) ? [{ run: 'second.sq', unchanged: true }] : []),
  ];
  const dir = mkdtempSync(join(tmpdir(), 'sqc-restart-'));
  try {
    cpSync(caseDir, dir, { recursive: true, filter: (src) => !/(expected\.txt|case\.json)$/.test(src) });
    const lines: string[] = [];
    // State and metadata files hold their creation time, so their checksums differ from run to run.
    const normalise = (text: string) =>
      text
        .split(dir + '/')
        .join('')
        .split(dir)
        .join('<dir>')
        .split(`process ${process.pid}`)
        .join('process <pid>')
        .replace(/\(stored [0-9a-f]{8}, computed [0-9a-f]{8}\)/g, '(stored <crc>, computed <crc>)');
    let first = true;
    for (const step of steps) {
      if ('file' in step) {
        lines.push(mutate(dir, step));
        continue;
      }
      const env: Record<string, string> = {};
      if (step.crashAt) env['SQC_CRASH_AT'] = step.crashAt;
      if (step.failAt) env['SQC_FAIL_AT'] = step.failAt;
      const before = step.unchanged ? snapshot(dir) : null;
      const r = first ? await firstRun(dir, step, env) : await sqcRun(dir, step.run, env, step.set ?? {});
      first = false;
      const sets = Object.entries(step.set ?? {}).map(
        ([k, v]) => ` --set ${/\s/.test(k + v) ? `'${k}=${v}'` : `${k}=${v}`}`,
      );
      lines.push(
        `$ ${Object.entries(env)
          .map(([k, v]) => `${k}=${v} `)
          .join('')}sqc run ${step.run}${sets.join('')}`,
      );
      for (const l of normalise(r.stdout)
        .split('\n')
        .filter((x) => x !== ''))
        lines.push(`stdout: ${l}`);
      lines.push(
        ...normalise(r.stderr)
          .replace(/\n$/, '')
          .split('\n')
          .filter((x) => x !== ''),
      );
      lines.push(r.signal !== null ? `-- killed by ${r.signal}` : `-- exit ${r.code}`);
      if (before !== null) {
        const diff = changes(before, snapshot(dir));
        lines.push(diff.length === 0 ? '-- every file unchanged' : `-- files touched: ${diff.join(', ')}`);
      }
    }
    const out = outputs(dir);
    lines.push(...out);
    if (config.uninterrupted !== undefined) {
      rmSync(join(dir, 'out'), { recursive: true, force: true });
      rmSync(join(dir, 'chk'), { recursive: true, force: true });
      const r = await sqcRun(dir, config.uninterrupted, {}, {});
      if (r.code !== 0) throw new Error(`the uninterrupted run of ${config.uninterrupted} failed:\n${r.stderr}`);
      const reference = outputs(dir);
      const same = reference.join('\n') === out.join('\n');
      lines.push(
        same
          ? `-- output equals an uninterrupted run of ${config.uninterrupted}`
          : `-- output DIFFERS from an uninterrupted run of ${config.uninterrupted}:`,
        ...(same ? [] : reference),
      );
    }
    return lines.join('\n') + '\n';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
