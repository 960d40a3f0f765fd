/**
 * Two-input operators (joins) under `drive` / `driveWithRestores`: scripted rows carry their
 * side, `[0, leftRow]` or `[1, rightRow]`, and this adapter forwards each to `push(row, side)`.
 */
import type { Emit, Operator, StateSnapshot } from '../types.ts';

export type Sided<In> = readonly [side: 0 | 1, row: In];

export const L = <T>(row: T): Sided<T> => [0, row];
export const R = <T>(row: T): Sided<T> => [1, row];

class SidedOperator<In> implements Operator<Sided<In>> {
  readonly id: string;
  constructor(readonly inner: Operator<In>) {
    this.id = inner.id;
  }
  push(row: Sided<In>): void {
    this.inner.push(row[1], row[0]);
  }
  onWatermark(w: number): void {
    this.inner.onWatermark(w);
  }
  onBatchEnd(): void {
    this.inner.onBatchEnd();
  }
  onEnd(): void {
    this.inner.onEnd();
  }
  snapshot(): StateSnapshot | null {
    return this.inner.snapshot();
  }
  restore(s: StateSnapshot): void {
    this.inner.restore(s);
  }
  stateRows(): number {
    return this.inner.stateRows();
  }
}

/** Adapts a join factory for `drive`. */
export function sided<In, Out>(make: (out: Emit<Out>) => Operator<In>): (out: Emit<Out>) => Operator<Sided<In>> {
  return (out) => new SidedOperator(make(out));
}
