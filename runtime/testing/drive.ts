/**
 * Drives one operator through scripted micro-batches the way a query does (push rows, then
 * `onWatermark`, `onBatchEnd`; a final batch at +infinity with `onEnd`), recording its output.
 * With `restoreAfter: k` the operator is snapshotted after batch k, the snapshot is sent through
 * the JSON codec, and a fresh operator restored from it runs the rest: the Arroyo-style check
 * that a checkpoint/restore in the middle gives the same output as a straight run.
 */
import type { Emit, Operator, RowKind } from '../types.ts';
import { decodeState, encodeState } from '../state/snapshot.ts';

export interface Step<In> {
  readonly rows: readonly In[];
  /** The watermark after the batch (unchanged when absent). */
  readonly wm?: number;
}

export interface DriveOptions {
  readonly restoreAfter?: number;
  /** Skip the final +infinity batch (to inspect state). */
  readonly noEnd?: boolean;
}

export function drive<In, Out>(
  make: (out: Emit<Out>) => Operator<In>,
  steps: readonly Step<In>[],
  fmt: (row: Out) => string,
  options: DriveOptions = {},
): string[] {
  const lines: string[] = [];
  let batch = 0;
  const out = (row: Out, kind: RowKind): void => {
    lines.push(`${batch}: ${kind} ${fmt(row)}`);
  };
  let op = make(out);
  let wm = -Infinity;
  for (const step of steps) {
    for (const r of step.rows) op.push(r, 0);
    if (step.wm !== undefined && step.wm > wm) {
      wm = step.wm;
      op.onWatermark(wm);
    }
    op.onBatchEnd();
    if (options.restoreAfter === batch) {
      const snap = op.snapshot();
      op = make(out);
      if (snap !== null) op.restore(JSON.parse(JSON.stringify(decodeState(encodeState(snap)))));
    }
    batch++;
  }
  if (!options.noEnd) {
    op.onWatermark(Infinity);
    op.onBatchEnd();
    op.onEnd();
  }
  return lines;
}

/** `drive` straight through, and again restored after every batch; all runs must agree. */
export function driveWithRestores<In, Out>(
  make: (out: Emit<Out>) => Operator<In>,
  steps: readonly Step<In>[],
  fmt: (row: Out) => string,
): string[] {
  const straight = drive(make, steps, fmt);
  for (let k = 0; k < steps.length; k++) {
    const restored = drive(make, steps, fmt, { restoreAfter: k });
    if (restored.join('\n') !== straight.join('\n')) {
      throw new Error(
        `restore after batch ${k} changed the output:\n${restored.join('\n')}\n--- straight:\n${straight.join('\n')}`,
      );
    }
  }
  return straight;
}
