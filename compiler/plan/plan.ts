/**
 * The logical plan: the typed, validated description of a job, and the ONLY input the code
 * generator gets. It is produced by `plan()` (compiler/plan/index.ts) from a bound script.
 *
 * Conventions
 * - A plan is a tree per query (a `QueryPlan` whose root is a `SinkNode`); views and CTEs are
 *   inlined, so a relation used twice appears as two subtrees. Each query runs as its own
 *   streaming query with its own sources (Spark semantics; a job is several queries in one
 *   process, awaitAnyTermination).
 * - Every node has an `id` unique within the job (deterministic pre-order numbering) and an output
 *   `schema`: an ordered list of fields with names that are unique within that schema (the planner
 *   renames clashes, e.g. the two `uuid` columns of a join become `uuid` and `uuid0`). Rows at run
 *   time are plain objects keyed by those field names.
 * - Expressions (`BoundExpr`) reference fields of the node's input by name. In a join's
 *   `residual`, the names are those of the join's own output schema.
 * - `props` carries what the checker derived: boundedness, the event-time attribute and whether
 *   a watermark flows, the node's changelog mode and upsert key, and the state the node keeps.
 *
 * Changelogs (how a node's output changes, Flink's changelog modes; `StreamProps.changelog`)
 * - 'append': every row is an insert (`+I`). Stateless operators over append input, windowed
 *   aggregates emitting FINAL, interval/window/lookup joins, any aggregate over bounded input.
 * - 'retract': rows are `+I`, `-U` (the old value of an updated row, immediately followed by
 *   its `+U`), `+U` and `-D` (a deleted row, with all its values). Every row that goes away is
 *   retracted with the values it was emitted with, so a consumer can take it back from its
 *   own state: a non-windowed aggregate retracts it from its accumulator (retractable
 *   accumulators: COUNT/SUM/AVG subtract, MIN/MAX keep a counted multiset), a regular join
 *   removes it and retracts the rows it joined into. Produced by non-windowed aggregates that
 *   feed anything but a sink (directly), windowed aggregates emitting CHANGES through a filter
 *   (HAVING), and regular joins and aggregates over retracting input.
 * - 'upsert': rows are `+I`/`+U` (the row for its `upsertKey` now) and `-D` (the key is gone),
 *   without `-U`: an upsert-kafka source, or an aggregate whose rows go to the sink through
 *   projections only. Only a sink (which upserts by key) and stateless operators that keep the
 *   key consume it directly; anything stateful reads it through a `Normalize` node
 *   (ChangelogNormalize), which remembers the last row per key to produce 'retract'.
 * Between operators this is Flink's retract changelog (update-before rows), chosen over
 * normalising every updating result per key: it costs no state beyond what the producing
 * operator keeps anyway (an aggregate re-reads its accumulator for the `-U` row), while the
 * normalising step is paid only where an upsert source feeds an operator (one row per key).
 * Sinks never receive `-U`: the engine folds a `-U` followed by the `+U` of the same key away
 * and writes any other `-U` as `-D` (runtime/engine/update-before.ts).
 */
import type { ConnectorConfig } from '../../runtime/connectors/spec.ts';
import type { Span } from '../../grammar/ast.ts';
import type {
  AggregateKind,
  ConnectorName,
  EmitMode,
  FormatName,
  JobOptions,
  JoinKind,
  SourceOptions,
  WindowSpec,
} from '../../runtime/contract.ts';
import type { SqlType } from '../types.ts';
import type { FunctionOp } from '../check/functions.ts';

export interface PlanField {
  readonly name: string;
  readonly type: SqlType;
  readonly nullable: boolean;
  /** 'event': an event-time attribute with watermark semantics; 'proc': processing time. */
  readonly time: 'event' | 'proc' | null;
}

export type StateInfo =
  | { readonly kind: 'none' }
  /** State is dropped as the watermark advances (windows, interval joins) or has a fixed size. */
  | { readonly kind: 'bounded'; readonly by: string }
  /** State grows with the number of distinct keys or rows (non-windowed aggregate, regular join). */
  | { readonly kind: 'unbounded'; readonly by: string };

export interface StreamProps {
  /** True when every input of this subtree is bounded (files, `number-of-rows`, available-now). */
  readonly bounded: boolean;
  /** Name of the event-time field in `schema` that the watermark refers to, or null. */
  readonly eventTime: string | null;
  /** True when a watermark flows out of this node. */
  readonly watermarked: boolean;
  /** How the node's output changes: only inserts, a retracting changelog, or upserts by key (see the file comment). */
  readonly changelog: ChangelogMode;
  /**
   * The output fields that identify a result row (at most one live row per value), or null:
   * an aggregate's group key (plus the window bounds of a windowed one) as projections keep
   * it, an upsert source's PRIMARY KEY. Required for 'upsert'.
   */
  readonly upsertKey: readonly string[] | null;
  readonly state: StateInfo;
}

/** Flink's changelog modes between operators (the file comment says which node produces which). */
export type ChangelogMode = 'append' | 'retract' | 'upsert';

interface NodeBase {
  readonly id: number;
  readonly schema: readonly PlanField[];
  readonly props: StreamProps;
  /** Where in the source this operator comes from (for runtime error messages and explain). */
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------
// Expressions

/**
 * Canonical scalar operations. Operators use their SQL spelling; functions their upper-case
 * name. Arguments are already type-checked and implicitly cast (`Cast` nodes inserted), so the
 * code generator can rely on the argument types listed in compiler/check/functions.ts.
 * SQL three-valued logic: every function returns NULL when any argument is NULL unless noted
 * (AND, OR, IS..., COALESCE, CONCAT_WS, IF, CASE).
 */
export type ScalarOp =
  // arithmetic (numbers; TIMESTAMP ± INTERVAL; TIMESTAMP - TIMESTAMP is not SQL: use TIMESTAMPDIFF)
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | 'NEG'
  // comparison (any comparable type, both sides the same type)
  | '='
  | '<>'
  | '<'
  | '<='
  | '>'
  | '>='
  // logic (three-valued)
  | 'AND'
  | 'OR'
  | 'NOT'
  | 'IS NULL'
  | 'IS NOT NULL'
  | 'IS TRUE'
  | 'IS NOT TRUE'
  | 'IS FALSE'
  | 'IS NOT FALSE'
  | 'IS DISTINCT FROM'
  | 'IS NOT DISTINCT FROM'
  /** args: [expr, low, high]; `expr` evaluated once. */
  | 'BETWEEN'
  /** args: [expr, item1, item2, ...]; SQL semantics: NULL when no match and any item is NULL. */
  | 'IN'
  /** args: [expr, pattern] or [expr, pattern, escape]. */
  | 'LIKE'
  | '||'
  /** args: [mode ('BOTH'|'LEADING'|'TRAILING' string literal), chars, str]. */
  | 'TRIM'
  /** args: [row, field name (string literal)]. */
  | 'FIELD'
  /** A user-defined scalar function (CREATE FUNCTION), named by `CallExpr.udf`; strict in the arguments whose parameter does not accept NULL. */
  | 'UDF'
  /**
   * The scalar functions: one entry each in `compiler/check/functions.ts` (signature,
   * nullability, literal checks, implementation), where their argument shapes are described.
   */
  | FunctionOp;

export type BoundExpr = FieldRef | LiteralExpr | CallExpr | CaseWhenExpr | CastToExpr;

interface ExprBase {
  readonly type: SqlType;
  readonly nullable: boolean;
}

/** A field of the input row, by its name in the input schema. */
export interface FieldRef extends ExprBase {
  readonly kind: 'FieldRef';
  readonly name: string;
}

/**
 * A constant. TIMESTAMP/DATE/TIME/INTERVAL literals are already converted to their run-time
 * numbers; ARRAY/ROW constants are not literals (they are calls).
 */
export interface LiteralExpr extends ExprBase {
  readonly kind: 'Literal';
  readonly value: null | boolean | number | string;
}

export interface CallExpr extends ExprBase {
  readonly kind: 'Call';
  readonly op: ScalarOp;
  readonly args: readonly BoundExpr[];
  /**
   * The function may return NULL for non-NULL arguments (LPAD with an empty pad, REGEXP_EXTRACT
   * without a match, ...): decided once, by the function's signature in the checker, and read by
   * code generation, so the two cannot disagree about whether the result can be NULL.
   */
  readonly returnsNull?: boolean;
  /** `op` 'UDF': the user-defined function called (a key of `JobPlan.functions`). */
  readonly udf?: string;
}

/** Searched CASE (a simple CASE is rewritten to `operand = value` tests). */
export interface CaseWhenExpr extends ExprBase {
  readonly kind: 'Case';
  readonly branches: readonly { readonly when: BoundExpr; readonly then: BoundExpr }[];
  readonly else: BoundExpr;
}

/** CAST / TRY_CAST and implicit widening (INT → BIGINT → DOUBLE, STRING → TIMESTAMP for literals). */
export interface CastToExpr extends ExprBase {
  readonly kind: 'Cast';
  readonly expr: BoundExpr;
  /** TRY_CAST: NULL instead of a run-time error when the value does not convert. */
  readonly try: boolean;
}

export interface NamedExpr {
  readonly name: string;
  readonly expr: BoundExpr;
}

export interface AggCall {
  /** Output field name. */
  readonly name: string;
  readonly kind: AggregateKind;
  /** 0 args for count_star, 1 for the rest, any number for 'udf'. */
  readonly args: readonly BoundExpr[];
  /** kind 'udf': the user-defined aggregate function (a key of `JobPlan.functions`). */
  readonly udf?: string;
  /** kind 'udf': the function has `retract`, so it runs over updating inputs. */
  readonly udfRetracts?: boolean;
  readonly distinct: boolean;
  /** `FILTER (WHERE ...)`, over the aggregate's input row. */
  readonly filter: BoundExpr | null;
  readonly type: SqlType;
  readonly nullable: boolean;
}

// ---------------------------------------------------------------------------------------------
// Sources and sinks

export interface MetadataField {
  /** Field name in the source schema. */
  readonly name: string;
  /** Connector metadata key: 'timestamp', 'key', 'topic', 'partition', 'offset', 'headers', ... */
  readonly key: string;
  readonly type: SqlType;
}

export interface SourceDef {
  /** The relation name as declared. */
  readonly name: string;
  readonly relation: 'STREAM' | 'TABLE';
  readonly connector: ConnectorName;
  readonly format: FormatName | null;
  readonly source: SourceOptions;
  /** The connector's typed config (`runtime/connectors/<name>/options.ts` `resolve()`), embedded in the module. */
  readonly config: ConnectorConfig;
  /** Fields read from the record payload, in declaration order (decoder targets). */
  readonly physical: readonly PlanField[];
  readonly metadata: readonly MetadataField[];
  /** Computed columns, evaluated after decoding, over physical + metadata fields, in order. */
  readonly computed: readonly NamedExpr[];
  /** Full row schema: physical, metadata and computed fields in declaration order. */
  readonly schema: readonly PlanField[];
  /**
   * `WATERMARK FOR field AS expr`. The source watermark is max over rows of `expr` (evaluated on
   * the row); `delayMs` is set when `expr` has the form `field - INTERVAL d`.
   */
  readonly watermark: { readonly field: string; readonly expr: BoundExpr; readonly delayMs: number | null } | null;
  readonly primaryKey: readonly string[];
  readonly bounded: boolean;
  readonly span: Span;
}

export interface SinkDef {
  readonly name: string;
  readonly relation: 'STREAM' | 'TABLE' | 'SINK';
  readonly connector: ConnectorName;
  readonly format: FormatName | null;
  /** All WITH options as written (validated). */
  readonly options: Readonly<Record<string, string>>;
  /** The connector's typed config, embedded in the module. */
  readonly config: ConnectorConfig;
  /** Declared or inferred columns. */
  readonly schema: readonly PlanField[];
  /** Message key / upsert key fields (`key.fields`, PRIMARY KEY, or the group key). */
  readonly keyFields: readonly string[];
  /** Columns of `schema` the connector writes as record metadata (Kafka `timestamp`, `headers`), not in the value. */
  readonly metadata: readonly { readonly name: string; readonly key: string }[];
  readonly deliveryGuarantee: 'at-least-once' | 'exactly-once';
  /** `PARTITIONED BY` columns (file sinks: `col=value/` folders); empty when not partitioned. */
  readonly partitionBy: readonly string[];
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------
// Operators

export type PlanNode =
  | ScanNode
  | FilterNode
  | ProjectNode
  | UnnestNode
  | WindowAssignNode
  | WindowAggregateNode
  | AggregateNode
  | LookupJoinNode
  | IntervalJoinNode
  | WindowJoinNode
  | RegularJoinNode
  | NormalizeNode
  | UnionNode
  | SortNode
  | RankNode
  | OverAggregateNode
  | SinkNode;

export type PlanNodeKind = PlanNode['kind'];

/** Reads a source; decodes records into rows of `source.schema`; generates the watermark. */
export interface ScanNode extends NodeBase {
  readonly kind: 'Scan';
  readonly source: SourceDef;
}

export interface FilterNode extends NodeBase {
  readonly kind: 'Filter';
  readonly input: PlanNode;
  readonly predicate: BoundExpr;
}

/** Output row = `{ [e.name]: e.expr }` for each expr, in order. */
export interface ProjectNode extends NodeBase {
  readonly kind: 'Project';
  readonly input: PlanNode;
  readonly exprs: readonly NamedExpr[];
}

/**
 * `input CROSS JOIN UNNEST(array) AS t(c1 [, ord])`: one output row per element. Output schema =
 * input fields ++ element fields (for ARRAY<ROW<...>> the row's fields, else one field) ++ the
 * optional ordinality field (1-based). Stateless.
 */
export interface UnnestNode extends NodeBase {
  readonly kind: 'Unnest';
  readonly input: PlanNode;
  readonly array: BoundExpr;
  /** Names of the element fields in the output schema, in order. */
  readonly elementFields: readonly string[];
  readonly ordinalityField: string | null;
}

/**
 * A window TVF not fused into an aggregate: adds `window_start`, `window_end` (TIMESTAMP) and
 * `window_time` (= window_end − 1 ms, the new event-time attribute) to each row; HOP/CUMULATE emit
 * one row per window the row falls into. Stateless (tumble/hop/cumulate only).
 */
export interface WindowAssignNode extends NodeBase {
  readonly kind: 'WindowAssign';
  readonly input: PlanNode;
  readonly window: WindowSpec;
  readonly timeField: string;
  readonly startField: string;
  readonly endField: string;
  readonly timeOutField: string;
}

/**
 * Windowed aggregation (all three spellings). Output schema, in order: the `keys`, then
 * `startField`, `endField`, `timeOutField` (window_start, window_end, window_time), then `aggs`.
 * For a session window, `keys` are the partition keys (sessions are per key).
 * FINAL: a window's rows are emitted once when the watermark passes its end, then its state is
 * dropped. CHANGES: after each batch, the windows updated in it are emitted (upsert by
 * keys + window), and state is dropped when the watermark passes the end. COMPLETE: after each
 * batch, every window still in state.
 */
export interface WindowAggregateNode extends NodeBase {
  readonly kind: 'WindowAggregate';
  readonly input: PlanNode;
  readonly window: WindowSpec;
  readonly timeField: string;
  /**
   * `timeField` is a processing-time attribute (PROCTIME()): windows close by the wall clock at
   * the end of a batch (the query wakes up for the next window end), not by the watermark.
   */
  readonly procTime: boolean;
  readonly keys: readonly NamedExpr[];
  readonly aggs: readonly AggCall[];
  readonly startField: string;
  readonly endField: string;
  readonly timeOutField: string;
  readonly emit: EmitMode;
}

/**
 * Non-windowed GROUP BY (and SELECT DISTINCT, with no aggs). Output schema: keys then aggs.
 * CHANGES: after each batch, the groups that changed (upsert by keys; with `props.changelog`
 * 'retract' each `+U` is preceded by `-U` with the group's previous result, and a group whose
 * rows were all retracted is `-D`). COMPLETE: every group. FINAL: only on bounded input —
 * every group once at end of input. Over an updating input (`input.props.changelog` 'retract')
 * the accumulators retract `-U`/`-D` rows.
 */
export interface AggregateNode extends NodeBase {
  readonly kind: 'Aggregate';
  readonly input: PlanNode;
  readonly keys: readonly NamedExpr[];
  readonly aggs: readonly AggCall[];
  readonly emit: EmitMode;
}

/** Join output schema = left fields ++ right fields (renamed where they clash; see `rightNames`). */
interface JoinBase extends NodeBase {
  readonly joinType: JoinKind;
  /** Equality keys, pairwise: leftKeys[i] (over left input) = rightKeys[i] (over right input). */
  readonly leftKeys: readonly BoundExpr[];
  readonly rightKeys: readonly BoundExpr[];
  /** Remaining condition over the joined output row, or null. */
  readonly residual: BoundExpr | null;
  /** Output field name for each right input field, in right schema order. */
  readonly rightNames: readonly string[];
}

/** Stream–table join: the bounded table is loaded once and indexed by `rightKeys`; inner or left. */
export interface LookupJoinNode extends JoinBase {
  readonly kind: 'LookupJoin';
  readonly input: PlanNode;
  readonly table: SourceDef;
}

/**
 * Stream–stream interval join: rows match when keys are equal and
 * `lower <= right.time - left.time <= upper` (bounds inclusive unless marked exclusive).
 */
export interface IntervalJoinNode extends JoinBase {
  readonly kind: 'IntervalJoin';
  readonly left: PlanNode;
  readonly right: PlanNode;
  readonly leftTime: string;
  readonly rightTime: string;
  readonly lowerMs: number;
  readonly lowerInclusive: boolean;
  readonly upperMs: number;
  readonly upperInclusive: boolean;
}

/** Two windowed relations joined on equal window_start/window_end plus keys. */
export interface WindowJoinNode extends JoinBase {
  readonly kind: 'WindowJoin';
  readonly left: PlanNode;
  readonly right: PlanNode;
  readonly leftStart: string;
  readonly leftEnd: string;
  readonly rightStart: string;
  readonly rightEnd: string;
}

/**
 * Unbounded join of two streams (inner only); state grows with input. Over updating inputs
 * ('retract') a retracted row leaves the state and its joined rows are retracted (`-D`).
 */
export interface RegularJoinNode extends JoinBase {
  readonly kind: 'RegularJoin';
  readonly left: PlanNode;
  readonly right: PlanNode;
}

/**
 * ChangelogNormalize: an 'upsert' input (an upsert-kafka source) turned into a 'retract'
 * changelog for the stateful operator above it: remembers the latest row per `keys` (the
 * input's upsert key); a row for a known key is `-U` old, `+U` new; a delete `-D` old. Output
 * schema = input schema. State: one row per live key.
 */
export interface NormalizeNode extends NodeBase {
  readonly kind: 'Normalize';
  readonly input: PlanNode;
  readonly keys: readonly string[];
}

/** UNION ALL of inputs with the same schema (fields matched by position, renamed to the first's). */
export interface UnionNode extends NodeBase {
  readonly kind: 'Union';
  readonly inputs: readonly PlanNode[];
}

/** ORDER BY / LIMIT, on COMPLETE results or bounded input. */
export interface SortNode extends NodeBase {
  readonly kind: 'Sort';
  readonly input: PlanNode;
  readonly keys: readonly { readonly expr: BoundExpr; readonly descending: boolean; readonly nullsFirst: boolean }[];
  readonly limit: number | null;
}

/**
 * How a Top-N (`RankNode`) emits:
 * - `changes`: an updating result. After each batch, every partition that changed is compared
 *   with what was emitted before: rows entering the top N are inserted (`+I`) or update their
 *   key (`+U`), rows leaving it are deleted (`-D`), by the node's `output` key.
 * - `window`: window Top-N. The partition holds a window's end (`windowEndField`); its top N
 *   rows are emitted once (`+I`) when the watermark passes the end, then dropped.
 * - `first`: deduplication keeping the first row per key (ROW_NUMBER, N = 1, ORDER BY a time
 *   attribute ASC): by event time (`timeField`), a key's row is emitted once (`+I`) when the
 *   watermark passes its time; by processing time (`timeField` null), on arrival. Append-only.
 * - `final`: bounded input: every partition's top N once at end of input (`+I`).
 */
export type RankMode = 'changes' | 'window' | 'first' | 'final';

/**
 * Top-N and deduplication: `ROW_NUMBER() | RANK() | DENSE_RANK() OVER (PARTITION BY
 * partitionKeys ORDER BY orderBy)` kept where the rank is at most `limit`. Output schema: the
 * input's fields, then `rankField` (BIGINT NOT NULL). Ties (equal ORDER BY values) rank in
 * arrival order for ROW_NUMBER, except that a first key ordered by a time attribute DESCENDING
 * (keep the last row) ranks the newest arrival first. RANK gives ties the same rank and skips
 * (1, 1, 3), DENSE_RANK does not skip (1, 1, 2); both keep every row whose rank is <= `limit`.
 * State: per partition the rows ranked <= `limit` (with ties), sorted.
 */
export interface RankNode extends NodeBase {
  readonly kind: 'Rank';
  readonly input: PlanNode;
  readonly fn: 'ROW_NUMBER' | 'RANK' | 'DENSE_RANK';
  readonly partitionKeys: readonly NamedExpr[];
  readonly orderBy: readonly { readonly expr: BoundExpr; readonly descending: boolean; readonly nullsFirst: boolean }[];
  readonly limit: number;
  readonly rankField: string;
  /** Whether anything downstream reads the rank. */
  readonly rankOutput: boolean;
  /** Ties rank the newest arrival first (keep-last deduplication). */
  readonly newestFirst: boolean;
  readonly mode: RankMode;
  /**
   * What identifies an output row in `changes` mode (the upsert key): `position` = partition
   * keys + rank (ROW_NUMBER with the rank read), `partition` = the partition keys (ROW_NUMBER,
   * N = 1, rank not read: deduplication keeping the last row), `row` = the whole row.
   */
  readonly output: 'position' | 'partition' | 'row';
  /** `window` mode: the input field holding the window's end. */
  readonly windowEndField: string | null;
  /** `first` mode: the event-time field, or null for processing time (arrival order). */
  readonly timeField: string | null;
}

/**
 * OVER aggregates: for every input row, `aggs` over the rows of its partition (`partitionKeys`)
 * in its frame, ordered by `orderField`. Output schema: the input's fields, then one per agg.
 * Frames end at the current row: `rows` = the `preceding` rows before it in order, `range` =
 * the rows whose order value is within `preceding` ms before its own (its peers included);
 * `preceding` null = UNBOUNDED PRECEDING.
 * - `watermark`: rows wait until the watermark passes their time, then are processed in time
 *   order (ties in arrival order) and emitted (`+I`); late rows were dropped upstream.
 * - `proc`: processing time: rows are processed in arrival order, on arrival.
 * - `end`: bounded input ordered by a column that is not a time attribute: every row is
 *   processed in order at end of input.
 * - `changes`: an updating input (`input.props.changelog` 'retract'), ordered by any column:
 *   every row of a partition is kept sorted; a row taken back or added changes the frames after
 *   it, and each changed result is retracted and emitted again (changelog 'retract').
 * State: per partition, the rows in the frame (ROWS n: n rows; RANGE: the rows within the
 * interval; UNBOUNDED: one accumulator) and the rows waiting for the watermark; `changes`:
 * every row with its last result.
 */
export interface OverAggregateNode extends NodeBase {
  readonly kind: 'OverAggregate';
  readonly input: PlanNode;
  readonly partitionKeys: readonly NamedExpr[];
  readonly orderField: string;
  readonly frame: { readonly unit: 'rows' | 'range'; readonly preceding: number | null };
  readonly aggs: readonly AggCall[];
  readonly mode: 'watermark' | 'proc' | 'end' | 'changes';
}

/**
 * Writes to a sink. `emit` is the query's output mode; `upsertKey` is the key for CHANGES
 * (the group key, plus window bounds for windowed aggregates), null for append-only output.
 */
export interface SinkNode extends NodeBase {
  readonly kind: 'Sink';
  readonly input: PlanNode;
  readonly sink: SinkDef;
  readonly emit: EmitMode;
  readonly upsertKey: readonly string[] | null;
}

export interface QueryPlan {
  /** Stable name, e.g. `insert_into_revenue` (unique in the job). */
  readonly name: string;
  readonly root: SinkNode;
  readonly span: Span;
  /**
   * Scaled-out jobs (compiler/plan/stages.ts): this query is stage `index` of `count` of the
   * user's query `query`, connected to the others through repartition topics; absent when the
   * query is not split.
   */
  readonly stage?: { readonly query: string; readonly index: number; readonly count: number };
}

/**
 * A user-defined function (CREATE FUNCTION) the queries call: the generated module imports
 * `exportName` from `module` and calls it (scalar) or drives it (aggregate: `create`,
 * `accumulate`, `result`, `merge`, `snapshot`/`restore`; a class is instantiated once).
 */
export interface UserFunctionDef {
  /** The SQL name as declared (`CallExpr.udf` / `AggCall.udf` hold it upper-cased). */
  readonly name: string;
  readonly kind: 'scalar' | 'aggregate';
  /** Absolute path of the module file; code generation imports it by a path relative to its output. */
  readonly module: string;
  readonly exportName: string;
  readonly isClass: boolean;
  /** Per parameter: whether it accepts NULL (otherwise a NULL argument makes the call NULL / skips the row). */
  readonly params: readonly { readonly name: string; readonly nullable: boolean }[];
  readonly type: SqlType;
  readonly nullable: boolean;
  /**
   * Aggregates: whether the export has `snapshot`/`restore` (else the state is saved as the JSON
   * it is) and `merge`: 'maybe' for optional members of its type (tested at run time).
   */
  readonly snapshot: 'always' | 'maybe' | 'never';
  readonly merge: 'always' | 'maybe' | 'never';
  readonly retract: 'always' | 'maybe' | 'never';
  readonly span: Span;
}

export interface JobPlan {
  /** The source file path as given to the compiler (for headers and messages). */
  readonly file: string;
  /** User-defined functions the queries call, by upper-case name, in declaration order. */
  readonly functions: readonly UserFunctionDef[];
  readonly options: JobOptions;
  readonly sources: readonly SourceDef[];
  readonly sinks: readonly SinkDef[];
  readonly queries: readonly QueryPlan[];
}
