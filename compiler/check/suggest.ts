/**
 * Did-you-mean suggestions by edit distance. Identifiers are case-sensitive in sq, so a
 * candidate that differs only in case is the best possible suggestion.
 */

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  if (m === 0) return n;
  if (n === 0) return m;
  const d: number[][] = Array.from({ length: m + 1 }, (_, i) => {
    const row = new Array<number>(n + 1).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j <= n; j++) d[0]![j] = j;
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[m]![n]!;
}

/**
 * The closest candidate to `name`, or null when nothing is close enough: at most a third of the
 * name's length in edits (at least 1, at most 3). Ties go to the first candidate given.
 */
export function closest(name: string, candidates: Iterable<string>): string | null {
  const lower = name.toLowerCase();
  let best: string | null = null;
  let bestScore = Infinity;
  for (const c of candidates) {
    if (c === name) continue;
    const score = c.toLowerCase() === lower ? 0.5 : editDistance(lower, c.toLowerCase());
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  const limit = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  return bestScore <= limit ? best : null;
}

/** `help: did you mean "x"?` for the closest candidate, or no note. */
export function didYouMean(name: string, candidates: Iterable<string>): string[] {
  const c = closest(name, candidates);
  return c === null ? [] : [`help: did you mean "${c}"?`];
}
