/** The `nexmark` connector: options (./options.ts) and source (./source.ts). */
import type { Connector } from '../types.ts';
import { nexmarkOptions, type NexmarkConfig } from './options.ts';
import { nexmarkSource } from './source.ts';

export const nexmark: Connector<NexmarkConfig> = { options: nexmarkOptions, source: nexmarkSource };
