/**
 * ChangelogNormalize (Flink's name): turns an upsert changelog — `+U` "this is the row for its
 * key now", `-D` "the key is gone", as an upsert-kafka source reads values and tombstones — into
 * a retracting one that operators downstream can fold: the first row of a key is `+I`, a new
 * row for a key is `-U` (the row it replaces) then `+U`, a delete is `-D` with the whole
 * deleted row. A row equal to the key's current one changes nothing and is dropped; a delete of
 * an unknown key is dropped.
 *
 * State: the latest row per key, kept until its delete (one row per live key). Rows are
 * emitted as they arrive (no batching), so order within a key is kept.
 */
import type { Emit, KeyValue, RowKind, StateSnapshot } from '../types.ts';
import { isRetraction, sameRow } from '../state/changelog.ts';
import { KeyedState } from '../state/keyed-state.ts';
import { detachKey } from '../state/keys.ts';
import { expectSnapshot, snapshotOf } from '../state/snapshot.ts';
import { BaseOperator } from './base.ts';
import { STATE_VERSIONS } from '../contract.ts';

const KIND = 'changelog-normalize';
const VERSION = STATE_VERSIONS[KIND];

/** Config of `ChangelogNormalize` (plan node `Normalize`). */
export interface ChangelogNormalizeConfig<Row, Key extends KeyValue> {
  readonly id: string;
  /** The upsert key of a row (the source's PRIMARY KEY). */
  readonly key: (row: Row) => Key;
  readonly out: Emit<Row>;
}

export class ChangelogNormalize<Row, Key extends KeyValue> extends BaseOperator<Row> {
  private readonly rows = new KeyedState<Key, Row>();

  constructor(private readonly cfg: ChangelogNormalizeConfig<Row, Key>) {
    super(cfg.id);
  }

  push(row: Row, _side?: number, kind?: RowKind): void {
    const key = this.cfg.key(row);
    const map = this.rows.map;
    const prev = map.get(key);
    if (isRetraction(kind)) {
      if (prev === undefined) return;
      map.delete(key);
      this.cfg.out(prev, '-D');
      return;
    }
    if (prev === undefined) {
      map.set(detachKey(key), row);
      this.cfg.out(row, '+I');
      return;
    }
    if (sameRow(prev, row)) return;
    map.set(key, row);
    this.cfg.out(prev, '-U');
    this.cfg.out(row, '+U');
  }

  override stateRows(): number {
    return this.rows.size;
  }

  /** `[[key, row], ...]`. */
  override snapshot(): StateSnapshot {
    return snapshotOf(
      KIND,
      VERSION,
      this.rows.snapshot((row) => row as never),
    );
  }

  override restore(s: StateSnapshot): void {
    this.rows.restore(expectSnapshot(s, KIND, VERSION, this.id), (row) => row as Row);
  }
}
