/**
 * Snapshot helpers shared by operators and accumulators. A snapshot is plain JSON-shaped data
 * tagged with the operator kind and a version; restoring refuses anything else with a message
 * that says what differs (a checkpoint written by another query shape must never be used).
 */
import type { Json, StateSnapshot } from '../types.ts';

/** Builds a snapshot. */
export function snapshotOf(kind: string, version: number, data: Json): StateSnapshot {
  return { kind, version, data };
}

/** Returns the data of `s` after checking its kind and version. */
export function expectSnapshot(s: StateSnapshot, kind: string, version: number, id: string): Json {
  if (s === null || typeof s !== 'object' || typeof s.kind !== 'string') {
    throw new Error(`state of operator "${id}" is not a snapshot`);
  }
  if (s.kind !== kind) {
    throw new Error(`state of operator "${id}" was written by a "${s.kind}" operator, this query has "${kind}" there`);
  }
  if (s.version !== version) {
    throw new Error(`state of operator "${id}" has version ${s.version}, this runtime reads version ${version}`);
  }
  return s.data;
}

/**
 * JSON text codec for snapshots: plain JSON, except that non-finite numbers (sums that
 * overflowed, ±Infinity watermarks, NaN) survive as `{"$num":"Infinity"}`.
 */
export function encodeState(value: unknown): string {
  // A replacer would cost a call per value (most of a checkpoint's CPU time for large state), and
  // nearly every query snapshot holds one non-finite number (a ±Infinity watermark). So a plain
  // walk copies just the containers on the way to a non-finite number, with it replaced, and the
  // rest goes through JSON.stringify as it is.
  return JSON.stringify(finite(value));
}

/** `v`, or a copy of it (sharing every part that needs no change) with non-finite numbers as `{$num}`. */
function finite(v: unknown): unknown {
  if (typeof v === 'number') return v - v !== 0 ? { $num: String(v) } : v;
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === 'number' ? x - x === 0 : x === null || typeof x !== 'object') continue;
      const y = finite(x);
      if (y === x) continue;
      copy ??= v.slice();
      copy[i] = y;
    }
    return copy ?? v;
  }
  const toJSON = (v as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return finite(toJSON.call(v));
  let copy: Record<string, unknown> | null = null;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const x = (v as Record<string, unknown>)[k];
    if (typeof x === 'number' ? x - x === 0 : x === null || typeof x !== 'object') continue;
    const y = finite(x);
    if (y === x) continue;
    copy ??= { ...(v as Record<string, unknown>) };
    copy[k] = y;
  }
  return copy ?? v;
}

export function decodeState(text: string): Json {
  // As in encodeState: no reviver call per value; one walk puts the non-finite numbers back.
  return numbers(JSON.parse(text)) as Json;
}

/** `v` with every `{$num: "..."}` replaced by its number (in place: `v` is freshly parsed). */
function numbers(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (x !== null && typeof x === 'object') v[i] = numbers(x);
    }
    return v;
  }
  const o = v as Record<string, unknown>;
  if (typeof o['$num'] === 'string' && Object.keys(o).length === 1) return Number(o['$num']);
  for (const k of Object.keys(o)) {
    const x = o[k];
    if (x === null || typeof x !== 'object') continue;
    const y = numbers(x);
    // a key "__proto__" (user data in a MAP) is an own property of parsed JSON: keep it one
    if (y !== x) Object.defineProperty(o, k, { value: y, writable: true, enumerable: true, configurable: true });
  }
  return o;
}
