/**
 * The options-only connector registry: one line per connector, each its `<name>/options.ts`.
 * The compiler imports this (never the implementations, so it never loads Node I/O or kafkajs);
 * the runtime registry (`registry.ts`) pairs the same names with their implementations.
 */
import { blackholeOptions } from './blackhole/options.ts';
import { datagenOptions } from './datagen/options.ts';
import { fileOptions } from './file/options.ts';
import { kafkaOptions, upsertKafkaOptions } from './kafka/options.ts';
import { memoryOptions } from './memory/options.ts';
import { nexmarkOptions } from './nexmark/options.ts';
import { printOptions } from './print/options.ts';
import type { ConnectorName } from '../contract.ts';
import type { ConnectorSpec } from './spec.ts';

export const CONNECTOR_OPTIONS = {
  kafka: kafkaOptions,
  'upsert-kafka': upsertKafkaOptions,
  file: fileOptions,
  datagen: datagenOptions,
  nexmark: nexmarkOptions,
  print: printOptions,
  blackhole: blackholeOptions,
  memory: memoryOptions,
} as const satisfies Readonly<Record<ConnectorName, ConnectorSpec<any>>>;

export const CONNECTOR_NAMES = Object.keys(CONNECTOR_OPTIONS) as ConnectorName[];

/** Other spellings of connector names, accepted and normalised (from each spec's `aliases`). */
export const CONNECTOR_ALIASES: Readonly<Record<string, ConnectorName>> = Object.fromEntries(
  CONNECTOR_NAMES.flatMap((n) => ((CONNECTOR_OPTIONS[n] as ConnectorSpec).aliases ?? []).map((a) => [a, n])),
);

/** The canonical name of `name` (case-insensitive, aliases resolved), or null when unknown. */
export function connectorName(name: string): ConnectorName | null {
  const n = name.trim().toLowerCase();
  if (n in CONNECTOR_OPTIONS) return n as ConnectorName;
  return CONNECTOR_ALIASES[n] ?? null;
}

/** The options of connector `name` (aliases resolved), or null when unknown. */
export function connectorOptions(name: string): ConnectorSpec | null {
  const n = connectorName(name);
  return n === null ? null : (CONNECTOR_OPTIONS[n] as ConnectorSpec);
}
