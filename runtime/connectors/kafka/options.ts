/**
 * The connector registry: every `WITH (...)` key sqc accepts, per connector. Key names follow
 * Flink's SQL connectors (Kafka, Upsert Kafka, FileSystem, DataGen, Print, BlackHole); keys
 * marked `ignored` are Flink keys accepted with a warning. Conditional requirements are in
 * rules.ts; format options in formats.ts. docs/connectors.md is generated from this file.
 */
import type { ConnectorName } from '../../runtime/contract.ts';
import type { ConnectorSpec, DefaultContext, OptionSpec } from './types.ts';

const bool = { kind: 'boolean' } as const;
const duration = { kind: 'duration' } as const;
const positiveDuration = { kind: 'duration', positive: true } as const;
const str = { kind: 'string' } as const;

/** Options every source takes (LANGUAGE.md §5). */
const SOURCE_COMMON: readonly OptionSpec[] = [
  {
    key: 'scan.idle-timeout',
    type: positiveDuration,
    roles: 'source',
    description:
      "After this long without rows the source is idle and does not hold back the query's watermark (default: never idle).",
  },
  {
    key: 'late.sink',
    type: str,
    roles: 'source',
    description: 'Name of a sink that receives late rows (event time below the watermark) unchanged.',
  },
];

const BATCH_SIZE: OptionSpec = {
  key: 'scan.batch-size',
  type: { kind: 'integer', min: 1 },
  roles: 'source',
  default: '1000',
  description: 'Maximum rows per micro-batch.',
};

const SINK_PARALLELISM: OptionSpec = {
  key: 'sink.parallelism',
  type: { kind: 'integer', min: 1 },
  roles: 'sink',
  ignored: 'sqc runs every query in one process',
  description: 'Flink: parallelism of the sink operator.',
};

const SCAN_PARALLELISM: OptionSpec = {
  key: 'scan.parallelism',
  type: { kind: 'integer', min: 1 },
  roles: 'source',
  ignored: 'sqc runs every query in one process',
  description: 'Flink: parallelism of the source operator.',
};

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

const VALUE_FIELDS_INCLUDE: OptionSpec = {
  key: 'value.fields-include',
  type: { kind: 'enum', values: ['ALL', 'EXCEPT_KEY'] },
  roles: 'both',
  default: 'ALL',
  description: "Whether the value holds all columns or 'EXCEPT_KEY' all but the key columns.",
};

const KAFKA_METADATA = ['key', 'topic', 'partition', 'offset', 'timestamp', 'headers'];

const kafka: ConnectorSpec = {
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
      type: { kind: 'enum', values: ['earliest-offset', 'latest-offset', 'group-offsets', 'timestamp'] },
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
      key: 'scan.max-offsets-per-trigger',
      type: { kind: 'integer', min: 1 },
      roles: 'source',
      description: 'Maximum records per micro-batch over all partitions (default: unlimited).',
    },
    {
      key: 'scan.topic-partition-discovery.interval',
      type: duration,
      roles: 'source',
      ignored: 'partitions are discovered when the query starts',
      description: 'Flink: interval to discover new partitions.',
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
};

const upsertKafka: ConnectorSpec = {
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
};

const file: ConnectorSpec = {
  name: 'file',
  description:
    "Files: JSON lines, CSV or raw lines. A bounded source unless 'source.monitor-interval' is set; sinks never leave a partial or duplicated committed row.",
  roles: 'both',
  formats: ['json', 'csv', 'raw'],
  keyFormat: false,
  metadata: [],
  options: [
    {
      key: 'path',
      type: { kind: 'path' },
      roles: 'both',
      required: true,
      description:
        'File, directory or glob to read; file to write (relative paths resolve against the working directory).',
    },
    {
      key: 'format',
      type: { kind: 'enum', values: ['json', 'csv', 'raw'] },
      roles: 'both',
      default: (ctx) => formatFromPath(ctx.get('path')),
      defaultDoc: 'csv for a path ending in .csv, else json',
      description: "'json' (JSON lines), 'csv' or 'raw' (one line per row).",
    },
    {
      key: 'source.monitor-interval',
      type: positiveDuration,
      roles: 'source',
      description: 'Watch the path for new files at this interval; the source becomes unbounded.',
    },
    BATCH_SIZE,
    {
      key: 'lookup.reload-interval',
      type: positiveDuration,
      roles: 'source',
      tablesOnly: true,
      description: 'Reload a lookup (joined) TABLE at this interval (default: loaded once).',
    },
    ...SOURCE_COMMON,
    {
      key: 'sink.rolling-policy.file-size',
      type: { kind: 'size' },
      roles: 'sink',
      ignored: 'the file sink writes one file',
      description: 'Flink: maximum part file size.',
    },
    {
      key: 'sink.rolling-policy.rollover-interval',
      type: duration,
      roles: 'sink',
      ignored: 'the file sink writes one file',
      description: 'Flink: maximum time a part file stays open.',
    },
    SINK_PARALLELISM,
  ],
  rules: ["'path' is required. The format defaults from the path: *.csv → csv, otherwise json."],
};

const DATAGEN_FIELD: readonly OptionSpec[] = [
  {
    key: 'fields.<column>.kind',
    type: { kind: 'enum', values: ['random', 'sequence'] },
    roles: 'source',
    description: "Generator of the column: 'random' (default) or 'sequence' (start..end, then the source ends).",
  },
  {
    key: 'fields.<column>.min',
    type: { kind: 'number' },
    roles: 'source',
    description: 'Smallest random value (numeric columns).',
  },
  {
    key: 'fields.<column>.max',
    type: { kind: 'number' },
    roles: 'source',
    description: 'Largest random value (numeric columns).',
  },
  {
    key: 'fields.<column>.max-past',
    type: duration,
    roles: 'source',
    description: 'Random timestamps lie at most this far before now (TIMESTAMP columns).',
  },
  {
    key: 'fields.<column>.length',
    type: { kind: 'integer', min: 0 },
    roles: 'source',
    description: 'Length of random strings (default 100) or arrays.',
  },
  {
    key: 'fields.<column>.var-len',
    type: bool,
    roles: 'source',
    description: "Random strings of length 1..'length' instead of exactly 'length'.",
  },
  {
    key: 'fields.<column>.start',
    type: { kind: 'number' },
    roles: 'source',
    description: 'First value of a sequence.',
  },
  {
    key: 'fields.<column>.end',
    type: { kind: 'number' },
    roles: 'source',
    description: 'Last value of a sequence.',
  },
  {
    key: 'fields.<column>.null-rate',
    type: { kind: 'number', min: 0, max: 1 },
    roles: 'source',
    description: 'Fraction of NULL values, 0 to 1.',
  },
  {
    key: 'fields.<column>.values',
    type: { kind: 'list' },
    roles: 'source',
    description: "Pick random values from this list (';'- or ','-separated). sqc extension.",
  },
];

const datagen: ConnectorSpec = {
  name: 'datagen',
  description:
    "Generates rows: random values, or sequences per column. Bounded with 'number-of-rows' or a sequence column.",
  roles: 'source',
  formats: [],
  keyFormat: false,
  metadata: [],
  options: [
    {
      key: 'rows-per-second',
      type: { kind: 'integer', min: 1 },
      roles: 'source',
      default: '10000',
      description: 'Rate limit of generated rows.',
    },
    {
      key: 'number-of-rows',
      type: { kind: 'integer', min: 0 },
      roles: 'source',
      description: 'Total rows, after which the source ends (default: unbounded).',
    },
    BATCH_SIZE,
    ...DATAGEN_FIELD,
    ...SOURCE_COMMON,
    SCAN_PARALLELISM,
  ],
  rules: [
    'fields.<column>.* must name a declared column.',
    "kind 'sequence' requires 'start' and 'end'; 'min' <= 'max' and 'start' <= 'end'.",
  ],
};

const nexmark: ConnectorSpec = {
  name: 'nexmark',
  description: 'The NEXMark benchmark generator (people, auctions and bids of an online auction).',
  roles: 'source',
  formats: [],
  keyFormat: false,
  metadata: [],
  options: [
    {
      key: 'nexmark.table',
      type: { kind: 'enum', values: ['events', 'person', 'auction', 'bid'] },
      roles: 'source',
      default: 'events',
      description:
        "Which rows to produce: 'events' (Flink's nexmark table: event_type, person, auction, bid, dateTime) or only one kind, flattened.",
    },
    {
      key: 'events.num',
      type: { kind: 'integer', min: 0 },
      roles: 'source',
      description: 'Total events, after which the source ends (default: unbounded).',
    },
    {
      key: 'events.per-second',
      type: { kind: 'integer', min: 1 },
      roles: 'source',
      default: '10000',
      description: 'Rate limit of generated events.',
    },
    {
      key: 'person.proportion',
      type: { kind: 'integer', min: 0 },
      roles: 'source',
      default: '1',
      description: 'Relative share of person events.',
    },
    {
      key: 'auction.proportion',
      type: { kind: 'integer', min: 0 },
      roles: 'source',
      default: '3',
      description: 'Relative share of auction events.',
    },
    {
      key: 'bid.proportion',
      type: { kind: 'integer', min: 0 },
      roles: 'source',
      default: '46',
      description: 'Relative share of bid events.',
    },
    BATCH_SIZE,
    ...SOURCE_COMMON,
  ],
  rules: ['The proportions must not all be 0.'],
};

const print: ConnectorSpec = {
  name: 'print',
  description: 'Writes rows to the console (at-least-once: rows may print again after a restart).',
  roles: 'sink',
  formats: [],
  keyFormat: false,
  metadata: [],
  options: [
    {
      key: 'print-identifier',
      type: str,
      roles: 'sink',
      description: 'Prefix of every printed line.',
    },
    {
      key: 'print.format',
      type: { kind: 'enum', values: ['table', 'json'] },
      roles: 'sink',
      default: 'table',
      description: "'table' (readable, aligned columns with the change kind) or 'json' (JSON lines).",
    },
    {
      key: 'standard-error',
      type: bool,
      roles: 'sink',
      default: 'false',
      description: 'Print to standard error instead of standard output.',
    },
    SINK_PARALLELISM,
  ],
  rules: [],
};

const blackhole: ConnectorSpec = {
  name: 'blackhole',
  description: 'Discards every row (for benchmarks).',
  roles: 'sink',
  formats: [],
  keyFormat: false,
  metadata: [],
  options: [SINK_PARALLELISM],
  rules: [],
};

const memory: ConnectorSpec = {
  name: 'memory',
  description: 'Rows handed in and out by the embedding program (tests, applications).',
  roles: 'both',
  formats: [],
  keyFormat: false,
  metadata: [],
  options: [
    {
      key: 'memory.name',
      type: str,
      roles: 'both',
      default: (ctx) => ctx.relationName,
      defaultDoc: 'the relation name',
      description: 'Name under which the program supplies or receives the rows.',
    },
    {
      key: 'memory.bounded',
      type: bool,
      roles: 'source',
      default: 'true',
      description:
        "Whether the supplied rows end ('false': the program keeps pushing rows until it closes the source).",
    },
    BATCH_SIZE,
    ...SOURCE_COMMON,
  ],
  rules: [],
};

export const CONNECTORS: Readonly<Record<ConnectorName, ConnectorSpec>> = {
  kafka,
  'upsert-kafka': upsertKafka,
  file,
  datagen,
  nexmark,
  print,
  blackhole,
  memory,
};

export const CONNECTOR_NAMES = Object.keys(CONNECTORS) as ConnectorName[];

/** Other spellings of connector names, accepted and normalised. */
export const CONNECTOR_ALIASES: Readonly<Record<string, ConnectorName>> = {
  filesystem: 'file',
};

/** The format a file path implies: `.csv` → csv, anything else (`.jsonl`, a directory) json. */
export function formatFromPath(path: string | undefined): 'json' | 'csv' {
  return (path ?? '').toLowerCase().endsWith('.csv') ? 'csv' : 'json';
}
