/**
 * OVER aggregates: `AGG(x) OVER (PARTITION BY k ORDER BY t ROWS|RANGE BETWEEN ... AND CURRENT
 * ROW)`. Every input row is emitted once (`+I`) with the aggregates over its frame.
 * - 'watermark': rows wait per partition until the watermark passes their time (`t < W`: no
 *   row at or before `t` can still arrive), then are processed in time order, ties in arrival
 *   order;
 * - 'proc': rows are processed on arrival (processing time);
 * - 'end': bounded input ordered by any column: every row at end of input, in order.
 * Frames: ROWS n keeps the last n rows before the current one; RANGE p the rows whose time is
 * within p before the current row's (its peers, equal times, included: they get one result);
 * UNBOUNDED keeps one running accumulator. A bounded frame is aggregated afresh per row (or per
 * group of peers) from the rows it holds, so every aggregate works without retraction.
 * State per partition: the waiting rows, the frame's rows (or the running accumulator).
 */
import type { Accumulator, Json, KeyValue, OverAggregateConfig, StateSnapshot } from '../types.ts';
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

  push(row: Row, _side?: number): void {
    const cfg = this.cfg;
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
    return snapshotOf(KIND, VERSION, { wm: Number.isFinite(this.wm) ? this.wm : null, parts });
  }

  override restore(s: StateSnapshot): void {
    const data = expectSnapshot(s, KIND, VERSION, this.id) as {
      wm: number | null;
      parts: [Key, Row[], Row[], Json][];
    };
    this.parts.clear();
    this.waiting.clear();
    this.rows = 0;
    this.wm = data.wm ?? -Infinity;
    for (const [key, pending, frame, acc] of data.parts) {
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
