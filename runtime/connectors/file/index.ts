/** The `file` connector: options (./options.ts), source (./source.ts), sink (./sink.ts). */
import type { Connector } from '../types.ts';
import { fileOptions, type FileConfig } from './options.ts';
import { fileSink } from './sink.ts';
import { fileSource } from './source.ts';

export const file: Connector<FileConfig> = { options: fileOptions, source: fileSource, sink: fileSink };
