/**
 * The binder and type checker: `Script` AST → `BoundScript`. Statements are bound in order
 * (a relation must be declared before it is used); an error in one statement never stops the
 * others from being checked, and an expression with an error is reported once (no cascades).
 * Never throws: an unexpected exception becomes an SQ9999 diagnostic on the statement.
 */
import type {
  CreateRelation,
  EmitClause,
  InsertStatement,
  Script,
  SetStatement,
  Span,
  Statement,
} from '../../grammar/ast.ts';
import { dirname, resolve } from 'node:path';
import type { Diagnostic } from '../../grammar/diagnostic.ts';
import { error } from '../../grammar/diagnostic.ts';
import type { JobOptions } from '../../runtime/contract.ts';
import type { CatalogColumn, RelationEntry } from '../catalog/catalog.ts';
import { Catalog } from '../catalog/catalog.ts';
import { bindRelation, sourceDef } from '../catalog/relations.ts';
import { didYouMean } from '../../grammar/suggest.ts';
import { canImplicitlyConvert } from '../check/typing.ts';
import { checkColumnOptions, resolveJobOptions, validateSetOption } from '../connectors/index.ts';
import type { ExprMeta, UserFunction } from './context.ts';
import { bindCreateFunction } from './functions.ts';
import { newMeta, typeName } from './context.ts';
import type { Env } from './env.ts';
import { bindWrite } from './insert.ts';
import type { Rel } from './rel.ts';
import { checkRanksFiltered } from './over.ts';
import { bindQuery, renameColumns } from './select.ts';
import { usage } from './usage.ts';

export type { Rel } from './rel.ts';

/** One streaming query: an INSERT INTO or a CREATE ... AS SELECT. */
export interface BoundQuery {
  /** Stable, unique name: `insert_into_<target>` (`_2`, `_3` for further queries into the same target). */
  readonly name: string;
  /** The relation written (a key of `BoundScript.relations`). */
  readonly target: string;
  /** The query; its fields are exactly the target's writable columns, in order. */
  readonly rel: Rel;
  readonly emit: EmitClause | null;
  /** The whole statement. */
  readonly span: Span;
}

export interface BoundScript {
  readonly file: string;
  readonly options: JobOptions;
  /** Streams, tables and sinks, in declaration order, with inferred columns filled in. */
  readonly relations: readonly RelationEntry[];
  readonly queries: readonly BoundQuery[];
  /** User-defined functions (CREATE FUNCTION) that were declared without errors, in order. */
  readonly functions: readonly UserFunction[];
  readonly diagnostics: readonly Diagnostic[];
}

export interface BindOptions {
  /**
   * Statements with syntax errors (recovered by the parser, possibly with holes). Their own
   * problems are not reported again, and relations or views they declare are used silently.
   */
  readonly damaged?: ReadonlySet<Statement>;
  /**
   * The folder that user-defined functions' module paths are relative to (the `.sq` file's);
   * by default the folder of `file`.
   */
  readonly dir?: string;
}

export function bind(script: Script, file: string, opts: BindOptions = {}): BoundScript {
  const diags: Diagnostic[] = [];
  let options: JobOptions = resolveJobOptions([]);
  try {
    const sets = script.statements.filter((s): s is SetStatement => s.kind === 'SetStatement');
    options = resolveJobOptions(sets);
  } catch (e) {
    diags.push(internal(e, script.span));
  }
  const catalog = new Catalog();
  const meta = newMeta();
  const queries: BoundQuery[] = [];
  const names = new Map<string, number>();
  const roles = usage(script);
  const declarations = new Map<string, Span>();
  for (const s of script.statements) {
    if ((s.kind === 'CreateRelation' || s.kind === 'CreateView') && !declarations.has(s.name.name))
      declarations.set(s.name.name, s.name.span);
  }
  for (const stmt of script.statements) {
    const damaged = opts.damaged?.has(stmt) ?? false;
    const sink: Diagnostic[] = damaged ? [] : diags;
    try {
      const errorsBefore = sink.filter((d) => d.severity === 'error').length;
      bindStatement(stmt, {
        catalog,
        meta,
        diags: sink,
        options,
        queries,
        names,
        roles,
        damaged,
        declarations,
        errorsBefore,
        dir: opts.dir ?? dirname(resolve(file)),
      });
    } catch (e) {
      if (!damaged) diags.push(internal(e, stmt.span));
    }
  }
  try {
    bindLateSinks(catalog, diags, options);
  } catch (e) {
    diags.push(internal(e, script.span));
  }
  return {
    file,
    options,
    relations: catalog.relations(),
    queries,
    functions: [...meta.functions.values()].filter((f) => f.signature !== null),
    diagnostics: diags,
  };
}

function internal(e: unknown, span: Span): Diagnostic {
  const msg = e instanceof Error ? e.message : String(e);
  return error(
    'SQ9999',
    `internal compiler error: ${msg}`,
    span,
    'note: this is a bug in sqc; please report it with the program that triggers it',
  );
}

interface StatementCtx {
  readonly catalog: Catalog;
  readonly meta: ExprMeta;
  readonly diags: Diagnostic[];
  readonly options: JobOptions;
  readonly queries: BoundQuery[];
  readonly names: Map<string, number>;
  readonly roles: ReadonlyMap<string, 'source' | 'sink' | 'both'>;
  readonly damaged: boolean;
  /** Errors reported before this statement: a query whose statement added any is not planned. */
  readonly errorsBefore: number;
  readonly declarations: ReadonlyMap<string, Span>;
  readonly dir: string;
}

function env(c: StatementCtx): Env {
  return { catalog: c.catalog, ctes: new Map(), diags: c.diags, meta: c.meta, declarations: c.declarations };
}

function bindStatement(stmt: Statement, c: StatementCtx): void {
  switch (stmt.kind) {
    case 'SetStatement':
      c.diags.push(...validateSetOption(stmt).diagnostics);
      return;
    case 'CreateView': {
      const name = stmt.name.name;
      if (declared(name, stmt.name.span, stmt.ifNotExists, c)) return;
      let rel = bindQuery(stmt.query, env(c));
      if (rel && stmt.columnAliases) rel = renameColumns(rel, stmt.columnAliases, `view "${name}"`, stmt.span, c.diags);
      c.catalog.set({ kind: 'VIEW', name, rel: c.damaged ? null : rel, span: stmt.name.span });
      return;
    }
    case 'CreateRelation':
      return bindCreate(stmt, c);
    case 'CreateFunction':
      if (!c.damaged) bindCreateFunction(stmt, c.meta, c.diags, c.dir);
      return;
    case 'InsertStatement':
      return bindInsert(stmt, c);
  }
}

/** Reports a second declaration of `name` (SQ0105); true when the statement must be skipped. */
function declared(name: string, span: Span, ifNotExists: boolean, c: StatementCtx): boolean {
  const prev = c.catalog.get(name);
  if (!prev) return false;
  if (!ifNotExists) {
    const line = prev.kind === 'VIEW' ? prev.span.line : prev.decl.name.span.line;
    c.diags.push(
      error(
        'SQ0105',
        `"${name}" is already declared (line ${line})`,
        span,
        'help: choose another name, or add IF NOT EXISTS to keep the first declaration',
      ),
    );
  }
  return true;
}

function bindCreate(stmt: CreateRelation, c: StatementCtx): void {
  const name = stmt.name.name;
  if (declared(name, stmt.name.span, stmt.ifNotExists, c)) {
    if (stmt.asQuery) bindQuery(stmt.asQuery, env(c));
    return;
  }
  const role = stmt.asQuery
    ? c.roles.get(name) === 'both' || c.roles.get(name) === 'source'
      ? 'both'
      : 'sink'
    : (c.roles.get(name) ?? 'source');
  let entry = bindRelation(stmt, { diags: c.diags, meta: c.meta, job: c.options, role });
  if (c.damaged) entry = { ...entry, broken: true, source: null };
  c.catalog.set(entry);
  if (stmt.asQuery) {
    const rel = bindQuery(stmt.asQuery, env(c));
    if (rel && !c.damaged)
      entry = write(entry, null, stmt.asQuery, rel, stmt.emit, stmt.span, stmt.name.span, c) ?? entry;
  } else if (stmt.emit) {
    c.diags.push(
      error(
        'SQ0404',
        'EMIT belongs to a query: CREATE ... AS SELECT ... EMIT, or INSERT INTO ... EMIT',
        stmt.emit.span,
      ),
    );
  }
}

function bindInsert(stmt: InsertStatement, c: StatementCtx): void {
  const name = stmt.target.name;
  const target = c.catalog.get(name);
  // into declared (or listed) columns, the query's output names are not used: it goes by position
  const byPosition =
    stmt.columns?.map((col) => col.name) ??
    (target !== undefined && target.kind !== 'VIEW' ? (target.columns?.map((col) => col.name) ?? null) : null);
  const rel = bindQuery(stmt.query, { ...env(c), outputByPosition: byPosition });
  if (!target) {
    const candidates = c.catalog.relations().map((r) => r.name);
    const later = c.declarations.get(name);
    const notes =
      later && later.offset > stmt.target.span.offset
        ? [`help: "${name}" is declared later, on line ${later.line}; declare it before this statement`]
        : didYouMean(name, candidates);
    c.diags.push(error('SQ0101', `unknown relation "${name}"`, stmt.target.span, ...notes));
    return;
  }
  if (target.kind === 'VIEW') {
    c.diags.push(
      error(
        'SQ0402',
        `cannot insert into view "${name}": views are read-only`,
        stmt.target.span,
        'help: declare a sink with CREATE SINK (or CREATE STREAM / TABLE) and insert into that',
      ),
    );
    return;
  }
  if (!rel || target.broken || c.damaged) return;
  write(target, stmt.columns, stmt.query, rel, stmt.emit, stmt.span, stmt.target.span, c);
}

/** Checks or infers the target's columns and records the query. Returns the updated entry. */
function write(
  target: RelationEntry,
  columns: InsertStatement['columns'],
  query: InsertStatement['query'],
  rel: Rel,
  emit: EmitClause | null,
  span: Span,
  at: Span,
  c: StatementCtx,
): RelationEntry | null {
  if (!checkRanksFiltered(rel, c.diags)) return null;
  const r = bindWrite({ target, columns, query, rel, at, diags: c.diags });
  if (!r) return null;
  let entry = target;
  if (r.inferred) {
    entry = infer(target, r.inferred, query.span, c.diags, c.options);
    c.catalog.set(entry);
  }
  // Reported errors in the statement (a window on a non-time column, ...): its query is bound to
  // report everything, but not planned (planning it would only repeat them)
  if (c.diags.filter((d) => d.severity === 'error').length > c.errorsBefore) return entry;
  const base = `insert_into_${target.name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const n = (c.names.get(base) ?? 0) + 1;
  c.names.set(base, n);
  c.queries.push({ name: n === 1 ? base : `${base}_${n}`, target: target.name, rel: r.rel, emit, span });
  return entry;
}

/** Fills in inferred columns, runs the connector's column checks, and makes the relation readable if it can be. */
function infer(
  target: RelationEntry,
  columns: CatalogColumn[],
  at: Span,
  diags: Diagnostic[],
  options: JobOptions,
): RelationEntry {
  if (target.connector) {
    diags.push(
      ...checkColumnOptions({
        relationName: target.name,
        connector: target.connector,
        options: target.decl.options,
        resolved: target.options,
        columns: columns.map((x) => x.name),
        primaryKey: target.primaryKey,
        span: target.decl.name.span,
      }),
    );
  }
  const entry: RelationEntry = { ...target, columns, inferredAt: at };
  const readable =
    target.kind !== 'SINK' &&
    target.connector !== null &&
    target.connector !== 'print' &&
    target.connector !== 'blackhole';
  return readable ? { ...entry, source: sourceDef(entry, columns, null, options) } : entry;
}

/**
 * `'late.sink' = 'name'`: the named relation receives the source's late rows unchanged, so its
 * columns are the source's (inferred when undeclared, checked when declared).
 */
function bindLateSinks(catalog: Catalog, diags: Diagnostic[], options: JobOptions): void {
  for (const src of catalog.relations()) {
    const late = src.source?.source.lateSink;
    if (!late || !src.source) continue;
    const pair = src.decl.options.find((p) => p.key.trim() === 'late.sink');
    const at = pair?.valueSpan ?? src.decl.name.span;
    const target = catalog.get(late);
    if (!target || target.kind === 'VIEW') {
      const sinks = catalog
        .relations()
        .filter((r) => r.name !== src.name)
        .map((r) => r.name);
      diags.push(
        error(
          'SQ0503',
          `'late.sink' names ${target ? `view "${late}", not a sink` : `unknown relation "${late}"`}`,
          at,
          ...didYouMean(late, sinks),
          'help: declare it with CREATE SINK (its columns are those of the source)',
        ),
      );
      continue;
    }
    if (target.name === src.name) {
      diags.push(error('SQ0503', `'late.sink' of "${src.name}" cannot be the source itself`, at));
      continue;
    }
    const cols = src.source.schema;
    if (!target.columns) {
      const inferred: CatalogColumn[] = cols.map((f) => ({
        name: f.name,
        type: f.type,
        nullable: f.nullable,
        time: null,
        kind: 'physical',
        span: at,
      }));
      catalog.set(infer(target, inferred, at, diags, options));
      continue;
    }
    const tcols = target.columns.filter((x) => x.kind !== 'computed');
    const same =
      tcols.length === cols.length &&
      tcols.every((t, i) => t.name === cols[i]!.name && canImplicitlyConvert(cols[i]!.type, t.type));
    if (!same) {
      diags.push(
        error(
          'SQ0401',
          `late sink "${late}" must have the columns of "${src.name}": (${cols.map((f) => `${f.name} ${typeName(f.type)}`).join(', ')})`,
          at,
          `help: declare it without columns (CREATE SINK ${late} WITH (...)) to take them from "${src.name}"`,
        ),
      );
    }
  }
}
