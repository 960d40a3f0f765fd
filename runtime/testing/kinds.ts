/**
 * Updating input under `drive` / `driveWithRestores`: scripted rows carry their change kind,
 * `['-U', row]`, and this adapter forwards each to `push(row, side, kind)` (side 0, or the
 * row's side for two-input operators: `['-D', row, 1]`).
 */
import type { Emit, Operator, RowKind } from '../types.ts';
import { forwarding } from './forwarding.ts';

export type Kinded<In> = readonly [kind: RowKind, row: In, side?: 0 | 1];

/** Wraps an operator factory so that `drive` can push kinded rows into it. */
export function kinded<In, Out>(make: (out: Emit<Out>) => Operator<In>): (out: Emit<Out>) => Operator<Kinded<In>> {
  return forwarding(make, (inner, row: Kinded<In>) => inner.push(row[1], row[2] ?? 0, row[0]));
}
