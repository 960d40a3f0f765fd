/**
 * Small accumulator states with SQL null rules: SUM/AVG (NULL over no non-null rows), MIN/MAX
 * (numbers, strings, booleans, timestamps — anything `<` orders), FIRST_VALUE/LAST_VALUE (first
 * and last non-null value in arrival order, Flink) and COLLECT_LIST. Generated code may inline
 * the trivial ones; these exist so every aggregate has a typed, snapshot-able state.
 */
import type { Json } from '../types.ts';

/** SUM: NULL until a non-null value is added. */
export class Sum {
  sum = 0;
  count = 0;
  add(v: number | null): void {
    if (v === null) return;
    this.sum += v;
    this.count++;
  }
  merge(o: Sum): void {
    this.sum += o.sum;
    this.count += o.count;
  }
  get value(): number | null {
    return this.count === 0 ? null : this.sum;
  }
  /** AVG over the same state. */
  get average(): number | null {
    return this.count === 0 ? null : this.sum / this.count;
  }
  snapshot(): Json {
    return [this.sum, this.count];
  }
  static restore(s: Json): Sum {
    const r = new Sum();
    [r.sum, r.count] = s as [number, number];
    return r;
  }
}

type Ordered = number | string | boolean;

/** MIN: the smallest non-null value, NULL when none. */
export class Min<T extends Ordered> {
  value: T | null = null;
  add(v: T | null): void {
    if (v !== null && (this.value === null || v < this.value)) this.value = v;
  }
  merge(o: Min<T>): void {
    this.add(o.value);
  }
  snapshot(): Json {
    return this.value;
  }
  static restore<T extends Ordered>(s: Json): Min<T> {
    const m = new Min<T>();
    m.value = s as T | null;
    return m;
  }
}

/** MAX: the largest non-null value, NULL when none. */
export class Max<T extends Ordered> {
  value: T | null = null;
  add(v: T | null): void {
    if (v !== null && (this.value === null || v > this.value)) this.value = v;
  }
  merge(o: Max<T>): void {
    this.add(o.value);
  }
  snapshot(): Json {
    return this.value;
  }
  static restore<T extends Ordered>(s: Json): Max<T> {
    const m = new Max<T>();
    m.value = s as T | null;
    return m;
  }
}

/** FIRST_VALUE: the first non-null value added. `merge(later)` keeps this one's first. */
export class FirstValue<T extends Json> {
  value: T | null = null;
  add(v: T | null): void {
    if (this.value === null && v !== null) this.value = v;
  }
  merge(later: FirstValue<T>): void {
    this.add(later.value);
  }
  snapshot(): Json {
    return this.value;
  }
  static restore<T extends Json>(s: Json): FirstValue<T> {
    const f = new FirstValue<T>();
    f.value = s as T | null;
    return f;
  }
}

/** LAST_VALUE: the last non-null value added. `merge(later)` takes the later one's last. */
export class LastValue<T extends Json> {
  value: T | null = null;
  add(v: T | null): void {
    if (v !== null) this.value = v;
  }
  merge(later: LastValue<T>): void {
    this.add(later.value);
  }
  snapshot(): Json {
    return this.value;
  }
  static restore<T extends Json>(s: Json): LastValue<T> {
    const l = new LastValue<T>();
    l.value = s as T | null;
    return l;
  }
}

/**
 * COLLECT_LIST / ARRAY_AGG: values in arrival order. The caller decides about NULLs (Spark's
 * collect_list skips them: `if (v !== null) list.add(v)`).
 */
export class CollectList<T extends Json> {
  readonly values: T[];
  constructor(values: T[] = []) {
    this.values = values;
  }
  add(v: T): void {
    this.values.push(v);
  }
  merge(later: CollectList<T>): void {
    for (const v of later.values) this.values.push(v);
  }
  /** Takes back one `v` (its first occurrence: Flink's LISTAGG retract); O(list length). */
  retract(v: T): void {
    const key = typeof v === 'object' && v !== null ? JSON.stringify(v) : null;
    const i = this.values.findIndex((x) => (key === null ? x === v : JSON.stringify(x) === key));
    if (i >= 0) this.values.splice(i, 1);
  }
  /** A copy for an output row (the state keeps growing). */
  result(): T[] {
    return this.values.slice();
  }
  snapshot(): Json {
    return this.values;
  }
  static restore<T extends Json>(s: Json): CollectList<T> {
    return new CollectList<T>((s as T[]).slice());
  }
}
