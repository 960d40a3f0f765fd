/**
 * kafkajs, loaded once through `require`: it is a CommonJS module whose exports Node's ESM
 * loader cannot all detect (`import { CompressionCodecs } from 'kafkajs'` fails outside bundlers).
 */
import { createRequire, Module } from 'node:module';
import type * as KafkaJs from 'kafkajs';

const require = createRequire(import.meta.url);
let loaded: typeof KafkaJs | null = null;

/** kafkajs, required on first use: jobs without Kafka do not pay its ~150 ms of start-up. */
export function kafkajs(): typeof KafkaJs {
  if (loaded === null) {
    linearGrouping();
    loaded = require('kafkajs') as typeof KafkaJs;
  }
  return loaded;
}

type Grouping = (o: {
  topic: string;
  partitionMetadata: readonly unknown[];
  messages: readonly unknown[];
  partitioner: (o: { topic: string; partitionMetadata: readonly unknown[]; message: unknown }) => number;
}) => Record<number, unknown[]>;

/**
 * A send's messages per partition, as kafkajs 2.2.4's `groupMessagesPerPartition` returns them
 * (`{ [partition]: messages in order }`), in linear time: kafkajs's copies the partition's array
 * for every message (O(n²) per send; kafkajs#1576, unreleased), which made a 10,000-row output
 * batch cost more CPU and garbage than the rest of its produce request.
 */
export const groupMessagesPerPartition: Grouping = ({ topic, partitionMetadata, messages, partitioner }) => {
  const out: Record<number, unknown[]> = {};
  if (partitionMetadata.length === 0) return out;
  for (const message of messages) (out[partitioner({ topic, partitionMetadata, message })] ??= []).push(message);
  return out;
};

/** Puts `groupMessagesPerPartition` in kafkajs's place in the module cache, before kafkajs's producer loads it. */
function linearGrouping(): void {
  const path = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');
  if (require.cache[path] !== undefined) return;
  const m = new Module(path);
  m.filename = path;
  m.loaded = true;
  m.exports = groupMessagesPerPartition;
  require.cache[path] = m;
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
