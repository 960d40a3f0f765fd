/**
 * Two-input operators (joins) under `drive` / `driveWithRestores`: scripted rows carry their
 * side, `[0, leftRow]` or `[1, rightRow]`, and this adapter forwards each to `push(row, side)`.
 */
import type { Emit, Operator } from '../types.ts';
import { forwarding } from './forwarding.ts';

export type Sided<In> = readonly [side: 0 | 1, row: In];

export const L = <T>(row: T): Sided<T> => [0, row];
export const R = <T>(row: T): Sided<T> => [1, row];

/** Adapts a join factory for `drive`. */
export function sided<In, Out>(make: (out: Emit<Out>) => Operator<In>): (out: Emit<Out>) => Operator<Sided<In>> {
  return forwarding(make, (inner, row: Sided<In>) => inner.push(row[1], row[0]));
}
