/**
 * The `kafka` and `upsert-kafka` sinks: each micro-batch's rows become records of one topic.
 *
 * At-least-once (default): sent with acks=all and awaited in `commit`, i.e. before the
 * checkpoint's commit marker (a batch cut short by a crash is sent again when it is re-run).
 * Exactly-once (`'sink.delivery-guarantee' = 'exactly-once'` in a job with `checkpoint.dir`):
 * Kafka transactions committed with each checkpoint, see transactions.ts; without a checkpoint
 * it writes at-least-once and says why.
 *
 * Key: `key.fields` (or the PRIMARY KEY / the query's group key) in `key.format`. Partition:
 * `sink.partitioner` — `default` (Java-compatible murmur2 of the key bytes; keyless records
 * round-robin), `fixed` (everything to partition 0, Flink's one-subtask FlinkFixedPartitioner),
 * `round-robin`. A `-D` row is a tombstone (null value) for its key; `upsert-kafka` writes
 * `+I`/`+U` as values and `-D` as tombstones, so the topic's last value per key is the result.
 *
 * Writable metadata (Flink's): a `timestamp` column (TIMESTAMP_LTZ(3)) is the record's timestamp
 * (null: the time of sending), a `headers` column (MAP<STRING, STRING | BYTES>) its headers; both
 * stay out of the value.
 */
import type { CompressionTypes as Codec, IHeaders, Message, Producer } from 'kafkajs';
import { CompressionTypes, newKafka } from './kafkajs.ts';
import type { Json, RowKind } from '../../types.ts';
import { RowBuffer } from '../types.ts';
import type { BatchSinkWriter, SinkConnector, SinkContext, SinkRecovery, WriterOptions } from '../types.ts';
import { clientSettings, kafkaError, withRetry, KafkaError, type ClientSettings } from './client.ts';
import { ExactlyOnce, ensureProgressTopic, type Encoders, type TransactionalSinkParts } from './transactions.ts';
import { TaskTransactions } from './task-transactions.ts';
import { recordEncoder, recordLayout } from './codec.ts';
import { partitionOfKey } from './murmur2.ts';
import { registerCodecs } from './compression.ts';
import { repartitionTopic, type KafkaConfig } from './options.ts';
import { prepareRepartitionTopic, refuseUnscaled, TaskMarks } from './repartition.ts';

type Row = Record<string, unknown>;

/** Bytes a record takes in a batch beyond its key and value (an upper bound of Kafka's record framing). */
const RECORD_OVERHEAD = 32;

const COMPRESSION: Readonly<Record<string, Codec>> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
};

type Partitioner = (key: Buffer | null, partitions: number) => number;

function partitioner(name: KafkaConfig['partitioner']): Partitioner {
  let next = 0;
  switch (name) {
    case 'fixed':
      return () => 0;
    case 'round-robin':
      return (_key, n) => next++ % n;
    case 'default':
      return (key, n) => (key === null ? next++ % n : partitionOfKey(key, n));
  }
}

/** The default of `sink.progress-topic`. */
export const DEFAULT_PROGRESS_TOPIC = '_sqc-progress';

class KafkaSink implements SinkConnector, TransactionalSinkParts {
  readonly guarantee: 'exactly-once' | 'at-least-once';
  readonly name: string;
  readonly settings: ClientSettings;
  readonly topic: string;
  private readonly upsert: boolean;
  readonly compression: Codec;
  private producer: Producer | null = null;
  /** Exactly-once with checkpoints: the transactional writers; else null. */
  private readonly eos: ExactlyOnce | null;
  /** Exactly-once in a scaled-out job: a transactional producer per task; else null. */
  private readonly tasks: TaskTransactions | null;
  private partitions = 0;
  private readonly partition: Partitioner;
  /** The columns written as the record timestamp / headers, or null. */
  private readonly timestampColumn: string | null;
  private readonly headersColumn: string | null;

  constructor(private readonly ctx: SinkContext<KafkaConfig>) {
    const config = ctx.config;
    this.timestampColumn = ctx.metadata.find((m) => m.key === 'timestamp')?.name ?? null;
    this.headersColumn = ctx.metadata.find((m) => m.key === 'headers')?.name ?? null;
    this.upsert = config.upsert;
    this.settings = clientSettings(ctx.name, config);
    if (config.topics.length !== 1)
      throw new KafkaError(`sink "${ctx.name}" needs 'topic' naming one topic`, null, false);
    const rp = config.repartition;
    if (rp !== undefined) refuseUnscaled(ctx.name, ctx.scaleOut ?? null);
    // a repartition topic is named after the job as it runs (`--set pipeline.name` included)
    this.topic = rp !== undefined ? repartitionTopic(ctx.job ?? 'job', rp.operator) : config.topics[0]!;
    this.partition = partitioner(config.partitioner);
    const c = COMPRESSION[config.compression];
    if (c === undefined)
      throw new KafkaError(
        `properties.compression.type '${config.compression}' is not supported`,
        "sqc reads zstd topics but does not write zstd; use 'gzip', 'snappy' or 'lz4'",
        false,
      );
    if (c !== CompressionTypes.None && c !== CompressionTypes.GZIP) registerCodecs();
    this.compression = c;
    this.name = ctx.name;
    const exactlyOnce = ctx.deliveryGuarantee === 'exactly-once' && ctx.checkpointing;
    const perTask = ctx.deliveryGuarantee === 'exactly-once' && (ctx.scaleOut ?? null) !== null;
    this.guarantee = exactlyOnce || perTask ? 'exactly-once' : 'at-least-once';
    this.tasks = perTask
      ? new TaskTransactions(this, {
          job: ctx.job ?? 'job',
          prefix: config.transactionalIdPrefix ?? `sqc-${ctx.name}`,
          timeoutMs: config.transactionTimeoutMs,
          scaleOut: ctx.scaleOut!,
          notice: (m) => ctx.notice?.(m),
        })
      : null;
    this.eos = exactlyOnce
      ? new ExactlyOnce(this, {
          job: ctx.job ?? 'job',
          prefix: config.transactionalIdPrefix ?? `sqc-${ctx.name}`,
          progressTopic: config.progressTopic ?? DEFAULT_PROGRESS_TOPIC,
          timeoutMs: config.transactionTimeoutMs,
          notice: (m) => ctx.notice?.(m),
        })
      : null;
  }

  /** Scaled out: a repartition topic is created with the job's task count before anything reads it. */
  async prepare(tasks: number): Promise<void> {
    if (this.ctx.config.repartition === undefined) return;
    const kafka = newKafka(this.settings.config);
    const admin = kafka.admin();
    await withRetry(
      async () => {
        await admin.connect();
        try {
          await prepareRepartitionTopic(admin, this.topic, tasks);
        } finally {
          await admin.disconnect();
        }
      },
      {
        budgetMs: this.settings.retryTimeoutMs,
        brokers: this.settings.brokers,
        what: `repartition topic ${this.topic}`,
      },
    );
  }

  async open(recovery?: SinkRecovery | null): Promise<void> {
    if (this.ctx.deliveryGuarantee === 'exactly-once' && this.eos === null && this.tasks === null)
      this.ctx.notice?.(
        `sink "${this.ctx.name}" is at-least-once: 'sink.delivery-guarantee' = 'exactly-once' needs a checkpoint (SET 'checkpoint.dir'), whose log replays the batches a crash interrupted`,
      );
    const kafka = newKafka(this.settings.config);
    const what = `sink "${this.ctx.name}" (topic ${this.topic})`;
    const admin = kafka.admin();
    this.partitions = await withRetry(
      async () => {
        await admin.connect();
        try {
          const exists = (await admin.listTopics()).includes(this.topic);
          // Sinks create their topic with the cluster's defaults, as a Kafka producer would.
          if (!exists) await admin.createTopics({ topics: [{ topic: this.topic }], waitForLeaders: true });
          const meta = await admin.fetchTopicMetadata({ topics: [this.topic] });
          if (this.eos !== null) await ensureProgressTopic(admin, this.eos.settings.progressTopic);
          return meta.topics[0]!.partitions.length;
        } finally {
          await admin.disconnect();
        }
      },
      { budgetMs: this.settings.retryTimeoutMs, brokers: this.settings.brokers, what },
    );
    if (this.eos !== null) {
      await this.eos.open(kafka, recovery);
      this.ctx.notice?.(this.eos.describe());
      return;
    }
    if (this.tasks !== null) {
      this.tasks.open(kafka);
      this.ctx.notice?.(this.tasks.describe());
      return;
    }
    const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 3 } });
    await withRetry(() => producer.connect(), {
      budgetMs: this.settings.retryTimeoutMs,
      brokers: this.settings.brokers,
      what,
    });
    this.producer = producer;
  }

  writer(o: WriterOptions): BatchSinkWriter {
    const keyFields = this.ctx.keyFields.length > 0 ? this.ctx.keyFields : (o.upsertKey ?? []);
    const metadata = new Set(this.ctx.metadata.map((m) => m.name));
    const fields = this.ctx.schema.filter((f) => !metadata.has(f.name));
    const layout = recordLayout(fields, this.ctx.config, keyFields);
    const enc = recordEncoder(layout, this.ctx.options);
    const encoders: Encoders = { key: enc.key, value: enc.value, upsert: this.upsert };
    if (this.tasks !== null)
      return this.tasks.writer(
        o.query,
        encoders,
        this.ctx.config.repartition !== undefined ? new TaskMarks(this.topic, () => this.partitions) : null,
      );
    return this.eos !== null ? this.eos.writer(o.query, encoders) : new KafkaWriter(this, encoders);
  }

  async sync(_durable: ReadonlyMap<string, number>, query?: string): Promise<void> {
    if (query !== undefined) await this.eos?.sync(query);
  }

  checkpointMark(query: string): Json | undefined {
    return this.eos?.mark(query);
  }

  /** One batch's records, in chunks below `properties.max.request.size` (one produce request each). */
  chunks(rows: readonly Row[], kinds: readonly RowKind[], encode: Encoders): Message[][] {
    const { key, value, upsert } = encode;
    const ts = this.timestampColumn;
    const hs = this.headersColumn;
    const limit = this.ctx.config.maxRequestBytes;
    const out: Message[][] = [];
    let chunk: Message[] = [];
    let bytes = 0;
    for (let i = 0; i < rows.length; i++) {
      const kind = kinds[i]!;
      const row = rows[i]!;
      const k = key === null ? null : Buffer.from(key(row));
      let v: string | null;
      if (kind === '-D') {
        // a deleted result row: a tombstone for its key (nothing to delete without a key)
        if (k === null) continue;
        v = null;
      } else v = value(row);
      if (upsert && k === null) continue;
      const message: Message = { key: k, value: v, partition: this.partition(k, this.partitions) };
      if (ts !== null) {
        const t = row[ts];
        if (typeof t === 'number') message.timestamp = String(t);
      }
      if (hs !== null) {
        const h = row[hs];
        if (h !== null && h !== undefined) message.headers = headersOf(h as Readonly<Record<string, unknown>>);
      }
      const size = (k?.length ?? 0) + (v === null ? 0 : Buffer.byteLength(v)) + RECORD_OVERHEAD + headerBytes(message);
      if (size > limit)
        throw new KafkaError(
          `writing to topic ${this.topic}: a record of ${size} bytes is larger than properties.max.request.size (${limit} bytes)`,
          "raise 'properties.max.request.size' (and the topic's max.message.bytes on the brokers), or write smaller rows",
          false,
        );
      // one produce request per chunk: kafkajs sends a chunk's records of a partition as one batch
      if (bytes + size > limit && chunk.length > 0) {
        out.push(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(message);
      bytes += size;
    }
    if (chunk.length > 0) out.push(chunk);
    return out;
  }

  /** Sends one batch's records and waits for every acknowledgement (at-least-once). */
  async send(rows: readonly Row[], kinds: readonly RowKind[], encode: Encoders): Promise<void> {
    const producer = this.producer;
    if (producer === null) throw new Error(`sink "${this.ctx.name}" is not open`);
    for (const messages of this.chunks(rows, kinds, encode)) {
      try {
        await producer.send({ topic: this.topic, messages, acks: -1, compression: this.compression });
      } catch (e) {
        throw kafkaError(e, this.settings.brokers, `writing to topic ${this.topic}`);
      }
    }
  }

  async close(): Promise<void> {
    const p = this.producer;
    this.producer = null;
    await p?.disconnect().catch(() => {});
    await this.eos?.close();
    await this.tasks?.close();
  }
}

class KafkaWriter extends RowBuffer implements BatchSinkWriter {
  constructor(
    private readonly sink: KafkaSink,
    private readonly encode: Encoders,
  ) {
    super();
  }
  pendingRows(): number {
    return this.rows.length;
  }
  async commit(): Promise<void> {
    const { rows, kinds } = this.take();
    if (rows.length > 0) await this.sink.send(rows, kinds, this.encode);
  }
}

function headerBytes(m: Message): number {
  let n = 0;
  const h = m.headers;
  if (h === undefined) return 0;
  for (const k in h) {
    const v = h[k];
    n += k.length + 8 + (typeof v === 'string' ? Buffer.byteLength(v) : v instanceof Buffer ? v.length : 0);
  }
  return n;
}

/** A MAP<STRING, STRING | BYTES> value as record headers (a null value stays a null header value). */
function headersOf(map: Readonly<Record<string, unknown>>): IHeaders {
  const out: Record<string, Buffer | string> = {};
  for (const k in map) {
    const v = map[k];
    out[k] = v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : (v as string);
  }
  return out;
}

export function kafkaSink(ctx: SinkContext<KafkaConfig>): SinkConnector {
  return new KafkaSink(ctx);
}
