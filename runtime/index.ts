/**
 * The sqc runtime: the public surface that generated modules import (`import * as rt from
 * 'sqc/runtime'`). Generated code owns the specialised per-row work (typed rows, decoders,
 * filters, projections, keys, accumulators, output rows); the runtime owns everything generic
 * (micro-batch loop, sources, sinks, watermarks, window bookkeeping, state, emit modes,
 * progress). See runtime/README.md for a complete hand-written example and the semantics.
 *
 * This file is only the public surface: the types live in `types.ts` (shared) and
 * `engine/api.ts` (the job API); the implementations are re-exported after them.
 * Nothing here imports from compiler/ or grammar/: the runtime is linked by generated code.
 */
export type * from './types.ts';
export type { Job, JobSpec, QueryBuilder, QueryHandle, QuerySpec, UiOptions, UiServer } from './engine/api.ts';
export type {
  ConnectorName,
  DescriptorValue,
  EmitMode,
  FormatName,
  JobOptions,
  OperatorDescriptor,
  PlanGraphNode,
  QueryDescriptor,
  SourceOptions,
  WindowSpec,
} from './contract.ts';
export type { QueryDescription } from './checkpoint/describe.ts';
export type { AggregateFunction, BIGINT, BOOLEAN, DATE, DOUBLE, INT, STRING, TIME, TIMESTAMP } from './udf.ts';

// ---------------------------------------------------------------------------------------------
// Implementations

export { defineJob } from './engine/job.ts';
export type { Bucket, JobView, Notice, QueryView } from './monitor/history.ts';
export { ParseError, QueryError } from './engine/errors.ts';
export { MemoryStream } from './connectors/memory/source.ts';
export { BaseOperator } from './operators/base.ts';
export { WindowAggregate } from './operators/window-aggregate.ts';
export { SessionWindowAggregate } from './operators/session-window-aggregate.ts';
export { GroupAggregate } from './operators/group-aggregate.ts';
export { WindowAssign } from './operators/window-assign.ts';
export { SortLimit } from './operators/sort-limit.ts';
export { TopN } from './operators/top-n.ts';
export { OverAggregate } from './operators/over-aggregate.ts';
export { IntervalJoin, type IntervalJoinConfig } from './operators/interval-join.ts';
export { WindowJoin, type WindowJoinConfig } from './operators/window-join.ts';
export { RegularJoin, type RegularJoinConfig } from './operators/regular-join.ts';
export { ChangelogNormalize, type ChangelogNormalizeConfig } from './operators/changelog-normalize.ts';
export { LookupJoin, type LookupJoinConfig } from './operators/lookup-join.ts';
export type { JoinFns } from './operators/join-fns.ts';
export { LookupTable, type LookupTableConfig } from './connectors/lookup-table.ts';
export {
  firstCumulateEnd,
  firstHopStart,
  windowAssigner,
  windowStart,
  type WindowAssigner,
} from './windows/assigner.ts';
export { compositeKey } from './state/keys.ts';
export * as agg from './aggregates/index.ts';
export * as decode from './formats/decode.ts';
export * as state from './state/index.ts';
/** Scalar SQL functions the generated code calls (DATE_FORMAT, JSON_VALUE, LIKE, ...). */
export * as fn from './functions/index.ts';
export { formatTimestamp, parseTimestamp } from './formats/timestamp.ts';
export { registerConnector, registerSink, registerSource } from './connectors/registry.ts';
export type {
  ConnectorConfig,
  ConnectorSpec,
  EmbeddedConfig,
  OptionSpec,
  OptionUse,
  ResolvedOptions,
} from './connectors/spec.ts';
export type {
  BatchSinkWriter,
  Connector,
  RecordBatch,
  SinkConnector,
  SinkContext,
  SinkFactory,
  SinkRecovery,
  SourceConnector,
  SourceContext,
  SourceFactory,
  WriterOptions,
} from './connectors/types.ts';
