/**
 * The shape of the option registry: what an option key accepts, where it applies and what it
 * defaults to. The data lives in registry.ts (connectors), formats.ts and job.ts (SET keys).
 */
import type { ConnectorName, FormatName } from '../../runtime/contract.ts';

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
  /** Only meaningful on a TABLE (lookup side); elsewhere accepted with a warning. */
  readonly tablesOnly?: boolean;
  /** Accepted for Flink compatibility but without effect in sqc: the reason (warned). */
  readonly ignored?: string;
  /** Format options only: connectors the option is meaningful for (others warn). */
  readonly connectors?: readonly ConnectorName[];
}

export interface ConnectorSpec {
  readonly name: ConnectorName;
  /** One line, for docs. */
  readonly description: string;
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
}
