/**
 * The sq abstract syntax tree: the contract between the parser (grammar/) and the binder
 * (compiler/). Every node is a plain, frozen-by-convention object with a `kind` discriminant and
 * a source `span`. The parser does not recover inside a statement (a statement with a syntax
 * error is dropped, or replaced by a placeholder declaration; see grammar/README.md), so nodes
 * are complete; `ErrorExpr` stands for a child the AST builder could not build.
 */

/** A range of source text. Lines and columns are 1-based; `offset`/`end` are 0-based char offsets. */
export interface Span {
  readonly offset: number;
  readonly end: number;
  readonly line: number;
  readonly col: number;
}

export interface Ident {
  readonly kind: 'Ident';
  /** The identifier as written, without quotes; case is preserved (identifiers are case-sensitive). */
  readonly name: string;
  readonly quoted: boolean;
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------
// Types

export type TypeName =
  | 'BOOLEAN'
  | 'TINYINT'
  | 'SMALLINT'
  | 'INT'
  | 'BIGINT'
  | 'FLOAT'
  | 'DOUBLE'
  | 'DECIMAL'
  | 'STRING'
  | 'VARCHAR'
  | 'CHAR'
  | 'BYTES'
  | 'TIMESTAMP'
  | 'TIMESTAMP_LTZ'
  | 'DATE'
  | 'TIME'
  | 'INTERVAL'
  | 'ARRAY'
  | 'MAP'
  | 'ROW';

export interface TypeNode {
  readonly kind: 'Type';
  /** Normalised upper-case name as written (`INTEGER` → `INT`, `DOUBLE PRECISION` → `DOUBLE`). */
  readonly name: TypeName;
  /** Numeric parameters as written: `DECIMAL(10, 2)` → [10, 2], `VARCHAR(20)` → [20], `TIMESTAMP(3)` → [3]. */
  readonly params: readonly number[];
  /** ARRAY<element>. */
  readonly element?: TypeNode;
  /** MAP<key, value>. */
  readonly key?: TypeNode;
  readonly value?: TypeNode;
  /** ROW<name type, ...>. */
  readonly fields?: readonly RowFieldNode[];
  /** `NOT NULL` written after the type (inside ARRAY/MAP/ROW or in a column definition). */
  readonly notNull: boolean;
  readonly span: Span;
}

export interface RowFieldNode {
  readonly name: Ident;
  readonly type: TypeNode;
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------
// Statements

export interface Script {
  readonly kind: 'Script';
  readonly statements: readonly Statement[];
  readonly span: Span;
}

export type Statement = SetStatement | CreateRelation | CreateView | CreateFunction | InsertStatement;

/** `SET 'key' = 'value'` (quotes optional on both sides; values may also be numbers or bare words). */
export interface SetStatement {
  readonly kind: 'SetStatement';
  readonly key: string;
  readonly keySpan: Span;
  readonly value: string;
  readonly valueSpan: Span;
  readonly span: Span;
}

export type RelationKind = 'STREAM' | 'TABLE' | 'SINK';

/**
 * `CREATE STREAM | TABLE | SINK [IF NOT EXISTS] name [(columns...)] [WITH (...)] [AS query [EMIT ...]]`.
 * `columns` is null when no column list was written (sinks inferred from their INSERT, or `AS query`).
 */
export interface CreateRelation {
  readonly kind: 'CreateRelation';
  readonly relation: RelationKind;
  readonly name: Ident;
  readonly ifNotExists: boolean;
  readonly columns: readonly ColumnDef[] | null;
  readonly watermark: WatermarkDef | null;
  readonly primaryKey: PrimaryKeyDef | null;
  /** `PARTITIONED BY (a, b)` (file sinks write `a=.../b=.../` folders); empty when not written. */
  readonly partitionedBy: readonly Ident[];
  readonly options: readonly OptionPair[];
  readonly asQuery: Query | null;
  readonly emit: EmitClause | null;
  readonly span: Span;
}

export type ColumnDef = PhysicalColumn | MetadataColumn | ComputedColumn;

export interface PhysicalColumn {
  readonly kind: 'PhysicalColumn';
  readonly name: Ident;
  readonly type: TypeNode;
  /** Column-level `NOT NULL` (also reflected in `type.notNull`). */
  readonly notNull: boolean;
  /** Inline `PRIMARY KEY [NOT ENFORCED]` on the column. */
  readonly primaryKey: boolean;
  readonly span: Span;
}

/** `name TYPE METADATA [FROM 'key'] [VIRTUAL]`. */
export interface MetadataColumn {
  readonly kind: 'MetadataColumn';
  readonly name: Ident;
  readonly type: TypeNode;
  /** The metadata key; when omitted, the column name is the key. */
  readonly from: string | null;
  readonly fromSpan: Span | null;
  readonly virtual: boolean;
  readonly span: Span;
}

/** `name AS expr`. */
export interface ComputedColumn {
  readonly kind: 'ComputedColumn';
  readonly name: Ident;
  readonly expr: Expr;
  readonly span: Span;
}

/** `WATERMARK FOR column AS expr`. */
export interface WatermarkDef {
  readonly kind: 'WatermarkDef';
  readonly column: Ident;
  readonly expr: Expr;
  readonly span: Span;
}

/** `PRIMARY KEY (a, b) NOT ENFORCED` as a table constraint. */
export interface PrimaryKeyDef {
  readonly kind: 'PrimaryKeyDef';
  readonly columns: readonly Ident[];
  readonly notEnforced: boolean;
  readonly span: Span;
}

/** One `'key' = 'value'` pair in a WITH clause. */
export interface OptionPair {
  readonly kind: 'OptionPair';
  readonly key: string;
  readonly keySpan: Span;
  readonly value: string;
  readonly valueSpan: Span;
  readonly span: Span;
}

/** `CREATE [TEMPORARY] VIEW [IF NOT EXISTS] name [(aliases)] AS query`. */
export interface CreateView {
  readonly kind: 'CreateView';
  readonly name: Ident;
  readonly ifNotExists: boolean;
  readonly columnAliases: readonly Ident[] | null;
  readonly query: Query;
  readonly span: Span;
}

/**
 * `CREATE [TEMPORARY [SYSTEM]] FUNCTION [IF NOT EXISTS] name AS 'target' [LANGUAGE word]`: a
 * user-defined function; `target` is `'module#export'` (a TypeScript module relative to the
 * `.sq` file) or, as Flink writes it, a Java class name (refused with how to write it).
 */
export interface CreateFunction {
  readonly kind: 'CreateFunction';
  readonly name: Ident;
  readonly ifNotExists: boolean;
  readonly target: string;
  readonly targetSpan: Span;
  /** `LANGUAGE word` as written (upper-cased), or null. */
  readonly language: string | null;
  readonly languageSpan: Span | null;
  readonly span: Span;
}

/** `INSERT INTO target [(columns)] query [EMIT ...]`. */
export interface InsertStatement {
  readonly kind: 'InsertStatement';
  readonly target: Ident;
  readonly columns: readonly Ident[] | null;
  readonly query: Query;
  readonly emit: EmitClause | null;
  readonly span: Span;
}

export type EmitMode = 'FINAL' | 'CHANGES' | 'COMPLETE';

export interface EmitClause {
  readonly kind: 'EmitClause';
  readonly mode: EmitMode;
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------
// Queries

/** `[WITH ctes] body [ORDER BY ...] [LIMIT n]`. */
export interface Query {
  readonly kind: 'Query';
  readonly ctes: readonly Cte[];
  readonly body: QueryBody;
  readonly orderBy: readonly OrderItem[];
  readonly limit: Expr | null;
  readonly span: Span;
}

export interface Cte {
  readonly kind: 'Cte';
  readonly name: Ident;
  readonly columnAliases: readonly Ident[] | null;
  readonly query: Query;
  readonly span: Span;
}

export type QueryBody = Select | SetOperation | Query;

/** `left UNION [ALL] right` (also INTERSECT / EXCEPT, which the binder may reject on streams). */
export interface SetOperation {
  readonly kind: 'SetOperation';
  readonly op: 'UNION' | 'INTERSECT' | 'EXCEPT';
  readonly all: boolean;
  readonly left: QueryBody;
  readonly right: QueryBody;
  readonly span: Span;
}

export interface Select {
  readonly kind: 'Select';
  readonly distinct: boolean;
  readonly items: readonly SelectItem[];
  readonly from: FromItem | null;
  readonly where: Expr | null;
  readonly groupBy: readonly Expr[];
  readonly having: Expr | null;
  readonly span: Span;
}

export type SelectItem = SelectExpr | SelectStar;

export interface SelectExpr {
  readonly kind: 'SelectExpr';
  readonly expr: Expr;
  readonly alias: Ident | null;
  readonly span: Span;
}

/** `*` or `t.*`. */
export interface SelectStar {
  readonly kind: 'SelectStar';
  readonly qualifier: Ident | null;
  readonly span: Span;
}

export interface OrderItem {
  readonly kind: 'OrderItem';
  readonly expr: Expr;
  readonly descending: boolean;
  readonly nulls: 'FIRST' | 'LAST' | null;
  readonly span: Span;
}

export type FromItem = TableRef | DerivedTable | WindowTvf | Join | Unnest;

/** `name [FOR SYSTEM_TIME AS OF expr] [[AS] alias]`. */
export interface TableRef {
  readonly kind: 'TableRef';
  readonly name: Ident;
  readonly systemTime: Expr | null;
  readonly alias: Ident | null;
  readonly span: Span;
}

/** `(query) [AS] alias [(columns)]`. */
export interface DerivedTable {
  readonly kind: 'DerivedTable';
  readonly query: Query;
  readonly alias: Ident | null;
  readonly columnAliases: readonly Ident[] | null;
  readonly span: Span;
}

export type WindowTvfName = 'TUMBLE' | 'HOP' | 'CUMULATE' | 'SESSION';

/**
 * `TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), size))`,
 * `TABLE(HOP(TABLE t, DESCRIPTOR(ts), slide, size))`,
 * `TABLE(CUMULATE(TABLE t, DESCRIPTOR(ts), step, max))`,
 * `TABLE(SESSION(TABLE t [PARTITION BY k, ...], DESCRIPTOR(ts), gap))`, then `[[AS] alias]`.
 * `source` is the relation named after the inner `TABLE` keyword (a table, stream, view or CTE),
 * or a parenthesised query.
 */
export interface WindowTvf {
  readonly kind: 'WindowTvf';
  readonly fn: WindowTvfName;
  readonly source: TableRef | DerivedTable;
  readonly partitionBy: readonly Ident[];
  readonly descriptor: Ident;
  /** The interval arguments after the descriptor, as written (1 for TUMBLE/SESSION, 2 for HOP/CUMULATE). */
  readonly args: readonly Expr[];
  readonly alias: Ident | null;
  readonly span: Span;
}

export type JoinType = 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS';

/** `left [INNER|LEFT [OUTER]|RIGHT [OUTER]|FULL [OUTER]|CROSS] JOIN right [ON cond]`; also `left, right`. */
export interface Join {
  readonly kind: 'Join';
  readonly joinType: JoinType;
  readonly left: FromItem;
  readonly right: FromItem;
  readonly on: Expr | null;
  readonly span: Span;
}

/** `UNNEST(expr) [WITH ORDINALITY] [AS] alias(col [, ordinal_col])`, the right side of a CROSS JOIN. */
export interface Unnest {
  readonly kind: 'Unnest';
  readonly expr: Expr;
  readonly withOrdinality: boolean;
  readonly alias: Ident | null;
  readonly columns: readonly Ident[];
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------
// Expressions

export type Expr =
  | ColumnRef
  | NumberLiteral
  | StringLiteral
  | BooleanLiteral
  | NullLiteral
  | IntervalLiteral
  | TypedLiteral
  | BinaryExpr
  | UnaryExpr
  | IsNullExpr
  | IsBooleanExpr
  | BetweenExpr
  | InListExpr
  | LikeExpr
  | CaseExpr
  | CastExpr
  | FunctionCall
  | ExtractExpr
  | TrimExpr
  | TimeUnitExpr
  | SubscriptExpr
  | FieldAccessExpr
  | ArrayConstructor
  | ErrorExpr;

/**
 * A possibly qualified name: `a`, `t.a`, `window.start`, `t.col.field`. Which parts name a relation,
 * a column or a nested field is decided by the binder.
 */
export interface ColumnRef {
  readonly kind: 'ColumnRef';
  readonly parts: readonly Ident[];
  readonly span: Span;
}

export interface NumberLiteral {
  readonly kind: 'NumberLiteral';
  /** The literal as written (`42`, `3.5`, `1e3`). */
  readonly text: string;
  /** True when written without `.` or exponent. */
  readonly integer: boolean;
  readonly span: Span;
}

export interface StringLiteral {
  readonly kind: 'StringLiteral';
  /** The unescaped value (`'it''s'` → `it's`). */
  readonly value: string;
  readonly span: Span;
}

export interface BooleanLiteral {
  readonly kind: 'BooleanLiteral';
  readonly value: boolean;
  readonly span: Span;
}

export interface NullLiteral {
  readonly kind: 'NullLiteral';
  readonly span: Span;
}

export type TimeUnit =
  | 'MILLISECOND'
  | 'SECOND'
  | 'MINUTE'
  | 'HOUR'
  | 'DAY'
  | 'WEEK'
  | 'MONTH'
  | 'QUARTER'
  | 'YEAR'
  | 'DOW'
  | 'DOY'
  | 'EPOCH';

/**
 * `INTERVAL '5' MINUTE`, `INTERVAL '10 minutes'`, `INTERVAL '1:30' HOUR TO MINUTE`, `INTERVAL 5 SECOND`.
 * `value` is the quoted text (or the number as written); `unit`/`toUnit` are null when not written.
 * Units are normalised to singular upper case (`MINUTES` → `MINUTE`).
 */
export interface IntervalLiteral {
  readonly kind: 'IntervalLiteral';
  readonly value: string;
  readonly unit: TimeUnit | null;
  readonly toUnit: TimeUnit | null;
  readonly span: Span;
}

/** `TIMESTAMP '2025-01-01 00:00:00'`, `DATE '2025-01-01'`, `TIME '12:00:00'`. */
export interface TypedLiteral {
  readonly kind: 'TypedLiteral';
  readonly type: 'TIMESTAMP' | 'DATE' | 'TIME';
  readonly value: string;
  readonly span: Span;
}

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '||' | '=' | '<>' | '<' | '<=' | '>' | '>=' | 'AND' | 'OR';

/** Binary operators. `!=` is normalised to `<>`. */
export interface BinaryExpr {
  readonly kind: 'BinaryExpr';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  /** The span of the operator token itself (for type errors). */
  readonly opSpan: Span;
  readonly span: Span;
}

export interface UnaryExpr {
  readonly kind: 'UnaryExpr';
  readonly op: '-' | '+' | 'NOT';
  readonly operand: Expr;
  readonly span: Span;
}

/** `expr IS [NOT] NULL`. */
export interface IsNullExpr {
  readonly kind: 'IsNullExpr';
  readonly expr: Expr;
  readonly negated: boolean;
  readonly span: Span;
}

/** `expr IS [NOT] TRUE | FALSE | UNKNOWN`. */
export interface IsBooleanExpr {
  readonly kind: 'IsBooleanExpr';
  readonly expr: Expr;
  readonly value: true | false | 'UNKNOWN';
  readonly negated: boolean;
  readonly span: Span;
}

/** `expr [NOT] BETWEEN [SYMMETRIC] low AND high`. */
export interface BetweenExpr {
  readonly kind: 'BetweenExpr';
  readonly expr: Expr;
  readonly low: Expr;
  readonly high: Expr;
  readonly negated: boolean;
  readonly symmetric: boolean;
  readonly span: Span;
}

/** `expr [NOT] IN (a, b, ...)`. */
export interface InListExpr {
  readonly kind: 'InListExpr';
  readonly expr: Expr;
  readonly list: readonly Expr[];
  readonly negated: boolean;
  readonly span: Span;
}

/** `expr [NOT] LIKE pattern [ESCAPE 'c']` (also `SIMILAR TO`? no: LIKE only). */
export interface LikeExpr {
  readonly kind: 'LikeExpr';
  readonly expr: Expr;
  readonly pattern: Expr;
  readonly escape: Expr | null;
  readonly negated: boolean;
  readonly span: Span;
}

/** `CASE [operand] WHEN a THEN b ... [ELSE c] END`. */
export interface CaseExpr {
  readonly kind: 'CaseExpr';
  readonly operand: Expr | null;
  readonly whens: readonly { readonly when: Expr; readonly then: Expr }[];
  readonly else: Expr | null;
  readonly span: Span;
}

/** `CAST(expr AS type)` / `TRY_CAST(expr AS type)`. */
export interface CastExpr {
  readonly kind: 'CastExpr';
  readonly expr: Expr;
  readonly type: TypeNode;
  readonly try: boolean;
  readonly span: Span;
}

/**
 * A function or aggregate call: `f(a, b)`, `COUNT(*)`, `COUNT(DISTINCT x)`,
 * `SUM(x) FILTER (WHERE cond)`, and niladic forms written without parentheses
 * (`CURRENT_TIMESTAMP`, `CURRENT_DATE`, `LOCALTIMESTAMP`: `parens` false).
 * Group-window functions (`TUMBLE(ts, i)`, `window(ts, '10 minutes')`) are ordinary calls here;
 * the binder gives them meaning. `SUBSTRING(s FROM a FOR b)` is normalised to `SUBSTRING(s, a, b)`.
 */
export interface FunctionCall {
  readonly kind: 'FunctionCall';
  readonly name: Ident;
  readonly args: readonly Expr[];
  readonly distinct: boolean;
  readonly star: boolean;
  readonly filter: Expr | null;
  readonly parens: boolean;
  /** `OVER (...)`: a window function (ranking functions, OVER aggregates); absent otherwise. */
  readonly over?: OverClause;
  readonly span: Span;
}

/** `OVER ([PARTITION BY exprs] [ORDER BY items] [frame])`. */
export interface OverClause {
  readonly kind: 'OverClause';
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly OrderItem[];
  readonly frame: WindowFrame | null;
  readonly span: Span;
}

/** `ROWS|RANGE BETWEEN lower AND upper` (`upper` is CURRENT ROW when written without BETWEEN). */
export interface WindowFrame {
  readonly kind: 'WindowFrame';
  readonly unit: 'ROWS' | 'RANGE';
  readonly lower: FrameBound;
  readonly upper: FrameBound;
  readonly span: Span;
}

/** One end of a window frame: `UNBOUNDED PRECEDING`, `CURRENT ROW`, `n PRECEDING`, `INTERVAL ... FOLLOWING`. */
export interface FrameBound {
  readonly kind: 'FrameBound';
  /** 'current' for CURRENT ROW; null offset with a direction for UNBOUNDED. */
  readonly bound: 'current' | 'unbounded' | 'offset';
  readonly offset: Expr | null;
  readonly direction: 'PRECEDING' | 'FOLLOWING' | null;
  readonly span: Span;
}

/** `EXTRACT(unit FROM expr)`. */
export interface ExtractExpr {
  readonly kind: 'ExtractExpr';
  readonly unit: TimeUnit;
  readonly unitSpan: Span;
  readonly expr: Expr;
  readonly span: Span;
}

/** `TRIM([BOTH|LEADING|TRAILING] [chars] FROM expr)` or `TRIM(expr)`. */
export interface TrimExpr {
  readonly kind: 'TrimExpr';
  readonly mode: 'BOTH' | 'LEADING' | 'TRAILING';
  readonly chars: Expr | null;
  readonly expr: Expr;
  readonly span: Span;
}

/** A bare time unit used as a function argument: `TIMESTAMPDIFF(SECOND, a, b)`. */
export interface TimeUnitExpr {
  readonly kind: 'TimeUnitExpr';
  readonly unit: TimeUnit;
  readonly span: Span;
}

/** `base[index]`: array element (1-based) or map value. */
export interface SubscriptExpr {
  readonly kind: 'SubscriptExpr';
  readonly base: Expr;
  readonly index: Expr;
  readonly span: Span;
}

/** `(expr).field`, or `f(x).field` — field access on something that is not a plain name. */
export interface FieldAccessExpr {
  readonly kind: 'FieldAccessExpr';
  readonly base: Expr;
  readonly field: Ident;
  readonly span: Span;
}

/** `ARRAY[a, b, c]`. */
export interface ArrayConstructor {
  readonly kind: 'ArrayConstructor';
  readonly elements: readonly Expr[];
  readonly span: Span;
}

/** An expression the AST builder could not build (its problem was reported). The binder skips it silently. */
export interface ErrorExpr {
  readonly kind: 'ErrorExpr';
  readonly span: Span;
}

export type Node =
  | Script
  | Statement
  | ColumnDef
  | WatermarkDef
  | PrimaryKeyDef
  | OptionPair
  | EmitClause
  | Query
  | Cte
  | QueryBody
  | SelectItem
  | OrderItem
  | FromItem
  | Expr
  | TypeNode
  | Ident;
