/**
 * The one spelling of durations and windows, used by `sqc explain`, diagnostics, checkpoint
 * messages, generated comments, docs and the `sqc run` status line:
 *
 *   formatDuration(300_000)  → `5 min`        (the largest unit that divides: d, h, min, s, else ms)
 *   formatWindow(tumble)     → `tumble(1 min)`
 *   formatWindow(hop)        → `hop(size 10 min, slide 5 min)`
 *   formatWindow(cumulate)   → `cumulate(step 1 min, max 1 h)`
 *   formatWindow(session)    → `session(gap 30 s)`
 *
 * Pure; imported by the compiler as well (runtime/windows is below the compiler).
 */
import type { WindowSpec } from '../contract.ts';

const UNITS: readonly (readonly [number, string])[] = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'min'],
  [1_000, 's'],
];

/** 300000 → `5 min`, 90000 → `90 s`, 1500 → `1500 ms`, -5000 → `-5 s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  for (const [size, unit] of UNITS) if (ms !== 0 && ms % size === 0) return `${ms / size} ${unit}`;
  return `${ms} ms`;
}

/** A window as `tumble(1 min)`, `hop(size 10 min, slide 5 min)`, `cumulate(step 1 min, max 1 h)`, `session(gap 30 s)`. */
export function formatWindow(w: WindowSpec): string {
  switch (w.kind) {
    case 'tumble':
      return `tumble(${formatDuration(w.sizeMs)})`;
    case 'hop':
      return `hop(size ${formatDuration(w.sizeMs)}, slide ${formatDuration(w.slideMs)})`;
    case 'cumulate':
      return `cumulate(step ${formatDuration(w.stepMs)}, max ${formatDuration(w.maxMs)})`;
    case 'session':
      return `session(gap ${formatDuration(w.gapMs)})`;
    default:
      return JSON.stringify(w);
  }
}
