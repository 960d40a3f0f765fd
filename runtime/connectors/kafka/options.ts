/**
 * The `kafka` and `upsert-kafka` connectors' options and typed configs (pure: imported by the
 * compiler; the implementation reads the config). Key names follow Flink's Kafka and Upsert Kafka
 * connectors; keys marked `ignored` are Flink keys accepted with a warning.
 */
import type { FormatName } from '../../contract.ts';
import { FORMAT_NAMES } from '../../formats/options.ts';
import { OptionValueError, parseInteger } from '../../options.ts';
import {
  DEFAULT_BATCH_SIZE,
  SCAN_PARALLELISM,
  SINK_PARALLELISM,
  SOURCE_COMMON,
  bool,
  duration,
  optionReader,
  positiveDuration,
  str,
} from '../common.ts';
import type {
  ConnectorConfig,
  ConnectorSpec,
  DefaultContext,
  OptionSpec,
  OptionUse,
  ResolvedOptions,
} from '../spec.ts';

/** The prefix of the default transactional id: one per sink relation. */
const transactionalIdDefault = (ctx: DefaultContext): string | undefined =>
  ctx.get('sink.delivery-guarantee') === 'exactly-once' ? `sqc-${ctx.relationName}` : undefined;

const KAFKA_CLIENT: readonly OptionSpec[] = [
  {
    key: 'properties.bootstrap.servers',
    example: "'properties.bootstrap.servers' = 'kafka-1:9092,kafka-2:9092'",
    type: { kind: 'host-ports' },
    roles: 'both',
    default: 'localhost:9092',
    description: 'Kafka brokers to connect to, host:port separated by commas.',
  },
  {
    key: 'properties.group.id',
    example: "'properties.group.id' = 'clicks-dashboard'",
    type: str,
    // Read by sources only, but accepted anywhere like every other client property.
    roles: 'both',
    description: "Consumer group id (sources); required by scan.startup.mode 'group-offsets'.",
  },
  {
    key: 'properties.compression.type',
    example: "'properties.compression.type' = 'lz4'",
    type: { kind: 'enum', values: ['none', 'gzip', 'snappy', 'lz4'] },
    roles: 'both',
    defaultDoc: 'none',
    description:
      'Compression of the batches a sink writes (sources read gzip, snappy, lz4 and zstd whatever this says).',
  },
  {
    key: 'properties.transaction.timeout.ms',
    example: "'properties.transaction.timeout.ms' = '300000'",
    type: { kind: 'integer', min: 1 },
    roles: 'sink',
    defaultDoc: '60000',
    description:
      "With 'exactly-once': the longest a Kafka transaction may stay open (≤ the broker's transaction.max.timeout.ms); a transaction open for half of it commits at the next micro-batch.",
  },
  {
    key: 'properties.isolation.level',
    example: "'properties.isolation.level' = 'read_uncommitted'",
    type: { kind: 'enum', values: ['read_committed', 'read_uncommitted'] },
    roles: 'both',
    defaultDoc: 'read_committed',
    description:
      "Sources: 'read_committed' skips records of open and aborted transactions; 'read_uncommitted' reads them.",
  },
  {
    key: 'properties.max.request.size',
    example: "'properties.max.request.size' = '4194304'",
    type: { kind: 'integer', min: 1024 },
    roles: 'both',
    defaultDoc: '1048576',
    description:
      'Sinks: the largest produce request in bytes (Java client default 1 MiB); a record above it is an error, records are sent in requests below it.',
  },
  {
    key: 'properties.*',
    example: "'properties.client.id' = 'clicks-job'",
    type: str,
    roles: 'both',
    description: 'Any other Kafka client property, passed through with the prefix removed (e.g. properties.client.id).',
  },
];

const KAFKA_DELIVERY: readonly OptionSpec[] = [
  {
    key: 'sink.delivery-guarantee',
    example: "'sink.delivery-guarantee' = 'exactly-once'",
    type: { kind: 'enum', values: ['at-least-once', 'exactly-once'] },
    roles: 'sink',
    default: 'at-least-once',
    description:
      "'exactly-once' (needs checkpoint.dir) writes the rows in Kafka transactions committed with each checkpoint; consumers must read with isolation.level read_committed.",
  },
  {
    key: 'sink.transactional-id-prefix',
    example: "'sink.transactional-id-prefix' = 'clicks-job'",
    type: str,
    roles: 'sink',
    default: transactionalIdDefault,
    defaultDoc: "sqc-<relation> when 'exactly-once'",
    description:
      'Prefix of the Kafka transactional ids (<prefix>-<job>-<query>-<unit>); must be unique per sink among jobs writing to the cluster.',
  },
  {
    key: 'sink.progress-topic',
    example: "'sink.progress-topic' = 'orders-job-progress'",
    type: str,
    roles: 'sink',
    default: (ctx) => (ctx.get('sink.delivery-guarantee') === 'exactly-once' ? '_sqc-progress' : undefined),
    defaultDoc: "_sqc-progress when 'exactly-once'",
    description:
      "With 'exactly-once': the compacted topic that records, in the same transaction as the rows, the last micro-batch each transactional id committed (created if missing).",
  },
];

/** Client behaviour both Kafka connectors share: how long to retry unreachable brokers. */
const KAFKA_RETRY: OptionSpec = {
  key: 'connect.retry-timeout',
  example: "'connect.retry-timeout' = '5 min'",
  type: positiveDuration,
  roles: 'both',
  default: '60 s',
  description:
    'How long to retry when the brokers cannot be reached (at start or while running) before the query stops with its last checkpoint intact.',
};

const FAIL_ON_DATA_LOSS: OptionSpec = {
  key: 'scan.fail-on-data-loss',
  example: "'scan.fail-on-data-loss' = 'false'",
  type: bool,
  roles: 'source',
  default: 'true',
  description:
    "Offsets the query still had to read are gone (retention, a recreated topic): 'true' stops the query naming topic, partition and offsets; 'false' warns, counts and goes on from the log start (Spark's failOnDataLoss).",
};

const VALUE_FIELDS_INCLUDE: OptionSpec = {
  key: 'value.fields-include',
  example: "'value.fields-include' = 'EXCEPT_KEY'",
  type: { kind: 'enum', values: ['ALL', 'EXCEPT_KEY'] },
  roles: 'both',
  default: 'ALL',
  description: "Whether the value holds all columns or 'EXCEPT_KEY' all but the key columns.",
};

const KAFKA_METADATA = ['key', 'topic', 'partition', 'offset', 'timestamp', 'headers'];
/** What a sink writes into each record, as Flink's Kafka connector (the rest is read-only). */
const KAFKA_WRITABLE_METADATA = ['headers', 'timestamp'];

const BOUNDED_MODES = ['unbounded', 'latest-offset', 'group-offsets', 'timestamp', 'specific-offsets'] as const;
const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const STARTUP_MODES = ['earliest-offset', 'latest-offset', 'group-offsets', 'timestamp', 'specific-offsets'] as const;

export const kafkaOptions: ConnectorSpec<KafkaConfig> = {
  name: 'kafka',
  folder: 'kafka',
  description: 'Reads and writes Kafka topics (append-only); one record per row.',
  roles: 'both',
  formats: ['json', 'csv', 'raw'],
  keyFormat: true,
  metadata: KAFKA_METADATA,
  writableMetadata: KAFKA_WRITABLE_METADATA,
  options: [
    {
      key: 'topic',
      example: "'topic' = 'clicks;clicks-eu'",
      type: { kind: 'list' },
      roles: 'both',
      description: "Topic to read ('a;b' reads several) or the one topic to write.",
    },
    {
      key: 'topic-pattern',
      example: "'topic-pattern' = 'clicks-.*'",
      type: { kind: 'regex' },
      roles: 'source',
      description: "Regular expression of topics to read, instead of 'topic'.",
    },
    ...KAFKA_CLIENT,
    {
      key: 'format',
      example: "'format' = 'csv'",
      type: { kind: 'enum', values: ['json', 'csv', 'raw'] },
      roles: 'both',
      default: 'json',
      description: "Format of the record value (also spelled 'value.format').",
    },
    {
      key: 'key.format',
      example: "'key.format' = 'raw'",
      type: { kind: 'enum', values: ['json', 'csv', 'raw'] },
      roles: 'both',
      // A written sink keys its records by 'key.fields' or else the query's group key, so it
      // always has a key format; a source reads the key only with 'key.fields'.
      default: (ctx) => (ctx.writes || ctx.get('key.fields') !== undefined ? (ctx.get('format') ?? 'json') : undefined),
      defaultDoc: "the value format (sources: only with 'key.fields')",
      description: 'Format of the record key.',
    },
    {
      key: 'key.fields',
      example: "'key.fields' = 'user_id;page'",
      type: { kind: 'columns' },
      roles: 'both',
      description: "Columns that form the record key, ';'-separated (written sinks default to the query's group key).",
    },
    VALUE_FIELDS_INCLUDE,
    {
      key: 'scan.startup.mode',
      example: "'scan.startup.mode' = 'latest-offset'",
      type: { kind: 'enum', values: STARTUP_MODES },
      roles: 'source',
      default: (ctx) => (ctx.get('properties.group.id') !== undefined ? 'group-offsets' : 'earliest-offset'),
      defaultDoc: "'group-offsets' with properties.group.id, else 'earliest-offset'",
      description:
        "Where a query without a checkpoint starts reading; 'group-offsets' falls back to the earliest offset for partitions without a committed one.",
    },
    {
      key: 'scan.startup.timestamp-millis',
      example: "'scan.startup.timestamp-millis' = '1745244000000'",
      type: { kind: 'integer', min: 0 },
      roles: 'source',
      description: "Epoch milliseconds to start from with scan.startup.mode 'timestamp'.",
    },
    {
      key: 'scan.startup.specific-offsets',
      example: "'scan.startup.specific-offsets' = 'partition:0,offset:42;partition:1,offset:300'",
      type: str,
      roles: 'source',
      description:
        "With scan.startup.mode 'specific-offsets': 'partition:0,offset:42;partition:1,offset:300' (partitions not listed start at the earliest offset).",
    },
    {
      key: 'scan.bounded.mode',
      example: "'scan.bounded.mode' = 'latest-offset'",
      type: { kind: 'enum', values: BOUNDED_MODES },
      roles: 'source',
      defaultDoc: "unbounded ('latest-offset' under trigger.mode 'available-now')",
      description:
        "Where a bounded read ends: 'latest-offset' (the end when the query starts), 'group-offsets' (the group's committed offsets), 'timestamp' or 'specific-offsets'; the query then stops after flushing everything (a batch job over Kafka).",
    },
    {
      key: 'scan.bounded.timestamp-millis',
      example: "'scan.bounded.timestamp-millis' = '1745330400000'",
      type: { kind: 'integer', min: 0 },
      roles: 'source',
      description: "With scan.bounded.mode 'timestamp': epoch milliseconds where reading ends.",
    },
    {
      key: 'scan.bounded.specific-offsets',
      example: "'scan.bounded.specific-offsets' = 'partition:0,offset:1000;partition:1,offset:1200'",
      type: str,
      roles: 'source',
      description:
        "With scan.bounded.mode 'specific-offsets': 'partition:0,offset:42;...' where reading ends (partitions not listed are not read).",
    },
    {
      key: 'scan.max-offsets-per-trigger',
      example: "'scan.max-offsets-per-trigger' = '100000'",
      type: { kind: 'integer', min: 1 },
      roles: 'source',
      description: 'Maximum records per micro-batch over all partitions (default: unlimited).',
    },
    {
      key: 'scan.topic-partition-discovery.interval',
      example: "'scan.topic-partition-discovery.interval' = '30 s'",
      type: duration,
      roles: 'source',
      default: '5 min',
      description: "How often to look for new partitions (they are read from the earliest offset); '0 s' turns it off.",
    },
    FAIL_ON_DATA_LOSS,
    KAFKA_RETRY,
    {
      key: 'sink.partitioner',
      example: "'sink.partitioner' = 'round-robin'",
      type: { kind: 'enum', values: ['default', 'fixed', 'round-robin'] },
      roles: 'sink',
      default: 'default',
      description:
        "Which partition a row goes to: 'default' (murmur2 of the key, as the Java client; keyless rows spread), 'fixed' (one partition), 'round-robin'.",
    },
    ...SOURCE_COMMON,
    ...KAFKA_DELIVERY,
    SINK_PARALLELISM,
    SCAN_PARALLELISM,
  ],
  rules: [
    "Sources need exactly one of 'topic' and 'topic-pattern'; sinks need 'topic' naming one topic.",
    "scan.startup.mode 'timestamp' requires 'scan.startup.timestamp-millis'; 'group-offsets' requires 'properties.group.id'.",
    "'key.fields' names declared columns; value.fields-include 'EXCEPT_KEY' requires 'key.fields'.",
    "sink.delivery-guarantee 'exactly-once' uses 'sink.transactional-id-prefix' (default sqc-<relation>).",
    "Format 'raw' needs exactly one physical column.",
  ],
  resolve: (options, use) => resolveKafka(kafkaOptions, options, use),
};

export const upsertKafkaOptions: ConnectorSpec<KafkaConfig> = {
  name: 'upsert-kafka',
  folder: 'kafka',
  description:
    'A keyed Kafka table: reading yields the latest row per key; writing sends the row per key and a tombstone (null value) for a deleted key.',
  roles: 'both',
  formats: ['json', 'csv', 'raw'],
  keyFormat: true,
  metadata: KAFKA_METADATA,
  writableMetadata: KAFKA_WRITABLE_METADATA,
  options: [
    {
      key: 'topic',
      example: "'topic' = 'category-stats'",
      type: str,
      roles: 'both',
      required: true,
      description: 'The topic to read and write.',
    },
    ...KAFKA_CLIENT.filter((o) => o.key !== 'properties.group.id'),
    {
      key: 'key.format',
      example: "'key.format' = 'raw'",
      type: { kind: 'enum', values: ['json', 'csv', 'raw'] },
      roles: 'both',
      required: true,
      description: 'Format of the record key (the PRIMARY KEY columns).',
    },
    {
      key: 'format',
      example: "'format' = 'csv'",
      type: { kind: 'enum', values: ['json', 'csv', 'raw'] },
      roles: 'both',
      default: 'json',
      description: "Format of the record value (also spelled 'value.format').",
    },
    VALUE_FIELDS_INCLUDE,
    {
      key: 'scan.max-offsets-per-trigger',
      example: "'scan.max-offsets-per-trigger' = '100000'",
      type: { kind: 'integer', min: 1 },
      roles: 'source',
      description: 'Maximum records per micro-batch over all partitions (default: unlimited).',
    },
    FAIL_ON_DATA_LOSS,
    KAFKA_RETRY,
    ...SOURCE_COMMON,
    ...KAFKA_DELIVERY,
    {
      key: 'sink.buffer-flush.max-rows',
      example: "'sink.buffer-flush.max-rows' = '1000'",
      type: { kind: 'integer', min: 0 },
      roles: 'sink',
      ignored: 'sqc writes once per micro-batch',
      description: 'Flink: rows buffered before a flush.',
    },
    {
      key: 'sink.buffer-flush.interval',
      example: "'sink.buffer-flush.interval' = '1 s'",
      type: duration,
      roles: 'sink',
      ignored: 'sqc writes once per micro-batch',
      description: 'Flink: interval between buffer flushes.',
    },
    SINK_PARALLELISM,
    SCAN_PARALLELISM,
  ],
  rules: [
    'The relation needs a PRIMARY KEY (it is the message key); a sink declared without columns takes the key of its query.',
    "'key.format' is required; reading always starts at the earliest offset.",
  ],
  resolve: (options, use) => resolveKafka(upsertKafkaOptions, options, use),
};

export type StartupMode = 'earliest-offset' | 'latest-offset' | 'group-offsets' | 'timestamp' | 'specific-offsets';
export type BoundedMode = 'unbounded' | 'latest-offset' | 'group-offsets' | 'timestamp' | 'specific-offsets';
export type Partitioner = 'default' | 'fixed' | 'round-robin';
export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** One `partition:<n>,offset:<n>` pair of a specific-offsets option; `topic` null: the first topic read. */
export interface PartitionOffset {
  readonly topic: string | null;
  readonly partition: number;
  readonly offset: number;
}

/**
 * `partition:0,offset:42;partition:1,offset:300` (Flink), with `topic:<name>,` in front of a
 * pair when several topics are read. Throws `OptionValueError` for anything else.
 */
export function parseSpecificOffsets(text: string): PartitionOffset[] {
  const out: PartitionOffset[] = [];
  for (const part of text
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const fields = new Map<string, string>();
    for (const kv of part.split(',')) {
      const [k, v] = kv.split(':').map((s) => s.trim());
      if (k && v !== undefined) fields.set(k.toLowerCase(), v);
    }
    const p = fields.get('partition');
    const o = fields.get('offset');
    if (p === undefined || o === undefined)
      throw new OptionValueError(
        `has '${part}', which is not 'partition:<n>,offset:<n>' (pairs separated by ';', 'topic:<name>,' first when reading several topics)`,
      );
    out.push({ topic: fields.get('topic') ?? null, partition: parseInteger(p, 0), offset: parseInteger(o, 0) });
  }
  return out;
}

/** A Kafka relation's typed options (both connectors; upsert-kafka reads from the earliest offset). */
export interface KafkaConfig extends ConnectorConfig {
  readonly format: FormatName;
  /** 'upsert-kafka': a changelog keyed by the PRIMARY KEY (reads: +U per value, -D per tombstone). */
  readonly upsert: boolean;
  /** Topics to read (`topic`, ';'-separated), or the one topic written; empty with `topicPattern`. */
  readonly topics: readonly string[];
  /** `topic-pattern` (JavaScript regular expression), or null. */
  readonly topicPattern: string | null;
  /** `properties.bootstrap.servers`, split. */
  readonly bootstrapServers: readonly string[];
  readonly groupId: string | null;
  /** Every other `properties.*` option (Kafka client properties), prefix removed. */
  readonly properties: Readonly<Record<string, string>>;
  /** `connect.retry-timeout` in ms. */
  readonly retryTimeoutMs: number;
  /** `key.format`, or null when records are read without their key. */
  readonly keyFormat: FormatName | null;
  /**
   * The columns of the record key: `key.fields`, for upsert-kafka the PRIMARY KEY (from the
   * compiler), or null (sinks then key by the key the compiler gives the sink).
   */
  readonly keyFields: readonly string[] | null;
  readonly valueFieldsInclude: 'ALL' | 'EXCEPT_KEY';
  readonly startupMode: StartupMode;
  readonly startupTimestampMs: number | null;
  readonly startupSpecificOffsets: readonly PartitionOffset[];
  /** `scan.bounded.mode` as written ('unbounded' when not; available-now reads up to 'latest-offset'). */
  readonly boundedMode: BoundedMode;
  readonly boundedTimestampMs: number | null;
  readonly boundedSpecificOffsets: readonly PartitionOffset[];
  /** `scan.max-offsets-per-trigger`, or null: unlimited (batches of `batchSize`). */
  readonly maxOffsetsPerTrigger: number | null;
  /** `scan.topic-partition-discovery.interval` in ms (0: off). */
  readonly discoveryIntervalMs: number;
  readonly failOnDataLoss: boolean;
  /** `scan.idle-timeout` in ms, or null: partitions never count as idle. */
  readonly idleTimeoutMs: number | null;
  /** `properties.isolation.level` = 'read_committed' (the default). */
  readonly readCommitted: boolean;
  readonly partitioner: Partitioner;
  /** `properties.compression.type` of the batches a sink writes. */
  readonly compression: Compression;
  /** `properties.max.request.size`: a sink's produce requests stay below it (bytes). */
  readonly maxRequestBytes: number;
  /** `sink.transactional-id-prefix` with 'exactly-once', else null. */
  readonly transactionalIdPrefix: string | null;
  /** `sink.progress-topic` with 'exactly-once', else null. */
  readonly progressTopic: string | null;
  /** `properties.transaction.timeout.ms` (default 60000, kafkajs's and Kafka's). */
  readonly transactionTimeoutMs: number;
  /**
   * An internal repartition topic of a scaled-out job (compiler/plan/stages.ts,
   * docs/scale-out.md), set by the compiler on the sink and the source that connect two stages;
   * absent on user relations.
   */
  readonly repartition?: RepartitionConfig;
}

/** What the compiler says about a repartition topic (the runtime names and creates it). */
export interface RepartitionConfig {
  /** `<query>-<operator kind>-<node id>[-left|-right]`: the topic is `<job>-<operator>-repartition`. */
  readonly operator: string;
  /** The columns the records are keyed (partitioned) by; empty: every record in partition 0. */
  readonly key: readonly string[];
}

/** The topic of a repartition stage in job `job` (`pipeline.name`; characters Kafka refuses become `_`). */
export function repartitionTopic(job: string, operator: string): string {
  return `${job}-${operator}-repartition`.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Keys with their own config field, not passed on in `properties`. */
const OWN_PROPERTIES = new Set([
  'properties.bootstrap.servers',
  'properties.group.id',
  'properties.compression.type',
  'properties.isolation.level',
  'properties.max.request.size',
  'properties.transaction.timeout.ms',
]);

function resolveKafka(spec: ConnectorSpec<KafkaConfig>, options: ResolvedOptions, use: OptionUse): KafkaConfig {
  const r = optionReader(spec.options, options, use);
  const upsert = spec.name === 'upsert-kafka';
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(options)) {
    if (k.startsWith('properties.') && !OWN_PROPERTIES.has(k)) properties[k.slice('properties.'.length)] = v;
  }
  const maxOffsetsPerTrigger = r.integer('scan.max-offsets-per-trigger');
  const deliveryGuarantee = r.enum('sink.delivery-guarantee', ['at-least-once', 'exactly-once'] as const)!;
  const boundedMode = r.enum('scan.bounded.mode', BOUNDED_MODES) ?? 'unbounded';
  const offsets = (key: string): PartitionOffset[] => {
    const text = r.get(key);
    if (text === undefined) return [];
    try {
      return parseSpecificOffsets(text);
    } catch (e) {
      throw new Error(`option '${key}' = '${text}' ${(e as Error).message}`, { cause: e });
    }
  };
  const primaryKey = use.primaryKey ?? [];
  return {
    format: r.enum('format', FORMAT_NAMES) ?? 'json',
    upsert,
    bounded: boundedMode !== 'unbounded',
    batchSize: maxOffsetsPerTrigger ?? DEFAULT_BATCH_SIZE,
    deliveryGuarantee,
    topics: r.list('topic') ?? [],
    topicPattern: r.string('topic-pattern'),
    bootstrapServers: r.list('properties.bootstrap.servers') ?? [],
    groupId: upsert ? null : r.string('properties.group.id'),
    properties,
    retryTimeoutMs: r.duration('connect.retry-timeout')!,
    keyFormat: r.enum('key.format', FORMAT_NAMES),
    keyFields: upsert ? (primaryKey.length > 0 ? primaryKey : null) : r.list('key.fields'),
    valueFieldsInclude: r.enum('value.fields-include', ['ALL', 'EXCEPT_KEY'] as const) ?? 'ALL',
    startupMode: upsert ? 'earliest-offset' : r.enum('scan.startup.mode', STARTUP_MODES)!,
    startupTimestampMs: r.integer('scan.startup.timestamp-millis'),
    startupSpecificOffsets: offsets('scan.startup.specific-offsets'),
    boundedMode,
    boundedTimestampMs: r.integer('scan.bounded.timestamp-millis'),
    boundedSpecificOffsets: offsets('scan.bounded.specific-offsets'),
    maxOffsetsPerTrigger,
    discoveryIntervalMs: r.duration('scan.topic-partition-discovery.interval') ?? 5 * 60_000,
    failOnDataLoss: r.boolean('scan.fail-on-data-loss')!,
    idleTimeoutMs: r.duration('scan.idle-timeout'),
    readCommitted:
      r.enum('properties.isolation.level', ['read_committed', 'read_uncommitted'] as const) !== 'read_uncommitted',
    partitioner: upsert ? 'default' : r.enum('sink.partitioner', ['default', 'fixed', 'round-robin'] as const)!,
    compression: r.enum('properties.compression.type', COMPRESSIONS) ?? 'none',
    maxRequestBytes: r.integer('properties.max.request.size') ?? 1_048_576,
    transactionalIdPrefix: deliveryGuarantee === 'exactly-once' ? r.string('sink.transactional-id-prefix') : null,
    progressTopic: deliveryGuarantee === 'exactly-once' ? r.string('sink.progress-topic') : null,
    transactionTimeoutMs: r.integer('properties.transaction.timeout.ms') ?? 60_000,
  };
}
