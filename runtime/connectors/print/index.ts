/** The `print` connector: options (./options.ts) and sink (./sink.ts). */
import type { Connector } from '../types.ts';
import { printOptions, type PrintConfig } from './options.ts';
import { printSink } from './sink.ts';

export const print: Connector<PrintConfig> = { options: printOptions, sink: printSink };
