/**
 * What every join operator receives from generated code: key extraction per side, the residual
 * condition and the output-row builders. The generated callbacks do the typed, specialised work
 * (reading fields, building output objects); the join operators only buffer, index and call them.
 *
 * NULL semantics (SQL: NULL never equals anything): a key extractor returns `null` when any key
 * column is NULL (for a composite key, instead of building the composite string); such a row
 * matches nothing, but an outer side still emits it padded with NULLs. `residual` is already
 * NULL-safe: true only when the remaining condition is SQL TRUE.
 */
import type { JoinKind } from '../contract.ts';
import type { Emit, KeyValue } from '../types.ts';

export interface JoinFns<L, R, Key extends KeyValue, Out> {
  /** Stable id within the query (the snapshot key), e.g. `n5.interval-join`. */
  readonly id: string;
  readonly joinType: JoinKind;
  /** Equi-join key of a left row (`leftKeys`); null when a key column is NULL. */
  readonly leftKey: (row: L) => Key | null;
  /** Equi-join key of a right row (`rightKeys`), built in the same shape as `leftKey`'s. */
  readonly rightKey: (row: R) => Key | null;
  /** The residual condition over both rows, or null when the join has none. */
  readonly residual: ((left: L, right: R) => boolean) | null;
  /** The output row of a matching pair. */
  readonly join: (left: L, right: R) => Out;
  /** LEFT/FULL: the output row of an unmatched left row (right fields NULL). */
  readonly leftOnly?: (left: L) => Out;
  /** RIGHT/FULL: the output row of an unmatched right row (left fields NULL). */
  readonly rightOnly?: (right: R) => Out;
  readonly out: Emit<Out>;
}

/** Which sides are outer (emit unmatched rows with NULLs); checks the builders they need. */
export function outerSides<L, R, Key extends KeyValue, Out>(
  cfg: JoinFns<L, R, Key, Out>,
  operator: string,
): { readonly left: boolean; readonly right: boolean } {
  const left = cfg.joinType === 'left' || cfg.joinType === 'full';
  const right = cfg.joinType === 'right' || cfg.joinType === 'full';
  if (left && !cfg.leftOnly)
    throw new Error(`${operator} "${cfg.id}": a ${cfg.joinType.toUpperCase()} join needs leftOnly`);
  if (right && !cfg.rightOnly)
    throw new Error(`${operator} "${cfg.id}": a ${cfg.joinType.toUpperCase()} join needs rightOnly`);
  return { left, right };
}
