/**
 * Composite group keys. A `Map` needs one primitive per group; several key columns become one
 * string. The encoding is injective: strings are JSON-quoted, every other value (numbers,
 * booleans, null) is written bare, parts are separated by `,` — `["a,b"]` and `["a","b"]` differ.
 */
import type { KeyValue } from '../index.ts';

export function compositeKey(...parts: KeyValue[]): string {
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
  return s;
}

/** The parts of a key built by `compositeKey` (numbers come back as numbers). */
export function splitCompositeKey(key: string): KeyValue[] {
  return JSON.parse(`[${key}]`) as KeyValue[];
}
