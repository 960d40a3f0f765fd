import { describe, expect, it } from 'vitest';
import type { Emit } from '../index.ts';
import type { JoinKind } from '../contract.ts';
import { decodeState, encodeState } from '../state/snapshot.ts';
import { driveWithRestores, type Step } from '../testing/drive.ts';
import { L, R, sided, type Sided } from '../testing/sides.ts';
import { IntervalJoin } from './interval-join.ts';

/** A row of either side: id, key, event time (ms), value (for residuals). */
interface J {
  id: string;
  k: string | null;
  t: number | null;
  v: number;
}
interface Out {
  l: J | null;
  r: J | null;
}

const j = (id: string, k: string | null, t: number | null, v = 0): J => ({ id, k, t, v });
const fmt = (o: Out) => `${o.l?.id ?? '-'}|${o.r?.id ?? '-'}`;

interface Bounds {
  lo: number;
  loIncl?: boolean;
  hi: number;
  hiIncl?: boolean;
}

/** As generated for `l JOIN r ON l.k = r.k AND r.t BETWEEN l.t + lo AND l.t + hi [AND residual]`. */
function make(joinType: JoinKind, b: Bounds, residual: ((l: J, r: J) => boolean) | null = null) {
  return (out: Emit<Out>) =>
    new IntervalJoin<J, J, string, Out>({
      id: 'ij',
      joinType,
      leftKey: (l) => l.k,
      rightKey: (r) => r.k,
      residual,
      join: (l, r) => ({ l, r }),
      leftOnly: (l) => ({ l, r: null }),
      rightOnly: (r) => ({ l: null, r }),
      out,
      leftTime: (l) => l.t,
      rightTime: (r) => r.t,
      lowerMs: b.lo,
      lowerInclusive: b.loIncl ?? true,
      upperMs: b.hi,
      upperInclusive: b.hiIncl ?? true,
    });
}

const run = (
  joinType: JoinKind,
  b: Bounds,
  steps: Step<Sided<J>>[],
  residual: ((l: J, r: J) => boolean) | null = null,
) => driveWithRestores(sided(make(joinType, b, residual)), steps, fmt);

describe('IntervalJoin', () => {
  it('INNER: equal keys within the bound; several matches per row; duplicates give the cross product', () => {
    const lines = run('inner', { lo: 0, hi: 10 }, [
      { rows: [L(j('a1', 'a', 100)), L(j('a2', 'a', 100)), L(j('b1', 'b', 100))], wm: 95 },
      { rows: [R(j('x1', 'a', 105)), R(j('x2', 'a', 110)), R(j('y1', 'b', 120)), R(j('z1', 'c', 105))], wm: 100 },
      { rows: [L(j('a3', 'a', 104))], wm: 104 },
    ]);
    expect(lines).toEqual([
      '1: +I a1|x1',
      '1: +I a2|x1',
      '1: +I a1|x2',
      '1: +I a2|x2',
      // a3 at 104 matches x1 (105) and x2 (110) still buffered
      '2: +I a3|x1',
      '2: +I a3|x2',
    ]);
  });

  it('the residual filters matches (SQL TRUE only)', () => {
    const lines = run(
      'left',
      { lo: 0, hi: 10 },
      [
        { rows: [L(j('a1', 'a', 100, 1)), L(j('a2', 'a', 100, 2))], wm: 100 },
        { rows: [R(j('x1', 'a', 105, 2))], wm: 200 },
      ],
      (l, r) => l.v === r.v,
    );
    expect(lines).toEqual(['1: +I a2|x1', '1: +I a1|-']);
  });

  it('bound edges: inclusive bounds match at exactly lower and upper', () => {
    const lines = run('inner', { lo: -5, hi: 10 }, [
      { rows: [L(j('l', 'a', 100))] },
      { rows: [R(j('r94', 'a', 94)), R(j('r95', 'a', 95)), R(j('r110', 'a', 110)), R(j('r111', 'a', 111))] },
    ]);
    expect(lines).toEqual(['1: +I l|r95', '1: +I l|r110']);
  });

  it('bound edges: exclusive bounds do not match at exactly lower and upper', () => {
    const lines = run('inner', { lo: -5, loIncl: false, hi: 10, hiIncl: false }, [
      { rows: [L(j('l', 'a', 100))] },
      { rows: [R(j('r95', 'a', 95)), R(j('r96', 'a', 96)), R(j('r109', 'a', 109)), R(j('r110', 'a', 110))] },
      // and the other way round: left rows probing a stored right row
      {
        rows: [
          R(j('s', 'b', 200)),
          L(j('m190', 'b', 190)),
          L(j('m191', 'b', 191)),
          L(j('m204', 'b', 204)),
          L(j('m205', 'b', 205)),
        ],
      },
    ]);
    expect(lines).toEqual(['1: +I l|r96', '1: +I l|r109', '2: +I m191|s', '2: +I m204|s']);
  });

  it('LEFT: an unmatched left row is emitted when W passes t + upper (inclusive upper: W > t + upper)', () => {
    const lines = run('left', { lo: 0, hi: 10 }, [
      { rows: [L(j('l', 'a', 100))], wm: 100 },
      { rows: [], wm: 110 }, // W = t + upper: a right row at 110 could still match
      { rows: [], wm: 111 },
    ]);
    expect(lines).toEqual(['2: +I l|-']);
  });

  it('LEFT with an exclusive upper bound: emitted once W >= t + upper', () => {
    const lines = run('left', { lo: 0, hi: 10, hiIncl: false }, [
      { rows: [L(j('l', 'a', 100))], wm: 100 },
      { rows: [], wm: 109 },
      { rows: [], wm: 110 },
    ]);
    expect(lines).toEqual(['2: +I l|-']);
  });

  it('RIGHT: an unmatched right row is emitted when W passes r - lower (inclusive / exclusive)', () => {
    // r at 100 matches left rows in [r - upper, r - lower] = [90, 105]
    const steps: Step<Sided<J>>[] = [
      { rows: [R(j('r', 'a', 100))], wm: 100 },
      { rows: [], wm: 104 },
      { rows: [], wm: 105 },
      { rows: [], wm: 106 },
    ];
    expect(run('right', { lo: -5, hi: 10 }, steps)).toEqual(['3: +I -|r']);
    expect(run('right', { lo: -5, loIncl: false, hi: 10 }, steps)).toEqual(['2: +I -|r']);
  });

  it('a right row arriving at exactly the last moment still matches, and the left row is not emitted unmatched', () => {
    const lines = run('left', { lo: 0, hi: 10 }, [
      { rows: [L(j('l', 'a', 100))], wm: 110 },
      { rows: [R(j('r', 'a', 110))], wm: 200 },
    ]);
    expect(lines).toEqual(['1: +I l|r']);
  });

  it('FULL: unmatched rows of both sides, left first then right, each in time order, exactly once', () => {
    const lines = run('full', { lo: 0, hi: 10 }, [
      { rows: [L(j('l2', 'a', 102)), L(j('l1', 'b', 101)), R(j('r9', 'z', 109)), R(j('r5', 'y', 105))], wm: 100 },
      { rows: [L(j('l3', 'c', 103)), R(j('m', 'c', 108))], wm: 115 },
      { rows: [], wm: 120 },
    ]);
    expect(lines).toEqual(['1: +I l3|m', '1: +I l1|-', '1: +I l2|-', '1: +I -|r5', '1: +I -|r9']);
  });

  it('NULL keys never match; outer sides emit them at once with NULLs, inner sides drop them', () => {
    const steps: Step<Sided<J>>[] = [
      { rows: [L(j('ln', null, 100)), R(j('rn', null, 100)), L(j('l', 'a', 100)), R(j('r', 'a', 100))] },
    ];
    expect(run('inner', { lo: 0, hi: 10 }, steps)).toEqual(['0: +I l|r']);
    expect(run('left', { lo: 0, hi: 10 }, steps)).toEqual(['0: +I ln|-', '0: +I l|r']);
    expect(run('right', { lo: 0, hi: 10 }, steps)).toEqual(['0: +I -|rn', '0: +I l|r']);
    expect(run('full', { lo: 0, hi: 10 }, steps)).toEqual(['0: +I ln|-', '0: +I -|rn', '0: +I l|r']);
  });

  it('NULL times match nothing: outer sides emit at once, inner sides drop and count', () => {
    expect(run('full', { lo: 0, hi: 10 }, [{ rows: [L(j('l', 'a', null)), R(j('r', 'a', null))] }])).toEqual([
      '0: +I l|-',
      '0: +I -|r',
    ]);
    const op = make('left', { lo: 0, hi: 10 })(() => {});
    op.push(j('r', 'a', null), 1);
    expect([op.nullTimeRowsDropped, op.stateRows()]).toEqual([1, 0]);
  });

  it('rows older than the watermark are dropped and counted, never half-joined', () => {
    const out: string[] = [];
    const op = make('full', { lo: 0, hi: 10 })((o) => out.push(fmt(o)));
    op.push(j('r', 'a', 100), 1);
    op.onWatermark(101); // r is gone (W > r - lower)
    op.push(j('late', 'a', 95), 0); // would match r, which is no longer buffered
    expect(out).toEqual(['-|r']);
    expect([op.lateRowsDropped, op.stateRows()]).toEqual([1, 0]);
  });

  it('a row already past its bound on arrival joins what is buffered and, unmatched, is emitted at once', () => {
    // right rows 5..10 ms BEFORE the left row: a left row at t can only match right rows <= t - 5
    const lines = run('left', { lo: -10, hi: -5 }, [
      { rows: [R(j('r', 'a', 95))], wm: 96 },
      { rows: [L(j('l1', 'a', 100)), L(j('l2', 'b', 100))] },
    ]);
    expect(lines).toEqual(['1: +I l1|r', '1: +I l2|-']);
  });

  it('out-of-order rows keep each key buffer in time order (matches and eviction stay exact)', () => {
    const lines = run('full', { lo: 0, hi: 10 }, [
      { rows: [L(j('l30', 'a', 130)), L(j('l10', 'a', 110)), L(j('l20', 'a', 120)), L(j('l10b', 'a', 110))], wm: 105 },
      { rows: [R(j('r', 'a', 121))], wm: 121 }, // matches l20 only (l30: 121 - 130 < 0)
      { rows: [], wm: 141 }, // l30 lives while W <= 140
    ]);
    expect(lines).toEqual(['1: +I l20|r', '1: +I l10|-', '1: +I l10b|-', '2: +I l30|-']);
  });

  it('state: buffered rows, evicted as the watermark passes; +Infinity flushes everything', () => {
    const out: string[] = [];
    const op = make('left', { lo: -5, hi: 10 })((o) => out.push(fmt(o)));
    op.push(j('l', 'a', 100), 0);
    op.push(j('r', 'a', 100), 1);
    op.push(j('l2', 'b', 100), 0);
    expect(op.stateRows()).toBe(3);
    op.onWatermark(105); // right rows live while W <= r + 5
    expect(op.stateRows()).toBe(3);
    op.onWatermark(106);
    expect(op.stateRows()).toBe(2);
    op.onWatermark(Infinity);
    expect(op.stateRows()).toBe(0);
    expect(out).toEqual(['l|r', 'l2|-']);
    expect(op.outputWatermark(1000)).toBe(990);
  });

  it('snapshot → restore in the middle of every batch sequence gives identical output', () => {
    const steps: Step<Sided<J>>[] = [
      { rows: [L(j('a1', 'a', 100)), R(j('x1', 'a', 95)), L(j('b1', 'b', 101)), R(j('y0', 'b', 80))], wm: 90 },
      { rows: [R(j('x2', 'a', 108)), L(j('a2', 'a', 103)), R(j('z1', null, 100)), L(j('n1', 'n', null))], wm: 100 },
      { rows: [L(j('a3', 'a', 112)), R(j('x3', 'a', 120))], wm: 111 },
      { rows: [R(j('y1', 'b', 111))], wm: 118 },
    ];
    for (const kind of ['inner', 'left', 'right', 'full'] as const) {
      const lines = run(kind, { lo: -5, hi: 10 }, steps);
      expect(lines.length).toBeGreaterThan(0);
    }
    expect(run('full', { lo: -5, hi: 10 }, steps)).toEqual([
      '0: +I a1|x1',
      '0: +I -|y0',
      '1: +I a1|x2',
      '1: +I a2|x2', // not x1: 95 - 103 < -5
      '1: +I -|z1',
      '1: +I n1|-',
      '2: +I a3|x2',
      '2: +I a3|x3',
      '3: +I b1|y1', // 111 - 101 = 10, the inclusive upper edge
    ]);
  });

  it('restore refuses another kind or version; bad bounds and missing builders are config errors', () => {
    const op = make('inner', { lo: 0, hi: 10 })(() => {});
    expect(() => op.restore({ kind: 'window-join', version: 1, data: {} })).toThrow(
      'state of operator "ij" was written by a "window-join" operator, this query has "interval-join" there',
    );
    expect(() => op.restore({ kind: 'interval-join', version: 2, data: {} })).toThrow(
      'has version 2, this runtime reads version 1',
    );
    expect(() => make('inner', { lo: 10, hi: 0 })(() => {})).toThrow('can never hold');
    expect(() => make('inner', { lo: 5, hi: 5, hiIncl: false })(() => {})).toThrow('can never hold');
    expect(
      () =>
        new IntervalJoin<J, J, string, Out>({
          id: 'x',
          joinType: 'left',
          leftKey: (l) => l.k,
          rightKey: (r) => r.k,
          residual: null,
          join: (l, r) => ({ l, r }),
          out: () => {},
          leftTime: (l) => l.t,
          rightTime: (r) => r.t,
          lowerMs: 0,
          lowerInclusive: true,
          upperMs: 1,
          upperInclusive: true,
        }),
    ).toThrow('interval join "x": a LEFT join needs leftOnly');
  });

  it('matches a brute-force oracle on random input (all join types, random bounds, restores)', () => {
    let seed = 7;
    /** mulberry32: an integer in [0, n). */
    const rnd = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
      return ((x ^ (x >>> 14)) >>> 0) % n;
    };
    let pairs = 0;
    let outerRows = 0;
    for (let trial = 0; trial < 200; trial++) {
      const kind = (['inner', 'left', 'right', 'full'] as const)[trial % 4]!;
      const lo = rnd(21) - 10;
      const hi = lo + rnd(15);
      const b: Bounds = { lo, hi, loIncl: lo === hi || rnd(2) === 0, hiIncl: lo === hi || rnd(2) === 0 };
      // batches of random rows around an advancing clock; W = max time seen - 8
      const steps: Step<Sided<J>>[] = [];
      let clock = 100;
      let maxT = -Infinity;
      let n = 0;
      for (let s = 0; s < 8; s++) {
        const rows: Sided<J>[] = [];
        const count = rnd(6);
        for (let i = 0; i < count; i++) {
          const t = rnd(12) === 0 ? null : clock - rnd(12);
          const k = rnd(10) === 0 ? null : 'k' + rnd(3);
          const row = j(`${rnd(2) === 0 ? 'l' : 'r'}${n++}`, k, t, rnd(2));
          rows.push(row.id.startsWith('l') ? L(row) : R(row));
          if (t !== null) maxT = Math.max(maxT, t);
        }
        clock += rnd(8);
        steps.push({ rows, wm: maxT - 8 });
      }
      const residual = (l: J, r: J) => l.v === r.v;
      const got = driveWithRestores(sided(make(kind, b, residual)), steps, fmt);
      expect([...got].sort()).toEqual(oracle(kind, b, steps, residual).sort());
      for (const line of got)
        if (line.includes('-')) outerRows++;
        else pairs++;
      // every row emitted in a batch is at or after the held-back watermark downstream still has
      let before = -Infinity;
      let bad = 0;
      const op = make(
        kind,
        b,
        residual,
      )((o) => {
        const floor = op.outputWatermark(before);
        if ((o.l?.t != null && o.l.t < floor) || (o.r?.t != null && o.r.t < floor)) bad++;
      });
      for (const step of [...steps, { rows: [], wm: Infinity }]) {
        for (const [side, row] of step.rows) op.push(row, side);
        if (step.wm !== undefined && step.wm > before) {
          op.onWatermark(step.wm);
          before = step.wm;
        }
      }
      expect(bad).toBe(0);
    }
    expect([pairs, outerRows]).toEqual([expect.any(Number), expect.any(Number)]);
    expect(Math.min(pairs, outerRows)).toBeGreaterThan(100);
  });

  it('INNER emits in the order of the simple path: per arriving row, its partners in (time, arrival) order', () => {
    // The buffers are per-key linked lists in columns; the simple path keeps every row that was
    // not late and, for each arriving row, scans all earlier rows of the other side.
    let seed = 11;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) | 0;
      return ((seed >>> 8) & 0xffffff) % n;
    };
    let pairs = 0;
    for (let trial = 0; trial < 150; trial++) {
      const lo = rnd(9) - 4;
      const b: Bounds = { lo, hi: lo + rnd(10), loIncl: rnd(2) === 0, hiIncl: rnd(2) === 0 };
      if (b.lo === b.hi) b.loIncl = b.hiIncl = true;
      const got: string[] = [];
      const op = make('inner', b)((o) => got.push(fmt(o)));
      const kept: { side: number; row: J; seq: number }[] = [];
      const want: string[] = [];
      let w = -Infinity;
      let clock = 50;
      for (let i = 0; i < 300; i++) {
        const side = rnd(2);
        const row = j(`${side === 0 ? 'l' : 'r'}${i}`, 'k' + rnd(trial % 3 === 0 ? 40 : 3), clock - rnd(10));
        clock += rnd(3);
        op.push(row, side);
        if (row.t! >= w) {
          const partners = kept
            .filter((e) => e.side !== side && e.row.k === row.k)
            .filter((e) => {
              const d = side === 0 ? e.row.t! - row.t! : row.t! - e.row.t!;
              return (b.loIncl ? d >= b.lo : d > b.lo) && (b.hiIncl ? d <= b.hi : d < b.hi);
            })
            .sort((x, y) => x.row.t! - y.row.t! || x.seq - y.seq);
          for (const e of partners) want.push(side === 0 ? `${row.id}|${e.row.id}` : `${e.row.id}|${row.id}`);
          kept.push({ side, row, seq: i });
        }
        if (rnd(10) === 0) {
          w = Math.max(w, clock - 12);
          op.onWatermark(w);
        }
      }
      expect(got).toEqual(want);
      pairs += got.length;
    }
    expect(pairs).toBeGreaterThan(5000);
  });

  it('long run: over 2M rows with a 5-minute bound, buffered rows never exceed rate × (bound + delay + batch span)', () => {
    const TICK = 100; // one row per side per 100 ms of event time
    const KEYS = 1000;
    const DELAY = 5_000; // watermark delay; rows arrive up to DELAY out of order
    const BATCH = 1000; // rows per micro-batch (both sides)
    const BOUND = 300_000;
    const ROWS = 2_000_000;
    let matches = 0;
    const op = new IntervalJoin<J, J, number, number>({
      id: 'long',
      joinType: 'full',
      leftKey: (l) => l.v,
      rightKey: (r) => r.v,
      residual: null,
      join: () => ++matches,
      leftOnly: () => 0,
      rightOnly: () => 0,
      out: () => {},
      leftTime: (l) => l.t,
      rightTime: (r) => r.t,
      lowerMs: -BOUND,
      lowerInclusive: true,
      upperMs: BOUND,
      upperInclusive: true,
    });
    let maxState = 0;
    let maxT = -Infinity;
    let wm = -Infinity;
    let lcg = 1;
    for (let i = 0; i < ROWS / 2; i++) {
      lcg = (lcg * 1103515245 + 12345) & 0x7fffffff;
      const tl = i * TICK - (lcg % DELAY);
      const tr = i * TICK - ((lcg >> 8) % DELAY);
      op.push({ id: '', k: null, t: tl, v: i % KEYS }, 0);
      op.push({ id: '', k: null, t: tr, v: (i * 7) % KEYS }, 1);
      maxT = Math.max(maxT, tl, tr);
      if ((2 * (i + 1)) % BATCH === 0) {
        maxState = Math.max(maxState, op.stateRows());
        wm = maxT - DELAY;
        op.onWatermark(wm);
        op.onBatchEnd();
      }
    }
    op.onWatermark(Infinity);
    expect(op.stateRows()).toBe(0);
    expect(op.lateRowsDropped).toBe(0);
    const ratePerSide = 1000 / TICK; // rows per second
    const batchSpanS = BATCH / 2 / ratePerSide; // event time covered by one batch: 50 s
    // per side: every row within bound + delay + batch span of the newest, +1 for the inclusive edge
    const limit = 2 * (ratePerSide * (BOUND / 1000 + DELAY / 1000 + batchSpanS) + 1); // 7,102 rows
    expect(maxState).toBeLessThanOrEqual(limit); // measured: 7,089
    // and the bound is tight: both sides hold at least the 5 minutes the bound needs
    expect(maxState).toBeGreaterThan(2 * ratePerSide * (BOUND / 1000));
    // each key gets a row per side every 100 s: about 6 partners within ±5 min
    expect(matches).toBeGreaterThan(5 * (ROWS / 2));
  });
});

/**
 * The expected output of an interval join, from its definition: every accepted pair (emitted in
 * the batch where its second row arrives) and every accepted row without a partner on an outer
 * side (emitted in the first batch whose watermark passes its bound; at once for a NULL key/time).
 * A row is accepted unless its time is below the watermark in force when it arrives.
 */
function oracle(
  kind: JoinKind,
  b: Bounds,
  steps: readonly Step<Sided<J>>[],
  residual: (l: J, r: J) => boolean,
): string[] {
  const lo = b.lo;
  const hi = b.hi;
  const inBound = (d: number) => (b.loIncl !== false ? d >= lo : d > lo) && (b.hiIncl !== false ? d <= hi : d < hi);
  const wms: number[] = [];
  let w = -Infinity;
  for (const s of steps) {
    if (s.wm !== undefined && s.wm > w) w = s.wm;
    wms.push(w);
  }
  wms.push(Infinity);
  const rows: { side: 0 | 1; row: J; batch: number }[] = [];
  steps.forEach((s, i) => {
    const before = i === 0 ? -Infinity : wms[i - 1]!;
    for (const [side, row] of s.rows) if (row.t === null || row.t >= before) rows.push({ side, row, batch: i });
  });
  const out: string[] = [];
  const matched = new Set<J>();
  for (const a of rows) {
    if (a.side !== 0) continue;
    for (const c of rows) {
      if (c.side !== 1) continue;
      const l = a.row;
      const r = c.row;
      if (l.k === null || l.k !== r.k || l.t === null || r.t === null || !inBound(r.t - l.t) || !residual(l, r))
        continue;
      matched.add(l).add(r);
      out.push(`${Math.max(a.batch, c.batch)}: +I ${l.id}|${r.id}`);
    }
  }
  const expiry = (side: 0 | 1, t: number, from: number) => {
    for (let i = from; i < wms.length; i++) {
      const wm = wms[i]!;
      const gone =
        side === 0
          ? b.hiIncl !== false
            ? wm > t + hi
            : wm >= t + hi
          : b.loIncl !== false
            ? wm > t - lo
            : wm >= t - lo;
      if (gone) return i;
    }
    return wms.length - 1;
  };
  for (const a of rows) {
    const outer = a.side === 0 ? kind === 'left' || kind === 'full' : kind === 'right' || kind === 'full';
    if (!outer || matched.has(a.row)) continue;
    const when = a.row.k === null || a.row.t === null ? a.batch : expiry(a.side, a.row.t, a.batch);
    out.push(`${when}: +I ${a.side === 0 ? `${a.row.id}|-` : `-|${a.row.id}`}`);
  }
  return out;
}

describe('IntervalJoin snapshots', () => {
  it('are JSON through the state codec, matched flags included', () => {
    const op = make('left', { lo: 0, hi: 10 })(() => {});
    op.push(j('l', 'a', 100), 0);
    op.push(j('r', 'a', 105), 1);
    op.push(j('l2', 'a', 100), 0);
    op.onWatermark(100);
    const text = encodeState(op.snapshot());
    expect(decodeState(text)).toEqual({
      kind: 'interval-join',
      version: 1,
      data: {
        wm: 100,
        seq: 3,
        left: [
          [
            'a',
            [
              [100, 0, 1, j('l', 'a', 100)],
              [100, 2, 1, j('l2', 'a', 100)],
            ],
          ],
        ],
        right: [['a', [[105, 1, 1, j('r', 'a', 105)]]]],
      },
    });
  });
});
