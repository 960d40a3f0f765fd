/** The `file` connector: options (./options.ts), source (./source.ts), sink (./sink.ts; partitioned: ./partitioned.ts). */
import type { Connector } from '../types.ts';
import { fileOptions, type FileConfig } from './options.ts';
import { partitionedFileSink } from './partitioned.ts';
import { fileSink } from './sink.ts';
import { fileSource } from './source.ts';

export const file: Connector<FileConfig> = {
  options: fileOptions,
  source: fileSource,
  // PARTITIONED BY: a folder of partitions, each a file sink of its own (partitioned.ts)
  sink: (ctx) => ((ctx.partitionBy?.length ?? 0) > 0 ? partitionedFileSink(ctx) : fileSink(ctx)),
};
