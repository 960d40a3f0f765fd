/**
 * Lists the files a file source reads: a file, every file under a directory (recursively), or
 * the files matching a glob (`*`, `?`, `**`, `{a,b}`); symbolic links are followed. Hidden files
 * — names starting with `.` or `_`, such as a file sink's uncommitted output — are never read.
 * Sorted by path.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, posix, sep } from 'node:path';

const GLOB = /[*?[{]/;

function globRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
        if (glob[i + 1] === '/') i++;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const close = glob.indexOf('}', i);
      if (close < 0) re += '\\{';
      else {
        re += `(?:${glob
          .slice(i + 1, close)
          .split(',')
          .map(escape)
          .join('|')})`;
        i = close;
      }
    } else re += escape(c);
  }
  return new RegExp(`^${re}$`);
}

function escape(s: string): string {
  return s.replace(/[.+^$()|[\]\\]/g, '\\$&');
}

function hidden(name: string): boolean {
  return name.startsWith('.') || name.startsWith('_');
}

/**
 * Adds the files under `dir` to `out`. Symbolic links are followed, to files and directories;
 * `visited` (real paths of the directories on the way down) stops a link back up from looping;
 * a dangling link is no file.
 */
async function walk(dir: string, out: string[], visited: ReadonlySet<string> = new Set()): Promise<void> {
  const real = await realpath(dir);
  if (visited.has(real)) return;
  const below = new Set(visited).add(real);
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    if (hidden(e.name)) continue;
    const p = join(dir, e.name);
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      const target = await stat(p).catch(() => null);
      isDir = target?.isDirectory() ?? false;
      isFile = target?.isFile() ?? false;
    }
    if (isDir) await walk(p, out, below);
    else if (isFile) out.push(p);
  }
}

/** The files under `path` (file, directory or glob); [] when nothing exists there yet. */
export async function listFiles(path: string): Promise<string[]> {
  const out: string[] = [];
  const normalized = path.split(sep).join('/');
  if (GLOB.test(normalized)) {
    const parts = normalized.split('/');
    const firstGlob = parts.findIndex((p) => GLOB.test(p));
    const base = parts.slice(0, firstGlob).join('/') || (normalized.startsWith('/') ? '/' : '.');
    const re = globRegex(parts.slice(firstGlob).join('/'));
    const all: string[] = [];
    try {
      await walk(base, all);
    } catch {
      return [];
    }
    const prefix = base === '.' && !normalized.startsWith('./') ? '' : base.endsWith('/') ? base : `${base}/`;
    for (const f of all) {
      const rel = f
        .split(sep)
        .join('/')
        .slice(base === '.' ? (f.startsWith('./') ? 2 : 0) : prefix.length);
      if (re.test(rel)) out.push(f);
    }
  } else {
    let s;
    try {
      s = await stat(path);
    } catch {
      return [];
    }
    if (s.isDirectory()) await walk(path, out);
    else out.push(path);
  }
  return out.sort();
}

/**
 * Whether `listFiles(path)` lists `file` once it exists, judged on the paths alone (both absolute,
 * or both relative to the same directory): `path` is the file, a directory above it, or a glob
 * matching it, and no name on the way is hidden. A file sink checks its target against every file
 * source with it (a sink writing what a source reads would empty the input first).
 */
export function wouldList(path: string, file: string): boolean {
  const p = posix.normalize(path.split(sep).join('/')).replace(/(.)\/+$/, '$1');
  const f = posix.normalize(file.split(sep).join('/'));
  if (p === f) return true;
  let rest: string;
  if (GLOB.test(p)) {
    const parts = p.split('/');
    const firstGlob = parts.findIndex((x) => GLOB.test(x));
    const base = parts.slice(0, firstGlob).join('/');
    if (base !== '' && !f.startsWith(base === '/' ? '/' : `${base}/`)) return false;
    if (base === '' && p.startsWith('/') !== f.startsWith('/')) return false;
    rest = base === '' ? f : f.slice(base === '/' ? 1 : base.length + 1);
    if (!globRegex(parts.slice(firstGlob).join('/')).test(rest)) return false;
  } else {
    const dir = p === '/' ? '/' : `${p}/`;
    if (!f.startsWith(dir) || p === '.') {
      if (p !== '.' || f.startsWith('/') || f.startsWith('../')) return false;
      rest = f;
    } else rest = f.slice(dir.length);
  }
  return !rest.split('/').some(hidden);
}
