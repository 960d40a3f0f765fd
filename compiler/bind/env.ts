/** What a query is bound against: the catalog, the CTEs in scope, and where diagnostics go. */
import type { SelectExpr, Span } from '../../grammar/ast.ts';
import type { Diagnostic } from '../../grammar/diagnostic.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { BoundExpr } from '../plan/plan.ts';
import type { ExprMeta } from './context.ts';
import type { Rel } from './rel.ts';
import type { Scope } from './scope.ts';

export interface Env {
  readonly catalog: Catalog;
  /** CTEs visible here, innermost last; a null rel marks a CTE whose query has errors. */
  readonly ctes: ReadonlyMap<string, Rel | null>;
  readonly diags: Diagnostic[];
  readonly meta: ExprMeta;
  /** Where every relation and view of the script is declared (for "declared later" notes). */
  readonly declarations?: ReadonlyMap<string, Span>;
  /**
   * The query's output names are not used: an INSERT writes it by position into these declared
   * (or listed) columns. A repeated name in its SELECT list is then a warning, not an error (Flink
   * accepts it: NEXMark q20). Applies to the outermost SELECT only, never to subqueries.
   */
  readonly outputByPosition?: readonly string[] | null;
}

/** A bound FROM clause: its relation and the names it makes visible. */
export interface FromResult {
  readonly rel: Rel;
  readonly scope: Scope;
}

/** One SELECT item, named (`*` expanded): what `planItems` hands the projection or grouping. */
export interface ItemPlan {
  /** The SELECT item (null for columns of a `*`). */
  readonly ast: SelectExpr | null;
  readonly name: string;
  readonly span: Span;
  /** For `*` columns: the bound column. */
  readonly star?: BoundExpr;
}
