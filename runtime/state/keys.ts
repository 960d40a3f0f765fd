/**
 * Composite group keys. A `Map` needs one primitive per group; several key columns become one
 * string. The encoding is injective: strings are JSON-quoted, every other value (numbers,
 * booleans, null) is written bare, parts are separated by `,` — `["a,b"]` and `["a","b"]` differ.
 */
import type { KeyValue } from '../types.ts';

/** The previous call's parts and key: consecutive rows often share their key (the rows a window emits carry the same window bounds), and writing numbers as text is the cost. */
let lastParts: KeyValue[] = [];
let lastKey = '';

export function compositeKey(...parts: KeyValue[]): string {
  const n = parts.length;
  if (n === lastParts.length) {
    let i = 0;
    while (i < n && parts[i] === lastParts[i]) i++;
    if (i === n) return lastKey;
  }
  let s = '';
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (i > 0) s += ',';
    if (typeof p === 'string') s += JSON.stringify(p);
    // ±Infinity as JSON numbers that parse back to ±Infinity (NaN keys have no JSON form)
    else if (p === Infinity) s += '1e999';
    else if (p === -Infinity) s += '-1e999';
    else s += String(p);
  }
  lastParts = parts;
  lastKey = s;
  return s;
}

/** The parts of a key built by `compositeKey` (numbers come back as numbers). */
export function splitCompositeKey(key: string): KeyValue[] {
  return JSON.parse(`[${key}]`) as KeyValue[];
}

/**
 * A copy of `key` that holds on to nothing else. Strings read from files are V8 slices of the
 * 1 MiB chunk they came from (and composite keys are concatenations of such slices), so a key
 * kept in state would keep its whole chunk alive: a GROUP BY over many chunks would hold
 * megabytes per group. Called once per new group, never per row. Strings shorter than 13
 * characters are always copies in V8 already.
 */
export function detachKey<K extends KeyValue>(key: K): K {
  return typeof key === 'string' && key.length >= 13 ? (Buffer.from(key, 'utf8').toString('utf8') as K) : key;
}
