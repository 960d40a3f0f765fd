/**
 * Stream–table (lookup) join, INNER or LEFT, Arroyo's `lookup_join`: each stream row is joined
 * with the rows of a loaded, indexed bounded table (`LookupTable`) that have the same key and
 * for which the residual is TRUE — one `+I` per match, in table (file) order; with LEFT, a row
 * without a match (NULL key included) is emitted once, padded with NULLs. `FOR SYSTEM_TIME AS OF`
 * joins the same way: the table version is the one loaded when the batch started.
 *
 * No per-row state: `snapshot()` is null, and a restarted query reloads the table. With
 * `lookup.reload-interval` the table is re-read when its file changes; the new version is
 * installed at a batch end (`onBatchEnd` → `table.tick()`), never within a batch.
 */
import type { Emit, KeyValue } from '../types.ts';
import type { LookupTable } from '../connectors/lookup-table.ts';
import { BaseOperator } from './base.ts';

/** Config of `LookupJoin` (plan node `LookupJoin`). */
export interface LookupJoinConfig<L, R, Key extends KeyValue, Out> {
  readonly id: string;
  readonly joinType: 'inner' | 'left';
  /** The loaded table (built with the table side's key extractor, `rightKeys`). */
  readonly table: LookupTable<R, Key>;
  /** Key of a stream row (`leftKeys`), in the table key's shape; null when a key column is NULL. */
  readonly key: (row: L) => Key | null;
  readonly residual: ((left: L, right: R) => boolean) | null;
  readonly join: (left: L, right: R) => Out;
  /** LEFT: the output row of a stream row without a match (table fields NULL). */
  readonly leftOnly?: (left: L) => Out;
  readonly out: Emit<Out>;
}

export class LookupJoin<L, R, Key extends KeyValue, Out> extends BaseOperator<L> {
  private readonly outer: boolean;

  constructor(private readonly cfg: LookupJoinConfig<L, R, Key, Out>) {
    super(cfg.id);
    this.outer = cfg.joinType === 'left';
    if (this.outer && !cfg.leftOnly) throw new Error(`lookup join "${cfg.id}": a LEFT join needs leftOnly`);
  }

  push(row: L, _side?: number): void {
    const cfg = this.cfg;
    const key = cfg.key(row);
    const matches = key === null ? undefined : cfg.table.get(key);
    let matched = false;
    if (matches !== undefined) {
      const residual = cfg.residual;
      for (let i = 0; i < matches.length; i++) {
        const r = matches[i]!;
        if (residual !== null && !residual(row, r)) continue;
        matched = true;
        cfg.out(cfg.join(row, r), '+I');
      }
    }
    if (!matched && this.outer) cfg.out(cfg.leftOnly!(row), '+I');
  }

  override onBatchEnd(): void {
    this.cfg.table.tick();
  }
}
