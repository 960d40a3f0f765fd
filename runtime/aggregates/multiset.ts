/**
 * A counted multiset of non-NULL values: the state of aggregates that must retract over an
 * updating input. MIN/MAX keep every value with its count (retracting the current extreme finds
 * the next one), COUNT/SUM/AVG(DISTINCT) keep the distinct values with their counts (a value
 * leaves the distinct set when its count reaches 0). State: one entry per distinct value.
 */
import type { Json } from '../types.ts';

type Ordered = number | string | boolean;

export class Multiset<T extends Ordered> {
  private readonly counts: Map<T, number>;
  /** The cached MIN/MAX, or undefined when it must be recomputed (after its value left). */
  private low: T | null | undefined = null;
  private high: T | null | undefined = null;

  constructor(counts: Map<T, number> = new Map()) {
    this.counts = counts;
    if (counts.size > 0) {
      this.low = undefined;
      this.high = undefined;
    }
  }

  add(v: T): void {
    const c = this.counts.get(v);
    this.counts.set(v, c === undefined ? 1 : c + 1);
    if (this.low !== undefined && (this.low === null || v < this.low)) this.low = v;
    if (this.high !== undefined && (this.high === null || v > this.high)) this.high = v;
  }

  /** Takes back one `v` added before; a value never added is ignored (nothing to take back). */
  retract(v: T): void {
    const c = this.counts.get(v);
    if (c === undefined) return;
    if (c > 1) {
      this.counts.set(v, c - 1);
      return;
    }
    this.counts.delete(v);
    if (this.low === v) this.low = undefined;
    if (this.high === v) this.high = undefined;
  }

  /** Distinct values held. */
  get size(): number {
    return this.counts.size;
  }

  /** The distinct values, in first-added order. */
  values(): IterableIterator<T> {
    return this.counts.keys();
  }

  /** The smallest value, NULL when empty (a scan of the distinct values after the minimum left). */
  min(): T | null {
    if (this.low === undefined) this.low = this.extreme(-1);
    return this.low;
  }

  /** The largest value, NULL when empty. */
  max(): T | null {
    if (this.high === undefined) this.high = this.extreme(1);
    return this.high;
  }

  private extreme(sign: 1 | -1): T | null {
    let best: T | null = null;
    for (const v of this.counts.keys()) {
      if (best === null || (sign > 0 ? v > best : v < best)) best = v;
    }
    return best;
  }

  /** `[[value, count], ...]`. */
  snapshot(): Json {
    const out: Json[] = [];
    for (const [v, c] of this.counts) out.push([v, c]);
    return out;
  }

  static restore<T extends Ordered>(s: Json): Multiset<T> {
    return new Multiset<T>(new Map(s as readonly (readonly [T, number])[]));
  }
}
