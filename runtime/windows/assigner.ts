/**
 * Window assigners for TUMBLE, HOP and CUMULATE (all aligned to the epoch). `assign` writes the
 * `[start, end)` pairs of every window containing `ts` into a caller-owned buffer and returns
 * how many, ascending by end — no allocation per row. Sessions are not assigned (they merge);
 * see operators/session-window-aggregate.ts.
 */
import type { WindowSpec } from '../index.ts';

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

class Tumble implements WindowAssigner {
  readonly maxWindows = 1;
  constructor(readonly maxSizeMs: number) {}
  assign(ts: number, buf: Float64Array): number {
    const start = ts - mod(ts, this.maxSizeMs);
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
    const last = ts - mod(ts, this.slide);
    let s = last;
    // the earliest start s with s + size > ts
    while (s - this.slide + this.maxSizeMs > ts) s -= this.slide;
    let n = 0;
    for (; s <= last; s += this.slide) {
      // with size < slide there are gaps: the window at `last` may end before ts
      if (s + this.maxSizeMs <= ts) continue;
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
    const start = ts - mod(ts, this.maxSizeMs);
    const last = start + this.maxSizeMs;
    let end = ts - mod(ts, this.step) + this.step;
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
