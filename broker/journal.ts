/**
 * Small files of the data directory. A JSON-lines state file (committed offsets, transaction state): each change appended as one
 * line, the live state rewritten compacted on open and again whenever the file has grown to
 * many times the live state. A line cut short by a crash is skipped on reading.
 */
import * as fs from 'node:fs';

/** Writes all of `buf` (a single write may be partial). */
export function writeAll(fd: number, buf: Uint8Array): void {
  let at = 0;
  while (at < buf.length) at += fs.writeSync(fd, buf, at, buf.length - at);
}

/** Replaces `file` with `text` in one step (write a temporary file, then rename over it). */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

const COMPACT_AFTER = 10_000;

export class Journal {
  private fd: number | null = null;
  /** Lines appended since the last rewrite, and the entries that rewrite wrote. */
  private appended = 0;
  private liveAtOpen = 0;

  /** `live()` lists the entries that reproduce the current state. */
  constructor(
    private readonly file: string,
    private readonly live: () => object[],
  ) {}

  /** The entries in the file, oldest first. */
  read(): unknown[] {
    if (!fs.existsSync(this.file)) return [];
    const out: unknown[] = [];
    for (const line of fs.readFileSync(this.file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        out.push(JSON.parse(line));
      } catch {
        // a line cut short by a crash
      }
    }
    return out;
  }

  /** Rewrites the file as the live state and opens it for appending. */
  open(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    const entries = this.live();
    writeFileAtomic(this.file, entries.map((e) => JSON.stringify(e) + '\n').join(''));
    this.fd = fs.openSync(this.file, 'a');
    this.appended = 0;
    this.liveAtOpen = entries.length;
  }

  append(entry: object): void {
    if (this.fd === null) return;
    writeAll(this.fd, Buffer.from(JSON.stringify(entry) + '\n'));
    if (++this.appended > Math.max(COMPACT_AFTER, 4 * this.liveAtOpen)) this.open();
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}
