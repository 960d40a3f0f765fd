/**
 * Flink's legacy option keys (the connector descriptors of Flink ≤ 1.10, `'connector.type' =
 * 'filesystem'`, still in DDL users paste — NEXMark's q13 among them), read as the keys that
 * replaced them (FLIP-122), each with a warning (SQ0903) that names the current spelling.
 */
import { normaliseKey } from '../../runtime/formats/options.ts';

/** Legacy key → current key (case-sensitive, as Flink's keys are). */
export const LEGACY_OPTION_KEYS: Readonly<Record<string, string>> = {
  'connector.type': 'connector',
  'connector.path': 'path',
  'connector.topic': 'topic',
  'connector.properties.bootstrap.servers': 'properties.bootstrap.servers',
  'connector.properties.group.id': 'properties.group.id',
  'connector.startup-mode': 'scan.startup.mode',
  'format.type': 'format',
  'format.field-delimiter': 'csv.field-delimiter',
  'format.ignore-parse-errors': 'json.ignore-parse-errors',
  'format.fail-on-missing-field': 'json.fail-on-missing-field',
};

/** The current spelling of a legacy key, or undefined when `key` is not one. */
export function currentKey(key: string): string | undefined {
  return Object.hasOwn(LEGACY_OPTION_KEYS, key) ? LEGACY_OPTION_KEYS[key] : undefined;
}

/** The key an option pair sets: its current spelling, normalised (`value.format` → `format`). */
export function optionKey(written: string): string {
  const k = written.trim();
  return normaliseKey(currentKey(k) ?? k);
}
