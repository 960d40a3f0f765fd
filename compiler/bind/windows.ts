/**
 * Event-time windows, all spellings: window TVFs (`TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), ...))`),
 * Flink group windows (`GROUP BY TUMBLE(ts, ...)`) and Spark's `window(ts, '10 minutes'[, slide])`
 * / `session_window(ts, gap)`. They all become the same `WindowSpec` (runtime/contract.ts).
 *
 * Window sizes are constant intervals: `INTERVAL '5' MINUTE`, `INTERVAL '10 minutes'`, or a
 * Spark duration string `'10 minutes'`. A hop whose slide equals its size is a tumble.
 */
import type { Expr, Span } from '../../grammar/ast.ts';
import type { Diagnostic } from '../../grammar/diagnostic.ts';
import { error } from '../../grammar/diagnostic.ts';
import type { WindowSpec } from '../../runtime/contract.ts';
import { intervalToMs, parseDuration } from '../check/literals.ts';
import type { RelField } from './rel.ts';
import type { ScopeEntry } from './scope.ts';

/** Names that denote a group window in GROUP BY (upper case). */
export const GROUP_WINDOW_FUNCTIONS: ReadonlySet<string> = new Set([
  'TUMBLE',
  'HOP',
  'SESSION',
  'CUMULATE',
  'WINDOW',
  'SESSION_WINDOW',
]);

/** A constant, positive window interval in ms; reports and returns null otherwise. */
export function intervalArg(e: Expr, diags: Diagnostic[]): number | null {
  let ms: number | null = null;
  if (e.kind === 'IntervalLiteral') {
    const v = intervalToMs(e);
    if ('error' in v) {
      diags.push(error('SQ0204', v.error, e.span));
      return null;
    }
    ms = v.ms;
  } else if (e.kind === 'StringLiteral') {
    ms = parseDuration(e.value);
    if (ms === null) {
      diags.push(
        error(
          'SQ0204',
          `invalid duration '${e.value}'`,
          e.span,
          "help: write e.g. '10 minutes', '30 seconds' or INTERVAL '10' MINUTE",
        ),
      );
      return null;
    }
  } else if (e.kind === 'ErrorExpr') {
    return null;
  } else {
    diags.push(
      error('SQ0305', "window sizes must be constant intervals, e.g. INTERVAL '5' MINUTE or '5 minutes'", e.span),
    );
    return null;
  }
  if (ms <= 0) {
    diags.push(error('SQ0305', `window intervals must be positive, but this is ${ms} ms`, e.span));
    return null;
  }
  return ms;
}

export type WindowFn = 'TUMBLE' | 'HOP' | 'SESSION' | 'CUMULATE';

/**
 * The spec for `fn` with its interval arguments in written order: TUMBLE(size), HOP(slide, size),
 * CUMULATE(step, max), SESSION(gap). Reports bad combinations on `span`.
 */
export function windowSpec(fn: WindowFn, ms: readonly number[], span: Span, diags: Diagnostic[]): WindowSpec | null {
  switch (fn) {
    case 'TUMBLE':
      return { kind: 'tumble', sizeMs: ms[0]! };
    case 'SESSION':
      return { kind: 'session', gapMs: ms[0]! };
    case 'HOP': {
      const [slideMs, sizeMs] = [ms[0]!, ms[1]!];
      if (slideMs > sizeMs) {
        diags.push(
          error(
            'SQ0305',
            `HOP slide (${fmt(slideMs)}) must not be larger than its size (${fmt(sizeMs)})`,
            span,
            'note: HOP takes the slide first, then the size',
          ),
        );
        return null;
      }
      return slideMs === sizeMs ? { kind: 'tumble', sizeMs } : { kind: 'hop', sizeMs, slideMs };
    }
    case 'CUMULATE': {
      const [stepMs, maxMs] = [ms[0]!, ms[1]!];
      if (maxMs % stepMs !== 0) {
        diags.push(
          error('SQ0305', `CUMULATE max size (${fmt(maxMs)}) must be a multiple of its step (${fmt(stepMs)})`, span),
        );
        return null;
      }
      return { kind: 'cumulate', stepMs, maxMs };
    }
  }
}

/** Number of interval arguments per window function. */
export const WINDOW_ARITY: Readonly<Record<WindowFn, number>> = { TUMBLE: 1, HOP: 2, CUMULATE: 2, SESSION: 1 };

export const WINDOW_SIGNATURE: Readonly<Record<WindowFn, string>> = {
  TUMBLE: 'size',
  HOP: 'slide, size',
  CUMULATE: 'step, max size',
  SESSION: 'gap',
};

/**
 * Checks that `field` (seen through scope entry `entry`) is a time attribute (event time, or
 * processing time: a PROCTIME() column); reports SQ0602 with a fix otherwise.
 */
export function checkTimeAttribute(
  field: RelField,
  label: string,
  entry: ScopeEntry | undefined,
  span: Span,
  diags: Diagnostic[],
): boolean {
  // Processing-time windows (a PROCTIME() column) close by the wall clock (docs/language.md).
  if (field.time === 'event' || field.time === 'proc') return true;
  const notes: string[] = [];
  const rowtime = entry?.columns.find((c) => c.field.time === 'event');
  if (rowtime) notes.push(`help: "${entry!.label}" has its event time in "${rowtime.name}"; window on that column`);
  else if (field.type.kind === 'TIMESTAMP' && entry) {
    notes.push(
      `help: declare a watermark on "${entry.label}": WATERMARK FOR ${label} AS ${label} - INTERVAL '5' SECOND`,
    );
  }
  const what = field.type.kind === 'TIMESTAMP' ? 'a TIMESTAMP without a watermark' : `of type ${field.type.kind}`;
  diags.push(error('SQ0602', `column "${label}" is not an event-time attribute: it is ${what}`, span, ...notes));
  return false;
}

/** `300000` → `INTERVAL '5' MINUTE` (the largest unit that divides it). */
export function intervalSql(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'DAY'],
    [3_600_000, 'HOUR'],
    [60_000, 'MINUTE'],
    [1_000, 'SECOND'],
  ];
  for (const [size, unit] of units) if (ms % size === 0) return `INTERVAL '${ms / size}' ${unit}`;
  return `INTERVAL '${ms / 1000}' SECOND`;
}

function fmt(ms: number): string {
  return intervalSql(ms);
}
