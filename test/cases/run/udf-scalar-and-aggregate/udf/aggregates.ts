// Aggregate user-defined functions for the udf-scalar-and-aggregate run case.
import type { AggregateFunction, BIGINT, Json } from 'sqc/runtime';

/** Average of `value` weighted by `weight`; the state is plain JSON, so it checkpoints as it is. */
export const weightedAvg: AggregateFunction<{ sum: number; weight: number }, [value: number, weight: BIGINT], number | null> = {
  create: () => ({ sum: 0, weight: 0 }),
  accumulate(acc, value, weight) {
    acc.sum += value * weight;
    acc.weight += weight;
  },
  retract(acc, value, weight) {
    acc.sum -= value * weight;
    acc.weight -= weight;
  },
  merge(acc, other) {
    acc.sum += other.sum;
    acc.weight += other.weight;
  },
  result: (acc) => (acc.weight === 0 ? null : acc.sum / acc.weight),
};

/** The distinct words seen, sorted and joined: a class whose state (a Set) checkpoints through snapshot/restore. */
export class DistinctWords {
  create(): Set<string> {
    return new Set();
  }
  accumulate(acc: Set<string>, text: string): void {
    for (const w of text.split(/\s+/)) if (w) acc.add(w.toLowerCase());
  }
  merge(acc: Set<string>, other: Set<string>): void {
    for (const w of other) acc.add(w);
  }
  result(acc: Set<string>): string {
    return [...acc].sort().join(' ');
  }
  snapshot(acc: Set<string>): Json {
    return [...acc].sort();
  }
  restore(state: Json): Set<string> {
    return new Set(state as string[]);
  }
}
