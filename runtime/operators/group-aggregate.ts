/**
 * Non-windowed GROUP BY (and SELECT DISTINCT). State: one accumulator per group, kept for the
 * life of the query (state grows with the number of groups).
 * - CHANGES: at batch end, every group that received rows in the batch (`+I` when new in this
 *   batch, else `+U`). With `keyOnly` (SELECT DISTINCT) a group changes only when it appears.
 * - COMPLETE: at batch end, every group (`+I`).
 * - FINAL (bounded input): nothing per batch; every group once at end of input (`+I`).
 */
import type { Accumulator, GroupAggregateConfig, KeyValue, StateSnapshot } from '../types.ts';
import { detachKey } from '../state/keys.ts';
import { KeyedState } from '../state/keyed-state.ts';
import { expectSnapshot, snapshotOf } from '../state/snapshot.ts';
import { BaseOperator } from './base.ts';
import { STATE_VERSIONS } from '../contract.ts';

const KIND = 'group-aggregate';
const VERSION = STATE_VERSIONS[KIND];

export class GroupAggregate<In, Key extends KeyValue, Acc extends Accumulator<In>, Out> extends BaseOperator<In> {
  private readonly groups = new KeyedState<Key, Acc>();
  /** CHANGES: groups changed in this batch → true when created in it. */
  private readonly changed = new Map<Key, boolean>();
  private readonly changes: boolean;

  constructor(private readonly cfg: GroupAggregateConfig<In, Key, Acc, Out>) {
    super(cfg.id);
    this.changes = cfg.emit === 'changes';
  }

  push(row: In, _side?: number): void {
    const key = this.cfg.key(row);
    const groups = this.groups.map;
    let acc = groups.get(key);
    if (acc === undefined) {
      const kept = detachKey(key);
      acc = this.cfg.create(kept, row);
      groups.set(kept, acc);
      if (this.changes) this.changed.set(kept, true);
    } else if (this.changes && !this.cfg.keyOnly && !this.changed.has(key)) {
      this.changed.set(key, false);
    }
    acc.add(row);
  }

  override onBatchEnd(): void {
    if (this.changes) {
      const groups = this.groups.map;
      for (const [key, created] of this.changed)
        this.cfg.out(this.cfg.result(groups.get(key)!, key), created ? '+I' : '+U');
      this.changed.clear();
    } else if (this.cfg.emit === 'complete') {
      this.emitAll();
    }
  }

  override onEnd(): void {
    if (this.cfg.emit === 'final') this.emitAll();
  }

  private emitAll(): void {
    for (const [key, acc] of this.groups.map) this.cfg.out(this.cfg.result(acc, key), '+I');
  }

  override stateRows(): number {
    return this.groups.size;
  }

  /** `[[key, accState], ...]` in first-seen order. */
  override snapshot(): StateSnapshot {
    return snapshotOf(
      KIND,
      VERSION,
      this.groups.snapshot((acc) => acc.snapshot()),
    );
  }

  override restore(s: StateSnapshot): void {
    this.changed.clear();
    this.groups.restore(expectSnapshot(s, KIND, VERSION, this.id), (state, key) => this.cfg.restore(key, state));
  }
}
