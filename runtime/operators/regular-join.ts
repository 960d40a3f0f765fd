/**
 * Regular (unbounded) join of two streams. Both sides are kept forever in hash maps by join key
 * (rows in arrival order); each arriving row is joined against every stored row of the other side
 * with the same key for which the residual is TRUE — one `+I` per match, in the stored rows'
 * arrival order — and then stored itself. State grows with the input and is reported by
 * `stateRows()` (progress). Rows with a NULL key match nothing and are not stored.
 *
 * Updating inputs (changelog 'retract': a non-windowed aggregate, a normalised upsert source, an
 * inner regular join of those): a `-U`/`-D` row removes the stored row with the same values
 * (`sameRow`) from its side and retracts every joined row it produced, one `-D` per match;
 * `+I`/`+U` rows are stored and joined as inserts (`+I`). INNER only (the planner refuses outer
 * joins over updating inputs).
 *
 * The planner only allows INNER for unbounded streams (§7). Outer joins are supported too, in
 * one of two output modes (`outerEmit`):
 * - `'retract'` (default): an outer row with no match is emitted at once, padded with NULLs
 *   (`+I`); when its first match arrives later, that row is retracted (`-D`, the same padded row)
 *   before the joined row is emitted (`+I`). A changelog, as Flink's non-windowed outer join.
 * - `'end'`: unmatched outer rows are emitted once, at end of input (watermark +Infinity), so the
 *   output stays append-only — for bounded inputs. NULL-key outer rows are emitted at once in
 *   both modes (they can never match).
 */
import type { Json, KeyValue, RowKind, StateSnapshot } from '../types.ts';
import { isRetraction, sameRow } from '../state/changelog.ts';
import { expectSnapshot, snapshotOf } from '../state/snapshot.ts';
import { BaseOperator } from './base.ts';
import { outerSides, type JoinFns } from './join-fns.ts';
import { STATE_VERSIONS } from '../contract.ts';

const KIND = 'regular-join';
const VERSION = STATE_VERSIONS[KIND];

/** Config of `RegularJoin` (plan node `RegularJoin`). */
export interface RegularJoinConfig<L, R, Key extends KeyValue, Out> extends JoinFns<L, R, Key, Out> {
  /** Outer joins only: how unmatched rows are emitted (see the file comment). Default 'retract'. */
  readonly outerEmit?: 'retract' | 'end';
}

/** One key's rows of one side; `matched` (outer sides only) flags rows that found a partner. */
class Bucket<Row> {
  readonly rows: Row[] = [];
  readonly matched: number[] | null;
  constructor(outer: boolean) {
    this.matched = outer ? [] : null;
  }
}

class Side<Row, Key> {
  readonly buckets = new Map<Key, Bucket<Row>>();
  rows = 0;
  constructor(readonly outer: boolean) {}

  /** Removes the stored row equal to `row`; false when there is none. */
  remove(key: Key, row: Row): boolean {
    const b = this.buckets.get(key);
    if (b === undefined) return false;
    const i = b.rows.findIndex((r) => sameRow(r, row));
    if (i < 0) return false;
    b.rows.splice(i, 1);
    b.matched?.splice(i, 1);
    if (b.rows.length === 0) this.buckets.delete(key);
    this.rows--;
    return true;
  }

  add(key: Key, row: Row, matched: boolean): void {
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = new Bucket<Row>(this.outer);
      this.buckets.set(key, b);
    }
    b.rows.push(row);
    b.matched?.push(matched ? 1 : 0);
    this.rows++;
  }

  /** `[[key, [row, ...], [matched, ...] | null], ...]`. */
  snapshot(): Json {
    const out: Json[] = [];
    for (const [key, b] of this.buckets) out.push([key as Json, b.rows as Json[], b.matched]);
    return out;
  }

  restore(data: Json): void {
    this.buckets.clear();
    this.rows = 0;
    for (const [key, rows, matched] of data as readonly (readonly [Key, readonly Json[], readonly number[] | null])[]) {
      const b = new Bucket<Row>(this.outer);
      for (let i = 0; i < rows.length; i++) {
        b.rows.push(rows[i] as Row);
        b.matched?.push(matched?.[i] ?? 0);
      }
      this.buckets.set(key, b);
      this.rows += rows.length;
    }
  }
}

export class RegularJoin<L, R, Key extends KeyValue, Out> extends BaseOperator<L | R> {
  private readonly left: Side<L, Key>;
  private readonly right: Side<R, Key>;
  private readonly retract: boolean;
  private ended = false;

  constructor(private readonly cfg: RegularJoinConfig<L, R, Key, Out>) {
    super(cfg.id);
    const outer = outerSides(cfg, 'regular join');
    this.left = new Side<L, Key>(outer.left);
    this.right = new Side<R, Key>(outer.right);
    this.retract = (cfg.outerEmit ?? 'retract') === 'retract';
  }

  push(row: L | R, side: number, kind?: RowKind): void {
    const cfg = this.cfg;
    if (isRetraction(kind)) {
      this.retractRow(row, side);
      return;
    }
    if (side === 0) {
      const l = row as L;
      const key = cfg.leftKey(l);
      if (key === null) {
        if (this.left.outer) cfg.out(cfg.leftOnly!(l), '+I');
        return;
      }
      const matched = this.probe(key, l, null);
      if (!matched && this.left.outer && this.retract) cfg.out(cfg.leftOnly!(l), '+I');
      this.left.add(key, l, matched);
    } else {
      const r = row as R;
      const key = cfg.rightKey(r);
      if (key === null) {
        if (this.right.outer) cfg.out(cfg.rightOnly!(r), '+I');
        return;
      }
      const matched = this.probe(key, null, r);
      if (!matched && this.right.outer && this.retract) cfg.out(cfg.rightOnly!(r), '+I');
      this.right.add(key, r, matched);
    }
  }

  /** A `-U`/`-D` row: removed from its side, and each joined row it made is retracted (`-D`). */
  private retractRow(row: L | R, side: number): void {
    const cfg = this.cfg;
    if (this.left.outer || this.right.outer)
      throw new Error(`regular join "${cfg.id}": an outer join cannot take retractions`);
    const key = side === 0 ? cfg.leftKey(row as L) : cfg.rightKey(row as R);
    if (key === null) return;
    const own = side === 0 ? this.left : this.right;
    // a row never stored (restored or filtered upstream) has produced nothing to take back
    if (!(own as Side<L | R, Key>).remove(key, row)) return;
    const residual = cfg.residual;
    if (side === 0) {
      const b = this.right.buckets.get(key);
      if (b === undefined) return;
      for (const r of b.rows) if (residual === null || residual(row as L, r)) cfg.out(cfg.join(row as L, r), '-D');
    } else {
      const b = this.left.buckets.get(key);
      if (b === undefined) return;
      for (const l of b.rows) if (residual === null || residual(l, row as R)) cfg.out(cfg.join(l, row as R), '-D');
    }
  }

  /** Joins an arriving left (`l`) or right (`r`) row with the other side's stored rows. */
  private probe(key: Key, l: L | null, r: R | null): boolean {
    const cfg = this.cfg;
    const residual = cfg.residual;
    let matched = false;
    if (l !== null) {
      const b = this.right.buckets.get(key);
      if (b === undefined) return false;
      const rows = b.rows;
      const flags = b.matched;
      for (let i = 0; i < rows.length; i++) {
        const other = rows[i]!;
        if (residual !== null && !residual(l, other)) continue;
        matched = true;
        if (flags !== null && flags[i] === 0) {
          flags[i] = 1;
          if (this.retract) cfg.out(cfg.rightOnly!(other), '-D');
        }
        cfg.out(cfg.join(l, other), '+I');
      }
    } else {
      const b = this.left.buckets.get(key);
      if (b === undefined) return false;
      const rows = b.rows;
      const flags = b.matched;
      for (let i = 0; i < rows.length; i++) {
        const other = rows[i]!;
        if (residual !== null && !residual(other, r!)) continue;
        matched = true;
        if (flags !== null && flags[i] === 0) {
          flags[i] = 1;
          if (this.retract) cfg.out(cfg.leftOnly!(other), '-D');
        }
        cfg.out(cfg.join(other, r!), '+I');
      }
    }
    return matched;
  }

  override onWatermark(w: number): void {
    if (w !== Infinity || this.retract || this.ended) return;
    this.ended = true;
    const cfg = this.cfg;
    for (const [side, emit] of [
      [this.left, (row: L | R) => cfg.out(cfg.leftOnly!(row as L), '+I')],
      [this.right, (row: L | R) => cfg.out(cfg.rightOnly!(row as R), '+I')],
    ] as const) {
      if (!side.outer) continue;
      for (const b of (side as Side<L | R, Key>).buckets.values()) {
        for (let i = 0; i < b.rows.length; i++) if (b.matched![i] === 0) emit(b.rows[i]!);
      }
    }
  }

  override stateRows(): number {
    return this.left.rows + this.right.rows;
  }

  /** `{ended, left, right}`; each side `[[key, [row, ...], [matched 0/1, ...] | null], ...]`. */
  override snapshot(): StateSnapshot {
    return snapshotOf(KIND, VERSION, { ended: this.ended, left: this.left.snapshot(), right: this.right.snapshot() });
  }

  override restore(s: StateSnapshot): void {
    const data = expectSnapshot(s, KIND, VERSION, this.id) as { ended: boolean; left: Json; right: Json };
    this.ended = data.ended;
    this.left.restore(data.left);
    this.right.restore(data.right);
  }
}
