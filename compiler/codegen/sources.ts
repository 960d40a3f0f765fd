/**
 * Sources: the typed row of each source, its decoders and its `rt.SourceSpec`.
 *
 * Only the columns the job reads are decoded (plus the watermark column, and every column when
 * the source has a `late.sink`, which receives rows unchanged); the row interface lists just
 * those. Decoders:
 * - `decodeX(value, ctx)` from a parsed JSON value: the runtime's coercions (`rt.decode.*`),
 *   used for memory and datagen sources and as the fallback of the fast path;
 * - `decodeXLine(line, ctx)` for JSON lines as text (Kafka) and `decodeXBytes(buf, start, end, ctx)`
 *   for JSON lines as bytes (the file source): a `fn.JsonFieldScanner` / `fn.JsonBytesScanner`
 *   finds the wanted values without building the parsed object (the bytes one without a string
 *   per line), and the shared `decodeXFields` converts them; anything not handled plainly
 *   (escaped keys, numbers in strings, unusual timestamps, malformed JSON) goes to
 *   `decodeX(rt.decode.parse(text))` (`JSON.parse`, with integers beyond 2^53 kept exact),
 *   so every path gives the same rows and the same errors;
 * - `decodeXCsv(fields, ctx)` for CSV and `decodeXText(value, ctx)` for the raw format.
 * Metadata columns read the record context; computed columns are evaluated last.
 */
import { internal } from './internal.ts';
import type { MetadataField, PlanField, SourceDef } from '../plan/plan.ts';
import type { SqlType } from '../types.ts';
import { typeToString } from '../types.ts';
import { refsOf } from './fields.ts';
import type { ModuleBuilder } from './module.ts';
import { propertyAccess, propertyKey, toConstantCase } from './names.ts';
import { fieldDescs, literal, rowInterface } from './schema.ts';
import { FnScope } from './scope.ts';
import { nullableTsType, tsType } from './ts-types.ts';
import { numberLiteral } from './expr.ts';
import { connectorOptions } from '../../runtime/connectors/options.ts';

/** Names chosen for one source's declarations. */
/**
 * `o["name"]`: a field of a decoded JSON object (a `Record<string, unknown>`), written as an index
 * access so that apps compiling with `noPropertyAccessFromIndexSignature` accept it.
 */
function indexAccess(object: string, name: string): string {
  return `${object}[${JSON.stringify(name)}]`;
}

export interface SourceNames {
  readonly row: string;
  readonly spec: string;
  readonly decode: string;
}

/** The fields of a source a job reads, closed over computed columns, watermark and late.sink. */
function sourceFields(def: SourceDef, read: ReadonlySet<string>): PlanField[] {
  const wanted = new Set(read);
  if (def.watermark) {
    wanted.add(def.watermark.field);
    refsOf(def.watermark.expr, wanted);
  }
  if (def.source.lateSink !== null) for (const f of def.schema) wanted.add(f.name);
  for (const c of def.computed) if (wanted.has(c.name)) refsOf(c.expr, wanted);
  return def.schema.filter((f) => wanted.has(f.name));
}

const METADATA: Readonly<Record<string, (ctx: string) => string>> = {
  timestamp: (ctx) => `${ctx}.timestamp`,
  key: (ctx) => `${ctx}.key`,
  topic: (ctx) => `${ctx}.topic`,
  partition: (ctx) => `${ctx}.partition < 0 ? null : ${ctx}.partition`,
  offset: (ctx) => `${ctx}.offset < 0 ? null : ${ctx}.offset`,
  headers: (ctx) => `${ctx}.headers`,
  'file.path': (ctx) => `${ctx}.file`,
  file: (ctx) => `${ctx}.file`,
  'file.line': (ctx) => `${ctx}.line < 0 ? null : ${ctx}.line`,
};

/** The `rt.decode` coercion of a scalar type, or null for composite types. */
function scalarCoercion(t: SqlType): string | null {
  switch (t.kind) {
    case 'STRING':
      return 'string';
    case 'INT':
      return 'int';
    case 'BIGINT':
    case 'INTERVAL':
      return 'bigint';
    case 'DOUBLE':
    case 'DECIMAL':
      return 'double';
    case 'BOOLEAN':
      return 'boolean';
    case 'TIMESTAMP':
      return 'timestamp';
    case 'DATE':
      return 'date';
    case 'TIME':
      return 'time';
    default:
      return null;
  }
}

class SourceGen {
  private readonly p: string;
  private readonly fields: readonly PlanField[];
  private readonly physical: readonly PlanField[];
  private readonly metadata: readonly MetadataField[];
  private readonly failOnMissing: boolean;
  /** Generated decoders for ROW types, by type text. */
  private readonly rowDecoders = new Map<string, string>();

  constructor(
    private readonly m: ModuleBuilder,
    private readonly def: SourceDef,
    private readonly names: SourceNames,
    read: ReadonlySet<string>,
    private readonly rowReads: ReadonlyMap<string, ReadonlySet<string>>,
    private readonly sourcePath: string,
  ) {
    this.p = names.row.replace(/Row$/, '');
    this.fields = sourceFields(def, read);
    const wanted = new Set(this.fields.map((f) => f.name));
    this.physical = def.physical.filter((f) => wanted.has(f.name));
    this.metadata = def.metadata.filter((f) => wanted.has(f.name));
    this.failOnMissing = (def.source.options['json.fail-on-missing-field'] ?? '').toLowerCase() === 'true';
  }

  generate(): void {
    const { def, m } = this;
    const skipped = def.schema.filter((f) => !this.fields.some((x) => x.name === f.name)).map((f) => `"${f.name}"`);
    const doc = `A row of \`${def.name}\` (${this.sourcePath}:${def.span.line})${skipped.length ? `: the columns this job reads; ${skipped.join(', ')} ${skipped.length === 1 ? 'is' : 'are'} not decoded` : ''}.`;
    m.declare('rows', rowInterface(this.names.row, this.fields, doc));

    const decoders: string[] = [`object: ${this.names.decode}`];
    const typed = connectorOptions(def.connector)?.typedRows === true;
    const needsFinish =
      this.metadata.length > 0 || def.computed.some((c) => this.fields.some((f) => f.name === c.name));
    if (needsFinish) m.declare('sources', this.finisher());
    m.declare('sources', this.objectDecoder(needsFinish));
    if (typed) {
      m.declare('sources', this.typedDecoder(needsFinish));
      decoders.push(`row: ${this.names.decode}Row`);
    }
    const format = def.format;
    if (format === 'json' && this.physical.length > 0) {
      m.declare('sources', this.lineDecoder(needsFinish));
      decoders.push(`json: ${this.names.decode}Line`, `bytes: ${this.names.decode}Bytes`);
    } else if (format === 'csv') {
      m.declare('sources', this.csvDecoder(needsFinish));
      decoders.push(`csv: ${this.names.decode}Csv`);
    } else if (format === 'raw') {
      m.declare('sources', this.textDecoder(needsFinish));
      decoders.push(`text: ${this.names.decode}Text`);
    }
    m.declare('sources', this.spec(decoders, typed));
  }

  // -------------------------------------------------------------------------------------------
  // Row assembly: physical values → metadata → computed columns

  private get finishName(): string {
    return `${this.names.decode.replace(/^decode/, 'complete')}`;
  }

  /** `completeX(physical..., ctx)`: adds metadata and computed columns, builds the row. */
  private finisher(): string {
    const scope = new FnScope(this.m, this.m.names, ['ctx']);
    const params = this.physical.map((f) => {
      const id = scope.names.fresh(f.name);
      return { f, id };
    });
    const locals = new Map<string, { code: string; nullable: boolean; type: SqlType }>();
    for (const { f, id } of params) locals.set(f.name, { code: id, nullable: f.nullable, type: f.type });
    const lines: string[] = [];
    for (const md of this.metadata) {
      const read = METADATA[md.key];
      const id = scope.names.fresh(md.name);
      if (!read) internal(`unknown metadata key '${md.key}' for column "${md.name}"`);
      lines.push(`const ${id} = ${read('ctx')};`);
      locals.set(md.name, { code: id, nullable: true, type: md.type });
    }
    const c = scope.compiler((name) => {
      const l = locals.get(name);
      if (!l) throw new Error(`computed column reads unknown column "${name}"`);
      return l;
    }, this.def.span);
    const props: string[] = [];
    for (const f of this.fields) {
      const computed = this.def.computed.find((x) => x.name === f.name);
      if (computed) {
        const v = c.compile(computed.expr);
        let code = c.materialize(v);
        if (!f.nullable && c.mayBeNull(v)) code = `${this.m.fn('notNull')}(${code}, ${JSON.stringify(f.name)})`;
        props.push(`${propertyKey(f.name)}: ${code}`);
      } else {
        const l = locals.get(f.name)!;
        props.push(propertyKey(f.name) === l.code ? l.code : `${propertyKey(f.name)}: ${l.code}`);
      }
    }
    const sig = [
      ...params.map(({ f, id }) => `${id}: ${nullableTsType(f.type, f.nullable)}`),
      `ctx: ${this.m.rt('RecordContext')}`,
    ].join(', ');
    const what = [
      this.metadata.length ? 'metadata columns from the record context' : '',
      this.def.computed.length ? 'computed columns' : '',
    ]
      .filter(Boolean)
      .join(' and ');
    return `/** Completes a row of \`${this.def.name}\` from its decoded columns: ${what}. */\nfunction ${this.finishName}(${sig}): ${this.names.row} {\n${scope.body(`${lines.join('\n')}\nreturn { ${props.join(', ')} };`)}\n}`;
  }

  /** The row from decoded physical values (an object literal, or a call of the finisher). */
  private assemble(values: ReadonlyMap<string, string>, needsFinish: boolean): string {
    if (needsFinish)
      return `${this.finishName}(${[...this.physical.map((f) => values.get(f.name)!), 'ctx'].join(', ')})`;
    return `{ ${this.fields
      .map((f) => {
        const v = values.get(f.name)!;
        return v === propertyKey(f.name) ? v : `${propertyKey(f.name)}: ${v}`;
      })
      .join(', ')} }`;
  }

  // -------------------------------------------------------------------------------------------
  // Decoders

  /** A coercion of `value` (JSON) to the column's type with `rt.decode`. */
  private coerce(value: string, t: SqlType, nullable: boolean, field: string): string {
    const scalar = scalarCoercion(t);
    let code: string;
    if (scalar !== null) code = `${this.m.rt(`decode.${scalar}`)}(${value}, ${field})`;
    else if (t.kind === 'ARRAY')
      code = `${this.m.rt('decode.array')}(${value}, ${field}, ${this.elementCoercion(t.element, t.elementNullable)})`;
    else if (t.kind === 'MAP')
      code = `${this.m.rt('decode.map')}(${value}, ${field}, ${this.elementCoercion(t.value, t.valueNullable)})`;
    else if (t.kind === 'ROW') code = `${this.rowDecoder(t)}(${value}, ${field})`;
    else code = internal(`columns of type ${typeToString(t)} cannot be decoded from JSON`);
    return nullable ? code : `${this.m.rt('decode.notNull')}(${code}, ${field})`;
  }

  /** A `(value, field) => T` function for ARRAY elements and MAP values. */
  private elementCoercion(t: SqlType, nullable: boolean): string {
    const scalar = scalarCoercion(t);
    if (scalar !== null && nullable) return this.m.rt(`decode.${scalar}`);
    if (t.kind === 'ROW' && nullable) return this.rowDecoder(t);
    return `(v: unknown, field: string) => ${this.coerce('v', t, nullable, 'field')}`;
  }

  /** A module function decoding a ROW type (a nested JSON object). */
  private rowDecoder(t: Extract<SqlType, { kind: 'ROW' }>): string {
    const key = typeToString(t);
    const existing = this.rowDecoders.get(key);
    if (existing) return existing;
    const name = this.m.names.fresh(
      `decode${this.p}${t.fields.map((f) => f.name[0]!.toUpperCase() + f.name.slice(1)).join('')}`,
    );
    this.rowDecoders.set(key, name);
    const props = t.fields.map(
      (f) =>
        `${propertyKey(f.name)}: ${this.coerce(indexAccess('o', f.name), f.type, f.nullable, `\`\${field}.${f.name}\``)}`,
    );
    this.m.declare(
      'sources',
      `/** A nested ${typeToString(t)} value. */\nfunction ${name}(value: unknown, field: string): ${tsType(t)} | null {\nif (value === null || value === undefined) return null;\nconst o = ${this.m.rt('decode.object')}(value, field);\nreturn { ${props.join(', ')} };\n}`,
    );
    return name;
  }

  private objectDecoder(needsFinish: boolean): string {
    const values = new Map<string, string>();
    for (const f of this.physical) {
      const raw = this.failOnMissing
        ? `${this.m.rt('decode.present')}(o, ${JSON.stringify(f.name)})`
        : indexAccess('o', f.name);
      values.set(f.name, this.coerce(raw, f.type, f.nullable, JSON.stringify(f.name)));
    }
    const o = this.physical.length
      ? `const o = ${this.m.rt('decode.object')}(value);\n`
      : `${this.m.rt('decode.object')}(value);\n`;
    const ctx = needsFinish ? 'ctx' : '_ctx';
    return `/** A record of \`${this.def.name}\` from its parsed JSON value (also the fallback of the fast paths). */\nfunction ${this.names.decode}(value: unknown, ${ctx}: ${this.m.rt('RecordContext')}): ${this.names.row} {\n${o}return ${this.assemble(values, needsFinish)};\n}`;
  }

  /**
   * A typed record (a connector with `typedRows`, e.g. nexmark): the declared physical columns
   * taken as they are (the compiler checked that the connector produces their types); NOT NULL
   * columns still checked.
   */
  private typedDecoder(needsFinish: boolean): string {
    const values = new Map<string, string>();
    const props: string[] = [];
    for (const f of this.physical) props.push(`${propertyKey(f.name)}: ${nullableTsType(f.type, true)}`);
    for (const f of this.physical) {
      const read = propertyAccess('o', f.name);
      values.set(f.name, f.nullable ? read : `${this.m.rt('decode.notNull')}(${read}, ${JSON.stringify(f.name)})`);
    }
    const ctx = needsFinish ? 'ctx' : '_ctx';
    const o = this.physical.length ? `const o = value as { ${props.join('; ')} };\n` : '';
    return `/** A record of \`${this.def.name}\` as its connector produces it: the declared columns, already typed. */\nfunction ${this.names.decode}Row(value: unknown, ${ctx}: ${this.m.rt('RecordContext')}): ${this.names.row} {\n${o}return ${this.assemble(values, needsFinish)};\n}`;
  }

  /**
   * The JSON fast paths: `decodeXFields(s, ctx)` reads the columns from a scanner that accepted
   * the record (undefined when a value is not the plain case, which the caller then decodes the
   * slow way), shared by `decodeXLine(line, ctx)` (a `fn.JsonFieldScanner` over the text: Kafka)
   * and `decodeXBytes(buf, start, end, ctx)` (a `fn.JsonBytesScanner` over the bytes: files).
   */
  private lineDecoder(needsFinish: boolean): string {
    const keys = `[${this.physical.map((f) => JSON.stringify(f.name)).join(', ')}]${this.failOnMissing ? ', true' : ''}`;
    const constant = toConstantCase(this.def.name);
    const textScanner = this.m.constant(
      `${constant}_FIELDS`,
      `new ${this.m.fn('JsonFieldScanner')}(${keys})`,
      `Finds the values of the columns \`${this.def.name}\` reads in a JSON line.`,
    );
    const bytesScanner = this.m.constant(
      `${constant}_BYTES`,
      `new ${this.m.fn('JsonBytesScanner')}(${keys})`,
      `Finds the values of the columns \`${this.def.name}\` reads in the bytes of a JSON line.`,
    );
    const scope = new FnScope(this.m, this.m.names, ['s', 'ctx']);
    const plain: string[] = [];
    const composite: string[] = [];
    const checks: string[] = [];
    const values = new Map<string, string>();
    this.physical.forEach((f, slot) => {
      const id = scope.names.fresh(f.name);
      values.set(f.name, id);
      const scalar = scalarCoercion(f.type);
      if (scalar !== null) {
        plain.push(`const ${id} = s.${scalar}(${slot});`);
        checks.push(`${id} === undefined`);
        if (!f.nullable) checks.push(`${id} === null`);
      } else {
        // Composite values are parsed on their own and coerced as the slow path does; that may
        // throw, so it happens only once the plain columns are known to be fine.
        if (this.failOnMissing) checks.unshift(`!s.has(${slot})`);
        composite.push(`const ${id} = ${this.coerce(`s.json(${slot})`, f.type, f.nullable, JSON.stringify(f.name))};`);
      }
    });
    // One `if` per 64 checks: a single `||` chain over thousands of columns is too deep for the
    // formatter (and reads no better).
    const guard: string[] = [];
    for (let i = 0; i < checks.length; i += 64)
      guard.push(`if (${checks.slice(i, i + 64).join(' || ')}) return undefined;`);
    const body = [...plain, ...guard, ...composite, `return ${this.assemble(values, needsFinish)};`].join('\n');
    const fields = `${this.names.decode}Fields`;
    const ctxType = this.m.rt('RecordContext');
    const scanner = `${this.m.fn('JsonFieldScanner')} | ${this.m.fn('JsonBytesScanner')}`;
    const ctx = needsFinish ? 'ctx' : '_ctx';
    return [
      `/**\n * A record of \`${this.def.name}\` from a scanner that accepted its JSON text, reading only the columns\n * above; undefined when a value is not the plain case (the caller then decodes the record the slow way).\n */\nfunction ${fields}(s: ${scanner}, ${ctx}: ${ctxType}): ${this.names.row} | undefined {\n${body}\n}`,
      `/** A record of \`${this.def.name}\` from one JSON line (\`${this.names.decode}(rt.decode.parse(line))\` when the fast path declines). */\nfunction ${this.names.decode}Line(line: string, ctx: ${ctxType}): ${this.names.row} {\nconst s = ${textScanner};\nreturn (s.scan(line) ? ${fields}(s, ctx) : undefined) ?? ${this.names.decode}(${this.m.rt('decode.parse')}(line), ctx);\n}`,
      `/** A record of \`${this.def.name}\` from the bytes [start, end) of a JSON line (the slow path parses \`s.text()\`, the line as text). */\nfunction ${this.names.decode}Bytes(buf: Buffer, start: number, end: number, ctx: ${ctxType}): ${this.names.row} {\nconst s = ${bytesScanner};\nreturn (s.scan(buf, start, end) ? ${fields}(s, ctx) : undefined) ?? ${this.names.decode}(${this.m.rt('decode.parse')}(s.text()), ctx);\n}`,
    ].join('\n\n');
  }

  private csvDecoder(needsFinish: boolean): string {
    const values = new Map<string, string>();
    for (const f of this.physical) {
      const index = this.def.physical.findIndex((x) => x.name === f.name);
      const cell = `fields[${index}]`;
      if (scalarCoercion(f.type) === null) {
        internal(`column "${f.name}" of type ${typeToString(f.type)} cannot be read from CSV`);
      }
      const code =
        f.type.kind === 'STRING'
          ? f.nullable
            ? `${cell} ?? null`
            : `${this.m.rt('decode.notNull')}(${cell}, ${JSON.stringify(f.name)})`
          : this.coerce(cell, f.type, f.nullable, JSON.stringify(f.name));
      values.set(f.name, code);
    }
    const ctx = needsFinish ? 'ctx' : '_ctx';
    return `/** A record of \`${this.def.name}\` from its CSV cells (declared column order; null when absent). */\nfunction ${this.names.decode}Csv(fields: readonly (string | null)[], ${ctx}: ${this.m.rt('RecordContext')}): ${this.names.row} {\nreturn ${this.assemble(values, needsFinish)};\n}`;
  }

  private textDecoder(needsFinish: boolean): string {
    const values = new Map<string, string>();
    const [first, ...others] = this.def.physical;
    if (!first || others.length > 0 || first.type.kind !== 'STRING') {
      internal(`format 'raw' needs exactly one STRING column in "${this.def.name}"`);
    }
    for (const f of this.physical) values.set(f.name, 'value');
    const ctx = needsFinish ? 'ctx' : '_ctx';
    return `/** A record of \`${this.def.name}\` from its raw text. */\nfunction ${this.names.decode}Text(value: string, ${ctx}: ${this.m.rt('RecordContext')}): ${this.names.row} {\nreturn ${this.assemble(values, needsFinish)};\n}`;
  }

  // -------------------------------------------------------------------------------------------
  // The spec

  /** The physical columns the job reads, each ROW narrowed to the fields it reads of it. */
  private reads(): PlanField[] {
    return this.physical.map((f) => {
      const only = this.rowReads.get(f.name);
      if (only === undefined || f.type.kind !== 'ROW') return f;
      return { ...f, type: { ...f.type, fields: f.type.fields.filter((x) => only.has(x.name)) } };
    });
  }

  private spec(decoders: readonly string[], typed: boolean): string {
    const { def, m } = this;
    const opts = def.source;
    const wm = def.watermark;
    let watermark = 'null';
    if (wm) {
      const time = propertyAccess('row', wm.field);
      if (wm.delayMs !== null) {
        watermark = `{ eventTime: (row) => ${time}, delayMs: ${numberLiteral(wm.delayMs)} }`;
      } else {
        const scope = new FnScope(m, m.names, ['row']);
        const byName = new Map(this.fields.map((f) => [f.name, f]));
        const c = scope.compiler((name) => {
          const f = byName.get(name)!;
          return { code: propertyAccess('row', name), nullable: f.nullable, type: f.type };
        }, def.span);
        const expr = c.value(wm.expr);
        const body = scope.declarations() ? `{\n${scope.body(`return ${expr};`)}\n}` : expr;
        watermark = `{ eventTime: (row) => ${time}, expr: (row) => ${body} }`;
      }
    }
    const props = [
      `name: ${JSON.stringify(def.name)}`,
      `connector: ${JSON.stringify(def.connector)}`,
      `format: ${JSON.stringify(def.format)}`,
      `options: ${JSON.stringify(opts.options)}`,
      `idleTimeoutMs: ${opts.idleTimeoutMs === null ? 'null' : numberLiteral(opts.idleTimeoutMs)}`,
      `lateSink: ${JSON.stringify(opts.lateSink)}`,
      `bounded: ${def.bounded}`,
      `physical: ${fieldDescs(m, def.physical)}`,
      `schema: ${fieldDescs(m, def.schema)}`,
      // a connector building typed rows builds only these
      ...(typed ? [`reads: ${fieldDescs(m, this.reads())}`] : []),
      // ROW columns read only through `.field` inside the fused filters and projections
      ...(typed && this.rowReads.size > 0 ? [`transientRows: ${JSON.stringify([...this.rowReads.keys()])}`] : []),
      `metadata: ${JSON.stringify(this.metadata.map((x) => x.key))}`,
      ...(def.primaryKey.length > 0 ? [`primaryKey: ${JSON.stringify(def.primaryKey)}`] : []),
      `config: ${literal(def.config)}`,
      `decode: { ${decoders.join(', ')} }`,
      `watermark: ${watermark}`,
    ];
    return `/** ${def.relation === 'TABLE' ? 'CREATE TABLE' : 'CREATE STREAM'} ${def.name} (${this.sourcePath}:${def.span.line}). */\nconst ${this.names.spec}: ${m.rt('SourceSpec')}<${this.names.row}> = {\n${props.join(',\n')},\n};`;
  }
}

/** Declares a source's row interface, decoders and spec in the module. */
export function emitSource(
  m: ModuleBuilder,
  def: SourceDef,
  names: SourceNames,
  read: ReadonlySet<string>,
  rowReads: ReadonlyMap<string, ReadonlySet<string>>,
  sourcePath: string,
): void {
  new SourceGen(m, def, names, read, rowReads, sourcePath).generate();
}
