/**
 * An operator that hands each scripted row to an inner operator in the inner operator's terms
 * (its side, its change kind) and forwards every other hook unchanged: the adapters `sided` and
 * `kinded` of the testing drivers.
 */
import type { Emit, Operator, StateSnapshot } from '../types.ts';

class ForwardingOperator<Scripted, In> implements Operator<Scripted> {
  readonly id: string;
  constructor(
    readonly inner: Operator<In>,
    private readonly forward: (inner: Operator<In>, row: Scripted) => void,
  ) {
    this.id = inner.id;
  }
  push(row: Scripted): void {
    this.forward(this.inner, row);
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

/** Wraps an operator factory so that its operators take scripted rows through `forward`. */
export function forwarding<Scripted, In, Out>(
  make: (out: Emit<Out>) => Operator<In>,
  forward: (inner: Operator<In>, row: Scripted) => void,
): (out: Emit<Out>) => Operator<Scripted> {
  return (out) => new ForwardingOperator(make(out), forward);
}
