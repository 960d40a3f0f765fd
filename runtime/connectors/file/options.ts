/**
 * The `file` connector's options and typed config (pure: imported by the compiler and by the
 * file source/sink). Key names follow Flink's FileSystem connector.
 */
import { FORMAT_NAMES } from '../../formats/options.ts';
import type { FormatName } from '../../contract.ts';
import { BATCH_SIZE, SINK_PARALLELISM, SOURCE_COMMON, duration, optionReader, positiveDuration } from '../common.ts';
import type { ConnectorConfig, ConnectorSpec } from '../spec.ts';

export interface FileConfig extends ConnectorConfig {
  readonly format: FormatName;
  /** File, directory or glob to read; file to write. */
  readonly path: string;
  /** `source.monitor-interval` in ms: rescan the path for new files (then unbounded); null: read once. */
  readonly monitorIntervalMs: number | null;
  /** `lookup.reload-interval` in ms (lookup TABLEs), or null: loaded once. */
  readonly reloadIntervalMs: number | null;
  /** A `PARTITIONED BY` sink: when a partition folder is committed (`sink.partition-commit.*`); null: none of them set (the defaults). */
  readonly partitionCommit: PartitionCommit | null;
}

/** Partition commit of a partitioned file sink (Flink's `sink.partition-commit.*`). */
export interface PartitionCommit {
  /** 'process-time': the wall clock passes the partition's creation + delay; 'partition-time': the watermark passes its time + delay. */
  readonly trigger: 'process-time' | 'partition-time';
  readonly delayMs: number;
  /** 'success-file': write an empty `successFile` into the committed folder; null: no policy. */
  readonly policy: 'success-file' | null;
  readonly successFile: string;
  /** `partition.time-extractor.timestamp-pattern`: `$dt $hm:00` (partition values → a timestamp); null: the first partition value. */
  readonly timestampPattern: string | null;
}

const PARTITIONED = 'with PARTITIONED BY';

const PARTITION_COMMIT_KEYS = [
  'sink.partition-commit.trigger',
  'sink.partition-commit.delay',
  'sink.partition-commit.policy.kind',
  'sink.partition-commit.success-file.name',
  'partition.time-extractor.timestamp-pattern',
];

/** Partition commit when no `sink.partition-commit.*` option is set: by process time, no policy. */
export const DEFAULT_PARTITION_COMMIT: PartitionCommit = {
  trigger: 'process-time',
  delayMs: 0,
  policy: null,
  successFile: '_SUCCESS',
  timestampPattern: null,
};

/** The format a file path implies: `.csv` → csv, anything else (`.jsonl`, a directory) json. */
export function formatFromPath(path: string | undefined): 'json' | 'csv' {
  return (path ?? '').toLowerCase().endsWith('.csv') ? 'csv' : 'json';
}

export const fileOptions: ConnectorSpec<FileConfig> = {
  name: 'file',
  folder: 'file',
  aliases: ['filesystem'],
  description:
    "Files: JSON lines, CSV or raw lines. A bounded source unless 'source.monitor-interval' is set; sinks never leave a partial or duplicated committed row.",
  roles: 'both',
  formats: ['json', 'csv', 'raw', 'changelog-json'],
  keyFormat: false,
  metadata: ['file.path', 'file.line'],
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
      type: { kind: 'enum', values: ['json', 'csv', 'raw', 'changelog-json'] },
      roles: 'both',
      default: (ctx) => formatFromPath(ctx.get('path')),
      defaultDoc: 'csv for a path ending in .csv, else json',
      description:
        "'json' (JSON lines), 'csv', 'raw' (one line per row), or for sinks 'changelog-json' (JSON lines with each row's kind in an op field: how EMIT CHANGES output says which rows are updates and retractions).",
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
    {
      key: 'sink.rolling-policy.check-interval',
      type: duration,
      roles: 'sink',
      ignored: 'the file sink writes one file per partition, published per checkpoint',
      description: 'Flink: how often the rolling policy is checked.',
    },
    {
      key: 'sink.partition-commit.trigger',
      type: { kind: 'enum', values: ['process-time', 'partition-time'] },
      roles: 'sink',
      defaultDoc: 'process-time',
      description: `${PARTITIONED}: when a partition folder is committed: 'process-time' once the wall clock is past its creation plus the delay, 'partition-time' once the watermark is past the time its values name plus the delay.`,
    },
    {
      key: 'sink.partition-commit.delay',
      type: duration,
      roles: 'sink',
      defaultDoc: '0 s',
      description: `${PARTITIONED}: how long after its trigger time a partition is committed (e.g. '1 h' for hourly partitions).`,
    },
    {
      key: 'sink.partition-commit.policy.kind',
      type: { kind: 'enum', values: ['success-file'] },
      roles: 'sink',
      description: `${PARTITIONED}: what committing a partition does: 'success-file' writes an empty success file into its folder (without a policy partitions are only written).`,
    },
    {
      key: 'sink.partition-commit.success-file.name',
      type: { kind: 'string' },
      roles: 'sink',
      defaultDoc: '_SUCCESS',
      description: `${PARTITIONED}: the success file's name.`,
    },
    {
      key: 'partition.time-extractor.timestamp-pattern',
      type: { kind: 'string' },
      roles: 'sink',
      description: `${PARTITIONED}, 'partition-time' trigger: the partition's time from its values, e.g. '$dt $hm:00' (a 'yyyy-MM-dd HH:mm:ss' timestamp, UTC); default: the first partition column's value.`,
    },
    SINK_PARALLELISM,
  ],
  rules: [
    "'path' is required. The format defaults from the path: *.csv → csv, otherwise json.",
    "A sink with PARTITIONED BY (cols) writes under 'path' as a folder: one file per partition, `path/col=value/.../part-<sink>.<format>`; the 'sink.partition-commit.*' options say when a partition is committed.",
  ],
  resolve(options, use) {
    const r = optionReader(fileOptions.options, options, use);
    const monitorIntervalMs = r.duration('source.monitor-interval');
    return {
      format: r.enum('format', FORMAT_NAMES) ?? 'json',
      bounded: monitorIntervalMs === null,
      batchSize: r.integer('scan.batch-size')!,
      // the file sink stages each batch and publishes it after the checkpoint's commit marker
      deliveryGuarantee: 'exactly-once',
      path: r.path('path') ?? '',
      monitorIntervalMs,
      reloadIntervalMs: r.duration('lookup.reload-interval'),
      partitionCommit: PARTITION_COMMIT_KEYS.some((k) => r.get(k) !== undefined)
        ? {
            trigger:
              r.enum('sink.partition-commit.trigger', ['process-time', 'partition-time'] as const) ?? 'process-time',
            delayMs: r.duration('sink.partition-commit.delay') ?? 0,
            policy: r.enum('sink.partition-commit.policy.kind', ['success-file'] as const),
            successFile: r.string('sink.partition-commit.success-file.name') ?? '_SUCCESS',
            timestampPattern: r.string('partition.time-extractor.timestamp-pattern'),
          }
        : null,
    };
  },
};
