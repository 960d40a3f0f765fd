/** What `validateConnectorOptions` checks: one relation's WITH options and how it is used. */
import type { OptionPair, RelationKind, Span } from '../../grammar/ast.ts';

/** A relation's WITH options with what the checks need to know about the relation. */
export interface ConnectorOptionsInput {
  readonly relationName: string;
  readonly relation: RelationKind;
  /**
   * How the relation is used: only read, only written, or both. A SINK is always 'sink'. Options
   * of the unused role are accepted with a warning (error on a SINK, which can never be read).
   */
  readonly role: 'source' | 'sink' | 'both';
  readonly options: readonly OptionPair[];
  /**
   * Names of the physical columns (those in the record payload), or null / empty when the
   * columns are not declared (a sink inferred from its query): column checks are then skipped;
   * run `checkColumnOptions` once they are known.
   */
  readonly columns: readonly string[] | null;
  readonly primaryKey: readonly string[];
  /** The CREATE statement: where missing options are reported. */
  readonly span: Span;
  /** `checkpoint.dir` is set: warn about written sinks that are only at-least-once. */
  readonly checkpointing?: boolean;
  /** `pipeline.scale-out` is on: exactly-once Kafka sinks commit per task without a checkpoint (docs/scale-out.md). */
  readonly scaleOut?: boolean;
}
