/**
 * CSV framing (RFC 4180): fields separated by a delimiter, optionally enclosed in a quote
 * character with the quote doubled inside (or escaped with `csv.escape-character`). A quoted
 * field may hold line breaks: the record then spans lines (`csvRecordOpen` tells the file source
 * to read on). An empty unquoted field, or one equal to `csv.null-literal`, is NULL.
 */
import { parseBoolean, parseChar } from '../options.ts';
import { ParseError } from '../engine/errors.ts';

export interface CsvOptions {
  readonly delimiter: string;
  /** null when quoting is disabled. */
  readonly quote: string | null;
  readonly escape: string | null;
  readonly nullLiteral: string | null;
  readonly header: boolean;
  readonly allowComments: boolean;
}

/** Reads the `csv.*` options (already validated by the compiler). */
export function csvOptions(options: Readonly<Record<string, string>>): CsvOptions {
  const o = (k: string): string | undefined => options[k] ?? options[`value.${k}`];
  const disableQuote =
    o('csv.disable-quote-character') !== undefined && parseBoolean(o('csv.disable-quote-character')!);
  return {
    delimiter: o('csv.field-delimiter') !== undefined ? parseChar(o('csv.field-delimiter')!) : ',',
    quote: disableQuote ? null : o('csv.quote-character') !== undefined ? parseChar(o('csv.quote-character')!) : '"',
    escape: o('csv.escape-character') !== undefined ? parseChar(o('csv.escape-character')!) : null,
    nullLiteral: o('csv.null-literal') ?? null,
    header: o('csv.header') === undefined ? true : parseBoolean(o('csv.header')!),
    allowComments: o('csv.allow-comments') !== undefined && parseBoolean(o('csv.allow-comments')!),
  };
}

/** Splits one line into fields; throws `ParseError` on a malformed quoted field. */
export function splitCsvLine(line: string, o: CsvOptions): (string | null)[] {
  const out: (string | null)[] = [];
  const d = o.delimiter;
  const q = o.quote;
  const n = line.length;
  let i = 0;
  for (;;) {
    if (q !== null && line[i] === q) {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= n) throw new ParseError(`unterminated quoted field in CSV record (column ${out.length + 1})`);
        const c = line[j]!;
        if (o.escape !== null && c === o.escape && j + 1 < n) {
          value += line[j + 1];
          j += 2;
        } else if (c === q) {
          if (line[j + 1] === q) {
            value += q;
            j += 2;
          } else {
            j++;
            break;
          }
        } else {
          value += c;
          j++;
        }
      }
      out.push(value);
      if (j >= n) return out;
      if (line[j] !== d) throw new ParseError(`unexpected text after a quoted CSV field (column ${out.length})`);
      i = j + 1;
    } else {
      const next = line.indexOf(d, i);
      const raw = next < 0 ? line.slice(i) : line.slice(i, next);
      out.push(raw === '' || raw === o.nullLiteral ? null : raw);
      if (next < 0) return out;
      i = next + 1;
    }
  }
}

/**
 * Whether a CSV record is still open at the end of `text` — inside a quoted field, so the line
 * break after `text` belongs to the field and the record goes on with the next line. `inQuote`:
 * `text` is the continuation of a record that was open (it starts inside a quoted field). Reads
 * the text as `splitCsvLine` does: a quote opens a field only at its start; inside, a doubled
 * quote or the escape character (which also escapes a line break) does not close it.
 */
export function csvRecordOpen(text: string, o: CsvOptions, inQuote: boolean): boolean {
  const q = o.quote;
  if (q === null) return false;
  const d = o.delimiter;
  const e = o.escape;
  const n = text.length;
  let i = 0;
  let quoted = inQuote;
  for (;;) {
    if (quoted) {
      for (;;) {
        if (i >= n) return true;
        const c = text[i]!;
        if (e !== null && c === e) {
          if (i + 1 >= n) return true; // escapes the line break
          i += 2;
        } else if (c === q) {
          if (text[i + 1] === q) i += 2;
          else {
            i++;
            break;
          }
        } else i++;
      }
      quoted = false;
    } else if (text[i] === q) {
      quoted = true;
      i++;
      continue;
    }
    const next = text.indexOf(d, i);
    if (next < 0) return false;
    i = next + 1;
  }
}

/**
 * Maps a file's header to the declared physical columns: `map[j]` = index in the record of
 * declared column j, or -1 when the header lacks it (then every record of the file is refused
 * as malformed, naming the column).
 */
export function headerMapping(header: readonly (string | null)[], columns: readonly string[]): Int32Array {
  const map = new Int32Array(columns.length);
  for (let j = 0; j < columns.length; j++) map[j] = header.indexOf(columns[j]!);
  return map;
}

/** Quotes a CSV field when it contains the delimiter, the quote, or a line break. */
export function quoteCsv(s: string, delimiter: string, quote: string | null = '"'): string {
  if (quote === null) return s;
  if (s.includes(delimiter) || s.includes(quote) || s.includes('\n') || s.includes('\r')) {
    return quote + s.split(quote).join(quote + quote) + quote;
  }
  return s;
}
