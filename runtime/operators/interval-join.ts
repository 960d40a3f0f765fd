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

class Entry<Row> {
  matched = false;
  constructor(
    readonly row: Row,
    readonly time: number,
    /** Arrival order, for a deterministic emission order of unmatched rows. */
    readonly seq: number,
  ) {}
}

/** One key's rows of one side, sorted by time (ties in arrival order), live from `head` on. */
class Bucket<Row, Key> {
  /** Created with its first row (an array of exactly one: most keys of a wide key space hold one row). */
  items: Entry<Row>[];
  head = 0;
  /** Time of the one timer that is live for this bucket (older heap entries are stale). */
  timerAt = NaN;
  dead = false;
  constructor(
    readonly key: Key,
    first: Entry<Row>,
  ) {
    this.items = [first];
  }
}

/**
 * One side's buffer. A row at `t` expires when `W > t + offset` (inclusive bound) or
 * `W >= t + offset` (exclusive bound): left side `offset = upper`, right side `offset = -lower`.
 */
class Side<Row, Key> {
  readonly buckets = new Map<Key, Bucket<Row, Key>>();
  readonly timers = new TimerHeap<Bucket<Row, Key>>();
  rows = 0;

  constructor(
    private readonly offset: number,
    private readonly inclusive: boolean,
  ) {}

  expired(t: number, w: number): boolean {
    return this.inclusive ? w > t + this.offset : w >= t + this.offset;
  }

  insert(key: Key, e: Entry<Row>): void {
    this.rows++;
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = new Bucket<Row, Key>(key, e);
      this.buckets.set(key, b);
      this.arm(b, e.time);
      return;
    }
    const items = b.items;
    const t = e.time;
    if (items[items.length - 1]!.time <= t) items.push(e);
    else {
      // after every row with time <= t: equal times stay in arrival order
      let lo = b.head;
      let hi = items.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (items[mid]!.time <= t) lo = mid + 1;
        else hi = mid;
      }
      items.splice(lo, 0, e);
    }
    if (t < b.timerAt) this.arm(b, t);
  }

  private arm(b: Bucket<Row, Key>, t: number): void {
    b.timerAt = t;
    this.timers.push(t, b);
  }

  /** Drops every row expired at `w`; unmatched ones go to `unmatched` when given. */
  evict(w: number, unmatched: Entry<Row>[] | null): void {
    const timers = this.timers;
    while (timers.size > 0 && this.expired(timers.peekTime(), w)) {
      const at = timers.peekTime();
      const b = timers.pop();
      if (b.dead || b.timerAt !== at) continue;
      const items = b.items;
      let h = b.head;
      while (h < items.length && this.expired(items[h]!.time, w)) {
        const e = items[h]!;
        if (unmatched !== null && !e.matched) unmatched.push(e);
        h++;
      }
      this.rows -= h - b.head;
      if (h === items.length) {
        b.dead = true;
        this.buckets.delete(b.key);
        continue;
      }
      if (h > 32 && 2 * h > items.length) {
        b.items = items.slice(h);
        h = 0;
      }
      b.head = h;
      this.arm(b, b.items[h]!.time);
    }
  }

  clear(): void {
    this.buckets.clear();
    this.timers.clear();
    this.rows = 0;
  }

  /** `[[key, [[time, seq, matched, row], ...]], ...]`. */
  snapshot(): Json {
    const out: Json[] = [];
    for (const [key, b] of this.buckets) {
      const rows: Json[] = [];
      for (let i = b.head; i < b.items.length; i++) {
        const e = b.items[i]!;
        rows.push([e.time, e.seq, e.matched ? 1 : 0, e.row as Json]);
      }
      out.push([key as Json, rows]);
    }
    return out;
  }

  restore(data: Json): void {
    this.clear();
    for (const [key, rows] of data as readonly (readonly [
      Key,
      readonly (readonly [number, number, number, Json])[],
    ])[]) {
      if (rows.length === 0) continue;
      const entries = rows.map(([time, seq, matched, row]) => {
        const e = new Entry(row as Row, time, seq);
        e.matched = matched === 1;
        return e;
      });
      const b = new Bucket<Row, Key>(key, entries[0]!);
      b.items = entries;
      this.buckets.set(key, b);
      this.rows += b.items.length;
      this.arm(b, b.items[0]!.time);
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
    const b = this.right.buckets.get(key);
    if (b !== undefined) {
      // right times in [t + lower, t + upper]
      const items = b.items;
      const lo = t + cfg.lowerMs;
      const hi = t + cfg.upperMs;
      const hiIncl = cfg.upperInclusive;
      const residual = cfg.residual;
      for (let i = firstAtOrAfter(items, b.head, lo, cfg.lowerInclusive); i < items.length; i++) {
        const e = items[i]!;
        if (hiIncl ? e.time > hi : e.time >= hi) break;
        if (residual !== null && !residual(l, e.row)) continue;
        e.matched = true;
        matched = true;
        cfg.out(cfg.join(l, e.row), '+I');
      }
    }
    if (this.left.expired(t, this.watermark)) {
      if (!matched && this.outerLeft) cfg.out(cfg.leftOnly!(l), '+I');
      return;
    }
    const e = new Entry(l, t, this.seq++);
    e.matched = matched;
    this.left.insert(key, e);
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
    const b = this.left.buckets.get(key);
    if (b !== undefined) {
      // left times in [t - upper, t - lower]
      const items = b.items;
      const lo = t - cfg.upperMs;
      const hi = t - cfg.lowerMs;
      const hiIncl = cfg.lowerInclusive;
      const residual = cfg.residual;
      for (let i = firstAtOrAfter(items, b.head, lo, cfg.upperInclusive); i < items.length; i++) {
        const e = items[i]!;
        if (hiIncl ? e.time > hi : e.time >= hi) break;
        if (residual !== null && !residual(e.row, r)) continue;
        e.matched = true;
        matched = true;
        cfg.out(cfg.join(e.row, r), '+I');
      }
    }
    if (this.right.expired(t, this.watermark)) {
      if (!matched && this.outerRight) cfg.out(cfg.rightOnly!(r), '+I');
      return;
    }
    const e = new Entry(r, t, this.seq++);
    e.matched = matched;
    this.right.insert(key, e);
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

/** Index of the first entry from `from` on whose time is `>= t` (inclusive) or `> t`. */
function firstAtOrAfter<Row>(items: readonly Entry<Row>[], from: number, t: number, inclusive: boolean): number {
  let lo = from;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = items[mid]!.time;
    if (inclusive ? x < t : x <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
