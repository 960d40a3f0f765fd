/** State helpers (`rt.state`): snapshot codec and checks, composite keys, timers. */
export { decodeState, encodeState, expectSnapshot, snapshotOf } from './snapshot.ts';
export { compositeKey, splitCompositeKey } from './keys.ts';
export { TimerHeap } from './timer-heap.ts';
export { KeyedState } from './keyed-state.ts';
