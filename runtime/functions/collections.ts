/** ARRAY, MAP and ROW helpers: element access, membership and structural equality. */

/** SQL equality of two non-NULL values of the same type: structural for ARRAY, MAP and ROW. */
export function equals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equalsOrBothNull(a[i], b[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka)
    if (!equalsOrBothNull((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

function equalsOrBothNull(a: unknown, b: unknown): boolean {
  return a === null || b === null ? a === b : equals(a, b);
}

/** `arr[i]` / `ELEMENT_AT(arr, i)`: 1-based; NULL when out of range. */
export function elementAt<T>(arr: readonly T[], index: number): T | null {
  return index >= 1 && index <= arr.length ? arr[index - 1]! : null;
}

/** `map[key]` / `ELEMENT_AT(map, key)`: NULL when absent. */
export function mapGet<T>(map: Readonly<Record<string, T>>, key: string): T | null {
  return Object.prototype.hasOwnProperty.call(map, key) ? map[key]! : null;
}

/**
 * `ARRAY_CONTAINS(arr, x)`: true when an element equals `x`; otherwise NULL when the array holds
 * a NULL (it might be equal), else false. `x` itself is not NULL here (the caller checks).
 */
export function arrayContains<T>(arr: readonly (T | null)[], x: T): boolean | null {
  let sawNull = false;
  for (const e of arr) {
    if (e === null) sawNull = true;
    else if (e === x || equals(e, x)) return true;
  }
  return sawNull ? null : false;
}

/** `CARDINALITY(arr | map)`. */
export function cardinality(c: readonly unknown[] | Readonly<Record<string, unknown>>): number {
  return Array.isArray(c) ? c.length : Object.keys(c).length;
}

/** `a IS NOT DISTINCT FROM b` for ARRAY, MAP and ROW values (NULL equals NULL). */
export function notDistinct(a: unknown, b: unknown): boolean {
  return a === null || b === null ? a === b : equals(a, b);
}

/** A total order of two non-NULL values of the same comparable type (numbers, strings, booleans). */
export function compare(a: number | string | boolean, b: number | string | boolean): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `GREATEST(a, b, ...)` of non-NULL strings or booleans (numbers use Math.max). */
export function greatest<T extends string | boolean>(...xs: readonly T[]): T {
  let best = xs[0]!;
  for (const x of xs) if (x > best) best = x;
  return best;
}

/** `LEAST(a, b, ...)` of non-NULL strings or booleans (numbers use Math.min). */
export function least<T extends string | boolean>(...xs: readonly T[]): T {
  let best = xs[0]!;
  for (const x of xs) if (x < best) best = x;
  return best;
}
