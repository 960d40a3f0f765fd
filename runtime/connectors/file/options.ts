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
}

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
    SINK_PARALLELISM,
  ],
  rules: ["'path' is required. The format defaults from the path: *.csv → csv, otherwise json."],
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
    };
  },
};
