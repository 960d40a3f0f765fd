/**
 * Window join (INNER, LEFT, RIGHT, FULL OUTER): two windowed relations — window TVF outputs or
 * windowed aggregate results — joined on equal `window_start` and `window_end` plus equi keys,
 * with Flink's semantics: nothing is emitted before the window is final.
 *
 * State: per window `[start, end)` (windows by end, then start), per key, the rows of both sides
 * in arrival order. When the watermark reaches the window's end (`W >= end`) the window is
 * joined and dropped: per key in first-arrival order, each left row with every right row for
 * which the residual is TRUE (left row order, then right row order); an unmatched left row
 * (LEFT/FULL) right after its would-be matches, padded with NULLs; then the key's unmatched right
 * rows (RIGHT/FULL). Rows with a NULL key never match: an outer side emits them with NULLs when
 * the window fires, an inner side drops them on arrival (they need no state). Rows with NULL
 * window bounds match nothing: an outer side emits them at once, an inner side drops and counts
 * them. Rows for a window already fired (only when lateness was not checked upstream) are
 * dropped and counted. Output is append-only (`+I`).
 *
 * Upstream windowed aggregates emit a window's rows from their own `onWatermark(W)`, before this
 * operator sees `W`, so they arrive while the window is still open and fire in the same batch.
 * Output event time is `window_time = end - 1 >= ` the previous watermark, so downstream
 * operators need no watermark hold.
 */
import type { Json, KeyValue, StateSnapshot } from '../types.ts';
import { expectSnapshot, snapshotOf } from '../state/snapshot.ts';
import { BaseOperator } from './base.ts';
import { outerSides, type JoinFns } from './join-fns.ts';
import { STATE_VERSIONS } from '../contract.ts';

const KIND = 'window-join';
const VERSION = STATE_VERSIONS[KIND];

/** Config of `WindowJoin` (plan node `WindowJoin`). */
export interface WindowJoinConfig<L, R, Key extends KeyValue, Out> extends JoinFns<L, R, Key, Out> {
  /** window_start / window_end of a left row (the plan's `leftStart`, `leftEnd`). */
  readonly leftStart: (row: L) => number | null;
  readonly leftEnd: (row: L) => number | null;
  /** window_start / window_end of a right row (`rightStart`, `rightEnd`). */
  readonly rightStart: (row: R) => number | null;
  readonly rightEnd: (row: R) => number | null;
}

class Group<L, R> {
  readonly left: L[] = [];
  readonly right: R[] = [];
}

class Win<L, R, Key> {
  readonly groups = new Map<Key | null, Group<L, R>>();
  rows = 0;
  constructor(
    readonly start: number,
    readonly end: number,
  ) {}
}

export class WindowJoin<L, R, Key extends KeyValue, Out> extends BaseOperator<L | R> {
  /** Windows by end; several per end only when the two sides' windows differ (sorted by start). */
  private readonly windows = new Map<number, Win<L, R, Key>[]>();
  /** Window ends in ascending order (the firing order). */
  private ends: number[] = [];
  private last: Win<L, R, Key> | null = null;
  private rows = 0;
  private watermark = -Infinity;
  private readonly outerLeft: boolean;
  private readonly outerRight: boolean;

  constructor(private readonly cfg: WindowJoinConfig<L, R, Key, Out>) {
    super(cfg.id);
    const outer = outerSides(cfg, 'window join');
    this.outerLeft = outer.left;
    this.outerRight = outer.right;
  }

  /** Downstream operators may use the input watermark unchanged (see the file comment). */
  outputWatermark(w: number): number {
    return w;
  }

  push(row: L | R, side: number): void {
    const cfg = this.cfg;
    const left = side === 0;
    const start = left ? cfg.leftStart(row as L) : cfg.rightStart(row as R);
    const end = left ? cfg.leftEnd(row as L) : cfg.rightEnd(row as R);
    const outer = left ? this.outerLeft : this.outerRight;
    if (start === null || end === null) {
      if (!outer) this.nullTimeRowsDropped++;
      else if (left) cfg.out(cfg.leftOnly!(row as L), '+I');
      else cfg.out(cfg.rightOnly!(row as R), '+I');
      return;
    }
    if (end <= this.watermark) {
      this.lateRowsDropped++;
      return;
    }
    const key = left ? cfg.leftKey(row as L) : cfg.rightKey(row as R);
    if (key === null && !outer) return;
    let w = this.last;
    if (w === null || w.end !== end || w.start !== start) {
      w = this.window(start, end);
      this.last = w;
    }
    let g = w.groups.get(key);
    if (g === undefined) {
      g = new Group<L, R>();
      w.groups.set(key, g);
    }
    if (left) g.left.push(row as L);
    else g.right.push(row as R);
    w.rows++;
    this.rows++;
  }

  private window(start: number, end: number): Win<L, R, Key> {
    let list = this.windows.get(end);
    if (list === undefined) {
      list = [];
      this.windows.set(end, list);
      const ends = this.ends;
      let i = ends.length;
      while (i > 0 && ends[i - 1]! > end) i--;
      ends.splice(i, 0, end);
    }
    let i = 0;
    while (i < list.length && list[i]!.start < start) i++;
    if (i < list.length && list[i]!.start === start) return list[i]!;
    const w = new Win<L, R, Key>(start, end);
    list.splice(i, 0, w);
    return w;
  }

  override onWatermark(wm: number): void {
    if (wm <= this.watermark) return;
    this.watermark = wm;
    let fired = 0;
    while (fired < this.ends.length && this.ends[fired]! <= wm) {
      const end = this.ends[fired]!;
      for (const w of this.windows.get(end)!) {
        this.fire(w);
        this.rows -= w.rows;
        if (this.last === w) this.last = null;
      }
      this.windows.delete(end);
      fired++;
    }
    if (fired > 0) this.ends = this.ends.slice(fired);
  }

  private fire(w: Win<L, R, Key>): void {
    const cfg = this.cfg;
    const out = cfg.out;
    const residual = cfg.residual;
    for (const [key, g] of w.groups) {
      if (key === null) {
        if (this.outerLeft) for (const l of g.left) out(cfg.leftOnly!(l), '+I');
        if (this.outerRight) for (const r of g.right) out(cfg.rightOnly!(r), '+I');
        continue;
      }
      const rights = g.right;
      const rightMatched = this.outerRight ? new Uint8Array(rights.length) : null;
      for (const l of g.left) {
        let matched = false;
        for (let j = 0; j < rights.length; j++) {
          const r = rights[j]!;
          if (residual !== null && !residual(l, r)) continue;
          matched = true;
          if (rightMatched !== null) rightMatched[j] = 1;
          out(cfg.join(l, r), '+I');
        }
        if (!matched && this.outerLeft) out(cfg.leftOnly!(l), '+I');
      }
      if (rightMatched !== null) {
        for (let j = 0; j < rights.length; j++) if (rightMatched[j] === 0) out(cfg.rightOnly!(rights[j]!), '+I');
      }
    }
  }

  override stateRows(): number {
    return this.rows;
  }

  /** `{wm, windows: [[start, end, [[key, [leftRow...], [rightRow...]], ...]], ...]}` in firing order. */
  override snapshot(): StateSnapshot {
    const windows: Json[] = [];
    for (const end of this.ends) {
      for (const w of this.windows.get(end)!) {
        const groups: Json[] = [];
        for (const [key, g] of w.groups) groups.push([key as Json, g.left as Json[], g.right as Json[]]);
        windows.push([w.start, w.end, groups]);
      }
    }
    return snapshotOf(KIND, VERSION, { wm: this.watermark, windows });
  }

  override restore(s: StateSnapshot): void {
    const data = expectSnapshot(s, KIND, VERSION, this.id) as {
      wm: number | null;
      windows: readonly (readonly [
        number,
        number,
        readonly (readonly [Key | null, readonly Json[], readonly Json[]])[],
      ])[];
    };
    this.windows.clear();
    this.ends = [];
    this.last = null;
    this.rows = 0;
    this.watermark = data.wm ?? -Infinity;
    for (const [start, end, groups] of data.windows) {
      const w = this.window(start, end);
      for (const [key, left, right] of groups) {
        const g = new Group<L, R>();
        for (const l of left) g.left.push(l as L);
        for (const r of right) g.right.push(r as R);
        w.groups.set(key, g);
        w.rows += left.length + right.length;
      }
      this.rows += w.rows;
    }
  }
}
