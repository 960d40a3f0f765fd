/** The `print` connector's options and typed config (pure: imported by the compiler too). */
import { DEFAULT_BATCH_SIZE, SINK_PARALLELISM, bool, optionReader, str } from '../common.ts';
import type { ConnectorConfig, ConnectorSpec } from '../spec.ts';

export interface PrintConfig extends ConnectorConfig {
  readonly format: null;
  /** Prefix of every printed line; null: the sink name. */
  readonly identifier: string | null;
  readonly printFormat: 'table' | 'json';
  readonly standardError: boolean;
}

export const printOptions: ConnectorSpec<PrintConfig> = {
  name: 'print',
  folder: 'print',
  description: 'Writes rows to the console (at-least-once: rows may print again after a restart).',
  roles: 'sink',
  formats: [],
  keyFormat: false,
  metadata: [],
  options: [
    {
      key: 'print-identifier',
      type: str,
      roles: 'sink',
      description: 'Prefix of every printed line.',
    },
    {
      key: 'print.format',
      type: { kind: 'enum', values: ['table', 'json'] },
      roles: 'sink',
      default: 'table',
      description: "'table' (readable, aligned columns with the change kind) or 'json' (JSON lines).",
    },
    {
      key: 'standard-error',
      type: bool,
      roles: 'sink',
      default: 'false',
      description: 'Print to standard error instead of standard output.',
    },
    SINK_PARALLELISM,
  ],
  rules: [],
  resolve(options, use) {
    const r = optionReader(printOptions.options, options, use);
    return {
      format: null,
      bounded: false,
      batchSize: DEFAULT_BATCH_SIZE,
      deliveryGuarantee: 'at-least-once',
      identifier: r.string('print-identifier'),
      printFormat: r.enum('print.format', ['table', 'json'] as const)!,
      standardError: r.boolean('standard-error')!,
    };
  },
};
