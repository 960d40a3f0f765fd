/** Sinks: the typed row each sink receives and its `rt.SinkSpec` (the runtime encodes rows). */
import type { SinkDef } from '../plan/plan.ts';
import type { ModuleBuilder } from './module.ts';
import { fieldDescs, literal, rowInterface } from './schema.ts';

export interface SinkNames {
  readonly row: string;
  readonly spec: string;
}

const RELATION: Record<SinkDef['relation'], string> = {
  SINK: 'CREATE SINK',
  STREAM: 'CREATE STREAM',
  TABLE: 'CREATE TABLE',
};

export function emitSink(m: ModuleBuilder, def: SinkDef, names: SinkNames, sourcePath: string): void {
  m.declare(
    'rows',
    rowInterface(names.row, def.schema, `A row written to \`${def.name}\` (${sourcePath}:${def.span.line}).`),
  );
  const props = [
    `name: ${JSON.stringify(def.name)}`,
    `connector: ${JSON.stringify(def.connector)}`,
    `format: ${JSON.stringify(def.format)}`,
    `options: ${JSON.stringify(def.options)}`,
    `schema: ${fieldDescs(m, def.schema)}`,
    `keyFields: ${JSON.stringify(def.keyFields)}`,
    ...(def.metadata.length > 0 ? [`metadata: ${JSON.stringify(def.metadata)}`] : []),
    `deliveryGuarantee: ${JSON.stringify(def.deliveryGuarantee)}`,
    ...(def.partitionBy.length > 0 ? [`partitionBy: ${JSON.stringify(def.partitionBy)}`] : []),
    `config: ${literal(def.config)}`,
  ];
  m.declare(
    'sinks',
    `/** ${RELATION[def.relation]} ${def.name} (${sourcePath}:${def.span.line}). */\nconst ${names.spec}: ${m.rt('SinkSpec')} = {\n${props.join(',\n')},\n};`,
  );
}
