import type { BIGINT } from 'sqc/runtime';

export function countChar(s: string, c: string): BIGINT {
  let n = 0;
  for (const ch of s) if (ch === c) n++;
  return n;
}

export const longest = {
  create: () => ({ best: '' }),
  accumulate(acc: { best: string }, s: string): void {
    if (s.length > acc.best.length) acc.best = s;
  },
  result: (acc: { best: string }): string => acc.best,
};
