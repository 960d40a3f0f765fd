/**
 * FROM clauses: table references (streams, tables, views, CTEs), derived tables, window TVFs,
 * joins and `CROSS JOIN UNNEST`. Each yields a bound relation and a scope; join outputs rename
 * clashing right-side fields (`uuid` → `uuid0`) while the scope keeps the names users write.
 */
import type { DerivedTable, FromItem, Join, TableRef, Unnest, WindowTvf } from '../../grammar/ast.ts';
import { error } from '../../grammar/diagnostic.ts';
import type { JoinKind } from '../../runtime/contract.ts';
import { didYouMean } from '../../grammar/suggest.ts';
import type { BoundExpr } from '../plan/plan.ts';
import { INT, TIMESTAMP } from '../types.ts';
import { exprCtx, typeName } from './context.ts';
import type { Env, FromResult } from './env.ts';
import { bindCondition, bindExpr } from './expr.ts';
import type { Rel, RelField } from './rel.ts';
import { uniqueName } from './rel.ts';
import type { Scope, ScopeEntry } from './scope.ts';
import { bindQuery, renameColumns } from './select.ts';
import { WINDOW_ARITY, WINDOW_SIGNATURE, checkTimeAttribute, intervalArg, windowSpec } from './windows.ts';

export function bindFrom(item: FromItem, env: Env): FromResult | null {
  switch (item.kind) {
    case 'TableRef':
      if (item.systemTime) {
        env.diags.push(
          error('SQ0802', 'FOR SYSTEM_TIME AS OF is only allowed on the right side of a join', item.systemTime.span),
        );
      }
      return bindTableRef(item, env);
    case 'DerivedTable':
      return bindDerived(item, env);
    case 'WindowTvf':
      return bindTvf(item, env);
    case 'Join':
      return bindJoin(item, env);
    case 'Unnest':
      env.diags.push(
        error('SQ0404', 'UNNEST must follow CROSS JOIN: FROM t CROSS JOIN UNNEST(t.items) AS x(item)', item.span),
      );
      return null;
  }
}

/** The relation a name refers to: a CTE, a view, a stream or a table (a sink cannot be read). */
export function resolveRelation(ref: TableRef, env: Env): Rel | null {
  const name = ref.name.name;
  if (env.ctes.has(name)) return env.ctes.get(name) ?? null;
  const entry = env.catalog.get(name);
  if (!entry) {
    const candidates = [...env.ctes.keys(), ...env.catalog.names()];
    const later = env.declarations?.get(name);
    const notes =
      later && later.offset > ref.name.span.offset
        ? [`help: "${name}" is declared later, on line ${later.line}; declare it before this statement`]
        : didYouMean(name, candidates);
    env.diags.push(error('SQ0101', `unknown relation "${name}"`, ref.name.span, ...notes));
    return null;
  }
  if (entry.kind === 'VIEW') return entry.rel;
  if (entry.kind === 'SINK') {
    env.diags.push(
      error(
        'SQ0402',
        `cannot read from sink "${name}": CREATE SINK declares a write-only relation`,
        ref.name.span,
        'help: declare it with CREATE STREAM or CREATE TABLE to read it back',
      ),
    );
    return null;
  }
  if (entry.broken) return null;
  if (!entry.columns) {
    env.diags.push(
      error(
        'SQ0402',
        `cannot read from ${entry.kind.toLowerCase()} "${name}" before its columns are known`,
        ref.name.span,
        `help: declare its columns in CREATE ${entry.kind} ${name} (...), or insert into it first`,
      ),
    );
    return null;
  }
  if (!entry.source) return null; // not readable: reported with its declaration
  return { kind: 'Scan', source: entry.source, fields: entry.source.schema, span: ref.span };
}

function entryFor(
  alias: string | null,
  label: string,
  fields: readonly RelField[],
  span: FromItem['span'],
): ScopeEntry {
  return { alias, label, columns: fields.map((f) => ({ name: f.name, field: f })), span };
}

function bindTableRef(ref: TableRef, env: Env): FromResult | null {
  const rel = resolveRelation(ref, env);
  if (!rel) return null;
  const alias = ref.alias?.name ?? ref.name.name;
  return { rel, scope: { entries: [entryFor(alias, alias, rel.fields, ref.span)] } };
}

function bindDerived(d: DerivedTable, env: Env): FromResult | null {
  let rel = bindQuery(d.query, env);
  if (!rel) return null;
  if (d.columnAliases) {
    rel = renameColumns(rel, d.columnAliases, `derived table${d.alias ? ` "${d.alias.name}"` : ''}`, d.span, env.diags);
    if (!rel) return null;
  }
  const alias = d.alias?.name ?? null;
  return { rel, scope: { entries: [entryFor(alias, alias ?? '(subquery)', rel.fields, d.span)] } };
}

function bindTvf(t: WindowTvf, env: Env): FromResult | null {
  const src = t.source.kind === 'TableRef' ? bindTableRef(t.source, env) : bindDerived(t.source, env);
  if (!src) return null;
  const entry = src.scope.entries[0]!;
  const fn = t.fn;
  let ok = true;
  const col = entry.columns.find((c) => c.name === t.descriptor.name);
  if (!col) {
    env.diags.push(
      error(
        'SQ0102',
        `unknown column "${t.descriptor.name}" in "${entry.label}"`,
        t.descriptor.span,
        ...didYouMean(
          t.descriptor.name,
          entry.columns.map((c) => c.name),
        ),
      ),
    );
    ok = false;
  } else {
    // reported; the rest of the query is still bound (its errors are reported too), and the
    // statement's error keeps the job from being planned
    checkTimeAttribute(col.field, col.name, entry, t.descriptor.span, env.diags);
  }
  const arity = WINDOW_ARITY[fn];
  if (t.args.length !== arity) {
    env.diags.push(
      error(
        'SQ0202',
        `window function ${fn} expects (TABLE t, DESCRIPTOR(time_column), ${WINDOW_SIGNATURE[fn]}) but got ${t.args.length} interval argument${t.args.length === 1 ? '' : 's'}`,
        t.span,
      ),
    );
    return null;
  }
  const ms = t.args.map((a) => intervalArg(a, env.diags));
  if (ms.some((m) => m === null)) return null;
  const spec = windowSpec(fn, ms as number[], t.span, env.diags);
  const partitionBy: string[] = [];
  if (t.partitionBy.length > 0 && fn !== 'SESSION') {
    env.diags.push(
      error('SQ0305', `PARTITION BY is only allowed in a SESSION window, not in ${fn}`, t.partitionBy[0]!.span),
    );
    ok = false;
  }
  for (const p of t.partitionBy) {
    const c = entry.columns.find((x) => x.name === p.name);
    if (!c) {
      env.diags.push(
        error(
          'SQ0102',
          `unknown column "${p.name}" in "${entry.label}"`,
          p.span,
          ...didYouMean(
            p.name,
            entry.columns.map((x) => x.name),
          ),
        ),
      );
      ok = false;
    } else partitionBy.push(c.field.name);
  }
  for (const w of ['window_start', 'window_end', 'window_time']) {
    if (src.rel.fields.some((f) => f.name === w)) {
      env.diags.push(
        error(
          'SQ0105',
          `"${entry.label}" already has a column "${w}", which the window ${fn} adds`,
          t.source.span,
          `help: rename or drop "${w}" in a view or subquery first`,
        ),
      );
      ok = false;
    }
  }
  if (!ok || !spec || !col) return null;
  const fields: RelField[] = [
    ...src.rel.fields.map((f) =>
      f.time === 'event' || f.window ? { name: f.name, type: f.type, nullable: f.nullable, time: null } : f,
    ),
    { name: 'window_start', type: TIMESTAMP, nullable: false, time: null, window: 'start' },
    { name: 'window_end', type: TIMESTAMP, nullable: false, time: null, window: 'end' },
    // over processing time, window_time is a processing-time attribute
    {
      name: 'window_time',
      type: TIMESTAMP,
      nullable: false,
      time: col.field.time === 'proc' ? 'proc' : 'event',
      window: 'time',
    },
  ];
  const rel: Rel = {
    kind: 'WindowTvf',
    input: src.rel,
    window: spec,
    timeField: col.field.name,
    startField: 'window_start',
    endField: 'window_end',
    timeOutField: 'window_time',
    partitionBy,
    fields,
    span: t.span,
  };
  const alias = t.alias?.name ?? entry.alias;
  return { rel, scope: { entries: [entryFor(alias, alias ?? fn, fields, t.span)] } };
}

function joinKind(t: Join['joinType']): JoinKind | 'cross' {
  return t === 'INNER' ? 'inner' : t === 'LEFT' ? 'left' : t === 'RIGHT' ? 'right' : t === 'FULL' ? 'full' : 'cross';
}

function bindJoin(j: Join, env: Env): FromResult | null {
  if (j.right.kind === 'Unnest') {
    const left = bindFrom(j.left, env);
    if (j.joinType !== 'CROSS' && !(j.joinType === 'INNER' && isTrue(j.on))) {
      env.diags.push(error('SQ0802', `${j.joinType} JOIN UNNEST is not supported; use CROSS JOIN UNNEST(...)`, j.span));
      return null;
    }
    return left ? bindUnnest(left, j.right, env) : null;
  }
  const left = bindFrom(j.left, env);
  const temporal = j.right.kind === 'TableRef' && j.right.systemTime !== null;
  const right = j.right.kind === 'TableRef' ? bindTableRef(j.right, env) : bindFrom(j.right, env);
  if (!left || !right) return null;
  let ok = true;
  for (const r of right.scope.entries) {
    if (r.alias !== null && left.scope.entries.some((l) => l.alias === r.alias)) {
      env.diags.push(
        error(
          'SQ0105',
          `duplicate table alias "${r.alias}" in FROM`,
          r.span,
          'help: give one of them a different alias',
        ),
      );
      ok = false;
    }
  }
  const kind = joinKind(j.joinType);
  if (temporal) {
    const ref = j.right as TableRef;
    const entry = env.catalog.get(ref.name.name);
    if (!entry || entry.kind !== 'TABLE') {
      env.diags.push(
        error(
          'SQ0802',
          `FOR SYSTEM_TIME AS OF needs a TABLE on the right side, but "${ref.name.name}" is not a table`,
          ref.name.span,
        ),
      );
      ok = false;
    }
    const t = bindExpr(ref.systemTime!, exprCtx(left.scope, env.diags, env.meta, 'FOR SYSTEM_TIME AS OF'));
    if (t && t.type.kind !== 'TIMESTAMP') {
      env.diags.push(
        error(
          'SQ0803',
          `FOR SYSTEM_TIME AS OF needs a time attribute of the left side, but this is ${typeName(t.type)}`,
          ref.systemTime!.span,
        ),
      );
      ok = false;
    }
    if (kind !== 'inner' && kind !== 'left') {
      env.diags.push(error('SQ0802', `a temporal (lookup) join must be INNER or LEFT, not ${j.joinType}`, j.span));
      ok = false;
    }
  }
  const taken = new Set(left.rel.fields.map((f) => f.name));
  const rightNames = right.rel.fields.map((f) => {
    const n = uniqueName(f.name, taken);
    taken.add(n);
    return n;
  });
  const nullLeft = kind === 'right' || kind === 'full';
  const nullRight = kind === 'left' || kind === 'full';
  const strip = (f: RelField, nullable: boolean): RelField =>
    nullable
      ? {
          name: f.name,
          type: f.type,
          nullable: true,
          time: f.time === 'event' ? null : f.time,
          ...(f.window ? { window: f.window } : {}),
        }
      : f;
  const leftFields = left.rel.fields.map((f) => strip(f, nullLeft));
  const rightFields = right.rel.fields.map((f, i) => ({ ...strip(f, nullRight), name: rightNames[i]! }));
  const fields = [...leftFields, ...rightFields];
  const byName = new Map(fields.map((f) => [f.name, f]));
  const remap = (entries: readonly ScopeEntry[], names: (n: string) => string): ScopeEntry[] =>
    entries.map((e) => ({
      ...e,
      columns: e.columns.map((c) => ({ name: c.name, field: byName.get(names(c.field.name))! })),
    }));
  const rightIndex = new Map(right.rel.fields.map((f, i) => [f.name, rightNames[i]!]));
  const scope: Scope = {
    entries: [...remap(left.scope.entries, (n) => n), ...remap(right.scope.entries, (n) => rightIndex.get(n)!)],
  };
  let condition: BoundExpr | null = null;
  if (j.on) {
    condition = bindCondition(j.on, 'ON', exprCtx(scope, env.diags, env.meta, 'ON'));
    if (!condition) ok = false;
  } else if (kind !== 'cross') {
    env.diags.push(
      error(
        'SQ0803',
        `${j.joinType} JOIN needs an ON condition`,
        j.span,
        'help: add ON left.key = right.key, or write CROSS JOIN',
      ),
    );
    ok = false;
  }
  if (!ok) return null;
  const rel: Rel = {
    kind: 'Join',
    joinType: kind,
    left: left.rel,
    right: right.rel,
    condition,
    rightNames,
    temporal,
    fields,
    span: j.span,
    leftSpan: j.left.span,
    rightSpan: j.right.span,
    onSpan: j.on?.span ?? null,
  };
  return { rel, scope };
}

function isTrue(e: Join['on']): boolean {
  return e !== null && e.kind === 'BooleanLiteral' && e.value;
}

function bindUnnest(left: FromResult, u: Unnest, env: Env): FromResult | null {
  const arr = bindExpr(u.expr, exprCtx(left.scope, env.diags, env.meta, 'UNNEST'));
  if (!arr) return null;
  if (arr.type.kind !== 'ARRAY') {
    const notes = arr.type.kind === 'STRING' ? ["help: split a string first: UNNEST(SPLIT(s, ','))"] : [];
    env.diags.push(error('SQ0202', `UNNEST expects an ARRAY but got ${typeName(arr.type)}`, u.expr.span, ...notes));
    return null;
  }
  const el = arr.type.element;
  const elementCols =
    el.kind === 'ROW'
      ? el.fields.map((f) => ({
          name: f.name,
          type: f.type,
          nullable:
            f.nullable || arr.type.kind !== 'ARRAY' || (arr.type as { elementNullable: boolean }).elementNullable,
        }))
      : [{ name: 'col', type: el, nullable: arr.type.elementNullable }];
  const wanted = elementCols.length + (u.withOrdinality ? 1 : 0);
  if (
    u.columns.length > 0 &&
    u.columns.length !== wanted &&
    !(u.withOrdinality && u.columns.length === elementCols.length)
  ) {
    env.diags.push(
      error(
        'SQ0401',
        `UNNEST produces ${wanted} column${wanted === 1 ? '' : 's'} but ${u.columns.length} name${u.columns.length === 1 ? ' is' : 's are'} given`,
        u.span,
      ),
    );
    return null;
  }
  const userNames = elementCols.map((c, i) => u.columns[i]?.name ?? c.name);
  if (u.withOrdinality) userNames.push(u.columns[elementCols.length]?.name ?? 'ordinality');
  const dup = userNames.find((n, i) => userNames.indexOf(n) !== i);
  if (dup) {
    env.diags.push(error('SQ0105', `duplicate column name "${dup}" in UNNEST`, u.span));
    return null;
  }
  const taken = new Set(left.rel.fields.map((f) => f.name));
  const newFields: RelField[] = userNames.map((n, i) => {
    const name = uniqueName(n, taken);
    taken.add(name);
    const c = elementCols[i];
    return c
      ? { name, type: c.type, nullable: c.nullable, time: null }
      : { name, type: INT, nullable: false, time: null };
  });
  const elementFields = newFields.slice(0, elementCols.length).map((f) => f.name);
  const rel: Rel = {
    kind: 'Unnest',
    input: left.rel,
    array: arr,
    elementFields,
    ordinalityField: u.withOrdinality ? newFields[newFields.length - 1]!.name : null,
    fields: [...left.rel.fields, ...newFields],
    span: u.span,
  };
  const alias = u.alias?.name ?? null;
  const entry: ScopeEntry = {
    alias,
    label: alias ?? 'UNNEST',
    columns: userNames.map((n, i) => ({ name: n, field: newFields[i]! })),
    span: u.span,
  };
  return { rel, scope: { entries: [...left.scope.entries, entry] } };
}
