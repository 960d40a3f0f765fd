/** The `memory` connector's options and typed config (pure: imported by the compiler too). */
import { BATCH_SIZE, SOURCE_COMMON, bool, optionReader, str } from '../common.ts';
import type { ConnectorConfig, ConnectorSpec } from '../spec.ts';

export interface MemoryConfig extends ConnectorConfig {
  readonly format: null;
  /** Name under which the program supplies or receives the rows. */
  readonly name: string;
}

export const memoryOptions: ConnectorSpec<MemoryConfig> = {
  name: 'memory',
  folder: 'memory',
  description: 'Rows handed in and out by the embedding program (tests, applications).',
  roles: 'both',
  formats: [],
  keyFormat: false,
  metadata: [],
  options: [
    {
      key: 'memory.name',
      type: str,
      roles: 'both',
      default: (ctx) => ctx.relationName,
      defaultDoc: 'the relation name',
      description: 'Name under which the program supplies or receives the rows.',
    },
    {
      key: 'memory.bounded',
      type: bool,
      roles: 'source',
      default: 'true',
      description:
        "Whether the supplied rows end ('false': the program keeps pushing rows until it closes the source).",
    },
    BATCH_SIZE,
    ...SOURCE_COMMON,
  ],
  rules: [],
  resolve(options, use) {
    const r = optionReader(memoryOptions.options, options, use);
    return {
      format: null,
      // the rows end the input unless 'memory.bounded' = 'false' (then it waits until stopped)
      bounded: r.boolean('memory.bounded')!,
      batchSize: r.integer('scan.batch-size')!,
      deliveryGuarantee: 'at-least-once',
      name: r.string('memory.name') ?? use.relationName,
    };
  },
};
