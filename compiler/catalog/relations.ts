/**
 * CREATE STREAM / TABLE / SINK: columns (physical, metadata, computed), WATERMARK, PRIMARY KEY
 * and the WITH options (validated by compiler/connectors) → a catalog entry, and for readable
 * relations the `SourceDef` the plan scans.
 */
import type { ColumnDef, CreateRelation } from '../../grammar/ast.ts';
import type { Diagnostic } from '../../grammar/diagnostic.ts';
import { error } from '../../grammar/diagnostic.ts';
import type { FormatName, JobOptions } from '../../runtime/contract.ts';
import type { ExprMeta } from '../bind/context.ts';
import { exprCtx, typeName } from '../bind/context.ts';
import { bindExpr } from '../bind/expr.ts';
import type { RelField } from '../bind/rel.ts';
import { singleScope } from '../bind/scope.ts';
import { didYouMean } from '../../grammar/suggest.ts';
import { canImplicitlyConvert, typeFromNode } from '../check/typing.ts';
import { CONNECTORS, connectorConfig, sourceOptions, validateConnectorOptions } from '../connectors/index.ts';
import type { BoundExpr, MetadataField, PlanField, SourceDef } from '../plan/plan.ts';
import type { SqlType } from '../types.ts';
import { BIGINT, INT, STRING, typeToString } from '../types.ts';
import type { CatalogColumn, RelationEntry } from './catalog.ts';
import type { NexmarkTable } from '../../runtime/connectors/nexmark/options.ts';
import { NEXMARK_COLUMNS, nexmarkColumnProblem, type DeclaredColumn } from '../../runtime/connectors/nexmark/schema.ts';

/** A declared column as the nexmark schema check sees it. */
function declaredColumn(name: string, type: SqlType): DeclaredColumn {
  return {
    name,
    kind: type.kind,
    fields: type.kind === 'ROW' ? type.fields.map((f) => declaredColumn(f.name, f.type)) : undefined,
  };
}

export interface RelationContext {
  readonly diags: Diagnostic[];
  readonly meta: ExprMeta;
  readonly job: JobOptions;
  /** How the script uses the relation (from a pre-scan of FROM clauses, INSERT targets and late sinks). */
  readonly role: 'source' | 'sink' | 'both';
}

/** The type each connector metadata key has (a declared column must be convertible from it). */
const METADATA_TYPES: Readonly<Record<string, readonly SqlType[]>> = {
  key: [STRING, { kind: 'BYTES' }],
  topic: [STRING],
  'file.path': [STRING],
  'file.line': [BIGINT, INT],
  partition: [INT, BIGINT],
  offset: [BIGINT],
  timestamp: [
    { kind: 'TIMESTAMP', precision: 3, ltz: true },
    { kind: 'TIMESTAMP', precision: 3, ltz: false },
  ],
  headers: [
    { kind: 'MAP', key: STRING, value: { kind: 'BYTES' }, valueNullable: true },
    { kind: 'MAP', key: STRING, value: STRING, valueNullable: true },
  ],
};

export function bindRelation(stmt: CreateRelation, rc: RelationContext): RelationEntry {
  const { diags } = rc;
  const name = stmt.name.name;
  const before = diags.length;
  const columns: CatalogColumn[] = [];
  const seen = new Set<string>();
  const computedDefs: (ColumnDef & { kind: 'ComputedColumn' })[] = [];

  // Options first: the connector decides which metadata keys exist.
  const physicalNames = stmt.columns
    ? stmt.columns.filter((c) => c.kind === 'PhysicalColumn').map((c) => c.name.name)
    : null;
  const inlinePk = (stmt.columns ?? [])
    .filter((c) => c.kind === 'PhysicalColumn' && c.primaryKey)
    .map((c) => c.name.name);
  const primaryKey = stmt.primaryKey ? stmt.primaryKey.columns.map((c) => c.name) : inlinePk;
  const opts = validateConnectorOptions({
    relationName: name,
    relation: stmt.relation,
    role: stmt.relation === 'SINK' ? 'sink' : rc.role,
    options: stmt.options,
    columns: physicalNames,
    primaryKey,
    span: stmt.name.span,
    checkpointing: rc.job.checkpointDir !== null,
    scaleOut: rc.job.raw['pipeline.scale-out'] === 'true',
  });
  diags.push(...opts.diagnostics);
  const connector = opts.connector;
  const writes = stmt.relation === 'SINK' || rc.role !== 'source';
  let declOk = true;

  for (const c of stmt.columns ?? []) {
    if (seen.has(c.name.name)) {
      diags.push(error('SQ0105', `duplicate column "${c.name.name}" in ${stmt.relation} "${name}"`, c.name.span));
      declOk = false;
      continue;
    }
    seen.add(c.name.name);
    if (c.kind === 'ComputedColumn') {
      if (stmt.relation === 'SINK') {
        diags.push(error('SQ0403', 'computed columns are only allowed on streams and tables that are read', c.span));
        declOk = false;
      }
      computedDefs.push(c);
      columns.push({ name: c.name.name, type: STRING, nullable: true, time: null, kind: 'computed', span: c.span });
      continue;
    }
    const { type, problems } = typeFromNode(c.type);
    for (const p of problems) diags.push(error('SQ0403', p.message, p.node.span));
    if (problems.length) declOk = false;
    if (c.kind === 'PhysicalColumn') {
      const unfit = problems.length === 0 && stmt.relation !== 'SINK' ? formatCannotHold(opts.format, type) : null;
      if (unfit !== null) {
        diags.push(error('SQ0404', `column "${c.name.name}" of type ${typeToString(type)} ${unfit}`, c.type.span));
        declOk = false;
      }
      if (connector === 'nexmark' && problems.length === 0 && stmt.relation !== 'SINK') {
        const table = (opts.resolved['nexmark.table'] ?? 'events') as NexmarkTable;
        const problem = nexmarkColumnProblem(table, [declaredColumn(c.name.name, type)]);
        if (problem !== null) {
          diags.push(error('SQ0404', problem, c.span, ...didYouMean(c.name.name, Object.keys(NEXMARK_COLUMNS[table]))));
          declOk = false;
        }
      }
      columns.push({
        name: c.name.name,
        type,
        nullable: !c.notNull && !c.type.notNull,
        time: null,
        kind: 'physical',
        span: c.span,
      });
      continue;
    }
    const key = c.from ?? c.name.name;
    if (connector) {
      const known = CONNECTORS[connector].metadata;
      if (!known.includes(key)) {
        const notes = known.length
          ? [...didYouMean(key, known), `note: connector '${connector}' provides: ${known.join(', ')}`]
          : [`note: connector '${connector}' provides no metadata`];
        diags.push(
          error(
            'SQ0403',
            `unknown metadata key '${key}' for connector '${connector}'`,
            c.fromSpan ?? c.name.span,
            ...notes,
          ),
        );
        declOk = false;
      } else if (writes && !c.virtual && !(CONNECTORS[connector].writableMetadata ?? []).includes(key)) {
        const writable = CONNECTORS[connector].writableMetadata ?? [];
        diags.push(
          error(
            'SQ0403',
            `metadata '${key}' is read-only: ${stmt.relation === 'SINK' ? 'sink' : `${stmt.relation.toLowerCase()} written by INSERT INTO`} "${name}" cannot write it`,
            c.fromSpan ?? c.name.span,
            'help: declare the column VIRTUAL (read, never written), or leave it out of the sink',
            writable.length
              ? `note: connector '${connector}' writes the metadata ${writable.map((k) => `'${k}'`).join(' and ')}`
              : `note: connector '${connector}' writes no metadata`,
          ),
        );
        declOk = false;
      } else {
        const allowed = METADATA_TYPES[key] ?? [];
        if (allowed.length && !allowed.some((t) => canImplicitlyConvert(t, type))) {
          diags.push(
            error(
              'SQ0403',
              `metadata '${key}' is ${typeToString(allowed[0]!)}, which does not fit column type ${typeToString(type)}`,
              c.type.span,
              `help: declare the column as ${typeToString(allowed[0]!)}`,
            ),
          );
          declOk = false;
        }
      }
    }
    columns.push({
      name: c.name.name,
      type,
      nullable: true,
      time: null,
      kind: 'metadata',
      metadataKey: key,
      virtual: c.virtual,
      span: c.span,
    });
  }

  // Computed columns see the physical and metadata columns.
  const base = columns.filter((c) => c.kind !== 'computed');
  const scope = singleScope(name, name, base, stmt.name.span);
  for (const c of computedDefs) {
    const e = bindExpr(c.expr, exprCtx(scope, diags, rc.meta, 'a computed column'));
    if (!e) {
      declOk = false;
      continue;
    }
    const i = columns.findIndex((x) => x.name === c.name.name);
    const proc = e.kind === 'Call' && e.op === 'PROCTIME';
    columns[i] = {
      ...columns[i]!,
      type: e.type.kind === 'NULL' ? STRING : e.type,
      nullable: e.nullable,
      time: proc ? 'proc' : null,
      expr: e,
    };
  }

  // PRIMARY KEY.
  if (stmt.primaryKey && inlinePk.length) {
    diags.push(
      error('SQ0403', 'PRIMARY KEY is declared twice (on a column and as a constraint)', stmt.primaryKey.span),
    );
    declOk = false;
  }
  const pkNames = new Set<string>();
  for (const k of stmt.primaryKey?.columns ?? []) {
    if (!columns.some((c) => c.name === k.name)) {
      diags.push(
        error(
          'SQ0102',
          `unknown column "${k.name}" in PRIMARY KEY of "${name}"`,
          k.span,
          ...didYouMean(
            k.name,
            columns.map((c) => c.name),
          ),
        ),
      );
      declOk = false;
    } else if (pkNames.has(k.name)) {
      diags.push(error('SQ0105', `column "${k.name}" appears twice in PRIMARY KEY`, k.span));
      declOk = false;
    }
    pkNames.add(k.name);
  }
  if (stmt.primaryKey && stmt.columns === null) {
    diags.push(error('SQ0403', 'PRIMARY KEY needs a column list', stmt.primaryKey.span));
    declOk = false;
  }
  // PARTITIONED BY: declared columns, of a file sink (`col=value/` folders).
  const partitioned = new Set<string>();
  for (const k of stmt.partitionedBy) {
    if (connector && connector !== 'file') {
      diags.push(
        error(
          'SQ0403',
          `PARTITIONED BY is supported by the file (filesystem) sink only, not by '${connector}'`,
          k.span,
          'help: remove PARTITIONED BY, or write to a file sink',
        ),
      );
      declOk = false;
      break;
    }
    if (stmt.columns === null || !columns.some((c) => c.name === k.name && c.kind === 'physical')) {
      diags.push(
        error(
          'SQ0102',
          `unknown column "${k.name}" in PARTITIONED BY of "${name}"`,
          k.span,
          ...(stmt.columns === null
            ? ['help: PARTITIONED BY needs a column list with its columns']
            : didYouMean(
                k.name,
                columns.map((c) => c.name),
              )),
        ),
      );
      declOk = false;
    } else if (partitioned.has(k.name)) {
      diags.push(error('SQ0105', `column "${k.name}" appears twice in PARTITIONED BY`, k.span));
      declOk = false;
    }
    partitioned.add(k.name);
  }

  // WATERMARK.
  let watermark: SourceDef['watermark'] = null;
  if (stmt.watermark) {
    const wm = stmt.watermark;
    const col = columns.find((c) => c.name === wm.column.name);
    if (stmt.relation === 'SINK') {
      diags.push(
        error('SQ0403', 'a sink cannot declare a WATERMARK; watermarks belong to the streams that are read', wm.span),
      );
      declOk = false;
    } else if (!col) {
      diags.push(
        error(
          'SQ0102',
          `unknown column "${wm.column.name}" in WATERMARK FOR`,
          wm.column.span,
          ...didYouMean(
            wm.column.name,
            columns.map((c) => c.name),
          ),
        ),
      );
      declOk = false;
    } else if (col.type.kind !== 'TIMESTAMP') {
      diags.push(
        error(
          'SQ0601',
          `watermark column "${col.name}" must be TIMESTAMP(3) or TIMESTAMP_LTZ(3), but it is ${typeName(col.type)}`,
          wm.column.span,
          col.type.kind === 'STRING'
            ? `help: parse it in a computed column, e.g. ${col.name}_ts AS TO_TIMESTAMP(${col.name}), and put the watermark on that`
            : col.type.kind === 'BIGINT'
              ? `help: convert epoch milliseconds in a computed column, e.g. ${col.name}_ts AS TO_TIMESTAMP_LTZ(${col.name}, 3)`
              : 'help: declare the event-time column as TIMESTAMP(3)',
        ),
      );
      declOk = false;
    } else {
      const all = singleScope(name, name, columns as readonly RelField[], stmt.name.span);
      const e = bindExpr(wm.expr, exprCtx(all, diags, rc.meta, 'a WATERMARK'));
      if (!e) declOk = false;
      else if (e.type.kind !== 'TIMESTAMP') {
        diags.push(
          error(
            'SQ0403',
            `the WATERMARK expression must be a TIMESTAMP, but it is ${typeName(e.type)}`,
            wm.expr.span,
            `help: write WATERMARK FOR ${col.name} AS ${col.name} - INTERVAL '5' SECOND`,
          ),
        );
        declOk = false;
      } else {
        watermark = { field: col.name, expr: e, delayMs: watermarkDelay(e, col.name) };
        const i = columns.indexOf(col);
        columns[i] = { ...col, time: 'event' };
      }
    }
  }

  const broken =
    !declOk ||
    diags
      .slice(before)
      .some((d) => d.severity === 'error' && d.code !== 'SQ0501' && d.code !== 'SQ0503' && d.code !== 'SQ0502');
  const resolved = opts.resolved;
  const readable = stmt.relation !== 'SINK' && connector !== null && CONNECTORS[connector].roles !== 'sink';
  const known = stmt.columns !== null;
  const entry: RelationEntry = {
    kind: stmt.relation,
    name,
    decl: stmt,
    connector,
    format: opts.format,
    options: resolved,
    columns: known ? columns : null,
    inferredAt: null,
    primaryKey,
    source: null,
    broken: broken && known,
  };
  if (!readable || !known || entry.broken) return entry;
  return { ...entry, source: sourceDef(entry, columns, watermark, rc.job) };
}

/**
 * Why a column of type `t` cannot be read in `format` (null when it can): JSON decodes every type
 * but BYTES (nested too), CSV cells hold scalars only, and 'raw' is one STRING column.
 */
function formatCannotHold(format: FormatName | null, t: SqlType): string | null {
  switch (format) {
    case 'json':
      return jsonHolds(t) ? null : 'cannot be decoded from JSON';
    case 'csv':
      return t.kind === 'ARRAY' || t.kind === 'MAP' || t.kind === 'ROW' || t.kind === 'BYTES'
        ? 'cannot be read from CSV (a cell holds one scalar value)'
        : null;
    case 'raw':
      return t.kind === 'STRING' ? null : "cannot be read with format 'raw' (the whole record is one STRING column)";
    default:
      return null;
  }
}

function jsonHolds(t: SqlType): boolean {
  if (t.kind === 'ARRAY') return jsonHolds(t.element);
  if (t.kind === 'MAP') return jsonHolds(t.value);
  if (t.kind === 'ROW') return t.fields.every((f) => jsonHolds(f.type));
  return t.kind !== 'BYTES' && t.kind !== 'NULL';
}

/** `ts - INTERVAL '5' SECOND` → 5000; `ts` → 0; anything else → null (evaluated per row at run time). */
function watermarkDelay(e: BoundExpr, column: string): number | null {
  if (e.kind === 'FieldRef' && e.name === column) return 0;
  if (e.kind === 'Call' && e.op === '-' && e.args[0]!.kind === 'FieldRef' && e.args[0]!.name === column) {
    const d = e.args[1]!;
    if (d.kind === 'Literal' && typeof d.value === 'number' && d.type.kind === 'INTERVAL') return d.value;
  }
  return null;
}

/** The SourceDef of a readable relation with known columns. */
export function sourceDef(
  entry: RelationEntry,
  columns: readonly CatalogColumn[],
  watermark: SourceDef['watermark'],
  job: JobOptions,
): SourceDef {
  const field = (c: CatalogColumn): PlanField => ({ name: c.name, type: c.type, nullable: c.nullable, time: c.time });
  const connector = entry.connector!;
  const config = connectorConfig(connector, entry.options, {
    relationName: entry.name,
    reads: true,
    writes: false,
    primaryKey: entry.primaryKey,
  });
  const metadata: MetadataField[] = columns
    .filter((c) => c.kind === 'metadata')
    .map((c) => ({ name: c.name, key: c.metadataKey!, type: c.type }));
  return {
    name: entry.name,
    relation: entry.kind === 'TABLE' ? 'TABLE' : 'STREAM',
    connector,
    format: entry.format,
    source: sourceOptions(connector, entry.options),
    config,
    physical: columns.filter((c) => c.kind === 'physical').map(field),
    metadata,
    computed: columns.filter((c) => c.kind === 'computed' && c.expr).map((c) => ({ name: c.name, expr: c.expr! })),
    schema: columns.map(field),
    watermark,
    primaryKey: entry.primaryKey,
    bounded: config.bounded,
    span: entry.decl.name.span,
  };
}
