// Scalar user-defined functions for the udf-scalar-and-aggregate run case.
import type { BIGINT } from 'sqc/runtime';

/** How many times `c` occurs in `s` (NEXMark q14's CountChar). NULL arguments give NULL without a call. */
export function countChar(s: string, c: string): BIGINT {
  let n = 0;
  for (const ch of s) if (ch === c) n++;
  return n;
}

/** The first letter of each word, upper-cased; receives NULL itself (`| null`) and maps it to '?'. */
export const initials = (s: string | null): string => {
  if (s === null) return '?';
  return s
    .split(/\s+/)
    .filter((w) => w.length > 0)
    .map((w) => w[0]!.toUpperCase())
    .join('');
};
