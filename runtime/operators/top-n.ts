/**
 * Top-N and deduplication: `ROW_NUMBER() | RANK() | DENSE_RANK() OVER (PARTITION BY ... ORDER BY
 * ...)` kept where the rank is at most N. State: per partition its rows ranked 1..N (ties of the
 * last rank too for RANK/DENSE_RANK), sorted; rows that fall out are forgotten.
 * - 'changes': after each batch, each partition that changed is compared with itself before the
 *   batch; by `output`: 'position' (partition + rank) upserts each changed rank (`+I` new rank,
 *   `+U` other row) and deletes ranks that emptied; 'partition' upserts the top row; 'row'
 *   deletes the rows (with their rank, when the rank is output) that left and inserts those that
 *   entered.
 * - 'window': a partition is a window (its end in the key); when the watermark passes the end,
 *   its rows are emitted (`+I`, ranked) and dropped.
 * - 'first': a key's best row (its first by time) is emitted once (`+I`) when the watermark
 *   passes its time (on arrival without a time function), then only the key is remembered.
 * - 'final': every partition's rows once at end of input.
 */
import type { Json, KeyValue, StateSnapshot, TopNConfig } from '../types.ts';
import { detachKey } from '../state/keys.ts';
import { expectSnapshot, snapshotOf } from '../state/snapshot.ts';
import { BaseOperator } from './base.ts';
import { STATE_VERSIONS } from '../contract.ts';

const KIND = 'top-n';
const VERSION = STATE_VERSIONS[KIND];

interface Partition<Row> {
  /** Ranked rows, best first. */
  rows: Row[];
  /** 'window': the window end; 'first': 1 once the key's row was emitted. */
  mark: number;
}

export class TopN<Row, Key extends KeyValue> extends BaseOperator<Row> {
  private readonly parts = new Map<Key, Partition<Row>>();
  /** 'changes': partitions changed in this batch → their rows before it. */
  private readonly before = new Map<Key, Row[]>();
  /** 'first' with event time: keys whose row waits for the watermark. */
  private readonly pending = new Set<Key>();
  private wm = -Infinity;
  private rowCount = 0;

  constructor(private readonly cfg: TopNConfig<Row, Key>) {
    super(cfg.id);
  }

  push(row: Row, _side?: number): void {
    const cfg = this.cfg;
    let mark = 0;
    if (cfg.time !== null) {
      const t = cfg.time(row);
      if (t === null) {
        this.nullTimeRowsDropped++;
        return;
      }
      if (cfg.mode === 'window') {
        if (t <= this.wm) {
          this.lateRowsDropped++;
          return;
        }
        mark = t;
      }
    }
    const key = cfg.key(row);
    let part = this.parts.get(key);
    if (part === undefined) {
      part = { rows: [], mark };
      this.parts.set(detachKey(key), part);
    }
    if (cfg.mode === 'first') {
      if (part.mark === 1) return;
      if (cfg.time === null) {
        // processing time: the first arrival is the first row
        part.mark = 1;
        cfg.out(row, 1, '+I');
        return;
      }
    }
    const rows = part.rows;
    const pos = this.position(rows, row);
    if (cfg.fn === 'ROW_NUMBER' && pos >= cfg.limit) return;
    if (cfg.mode === 'changes' && !this.before.has(key)) this.before.set(key, rows.slice());
    rows.splice(pos, 0, row);
    this.rowCount++;
    this.trim(rows);
    if (cfg.mode === 'first') this.pending.add(key);
  }

  /** Where `row` goes among `rows`: after its ties (arrival order), or before them (newest first). */
  private position(rows: readonly Row[], row: Row): number {
    const compare = this.cfg.compare;
    const newestFirst = this.cfg.newestFirst;
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compare(row, rows[mid]!);
      if (c < 0 || (c === 0 && newestFirst)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Drops the rows ranked beyond the limit. */
  private trim(rows: Row[]): void {
    const { fn, limit, compare } = this.cfg;
    if (rows.length <= limit) return;
    let keep = limit;
    if (fn === 'RANK') {
      // rows tied with the last kept one share its rank
      while (keep < rows.length && compare(rows[keep]!, rows[limit - 1]!) === 0) keep++;
    } else if (fn === 'DENSE_RANK') {
      let rank = 1;
      keep = 1;
      while (keep < rows.length) {
        if (compare(rows[keep]!, rows[keep - 1]!) !== 0) rank++;
        if (rank > limit) break;
        keep++;
      }
    }
    if (keep < rows.length) {
      this.rowCount -= rows.length - keep;
      rows.length = keep;
    }
  }

  /** The rank of each row of a sorted partition. */
  private ranks(rows: readonly Row[]): number[] {
    const { fn, compare } = this.cfg;
    const out = new Array<number>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      if (fn === 'ROW_NUMBER' || i === 0 || compare(rows[i]!, rows[i - 1]!) !== 0)
        out[i] = fn === 'DENSE_RANK' ? (i === 0 ? 1 : out[i - 1]! + 1) : i + 1;
      else out[i] = out[i - 1]!;
    }
    return out;
  }

  private emitAll(rows: readonly Row[]): void {
    const ranks = this.ranks(rows);
    for (let i = 0; i < rows.length; i++) this.cfg.out(rows[i]!, ranks[i]!, '+I');
  }

  override onWatermark(watermark: number): void {
    this.wm = watermark;
    const cfg = this.cfg;
    if (cfg.mode === 'window') {
      const closed: [Key, Partition<Row>][] = [];
      for (const entry of this.parts) if (entry[1].mark <= watermark) closed.push(entry);
      if (closed.length === 0) return;
      // windows in end order, partitions of one window in arrival order (stable sort)
      closed.sort((a, b) => a[1].mark - b[1].mark);
      for (const [key, part] of closed) {
        this.emitAll(part.rows);
        this.rowCount -= part.rows.length;
        this.parts.delete(key);
      }
    } else if (cfg.mode === 'first' && cfg.time !== null && this.pending.size > 0) {
      const time = cfg.time;
      for (const key of this.pending) {
        const part = this.parts.get(key)!;
        const row = part.rows[0]!;
        if (time(row)! > watermark) continue;
        cfg.out(row, 1, '+I');
        part.rows = [];
        part.mark = 1;
        this.rowCount--;
        this.pending.delete(key);
      }
    }
  }

  override onBatchEnd(): void {
    if (this.cfg.mode !== 'changes' || this.before.size === 0) return;
    for (const [key, old] of this.before) this.diff(old, this.parts.get(key)!.rows);
    this.before.clear();
  }

  private diff(old: readonly Row[], now: readonly Row[]): void {
    const { out, output, rankOutput } = this.cfg;
    if (output === 'partition') {
      if (now[0] !== old[0]) out(now[0]!, 1, old.length ? '+U' : '+I');
      return;
    }
    const oldRanks = this.ranks(old);
    const nowRanks = this.ranks(now);
    if (output === 'position') {
      const n = Math.max(old.length, now.length);
      for (let i = 0; i < n; i++) {
        if (i >= now.length) out(old[i]!, oldRanks[i]!, '-D');
        else if (i >= old.length) out(now[i]!, nowRanks[i]!, '+I');
        else if (old[i] !== now[i]) out(now[i]!, nowRanks[i]!, '+U');
      }
      return;
    }
    // 'row': a row is the same output while it stays (with its rank, when the rank is output)
    const was = new Map<Row, number>();
    old.forEach((r, i) => was.set(r, oldRanks[i]!));
    const is = new Map<Row, number>();
    now.forEach((r, i) => is.set(r, nowRanks[i]!));
    const same = (a: number | undefined, b: number) => a !== undefined && (!rankOutput || a === b);
    old.forEach((r, i) => {
      if (!same(is.get(r), oldRanks[i]!)) out(r, oldRanks[i]!, '-D');
    });
    now.forEach((r, i) => {
      if (!same(was.get(r), nowRanks[i]!)) out(r, nowRanks[i]!, '+I');
    });
  }

  override onEnd(): void {
    if (this.cfg.mode !== 'final') return;
    for (const part of this.parts.values()) this.emitAll(part.rows);
    this.parts.clear();
    this.rowCount = 0;
  }

  override stateRows(): number {
    return this.cfg.mode === 'first' ? this.parts.size : this.rowCount;
  }

  /** `{ wm, parts: [[key, rows, mark], ...] }` in first-seen order (rows as they are: JSON). */
  override snapshot(): StateSnapshot {
    const parts: Json[] = [];
    for (const [key, p] of this.parts) parts.push([key, p.rows as unknown as Json, p.mark]);
    return snapshotOf(KIND, VERSION, { wm: Number.isFinite(this.wm) ? this.wm : null, parts });
  }

  override restore(s: StateSnapshot): void {
    const data = expectSnapshot(s, KIND, VERSION, this.id) as { wm: number | null; parts: [Key, Row[], number][] };
    this.parts.clear();
    this.before.clear();
    this.pending.clear();
    this.rowCount = 0;
    this.wm = data.wm ?? -Infinity;
    for (const [key, rows, mark] of data.parts) {
      this.parts.set(key, { rows: rows.slice(), mark });
      this.rowCount += rows.length;
      if (this.cfg.mode === 'first' && mark !== 1 && rows.length > 0) this.pending.add(key);
    }
  }
}
