/**
 * Connector factories by name. The built-in ones are registered here; a Kafka implementation
 * (kafkajs) registers `kafka` / `upsert-kafka` the same way without touching the engine.
 */
import type { SinkFactory, SourceFactory } from './types.ts';
import { blackholeSink } from './blackhole-sink.ts';
import { datagenSource } from './datagen-source.ts';
import { fileSink } from './file-sink.ts';
import { fileSource } from './file-source.ts';
import { memorySink } from './memory-sink.ts';
import { memorySource } from './memory-source.ts';
import { printSink } from './print-sink.ts';
import { kafkaSink } from './kafka/sink.ts';
import { kafkaSource } from './kafka/source.ts';

const sources = new Map<string, SourceFactory>([
  ['file', fileSource],
  ['filesystem', fileSource],
  ['memory', memorySource],
  ['datagen', datagenSource],
  ['kafka', kafkaSource],
  ['upsert-kafka', kafkaSource],
]);

const sinks = new Map<string, SinkFactory>([
  ['file', fileSink],
  ['filesystem', fileSink],
  ['memory', memorySink],
  ['print', printSink],
  ['blackhole', blackholeSink],
  ['kafka', kafkaSink],
  ['upsert-kafka', kafkaSink],
]);

export function registerSource(connector: string, factory: SourceFactory): void {
  sources.set(connector, factory);
}

export function registerSink(connector: string, factory: SinkFactory): void {
  sinks.set(connector, factory);
}

export function sourceFactory(connector: string): SourceFactory {
  const f = sources.get(connector);
  if (!f) throw new Error(`the '${connector}' source connector is not available in this runtime`);
  return f;
}

export function sinkFactory(connector: string): SinkFactory {
  const f = sinks.get(connector);
  if (!f) throw new Error(`the '${connector}' sink connector is not available in this runtime`);
  return f;
}
