/**
 * Snapshot helpers shared by operators and accumulators. A snapshot is plain JSON-shaped data
 * tagged with the operator kind and a version; restoring refuses anything else with a message
 * that says what differs (a checkpoint written by another query shape must never be used).
 */
import type { Json, StateSnapshot } from '../index.ts';

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
  // A replacer costs a call per value (most of a checkpoint's CPU time for large state): only
  // state that holds a non-finite number, found by a plain walk, goes through it.
  if (!hasNonFinite(value)) return JSON.stringify(value);
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'number' && !Number.isFinite(v) ? { $num: String(v) } : v,
  );
}

/** Whether `v` (JSON-shaped: no toJSON, no cycles) holds a NaN or ±Infinity anywhere. */
function hasNonFinite(v: unknown): boolean {
  if (typeof v === 'number') return v - v !== 0;
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === 'number' ? x - x !== 0 : x !== null && typeof x === 'object' && hasNonFinite(x)) return true;
    }
    return false;
  }
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return true; // unusual: the replacer path decides
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const x = (v as Record<string, unknown>)[k];
    if (typeof x === 'number' ? x - x !== 0 : x !== null && typeof x === 'object' && hasNonFinite(x)) return true;
  }
  return false;
}

export function decodeState(text: string): Json {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (typeof o.$num === 'string' && Object.keys(o).length === 1) return Number(o.$num);
    }
    return v;
  }) as Json;
}
