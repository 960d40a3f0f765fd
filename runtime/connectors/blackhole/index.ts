/** The `blackhole` connector: options (./options.ts) and sink (./sink.ts). */
import type { Connector } from '../types.ts';
import { blackholeOptions, type BlackholeConfig } from './options.ts';
import { blackholeSink } from './sink.ts';

export const blackhole: Connector<BlackholeConfig> = { options: blackholeOptions, sink: blackholeSink };
