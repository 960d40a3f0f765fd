/**
 * How generated code holds a row while the query compiler fuses stages (`query.ts`, `joins.ts`):
 * a `RowView` says how to read each field, a `Consumer` appends the statements that handle one
 * row. Shared by the query compiler and the join compilers, so neither imports the other.
 */
import type { FieldAccess } from './expr.ts';
import type { FnScope } from './scope.ts';

/** An object that holds a row: pushable as is when it has the fields an operator reads. */
export interface RowObject {
  readonly code: string;
  readonly type: string;
  /** Exactly these fields, when known (a row the generated code built itself). */
  readonly exact: ReadonlySet<string> | null;
  /** A field as the object's type declares it (a view may know more: non-NULL after a filter). */
  readonly declared: (name: string) => FieldAccess;
}

/** A row as generated code holds it: how to read each field, and the object holding it, if any. */
export interface RowView {
  field(name: string): FieldAccess;
  readonly object: RowObject | null;
}

/** Appends the statements that handle one row (`kind`: the RowKind expression, or null for inserts). */
export type Consumer = (view: RowView, kind: string | null, fn: FnScope) => string;
