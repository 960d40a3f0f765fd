/**
 * Updating input under `drive` / `driveWithRestores`: scripted rows carry their change kind,
 * `['-U', row]`, and this adapter forwards each to `push(row, side, kind)` (side 0, or the
 * row's side for two-input operators: `['-D', row, 1]`).
 */
import type { Emit, Operator, RowKind, StateSnapshot } from '../types.ts';

export type Kinded<In> = readonly [kind: RowKind, row: In, side?: 0 | 1];

class KindedOperator<In> implements Operator<Kinded<In>> {
  readonly id: string;
  constructor(readonly inner: Operator<In>) {
    this.id = inner.id;
  }
  push(row: Kinded<In>): void {
    this.inner.push(row[1], row[2] ?? 0, row[0]);
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

/** Wraps an operator factory so that `drive` can push kinded rows into it. */
export function kinded<In, Out>(make: (out: Emit<Out>) => Operator<In>): (out: Emit<Out>) => Operator<Kinded<In>> {
  return (out) => new KindedOperator(make(out));
}
