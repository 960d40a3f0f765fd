/**
 * Format options (`json.*`, `csv.*`, `raw.*`), following Flink's format option names. They apply
 * to the value format (`format` / `value.format`, also spelled `value.json.*`); for connectors
 * with a message key, `key.json.*` etc. apply to `key.format`.
 */
import type { FormatName } from '../contract.ts';
import type { OptionSpec } from '../connectors/spec.ts';

export const FORMAT_NAMES: readonly FormatName[] = ['json', 'csv', 'raw', 'changelog-json'];

/** `value.format` → `format`, `value.json.x` → `json.x`: Flink's two spellings of the value format. */
export function normaliseKey(key: string): string {
  const k = key.trim();
  if (k === 'value.format') return 'format';
  for (const f of FORMAT_NAMES) if (k.startsWith(`value.${f}.`)) return k.slice('value.'.length);
  return k;
}

export interface FormatSpec {
  readonly name: FormatName;
  readonly description: string;
  readonly options: readonly OptionSpec[];
}

const bool = { kind: 'boolean' } as const;

/** How JSON values are written (the json and changelog-json formats). */
const JSON_WRITE_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'json.timestamp-format.standard',
    type: { kind: 'enum', values: ['ISO-8601', 'SQL'] },
    roles: 'both',
    default: 'ISO-8601',
    description:
      "How TIMESTAMP values are written: 'ISO-8601' (2025-04-21T14:08:35.000Z) or 'SQL' (2025-04-21 14:08:35.000); input accepts both.",
  },
  {
    key: 'json.encode.ignore-null-fields',
    type: bool,
    roles: 'sink',
    default: 'false',
    description: 'Leave NULL fields out of written objects instead of writing null.',
  },
];

export const FORMATS: Readonly<Record<FormatName, FormatSpec>> = {
  json: {
    name: 'json',
    description:
      'One JSON object per record (per line in files; a UTF-8 byte order mark at the start of a file is skipped). TIMESTAMP input may be an ISO-8601 string or epoch milliseconds.',
    options: [
      {
        key: 'json.ignore-parse-errors',
        type: bool,
        roles: 'source',
        default: 'false',
        description: 'Skip (and count) malformed records instead of stopping the query with an error.',
      },
      {
        key: 'json.fail-on-missing-field',
        type: bool,
        roles: 'source',
        default: 'false',
        description: 'Fail on a record that lacks a declared field (otherwise the field is NULL).',
      },
      ...JSON_WRITE_OPTIONS,
      {
        key: 'json.map-null-key.mode',
        type: { kind: 'enum', values: ['FAIL', 'DROP', 'LITERAL'] },
        roles: 'sink',
        ignored: 'MAP keys are STRING and never NULL in sqc',
        description: 'Flink: how to write NULL map keys.',
      },
    ],
  },
  'changelog-json': {
    name: 'changelog-json',
    description:
      'JSON lines that say what each row is, for EMIT CHANGES into files: the row\'s columns after an op field holding its kind, \'+I\' (a first result), \'+U\' (an update of the result with the same key) or \'-D\' (a retraction: the row with that key is gone), as Flink prints them. `{"op":"+U","page":"/cart","n":3}`. Written by sinks only; the json format\'s write options apply.',
    options: [
      {
        key: 'changelog-json.op-field',
        type: { kind: 'string' },
        roles: 'sink',
        default: 'op',
        description: 'Name of the field that holds the row kind (must not be a column name of the sink).',
      },
      ...JSON_WRITE_OPTIONS,
    ],
  },
  csv: {
    name: 'csv',
    description:
      'Comma-separated values, RFC 4180 quoting; one row per line (a UTF-8 byte order mark at the start of a file is skipped).',
    options: [
      {
        key: 'csv.header',
        type: bool,
        roles: 'both',
        default: 'true',
        connectors: ['file'],
        description:
          'Files start with a header line of column names (skipped on read, written first on write); columns are matched by name, so a header may order them freely and hold others. A header that lacks a declared column makes every record of that file malformed (the error names the column). sqc extension; Flink has no header support.',
      },
      {
        key: 'csv.field-delimiter',
        type: { kind: 'char' },
        roles: 'both',
        default: ',',
        description: "Field delimiter, one character ('\\t' for tab).",
      },
      {
        key: 'csv.quote-character',
        type: { kind: 'char' },
        roles: 'both',
        default: '"',
        description: 'Character that encloses values containing delimiters, quotes or line breaks.',
      },
      {
        key: 'csv.disable-quote-character',
        type: bool,
        roles: 'both',
        default: 'false',
        description: "Disable quoting (then 'csv.quote-character' must not be set).",
      },
      {
        key: 'csv.allow-comments',
        type: bool,
        roles: 'source',
        default: 'false',
        description: "Skip lines starting with '#'.",
      },
      {
        key: 'csv.ignore-parse-errors',
        type: bool,
        roles: 'source',
        default: 'false',
        description: 'Skip (and count) malformed rows instead of stopping the query with an error.',
      },
      {
        key: 'csv.array-element-delimiter',
        type: { kind: 'string' },
        roles: 'both',
        default: ';',
        description: 'Separator of ARRAY elements inside one field.',
      },
      {
        key: 'csv.escape-character',
        type: { kind: 'char' },
        roles: 'both',
        description: 'Escape character inside quoted values (default: none; quotes are doubled).',
      },
      {
        key: 'csv.null-literal',
        type: { kind: 'string' },
        roles: 'both',
        description: 'Field text read as NULL and written for NULL (default: an empty field is NULL).',
      },
    ],
  },
  raw: {
    name: 'raw',
    description: 'The whole record as one STRING column (the relation must have exactly one physical column).',
    options: [
      {
        key: 'raw.charset',
        type: { kind: 'enum', values: ['UTF-8', 'UTF-16LE', 'ISO-8859-1', 'US-ASCII'] },
        roles: 'both',
        default: 'UTF-8',
        description: 'Character set of the bytes.',
      },
    ],
  },
};
