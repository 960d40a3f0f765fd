/**
 * kafkajs 2.2.4's Produce request v3 (`protocol/requests/produce/v3/request`, which v4–v7 build
 * on), encoding the same bytes with less work per message: kafkajs's copies every message into a
 * new object with its offset and timestamp deltas (`{ ...message, offsetDelta, timestampDelta }`)
 * and maps, filters and sorts the messages' timestamps even when none has one — in a profile of a
 * Kafka → filter → Kafka job the copy alone was 5% of the process's CPU. Here each record is
 * encoded from the message's own fields (`key`, `value`, `headers`, `timestamp`: what the record
 * encoder reads), and the timestamps are sorted only when a message has one, in kafkajs's order
 * (its `sort()` compares them as text). Installed by `patchKafkajs` (kafkajs.ts).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface Encoder {
  writeString(s: string | null): Encoder;
  writeInt16(n: number): Encoder;
  writeInt32(n: number): Encoder;
  writeArray(a: readonly unknown[]): Encoder;
  writeEncoder(e: unknown): Encoder;
}

interface Message {
  readonly key?: unknown;
  readonly value?: unknown;
  readonly headers?: unknown;
  readonly timestamp?: number | string | null;
}

interface PartitionData {
  readonly partition: number;
  readonly messages: readonly Message[];
  readonly firstSequence?: number;
}

interface Internals {
  readonly Encoder: new () => Encoder;
  readonly apiKey: number;
  readonly none: number;
  readonly minusOne: unknown;
  readonly record: (r: Record<string, unknown>) => unknown;
  readonly recordBatch: (o: Record<string, unknown>) => Promise<{ size(): number }>;
}

let internals: Internals | null = null;

function kafkajsParts(): Internals {
  if (internals !== null) return internals;
  const Long = require('kafkajs/src/utils/long.js') as { fromInt(n: number): unknown };
  internals = {
    Encoder: require('kafkajs/src/protocol/encoder.js') as Internals['Encoder'],
    apiKey: (require('kafkajs/src/protocol/requests/apiKeys.js') as { Produce: number }).Produce,
    none: (require('kafkajs/src/protocol/message/compression/index.js') as { Types: { None: number } }).Types.None,
    minusOne: Long.fromInt(-1),
    // the record encoder in kafkajs's module cache (sqc's `encodeRecord` once patched)
    record: require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as Internals['record'],
    recordBatch: (require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: Internals['recordBatch'] })
      .RecordBatch,
  };
  return internals;
}

/** One partition's record batch, as kafkajs's `partitionsEncoder` writes it. */
async function encodePartition(
  k: Internals,
  data: PartitionData,
  compression: number,
  transactionalId: string | null,
  producerId: unknown,
  producerEpoch: number,
): Promise<Encoder> {
  const { partition, messages, firstSequence } = data;
  const now = Date.now();
  let first: number | string = now;
  let max: number | string = now;
  if (messages.some((m) => m.timestamp != null)) {
    const sorted = messages
      .map((m) => m.timestamp)
      .filter((t) => t != null)
      .sort();
    first = sorted[0]!;
    max = sorted[sorted.length - 1]!;
  }
  const records = new Array<unknown>(messages.length);
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    records[i] = k.record({
      offsetDelta: i,
      timestampDelta: ((m.timestamp || now) as number) - (first as number),
      key: m.key,
      value: m.value,
      headers: m.headers,
    });
  }
  const batch = await k.recordBatch({
    compression,
    records,
    firstTimestamp: first,
    maxTimestamp: max,
    producerId,
    producerEpoch,
    firstSequence,
    transactional: !!transactionalId,
    lastOffsetDelta: records.length - 1,
  });
  return new k.Encoder().writeInt32(partition).writeInt32(batch.size()).writeEncoder(batch);
}

/** The Produce request v3 (kafkajs's module export). */
export function produceRequest({
  acks,
  timeout,
  transactionalId = null,
  producerId,
  producerEpoch = 0,
  compression,
  topicData,
}: {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: readonly { topic: string; partitions: readonly PartitionData[] }[];
}): unknown {
  const k = kafkajsParts();
  // kafkajs's parameter defaults (for undefined only)
  const codec = compression === undefined ? k.none : compression;
  const id = producerId === undefined ? k.minusOne : producerId;
  return {
    apiKey: k.apiKey,
    apiVersion: 3,
    apiName: 'Produce',
    expectResponse: () => acks !== 0,
    encode: async () => {
      const topics: Encoder[] = [];
      for (const { topic, partitions } of topicData) {
        const encoded: Encoder[] = [];
        for (const data of partitions)
          encoded.push(await encodePartition(k, data, codec, transactionalId, id, producerEpoch));
        topics.push(new k.Encoder().writeString(topic).writeArray(encoded));
      }
      return new k.Encoder().writeString(transactionalId).writeInt16(acks).writeInt32(timeout).writeArray(topics);
    },
  };
}
