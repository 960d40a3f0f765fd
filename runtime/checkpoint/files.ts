/**
 * The checkpoint file formats and how they are written.
 *
 * Snapshot files (`metadata`, `state-<batch>.ckpt`) are one header line and a JSON payload:
 *
 *   sqc-checkpoint 1 state 18233 9f3b0c21\n
 *   {"job":"orders","query":"insert_into_x","batch":41,...}
 *
 * (magic, format version, file type, payload length in bytes, CRC-32 of the payload). They are
 * written atomically: a hidden temp file in the same directory, fsync, rename, fsync of the
 * directory — a reader sees the old file or the new one, never a partial one.
 *
 * Log segments (`log-<first batch>.log`) are appended one record per line, each line the CRC-32
 * of its JSON and the JSON: `9f3b0c21 {"t":"commit","b":42}`. A record that is damaged and is the
 * last line of the file is a write that never finished (torn tail) and counts as not written; a
 * damaged record followed by good ones is corruption. Every read checks all of it and reports
 * which file and what is wrong; nothing damaged is ever used.
 */
import { crc32 } from 'node:zlib';
import { closeSync, constants, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { access, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fault, type FaultPoint } from './faults.ts';

export const MAGIC = 'sqc-checkpoint';
export const FORMAT_VERSION = 1;

export type FileType = 'metadata' | 'state';

/** A checkpoint that cannot be used, or cannot be written: which file, what is wrong, what to do. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  /** The message: `<subject> <file> <reason>` (subject default `checkpoint file`), then the hint. */
  constructor(
    /** The file (or directory) at fault, as configured: relative paths stay relative. */
    readonly file: string,
    /** What is wrong, e.g. `is corrupt: checksum mismatch (...)`. */
    readonly reason: string,
    readonly hint: string | null = null,
    options?: { readonly cause?: unknown; readonly subject?: string },
  ) {
    super(`${options?.subject ?? 'checkpoint file'} ${file} ${reason}${hint ? `\n  hint: ${hint}` : ''}`, {
      cause: options?.cause,
    });
  }
}

export function crcHex(data: string | Buffer): string {
  return (crc32(data) >>> 0).toString(16).padStart(8, '0');
}

/** Header line + payload. */
export function encodeFile(type: FileType, payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  const header = `${MAGIC} ${FORMAT_VERSION} ${type} ${body.length} ${crcHex(body)}\n`;
  return Buffer.concat([Buffer.from(header, 'utf8'), body]);
}

function printable(b: Buffer): string {
  const s = b
    .subarray(0, 24)
    .toString('utf8')
    .replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(s + (b.length > 24 ? '…' : ''));
}

/** The payload of a checkpoint file of `type`, after checking every byte of it. */
export function decodeFile(path: string, data: Buffer, type: FileType, hint: string): string {
  const nl = data.indexOf(10);
  const headerText = nl < 0 ? '' : data.subarray(0, nl).toString('utf8');
  const parts = headerText.split(' ');
  if (parts[0] !== MAGIC) {
    if (data.length === 0)
      throw new CheckpointError(path, 'is empty (0 bytes): it is not a complete sqc checkpoint file', hint);
    if (data.subarray(0, MAGIC.length).toString('utf8') === MAGIC) {
      throw new CheckpointError(path, `is truncated: its header line ends after ${data.length} bytes`, hint);
    }
    throw new CheckpointError(
      path,
      `is not an sqc checkpoint file (it starts with ${printable(data)}, not "${MAGIC}")`,
      hint,
    );
  }
  if (parts.length !== 5 || !/^\d+$/.test(parts[1]!) || !/^\d+$/.test(parts[3]!) || !/^[0-9a-f]{8}$/.test(parts[4]!)) {
    throw new CheckpointError(path, `has a damaged header line: ${JSON.stringify(headerText.slice(0, 80))}`, hint);
  }
  const version = Number(parts[1]);
  if (version !== FORMAT_VERSION) {
    throw new CheckpointError(
      path,
      `has checkpoint format version ${version}; this runtime reads version ${FORMAT_VERSION}`,
      hint,
    );
  }
  if (parts[2] !== type) throw new CheckpointError(path, `is a ${parts[2]} file, expected a ${type} file`, hint);
  const length = Number(parts[3]);
  const body = data.subarray(nl + 1);
  if (body.length < length)
    throw new CheckpointError(path, `is truncated: ${body.length} of ${length} payload bytes`, hint);
  if (body.length > length) {
    throw new CheckpointError(
      path,
      `is damaged: ${body.length - length} bytes after the end of its ${length}-byte payload`,
      hint,
    );
  }
  const crc = crcHex(body);
  if (crc !== parts[4])
    throw new CheckpointError(path, `is corrupt: checksum mismatch (stored ${parts[4]}, computed ${crc})`, hint);
  return body.toString('utf8');
}

/** One log line: CRC-32 of the JSON, a space, the JSON, a newline. */
export function encodeRecord(json: string): string {
  return `${crcHex(json)} ${json}\n`;
}

export interface ParsedLog {
  /** The JSON texts of the good records, in order. */
  readonly records: string[];
  /** Bytes up to the end of the last good record (appending continues there). */
  readonly validBytes: number;
  /** A damaged or incomplete last record was found (and ignored). */
  readonly tornTail: string | null;
}

/** Splits a log segment into records; a damaged record anywhere but at the end throws. */
export function parseLog(path: string, data: Buffer, hint: string): ParsedLog {
  const records: string[] = [];
  let pos = 0;
  let line = 0;
  while (pos < data.length) {
    line++;
    const nl = data.indexOf(10, pos);
    const end = nl < 0 ? data.length : nl;
    const text = data.subarray(pos, end).toString('utf8');
    const problem =
      nl < 0
        ? `an incomplete record (no end of line) of ${end - pos} bytes`
        : !/^[0-9a-f]{8} /.test(text)
          ? `a damaged record (no checksum)`
          : crcHex(text.slice(9)) !== text.slice(0, 8)
            ? `a record with a checksum mismatch (stored ${text.slice(0, 8)}, computed ${crcHex(text.slice(9))})`
            : null;
    if (problem !== null) {
      // Damage in the last line is a write that never finished; anywhere else it is corruption.
      const rest = nl < 0 ? '' : data.subarray(nl + 1).toString('utf8');
      if (rest.replace(/\0/g, '').trim() === '')
        return { records, validBytes: pos, tornTail: `line ${line}: ${problem}` };
      throw new CheckpointError(path, `is corrupt: line ${line} is ${problem}, and good records follow it`, hint);
    }
    records.push(text.slice(9));
    pos = end + 1;
  }
  return { records, validBytes: pos, tornTail: null };
}

const IO_REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
  ENOENT: 'no such file or directory',
  EIO: 'I/O error',
};

/** `no space left on device (ENOSPC)` for a Node fs error, else its message. */
export function describeIoError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code && IO_REASONS[code]) return `${IO_REASONS[code]} (${code})`;
  return e instanceof Error ? e.message : String(e);
}

export function isIoError(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

/** fsync a directory, so a rename or a new file in it is durable. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The hidden temp file `writeAtomic` writes `path` through: `.<name>.tmp` beside it. */
export function atomicTempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp`);
}

/**
 * `writeAtomic` without yielding to the event loop: for a file other code appends to between
 * awaits (a file sink's manifest, which every query writing to the sink appends to), so nothing
 * can be appended to the old file while the new one is being written.
 */
export function writeAtomicSync(path: string, data: Buffer): void {
  const tmp = atomicTempPath(path);
  try {
    const fd = openSync(tmp, 'w');
    try {
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/**
 * Writes `data` to `path` atomically: hidden temp file `.<name>.tmp` beside it, fsync, rename,
 * fsync of the directory. On any error the temp file is removed and `path` is untouched.
 * `points` are the fault points before the write and between fsync and rename.
 */
export async function writeAtomic(
  path: string,
  data: Buffer,
  points: { readonly before?: FaultPoint; readonly beforeRename?: FaultPoint } = {},
): Promise<void> {
  const tmp = atomicTempPath(path);
  try {
    if (points.before) fault(points.before);
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (points.beforeRename) fault(points.beforeRename);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    throw e;
  }
  await syncDir(dirname(path));
}

/**
 * What really stopped `mkdir -p dir`: Node's recursive mkdir reports ENOENT when a missing parent
 * cannot be created (e.g. on a read-only file system); the nearest existing ancestor that is not
 * writable names the actual cause (EROFS, EACCES). Otherwise the error as thrown.
 */
export async function mkdirFailure(dir: string, e: unknown): Promise<unknown> {
  if ((e as NodeJS.ErrnoException | null)?.code !== 'ENOENT') return e;
  for (let at = dirname(dir); ; at = dirname(at)) {
    try {
      await access(at, constants.F_OK);
    } catch {
      if (dirname(at) === at) return e;
      continue;
    }
    try {
      await access(at, constants.W_OK);
      return e;
    } catch (denied) {
      return denied;
    }
  }
}
