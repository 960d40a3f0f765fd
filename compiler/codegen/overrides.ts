/**
 * The types a generated `createJob(overrides)` is checked with: per source the records its memory
 * binding takes (`rows`, `batches`, `stream`), per sink the rows its memory binding hands out
 * (`rows`, `onBatch`; JSON-ready with `json: true`). Relation names are the literal keys, so a
 * misspelled relation or a field the relation does not declare is a `tsc` error in the app.
 */
import type { PlanField, SinkDef, SourceDef } from '../plan/plan.ts';
import type { SqlType } from '../types.ts';
import type { ModuleBuilder } from './module.ts';
import { propertyKey } from './names.ts';
import type { SinkNames } from './sinks.ts';

/**
 * A value of `t` as memory sources take it: what a JSON record holds (the runtime decodes it like
 * a JSON line), TIMESTAMP, DATE and TIME also as text.
 */
function inputType(t: SqlType): string {
  switch (t.kind) {
    case 'BOOLEAN':
      return 'boolean';
    case 'INT':
    case 'BIGINT':
    case 'DOUBLE':
    case 'DECIMAL':
    case 'INTERVAL':
      return 'number';
    case 'TIMESTAMP':
    case 'DATE':
    case 'TIME':
      return 'string | number';
    case 'STRING':
    case 'BYTES':
      return 'string';
    case 'ARRAY':
      return `readonly (${inputType(t.element)}${t.elementNullable ? ' | null' : ''})[]`;
    case 'MAP':
      return `{ readonly [key: string]: ${inputType(t.value)}${t.valueNullable ? ' | null' : ''} }`;
    case 'ROW':
      return inputObject(t.fields);
    case 'NULL':
      return 'null';
  }
}

/** A record with every field: NULL-able ones optional (absent reads as NULL). */
function inputObject(fields: readonly { name: string; type: SqlType; nullable: boolean }[]): string {
  const props = fields.map((f) =>
    f.nullable
      ? `readonly ${propertyKey(f.name)}?: ${inputType(f.type)} | null`
      : `readonly ${propertyKey(f.name)}: ${inputType(f.type)}`,
  );
  return `{ ${props.join('; ')} }`;
}

/** A value of `t` in a JSON-ready row (`json: true`): the runtime's JSON encoding of it. */
function jsonType(t: SqlType): string {
  switch (t.kind) {
    case 'TIMESTAMP':
    case 'DATE':
    case 'TIME':
      return 'string';
    case 'ARRAY':
      return `(${jsonType(t.element)}${t.elementNullable ? ' | null' : ''})[]`;
    case 'MAP':
      return `{ [key: string]: ${jsonType(t.value)}${t.valueNullable ? ' | null' : ''} }`;
    case 'ROW':
      return jsonObject(t.fields);
    case 'DOUBLE':
    case 'DECIMAL':
      return 'number | null'; // JSON has no NaN or Infinity
    case 'BYTES':
      return 'Uint8Array';
    default:
      return inputType(t);
  }
}

function jsonObject(fields: readonly { name: string; type: SqlType; nullable: boolean }[]): string {
  const props = fields.map((f) => {
    const t = jsonType(f.type);
    return `${propertyKey(f.name)}: ${f.nullable && !t.endsWith('| null') ? `${t} | null` : t}`;
  });
  return `{ ${props.join('; ')} }`;
}

/**
 * Declares the source and sink type maps in the job section; returns the `CreateJobOverrides`
 * type `createJob` takes.
 */
export function overridesType(
  m: ModuleBuilder,
  sources: readonly SourceDef[],
  sinks: readonly SinkDef[],
  sinkNames: (name: string) => SinkNames,
): string {
  const sourcesName = m.names.fresh('JobSources');
  const sinksName = m.names.fresh('JobSinks');
  const sourceProps = sources.map(
    (s) => `${propertyKey(s.name)}: ${inputObject(s.physical.map((f: PlanField) => f))};`,
  );
  const sinkProps = sinks.map(
    (s) => `${propertyKey(s.name)}: ${m.rt('SinkRows')}<${sinkNames(s.name).row}, ${jsonObject(s.schema)}>;`,
  );
  m.declare(
    'job',
    `/**\n * The records each source's memory binding takes (\`createJob({ sources: { name: { rows } } })\`):\n * JSON values, as in a JSON-lines record; TIMESTAMP as ISO-8601 text or epoch milliseconds.\n */\nexport interface ${sourcesName} {\n${sourceProps.join('\n')}\n}`,
  );
  m.declare(
    'job',
    `/**\n * The rows each sink's memory binding hands out (\`createJob({ sinks: { name: { rows, onBatch } } })\`):\n * \`row\` as the job computes them, \`json\` with \`json: true\` (TIMESTAMP as ISO-8601 text).\n */\nexport interface ${sinksName} {\n${sinkProps.join('\n')}\n}`,
  );
  return `${m.rt('CreateJobOverrides')}<${sourcesName}, ${sinksName}>`;
}
