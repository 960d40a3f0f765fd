/**
 * The shape of a connector's options: what an option key accepts, where it applies, what it
 * defaults to, and how validated options become the connector's typed config. Pure types: the
 * data lives in each connector's `<name>/options.ts`, format options in `../formats/options.ts`,
 * SET keys in `compiler/connectors/job.ts`. Importable by the compiler (no Node imports).
 */
import type { FormatName } from '../contract.ts';

/** WITH options after validation: keys normalised (`value.format` → `format`), values canonical. */
export type ResolvedOptions = Readonly<Record<string, string>>;

/** How a relation uses its connector. */
export interface OptionUse {
  readonly relationName: string;
  /** The relation is read (a source) / written (a sink); a TABLE may be both. */
  readonly reads: boolean;
  readonly writes: boolean;
  /** The relation's PRIMARY KEY columns (none: empty or absent); upsert-kafka keys its records by them. */
  readonly primaryKey?: readonly string[];
}

/**
 * What every connector's typed config carries, decided once by its `resolve()`: the compiler
 * embeds the config in the generated module and the engine reads these facts from it.
 */
export interface ConnectorConfig {
  /** The value format, or null for connectors without one (memory, datagen, print, ...). */
  readonly format: FormatName | null;
  /** Sources: reading ends by itself (a file without monitoring, datagen with a row count). */
  readonly bounded: boolean;
  /** Sources: records per micro-batch at most. */
  readonly batchSize: number;
  /** Sinks: what a checkpointed job can promise after a restart. */
  readonly deliveryGuarantee: 'at-least-once' | 'exactly-once';
}

/**
 * A connector's config as a module embeds it: the common facts plus the connector's own typed
 * settings (the factory receives it as its `Config`).
 */
export type EmbeddedConfig = ConnectorConfig & { readonly [setting: string]: unknown };

/** Where an option applies: when the relation is read, when it is written, or both. */
export type OptionRoles = 'source' | 'sink' | 'both';

/** What a value must look like; `runtime/options.ts` has the matching parsers. */
export type ValueType =
  | { readonly kind: 'string' }
  | { readonly kind: 'path' }
  | { readonly kind: 'integer'; readonly min?: number; readonly max?: number }
  | { readonly kind: 'number'; readonly min?: number; readonly max?: number }
  /** `positive`: 0 is not allowed. */
  | { readonly kind: 'duration'; readonly positive?: boolean }
  | { readonly kind: 'size' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  /** `;`- or `,`-separated values. */
  | { readonly kind: 'list' }
  /** A list of column names of the relation. */
  | { readonly kind: 'columns' }
  /** `host:port[,host:port...]`. */
  | { readonly kind: 'host-ports' }
  /** A single character (escapes `\t`, `\uXXXX`). */
  | { readonly kind: 'char' }
  /** A regular expression (JavaScript syntax). */
  | { readonly kind: 'regex' };

/** What a computed default may look at. */
export interface DefaultContext {
  readonly relationName: string;
  /** Whether the relation is read / written. */
  readonly reads: boolean;
  readonly writes: boolean;
  /** The option as written (normalised key), if it was. */
  get(key: string): string | undefined;
}

export interface OptionSpec {
  /**
   * The key. Families: `properties.*` takes any non-empty suffix; a `<column>` segment
   * (`fields.<column>.kind`) takes a column name of the relation.
   */
  readonly key: string;
  readonly type: ValueType;
  readonly roles: OptionRoles;
  /** One line, for docs and help. */
  readonly description: string;
  /** Required whenever the option's role applies (conditional requirements are rules). */
  readonly required?: boolean;
  /** Filled into the resolved options when absent and the option applies. */
  readonly default?: string | ((ctx: DefaultContext) => string | undefined);
  /** How the docs show a computed default. */
  readonly defaultDoc?: string;
  /** The option as written in a WITH clause, for the docs (`'scan.startup.mode' = 'latest-offset'`). */
  readonly example?: string;
  /** Only meaningful on a TABLE (lookup side); elsewhere accepted with a warning. */
  readonly tablesOnly?: boolean;
  /** Accepted for Flink compatibility but without effect in sqc: the reason (warned). */
  readonly ignored?: string;
  /** Format options only: connectors the option is meaningful for (others warn). */
  readonly connectors?: readonly string[];
}

/**
 * The options part of a connector (`<name>/options.ts`): everything the compiler needs to check
 * a WITH clause and everything the runtime needs to turn it into the typed `Config`.
 */
export interface ConnectorSpec<Config extends ConnectorConfig = ConnectorConfig> {
  /** The `'connector'` value. */
  readonly name: string;
  /** Other accepted spellings of the name (`filesystem` for `file`). */
  readonly aliases?: readonly string[];
  /** One line, for docs. */
  readonly description: string;
  /**
   * Its folder under `runtime/connectors/`, whose README.md says what the options do not
   * (guarantees, offsets, restarts, limits); docs/connectors.md links it.
   */
  readonly folder: string;
  /** Whether the connector can be read, written, or both. */
  readonly roles: OptionRoles;
  /** Formats it accepts (`format` / `value.format`), or empty for connectors without a format. */
  readonly formats: readonly FormatName[];
  /** Whether it has a message key with its own format (`key.format`, `key.<format>.*`). */
  readonly keyFormat: boolean;
  readonly options: readonly OptionSpec[];
  /** Conditional rules in words, for docs (the code is in rules.ts). */
  readonly rules: readonly string[];
  /** Metadata columns (`METADATA FROM 'key'`) the connector provides. */
  readonly metadata: readonly string[];
  /**
   * The metadata keys its sink writes (Kafka: `headers`, `timestamp`); the others are read-only
   * and must be declared VIRTUAL on a relation that is written.
   */
  readonly writableMetadata?: readonly string[];
  /**
   * Sources: records are JS objects holding the declared physical columns already typed as
   * declared (the compiler checks the declaration), read by the generated `decode.row` without
   * coercion. Such a source emits batches of kind 'row'.
   */
  readonly typedRows?: boolean;
  /**
   * The typed config of validated options. Options not written take their spec's default here
   * (`optionReader`), so hand-written options and `createJob` overrides resolve the same way.
   * Pure; throws `OptionValueError` for a bad value (only reachable through overrides).
   */
  resolve(options: ResolvedOptions, use: OptionUse): Config;
}
