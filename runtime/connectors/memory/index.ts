/** The `memory` connector: options (./options.ts), source (./source.ts), sink (./sink.ts). */
import type { Connector } from '../types.ts';
import { memoryOptions, type MemoryConfig } from './options.ts';
import { memorySink } from './sink.ts';
import { memorySource } from './source.ts';

export const memory: Connector<MemoryConfig> = { options: memoryOptions, source: memorySource, sink: memorySink };
