/**
 * No-op defaults for the operator interface, so an operator implements only the hooks it needs
 * (Arroyo's `ArrowOperator` style).
 */
import type { Operator, StateSnapshot } from '../types.ts';

export abstract class BaseOperator<In> implements Operator<In> {
  constructor(readonly id: string) {}
  abstract push(row: In, side: number): void;
  onWatermark(_watermark: number): void {}
  onBatchEnd(): void {}
  onEnd(): void {}
  nextTimer(): number | null {
    return null;
  }
  snapshot(): StateSnapshot | null {
    return null;
  }
  restore(_snapshot: StateSnapshot): void {}
  stateRows(): number {
    return 0;
  }
  /** Rows this operator dropped because their event time was NULL (progress). */
  nullTimeRowsDropped = 0;
  /** Rows that arrived for a window already final (only possible when lateness was not checked upstream). */
  lateRowsDropped = 0;
}
