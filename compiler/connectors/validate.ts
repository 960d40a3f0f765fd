/**
 * Validates the `WITH (...)` clause of one CREATE STREAM / TABLE / SINK against the registry and
 * resolves it: every option written (normalised) plus every applicable default.
 */
import type { OptionPair } from '../../grammar/ast.ts';
import { error, warning, type Diagnostic } from '../../grammar/diagnostic.ts';
import type { ConnectorName, FormatName } from '../../runtime/contract.ts';
import { suggest } from '../../grammar/suggest.ts';
import { FORMATS, FORMAT_NAMES } from '../../runtime/formats/options.ts';
import {
  CONNECTOR_OPTIONS as CONNECTORS,
  CONNECTOR_ALIASES,
  CONNECTOR_NAMES,
} from '../../runtime/connectors/options.ts';
import type { ConnectorOptionsInput } from './input.ts';
import { applyConnectorRules, checkColumnOptions, checkDelivery, type Entry, type RuleContext } from './rules.ts';
import type { ConnectorSpec, DefaultContext, OptionRoles, OptionSpec } from '../../runtime/connectors/spec.ts';
import { checkValue } from './values.ts';
import { currentKey, optionKey } from './legacy.ts';

export type { ConnectorOptionsInput } from './input.ts';

export interface ConnectorOptionsResult {
  /** Null when missing or unknown (reported). */
  readonly connector: ConnectorName | null;
  /** The value format (`format` / `value.format`, or its default); null for connectors without one. */
  readonly format: FormatName | null;
  /**
   * Every option written (keys normalised: `value.format` → `format`, `value.json.x` → `json.x`;
   * values normalised: canonical enum spelling, `true`/`false`, durations as `10 s`, lists joined
   * with `;`) plus the default of every option that applies to the relation's role.
   */
  readonly resolved: Record<string, string>;
  readonly diagnostics: Diagnostic[];
}

export function validateConnectorOptions(input: ConnectorOptionsInput): ConnectorOptionsResult {
  const diagnostics: Diagnostic[] = [];
  const resolved: Record<string, string> = {};
  const entries = collectEntries(input.options, diagnostics);
  for (const [key, e] of entries) resolved[key] = e.pair.value;

  const connectorEntry = entries.get('connector');
  if (!connectorEntry) {
    diagnostics.push(
      error(
        'SQ0502',
        `"${input.relationName}" has no 'connector' option`,
        input.span,
        `help: add 'connector' = '...' to the WITH clause; connectors: ${CONNECTOR_NAMES.join(', ')}`,
      ),
    );
    return { connector: null, format: null, resolved, diagnostics };
  }
  const connector = resolveConnector(connectorEntry.pair, diagnostics);
  if (!connector) return { connector: null, format: null, resolved, diagnostics };
  resolved['connector'] = connector;
  const spec: ConnectorSpec = CONNECTORS[connector];

  const reads = input.relation !== 'SINK' && input.role !== 'sink';
  const writes = input.relation === 'SINK' || input.role !== 'source';
  checkConnectorRole(spec, connectorEntry.pair, input, reads, writes, diagnostics);

  const dctx: DefaultContext = { relationName: input.relationName, reads, writes, get: (k) => resolved[k] };
  const format = resolveFormatOption(spec, 'format', entries, dctx) ?? null;
  if (format) resolved['format'] = format;
  const keyFormat = spec.keyFormat ? resolveFormatOption(spec, 'key.format', entries, dctx) : undefined;

  const ctx: RuleContext = {
    input,
    spec,
    entries,
    resolved,
    reads,
    writes,
    format,
    diagnostics,
  };

  for (const [key, entry] of entries) {
    if (key === 'connector') continue;
    checkEntry(ctx, key, entry, keyFormat);
  }

  applyConnectorRules(ctx);
  checkRequired(ctx);
  fillDefaults(ctx, format, dctx);
  checkDelivery(ctx);
  if (input.columns && input.columns.length > 0) {
    diagnostics.push(...checkColumnOptions({ ...input, columns: input.columns, connector, resolved }));
  }
  return { connector, format, resolved, diagnostics };
}

/** Normalised key → first pair; later duplicates are reported and dropped. */
function collectEntries(options: readonly OptionPair[], diagnostics: Diagnostic[]): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  for (const pair of options) {
    const written = pair.key.trim();
    const current = currentKey(written);
    if (current !== undefined)
      diagnostics.push(
        warning(
          'SQ0903',
          `'${written}' is Flink's legacy spelling of '${current}'; read as '${current}'`,
          pair.keySpan,
          `help: write '${current}' (Flink renamed these keys in 1.11)`,
        ),
      );
    const key = optionKey(written);
    const first = entries.get(key);
    if (first) {
      const same = first.pair.key.trim() === pair.key.trim();
      diagnostics.push(
        error(
          'SQ0105',
          same
            ? `option '${key}' is set twice`
            : `'${pair.key.trim()}' sets the same option as '${first.pair.key.trim()}'`,
          pair.keySpan,
          `note: first set on line ${first.pair.keySpan.line}`,
        ),
      );
      continue;
    }
    entries.set(key, { pair, value: pair.value });
  }
  return entries;
}

function resolveConnector(pair: OptionPair, diagnostics: Diagnostic[]): ConnectorName | null {
  const name = pair.value.trim().toLowerCase();
  if ((CONNECTOR_NAMES as string[]).includes(name)) return name as ConnectorName;
  const alias = CONNECTOR_ALIASES[name];
  if (alias) return alias;
  const s = suggest(pair.value.trim(), [...CONNECTOR_NAMES, ...Object.keys(CONNECTOR_ALIASES)]);
  const target = s ? (CONNECTOR_ALIASES[s] ?? s) : null;
  diagnostics.push(
    error(
      'SQ0504',
      `unknown connector '${pair.value}'`,
      pair.valueSpan,
      target ? `help: did you mean '${target}'?` : `help: connectors: ${CONNECTOR_NAMES.join(', ')}`,
    ),
  );
  return null;
}

function checkConnectorRole(
  spec: ConnectorSpec,
  pair: OptionPair,
  input: ConnectorOptionsInput,
  reads: boolean,
  writes: boolean,
  diagnostics: Diagnostic[],
): void {
  const name = `"${input.relationName}"`;
  if (spec.roles === 'sink' && reads) {
    diagnostics.push(
      error(
        'SQ0503',
        `connector '${spec.name}' can only be written, but ${name} is read`,
        pair.valueSpan,
        `note: ${spec.name} is a sink connector`,
      ),
    );
  } else if (spec.roles === 'source' && writes) {
    diagnostics.push(
      error(
        'SQ0503',
        `connector '${spec.name}' can only be read, but ${name} ${input.relation === 'SINK' ? 'is a sink' : 'is written'}`,
        pair.valueSpan,
        `note: ${spec.name} is a source connector`,
      ),
    );
  }
}

/**
 * The value of 'format' or 'key.format': as written (null when invalid, which checkEntry
 * reports), else its default, else undefined (no such format: connectors without formats, or
 * a kafka source without 'key.fields').
 */
function resolveFormatOption(
  spec: ConnectorSpec,
  key: 'format' | 'key.format',
  entries: Map<string, Entry>,
  dctx: DefaultContext,
): FormatName | null | undefined {
  if (spec.formats.length === 0) return undefined;
  const entry = entries.get(key);
  if (entry) {
    const c = checkValue({ kind: 'enum', values: spec.formats }, entry.pair.value);
    return c.ok ? (c.value as FormatName) : null;
  }
  const d = spec.options.find((o) => o.key === key)?.default;
  return ((typeof d === 'function' ? d(dctx) : d) as FormatName | undefined) ?? undefined;
}

/** The spec of a connector option (exact key, `properties.*`, `fields.<column>.x`). */
export function findConnectorOption(spec: ConnectorSpec, key: string): OptionSpec | null {
  for (const o of spec.options) {
    if (o.key === key) return o;
    if (o.key.endsWith('.*') && key.startsWith(o.key.slice(0, -1)) && key.length > o.key.length - 1) return o;
    const col = o.key.indexOf('<column>');
    if (col >= 0) {
      const prefix = o.key.slice(0, col);
      const suffix = o.key.slice(col + '<column>'.length);
      if (key.startsWith(prefix) && key.endsWith(suffix) && key.length > prefix.length + suffix.length) return o;
    }
  }
  return null;
}

function checkEntry(ctx: RuleContext, key: string, entry: Entry, keyFormat: FormatName | null | undefined): void {
  const { spec, input, diagnostics } = ctx;
  const pair = entry.pair;
  let option: OptionSpec | null = findConnectorOption(spec, key);
  const isFormatOption = option === null;

  // Format options: `json.x` (value format) or `key.json.x` (key format).
  if (!option && spec.formats.length > 0) {
    const asKey = spec.keyFormat && key.startsWith('key.') && FORMAT_NAMES.some((f) => key.startsWith(`key.${f}.`));
    const bare = asKey ? key.slice('key.'.length) : key;
    const fmt = FORMAT_NAMES.find((f) => bare.startsWith(`${f}.`));
    if (fmt) {
      const active = asKey ? keyFormat : ctx.format;
      if (active === null) return; // the format itself is invalid (reported): nothing to check against
      // a format may take another's options (changelog-json takes json's write options)
      const borrowed = active !== undefined && fmt !== active && FORMATS[active].options.some((o) => o.key === bare);
      if (fmt !== active && !borrowed) {
        const which = asKey ? `the key format of "${input.relationName}"` : `the format of "${input.relationName}"`;
        const actual = asKey ? (active === undefined ? 'not set' : `'${active}'`) : `'${active}'`;
        diagnostics.push(
          error(
            'SQ0501',
            `'${pair.key.trim()}' is a ${fmt} format option, but ${which} is ${actual}`,
            pair.keySpan,
            ...(asKey && active === undefined ? [`help: add 'key.format' = '${fmt}'`] : []),
          ),
        );
        return;
      }
      option = FORMATS[borrowed ? active : fmt].options.find((o) => o.key === bare) ?? null;
      if (!option) {
        const s = suggest(
          bare,
          FORMATS[fmt].options.map((o) => o.key),
        );
        diagnostics.push(
          error(
            'SQ0501',
            `unknown ${fmt} format option '${pair.key.trim()}'`,
            pair.keySpan,
            s
              ? `help: did you mean '${asKey ? 'key.' : ''}${s}'?`
              : `help: ${fmt} options: ${FORMATS[fmt].options.map((o) => o.key).join(', ')}`,
          ),
        );
        return;
      }
      if (option.connectors && !option.connectors.includes(spec.name)) {
        diagnostics.push(
          warning(
            'SQ0902',
            `'${pair.key.trim()}' only applies to connector ${option.connectors.map((c) => `'${c}'`).join(', ')}; it is ignored`,
            pair.keySpan,
          ),
        );
      }
    }
  }

  if (!option) {
    reportUnknown(ctx, key, pair);
    return;
  }

  checkRoles(ctx, option, pair, isFormatOption);
  const written = pair.key.trim();
  if (option.tablesOnly && input.relation !== 'TABLE') {
    diagnostics.push(
      warning(
        'SQ0902',
        `'${written}' only applies to a TABLE, but "${input.relationName}" is a ${input.relation}; it is ignored`,
        pair.keySpan,
      ),
    );
  }
  if (option.ignored) {
    diagnostics.push(
      warning(
        'SQ0902',
        `'${written}' is accepted for Flink compatibility but ignored: ${option.ignored}`,
        pair.keySpan,
      ),
    );
  }
  const c = checkValue(option.type, pair.value);
  if (c.ok) {
    entry.value = c.value;
    ctx.resolved[key] = c.value;
  } else {
    // reported here; the rest of the program is checked as if the option were not set (its
    // default), so nothing downstream reads a value that does not parse
    delete ctx.resolved[key];
    diagnostics.push(
      error(
        'SQ0503',
        `'${written}' = '${pair.value}' ${c.reason}`,
        pair.valueSpan,
        ...(c.help ? [`help: ${c.help}`] : []),
      ),
    );
    entry.invalid = true;
  }
}

/**
 * An option of a role the relation does not play is ignored with a warning; on a SINK, which
 * can never be read, a connector's source option is an error (a format's read-side option,
 * like 'json.ignore-parse-errors', stays a warning: formats are shared by both sides).
 */
function checkRoles(ctx: RuleContext, option: OptionSpec, pair: OptionPair, isFormatOption: boolean): void {
  const { input } = ctx;
  const key = pair.key.trim();
  const name = `"${input.relationName}"`;
  if (option.roles === 'source' && !ctx.reads) {
    if (input.relation === 'SINK' && !isFormatOption) {
      ctx.diagnostics.push(error('SQ0501', `'${key}' is a source option, but ${name} is a sink`, pair.keySpan));
    } else {
      ctx.diagnostics.push(
        warning('SQ0902', `'${key}' is a source option, but ${name} is only written; it is ignored`, pair.keySpan),
      );
    }
  } else if (option.roles === 'sink' && !ctx.writes) {
    ctx.diagnostics.push(
      warning('SQ0902', `'${key}' is a sink option, but ${name} is only read; it is ignored`, pair.keySpan),
    );
  }
}

function reportUnknown(ctx: RuleContext, key: string, pair: OptionPair): void {
  const { spec } = ctx;
  const written = pair.key.trim();
  const notes: string[] = [];
  if (spec.formats.length === 0 && (key === 'format' || FORMAT_NAMES.some((f) => key.startsWith(`${f}.`)))) {
    ctx.diagnostics.push(
      error('SQ0501', `connector '${spec.name}' has no format; '${written}' does not apply`, pair.keySpan),
    );
    return;
  }
  const s = suggestKey(ctx, key);
  if (s) notes.push(`help: did you mean '${s}'?`);
  else if (spec.name === 'upsert-kafka' && key === 'key.fields') {
    notes.push('help: upsert-kafka takes the message key from the PRIMARY KEY; declare PRIMARY KEY (...) NOT ENFORCED');
  } else if (spec.options.some((o) => o.key === 'properties.*') && isKafkaClientKey(key)) {
    notes.push(`help: Kafka client properties take the prefix 'properties.': did you mean 'properties.${key}'?`);
  } else {
    const others = CONNECTOR_NAMES.filter((c) => c !== spec.name && CONNECTORS[c].options.some((o) => o.key === key));
    if (others.length > 0)
      notes.push(`note: '${key}' is an option of connector ${others.map((c) => `'${c}'`).join(', ')}`);
    notes.push(`help: options of connector '${spec.name}': ${docKeys(ctx).join(', ')}`);
  }
  ctx.diagnostics.push(
    error('SQ0501', `unknown option '${written}' for connector '${spec.name}'`, pair.keySpan, ...notes),
  );
}

/** Common Kafka client configuration keys, written without the 'properties.' prefix. */
function isKafkaClientKey(key: string): boolean {
  return (
    /^(sasl|ssl)\./.test(key) ||
    [
      'bootstrap.servers',
      'group.id',
      'client.id',
      'security.protocol',
      'auto.offset.reset',
      'isolation.level',
      'transactional.id',
      'acks',
      'enable.idempotence',
      'compression.type',
      'max.poll.records',
      'session.timeout.ms',
      'request.timeout.ms',
      'enable.auto.commit',
    ].includes(key)
  );
}

/** Did-you-mean over the connector's keys, its format's keys and column-family keys. */
function suggestKey(ctx: RuleContext, key: string): string | null {
  const { spec } = ctx;
  const candidates: string[] = [];
  for (const o of spec.options) {
    if (o.key.endsWith('.*')) continue;
    const col = o.key.indexOf('<column>');
    if (col < 0) {
      candidates.push(o.key);
      continue;
    }
    // fields.<column>.kind: keep the column as written and fix the rest.
    const prefix = o.key.slice(0, col);
    const rest = key.startsWith(prefix) ? key.slice(prefix.length) : null;
    const dot = rest ? rest.lastIndexOf('.') : -1;
    if (rest && dot > 0) candidates.push(prefix + rest.slice(0, dot) + o.key.slice(col + '<column>'.length));
  }
  if (ctx.format) candidates.push(...FORMATS[ctx.format].options.map((o) => o.key));
  if (spec.formats.length > 0) candidates.push('value.format');
  return suggest(key, candidates);
}

function docKeys(ctx: RuleContext): string[] {
  return ctx.spec.options.filter((o) => !o.ignored).map((o) => o.key);
}

function roleApplies(roles: OptionRoles, reads: boolean, writes: boolean): boolean {
  return roles === 'both' ? reads || writes : roles === 'source' ? reads : writes;
}

function checkRequired(ctx: RuleContext): void {
  for (const o of ctx.spec.options) {
    if (!o.required || ctx.entries.has(o.key) || !roleApplies(o.roles, ctx.reads, ctx.writes)) continue;
    const example = o.type.kind === 'enum' ? o.type.values[0] : '...';
    ctx.diagnostics.push(
      error(
        'SQ0502',
        `connector '${ctx.spec.name}' needs option '${o.key}' ("${ctx.input.relationName}" has none)`,
        ctx.input.span,
        `help: add '${o.key}' = '${example}' to the WITH clause`,
        `note: ${o.key}: ${o.description}`,
      ),
    );
  }
}

function fillDefaults(ctx: RuleContext, format: FormatName | null, dctx: DefaultContext): void {
  const { resolved, reads, writes } = ctx;
  const fill = (key: string, o: OptionSpec): void => {
    if (key in resolved || o.ignored || o.default === undefined) return;
    if (!roleApplies(o.roles, reads, writes)) return;
    if (o.tablesOnly && ctx.input.relation !== 'TABLE') return;
    if (o.connectors && !o.connectors.includes(ctx.spec.name)) return;
    const v = typeof o.default === 'function' ? o.default(dctx) : o.default;
    if (v !== undefined) resolved[key] = v;
  };
  for (const o of ctx.spec.options) {
    if (o.key.endsWith('.*') || o.key.includes('<column>')) continue;
    fill(o.key, o);
  }
  if (format) for (const o of FORMATS[format].options) fill(o.key, o);
  const keyFormat = resolved['key.format'] as FormatName | undefined;
  if (ctx.spec.keyFormat && keyFormat && keyFormat in FORMATS) {
    for (const o of FORMATS[keyFormat].options) fill(`key.${o.key}`, o);
  }
}
