/**
 * Non-windowed GROUP BY (and SELECT DISTINCT). State: one accumulator per group, kept for the
 * life of the query (state grows with the number of groups).
 * - CHANGES: at batch end, every group that received rows in the batch (`+I` when new in this
 *   batch, else `+U`, preceded by `-U` with the previous result when `updateBefore`). With
 *   `keyOnly` (SELECT DISTINCT) a group changes only when it appears.
 * - Updating input (`push` with `-U`/`-D`): the row is retracted from its group's accumulator;
 *   a group whose rows all were retracted is deleted (`-D` with its last emitted result in
 *   CHANGES mode; COMPLETE and FINAL simply no longer emit it).
 * - COMPLETE: at batch end, every group (`+I`).
 * - FINAL (bounded input): nothing per batch; every group once at end of input (`+I`).
 */
import type { Accumulator, GroupAggregateConfig, KeyValue, RowKind, StateSnapshot } from '../types.ts';
import { isRetraction, sameRow } from '../state/changelog.ts';
import { detachKey } from '../state/keys.ts';
import { KeyedState } from '../state/keyed-state.ts';
import { expectSnapshot, snapshotOf } from '../state/snapshot.ts';
import { BaseOperator } from './base.ts';
import { STATE_VERSIONS } from '../contract.ts';

const KIND = 'group-aggregate';
const VERSION = STATE_VERSIONS[KIND];
/** A group created in this batch. */
const NEW: unique symbol = Symbol('new');
/** A group whose previous result nobody emits (an upsert without `-U`). */
const UNKNOWN: unique symbol = Symbol('unknown');

export class GroupAggregate<In, Key extends KeyValue, Acc extends Accumulator<In>, Out> extends BaseOperator<In> {
  private readonly groups = new KeyedState<Key, Acc>();
  /**
   * CHANGES: groups changed in this batch → their result before the batch's first change
   * (`NEW` when the group did not exist then). The previous result is only computed when it is
   * emitted: as `-U` (`updateBefore`) or as the `-D` of a group whose last row was retracted.
   */
  private readonly changed = new Map<Key, Out | typeof NEW | typeof UNKNOWN>();
  private readonly changes: boolean;
  private readonly updateBefore: boolean;

  constructor(private readonly cfg: GroupAggregateConfig<In, Key, Acc, Out>) {
    super(cfg.id);
    this.changes = cfg.emit === 'changes';
    this.updateBefore = cfg.updateBefore === true;
  }

  push(row: In, _side?: number, kind?: RowKind): void {
    const key = this.cfg.key(row);
    const groups = this.groups.map;
    let acc = groups.get(key);
    if (isRetraction(kind)) {
      // a retraction of a row this operator never saw (restored or filtered upstream) takes back nothing
      if (acc === undefined) return;
      if (this.changes && !this.changed.has(key)) this.changed.set(key, this.previous(acc, key));
      const retract = acc.retract;
      if (retract === undefined) throw new Error(`operator ${this.id}: the accumulator cannot retract rows`);
      retract.call(acc, row);
      if (acc.rows === 0) {
        groups.delete(key);
        if (!this.changes) return;
      }
      return;
    }
    if (acc === undefined) {
      const kept = detachKey(key);
      acc = this.cfg.create(kept, row);
      groups.set(kept, acc);
      if (this.changes && !this.changed.has(kept)) this.changed.set(kept, NEW);
    } else if (this.changes && !this.changed.has(key) && !(this.cfg.keyOnly && acc.rows === undefined)) {
      this.changed.set(key, this.previous(acc, key));
    }
    acc.add(row);
  }

  /** The group's result before this batch's first change, when something will emit it. */
  private previous(acc: Acc, key: Key): Out | typeof UNKNOWN {
    return this.updateBefore || acc.rows !== undefined ? this.cfg.result(acc, key) : UNKNOWN;
  }

  override onBatchEnd(): void {
    if (this.changes) {
      const groups = this.groups.map;
      const out = this.cfg.out;
      for (const [key, before] of this.changed) {
        const acc = groups.get(key);
        if (acc === undefined) {
          // the group's last row was retracted: its result is gone (nothing when it was new)
          if (before !== NEW && before !== UNKNOWN) out(before, '-D');
          continue;
        }
        if (before === NEW) {
          out(this.cfg.result(acc, key), '+I');
          continue;
        }
        // a SELECT DISTINCT group that was there before is unchanged
        if (this.cfg.keyOnly) continue;
        const after = this.cfg.result(acc, key);
        if (before !== UNKNOWN) {
          // an update that changes nothing is not emitted (Flink drops it too)
          if (sameRow(before, after)) continue;
          if (this.updateBefore) out(before, '-U');
        }
        out(after, '+U');
      }
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
