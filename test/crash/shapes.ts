/**
 * Inputs shaped like users' for the crash tests of issue 15, seeded: JSON lines from 0 bytes to
 * several MiB (some straddling the file source's 1 MiB read boundaries), CRLF, blank lines, a
 * byte order mark, a file without a final newline; CSV with quoted line breaks, doubled quotes
 * and delimiters inside fields; and the files a watched directory receives while a job runs.
 */
import { seededRandom } from '../../runtime/random.ts';

const MiB = 2 ** 20;
const KEYS = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];

export interface ShapedFile {
  readonly name: string;
  readonly text: string;
  /** The records, as the job's copy writes them: id and the character length of `s`. */
  readonly ids: readonly number[];
}

/** A string of `len` characters, mostly ASCII, some multi-byte. */
function body(rand: () => number, len: number): string {
  const head = 'é–ü'.slice(0, Math.min(len, Math.floor(rand() * 4)));
  return head + 'abcdefghij'.repeat(Math.ceil((len - head.length) / 10)).slice(0, len - head.length);
}

/**
 * JSON lines files `lines/a.jsonl` ... with `records` records in all: event time increasing by
 * up to 1 s with a little disorder, line lengths drawn from 30 bytes to a few hundred, with some
 * of several MiB, at offsets that cross the 1 MiB read boundaries.
 */
export function shapedLines(records: number, seed: number, files = 3, startId = 0): ShapedFile[] {
  const rand = seededRandom(seed);
  const out: ShapedFile[] = [];
  let id = startId;
  let t = Date.UTC(2025, 3, 21, 9);
  const per = Math.ceil(records / files);
  for (let f = 0; f < files; f++) {
    const parts: string[] = f === 0 ? ['\uFEFF'] : [];
    const ids: number[] = [];
    let bytes = 0;
    const crlf = f % 2 === 0;
    for (let i = 0; i < per && id < startId + records; i++) {
      t += Math.floor(rand() * 1000);
      const r = rand();
      // a few lines of 1.2-3.5 MiB; some ending just past a 1 MiB boundary
      const len =
        r < 0.006
          ? Math.floor(1.2 * MiB + rand() * 2.3 * MiB)
          : r < 0.012
            ? Math.max(10, MiB - (bytes % MiB) + Math.floor(rand() * 64) - 80)
            : Math.floor(rand() * rand() * 400);
      const ts = t - Math.floor(rand() * 1500);
      const line = JSON.stringify({ id, k: KEYS[Math.floor(rand() * KEYS.length)], s: body(rand, len), ts });
      ids.push(id++);
      const blank = rand() < 0.05 ? (crlf ? '\r\n' : '\n') : '';
      const eol = crlf ? '\r\n' : '\n';
      parts.push(blank, line, eol);
      bytes += Buffer.byteLength(blank + line + eol);
    }
    let text = parts.join('');
    if (f === files - 1) text = text.replace(/\r?\n$/, ''); // no final newline
    out.push({ name: `${String.fromCharCode(97 + f)}.jsonl`, text, ids });
  }
  return out;
}

/** A CSV field as the file sink quotes it. */
function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** CSV files `notes/1.csv` ... (header `id,author,body`): bodies with quoted line breaks, quotes, commas. */
export function shapedCsv(records: number, seed: number, files = 2): ShapedFile[] {
  const rand = seededRandom(seed);
  const out: ShapedFile[] = [];
  let id = 0;
  const per = Math.ceil(records / files);
  for (let f = 0; f < files; f++) {
    const eol = f % 2 === 0 ? '\n' : '\r\n';
    const parts = [`id,author,body${eol}`];
    const ids: number[] = [];
    for (let i = 0; i < per && id < records; i++) {
      const lines: string[] = [];
      const n = rand() < 0.4 ? 1 + Math.floor(rand() * 4) : 1;
      for (let j = 0; j < n; j++) {
        const r = rand();
        lines.push(
          r < 0.1
            ? ''
            : r < 0.2
              ? `say "hi", ${j}`
              : r < 0.22
                ? body(rand, 300_000)
                : body(rand, Math.floor(rand() * 60)),
        );
      }
      const text = lines.join(rand() < 0.5 ? '\n' : '\r\n');
      ids.push(id);
      parts.push(`${id++},${csvField(KEYS[Math.floor(rand() * KEYS.length)]!)},${csvField(text)}${eol}`);
      if (rand() < 0.03) parts.push(eol); // a blank line between records
    }
    out.push({ name: `${f + 1}.csv`, text: parts.join(''), ids });
  }
  return out;
}

/**
 * The files a watched directory receives, in the order they arrive (names increasing, so any
 * run reads them in one order): JSON lines of varied length, one with a line of 1.5 MiB, an
 * empty file and one of blank lines only.
 */
export function arrivals(count: number, perFile: number, seed: number): ShapedFile[] {
  const rand = seededRandom(seed);
  const out: ShapedFile[] = [];
  let id = 0;
  for (let f = 0; f < count; f++) {
    const name = `w${String(f).padStart(3, '0')}.jsonl`;
    if (f === 4) {
      out.push({ name, text: '', ids: [] });
      continue;
    }
    if (f === 9) {
      out.push({ name, text: '\n\r\n\n', ids: [] });
      continue;
    }
    const parts: string[] = [];
    const ids: number[] = [];
    for (let i = 0; i < perFile; i++) {
      const len = f === 7 && i === 3 ? 1.5 * MiB : Math.floor(rand() * rand() * 300);
      ids.push(id);
      parts.push(JSON.stringify({ id: id++, s: body(rand, len) }), '\n');
    }
    out.push({ name, text: parts.join(''), ids });
  }
  return out;
}
