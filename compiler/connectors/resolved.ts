/**
 * Facts derived from resolved options, shared by the binder and the planner so that the
 * meaning of an option is decided in one place.
 */
import type { ConnectorName, SourceOptions } from '../../runtime/contract.ts';
import { parseDuration, parseList } from '../../runtime/options.ts';

/**
 * Whether a source ends by itself: a file without 'source.monitor-interval', datagen with
 * 'number-of-rows' or a sequence column, nexmark with 'events.num', memory unless
 * 'memory.bounded' = 'false'. Kafka sources are unbounded.
 */
export function isBoundedSource(connector: ConnectorName, resolved: Readonly<Record<string, string>>): boolean {
  switch (connector) {
    case 'file':
      return resolved['source.monitor-interval'] === undefined;
    case 'datagen':
      return (
        resolved['number-of-rows'] !== undefined ||
        Object.entries(resolved).some(([k, v]) => k.startsWith('fields.') && k.endsWith('.kind') && v === 'sequence')
      );
    case 'nexmark':
      return resolved['events.num'] !== undefined;
    case 'memory':
      return resolved['memory.bounded'] !== 'false';
    default:
      return false;
  }
}

/**
 * The delivery guarantee of a sink after a restart from a checkpoint: the file sink commits
 * atomically, Kafka sinks follow 'sink.delivery-guarantee', the rest are at-least-once.
 */
export function deliveryGuarantee(
  connector: ConnectorName,
  resolved: Readonly<Record<string, string>>,
): 'at-least-once' | 'exactly-once' {
  switch (connector) {
    case 'file':
      return 'exactly-once';
    case 'kafka':
    case 'upsert-kafka':
      return resolved['sink.delivery-guarantee'] === 'exactly-once' ? 'exactly-once' : 'at-least-once';
    default:
      return 'at-least-once';
  }
}

/** The key columns of a Kafka sink's records as written in 'key.fields', or null. */
export function keyFields(resolved: Readonly<Record<string, string>>): string[] | null {
  const v = resolved['key.fields'];
  return v === undefined ? null : parseList(v);
}

/** The runtime's view of a validated source (LANGUAGE.md §5 options pulled out). */
export function sourceOptions(connector: ConnectorName, resolved: Readonly<Record<string, string>>): SourceOptions {
  const idle = resolved['scan.idle-timeout'];
  return {
    connector,
    options: resolved,
    idleTimeoutMs: idle === undefined ? null : parseDuration(idle),
    lateSink: resolved['late.sink'] ?? null,
  };
}
