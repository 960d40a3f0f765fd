/**
 * Helpers for operators over updating input (changelog 'retract', see compiler/plan/plan.ts).
 */
import type { RowKind } from '../types.ts';

/** `-U` or `-D`: the row takes back a row emitted before (an operator retracts it from its state). */
export function isRetraction(kind: RowKind | undefined): boolean {
  return kind === '-U' || kind === '-D';
}

/**
 * Row equality for retractions: a `-U`/`-D` row carries the values of the row it takes back, so
 * an operator that stores rows (a regular join) finds the stored row by its values. Rows are
 * the flat objects generated code builds: fields compare with `===`, except ARRAY/MAP/ROW
 * values and BYTES, which compare by their JSON text.
 */
export function sameRow(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const k in x) {
    const u = x[k];
    const v = y[k];
    if (u === v) continue;
    if (typeof u !== 'object' || typeof v !== 'object' || u === null || v === null) return false;
    if (JSON.stringify(u) !== JSON.stringify(v)) return false;
  }
  return true;
}
