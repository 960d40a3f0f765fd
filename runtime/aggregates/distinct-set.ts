/** Exact COUNT(DISTINCT x) state: the set of distinct non-null values. Memory grows with them. */
import type { Json, KeyValue } from '../types.ts';

export class DistinctSet<T extends KeyValue> {
  private readonly values: Set<T>;

  constructor(values?: Iterable<T>) {
    this.values = new Set(values);
  }

  /** Adds a value; NULL is not counted (SQL). Returns true when it was new. */
  add(v: T | null): boolean {
    if (v === null) return false;
    const before = this.values.size;
    this.values.add(v);
    return this.values.size !== before;
  }

  has(v: T): boolean {
    return this.values.has(v);
  }

  get size(): number {
    return this.values.size;
  }

  merge(other: DistinctSet<T>): void {
    for (const v of other.values) this.values.add(v);
  }

  snapshot(): Json {
    return [...this.values];
  }

  static restore<T extends KeyValue>(s: Json): DistinctSet<T> {
    return new DistinctSet<T>(s as readonly T[]);
  }
}
