/**
 * A window TVF not fused into an aggregate (TUMBLE/HOP/CUMULATE → rows with window_start,
 * window_end, window_time): for each row, `out(row, start, end)` once per window it falls in;
 * the generated `out` builds the output row (window_time = end - 1). Stateless: registering it
 * with `q.operator` is optional. Rows with NULL event time are dropped and counted.
 */
import type { WindowAssignConfig } from '../types.ts';
import { windowAssigner, type WindowAssigner } from '../windows/assigner.ts';
import { BaseOperator } from './base.ts';

export class WindowAssign<In> extends BaseOperator<In> {
  private readonly assigner: WindowAssigner;
  private readonly buf: Float64Array;

  constructor(private readonly cfg: WindowAssignConfig<In>) {
    super(cfg.id);
    this.assigner = windowAssigner(cfg.window);
    this.buf = new Float64Array(2 * this.assigner.maxWindows + 2);
  }

  push(row: In, _side?: number): void {
    const t = this.cfg.time(row);
    if (t === null) {
      this.nullTimeRowsDropped++;
      return;
    }
    const n = this.assigner.assign(t, this.buf);
    for (let i = 0; i < n; i++) this.cfg.out(row, this.buf[2 * i]!, this.buf[2 * i + 1]!);
  }
}
