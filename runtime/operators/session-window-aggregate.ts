/**
 * SESSION window aggregation (window TVF `SESSION(... PARTITION BY k ...)`, `GROUP BY
 * SESSION(ts, gap), k`, Spark's `session_window`).
 *
 * A row at `t` opens the session `[t, t + gap)`. Sessions of one key whose half-open ranges
 * overlap merge (`Acc.merge`): a row extends a session when it comes strictly less than `gap`
 * after the session's last row (or before its first). A session is final when `W >= end`.
 * The exclusive bound keeps this consistent with windows firing at `W >= end`: a row that is not
 * late (`t >= W`) can never reach a session that has already fired.
 *
 * State: per key, its open sessions sorted by start (non-overlapping), and a min-heap of
 * session ends (one timer per session; a timer whose session moved is re-armed when it pops).
 * - FINAL: each session's result once (`+I`) when final, in (end, start, key) order; then dropped.
 * - CHANGES: at batch end, sessions changed in the batch (`+I` for a session not emitted under
 *   its current bounds, else `+U`); when an emitted session changes bounds or merges away, its
 *   old row is retracted first with `-D` (the upsert key includes the bounds).
 * - COMPLETE: at batch end, every session; sessions are kept.
 */
import type { Accumulator, Json, KeyValue, SessionAggregateConfig, StateSnapshot } from '../types.ts';
import { detachKey } from '../state/keys.ts';
import { expectSnapshot, snapshotOf } from '../state/snapshot.ts';
import { TimerHeap } from '../state/timer-heap.ts';
import { BaseOperator } from './base.ts';
import { STATE_VERSIONS } from '../contract.ts';

const KIND = 'session-window-aggregate';
const VERSION = STATE_VERSIONS[KIND];

class Session<Acc> {
  /** CHANGES: emitted under its current bounds. */
  emitted = false;
  /** CHANGES: in the dirty list of this batch. */
  dirty = false;
  /** Merged into another session or fired (entries in the dirty list are skipped). */
  dead = false;
  constructor(
    public start: number,
    public end: number,
    readonly acc: Acc,
  ) {}
}

function compareKeys(a: KeyValue, b: KeyValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a !== typeof b) return typeof a < typeof b ? -1 : 1;
  return a < b ? -1 : 1;
}

function byEndStartKey(
  a: { key: KeyValue; session: Session<unknown> },
  b: { key: KeyValue; session: Session<unknown> },
): number {
  return a.session.end - b.session.end || a.session.start - b.session.start || compareKeys(a.key, b.key);
}

export class SessionWindowAggregate<
  In,
  Key extends KeyValue,
  Acc extends Accumulator<In>,
  Out,
> extends BaseOperator<In> {
  private readonly sessions = new Map<Key, Session<Acc>[]>();
  private readonly timers = new TimerHeap<Key>();
  private readonly dirty: { key: Key; session: Session<Acc> }[] = [];
  private count = 0;
  private watermark = -Infinity;
  private readonly changes: boolean;

  constructor(private readonly cfg: SessionAggregateConfig<In, Key, Acc, Out>) {
    super(cfg.id);
    if (!(cfg.gapMs > 0)) throw new Error(`SESSION gap must be positive, got ${cfg.gapMs} ms`);
    this.changes = cfg.emit === 'changes';
  }

  push(row: In, _side?: number): void {
    const t = this.cfg.time(row);
    if (t === null) {
      this.nullTimeRowsDropped++;
      return;
    }
    const end = t + this.cfg.gapMs;
    if (end <= this.watermark && this.cfg.emit !== 'complete') {
      this.lateRowsDropped++;
      return;
    }
    let key = this.cfg.key(row);
    let list = this.sessions.get(key);
    if (list === undefined) {
      key = detachKey(key);
      list = [];
      this.sessions.set(key, list);
    }
    // sessions are sorted by start and disjoint: the overlapping ones are contiguous
    let i = 0;
    while (i < list.length && list[i]!.end <= t) i++;
    let j = i;
    while (j < list.length && list[j]!.start < end) j++;
    if (i === j) {
      const s = new Session(t, end, this.cfg.create(key, row));
      s.acc.add(row);
      list.splice(i, 0, s);
      this.count++;
      this.timers.push(end, key);
      this.touch(key, s);
      return;
    }
    const target = list[i]!;
    const newStart = Math.min(target.start, t);
    let newEnd = Math.max(target.end, end);
    for (let k = i + 1; k < j; k++) newEnd = Math.max(newEnd, list[k]!.end);
    if (this.changes && target.emitted && (newStart !== target.start || newEnd !== target.end)) {
      this.retract(key, target);
    }
    for (let k = i + 1; k < j; k++) {
      const other = list[k]!;
      if (this.changes && other.emitted) this.retract(key, other);
      target.acc.merge!(other.acc);
      other.dead = true;
      this.count--;
    }
    if (j - i > 1) list.splice(i + 1, j - i - 1);
    target.start = newStart;
    target.end = newEnd;
    target.acc.add(row);
    this.touch(key, target);
  }

  private retract(key: Key, s: Session<Acc>): void {
    this.cfg.out(this.cfg.result(s.acc, key, s.start, s.end), '-D');
    s.emitted = false;
  }

  private touch(key: Key, s: Session<Acc>): void {
    if (this.changes && !s.dirty) {
      s.dirty = true;
      this.dirty.push({ key, session: s });
    }
  }

  override onWatermark(wm: number): void {
    if (wm <= this.watermark) return;
    this.watermark = wm;
    if (this.cfg.emit === 'complete') return;
    const fired: { key: Key; session: Session<Acc> }[] = [];
    while (this.timers.size > 0 && this.timers.peekTime() <= wm) {
      const key = this.timers.pop();
      const list = this.sessions.get(key);
      if (list === undefined) continue;
      let n = 0;
      while (n < list.length && list[n]!.end <= wm) fired.push({ key, session: list[n++]! });
      this.count -= n;
      if (n === list.length) this.sessions.delete(key);
      else {
        if (n > 0) list.splice(0, n);
        this.timers.push(list[0]!.end, key);
      }
    }
    // Emit in (end, start, key) order: independent of which timers happen to be pending, so a
    // restored operator emits exactly what the original would have.
    if (fired.length > 1) fired.sort(byEndStartKey);
    for (const { key, session: s } of fired) {
      if (!this.changes) this.cfg.out(this.cfg.result(s.acc, key, s.start, s.end), '+I');
      else if (s.dirty) this.emitChange(key, s);
      s.dead = true;
    }
  }

  private emitChange(key: Key, s: Session<Acc>): void {
    this.cfg.out(this.cfg.result(s.acc, key, s.start, s.end), s.emitted ? '+U' : '+I');
    s.emitted = true;
    s.dirty = false;
  }

  /** Processing time: the wall clock closes sessions, at the end of every batch. */
  override nextTimer(): number | null {
    return this.cfg.procTime && this.timers.size > 0 ? this.timers.peekTime() : null;
  }

  override onBatchEnd(): void {
    if (this.cfg.procTime) this.onWatermark((this.cfg.clock ?? Date.now)());
    if (this.changes) {
      for (const { key, session } of this.dirty) if (!session.dead && session.dirty) this.emitChange(key, session);
      this.dirty.length = 0;
    } else if (this.cfg.emit === 'complete') {
      for (const [key, list] of this.sessions) {
        for (const s of list) this.cfg.out(this.cfg.result(s.acc, key, s.start, s.end), '+I');
      }
    }
  }

  override stateRows(): number {
    return this.count;
  }

  /** `{wm, keys: [[key, [[start, end, accState, emitted], ...]], ...]}`, taken between batches. */
  override snapshot(): StateSnapshot {
    const keys: Json[] = [];
    for (const [key, list] of this.sessions) {
      keys.push([key, list.map((s) => [s.start, s.end, s.acc.snapshot(), s.emitted])]);
    }
    return snapshotOf(KIND, VERSION, { wm: Number.isFinite(this.watermark) ? this.watermark : null, keys });
  }

  override restore(s: StateSnapshot): void {
    const data = expectSnapshot(s, KIND, VERSION, this.id) as {
      wm: number | null;
      keys: readonly (readonly [Key, readonly (readonly [number, number, Json, boolean])[]])[];
    };
    this.sessions.clear();
    this.timers.clear();
    this.dirty.length = 0;
    this.count = 0;
    this.watermark = data.wm ?? -Infinity;
    for (const [key, list] of data.keys) {
      const sessions = list.map(([start, end, state, emitted]) => {
        const session = new Session(start, end, this.cfg.restore(key, state));
        session.emitted = emitted;
        return session;
      });
      this.sessions.set(key, sessions);
      this.count += sessions.length;
      for (const session of sessions) this.timers.push(session.end, key);
    }
  }
}
