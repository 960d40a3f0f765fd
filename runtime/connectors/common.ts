/**
 * What connectors share: the option specs every source or sink takes (LANGUAGE.md §5), the
 * default micro-batch size, and `optionReader`, which reads typed values from resolved options
 * with the spec's defaults. Pure (importable by the compiler).
 */
import {
  OptionValueError,
  parseBoolean,
  parseDuration,
  parseInteger,
  parseList,
  parseNumber,
  parsePath,
} from '../options.ts';
import type { DefaultContext, OptionSpec, OptionUse, ResolvedOptions } from './spec.ts';

/** Records per micro-batch when a connector does not say otherwise. */
export const DEFAULT_BATCH_SIZE = 1000;

export const bool = { kind: 'boolean' } as const;
export const duration = { kind: 'duration' } as const;
export const positiveDuration = { kind: 'duration', positive: true } as const;
export const str = { kind: 'string' } as const;

/** Options every source takes (LANGUAGE.md §5); the engine reads them (`sourceCommon`). */
export const SOURCE_COMMON: readonly OptionSpec[] = [
  {
    key: 'scan.idle-timeout',
    example: "'scan.idle-timeout' = '30 s'",
    type: positiveDuration,
    roles: 'source',
    description:
      "After this long without rows the source is idle and does not hold back the query's watermark (default: never idle).",
  },
  {
    key: 'late.sink',
    example: "'late.sink' = 'late_clicks'",
    type: str,
    roles: 'source',
    description: 'Name of a sink that receives late rows (event time below the watermark) unchanged.',
  },
];

export const BATCH_SIZE: OptionSpec = {
  key: 'scan.batch-size',
  example: "'scan.batch-size' = '5000'",
  type: { kind: 'integer', min: 1 },
  roles: 'source',
  default: String(DEFAULT_BATCH_SIZE),
  description: 'Maximum rows per micro-batch.',
};

export const SINK_PARALLELISM: OptionSpec = {
  key: 'sink.parallelism',
  example: "'sink.parallelism' = '4'",
  type: { kind: 'integer', min: 1 },
  roles: 'sink',
  ignored: 'sqc runs every query in one process',
  description: 'Flink: parallelism of the sink operator.',
};

export const SCAN_PARALLELISM: OptionSpec = {
  key: 'scan.parallelism',
  example: "'scan.parallelism' = '4'",
  type: { kind: 'integer', min: 1 },
  roles: 'source',
  ignored: 'sqc runs every query in one process',
  description: 'Flink: parallelism of the source operator.',
};

/** The source options every connector shares, typed (SOURCE_COMMON). */
export interface SourceCommon {
  /** `scan.idle-timeout` in ms, or null when the source never counts as idle. */
  readonly idleTimeoutMs: number | null;
  /** `late.sink`: the sink that receives late rows unchanged, or null. */
  readonly lateSink: string | null;
}

export function sourceCommon(options: ResolvedOptions): SourceCommon {
  const idle = options['scan.idle-timeout'];
  return {
    idleTimeoutMs: idle === undefined ? null : readValue('scan.idle-timeout', idle, parseDuration),
    lateSink: options['late.sink'] ?? null,
  };
}

/** Typed reads of one relation's options; an option not written takes its spec's default. */
export interface OptionReader {
  /** The value as written, else the default, else undefined. */
  get(key: string): string | undefined;
  string(key: string): string | null;
  /** A local path (`file:` URIs as Flink writes them are accepted). */
  path(key: string): string | null;
  integer(key: string): number | null;
  number(key: string): number | null;
  duration(key: string): number | null;
  boolean(key: string): boolean | null;
  list(key: string): string[] | null;
  enum<T extends string>(key: string, values: readonly T[]): T | null;
}

/**
 * Reads `options` with the defaults of `specs`. A bad value throws an Error that names the
 * option (the compiler reports them first; this is reached only by `createJob` overrides and
 * hand-written specs).
 */
export function optionReader(specs: readonly OptionSpec[], options: ResolvedOptions, use: OptionUse): OptionReader {
  const ctx: DefaultContext = { ...use, get: (k) => options[k] };
  const get = (key: string): string | undefined => {
    const v = options[key];
    if (v !== undefined) return v;
    const d = specs.find((o) => o.key === key)?.default;
    return typeof d === 'function' ? d(ctx) : d;
  };
  const read =
    <T>(parse: (text: string) => T) =>
    (key: string): T | null => {
      const v = get(key);
      return v === undefined ? null : readValue(key, v, parse);
    };
  return {
    get,
    string: (key) => get(key) ?? null,
    path: read(parsePath),
    integer: read((t) => parseInteger(t)),
    number: read((t) => parseNumber(t)),
    duration: read(parseDuration),
    boolean: read(parseBoolean),
    list: read(parseList),
    enum: <T extends string>(key: string, values: readonly T[]): T | null => {
      const v = get(key);
      if (v === undefined) return null;
      const hit = values.find((x) => x.toLowerCase() === v.trim().toLowerCase());
      if (hit === undefined) throw new Error(`option '${key}' = '${v}' must be one of ${values.join(', ')}`);
      return hit;
    },
  };
}

function readValue<T>(key: string, text: string, parse: (text: string) => T): T {
  try {
    return parse(text);
  } catch (e) {
    if (e instanceof OptionValueError) throw new Error(`option '${key}' = '${text}' ${e.message}`, { cause: e });
    throw e;
  }
}
