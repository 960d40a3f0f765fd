/**
 * TUMBLE / HOP / CUMULATE aggregation (every spelling: window TVF, group-window functions,
 * Spark's `window()`).
 *
 * State: one `Map<Key, Acc>` per window, windows in a `Map` by end time plus the ends in
 * ascending order (the firing order). A row is added to every window that contains it.
 * - FINAL: when the watermark reaches a window's end (`W >= end`), each group's result is
 *   emitted once (`+I`) and the window is dropped.
 * - CHANGES: at batch end, every group that received rows in the batch is emitted (`+I` when
 *   the group is new in this batch, else `+U`; with `updateBefore`, `-U` with the group's
 *   previous result first, and an update that changes nothing is not emitted); a final window
 *   emits its last changes, then is dropped.
 * - COMPLETE: at batch end, every group of every window; windows are kept (Spark's complete
 *   mode cannot drop state).
 */
import type { Accumulator, Json, KeyValue, StateSnapshot, WindowAggregateConfig } from '../types.ts';
import { sameRow } from '../state/changelog.ts';
import { detachKey } from '../state/keys.ts';
import { GroupMap } from '../state/group-map.ts';
import { expectSnapshot, snapshotOf } from '../state/snapshot.ts';
import { windowAssigner, windowStart, type WindowAssigner } from '../windows/assigner.ts';
import { BaseOperator } from './base.ts';
import { STATE_VERSIONS } from '../contract.ts';

const KIND = 'window-aggregate';
const VERSION = STATE_VERSIONS[KIND];
const CREATED: unique symbol = Symbol('created');
const UPDATED: unique symbol = Symbol('updated');

class Window<Key extends KeyValue, Acc> {
  /** The window's groups in the order they were created (the emission order). */
  readonly groups = new GroupMap<Key, Acc>();
  /**
   * CHANGES: groups changed in the current batch → `CREATED` when created in it, else the
   * group's result before the batch (`updateBefore`) or `UPDATED`.
   */
  changed: Map<Key, unknown> | null = null;
  constructor(
    readonly start: number,
    readonly end: number,
  ) {}
}

export class WindowAggregate<In, Key extends KeyValue, Acc extends Accumulator<In>, Out> extends BaseOperator<In> {
  private readonly assigner: WindowAssigner;
  private readonly buf: Float64Array;
  /** > 0 for TUMBLE: the single-window fast path. */
  private readonly tumbleMs: number;
  private readonly windows = new Map<number, Window<Key, Acc>>();
  /** Window ends in ascending order. */
  private ends: number[] = [];
  private readonly dirty: Window<Key, Acc>[] = [];
  private rows = 0;
  private watermark = -Infinity;
  /** The window the previous row went to (rows arrive mostly in time order). */
  private last: Window<Key, Acc> | null = null;
  /**
   * HOP / CUMULATE: the windows the previous row went to (`seen` of them, -1: none), found by
   * their first `[start, end)`: a row in the same windows (most of them, in time order) reuses
   * them without a lookup per window.
   */
  private readonly seen: Window<Key, Acc>[] = [];
  private seenCount = -1;
  private seenStart = 0;
  private seenEnd = 0;
  private readonly changes: boolean;

  constructor(private readonly cfg: WindowAggregateConfig<In, Key, Acc, Out>) {
    super(cfg.id);
    this.assigner = windowAssigner(cfg.window);
    this.buf = new Float64Array(2 * this.assigner.maxWindows + 2);
    this.tumbleMs = cfg.window.kind === 'tumble' ? cfg.window.sizeMs : 0;
    this.changes = cfg.emit === 'changes';
  }

  push(row: In, _side?: number): void {
    const t = this.cfg.time(row);
    if (t === null) {
      this.nullTimeRowsDropped++;
      return;
    }
    const key = this.cfg.key(row);
    if (this.tumbleMs > 0) {
      const start = windowStart(t, this.tumbleMs);
      let w = this.last;
      if (w === null || w.start !== start) {
        const end = start + this.tumbleMs;
        w = this.windows.get(end) ?? this.openWindow(start, end);
        this.last = w;
      }
      this.addTo(w, key, row);
      return;
    }
    const buf = this.buf;
    const n = this.assigner.assign(t, buf);
    const seen = this.seen;
    if (n !== this.seenCount || buf[0] !== this.seenStart || buf[1] !== this.seenEnd) {
      // the windows of the first row of another span of time (ascending by end: one window
      // opened per span in time order)
      for (let i = 0; i < n; i++) {
        const start = buf[2 * i]!;
        const end = buf[2 * i + 1]!;
        seen[i] = this.windows.get(end) ?? this.openWindow(start, end);
      }
      this.seenCount = n;
      this.seenStart = buf[0]!;
      this.seenEnd = buf[1]!;
    }
    for (let i = 0; i < n; i++) this.addTo(seen[i]!, key, row);
  }

  private addTo(w: Window<Key, Acc>, key: Key, row: In): void {
    if (w.end <= this.watermark) {
      this.lateRowsDropped++;
      return;
    }
    let acc = w.groups.get(key);
    let created = false;
    if (acc === undefined) {
      const kept = detachKey(key);
      acc = this.cfg.create(kept, row);
      w.groups.set(kept, acc);
      this.rows++;
      created = true;
    }
    if (this.changes) {
      if (w.changed === null) {
        w.changed = new Map();
        this.dirty.push(w);
      }
      if (created) w.changed.set(key, CREATED);
      else if (!w.changed.has(key))
        w.changed.set(key, this.cfg.updateBefore ? this.cfg.result(acc, key, w.start, w.end) : UPDATED);
    }
    acc.add(row);
  }

  private openWindow(start: number, end: number): Window<Key, Acc> {
    const w = new Window<Key, Acc>(start, end);
    this.windows.set(end, w);
    const ends = this.ends;
    let i = ends.length;
    while (i > 0 && ends[i - 1]! > end) i--;
    ends.splice(i, 0, end);
    return w;
  }

  override onWatermark(wm: number): void {
    if (wm <= this.watermark) return;
    this.watermark = wm;
    if (this.cfg.emit === 'complete') return;
    let fired = 0;
    while (fired < this.ends.length && this.ends[fired]! <= wm) {
      const w = this.windows.get(this.ends[fired]!)!;
      if (this.changes) this.emitChanged(w);
      else this.emitAll(w);
      this.rows -= w.groups.size;
      this.windows.delete(w.end);
      if (this.last === w) this.last = null;
      this.seenCount = -1;
      fired++;
    }
    if (fired > 0) this.ends = this.ends.slice(fired);
  }

  /** Every group's result (`+I`), in creation order. */
  private emitAll(w: Window<Key, Acc>): void {
    const cfg = this.cfg;
    const { start, end } = w;
    w.groups.forEach((acc, key) => cfg.out(cfg.result(acc, key, start, end), '+I'));
  }

  private emitChanged(w: Window<Key, Acc>): void {
    if (w.changed === null) return;
    const out = this.cfg.out;
    for (const [key, before] of w.changed) {
      const after = this.cfg.result(w.groups.get(key)!, key, w.start, w.end);
      if (before === CREATED) {
        out(after, '+I');
        continue;
      }
      if (before !== UPDATED) {
        // the previous result, for a consumer that retracts (a HAVING filter before the sink)
        if (sameRow(before, after)) continue;
        out(before as Out, '-U');
      }
      out(after, '+U');
    }
    w.changed = null;
  }

  /** Processing time: the wall clock closes windows, at the end of every batch. */
  override nextTimer(): number | null {
    return this.cfg.procTime && this.ends.length > 0 ? this.ends[0]! : null;
  }

  override onBatchEnd(): void {
    if (this.cfg.procTime) this.onWatermark((this.cfg.clock ?? Date.now)());
    if (this.changes) {
      if (this.dirty.length > 1) this.dirty.sort((a, b) => a.end - b.end);
      for (const w of this.dirty) this.emitChanged(w);
      this.dirty.length = 0;
    } else if (this.cfg.emit === 'complete') {
      for (const end of this.ends) {
        const w = this.windows.get(end)!;
        this.emitAll(w);
      }
    }
  }

  override stateRows(): number {
    return this.rows;
  }

  /** `{wm, windows: [[start, end, [[key, accState], ...]], ...]}`, taken between batches. */
  override snapshot(): StateSnapshot {
    const windows: Json[] = [];
    for (const end of this.ends) {
      const w = this.windows.get(end)!;
      const groups: Json[] = [];
      w.groups.forEach((acc, key) => groups.push([key, acc.snapshot()]));
      windows.push([w.start, w.end, groups]);
    }
    return snapshotOf(KIND, VERSION, { wm: Number.isFinite(this.watermark) ? this.watermark : null, windows });
  }

  override restore(s: StateSnapshot): void {
    const data = expectSnapshot(s, KIND, VERSION, this.id) as {
      wm: number | null;
      windows: readonly (readonly [number, number, readonly (readonly [Key, Json])[]])[];
    };
    this.windows.clear();
    this.ends = [];
    this.dirty.length = 0;
    this.last = null;
    this.seenCount = -1;
    this.seen.length = 0;
    this.rows = 0;
    this.watermark = data.wm ?? -Infinity;
    for (const [start, end, groups] of data.windows) {
      const w = this.openWindow(start, end);
      for (const [key, state] of groups) w.groups.set(key, this.cfg.restore(key, state));
      this.rows += w.groups.size;
    }
  }
}
