/**
 * A keyed state table: `Map<Key, V>` with snapshot/restore and a row count. Operators keep
 * their per-group accumulators in these; a checkpoint serialises them through `snapshot`.
 */
import type { Json, KeyValue } from '../types.ts';

export class KeyedState<K extends KeyValue, V> {
  readonly map = new Map<K, V>();

  get size(): number {
    return this.map.size;
  }

  /** `[[key, state], ...]` in insertion order (so a restore keeps emission order). */
  snapshot(toJson: (value: V, key: K) => Json): Json {
    const out: Json[] = [];
    for (const [k, v] of this.map) out.push([k, toJson(v, k)]);
    return out;
  }

  restore(data: Json, fromJson: (state: Json, key: K) => V): void {
    this.map.clear();
    for (const entry of data as readonly (readonly [K, Json])[]) this.map.set(entry[0], fromJson(entry[1], entry[0]));
  }
}
