/**
 * Before a job touches any file: no file sink may write a file that a file source of the job
 * reads. `sqc check` refuses what the paths as written show; this sees the file system too —
 * symlinks (to the file or to a directory on the way), a relative path against an absolute one,
 * the files a directory or glob lists now, and the file a sink is about to create there.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { listFiles, wouldList } from '../connectors/file/list-files.ts';

export interface FilePath {
  readonly name: string;
  readonly path: string;
  /** A source read to its end (no `source.monitor-interval`): it must have files when the job starts. */
  readonly bounded?: boolean;
}

/**
 * A fresh run of a bounded file source with nothing at its path fails; say so before any file
 * (sink output, checkpoint directory) is created, naming the absolute path a relative one meant.
 */
export async function checkInputsExist(sources: readonly FilePath[]): Promise<void> {
  for (const s of sources) {
    if (s.bounded !== true || (await listFiles(s.path)).length > 0) continue;
    const abs = resolve(s.path);
    const where =
      abs === s.path
        ? `'${s.path}'`
        : `'${s.path}' (${abs}: relative paths are read from the working directory ${process.cwd()})`;
    throw new Error(
      `source "${s.name}": no file found at ${where}; nothing was written\n` +
        `  hint: check the path, run from the directory it is relative to, or give an absolute path`,
    );
  }
}

/** The path with every existing part resolved through symlinks (the rest as written). */
async function real(path: string): Promise<string> {
  const abs = resolve(path);
  try {
    return await realpath(abs);
  } catch {
    const dir = dirname(abs);
    return dir === abs ? abs : join(await real(dir), basename(abs));
  }
}

/** The non-glob directory part of a path (the base a glob is matched under). */
function globBase(path: string): { base: string; rest: string } | null {
  const parts = resolve(path).split('/');
  const i = parts.findIndex((p) => /[*?[{]/.test(p));
  return i < 0 ? null : { base: parts.slice(0, i).join('/') || '/', rest: parts.slice(i).join('/') };
}

/**
 * Every entry under `dir` a source could read (files, and symlinks to files or directories, so
 * that a link to the sink's file is seen whether or not the source follows links), with the
 * path it resolves to. Hidden names are skipped, as sources skip them; each directory once.
 */
async function entries(dir: string, out: { path: string; real: string }[], seen: Set<string>): Promise<void> {
  let here: string;
  try {
    here = await realpath(dir);
  } catch {
    return;
  }
  if (seen.has(here)) return;
  seen.add(here);
  let list;
  try {
    list = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of list) {
    if (e.name.startsWith('.') || e.name.startsWith('_')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) await entries(p, out, seen);
    else if (e.isSymbolicLink()) {
      const s = await stat(p).catch(() => null);
      if (s?.isDirectory()) await entries(p, out, seen);
      else out.push({ path: p, real: await real(p) });
    } else if (e.isFile()) out.push({ path: p, real: join(here, e.name) });
  }
}

export async function checkSinkPaths(sinks: readonly FilePath[], sources: readonly FilePath[]): Promise<void> {
  for (const sink of sinks) {
    const target = await real(sink.path);
    for (const source of sources) {
      let why: string | null = null;
      const g = globBase(source.path);
      if (g !== null) {
        if (wouldList(join(await real(g.base), g.rest), target)) why = `the glob '${source.path}' matches it`;
      } else {
        const from = await real(source.path);
        if (from === target) why = `'${source.path}' is that file`;
        else if (wouldList(from, target)) why = `it lies in the directory '${source.path}'`;
      }
      if (why === null) {
        const found: { path: string; real: string }[] = [];
        const seen = new Set<string>();
        if (g !== null) await entries(g.base, found, seen);
        else if ((await stat(source.path).catch(() => null))?.isDirectory()) await entries(source.path, found, seen);
        const hit = found.find(
          (f) => f.real === target && (g === null || wouldList(resolve(source.path), resolve(f.path))),
        );
        if (hit !== undefined) why = `'${hit.path}' links to it`;
      }
      if (why !== null) {
        const same = sink.path === target ? `'${sink.path}'` : `'${sink.path}' (${target})`;
        throw new Error(
          `sink "${sink.name}" writes ${same}, which source "${source.name}" reads: ${why}. The job would empty or re-read its own input; nothing was written\n` +
            `  hint: write the output to a path that no source of this job reads`,
        );
      }
    }
  }
}
