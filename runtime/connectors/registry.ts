/**
 * The runtime connector registry: one line per implemented connector (its `<name>/index.ts`).
 * The options of every connector the compiler accepts are in `options.ts`; a connector listed
 * there but not here compiles, and a job using it fails at start with "not available in this
 * runtime". Programs can add connectors with `registerConnector` (or the older
 * `registerSource` / `registerSink`).
 */
import { blackhole } from './blackhole/index.ts';
import { datagen } from './datagen/index.ts';
import { file } from './file/index.ts';
import { kafka, upsertKafka } from './kafka/index.ts';
import { memory } from './memory/index.ts';
import { nexmark } from './nexmark/index.ts';
import { connectorName, connectorOptions } from './options.ts';
import { print } from './print/index.ts';
import type { ConnectorSpec } from './spec.ts';
import type { Connector, SinkFactory, SourceFactory } from './types.ts';

const BUILT_IN: readonly Connector<any>[] = [file, memory, datagen, nexmark, print, blackhole, kafka, upsertKafka];

/** Implementations by canonical name; `options` is absent for a program's own connector registered by name only. */
type Registered = Partial<Connector<any>>;

const connectors = new Map<string, Registered>(BUILT_IN.map((c) => [c.options.name, c]));

/** Adds (or replaces) a connector implementation under its `options.name`. */
export function registerConnector(connector: Connector<any>): void {
  connectors.set(connector.options.name, connector);
}

function registered(name: string): Registered | undefined {
  return connectors.get(connectorName(name) ?? name);
}

/**
 * Registers a source factory under `name`: a connector of the options registry, or a program's
 * own connector (it has no options of its own; its specs declare `format` and `bounded`).
 */
export function registerSource(name: string, factory: SourceFactory): void {
  const key = connectorName(name) ?? name;
  connectors.set(key, { ...connectors.get(key), source: factory });
}

export function registerSink(name: string, factory: SinkFactory): void {
  const key = connectorName(name) ?? name;
  connectors.set(key, { ...connectors.get(key), sink: factory });
}

/** The options of connector `name`: a registered implementation's, else the options registry's; null for a program's own connector. */
export function connectorSpec(name: string): ConnectorSpec | null {
  return registered(name)?.options ?? connectorOptions(name);
}

export function sourceFactory(name: string): SourceFactory {
  const f = registered(name)?.source;
  if (!f) throw new Error(`the '${name}' source connector is not available in this runtime`);
  return f;
}

export function sinkFactory(name: string): SinkFactory {
  const f = registered(name)?.sink;
  if (!f) throw new Error(`the '${name}' sink connector is not available in this runtime`);
  return f;
}
