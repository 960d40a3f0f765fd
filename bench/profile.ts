/**
 * Profiles: where the CPU time of a benchmarked query goes, so that a missed target is explained
 * by a profile anyone can reproduce (`npm run bench -- profile`), not by a guess.
 *
 * Each target is one whole `sqc run` process of the same program its suite times — a NEXMark query
 * of `npm run bench -- nexmark` (`nexmark:q5`) or a query of `npm run bench -- nexmark-file`
 * (`file:tumble`) — run once to compile and cache its module, then once under `node --cpu-prof`.
 * The profile's samples are summed by the function they were in (self time) and by the part of
 * sqc that function belongs to, from its source file: the generated query module, each runtime
 * operator, connector and format, the engine, garbage collection, node's own I/O, and start-up
 * (the compiler, the parser, module loading). The process runs the built package (dist/), as the
 * suites time it; a sample in one of its bundles is traced back to its TypeScript file by the
 * bundle's source map. Start-up is its own line, and
 * the shares are also given without it.
 *
 * `SQC_BENCH_PROFILE` picks targets (default: the ones issue 11's targets are measured on:
 * `nexmark:q0,…,nexmark:q11,file:tumble,file:hop,file:filter`); the event counts are the suites'
 * (`SQC_BENCH_NEXMARK_EVENTS`, `SQC_BENCH_EVENTS`). Profiles are kept in
 * bench/data/profile/ (open them in Chrome DevTools); the summary goes to bench/results/profile.json.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { nexmarkProgram, NEXMARK_DIR, NEXMARK_EVENTS, writeSideInput } from './nexmark.ts';
import { fileProgram, fileBids, FILE_DIR, type FileQuery } from './nexmark-file.ts';
import { DATA, EVENTS } from './pipeline.ts';
import { useDist, writeResults } from './util.ts';

const ROOT = join(import.meta.dirname, '..');
const DIR = join(DATA, 'profile');
const DEFAULT = 'nexmark:q0,nexmark:q1,nexmark:q2,nexmark:q5,nexmark:q7,nexmark:q11,file:tumble,file:hop,file:filter';

/** A V8 CPU profile (`.cpuprofile`), the parts read here. */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
      readonly columnNumber: number;
    };
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/**
 * The source file of a position in a bundle of dist/, from the bundle's source map (the build
 * writes one per bundle, without the sources' text). Other URLs are returned as they are.
 */
export class SourceFiles {
  /** Per bundle: per generated line, its segments' columns and source files, in column order. */
  private readonly bundles = new Map<string, { columns: number[][]; files: number[][]; sources: string[] } | null>();

  fileOf(url: string, line: number, column: number): string {
    const b = this.bundle(url);
    if (b === null) return url;
    const cols = b.columns[line];
    if (cols === undefined || cols.length === 0) return url;
    let lo = 0;
    let hi = cols.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (cols[mid]! <= column) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return '/' + b.sources[b.files[line]![found]!]!.replace(/^(\.\.\/)+/, '');
  }

  private bundle(url: string): { columns: number[][]; files: number[][]; sources: string[] } | null {
    if (this.bundles.has(url)) return this.bundles.get(url)!;
    let b: { columns: number[][]; files: number[][]; sources: string[] } | null = null;
    const path = url.replace(/^file:\/\//, '') + '.map';
    if (url.includes('/dist/') && existsSync(path)) {
      const map = JSON.parse(readFileSync(path, 'utf8')) as { sources: string[]; mappings: string };
      b = { columns: [], files: [], sources: map.sources };
      let source = 0;
      for (const lineText of map.mappings.split(';')) {
        const columns: number[] = [];
        const files: number[] = [];
        let column = 0;
        for (const segment of lineText.split(',')) {
          if (segment === '') continue;
          const v = vlq(segment);
          column += v[0]!;
          if (v.length >= 4) source += v[1]!;
          columns.push(column);
          files.push(source);
        }
        b.columns.push(columns);
        b.files.push(files);
      }
    }
    this.bundles.set(url, b);
    return b;
  }
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** The numbers of one source-map segment (base64 VLQ). Only the first two are used here. */
function vlq(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = BASE64.indexOf(ch);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >> 1) : value >> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

/** The part of sqc (or of node) a function belongs to, from its (source) file. */
export function partOf(url: string, functionName: string, cacheDir: string): string {
  if (url === '') {
    if (functionName === '(garbage collector)') return 'garbage collection';
    if (functionName === '(idle)') return 'idle (waiting for I/O)';
    if (functionName === '(program)') return 'V8 (compiling, ICs, runtime calls)';
    return 'V8 built-ins';
  }
  const path = url.replace(/^file:\/\//, '');
  if (path.startsWith(cacheDir) || path.includes('/.sqc-cache/')) return 'generated query module';
  if (url.startsWith('node:internal/modules') || url.startsWith('node:internal/source_map'))
    return 'start-up (compiler, parser, modules)';
  if (url.startsWith('node:'))
    return /fs|stream|buffer|string_decoder/.test(url) ? 'node I/O (fs, streams)' : 'node internals';
  const nm = /\/node_modules\/(@[^/]+\/[^/]+|[^/]+)\//.exec(path);
  if (nm !== null) {
    const pkg = nm[1]!;
    if (/^(tsx|esbuild|typescript|ts-morph|@ts-morph\/.*|prettier|chevrotain|@chevrotain\/.*)$/.test(pkg))
      return 'start-up (compiler, parser, modules)';
    return `package ${pkg}`;
  }
  if (/^\/(grammar|compiler|bin)\//.test(path) || /\/(grammar|compiler|bin)\/[^/]+/.test(path))
    return 'start-up (compiler, parser, modules)';
  const runtime = /\/runtime\/([^/]+)\/(?:([^/]+)\/)?([^/]+)\.ts$/.exec(path);
  if (runtime !== null) {
    const [, folder, sub, file] = runtime;
    if (folder === 'operators') return `operator ${file}`;
    if (folder === 'connectors') return `connector ${sub ?? file}`;
    return `runtime ${folder}`;
  }
  if (path.includes('/runtime/')) return 'runtime';
  return 'other';
}

interface Item {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
}

interface Summary {
  readonly target: string;
  readonly events: number;
  readonly profiledMs: number;
  readonly startupMs: number;
  readonly parts: readonly Item[];
  readonly functions: readonly Item[];
}

/** Self time by part and by function (idle left out: it is not CPU). */
export function summarise(profile: CpuProfile, cacheDir: string): { parts: Item[]; functions: Item[]; total: number } {
  const sources = new SourceFiles();
  const frames = new Map(
    profile.nodes.map((n) => [
      n.id,
      { ...n.callFrame, url: sources.fileOf(n.callFrame.url, n.callFrame.lineNumber, n.callFrame.columnNumber) },
    ]),
  );
  const byPart = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const f = frames.get(profile.samples[i]!)!;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const part = partOf(f.url, f.functionName, cacheDir);
    if (part.startsWith('idle')) continue;
    total += ms;
    byPart.set(part, (byPart.get(part) ?? 0) + ms);
    const file = f.url
      .replace(cacheDir, '<generated>')
      .replace(/^.*\/(runtime|compiler|grammar|node_modules|sq)\//, '$1/')
      .replace(/^file:\/\//, '')
      .replace(/^\//, '');
    const name = `${f.functionName || '(anonymous)'}${file ? ` ${file}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
  }
  const sorted = (m: Map<string, number>): Item[] =>
    [...m]
      .map(([name, ms]) => ({ name, ms, share: ms / total }))
      .sort((a, b) => b.ms - a.ms || a.name.localeCompare(b.name));
  return { parts: sorted(byPart), functions: sorted(byFunction), total };
}

/** The program of a target and the number of events it reads. */
async function targetProgram(target: string): Promise<{ path: string; events: number }> {
  const [suite, q] = target.split(':') as [string, string];
  mkdirSync(DIR, { recursive: true });
  const path = join(DIR, `${suite}-${q}.sq`);
  if (suite === 'nexmark') {
    mkdirSync(NEXMARK_DIR, { recursive: true });
    writeSideInput();
    // the program's relative paths (q13's side input, q14's function) are the suite's folder's
    writeFileSync(join(NEXMARK_DIR, `${q}-profile.sq`), nexmarkProgram(q));
    return { path: join(NEXMARK_DIR, `${q}-profile.sq`), events: NEXMARK_EVENTS };
  }
  if (suite === 'file') {
    mkdirSync(FILE_DIR, { recursive: true });
    const out = join(DIR, `${q}-out.jsonl`);
    rmSync(out, { force: true });
    writeFileSync(path, fileProgram(q as FileQuery, await fileBids(), out));
    return { path, events: EVENTS };
  }
  throw new Error(`SQC_BENCH_PROFILE: unknown target "${target}" (nexmark:<query> or file:tumble|hop|filter)`);
}

const ms = (n: number) => `${Math.round(n).toLocaleString('en-US')} ms`.padStart(10);
const pct = (n: number) => `${(n * 100).toFixed(1)}%`.padStart(6);

export async function benchProfile(): Promise<void> {
  const targets = (process.env['SQC_BENCH_PROFILE'] ?? DEFAULT).split(',').filter(Boolean);
  const cache = join(DIR, 'cache');
  useDist();
  const env = { ...process.env, SQC_CACHE_DIR: cache };
  console.log('\n## Profiles: CPU self time of one whole `sqc run` per target, by part of sqc and by function');
  const results: Summary[] = [];
  for (const target of targets) {
    const { path, events } = await targetProgram(target);
    const profiles = join(DIR, target.replace(':', '-'));
    rmSync(profiles, { recursive: true, force: true });
    const sqc = join(ROOT, 'bin', 'sqc.js');
    const warm = spawnSync(process.execPath, [sqc, 'run', path, '--quiet'], { env, encoding: 'utf8', cwd: DIR });
    if (warm.status !== 0) throw new Error(`${target}: sqc run failed:\n${warm.stderr.slice(-2000)}`);
    const r = spawnSync(
      process.execPath,
      ['--cpu-prof', `--cpu-prof-dir=${profiles}`, '--cpu-prof-interval=200', sqc, 'run', path, '--quiet'],
      { env, encoding: 'utf8', cwd: DIR },
    );
    if (r.status !== 0) throw new Error(`${target}: sqc run --cpu-prof failed:\n${r.stderr.slice(-2000)}`);
    const file = readdirSync(profiles).find((f) => f.endsWith('.cpuprofile'));
    if (file === undefined) throw new Error(`${target}: node wrote no profile into ${profiles}`);
    const profile = JSON.parse(readFileSync(join(profiles, file), 'utf8')) as CpuProfile;
    const s = summarise(profile, cache);
    const startup = s.parts.find((p) => p.name.startsWith('start-up'))?.ms ?? 0;
    const work = s.total - startup;
    console.log(
      `\n  ${target}: ${events.toLocaleString('en-US')} events, ${ms(s.total).trim()} CPU profiled, ` +
        `${ms(startup).trim()} of it start-up; past start-up ${Math.round(events / (work / 1000)).toLocaleString('en-US')} events per CPU second`,
    );
    console.log('    part                                  self time   share   share past start-up');
    for (const p of s.parts.slice(0, 14))
      console.log(
        `    ${p.name.padEnd(36)} ${ms(p.ms)}  ${pct(p.share)}  ${p.name.startsWith('start-up') ? '' : pct(p.ms / work)}`,
      );
    console.log('    functions (self time)');
    for (const f of s.functions.slice(0, 12)) console.log(`    ${ms(f.ms)}  ${pct(f.share)}  ${f.name}`);
    results.push({
      target,
      events,
      profiledMs: Math.round(s.total),
      startupMs: Math.round(startup),
      parts: s.parts.map((p) => ({ ...p, ms: Math.round(p.ms) })),
      functions: s.functions.slice(0, 40).map((f) => ({ ...f, ms: Math.round(f.ms) })),
    });
  }
  if (existsSync(cache)) rmSync(cache, { recursive: true, force: true });
  console.log(`\n  profiles: ${DIR}; results: ${writeResults('profile', { targets: results })}`);
}
