/**
 * Facts derived from resolved options, shared by the binder and the planner. Each is read from
 * the connector's typed config (`runtime/connectors/<name>/options.ts` `resolve()`), so the
 * meaning of an option is decided in one place, for the compiler and the runtime alike.
 */
import type { ConnectorName, SourceOptions } from '../../runtime/contract.ts';
import { DEFAULT_BATCH_SIZE, sourceCommon } from '../../runtime/connectors/common.ts';
import { CONNECTOR_OPTIONS } from '../../runtime/connectors/options.ts';
import type { ConnectorConfig, ConnectorSpec, OptionUse, ResolvedOptions } from '../../runtime/connectors/spec.ts';
import { parseList } from '../../runtime/options.ts';
import { findConnectorOption } from './validate.ts';
import { checkValue } from './values.ts';

/**
 * The connector's typed config of validated options (what the generated module embeds). A value
 * that failed validation (reported as SQ0503; such a plan is never emitted) is left out, so the
 * rest of the program is still checked.
 */
export function connectorConfig(connector: ConnectorName, resolved: ResolvedOptions, use: OptionUse): ConnectorConfig {
  const spec = CONNECTOR_OPTIONS[connector] as ConnectorSpec | undefined;
  // An unknown or missing connector is already an error (SQ0504/SQ0502); the rest is still checked.
  if (spec === undefined)
    return { format: null, bounded: true, batchSize: DEFAULT_BATCH_SIZE, deliveryGuarantee: 'at-least-once' };
  try {
    return spec.resolve(resolved, use);
  } catch {
    const valid = Object.entries(resolved).filter(([key, value]) => {
      const option = findConnectorOption(spec, key);
      return option === null || checkValue(option.type, value).ok;
    });
    try {
      return spec.resolve(Object.fromEntries(valid), use);
    } catch {
      // a value its type accepts but a rule rejects (reported): the defaults stand in
      return spec.resolve({ connector }, use);
    }
  }
}

const READ: OptionUse = { relationName: '', reads: true, writes: false };
const WRITE: OptionUse = { relationName: '', reads: false, writes: true };

/** Whether a source ends by itself (the config's `bounded`). */
export function isBoundedSource(connector: ConnectorName, resolved: ResolvedOptions): boolean {
  return connectorConfig(connector, resolved, READ).bounded;
}

/** The delivery guarantee of a sink after a restart from a checkpoint (the config's). */
export function deliveryGuarantee(
  connector: ConnectorName,
  resolved: ResolvedOptions,
): 'at-least-once' | 'exactly-once' {
  return connectorConfig(connector, resolved, WRITE).deliveryGuarantee;
}

/** The key columns of a Kafka sink's records as written in 'key.fields', or null. */
export function keyFields(resolved: ResolvedOptions): string[] | null {
  const v = resolved['key.fields'];
  return v === undefined ? null : parseList(v);
}

/** The runtime's view of a validated source (LANGUAGE.md §5 options pulled out). */
export function sourceOptions(connector: ConnectorName, resolved: ResolvedOptions): SourceOptions {
  return { connector, options: resolved, ...sourceCommon(resolved) };
}
