/**
 * kafkajs, loaded once through `require`: it is a CommonJS module whose exports Node's ESM
 * loader cannot all detect (`import { CompressionCodecs } from 'kafkajs'` fails outside bundlers).
 */
import { createRequire } from 'node:module';
import type * as KafkaJs from 'kafkajs';

const require = createRequire(import.meta.url);
let loaded: typeof KafkaJs | null = null;

/** kafkajs, required on first use: jobs without Kafka do not pay its ~150 ms of start-up. */
export function kafkajs(): typeof KafkaJs {
  return (loaded ??= require('kafkajs') as typeof KafkaJs);
}

/** A kafkajs client (`new Kafka(config)`), loading kafkajs on first use. */
export function newKafka(config: KafkaJs.KafkaConfig): KafkaJs.Kafka {
  return new (kafkajs().Kafka)(config);
}

/** kafkajs's `CompressionTypes`: the codec ids of the Kafka protocol, without loading kafkajs. */
export const CompressionTypes = {
  None: 0 as KafkaJs.CompressionTypes.None,
  GZIP: 1 as KafkaJs.CompressionTypes.GZIP,
  Snappy: 2 as KafkaJs.CompressionTypes.Snappy,
  LZ4: 3 as KafkaJs.CompressionTypes.LZ4,
  ZSTD: 4 as KafkaJs.CompressionTypes.ZSTD,
} as const;
