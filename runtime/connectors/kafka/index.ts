/** The `kafka` and `upsert-kafka` connectors: options (./options.ts), source (./source.ts), sink (./sink.ts). */
import type { Connector } from '../types.ts';
import { kafkaOptions, upsertKafkaOptions, type KafkaConfig } from './options.ts';
import { kafkaSink } from './sink.ts';
import { kafkaSource } from './source.ts';

export const kafka: Connector<KafkaConfig> = { options: kafkaOptions, source: kafkaSource, sink: kafkaSink };

export const upsertKafka: Connector<KafkaConfig> = {
  options: upsertKafkaOptions,
  source: kafkaSource,
  sink: kafkaSink,
};
