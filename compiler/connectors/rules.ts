/**
 * Conditional rules the per-option registry cannot express: options that require or exclude
 * each other, per-column option families, and checks against the relation's columns.
 */
import { optionKey } from './legacy.ts';
import type { OptionPair, Span } from '../../grammar/ast.ts';
import { error, warning, type Diagnostic } from '../../grammar/diagnostic.ts';
import type { ConnectorName, FormatName } from '../../runtime/contract.ts';
import { parseList } from '../../runtime/options.ts';
import { suggest } from '../../grammar/suggest.ts';
import type { ConnectorSpec } from '../../runtime/connectors/spec.ts';
import { parseSpecificOffsets } from '../../runtime/connectors/kafka/options.ts';
import type { ConnectorOptionsInput } from './input.ts';

/** One written option: its pair and (once checked) its normalised value. */
export interface Entry {
  readonly pair: OptionPair;
  value: string;
  /** The value failed its type check (reported); rules skip it. */
  invalid?: boolean;
}

export interface RuleContext {
  readonly input: ConnectorOptionsInput;
  readonly spec: ConnectorSpec;
  /** Normalised key → entry. */
  readonly entries: ReadonlyMap<string, Entry>;
  readonly resolved: Record<string, string>;
  readonly reads: boolean;
  readonly writes: boolean;
  readonly format: FormatName | null;
  readonly diagnostics: Diagnostic[];
}

/** The valid (checked) value of a written option, or undefined. */
function valueOf(ctx: RuleContext, key: string): string | undefined {
  const e = ctx.entries.get(key);
  return e && !e.invalid ? e.value : undefined;
}

export function applyConnectorRules(ctx: RuleContext): void {
  switch (ctx.spec.name) {
    case 'kafka':
      kafkaTopicRules(ctx);
      kafkaStartupRules(ctx);
      kafkaKeyRules(ctx);
      break;
    case 'upsert-kafka':
      checkTopicNames(ctx);
      break;
    case 'datagen':
      datagenFieldRules(ctx);
      break;
    case 'nexmark':
      nexmarkRules(ctx);
      break;
    default:
      break;
  }
  if (ctx.spec.name === 'kafka' || ctx.spec.name === 'upsert-kafka') transactionalRules(ctx);
  formatRules(ctx);
}

const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

function checkTopicNames(ctx: RuleContext): void {
  const topic = ctx.entries.get('topic');
  if (!topic || topic.invalid) return;
  const names = ctx.spec.name === 'kafka' ? parseList(topic.value) : [topic.value];
  const bad = names.find((n) => !TOPIC_NAME.test(n));
  if (bad !== undefined) {
    ctx.diagnostics.push(
      error(
        'SQ0503',
        `'${bad}' is not a valid Kafka topic name`,
        topic.pair.valueSpan,
        'note: topic names are 1-249 characters from A-Z, a-z, 0-9, ".", "_" and "-"',
      ),
    );
    topic.invalid = true;
  }
}

function kafkaTopicRules(ctx: RuleContext): void {
  const { entries, input, diagnostics } = ctx;
  const topic = entries.get('topic');
  const pattern = entries.get('topic-pattern');
  const name = `"${input.relationName}"`;
  checkTopicNames(ctx);
  if (ctx.reads) {
    if (topic && pattern) {
      diagnostics.push(
        error(
          'SQ0503',
          `'topic' and 'topic-pattern' cannot both be set`,
          pattern.pair.keySpan,
          "help: read either the listed topics ('topic') or every topic matching a pattern ('topic-pattern')",
        ),
      );
    } else if (!topic && !pattern) {
      diagnostics.push(
        error(
          'SQ0502',
          `kafka source ${name} needs 'topic' or 'topic-pattern'`,
          input.span,
          "help: add 'topic' = '...' to the WITH clause",
        ),
      );
    }
  }
  if (ctx.writes) {
    if (!topic) {
      // A read-and-written relation without either key was reported just above.
      if (!ctx.reads || pattern) {
        diagnostics.push(
          error(
            'SQ0502',
            `kafka sink ${name} needs 'topic' (the one topic it writes to)`,
            input.span,
            "help: add 'topic' = '...' to the WITH clause",
          ),
        );
      }
    } else if (!topic.invalid && parseList(topic.value).length > 1) {
      diagnostics.push(
        error(
          'SQ0503',
          `a kafka sink writes to one topic, but 'topic' of ${name} lists ${parseList(topic.value).length}`,
          topic.pair.valueSpan,
        ),
      );
    }
  }
}

function kafkaStartupRules(ctx: RuleContext): void {
  if (!ctx.reads) return;
  for (const key of ['scan.startup.specific-offsets', 'scan.bounded.specific-offsets']) {
    const e = ctx.entries.get(key);
    if (!e || e.invalid) continue;
    try {
      parseSpecificOffsets(e.value);
    } catch (x) {
      ctx.diagnostics.push(
        error(
          'SQ0503',
          `'${key}' ${(x as Error).message}`,
          e.pair.valueSpan,
          "help: write e.g. 'partition:0,offset:42;partition:1,offset:300'",
        ),
      );
      e.invalid = true;
    }
  }
  const modeEntry = ctx.entries.get('scan.startup.mode');
  const mode = valueOf(ctx, 'scan.startup.mode');
  const millis = ctx.entries.get('scan.startup.timestamp-millis');
  if (mode === 'timestamp' && !millis) {
    ctx.diagnostics.push(
      error(
        'SQ0502',
        `scan.startup.mode 'timestamp' needs 'scan.startup.timestamp-millis'`,
        modeEntry!.pair.valueSpan,
        "help: add 'scan.startup.timestamp-millis' = '<epoch milliseconds>' to the WITH clause",
      ),
    );
  }
  if (mode === 'group-offsets' && !ctx.entries.has('properties.group.id')) {
    ctx.diagnostics.push(
      error(
        'SQ0502',
        `scan.startup.mode 'group-offsets' needs 'properties.group.id'`,
        modeEntry!.pair.valueSpan,
        "help: add 'properties.group.id' = '...' to the WITH clause",
      ),
    );
  }
  if (millis && mode !== 'timestamp' && !(modeEntry?.invalid ?? false)) {
    ctx.diagnostics.push(
      warning(
        'SQ0902',
        `'scan.startup.timestamp-millis' is ignored unless 'scan.startup.mode' = 'timestamp'`,
        millis.pair.keySpan,
      ),
    );
  }
}

function kafkaKeyRules(ctx: RuleContext): void {
  const include = ctx.entries.get('value.fields-include');
  if (valueOf(ctx, 'value.fields-include') === 'EXCEPT_KEY' && !ctx.entries.has('key.fields')) {
    ctx.diagnostics.push(
      error(
        'SQ0502',
        `value.fields-include 'EXCEPT_KEY' needs 'key.fields'`,
        include!.pair.valueSpan,
        "help: add 'key.fields' = '<column>[;<column>...]' to the WITH clause",
      ),
    );
  }
  // A written sink without key.fields keys its records by the query's group key, so
  // key.format alone is meaningful there; a source without key.fields never reads the key.
  const keyFormat = ctx.entries.get('key.format');
  if (keyFormat && !ctx.writes && !ctx.entries.has('key.fields')) {
    ctx.diagnostics.push(
      warning(
        'SQ0902',
        `'key.format' is ignored without 'key.fields'`,
        keyFormat.pair.keySpan,
        "help: add 'key.fields' to read columns from the record key",
      ),
    );
  }
}

function transactionalRules(ctx: RuleContext): void {
  const prefix = ctx.entries.get('sink.transactional-id-prefix');
  const guarantee = ctx.entries.get('sink.delivery-guarantee');
  if (prefix && ctx.writes && !guarantee?.invalid && valueOf(ctx, 'sink.delivery-guarantee') !== 'exactly-once') {
    ctx.diagnostics.push(
      warning(
        'SQ0902',
        `'sink.transactional-id-prefix' is ignored unless 'sink.delivery-guarantee' = 'exactly-once'`,
        prefix.pair.keySpan,
      ),
    );
  }
}

function formatRules(ctx: RuleContext): void {
  const { diagnostics } = ctx;
  const format = ctx.entries.get('format');
  if (format && ctx.reads && valueOf(ctx, 'format') === 'changelog-json') {
    diagnostics.push(
      error(
        'SQ0503',
        `format 'changelog-json' is written by sinks only, but "${ctx.input.relationName}" is read`,
        format.pair.valueSpan,
        "help: read the file with 'format' = 'json' (its op field is then an ordinary STRING column)",
      ),
    );
  }
  for (const prefix of ['', 'key.']) {
    const failOnMissing = ctx.entries.get(`${prefix}json.fail-on-missing-field`);
    if (
      failOnMissing &&
      valueOf(ctx, `${prefix}json.fail-on-missing-field`) === 'true' &&
      valueOf(ctx, `${prefix}json.ignore-parse-errors`) === 'true'
    ) {
      diagnostics.push(
        error(
          'SQ0503',
          `'${prefix}json.fail-on-missing-field' and '${prefix}json.ignore-parse-errors' cannot both be 'true'`,
          failOnMissing.pair.keySpan,
          'note: a record with a missing field would both fail the query and be skipped',
        ),
      );
    }
    const quote = ctx.entries.get(`${prefix}csv.quote-character`);
    if (quote && valueOf(ctx, `${prefix}csv.disable-quote-character`) === 'true') {
      diagnostics.push(
        error(
          'SQ0503',
          `'${prefix}csv.quote-character' cannot be set when '${prefix}csv.disable-quote-character' is 'true'`,
          quote.pair.keySpan,
        ),
      );
    }
    const delimiter = ctx.entries.get(`${prefix}csv.field-delimiter`);
    const d = valueOf(ctx, `${prefix}csv.field-delimiter`);
    if (delimiter && d !== undefined && d === (valueOf(ctx, `${prefix}csv.quote-character`) ?? '"')) {
      diagnostics.push(
        error(
          'SQ0503',
          `'${prefix}csv.field-delimiter' must differ from the quote character`,
          delimiter.pair.valueSpan,
        ),
      );
    }
  }
}

const SEQUENCE_ONLY = ['start', 'end'];
const RANDOM_ONLY = ['min', 'max', 'max-past', 'length', 'var-len', 'values'];

function datagenFieldRules(ctx: RuleContext): void {
  // column → (property → entry)
  const byColumn = new Map<string, Map<string, Entry>>();
  for (const [key, entry] of ctx.entries) {
    if (!key.startsWith('fields.')) continue;
    const dot = key.lastIndexOf('.');
    if (dot <= 'fields.'.length) continue;
    const column = key.slice('fields.'.length, dot);
    if (!byColumn.has(column)) byColumn.set(column, new Map());
    byColumn.get(column)!.set(key.slice(dot + 1), entry);
  }
  for (const [column, props] of byColumn) {
    const kindEntry = props.get('kind');
    const kind = kindEntry && !kindEntry.invalid ? kindEntry.value : kindEntry ? null : 'random';
    if (kind === null) continue;
    if (kind === 'sequence') {
      for (const p of SEQUENCE_ONLY) {
        if (props.has(p)) continue;
        ctx.diagnostics.push(
          error(
            'SQ0502',
            `a sequence needs 'fields.${column}.${p}'`,
            kindEntry!.pair.valueSpan,
            `help: add 'fields.${column}.${p}' = '...' to the WITH clause`,
          ),
        );
      }
    }
    const misplaced = kind === 'sequence' ? RANDOM_ONLY : SEQUENCE_ONLY;
    for (const p of misplaced) {
      const e = props.get(p);
      if (!e) continue;
      ctx.diagnostics.push(
        warning(
          'SQ0902',
          `'fields.${column}.${p}' is ignored by a ${kind} generator`,
          e.pair.keySpan,
          kind === 'random'
            ? `help: add 'fields.${column}.kind' = 'sequence'`
            : `help: a sequence runs from 'start' to 'end'`,
        ),
      );
    }
    checkOrder(ctx, props, 'min', 'max');
    checkOrder(ctx, props, 'start', 'end');
  }
}

function checkOrder(ctx: RuleContext, props: Map<string, Entry>, lo: string, hi: string): void {
  const a = props.get(lo);
  const b = props.get(hi);
  if (!a || !b || a.invalid || b.invalid) return;
  if (Number(a.value) > Number(b.value)) {
    ctx.diagnostics.push(
      error(
        'SQ0503',
        `'${b.pair.key.trim()}' = '${b.pair.value}' is less than '${a.pair.key.trim()}' = '${a.pair.value}'`,
        b.pair.valueSpan,
      ),
    );
  }
}

function nexmarkRules(ctx: RuleContext): void {
  const keys = ['person.proportion', 'auction.proportion', 'bid.proportion'];
  const defaults: Record<string, number> = { 'person.proportion': 1, 'auction.proportion': 3, 'bid.proportion': 46 };
  if (keys.some((k) => ctx.entries.get(k)?.invalid)) return;
  const total = keys.reduce((sum, k) => sum + Number(valueOf(ctx, k) ?? defaults[k]), 0);
  const first = keys.map((k) => ctx.entries.get(k)).find((e) => e !== undefined);
  if (total === 0 && first) {
    ctx.diagnostics.push(error('SQ0503', 'the event proportions are all 0', first.pair.valueSpan));
  }
}

/** Warns about written Kafka sinks that may duplicate rows after a restart. */
export function checkDelivery(ctx: RuleContext): void {
  if (!ctx.writes || (ctx.spec.name !== 'kafka' && ctx.spec.name !== 'upsert-kafka')) return;
  const eos = ctx.entries.get('sink.delivery-guarantee');
  if (!ctx.input.checkpointing && !ctx.input.scaleOut && eos && !eos.invalid && eos.value === 'exactly-once') {
    ctx.diagnostics.push(
      warning(
        'SQ0902',
        `${ctx.spec.name} sink "${ctx.input.relationName}" is exactly-once only with a checkpoint: without 'checkpoint.dir' it writes at-least-once`,
        eos.pair.valueSpan,
        "help: SET 'checkpoint.dir' (or run with --set checkpoint.dir=<dir>): a restart replays the interrupted micro-batches from the checkpoint's log",
      ),
    );
    return;
  }
  if (!ctx.input.checkpointing || ctx.spec.name !== 'kafka') return;
  if (ctx.resolved['sink.delivery-guarantee'] !== 'at-least-once') return;
  const guarantee = ctx.entries.get('sink.delivery-guarantee');
  const connector = ctx.entries.get('connector')!;
  ctx.diagnostics.push(
    warning(
      'SQ0902',
      `kafka sink "${ctx.input.relationName}" is at-least-once: after a restart, rows written since the last checkpoint are written again`,
      (guarantee ?? connector).pair.valueSpan,
      "help: set 'sink.delivery-guarantee' = 'exactly-once' for exactly-once output",
    ),
  );
}

export interface ColumnCheckInput {
  readonly relationName: string;
  readonly connector: ConnectorName;
  readonly options: readonly OptionPair[];
  /** Resolved options (from `validateConnectorOptions`). */
  readonly resolved: Readonly<Record<string, string>>;
  /** The physical columns. */
  readonly columns: readonly string[];
  readonly primaryKey: readonly string[];
  readonly span: Span;
}

/**
 * Checks the options that name columns against the columns: `key.fields`, datagen's
 * `fields.<column>.*`, the single column of format 'raw', upsert-kafka's PRIMARY KEY. Run by
 * `validateConnectorOptions` when columns are declared; call it directly once a sink's columns
 * are inferred.
 */
export function checkColumnOptions(input: ColumnCheckInput): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const columns = new Set(input.columns);
  const name = `"${input.relationName}"`;
  const pairOf = (key: string): OptionPair | undefined => input.options.find((p) => optionKey(p.key) === key);

  const keyFieldsPair = pairOf('key.fields');
  let keyFields: string[] | null = null;
  if (keyFieldsPair && input.connector === 'kafka') {
    try {
      keyFields = parseList(keyFieldsPair.value);
    } catch {
      keyFields = null; // reported as an invalid value
    }
    const seen = new Set<string>();
    for (const f of keyFields ?? []) {
      if (!columns.has(f)) {
        const s = suggest(f, input.columns);
        diagnostics.push(
          error(
            'SQ0102',
            `'key.fields' names unknown column "${f}" of ${name}`,
            keyFieldsPair.valueSpan,
            s ? `help: did you mean "${s}"?` : `note: columns: ${input.columns.join(', ')}`,
          ),
        );
      } else if (seen.has(f)) {
        diagnostics.push(error('SQ0105', `'key.fields' names column "${f}" twice`, keyFieldsPair.valueSpan));
      }
      seen.add(f);
    }
  }

  if (input.connector === 'datagen') {
    for (const pair of input.options) {
      const key = pair.key.trim();
      if (!key.startsWith('fields.')) continue;
      const dot = key.lastIndexOf('.');
      if (dot <= 'fields.'.length) continue;
      const column = key.slice('fields.'.length, dot);
      if (columns.has(column)) continue;
      const s = suggest(column, input.columns);
      diagnostics.push(
        error(
          'SQ0102',
          `'${key}' names unknown column "${column}" of ${name}`,
          pair.keySpan,
          s ? `help: did you mean 'fields.${s}${key.slice(dot)}'?` : `note: columns: ${input.columns.join(', ')}`,
        ),
      );
    }
  }

  if (input.resolved['format'] === 'changelog-json') {
    const op = input.resolved['changelog-json.op-field'] ?? 'op';
    if (columns.has(op)) {
      const p = pairOf('changelog-json.op-field') ?? pairOf('format');
      diagnostics.push(
        error(
          'SQ0503',
          `the op field "${op}" of format 'changelog-json' is also a column of ${name}`,
          p ? p.valueSpan : input.span,
          `help: set 'changelog-json.op-field' to a name that is not a column, or rename the column`,
        ),
      );
    }
  }

  if (input.resolved['format'] === 'raw' && input.columns.length !== 1) {
    const p = pairOf('format');
    diagnostics.push(
      error(
        'SQ0503',
        `format 'raw' needs exactly one physical column, but ${name} has ${input.columns.length}`,
        p ? p.valueSpan : input.span,
        "help: declare one STRING column, or use 'json' or 'csv'",
      ),
    );
  }

  if (input.connector === 'upsert-kafka' && input.primaryKey.length === 0) {
    diagnostics.push(
      error(
        'SQ0502',
        `upsert-kafka table ${name} needs a PRIMARY KEY (the message key)`,
        input.span,
        'help: add PRIMARY KEY (<column>, ...) NOT ENFORCED to the column list',
      ),
    );
  }

  const keyCount = input.connector === 'upsert-kafka' ? input.primaryKey.length : (keyFields?.length ?? 0);
  if (input.resolved['key.format'] === 'raw' && keyCount > 1) {
    const p = pairOf('key.format');
    diagnostics.push(
      error(
        'SQ0503',
        `key format 'raw' needs a single key column, but ${name} has ${keyCount}`,
        p ? p.valueSpan : input.span,
      ),
    );
  }
  return diagnostics;
}
