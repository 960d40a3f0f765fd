/**
 * What sinks receive of a retracting changelog (plan changelog 'retract'): sinks take upserts
 * and deletes (`+I`, `+U`, `-D`), never `-U`. An update arrives as `-U` (the old row) then
 * `+U` (the new one): when the `+U` comes next with the same upsert key, the `-U` is dropped
 * (the `+U` replaces the row); otherwise — a filter after the aggregate dropped the new row, or
 * the update moved the row to another key, or there is no upsert key — the `-U` is written as
 * `-D` (the old row is gone). One row is held at most, and every batch ends flushed.
 */
import type { RowKind } from '../types.ts';

export class UpdateBeforeFold {
  private held: unknown = null;
  private holding = false;

  constructor(
    private readonly write: (row: unknown, kind?: RowKind) => void,
    private readonly key: readonly string[] | null,
  ) {}

  readonly push = (row: unknown, kind?: RowKind): void => {
    if (this.holding) {
      this.holding = false;
      if (!(kind === '+U' && this.sameKey(this.held, row))) this.write(this.held, '-D');
      this.held = null;
    }
    if (kind === '-U') {
      this.held = row;
      this.holding = true;
      return;
    }
    this.write(row, kind);
  };

  /** Writes a held `-U` as `-D` (before the batch commits). */
  flush(): void {
    if (!this.holding) return;
    this.holding = false;
    this.write(this.held, '-D');
    this.held = null;
  }

  private sameKey(a: unknown, b: unknown): boolean {
    if (this.key === null || this.key.length === 0) return false;
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    for (const k of this.key) if (x[k] !== y[k]) return false;
    return true;
  }
}
