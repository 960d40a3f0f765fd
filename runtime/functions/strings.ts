/**
 * String functions. Arguments are never NULL here: generated code tests for NULL before calling
 * (SQL functions return NULL when an argument is NULL unless noted). Lengths and positions count
 * UTF-16 code units, as Flink (Java strings) does.
 */
import { createHash } from 'node:crypto';

// ---------------------------------------------------------------------------------------------
// LIKE

/**
 * Translates a LIKE pattern to an anchored RegExp source: `%` matches any sequence, `_` one
 * character, and `escape` (if given) makes the next character literal.
 */
export function likeToRegExpSource(pattern: string, escape?: string): string {
  let out = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (escape !== undefined && c === escape) {
      const next = pattern[i + 1];
      if (next === undefined) throw new Error(`LIKE pattern "${pattern}" ends with the escape character`);
      out += escapeRegExp(next);
      i++;
    } else if (c === '%') out += '[^]*';
    else if (c === '_') out += '[^]';
    else out += escapeRegExp(c);
  }
  return out + '$';
}

export function escapeRegExp(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

const likeCache = new Map<string, RegExp>();

/** `s LIKE pattern [ESCAPE e]` for a pattern that is not a literal (literals are compiled once). */
export function like(s: string, pattern: string, escape?: string): boolean {
  const key = escape === undefined ? pattern : `${escape}\u0000${pattern}`;
  let re = likeCache.get(key);
  if (!re) {
    if (likeCache.size > 1000) likeCache.clear();
    likeCache.set(key, (re = new RegExp(likeToRegExpSource(pattern, escape))));
  }
  return re.test(s);
}

// ---------------------------------------------------------------------------------------------
// Substrings and padding

/**
 * `SUBSTRING(s FROM start [FOR length])`, 1-based. A start of 0 is treated as 1 and a negative
 * start counts from the end; the result is clipped to the string. A negative length is an empty
 * string.
 */
export function substring(s: string, start: number, length?: number): string {
  const from = start > 0 ? start - 1 : start < 0 ? Math.max(s.length + start, 0) : 0;
  if (length === undefined) return s.slice(from);
  if (length <= 0) return '';
  return s.slice(from, from + length);
}

/** `LEFT(s, n)`: the first n characters ('' when n <= 0). */
export function left(s: string, n: number): string {
  return n <= 0 ? '' : s.slice(0, n);
}

/** `RIGHT(s, n)`: the last n characters ('' when n <= 0). */
export function right(s: string, n: number): string {
  return n <= 0 ? '' : s.slice(Math.max(s.length - n, 0));
}

/**
 * `LPAD(s, len, pad)`: `s` left-padded with repetitions of `pad` to `len` characters, or
 * truncated to `len`. NULL when `len` is negative or `pad` is empty (as Flink).
 */
export function lpad(s: string, len: number, pad: string): string | null {
  if (len < 0 || (pad === '' && len > s.length)) return null;
  return len <= s.length ? s.slice(0, len) : fill(pad, len - s.length) + s;
}

/** `RPAD(s, len, pad)`: as LPAD, padding on the right. */
export function rpad(s: string, len: number, pad: string): string | null {
  if (len < 0 || (pad === '' && len > s.length)) return null;
  return len <= s.length ? s.slice(0, len) : s + fill(pad, len - s.length);
}

function fill(pad: string, n: number): string {
  return pad.repeat(Math.ceil(n / pad.length)).slice(0, n);
}

/** `REPEAT(s, n)`: '' when n <= 0. */
export function repeat(s: string, n: number): string {
  return n <= 0 ? '' : s.repeat(n);
}

/** `REVERSE(s)`, by code point so surrogate pairs stay intact. */
export function reverse(s: string): string {
  return Array.from(s).reverse().join('');
}

/** `POSITION(needle IN s)`: 1-based index of the first occurrence, 0 when absent. */
export function position(needle: string, s: string): number {
  return s.indexOf(needle) + 1;
}

// ---------------------------------------------------------------------------------------------
// Trimming

/**
 * `TRIM([BOTH|LEADING|TRAILING] [chars] FROM s)`: removes every character of `chars` from the
 * chosen end(s). SQL's default `chars` is a single space (not all whitespace).
 */
export function trim(mode: 'BOTH' | 'LEADING' | 'TRAILING', chars: string, s: string): string {
  let start = 0;
  let end = s.length;
  if (mode !== 'TRAILING') while (start < end && chars.includes(s[start]!)) start++;
  if (mode !== 'LEADING') while (end > start && chars.includes(s[end - 1]!)) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** `LTRIM(s[, chars])`. */
export function ltrim(s: string, chars = ' '): string {
  return trim('LEADING', chars, s);
}

/** `RTRIM(s[, chars])`. */
export function rtrim(s: string, chars = ' '): string {
  return trim('TRAILING', chars, s);
}

// ---------------------------------------------------------------------------------------------
// Replacing and splitting

/** `REPLACE(s, search, replacement)`: every occurrence, literally; an empty search changes nothing. */
export function replace(s: string, search: string, replacement: string): string {
  return search === '' ? s : s.split(search).join(replacement);
}

/**
 * `SPLIT_INDEX(s, sep, index)`: the `index`-th (0-based) piece of `s` split at `sep`; NULL when
 * out of range or when `sep` is empty.
 */
export function splitIndex(s: string, sep: string, index: number): string | null {
  if (index < 0 || sep === '') return null;
  let from = 0;
  for (let i = 0; i < index; i++) {
    const at = s.indexOf(sep, from);
    if (at < 0) return null;
    from = at + sep.length;
  }
  const end = s.indexOf(sep, from);
  return end < 0 ? s.slice(from) : s.slice(from, end);
}

/** `SPLIT(s, sep)`: the pieces of `s` split at the literal `sep`; an empty `sep` splits into characters. */
export function split(s: string, sep: string): string[] {
  return s.split(sep);
}

/**
 * `CONCAT_WS(sep, a, b, ...)`: joins the non-NULL arguments with `sep` (NULL arguments are
 * skipped; the result is NULL only when `sep` is NULL, which the caller checks).
 */
export function concatWs(sep: string, ...parts: readonly (string | null)[]): string {
  let out = '';
  let first = true;
  for (const p of parts) {
    if (p === null) continue;
    out += first ? p : sep + p;
    first = false;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Regular expressions (Java-style patterns are passed to RegExp as they are; the common syntax
// is shared. Named groups `(?<n>...)`, classes, quantifiers and anchors behave the same.)

const regexCache = new Map<string, RegExp>();

/** Compiles (and caches) a pattern that is not a literal. Invalid patterns raise an error. */
export function regex(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    if (regexCache.size > 1000) regexCache.clear();
    try {
      re = new RegExp(pattern, 'u');
    } catch {
      re = new RegExp(pattern);
    }
    regexCache.set(pattern, re);
  }
  return re;
}

/**
 * A regular expression written as a SQL literal: Unicode mode when the pattern allows it (as
 * `regex` does at run time). Throws `invalid regular expression '...': why` for a bad pattern;
 * the checker calls it on literal patterns, so generated code only hoists valid ones.
 */
export function literalRegExp(pattern: string, flags = ''): RegExp {
  try {
    return new RegExp(pattern, flags.includes('u') ? flags : `${flags}u`);
  } catch {
    try {
      return new RegExp(pattern, flags.replace('u', ''));
    } catch (e) {
      throw new Error(`invalid regular expression '${pattern}': ${(e as Error).message}`);
    }
  }
}

/**
 * `REGEXP_EXTRACT(s, re[, group])`: group `group` (0 = the whole match, the default) of the
 * first match; NULL when there is no match or no such group.
 */
export function regexpExtract(s: string, re: RegExp, group = 0): string | null {
  const m = re.exec(s);
  if (m === null || group < 0 || group >= m.length) return null;
  return m[group] ?? null;
}

/** `REGEXP_REPLACE(s, re, replacement)`: every match; `$1` refers to a group, as in Java. */
export function regexpReplace(s: string, re: RegExp, replacement: string): string {
  return s.replace(re.global ? re : new RegExp(re.source, re.flags + 'g'), replacement);
}

// ---------------------------------------------------------------------------------------------
// Case and hashing

/**
 * `INITCAP(s)`: the first letter of each word upper case, the rest lower case; a word is a run
 * of letters and digits.
 */
export function initcap(s: string): string {
  return s
    .toLowerCase()
    .replace(/(^|[^\p{L}\p{N}])(\p{L})/gu, (_m, before: string, c: string) => before + c.toUpperCase());
}

/** `MD5(s)`: lower-case hex digest of the UTF-8 bytes. */
export function md5(s: string): string {
  return createHash('md5').update(s, 'utf8').digest('hex');
}

/** `TO_BASE64(s)`: the Base64 encoding (with padding) of the UTF-8 bytes of `s`. */
export function toBase64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}
