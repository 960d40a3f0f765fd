/**
 * The catalog: every relation a script declares, in declaration order — streams, tables and
 * sinks (with their columns, connector and options) and views (with their bound query). CTEs are
 * not here: they are scoped to their query (see bind/env.ts).
 */
import type { CreateRelation, Span } from '../../grammar/ast.ts';
import type { ConnectorName, FormatName } from '../../runtime/contract.ts';
import type { BoundExpr, PlanField, SourceDef } from '../plan/plan.ts';
import type { Rel } from '../bind/rel.ts';

export interface CatalogColumn extends PlanField {
  readonly kind: 'physical' | 'metadata' | 'computed';
  /** Metadata key (metadata columns). */
  readonly metadataKey?: string;
  /** `METADATA ... VIRTUAL`: read-only, not written to a sink. */
  readonly virtual?: boolean;
  /** Computed column expression over the physical and metadata columns. */
  readonly expr?: BoundExpr;
  readonly span: Span;
}

export interface RelationEntry {
  readonly kind: 'STREAM' | 'TABLE' | 'SINK';
  readonly name: string;
  readonly decl: CreateRelation;
  /** Null when the connector option is missing or invalid (reported). */
  readonly connector: ConnectorName | null;
  readonly format: FormatName | null;
  /** Resolved WITH options (validated, defaults filled in). */
  readonly options: Readonly<Record<string, string>>;
  /** Declared columns, or (for relations declared without columns) the columns inferred from the first INSERT; null until then. */
  readonly columns: readonly CatalogColumn[] | null;
  /** Where inferred columns came from (the INSERT or CREATE ... AS SELECT), for messages. */
  readonly inferredAt: Span | null;
  readonly primaryKey: readonly string[];
  /** The readable source (STREAM/TABLE with known columns and a readable connector), else null. */
  readonly source: SourceDef | null;
  /** Errors in the declaration itself: uses of the relation stay silent to avoid cascades. */
  readonly broken: boolean;
}

export interface ViewEntry {
  readonly kind: 'VIEW';
  readonly name: string;
  /** Null when the view's query has errors (reported at the view). */
  readonly rel: Rel | null;
  readonly span: Span;
}

export type CatalogEntry = RelationEntry | ViewEntry;

/** Name → entry, in declaration order. Local to one `bind()` call. */
export class Catalog {
  private readonly entries = new Map<string, CatalogEntry>();

  get(name: string): CatalogEntry | undefined {
    return this.entries.get(name);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  set(entry: CatalogEntry): void {
    this.entries.set(entry.name, entry);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  relations(): RelationEntry[] {
    return [...this.entries.values()].filter((e): e is RelationEntry => e.kind !== 'VIEW');
  }
}

/** Columns a sink receives from an INSERT: physical and non-virtual metadata columns, in order. */
export function writableColumns(entry: RelationEntry): CatalogColumn[] {
  return (entry.columns ?? []).filter((c) => c.kind === 'physical' || (c.kind === 'metadata' && !c.virtual));
}
