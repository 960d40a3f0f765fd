/**
 * APPROX_COUNT_DISTINCT: a HyperLogLog sketch with 2^12 registers (≈1.6 % standard error),
 * bounded memory (≤ 4 KiB per group), mergeable and serialisable. Small sketches stay sparse
 * (a map of touched registers) and switch to a dense byte array when that is smaller.
 */
import type { Json, KeyValue } from '../types.ts';

const P = 12;
const M = 1 << P;
const ALPHA = 0.7213 / (1 + 1.079 / M);
const SPARSE_LIMIT = M / 8;

/** 32-bit FNV-1a over UTF-16 code units, finished with murmur3's avalanche (fmix32). */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashValue(v: KeyValue): number {
  return hash32(typeof v === 'string' ? v : `\u0000${String(v)}`);
}

export class HyperLogLog {
  private sparse: Map<number, number> | null = new Map();
  private dense: Uint8Array | null = null;

  /** Adds a value; NULL is ignored (SQL). */
  add(v: KeyValue): void {
    if (v === null) return;
    const h = hashValue(v);
    const idx = h >>> (32 - P);
    const rest = (h << P) >>> 0;
    const rank = rest === 0 ? 32 - P + 1 : Math.clz32(rest) + 1;
    this.set(idx, rank);
  }

  private set(idx: number, rank: number): void {
    if (this.dense !== null) {
      if (rank > this.dense[idx]!) this.dense[idx] = rank;
      return;
    }
    const sparse = this.sparse!;
    if (rank > (sparse.get(idx) ?? 0)) {
      sparse.set(idx, rank);
      if (sparse.size > SPARSE_LIMIT) this.densify();
    }
  }

  private densify(): void {
    const d = new Uint8Array(M);
    for (const [i, r] of this.sparse!) d[i] = r;
    this.dense = d;
    this.sparse = null;
  }

  /** The estimated number of distinct non-null values. */
  estimate(): number {
    let sum = 0;
    let zeros = 0;
    if (this.dense !== null) {
      for (let i = 0; i < M; i++) {
        const r = this.dense[i]!;
        sum += 1 / (1 << r);
        if (r === 0) zeros++;
      }
    } else {
      zeros = M - this.sparse!.size;
      sum = zeros;
      for (const r of this.sparse!.values()) sum += 1 / 2 ** r;
    }
    const raw = (ALPHA * M * M) / sum;
    if (raw <= 2.5 * M && zeros > 0) return Math.round(M * Math.log(M / zeros));
    const two32 = 2 ** 32;
    if (raw > two32 / 30) return Math.round(-two32 * Math.log(1 - raw / two32));
    return Math.round(raw);
  }

  merge(other: HyperLogLog): void {
    if (other.dense !== null) {
      for (let i = 0; i < M; i++) if (other.dense[i]! > 0) this.set(i, other.dense[i]!);
    } else {
      for (const [i, r] of other.sparse!) this.set(i, r);
    }
  }

  /** `{s: [[idx, rank], ...]}` while sparse, `{d: base64}` when dense. */
  snapshot(): Json {
    if (this.dense !== null) return { d: Buffer.from(this.dense).toString('base64') };
    return { s: [...this.sparse!] };
  }

  static restore(s: Json): HyperLogLog {
    const o = s as { readonly d?: string; readonly s?: readonly (readonly [number, number])[] };
    const h = new HyperLogLog();
    if (o.d !== undefined) {
      h.dense = new Uint8Array(Buffer.from(o.d, 'base64'));
      h.sparse = null;
    } else {
      for (const [i, r] of o.s ?? []) h.sparse!.set(i, r);
    }
    return h;
  }
}
