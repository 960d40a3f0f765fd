/** Reading .sq files for the commands, with clear errors for missing or unreadable files. */
import { readFileSync } from 'node:fs';

export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

/** Reads a source file; prints `sqc: cannot read "x.sq": <reason>` and returns null on failure. */
export function readSource(path: string): SourceFile | null {
  try {
    return { path, text: readFileSync(path, 'utf8') };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const reason =
      err.code === 'ENOENT'
        ? 'no such file'
        : err.code === 'EISDIR'
          ? 'it is a directory'
          : err.code === 'EACCES'
            ? 'permission denied'
            : err.message;
    console.error(`sqc: cannot read "${path}": ${reason}`);
    return null;
  }
}

/** True when stderr is an interactive terminal that understands colours. */
export function useColor(): boolean {
  return Boolean(process.stderr.isTTY) && !process.env['NO_COLOR'];
}
