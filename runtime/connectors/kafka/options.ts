/**
 * The `kafka` and `upsert-kafka` connectors' options and typed configs (pure: imported by the
 * compiler; the implementation reads the config). Key names follow Flink's Kafka and Upsert Kafka
 * connectors; keys marked `ignored` are Flink keys accepted with a warning.
 */
import type { FormatName } from '../../contract.ts';
import { FORMAT_NAMES } from '../../formats/options.ts';
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
    type: { kind: 'host-ports' },
    roles: 'both',
    default: 'localhost:9092',
    description: 'Kafka brokers to connect to, host:port separated by commas.',
  },
  {
    key: 'properties.group.id',
    type: str,
    // Read by sources only, but accepted anywhere like every other client property.
    roles: 'both',
    description: "Consumer group id (sources); required by scan.startup.mode 'group-offsets'.",
  },
  {
    key: 'properties.*',
    type: str,
    roles: 'both',
    description: 'Any other Kafka client property, passed through with the prefix removed (e.g. properties.client.id).',
  },
];

const KAFKA_DELIVERY: readonly OptionSpec[] = [
  {
    key: 'sink.delivery-guarantee',
    type: { kind: 'enum', values: ['at-least-once', 'exactly-once'] },
    roles: 'sink',
    default: 'at-least-once',
    description: "'exactly-once' writes each micro-batch in a Kafka transaction committed with the checkpoint.",
  },
  {
    key: 'sink.transactional-id-prefix',
    type: str,
    roles: 'sink',
    default: transactionalIdDefault,
    defaultDoc: "sqc-<relation> when 'exactly-once'",
    description: 'Prefix of the Kafka transactional ids; must be unique per sink among jobs writing to the cluster.',
  },
];

/** Client behaviour both Kafka connectors share: how long to retry unreachable brokers. */
const KAFKA_RETRY: OptionSpec = {
  key: 'connect.retry-timeout',
  type: positiveDuration,
  roles: 'both',
  default: '60 s',
  description:
    'How long to retry when the brokers cannot be reached (at start or while running) before the query stops with its last checkpoint intact.',
};

const FAIL_ON_DATA_LOSS: OptionSpec = {
  key: 'scan.fail-on-data-loss',
  type: bool,
  roles: 'source',
  default: 'true',
  description:
    "Offsets the query still had to read are gone (retention, a recreated topic): 'true' stops the query naming topic, partition and offsets; 'false' warns, counts and goes on from the log start (Spark's failOnDataLoss).",
};

const VALUE_FIELDS_INCLUDE: OptionSpec = {
  key: 'value.fields-include',
  type: { kind: 'enum', values: ['ALL', 'EXCEPT_KEY'] },
  roles: 'both',
  default: 'ALL',
  description: "Whether the value holds all columns or 'EXCEPT_KEY' all but the key columns.",
};

const KAFKA_METADATA = ['key', 'topic', 'partition', 'offset', 'timestamp', 'headers'];

export const kafkaOptions: ConnectorSpec<KafkaConfig> = {
  name: 'kafka',
  description: 'Reads and writes Kafka topics (append-only); one record per row.',
  roles: 'both',
  formats: ['json', 'csv', 'raw'],
  keyFormat: true,
  metadata: KAFKA_METADATA,
  options: [
    {
      key: 'topic',
      type: { kind: 'list' },
      roles: 'both',
      description: "Topic to read ('a;b' reads several) or the one topic to write.",
    },
    {
      key: 'topic-pattern',
      type: { kind: 'regex' },
      roles: 'source',
      description: "Regular expression of topics to read, instead of 'topic'.",
    },
    ...KAFKA_CLIENT,
    {
      key: 'format',
      type: { kind: 'enum', values: ['json', 'csv', 'raw'] },
      roles: 'both',
      default: 'json',
      description: "Format of the record value (also spelled 'value.format').",
    },
    {
      key: 'key.format',
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
      type: { kind: 'columns' },
      roles: 'both',
      description: "Columns that form the record key, ';'-separated (written sinks default to the query's group key).",
    },
    VALUE_FIELDS_INCLUDE,
    {
      key: 'scan.startup.mode',
      type: {
        kind: 'enum',
        values: ['earliest-offset', 'latest-offset', 'group-offsets', 'timestamp', 'specific-offsets'],
      },
      roles: 'source',
      default: (ctx) => (ctx.get('properties.group.id') !== undefined ? 'group-offsets' : 'earliest-offset'),
      defaultDoc: "'group-offsets' with properties.group.id, else 'earliest-offset'",
      description:
        "Where a query without a checkpoint starts reading; 'group-offsets' falls back to the earliest offset for partitions without a committed one.",
    },
    {
      key: 'scan.startup.timestamp-millis',
      type: { kind: 'integer', min: 0 },
      roles: 'source',
      description: "Epoch milliseconds to start from with scan.startup.mode 'timestamp'.",
    },
    {
      key: 'scan.startup.specific-offsets',
      type: str,
      roles: 'source',
      description:
        "With scan.startup.mode 'specific-offsets': 'partition:0,offset:42;partition:1,offset:300' (partitions not listed start at the earliest offset).",
    },
    {
      key: 'scan.bounded.mode',
      type: { kind: 'enum', values: ['unbounded', 'latest-offset', 'timestamp', 'specific-offsets'] },
      roles: 'source',
      defaultDoc: "unbounded ('latest-offset' under trigger.mode 'available-now')",
      description:
        "Where a bounded read ends: 'latest-offset' (the end when the query starts), 'timestamp' or 'specific-offsets'; the query then stops after flushing everything (a batch job over Kafka).",
    },
    {
      key: 'scan.bounded.timestamp-millis',
      type: { kind: 'integer', min: 0 },
      roles: 'source',
      description: "With scan.bounded.mode 'timestamp': epoch milliseconds where reading ends.",
    },
    {
      key: 'scan.bounded.specific-offsets',
      type: str,
      roles: 'source',
      description:
        "With scan.bounded.mode 'specific-offsets': 'partition:0,offset:42;...' where reading ends (partitions not listed are not read).",
    },
    {
      key: 'scan.max-offsets-per-trigger',
      type: { kind: 'integer', min: 1 },
      roles: 'source',
      description: 'Maximum records per micro-batch over all partitions (default: unlimited).',
    },
    {
      key: 'scan.topic-partition-discovery.interval',
      type: duration,
      roles: 'source',
      default: '5 min',
      description: "How often to look for new partitions (they are read from the earliest offset); '0 s' turns it off.",
    },
    FAIL_ON_DATA_LOSS,
    KAFKA_RETRY,
    {
      key: 'sink.partitioner',
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
  description:
    'A keyed Kafka table: reading yields the latest row per key; writing sends the row per key and a tombstone (null value) for a deleted key.',
  roles: 'both',
  formats: ['json', 'csv', 'raw'],
  keyFormat: true,
  metadata: KAFKA_METADATA,
  options: [
    { key: 'topic', type: str, roles: 'both', required: true, description: 'The topic to read and write.' },
    ...KAFKA_CLIENT.filter((o) => o.key !== 'properties.group.id'),
    {
      key: 'key.format',
      type: { kind: 'enum', values: ['json', 'csv', 'raw'] },
      roles: 'both',
      required: true,
      description: 'Format of the record key (the PRIMARY KEY columns).',
    },
    {
      key: 'format',
      type: { kind: 'enum', values: ['json', 'csv', 'raw'] },
      roles: 'both',
      default: 'json',
      description: "Format of the record value (also spelled 'value.format').",
    },
    VALUE_FIELDS_INCLUDE,
    {
      key: 'scan.max-offsets-per-trigger',
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
      type: { kind: 'integer', min: 0 },
      roles: 'sink',
      ignored: 'sqc writes once per micro-batch',
      description: 'Flink: rows buffered before a flush.',
    },
    {
      key: 'sink.buffer-flush.interval',
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

/** A Kafka relation's typed options (both connectors; upsert-kafka reads from the earliest offset). */
export interface KafkaConfig extends ConnectorConfig {
  readonly format: FormatName;
  /** Topics to read (`topic`, ';'-separated), or the one topic written; empty with `topicPattern`. */
  readonly topics: readonly string[];
  /** `topic-pattern` (JavaScript regular expression), or null. */
  readonly topicPattern: string | null;
  /** `properties.bootstrap.servers`, split. */
  readonly bootstrapServers: readonly string[];
  readonly groupId: string | null;
  /** Every other `properties.*` option, prefix removed. */
  readonly properties: Readonly<Record<string, string>>;
  /** `key.format`, or null when records are read without their key. */
  readonly keyFormat: FormatName | null;
  /** `key.fields`, or null (sinks then key by the query's group key; upsert-kafka: the PRIMARY KEY). */
  readonly keyFields: readonly string[] | null;
  readonly valueFieldsInclude: 'ALL' | 'EXCEPT_KEY';
  readonly startupMode: StartupMode;
  readonly startupTimestampMs: number | null;
  /** `scan.max-offsets-per-trigger`, or null: unlimited (batches of `batchSize`). */
  readonly maxOffsetsPerTrigger: number | null;
  /** `sink.transactional-id-prefix` with 'exactly-once', else null. */
  readonly transactionalIdPrefix: string | null;
}

function resolveKafka(spec: ConnectorSpec<KafkaConfig>, options: ResolvedOptions, use: OptionUse): KafkaConfig {
  const r = optionReader(spec.options, options, use);
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(options)) {
    if (k.startsWith('properties.') && k !== 'properties.bootstrap.servers' && k !== 'properties.group.id') {
      properties[k.slice('properties.'.length)] = v;
    }
  }
  const maxOffsetsPerTrigger = r.integer('scan.max-offsets-per-trigger');
  const deliveryGuarantee = r.enum('sink.delivery-guarantee', ['at-least-once', 'exactly-once'] as const)!;
  return {
    format: r.enum('format', FORMAT_NAMES) ?? 'json',
    // 'scan.bounded.mode' (a createJob override so far; not a WITH option yet): the source stops
    // at the offsets it resolves at start
    bounded: (r.get('scan.bounded.mode') ?? 'unbounded') !== 'unbounded',
    batchSize: maxOffsetsPerTrigger ?? DEFAULT_BATCH_SIZE,
    deliveryGuarantee,
    topics: r.list('topic') ?? [],
    topicPattern: r.string('topic-pattern'),
    bootstrapServers: r.list('properties.bootstrap.servers') ?? [],
    groupId: r.string('properties.group.id'),
    properties,
    keyFormat: r.enum('key.format', FORMAT_NAMES),
    keyFields: r.list('key.fields'),
    valueFieldsInclude: r.enum('value.fields-include', ['ALL', 'EXCEPT_KEY'] as const) ?? 'ALL',
    // not checked here: createJob overrides may name modes the source reads ('specific-offsets')
    startupMode: spec.name === 'upsert-kafka' ? 'earliest-offset' : (r.string('scan.startup.mode') as StartupMode),
    startupTimestampMs: r.integer('scan.startup.timestamp-millis'),
    maxOffsetsPerTrigger,
    transactionalIdPrefix: deliveryGuarantee === 'exactly-once' ? r.string('sink.transactional-id-prefix') : null,
  };
}
