/**
 * OVER aggregates: `AGG(x) OVER (PARTITION BY k ORDER BY t ROWS|RANGE BETWEEN ... AND CURRENT
 * ROW)`. Every input row is emitted once (`+I`) with the aggregates over its frame.
 * - 'watermark': rows wait per partition until the watermark passes their time (`t < W`: no
 *   row at or before `t` can still arrive), then are processed in time order, ties in arrival
 *   order;
 * - 'proc': rows are processed on arrival (processing time);
 * - 'end': bounded input ordered by any column: every row at end of input, in order.
 * - 'changes': updating input (`-U`/`-D` take rows back), ordered by any column: every row of a
 *   partition is kept, sorted; at the end of a batch each partition that changed is recomputed
 *   from its first changed position, and every output row that changed is retracted (`-U`) and
 *   emitted again (`+U`); a new row is `+I`, a row taken back `-D`. An updating result.
 * Frames: ROWS n keeps the last n rows before the current one; RANGE p the rows whose time is
 * within p before the current row's (its peers, equal times, included: they get one result);
 * UNBOUNDED keeps one running accumulator. A bounded frame is aggregated afresh per row (or per
 * group of peers) from the rows it holds, so every aggregate works without retraction.
 * State per partition: the waiting rows, the frame's rows (or the running accumulator).
 */
import type { Accumulator, Json, KeyValue, OverAggregateConfig, RowKind, StateSnapshot } from '../types.ts';
import { isRetraction, sameRow } from '../state/changelog.ts';
import { detachKey } from '../state/keys.ts';
import { expectSnapshot, snapshotOf } from '../state/snapshot.ts';
import { BaseOperator } from './base.ts';
import { STATE_VERSIONS } from '../contract.ts';

const KIND = 'over-aggregate';
const VERSION = STATE_VERSIONS[KIND];

type Order = number | string | boolean;

interface Partition<Row, Acc> {
  /** Rows waiting for the watermark (or the end of input). */
  pending: Row[];
  /** The rows of the current frame, oldest first (bounded frames). */
  frame: Row[];
  /** The running accumulator (UNBOUNDED frames). */
  acc: Acc | null;
}

/** 'changes': every row of a partition, sorted, with the result last emitted for it. */
interface Sorted<Row, Out> {
  rows: Row[];
  outs: (Out | null)[];
  /** The first position whose frame changed in this batch (Infinity: none). */
  dirty: number;
  /** Results of rows taken back in this batch, to delete. */
  gone: Out[];
}

function compareOrder(a: Order | null, b: Order | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

export class OverAggregate<Row, Key extends KeyValue, Acc extends Accumulator<Row>, Out> extends BaseOperator<Row> {
  private readonly parts = new Map<Key, Partition<Row, Acc>>();
  /** Partitions with waiting rows. */
  private readonly waiting = new Set<Key>();
  private wm = -Infinity;
  private rows = 0;

  constructor(private readonly cfg: OverAggregateConfig<Row, Key, Acc, Out>) {
    super(cfg.id);
  }

  private partition(key: Key): Partition<Row, Acc> {
    let part = this.parts.get(key);
    if (part === undefined) {
      part = { pending: [], frame: [], acc: null };
      this.parts.set(detachKey(key), part);
    }
    return part;
  }

  /** 'changes' mode: the partitions, and those changed in this batch. */
  private readonly all = new Map<Key, Sorted<Row, Out>>();
  private readonly changed = new Set<Key>();

  push(row: Row, _side?: number, kind?: RowKind): void {
    const cfg = this.cfg;
    if (cfg.mode === 'changes') return this.pushChange(row, kind);
    if (cfg.mode === 'watermark' && cfg.order(row) === null) {
      this.nullTimeRowsDropped++;
      return;
    }
    const key = cfg.key(row);
    const part = this.partition(key);
    if (cfg.mode === 'proc') {
      this.process(part, [row]);
      return;
    }
    part.pending.push(row);
    this.rows++;
    this.waiting.add(key);
  }

  override onWatermark(watermark: number): void {
    this.wm = watermark;
    if (this.cfg.mode !== 'watermark' || this.waiting.size === 0) return;
    const order = this.cfg.order;
    for (const key of this.waiting) {
      const part = this.parts.get(key)!;
      const ready: Row[] = [];
      const rest: Row[] = [];
      for (const r of part.pending) ((order(r) as number) < watermark ? ready : rest).push(r);
      if (ready.length === 0) continue;
      part.pending = rest;
      this.rows -= ready.length;
      if (rest.length === 0) this.waiting.delete(key);
      this.process(part, this.sorted(ready));
    }
  }

  /** Where `row` goes among `rows` by its order value: after its peers (arrival order). */
  private upperBound(rows: readonly Row[], row: Row): number {
    const order = this.cfg.order;
    const t = order(row);
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareOrder(t, order(rows[mid]!)) < 0) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private pushChange(row: Row, kind: RowKind | undefined): void {
    const key = this.cfg.key(row);
    let part = this.all.get(key);
    if (part === undefined) {
      part = { rows: [], outs: [], dirty: Infinity, gone: [] };
      this.all.set(detachKey(key), part);
    }
    const rows = part.rows;
    if (isRetraction(kind)) {
      // the row taken back: among its peers (equal order values), the one with its values
      const order = this.cfg.order;
      const t = order(row);
      let i = this.upperBound(rows, row) - 1;
      while (i >= 0 && compareOrder(order(rows[i]!), t) === 0 && !sameRow(rows[i], row)) i--;
      if (i < 0 || compareOrder(order(rows[i]!), t) !== 0) return;
      const out = part.outs[i];
      if (out !== null && out !== undefined) part.gone.push(out);
      rows.splice(i, 1);
      part.outs.splice(i, 1);
      this.rows--;
      part.dirty = Math.min(part.dirty, i);
    } else {
      const i = this.upperBound(rows, row);
      rows.splice(i, 0, row);
      part.outs.splice(i, 0, null);
      this.rows++;
      part.dirty = Math.min(part.dirty, i);
    }
    this.changed.add(key);
  }

  override onBatchEnd(): void {
    if (this.cfg.mode !== 'changes' || this.changed.size === 0) return;
    const { frame, order, create, result, out } = this.cfg;
    const p = frame.preceding;
    for (const key of this.changed) {
      const part = this.all.get(key)!;
      for (const g of part.gone) out(g, '-D');
      part.gone = [];
      const rows = part.rows;
      for (let j = part.dirty; j < rows.length; j++) {
        // the frame of row j: [lo, hi]
        let lo: number;
        let hi = j;
        if (frame.unit === 'rows') lo = p === null ? 0 : Math.max(0, j - p);
        else {
          const t = order(rows[j]!);
          while (hi + 1 < rows.length && compareOrder(order(rows[hi + 1]!), t) === 0) hi++;
          lo = j;
          if (p === null) lo = 0;
          else {
            const from = (t as number) - p;
            while (lo > 0 && (order(rows[lo - 1]!) as number) >= from) lo--;
          }
        }
        const acc = create();
        for (let k = lo; k <= hi; k++) acc.add(rows[k]!);
        const now = result(acc, rows[j]!);
        const before = part.outs[j];
        if (before === null || before === undefined) out(now, '+I');
        else if (!sameRow(before, now)) {
          out(before, '-U');
          out(now, '+U');
        }
        part.outs[j] = now;
      }
      part.dirty = Infinity;
      if (rows.length === 0) this.all.delete(key);
    }
    this.changed.clear();
  }

  override onEnd(): void {
    if (this.cfg.mode !== 'end') return;
    for (const key of this.waiting) {
      const part = this.parts.get(key)!;
      const ready = part.pending;
      part.pending = [];
      this.rows -= ready.length;
      this.process(part, this.sorted(ready));
    }
    this.waiting.clear();
  }

  /** Rows in order (a stable sort: ties stay in arrival order). */
  private sorted(rows: Row[]): Row[] {
    const order = this.cfg.order;
    return rows.length > 1 ? rows.sort((a, b) => compareOrder(order(a), order(b))) : rows;
  }

  /** Processes rows of one partition, in order, after every row before them. */
  private process(part: Partition<Row, Acc>, rows: readonly Row[]): void {
    const { frame, order, create, result, out } = this.cfg;
    const p = frame.preceding;
    if (frame.unit === 'rows') {
      for (const row of rows) {
        if (p === null) {
          part.acc ??= create();
          part.acc.add(row);
          out(result(part.acc, row), '+I');
          continue;
        }
        const f = part.frame;
        f.push(row);
        if (f.length > p + 1) {
          f.shift();
        } else this.rows++;
        const acc = create();
        for (let i = 0; i < f.length; i++) acc.add(f[i]!);
        out(result(acc, row), '+I');
      }
      return;
    }
    // RANGE: peers (equal order values) are one step and share one result
    for (let i = 0; i < rows.length;) {
      const t = order(rows[i]!);
      let j = i + 1;
      while (j < rows.length && compareOrder(order(rows[j]!), t) === 0) j++;
      let acc: Acc;
      if (p === null) {
        acc = part.acc ??= create();
        for (let k = i; k < j; k++) acc.add(rows[k]!);
      } else {
        const f = part.frame;
        for (let k = i; k < j; k++) f.push(rows[k]!);
        this.rows += j - i;
        const from = (t as number) - p;
        let drop = 0;
        while (drop < f.length && (order(f[drop]!) as number) < from) drop++;
        if (drop > 0) {
          f.splice(0, drop);
          this.rows -= drop;
        }
        acc = create();
        for (let k = 0; k < f.length; k++) acc.add(f[k]!);
      }
      for (let k = i; k < j; k++) out(result(acc, rows[k]!), '+I');
      i = j;
    }
  }

  override stateRows(): number {
    return this.rows;
  }

  /** `{ wm, parts: [[key, pending, frame, accState | null], ...] }` (rows as they are: JSON). */
  override snapshot(): StateSnapshot {
    const parts: Json[] = [];
    for (const [key, p] of this.parts)
      parts.push([key, p.pending as unknown as Json, p.frame as unknown as Json, p.acc ? p.acc.snapshot() : null]);
    // 'changes': every row of a partition with the result last emitted for it
    for (const [key, p] of this.all) parts.push([key, p.rows as unknown as Json, p.outs as unknown as Json, null]);
    return snapshotOf(KIND, VERSION, { wm: Number.isFinite(this.wm) ? this.wm : null, parts });
  }

  override restore(s: StateSnapshot): void {
    const data = expectSnapshot(s, KIND, VERSION, this.id) as {
      wm: number | null;
      parts: [Key, Row[], Row[], Json][];
    };
    this.parts.clear();
    this.waiting.clear();
    this.all.clear();
    this.changed.clear();
    this.rows = 0;
    this.wm = data.wm ?? -Infinity;
    for (const [key, pending, frame, acc] of data.parts) {
      if (this.cfg.mode === 'changes') {
        const outs = frame as unknown as Out[];
        this.all.set(key, { rows: pending.slice(), outs: outs.slice(), dirty: Infinity, gone: [] });
        this.rows += pending.length;
        continue;
      }
      this.parts.set(key, {
        pending: pending.slice(),
        frame: frame.slice(),
        acc: acc === null ? null : this.cfg.restore(acc),
      });
      this.rows += pending.length + frame.length;
      if (pending.length > 0) this.waiting.add(key);
    }
  }
}
