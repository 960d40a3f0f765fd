/**
 * ORDER BY / LIMIT, allowed on COMPLETE results and on bounded input.
 * - 'complete': the upstream emits the whole table every batch; this sorts the batch's rows at
 *   batch end and emits the first `limit` (`+I`), holding nothing between batches.
 * - 'final': buffers every row (keeping only the best `limit` when there is one) and emits them
 *   sorted at end of input. State: the buffered rows (snapshotted as they are: rows are JSON).
 */
import type { Json, SortLimitConfig, StateSnapshot } from '../types.ts';
import { expectSnapshot, snapshotOf } from '../state/snapshot.ts';
import { BaseOperator } from './base.ts';
import { STATE_VERSIONS } from '../contract.ts';

const KIND = 'sort-limit';
const VERSION = STATE_VERSIONS[KIND];

export class SortLimit<Row> extends BaseOperator<Row> {
  private rows: Row[] = [];

  constructor(private readonly cfg: SortLimitConfig<Row>) {
    super(cfg.id);
  }

  push(row: Row, _side?: number): void {
    this.rows.push(row);
    const limit = this.cfg.limit;
    // keep memory at O(limit): sort and cut when the buffer doubles past the limit
    if (limit !== null && this.rows.length >= 2 * limit + 1024) this.cut(limit);
  }

  private cut(limit: number): void {
    // Array.prototype.sort is stable: equal rows keep arrival order
    this.rows.sort(this.cfg.compare);
    if (this.rows.length > limit) this.rows.length = limit;
  }

  private flush(): void {
    this.cut(this.cfg.limit ?? this.rows.length);
    const rows = this.rows;
    this.rows = [];
    for (const r of rows) this.cfg.out(r, '+I');
  }

  override onBatchEnd(): void {
    if (this.cfg.emit === 'complete') this.flush();
  }

  override onEnd(): void {
    if (this.cfg.emit === 'final') this.flush();
  }

  override stateRows(): number {
    return this.rows.length;
  }

  override snapshot(): StateSnapshot {
    return snapshotOf(KIND, VERSION, this.rows as unknown as Json);
  }

  override restore(s: StateSnapshot): void {
    this.rows = (expectSnapshot(s, KIND, VERSION, this.id) as unknown as Row[]).slice();
  }
}
