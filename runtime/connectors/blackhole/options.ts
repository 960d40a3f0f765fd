/** The `blackhole` connector's options and typed config (pure: imported by the compiler too). */
import { DEFAULT_BATCH_SIZE, SINK_PARALLELISM } from '../common.ts';
import type { ConnectorConfig, ConnectorSpec } from '../spec.ts';

export type BlackholeConfig = ConnectorConfig;

export const blackholeOptions: ConnectorSpec<BlackholeConfig> = {
  name: 'blackhole',
  folder: 'blackhole',
  description: 'Discards every row (for benchmarks).',
  roles: 'sink',
  formats: [],
  keyFormat: false,
  metadata: [],
  options: [SINK_PARALLELISM],
  rules: [],
  resolve: () => ({ format: null, bounded: false, batchSize: DEFAULT_BATCH_SIZE, deliveryGuarantee: 'at-least-once' }),
};
