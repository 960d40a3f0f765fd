/**
 * "Did you mean ...?" for every name sqc looks up: keywords, relations, columns, functions,
 * connectors, option keys and option values.
 *
 * Distance is Damerau-Levenshtein (optimal string alignment: insertions, deletions,
 * substitutions and transpositions of adjacent characters each cost 1), compared
 * case-insensitively, so `AMOUNT` finds `amount` at distance 0.
 */

/**
 * The candidate closest to `word`, or null when none is close enough.
 *
 * A candidate is close enough when its distance is at most a third of the longer of the two
 * lengths (at least 1) and smaller than that longer length (so `a` never "means" `b`). Ties go
 * to the candidate that comes first, which makes results deterministic for callers that pass
 * candidates in declaration order.
 */
export function suggest(word: string, candidates: Iterable<string>): string | null {
  const w = word.toLowerCase();
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    const longer = Math.max(w.length, c.length);
    const limit = Math.max(1, Math.floor(longer / 3));
    // Length difference is a lower bound of the distance: skip hopeless candidates cheaply.
    if (Math.abs(w.length - c.length) > Math.min(limit, bestDistance)) continue;
    const d = editDistance(w, c, Math.min(limit, bestDistance));
    if (d <= limit && d < longer && d < bestDistance) {
      best = candidate;
      bestDistance = d;
      if (d === 0) break;
    }
  }
  return best;
}

/**
 * Optimal-string-alignment distance between `a` and `b`. When `cap` is given, any result above
 * it may be reported as `cap + 1` (the caller only cares whether it is within the cap).
 */
export function editDistance(a: string, b: string, cap = Infinity): number {
  if (a === b) return 0;
  const n = a.length;
  const m = b.length;
  if (n === 0) return m;
  if (m === 0) return n;
  // Three rolling rows: i-2, i-1, i.
  let prev2 = new Array<number>(m + 1).fill(0);
  let prev = Array.from({ length: m + 1 }, (_, j) => j);
  let cur = new Array<number>(m + 1).fill(0);
  let prevRowMin = 0;
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    let rowMin = cur[0];
    for (let j = 1; j <= m; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    // Later rows build on this row (cost >= 0) or, via a transposition, on the previous one
    // (cost 1): once both exceed the cap, so does the result.
    if (rowMin > cap && prevRowMin >= cap) return cap + 1;
    prevRowMin = rowMin;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[m]!;
}

/** `help: did you mean "x"?` for the closest candidate other than `name` itself, or no note. */
export function didYouMean(name: string, candidates: Iterable<string>): string[] {
  const c = suggest(
    name,
    [...candidates].filter((x) => x !== name),
  );
  return c === null ? [] : [`help: did you mean "${c}"?`];
}
