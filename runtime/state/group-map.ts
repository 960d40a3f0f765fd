/**
 * An insertion-ordered map from group key to value for the per-row path of window state: the
 * same answers as a `Map<Key, V>` (SameValueZero keys, iteration in insertion order), faster
 * for number keys. While every key is a number other than NaN, keys live in a dense array in
 * insertion order and an open-addressing index (`Int32Array`, linear probing) maps a key's hash
 * to its position: a lookup hashes the number's bits and compares numbers, with no hashing of
 * heap numbers and no hash-table entry object; the index's backing store is outside the garbage
 * collector's heap. The first key of another kind (a string, a composite key, NULL) moves
 * everything into a `Map`, in order, and the map answers from then on.
 */
import type { KeyValue } from '../types.ts';

const BITS = new Float64Array(1);
const WORDS = new Int32Array(BITS.buffer);

/** murmur3's 32-bit finaliser over the number (its int32 value, else its bits). */
function hashNumber(k: number): number {
  let h: number;
  if ((k | 0) === k) h = k;
  else {
    BITS[0] = k;
    h = WORDS[0]! + Math.imul(WORDS[1]!, 0x9e3779b1);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class GroupMap<K extends KeyValue, V> {
  private map: Map<K, V> | null = null;
  /** Keys in insertion order; a deleted entry's key is NaN (never a key in this mode). */
  private keys: number[] = [];
  private values: (V | undefined)[] = [];
  /** Per slot: position in `keys` + 1, 0 when empty, -1 when deleted; at most half the slots are used. */
  private index = new Int32Array(16);
  private mask = 15;
  private live = 0;
  private deleted = 0;

  get size(): number {
    return this.map !== null ? this.map.size : this.live;
  }

  get(key: K): V | undefined {
    if (this.map !== null) return this.map.get(key);
    if (typeof key !== 'number') return undefined;
    const keys = this.keys;
    const index = this.index;
    const mask = this.mask;
    // -0 is +0 (SameValueZero); NaN equals nothing here and is never stored in this mode
    for (let s = hashNumber(key === 0 ? 0 : key) & mask; ; s = (s + 1) & mask) {
      const at = index[s]!;
      if (at === 0) return undefined;
      if (at > 0 && keys[at - 1] === key) return this.values[at - 1];
    }
  }

  set(key: K, value: V): void {
    if (this.map === null && (typeof key !== 'number' || key !== key)) this.toMap();
    if (this.map !== null) {
      this.map.set(key, value);
      return;
    }
    const k = (key as number) === 0 ? 0 : (key as number);
    const keys = this.keys;
    const index = this.index;
    const mask = this.mask;
    let free = -1;
    let s = hashNumber(k) & mask;
    for (; ; s = (s + 1) & mask) {
      const at = index[s]!;
      if (at === 0) break;
      if (at < 0) {
        if (free < 0) free = s;
      } else if (keys[at - 1] === k) {
        this.values[at - 1] = value;
        return;
      }
    }
    keys.push(k);
    this.values.push(value);
    this.live++;
    if (free >= 0) {
      index[free] = keys.length;
      this.deleted--;
    } else index[s] = keys.length;
    if (2 * (this.live + this.deleted) > mask) this.rebuild(2 * this.live > mask / 2 ? 2 * (mask + 1) : mask + 1);
  }

  /** Removes `key`; false when it was not there. */
  delete(key: K): boolean {
    if (this.map !== null) return this.map.delete(key);
    if (typeof key !== 'number') return false;
    const keys = this.keys;
    const index = this.index;
    const mask = this.mask;
    for (let s = hashNumber(key === 0 ? 0 : key) & mask; ; s = (s + 1) & mask) {
      const at = index[s]!;
      if (at === 0) return false;
      if (at > 0 && keys[at - 1] === key) {
        index[s] = -1;
        keys[at - 1] = NaN;
        this.values[at - 1] = undefined;
        this.live--;
        this.deleted++;
        // the dense arrays hold mostly deleted entries: compact them
        if (keys.length > 32 && 2 * this.live < keys.length) this.rebuild(mask + 1);
        return true;
      }
    }
  }

  /** Calls `fn(value, key)` for every entry in insertion order. */
  forEach(fn: (value: V, key: K) => void): void {
    if (this.map !== null) {
      for (const [k, v] of this.map) fn(v, k);
      return;
    }
    const keys = this.keys;
    const values = this.values;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k === k) fn(values[i] as V, k as K);
    }
  }

  /** Drops deleted entries and rehashes the rest into `size` slots. */
  private rebuild(size: number): void {
    let keys = this.keys;
    let values = this.values;
    if (this.live < keys.length) {
      keys = [];
      values = [];
      for (let i = 0; i < this.keys.length; i++) {
        const k = this.keys[i]!;
        if (k !== k) continue;
        keys.push(k);
        values.push(this.values[i]);
      }
    }
    const mask = size - 1;
    const index = new Int32Array(size);
    for (let i = 0; i < keys.length; i++) {
      let s = hashNumber(keys[i]!) & mask;
      while (index[s] !== 0) s = (s + 1) & mask;
      index[s] = i + 1;
    }
    this.keys = keys;
    this.values = values;
    this.index = index;
    this.mask = mask;
    this.deleted = 0;
  }

  private toMap(): void {
    const map = new Map<K, V>();
    this.forEach((v, k) => map.set(k, v));
    this.map = map;
    this.keys = [];
    this.values = [];
    this.index = new Int32Array(0);
  }
}
