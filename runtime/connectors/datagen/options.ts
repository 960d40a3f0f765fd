/**
 * The `datagen` connector's options and typed config (pure: imported by the compiler and by
 * the datagen source). Key names follow Flink's DataGen connector.
 */
import { OptionValueError, parseBoolean, parseDuration, parseInteger, parseList, parseNumber } from '../../options.ts';
import { BATCH_SIZE, SCAN_PARALLELISM, SOURCE_COMMON, bool, duration, optionReader } from '../common.ts';
import type { ConnectorConfig, ConnectorSpec, OptionSpec } from '../spec.ts';

/** One column's generator (`fields.<column>.*`); null: not written (the source's default). */
export interface DatagenField {
  readonly kind: 'random' | 'sequence';
  readonly min: number | null;
  readonly max: number | null;
  readonly maxPastMs: number | null;
  readonly length: number | null;
  readonly varLen: boolean;
  readonly start: number | null;
  readonly end: number | null;
  readonly nullRate: number;
  readonly values: readonly string[] | null;
}

export interface DatagenConfig extends ConnectorConfig {
  readonly format: null;
  readonly rowsPerSecond: number;
  /** `number-of-rows`, or null: unbounded (unless a sequence column ends it). */
  readonly numberOfRows: number | null;
  /** Per column with `fields.<column>.*` options. */
  readonly fields: Readonly<Record<string, DatagenField>>;
}

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

export const datagenOptions: ConnectorSpec<DatagenConfig> = {
  name: 'datagen',
  folder: 'datagen',
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
  resolve(options, use) {
    const r = optionReader(datagenOptions.options, options, use);
    const fields = datagenFields(options);
    const numberOfRows = r.integer('number-of-rows');
    return {
      format: null,
      bounded: numberOfRows !== null || Object.values(fields).some((f) => f.kind === 'sequence'),
      batchSize: r.integer('scan.batch-size')!,
      deliveryGuarantee: 'at-least-once',
      rowsPerSecond: r.integer('rows-per-second')!,
      numberOfRows,
      fields,
    };
  },
};

/** `fields.<column>.<property>` options, typed per column. */
function datagenFields(options: Readonly<Record<string, string>>): Record<string, DatagenField> {
  const byColumn = new Map<string, Map<string, string>>();
  for (const [key, value] of Object.entries(options)) {
    if (!key.startsWith('fields.')) continue;
    const dot = key.lastIndexOf('.');
    if (dot <= 'fields.'.length) continue;
    const column = key.slice('fields.'.length, dot);
    if (!byColumn.has(column)) byColumn.set(column, new Map());
    byColumn.get(column)!.set(key.slice(dot + 1), value);
  }
  const out: Record<string, DatagenField> = {};
  for (const [column, props] of byColumn) {
    const read = <T>(p: string, parse: (t: string) => T): T | null => {
      const v = props.get(p);
      if (v === undefined) return null;
      try {
        return parse(v);
      } catch (e) {
        if (e instanceof OptionValueError) throw new Error(`option 'fields.${column}.${p}' = '${v}' ${e.message}`);
        throw e;
      }
    };
    out[column] = {
      kind: (props.get('kind') ?? 'random').trim().toLowerCase() === 'sequence' ? 'sequence' : 'random',
      min: read('min', (t) => parseNumber(t)),
      max: read('max', (t) => parseNumber(t)),
      maxPastMs: read('max-past', parseDuration),
      length: read('length', (t) => parseInteger(t, 0)),
      varLen: read('var-len', parseBoolean) ?? false,
      start: read('start', (t) => parseNumber(t)),
      end: read('end', (t) => parseNumber(t)),
      nullRate: read('null-rate', (t) => parseNumber(t, 0, 1)) ?? 0,
      values: read('values', parseList),
    };
  }
  return out;
}
