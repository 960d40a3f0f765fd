/**
 * Record keys and values of Kafka relations: which columns go into the key and the value
 * (`key.fields`, `value.fields-include`), and their text in each format (`key.format`, `format`).
 * Sinks encode rows with `recordEncoder`; sources that read key columns parse records with
 * `recordParser` (the common case, every column in the value, goes straight to the generated
 * decoder instead).
 */
import type { FormatName } from '../../contract.ts';
import type { FieldDesc } from '../../types.ts';
import { csvOptions, splitCsvLine } from '../../formats/csv.ts';
import { csvLineEncoder, jsonLineEncoder, jsonWriteOptions, textConverter } from '../../formats/encode.ts';
import { object as asObject } from '../../formats/decode.ts';
import { ParseError } from '../../engine/errors.ts';
import type { KafkaConfig } from './options.ts';

type Options = Readonly<Record<string, string>>;
type Row = Record<string, unknown>;

/** Key and value layout of a Kafka relation. */
export interface RecordLayout {
  readonly keyFields: readonly string[];
  readonly keyFormat: FormatName;
  readonly valueFormat: FormatName;
  /** The columns written to / read from the value. */
  readonly valueFields: readonly FieldDesc[];
  readonly keyDescs: readonly FieldDesc[];
}

export function recordLayout(
  fields: readonly FieldDesc[],
  config: Pick<KafkaConfig, 'format' | 'keyFormat' | 'valueFieldsInclude'>,
  keyFields: readonly string[],
): RecordLayout {
  const valueFormat = config.format;
  const keyFormat = config.keyFormat ?? valueFormat;
  const exceptKey = config.valueFieldsInclude === 'EXCEPT_KEY';
  const keyDescs = keyFields.map((k) => {
    const f = fields.find((x) => x.name === k);
    if (!f) throw new Error(`key field "${k}" is not a column (columns: ${fields.map((x) => x.name).join(', ')})`);
    return f;
  });
  const valueFields = exceptKey ? fields.filter((f) => !keyFields.includes(f.name)) : fields;
  return { keyFields, keyFormat, valueFormat, valueFields, keyDescs };
}

function textEncoder(fields: readonly FieldDesc[], format: FormatName, options: Options): (row: Row) => string {
  switch (format) {
    case 'csv':
      return csvLineEncoder(fields, csvOptions(options));
    case 'raw': {
      if (fields.length !== 1) throw new Error(`format 'raw' needs exactly one column, not ${fields.length}`);
      const name = fields[0]!.name;
      const conv = textConverter(fields[0]!.type, '');
      return (row) => conv(row[name]);
    }
    default:
      return jsonLineEncoder(fields, jsonWriteOptions(options));
  }
}

/** Key options are the format options with a `key.` prefix (`key.json.ignore-parse-errors`). */
function keyOptions(options: Options): Options {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(options)) if (k.startsWith('key.')) out[k.slice(4)] = v;
  return out;
}

/** Row → key text (null without key fields) and value text. */
export function recordEncoder(
  layout: RecordLayout,
  options: Options,
): { key: ((row: Row) => string) | null; value: (row: Row) => string } {
  const key = layout.keyDescs.length === 0 ? null : textEncoder(layout.keyDescs, layout.keyFormat, keyOptions(options));
  return { key, value: textEncoder(layout.valueFields, layout.valueFormat, options) };
}

function textParser(fields: readonly FieldDesc[], format: FormatName, options: Options): (text: string) => Row {
  switch (format) {
    case 'csv': {
      const o = csvOptions(options);
      const names = fields.map((f) => f.name);
      return (text) => {
        const cells = splitCsvLine(text, o);
        if (cells.length !== names.length)
          throw new ParseError(`CSV record has ${cells.length} fields, expected ${names.length}`);
        const out: Row = {};
        for (let i = 0; i < names.length; i++) out[names[i]!] = cells[i];
        return out;
      };
    }
    case 'raw': {
      const name = fields[0]?.name ?? 'value';
      return (text) => ({ [name]: text });
    }
    default:
      return (text) => asObject(JSON.parse(text));
  }
}

/**
 * Key text and value text → one JS object of column values for the generated `decode.object`
 * (key columns from the key, the others from the value, as Flink assembles them).
 */
export function recordParser(
  layout: RecordLayout,
  options: Options,
): (key: string | null, value: string | null) => Row {
  const parseKey = textParser(layout.keyDescs, layout.keyFormat, keyOptions(options));
  const parseValue = textParser(layout.valueFields, layout.valueFormat, options);
  const keys = layout.keyFields;
  return (key, value) => {
    // a tombstone (upsert-kafka deletion) has only its key
    const row = value === null ? {} : parseValue(value);
    if (keys.length === 0) return row;
    if (key === null) {
      for (const k of keys) row[k] = null;
      return row;
    }
    const k = parseKey(key);
    for (const f of keys) row[f] = k[f] ?? null;
    return row;
  };
}
