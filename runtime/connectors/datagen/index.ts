/** The `datagen` connector: options (./options.ts) and source (./source.ts). */
import type { Connector } from '../types.ts';
import { datagenOptions, type DatagenConfig } from './options.ts';
import { datagenSource } from './source.ts';

export const datagen: Connector<DatagenConfig> = { options: datagenOptions, source: datagenSource };
