/**
 * Connector (`WITH`) and job (`SET`) options: the single source of truth for which keys exist,
 * what values they take, their defaults and where they apply.
 *
 * - The binder calls `validateConnectorOptions` for every CREATE STREAM / TABLE / SINK and
 *   `validateSetOption` for every SET; the planner puts `resolved` (all options with defaults)
 *   into the plan and `resolveJobOptions(sets)` into `JobPlan.options`.
 * - The runtime reads typed values from resolved options with the parsers in
 *   `runtime/options.ts` (no compiler imports there).
 * - docs/connectors.md is `renderConnectorDocs()`; docs.test.ts keeps it in sync.
 *
 * Diagnostics: SQ0501 unknown key (did-you-mean over the connector's keys; also a key of a role
 * a SINK cannot play, or of another format), SQ0502 missing required key, SQ0503 invalid value,
 * SQ0504 unknown connector, SQ0505 bad SET, SQ0105 duplicate key, SQ0102 unknown column in
 * `key.fields` / `fields.<column>.*`, SQ0902 warnings (ignored options, at-least-once Kafka sink
 * under checkpointing).
 */
export { validateConnectorOptions, type ConnectorOptionsInput, type ConnectorOptionsResult } from './validate.ts';
export { checkColumnOptions, type ColumnCheckInput } from './rules.ts';
export {
  validateSetOption,
  resolveJobOptions,
  JOB_OPTIONS,
  type ResolvedJobOptions,
  type SetOptionResult,
  type JobOptionSpec,
} from './job.ts';
export {
  CONNECTOR_OPTIONS as CONNECTORS,
  CONNECTOR_NAMES,
  CONNECTOR_ALIASES,
} from '../../runtime/connectors/options.ts';
export { formatFromPath } from '../../runtime/connectors/file/options.ts';
export { FORMATS, FORMAT_NAMES, normaliseKey } from '../../runtime/formats/options.ts';
export { connectorConfig, isBoundedSource, deliveryGuarantee, keyFields, sourceOptions } from './resolved.ts';
export { renderConnectorDocs } from './docs.ts';
export type { ConnectorSpec, OptionSpec, OptionRoles, ValueType } from '../../runtime/connectors/spec.ts';
