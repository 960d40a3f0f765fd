/** Accumulator helpers for generated accumulators (`rt.agg`); each has `snapshot()` and `restore()`. */
export { DistinctSet } from './distinct-set.ts';
export { HyperLogLog, hash32 } from './hyperloglog.ts';
export { Multiset } from './multiset.ts';
export { Welford } from './welford.ts';
export { CollectList, FirstValue, LastValue, Max, Min, Sum } from './simple.ts';
