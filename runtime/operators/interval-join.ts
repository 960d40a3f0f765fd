/**
 * Stream–stream interval join (INNER, LEFT, RIGHT, FULL OUTER), Arroyo's `join_with_expiration`:
 * a left row `l` and a right row `r` match when their keys are equal (and not NULL), the time
 * bound holds — `lower <= r.time - l.time <= upper`, each end inclusive or exclusive — and the
 * residual is TRUE. Output is append-only (`+I`).
 *
 * State: per side, rows buffered per key in time order, and a min-heap of per-key eviction
 * timers. A row is kept exactly as long as a future row of the other side can still match it.
 * Future rows are not late, so their time is `>= W` (the watermark); hence
 * - a left row at `t` can still match iff some `r >= W` has `r <= t + upper`: it is dropped when
 *   `W > t + upper` (inclusive upper) or `W >= t + upper` (exclusive upper);
 * - a right row at `r` can still match iff some `t >= W` has `t <= r - lower`: it is dropped when
 *   `W > r - lower` (inclusive lower) or `W >= r - lower` (exclusive lower).
 * Conversely a row arriving at time `>= W` finds every row it can match still buffered, so each
 * matching pair is emitted exactly once, by whichever of the two rows arrives second.
 *
 * Outer sides: a row that never matched is emitted padded with NULLs at the moment it is
 * dropped — the first watermark that passes its bound (above), or +Infinity at end of input —
 * left rows first, then right rows, each in (time, arrival) order. A row that can never match
 * (NULL key, NULL time, or already past its bound on arrival) is emitted at once.
 *
 * Rows older than the operator's watermark (only possible when lateness was not checked
 * upstream) are dropped and counted: some of their partners may already be gone, so joining
 * them would give incomplete output. Rows with a NULL time on an inner side are dropped and
 * counted too (they can match nothing).
 */
import type { Json, KeyValue, StateSnapshot } from '../types.ts';
import { expectSnapshot, snapshotOf } from '../state/snapshot.ts';
import { TimerHeap } from '../state/timer-heap.ts';
import { GroupMap } from '../state/group-map.ts';
import { BaseOperator } from './base.ts';
import { outerSides, type JoinFns } from './join-fns.ts';
import { STATE_VERSIONS } from '../contract.ts';

const KIND = 'interval-join';
const VERSION = STATE_VERSIONS[KIND];

/** Config of `IntervalJoin` (plan node `IntervalJoin`). */
export interface IntervalJoinConfig<L, R, Key extends KeyValue, Out> extends JoinFns<L, R, Key, Out> {
  /** Event time of a left / right row (ms), the plan's `leftTime` / `rightTime`. */
  readonly leftTime: (row: L) => number | null;
  readonly rightTime: (row: R) => number | null;
  /** Bounds on `right.time - left.time` (ms). */
  readonly lowerMs: number;
  readonly lowerInclusive: boolean;
  readonly upperMs: number;
  readonly upperInclusive: boolean;
}

/** A row dropped unmatched from an outer side, waiting to be emitted in (time, arrival) order. */
class Entry<Row> {
  constructor(
    readonly row: Row,
    readonly time: number,
    /** Arrival order, for a deterministic emission order of unmatched rows. */
    readonly seq: number,
  ) {}
}

/**
 * One side's buffer, in columns: a buffered row lives in a slot `s` — `rowAt[s]`, `timeAt[s]`,
 * `seqAt[s]` (arrival order), `matchedAt[s]` (1 once it joined), `keyAt[s]` — and the slots of
 * one key form a circular doubly-linked list (`next`/`prev`) in time order, ties in arrival
 * order, whose oldest slot `heads` maps the key to. Each row has one eviction timer (its time,
 * its slot) in a min-heap; freed slots are reused. Nothing is allocated per row or per key but an
 * entry of `heads` (a `GroupMap`: number keys in an open-addressing index) and array slots, so a
 * wide key space (NEXMark q7 joins bids by price: one or two rows per key) keeps no object per
 * buffered row beyond the row itself.
 *
 * A row at `t` expires when `W > t + offset` (inclusive bound) or `W >= t + offset` (exclusive
 * bound): left side `offset = upper`, right side `offset = -lower`.
 */
class Side<Row, Key extends KeyValue> {
  heads = new GroupMap<Key, number>();
  readonly rowAt: (Row | undefined)[] = [];
  readonly timeAt: number[] = [];
  readonly seqAt: number[] = [];
  readonly matchedAt: number[] = [];
  readonly keyAt: (Key | undefined)[] = [];
  readonly next: number[] = [];
  readonly prev: number[] = [];
  private readonly free: number[] = [];
  private readonly timers = new TimerHeap<number>();
  rows = 0;

  constructor(
    private readonly offset: number,
    private readonly inclusive: boolean,
  ) {}

  expired(t: number, w: number): boolean {
    return this.inclusive ? w > t + this.offset : w >= t + this.offset;
  }

  insert(key: Key, row: Row, t: number, seq: number, matched: boolean): void {
    this.rows++;
    let s: number;
    if (this.free.length > 0) {
      s = this.free.pop()!;
      this.rowAt[s] = row;
      this.timeAt[s] = t;
      this.seqAt[s] = seq;
      this.matchedAt[s] = matched ? 1 : 0;
      this.keyAt[s] = key;
    } else {
      s = this.rowAt.length;
      this.rowAt.push(row);
      this.timeAt.push(t);
      this.seqAt.push(seq);
      this.matchedAt.push(matched ? 1 : 0);
      this.keyAt.push(key);
      this.next.push(s);
      this.prev.push(s);
    }
    this.timers.push(t, s);
    const next = this.next;
    const prev = this.prev;
    const h = this.heads.get(key);
    if (h === undefined) {
      next[s] = s;
      prev[s] = s;
      this.heads.set(key, s);
      return;
    }
    // after the newest row with time <= t (rows arrive mostly in time order: the tail)
    const times = this.timeAt;
    let x = prev[h]!;
    while (times[x]! > t) {
      if (x === h) {
        // older than every row of the key: the new head
        next[s] = h;
        prev[s] = prev[h]!;
        next[prev[h]!] = s;
        prev[h] = s;
        this.heads.set(key, s);
        return;
      }
      x = prev[x]!;
    }
    next[s] = next[x]!;
    prev[s] = x;
    prev[next[x]!] = s;
    next[x] = s;
  }

  private remove(s: number): void {
    const key = this.keyAt[s] as Key;
    const n = this.next[s]!;
    if (n === s) this.heads.delete(key);
    else {
      const p = this.prev[s]!;
      this.next[p] = n;
      this.prev[n] = p;
      if (this.heads.get(key) === s) this.heads.set(key, n);
    }
    this.rowAt[s] = undefined;
    this.keyAt[s] = undefined;
    this.free.push(s);
    this.rows--;
  }

  /** Drops every row expired at `w`; unmatched ones go to `unmatched` when given. */
  evict(w: number, unmatched: Entry<Row>[] | null): void {
    const timers = this.timers;
    while (timers.size > 0 && this.expired(timers.peekTime(), w)) {
      const s = timers.pop();
      if (unmatched !== null && this.matchedAt[s] === 0)
        unmatched.push(new Entry(this.rowAt[s] as Row, this.timeAt[s]!, this.seqAt[s]!));
      this.remove(s);
    }
  }

  clear(): void {
    this.heads = new GroupMap<Key, number>();
    for (const a of [this.rowAt, this.timeAt, this.seqAt, this.matchedAt, this.keyAt, this.next, this.prev, this.free])
      a.length = 0;
    this.timers.clear();
    this.rows = 0;
  }

  /** `[[key, [[time, seq, matched, row], ...]], ...]`. */
  snapshot(): Json {
    const out: Json[] = [];
    this.heads.forEach((h, key) => {
      const rows: Json[] = [];
      let x = h;
      do {
        rows.push([this.timeAt[x]!, this.seqAt[x]!, this.matchedAt[x]!, this.rowAt[x] as Json]);
        x = this.next[x]!;
      } while (x !== h);
      out.push([key as Json, rows]);
    });
    return out;
  }

  restore(data: Json): void {
    this.clear();
    for (const [key, rows] of data as readonly (readonly [
      Key,
      readonly (readonly [number, number, number, Json])[],
    ])[]) {
      for (const [time, seq, matched, row] of rows) this.insert(key, row as Row, time, seq, matched === 1);
    }
  }
}

function byTimeThenArrival<Row>(a: Entry<Row>, b: Entry<Row>): number {
  return a.time - b.time || a.seq - b.seq;
}

export class IntervalJoin<L, R, Key extends KeyValue, Out> extends BaseOperator<L | R> {
  private readonly left: Side<L, Key>;
  private readonly right: Side<R, Key>;
  private readonly outerLeft: boolean;
  private readonly outerRight: boolean;
  private watermark = -Infinity;
  private seq = 0;
  /**
   * How far output event times can lag the input watermark: a row emitted after watermark `W`
   * carries a left time `>= W - max(0, upper)` or a right time `>= W - max(0, -lower)`.
   */
  readonly watermarkHoldMs: number;

  constructor(private readonly cfg: IntervalJoinConfig<L, R, Key, Out>) {
    super(cfg.id);
    const { lowerMs: lo, upperMs: hi } = cfg;
    if (
      !Number.isFinite(lo) ||
      !Number.isFinite(hi) ||
      lo > hi ||
      (lo === hi && !(cfg.lowerInclusive && cfg.upperInclusive))
    ) {
      throw new Error(`interval join "${cfg.id}": the time bounds ${lo} ms .. ${hi} ms can never hold`);
    }
    const outer = outerSides(cfg, 'interval join');
    this.outerLeft = outer.left;
    this.outerRight = outer.right;
    this.left = new Side<L, Key>(hi, cfg.upperInclusive);
    this.right = new Side<R, Key>(-lo, cfg.lowerInclusive);
    this.watermarkHoldMs = Math.max(0, hi, -lo);
  }

  /** The watermark downstream operators may use after this one saw `w` (see `watermarkHoldMs`). */
  outputWatermark(w: number): number {
    return w - this.watermarkHoldMs;
  }

  push(row: L | R, side: number): void {
    if (side === 0) this.pushLeft(row as L);
    else this.pushRight(row as R);
  }

  private pushLeft(l: L): void {
    const cfg = this.cfg;
    const t = cfg.leftTime(l);
    if (t === null) {
      if (this.outerLeft) cfg.out(cfg.leftOnly!(l), '+I');
      else this.nullTimeRowsDropped++;
      return;
    }
    if (t < this.watermark) {
      this.lateRowsDropped++;
      return;
    }
    const key = cfg.leftKey(l);
    if (key === null) {
      if (this.outerLeft) cfg.out(cfg.leftOnly!(l), '+I');
      return;
    }
    let matched = false;
    const o = this.right;
    const h = o.heads.get(key);
    if (h !== undefined) {
      // right times in [t + lower, t + upper], in the key's time order
      const lo = t + cfg.lowerMs;
      const hi = t + cfg.upperMs;
      const loIncl = cfg.lowerInclusive;
      const hiIncl = cfg.upperInclusive;
      const residual = cfg.residual;
      const times = o.timeAt;
      const next = o.next;
      let x = h;
      do {
        const tx = times[x]!;
        if (hiIncl ? tx > hi : tx >= hi) break;
        if ((loIncl ? tx >= lo : tx > lo) && (residual === null || residual(l, o.rowAt[x] as R))) {
          o.matchedAt[x] = 1;
          matched = true;
          cfg.out(cfg.join(l, o.rowAt[x] as R), '+I');
        }
        x = next[x]!;
      } while (x !== h);
    }
    if (this.left.expired(t, this.watermark)) {
      if (!matched && this.outerLeft) cfg.out(cfg.leftOnly!(l), '+I');
      return;
    }
    this.left.insert(key, l, t, this.seq++, matched);
  }

  private pushRight(r: R): void {
    const cfg = this.cfg;
    const t = cfg.rightTime(r);
    if (t === null) {
      if (this.outerRight) cfg.out(cfg.rightOnly!(r), '+I');
      else this.nullTimeRowsDropped++;
      return;
    }
    if (t < this.watermark) {
      this.lateRowsDropped++;
      return;
    }
    const key = cfg.rightKey(r);
    if (key === null) {
      if (this.outerRight) cfg.out(cfg.rightOnly!(r), '+I');
      return;
    }
    let matched = false;
    const o = this.left;
    const h = o.heads.get(key);
    if (h !== undefined) {
      // left times in [t - upper, t - lower], in the key's time order
      const lo = t - cfg.upperMs;
      const hi = t - cfg.lowerMs;
      const loIncl = cfg.upperInclusive;
      const hiIncl = cfg.lowerInclusive;
      const residual = cfg.residual;
      const times = o.timeAt;
      const next = o.next;
      let x = h;
      do {
        const tx = times[x]!;
        if (hiIncl ? tx > hi : tx >= hi) break;
        if ((loIncl ? tx >= lo : tx > lo) && (residual === null || residual(o.rowAt[x] as L, r))) {
          o.matchedAt[x] = 1;
          matched = true;
          cfg.out(cfg.join(o.rowAt[x] as L, r), '+I');
        }
        x = next[x]!;
      } while (x !== h);
    }
    if (this.right.expired(t, this.watermark)) {
      if (!matched && this.outerRight) cfg.out(cfg.rightOnly!(r), '+I');
      return;
    }
    this.right.insert(key, r, t, this.seq++, matched);
  }

  override onWatermark(w: number): void {
    if (w <= this.watermark) return;
    this.watermark = w;
    const cfg = this.cfg;
    const lefts: Entry<L>[] | null = this.outerLeft ? [] : null;
    const rights: Entry<R>[] | null = this.outerRight ? [] : null;
    this.left.evict(w, lefts);
    this.right.evict(w, rights);
    if (lefts !== null && lefts.length > 0) {
      lefts.sort(byTimeThenArrival);
      for (const e of lefts) cfg.out(cfg.leftOnly!(e.row), '+I');
    }
    if (rights !== null && rights.length > 0) {
      rights.sort(byTimeThenArrival);
      for (const e of rights) cfg.out(cfg.rightOnly!(e.row), '+I');
    }
  }

  override stateRows(): number {
    return this.left.rows + this.right.rows;
  }

  /**
   * `{wm, seq, left, right}`; each side `[[key, [[time, seq, matched, row], ...]], ...]` with rows
   * as the plain objects they are (plan rows are JSON values; non-finite numbers need the
   * `rt.state` codec, as does `wm`).
   */
  override snapshot(): StateSnapshot {
    return snapshotOf(KIND, VERSION, {
      wm: this.watermark,
      seq: this.seq,
      left: this.left.snapshot(),
      right: this.right.snapshot(),
    });
  }

  override restore(s: StateSnapshot): void {
    const data = expectSnapshot(s, KIND, VERSION, this.id) as {
      wm: number | null;
      seq: number;
      left: Json;
      right: Json;
    };
    this.watermark = data.wm ?? -Infinity;
    this.seq = data.seq;
    this.left.restore(data.left);
    this.right.restore(data.right);
  }
}
