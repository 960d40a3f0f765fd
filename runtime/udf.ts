/**
 * What user-defined functions written in TypeScript implement (`CREATE FUNCTION name AS
 * './module.ts#export'`, docs/language.md "User-defined functions"). Types only: the compiler
 * reads a function's signature (ts-morph) to type-check its calls, and the generated module
 * imports the function and calls it on the hot path.
 *
 * TypeScript's `number` is every SQL number; these aliases say which SQL type a parameter or a
 * result is (`(s: string): BIGINT` returns a BIGINT). An unannotated `number` result is DOUBLE; a
 * `number` parameter takes any numeric argument. `T | null` parameters receive NULL; without
 * `| null`, a NULL argument makes the call NULL without calling the function.
 */
import type { Json } from './types.ts';

export type { Json };

/** 32-bit integer (`INT`, also TINYINT and SMALLINT arguments). */
export type INT = number;
/** 64-bit integer carried as a safe-integer number (±(2^53−1)). */
export type BIGINT = number;
/** IEEE double (`DOUBLE`, `FLOAT`). */
export type DOUBLE = number;
/** Epoch milliseconds, UTC. */
export type TIMESTAMP = number;
/** Days since 1970-01-01. */
export type DATE = number;
/** Milliseconds since midnight. */
export type TIME = number;
/** `STRING` / `VARCHAR`. */
export type STRING = string;
export type BOOLEAN = boolean;

/**
 * A user-defined aggregate function: export an object (or a class with a no-argument
 * constructor) implementing it. `Acc` is the state of one group (per key and window): `create`
 * makes an empty one, `accumulate` folds in one row's arguments, `result` reads the value out.
 *
 * - `retract` undoes an `accumulate` (needed where the input retracts rows);
 * - `merge` folds the state of another group into `acc` (session windows merge sessions);
 *   without it, the function cannot be used over SESSION windows;
 * - the state checkpoints: `snapshot` turns it into JSON and `restore` back. Without them the
 *   state itself is the snapshot, so it must then be plain JSON data (objects, arrays, numbers,
 *   strings, booleans, null), and `restore` is the identity.
 *
 * `accumulate`'s parameters after `acc` are the SQL arguments, typed as for scalar functions;
 * `result`'s return type is the SQL result type. Rows where an argument whose parameter does not
 * accept `null` is NULL are skipped (as built-in aggregates skip NULL inputs).
 */
export interface AggregateFunction<Acc, Args extends unknown[], Result> {
  create(): Acc;
  accumulate(acc: Acc, ...args: Args): void;
  retract?(acc: Acc, ...args: Args): void;
  merge?(acc: Acc, other: Acc): void;
  result(acc: Acc): Result;
  snapshot?(acc: Acc): Json;
  restore?(state: Json): Acc;
}
