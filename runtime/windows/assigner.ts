/**
 * The window arithmetic for TUMBLE, HOP and CUMULATE (all aligned to the epoch), in one place:
 *
 * - `windowStart`, `firstHopStart`, `firstCumulateEnd` are the three formulas. Generated code
 *   calls them for its per-row window loops (`rt.windowStart(t, 60_000)`: small, monomorphic,
 *   inlined by V8), and the assigners below are built from them.
 * - `windowAssigner(spec).assign` writes the `[start, end)` pairs of every window containing `ts`
 *   into a caller-owned buffer and returns how many, ascending by end — no allocation per row
 *   (the window operators use it; WindowAggregate calls `windowStart` directly for TUMBLE).
 *
 * Sessions are not assigned (they merge); see operators/session-window-aggregate.ts.
 */
import type { WindowSpec } from '../contract.ts';

export interface WindowAssigner {
  /** Most windows a single timestamp falls into (`buf` must hold 2 × this). */
  readonly maxWindows: number;
  /** Length of the largest window (state retention bound). */
  readonly maxSizeMs: number;
  /** Writes start at `buf[2i]`, end at `buf[2i+1]`; returns the number of windows. */
  assign(ts: number, buf: Float64Array): number;
}

/** `ts mod m` in [0, m), also for negative timestamps (before 1970). */
function mod(ts: number, m: number): number {
  const r = ts % m;
  return r < 0 ? r + m : r;
}

/** The start of the `size`-aligned window holding `ts`: TUMBLE's window, CUMULATE's first start. */
export function windowStart(ts: number, size: number): number {
  return ts - mod(ts, size);
}

/** The earliest start of a HOP window `[s, s + size)` holding `ts` (`s` a multiple of `slide`). */
export function firstHopStart(ts: number, size: number, slide: number): number {
  return windowStart(ts - size, slide) + slide;
}

/** The end of the first CUMULATE window from `start` (step by step) that holds `ts`. */
export function firstCumulateEnd(ts: number, start: number, step: number): number {
  return windowStart(ts - start, step) + step + start;
}

class Tumble implements WindowAssigner {
  readonly maxWindows = 1;
  constructor(readonly maxSizeMs: number) {}
  assign(ts: number, buf: Float64Array): number {
    const start = windowStart(ts, this.maxSizeMs);
    buf[0] = start;
    buf[1] = start + this.maxSizeMs;
    return 1;
  }
}

class Hop implements WindowAssigner {
  readonly maxWindows: number;
  constructor(
    readonly maxSizeMs: number,
    private readonly slide: number,
  ) {
    this.maxWindows = Math.ceil(maxSizeMs / slide);
  }
  assign(ts: number, buf: Float64Array): number {
    let n = 0;
    // with size < slide there are gaps: then no window may hold ts
    for (let s = firstHopStart(ts, this.maxSizeMs, this.slide); s <= ts; s += this.slide) {
      buf[2 * n] = s;
      buf[2 * n + 1] = s + this.maxSizeMs;
      n++;
    }
    return n;
  }
}

class Cumulate implements WindowAssigner {
  readonly maxWindows: number;
  constructor(
    readonly maxSizeMs: number,
    private readonly step: number,
  ) {
    this.maxWindows = Math.ceil(maxSizeMs / step);
  }
  assign(ts: number, buf: Float64Array): number {
    const start = windowStart(ts, this.maxSizeMs);
    const last = start + this.maxSizeMs;
    let end = firstCumulateEnd(ts, start, this.step);
    let n = 0;
    for (; end <= last; end += this.step, n++) {
      buf[2 * n] = start;
      buf[2 * n + 1] = end;
    }
    if (n === 0 || buf[2 * n - 1] !== last) {
      // max not a multiple of step: the window [start, start + max) still exists
      buf[2 * n] = start;
      buf[2 * n + 1] = last;
      n++;
    }
    return n;
  }
}

/** The assigner of a TUMBLE / HOP / CUMULATE window spec. */
export function windowAssigner(spec: Exclude<WindowSpec, { kind: 'session' }>): WindowAssigner {
  switch (spec.kind) {
    case 'tumble':
      if (!(spec.sizeMs > 0)) throw new Error(`TUMBLE size must be positive, got ${spec.sizeMs} ms`);
      return new Tumble(spec.sizeMs);
    case 'hop':
      if (!(spec.sizeMs > 0 && spec.slideMs > 0)) throw new Error(`HOP size and slide must be positive`);
      return new Hop(spec.sizeMs, spec.slideMs);
    case 'cumulate':
      if (!(spec.maxMs > 0 && spec.stepMs > 0)) throw new Error(`CUMULATE step and max size must be positive`);
      return new Cumulate(spec.maxMs, spec.stepMs);
  }
}
