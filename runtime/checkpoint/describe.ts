/**
 * What a checkpoint records about each query so that a restart with a changed job can be judged:
 * the *state schema* (per stateful operator: kind, snapshot version, its configuration as data —
 * window, emit mode, join type and bounds — and the layout of a fresh accumulator's state), the
 * inputs whose offsets it holds, and the sinks it writes. The *fingerprint* is a hash of all of
 * it. Everything is derived at run time from the JobSpec the generated module already passes
 * (no code-generator field is needed).
 *
 * `compare(old, new)` sorts differences into incompatible ones (the saved state or offsets would
 * be misread: changed windows, aggregates, join bounds, operators, inputs) and compatible ones
 * (renumbered operator ids, new sink columns, a changed filter, projection or expression —
 * also a new WHERE on an aggregate's input, as Flink and Spark accept it: the saved state keeps
 * what was aggregated so far, rows from the restart on are filtered the new way). Compatible
 * changes are reported in one notice; the GROUP BY and join keys are compared as the text of
 * their generated key functions.
 */
import { createHash } from 'node:crypto';
import type { FieldDesc, Json, Operator, TypeDesc } from '../index.ts';

export interface OperatorDescription {
  readonly id: string;
  /** Snapshot kind (`window-aggregate`), or null for a stateless operator. */
  readonly kind: string | null;
  readonly version: number | null;
  /** The operator's configuration values (functions left out), e.g. `{window, emit}`. */
  readonly config: { readonly [key: string]: Json };
  /**
   * Layout of a fresh accumulator: its fields (`rows, vSum, vCount`: generated per aggregate) or,
   * for an accumulator without own fields, its snapshot's shape (`[number, number, list]`); null
   * when the operator does not aggregate.
   */
  readonly state: string | null;
  /**
   * The generated key functions (`key`, `leftKey`, `rightKey`) as source text, e.g.
   * `{"key": "row.k"}`: the saved state is keyed by what they compute (GROUP BY, join keys).
   * Absent in a description written before keys were recorded.
   */
  readonly keys?: { readonly [name: string]: string };
}

export interface InputDescription {
  readonly source: string;
  readonly connector: string;
  /** File path, topic, ...: what the offsets refer to. */
  readonly location: string | null;
  readonly columns: string;
}

export interface SinkDescription {
  readonly name: string;
  readonly connector: string;
  readonly columns: string;
}

export interface QueryDescription {
  readonly name: string;
  readonly emit: string;
  readonly inputs: readonly InputDescription[];
  readonly operators: readonly OperatorDescription[];
  readonly sinks: readonly SinkDescription[];
  /**
   * Hash of the generated query function's text: its filters, projections and expressions (they
   * keep no state, so a change is compatible and only reported). Absent in older descriptions.
   */
  readonly logic?: string;
}

/** What the engine hands over to describe one query. */
export interface QueryParts {
  readonly name: string;
  readonly emit: string;
  readonly inputs: readonly {
    readonly source: string;
    readonly connector: string;
    readonly options: Readonly<Record<string, string>>;
    readonly schema: readonly FieldDesc[];
  }[];
  readonly operators: readonly Operator<unknown>[];
  readonly sinks: readonly {
    readonly name: string;
    readonly connector: string;
    readonly schema: readonly FieldDesc[];
  }[];
  /** The source text of the generated query function (`build`), when known. */
  readonly code?: string;
}

/** Operators whose state holds input rows (their layout is the upstream projection's). */
const ROW_STATE = new Set(['interval-join', 'window-join', 'regular-join', 'sort-limit']);

export function typeText(t: TypeDesc): string {
  switch (t.kind) {
    case 'ARRAY':
      return `ARRAY<${t.element ? typeText(t.element) : '?'}>`;
    case 'MAP':
      return `MAP<STRING, ${t.value ? typeText(t.value) : '?'}>`;
    case 'ROW':
      return `ROW<${(t.fields ?? []).map((f) => `${f.name} ${typeText(f.type)}`).join(', ')}>`;
    default:
      return t.kind;
  }
}

export function columnsText(fields: readonly FieldDesc[]): string {
  return fields.map((f) => `${f.name} ${typeText(f.type)}`).join(', ');
}

function isPlain(v: unknown): boolean {
  if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return true;
  if (Array.isArray(v)) return v.every(isPlain);
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    return (
      (proto === Object.prototype || proto === null) &&
      Object.values(v as object).every((x) => x === undefined || isPlain(x))
    );
  }
  return false;
}

/** The data part of an operator's config: every value that is not a function or an object instance. */
function configOf(op: Operator<unknown>): Record<string, Json> {
  const cfg = (op as unknown as { cfg?: unknown }).cfg;
  const out: Record<string, Json> = {};
  if (cfg === null || typeof cfg !== 'object') return out;
  for (const key of Object.keys(cfg).sort()) {
    if (key === 'id') continue;
    const v = (cfg as Record<string, unknown>)[key];
    if (v !== undefined && typeof v !== 'function' && isPlain(v)) out[key] = v as Json;
  }
  return out;
}

function shape(v: unknown, top: boolean): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return top ? `[${v.map((x) => shape(x, false)).join(', ')}]` : 'list';
  if (typeof v === 'object') {
    return top
      ? `{${Object.keys(v)
          .sort()
          .map((k) => `${k}: ${shape((v as Record<string, unknown>)[k], false)}`)
          .join(', ')}}`
      : 'object';
  }
  return typeof v;
}

/** The layout of a fresh accumulator (its fields, else its snapshot's shape), when the operator aggregates. */
function stateLayout(op: Operator<unknown>): string | null {
  const cfg = (op as unknown as { cfg?: { create?: unknown } }).cfg;
  if (!cfg || typeof cfg.create !== 'function') return null;
  try {
    const acc = (cfg.create as (key: unknown, row: unknown) => { snapshot?: () => unknown })(null, {});
    if (!acc || typeof acc.snapshot !== 'function') return null;
    const fields = Object.keys(acc).filter((k) => typeof (acc as Record<string, unknown>)[k] !== 'function');
    return fields.length > 0 ? fields.join(', ') : shape(acc.snapshot(), true);
  } catch {
    return null;
  }
}

const KEY_FUNCTIONS = ['key', 'leftKey', 'rightKey'];

/** `(row) => row.k` → `row.k`: the text of a one-parameter arrow function's body, whitespace collapsed. */
function functionText(f: { toString(): string }): string {
  const text = f.toString().replace(/\s+/g, ' ').trim();
  const m = /^\(?\s*\w*\s*\)?\s*=>\s*([\s\S]*)$/.exec(text);
  return m ? m[1]! : text;
}

/** The generated key functions of an operator, as text. */
function keysOf(op: Operator<unknown>): Record<string, string> | undefined {
  const cfg = (op as unknown as { cfg?: Record<string, unknown> }).cfg;
  if (!cfg || typeof cfg !== 'object') return undefined;
  const out: Record<string, string> = {};
  for (const k of KEY_FUNCTIONS) if (typeof cfg[k] === 'function') out[k] = functionText(cfg[k] as () => unknown);
  return Object.keys(out).length > 0 ? out : undefined;
}

function locationOf(connector: string, options: Readonly<Record<string, string>>, source: string): string | null {
  switch (connector) {
    case 'file':
    case 'filesystem':
      return options['path'] ?? null;
    case 'kafka':
    case 'upsert-kafka':
      return options['topic'] ?? options['topic-pattern'] ?? null;
    case 'memory':
      return options['memory.name'] ?? source;
    default:
      return null;
  }
}

export function describeQuery(q: QueryParts): QueryDescription {
  return {
    name: q.name,
    emit: q.emit,
    inputs: q.inputs.map((i) => ({
      source: i.source,
      connector: i.connector,
      location: locationOf(i.connector, i.options, i.source),
      columns: columnsText(i.schema),
    })),
    operators: q.operators.map((op) => {
      let snap: { kind: string; version: number } | null = null;
      try {
        snap = op.snapshot();
      } catch {
        snap = null;
      }
      const keys = snap === null ? undefined : keysOf(op);
      return {
        id: op.id,
        kind: snap?.kind ?? null,
        version: snap?.version ?? null,
        config: configOf(op),
        state: stateLayout(op),
        ...(keys ? { keys } : {}),
      };
    }),
    sinks: q.sinks.map((s) => ({ name: s.name, connector: s.connector, columns: columnsText(s.schema) })),
    ...(q.code !== undefined
      ? { logic: createHash('sha256').update(q.code.replace(/\s+/g, ' ')).digest('hex').slice(0, 16) }
      : {}),
  };
}

/** Stable JSON (sorted object keys) for hashing. */
function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .filter((k) => o[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

/** The plan fingerprint of a query: 16 hex digits of SHA-256 over its description. */
export function fingerprint(d: QueryDescription): string {
  return createHash('sha256').update(canonical(d)).digest('hex').slice(0, 16);
}

/** `1 min`, `5 s`, `1 h`, `250 ms`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms !== 0 && ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms !== 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms !== 0 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms !== 0 && ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

function windowText(w: Json): string {
  if (w === null || typeof w !== 'object' || Array.isArray(w)) return JSON.stringify(w);
  const o = w as Record<string, Json>;
  const d = (k: string) => formatDuration(o[k] as number);
  switch (o['kind']) {
    case 'tumble':
      return `tumble(${d('sizeMs')})`;
    case 'hop':
      return `hop(${d('sizeMs')} every ${d('slideMs')})`;
    case 'cumulate':
      return `cumulate(${d('maxMs')} in steps of ${d('stepMs')})`;
    case 'session':
      return `session(gap ${d('gapMs')})`;
    default:
      return JSON.stringify(w);
  }
}

const CONFIG_NAMES: Record<string, string> = {
  window: 'window',
  emit: 'emit mode',
  joinType: 'join type',
  gapMs: 'session gap',
  lowerMs: 'lower time bound',
  upperMs: 'upper time bound',
  lowerInclusive: 'lower bound inclusiveness',
  upperInclusive: 'upper bound inclusiveness',
  keyOnly: 'DISTINCT (key-only) aggregation',
  limit: 'LIMIT',
};

function valueText(key: string, v: Json | undefined): string {
  if (v === undefined) return 'none';
  if (key === 'window') return windowText(v);
  if (key.endsWith('Ms') && typeof v === 'number') return formatDuration(v);
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function compareOperator(a: OperatorDescription, b: OperatorDescription, problems: string[], notes: string[]): void {
  const name = `operator ${b.id}`;
  if (a.kind !== b.kind) {
    problems.push(
      `${name}: was a ${a.kind ?? 'stateless'} operator (${a.id}), is now a ${b.kind ?? 'stateless'} operator`,
    );
    return;
  }
  if (a.version !== b.version) {
    problems.push(
      `${name}: its state has version ${a.version} in the checkpoint; this runtime reads version ${b.version}`,
    );
    return;
  }
  const keys = [...new Set([...Object.keys(a.config), ...Object.keys(b.config)])].sort();
  const before = problems.length;
  for (const k of keys) {
    const x = a.config[k];
    const y = b.config[k];
    if (canonical(x) === canonical(y)) continue;
    problems.push(`${name}: ${CONFIG_NAMES[k] ?? k} changed from ${valueText(k, x)} to ${valueText(k, y)}`);
  }
  if (a.state !== b.state) {
    problems.push(
      `${name}: the aggregates computed changed (accumulator fields (${a.state ?? 'none'}) are now (${b.state ?? 'none'})): the saved accumulators cannot be read as the new ones`,
    );
  }
  if (a.keys !== undefined && b.keys !== undefined) {
    for (const k of [...new Set([...Object.keys(a.keys), ...Object.keys(b.keys)])].sort()) {
      const x = a.keys[k];
      const y = b.keys[k];
      if (x === y) continue;
      const what = k === 'key' ? 'grouping key' : k === 'leftKey' ? 'left join key' : 'right join key';
      problems.push(
        `${name}: ${what} changed from ${x ?? 'none'} to ${y ?? 'none'}: the saved state is keyed by the old key`,
      );
    }
  }
  if (problems.length === before && a.id !== b.id) notes.push(`operator ${a.id} is now ${b.id} (same state)`);
}

export interface Comparison {
  /** Changes that make the saved state or offsets unusable. */
  readonly incompatible: readonly string[];
  /** Changes the checkpoint can live with (reported as a notice). */
  readonly compatible: readonly string[];
}

/** How the query as it is now (`b`) differs from the one that wrote the checkpoint (`a`). */
export function compare(a: QueryDescription, b: QueryDescription): Comparison {
  const problems: string[] = [];
  const notes: string[] = [];
  const q = `query "${b.name}"`;
  const srcA = a.inputs.map((i) => i.source).join(', ');
  const srcB = b.inputs.map((i) => i.source).join(', ');
  if (srcA !== srcB) {
    problems.push(`${q}: reads (${srcB}); the checkpoint holds offsets for (${srcA})`);
  } else {
    b.inputs.forEach((i, k) => {
      const o = a.inputs[k]!;
      if (o.connector !== i.connector)
        problems.push(`${q}: source ${i.source}: connector changed from ${o.connector} to ${i.connector}`);
      else if (o.location !== i.location) {
        problems.push(
          `${q}: source ${i.source}: changed from '${o.location}' to '${i.location}' (the saved offsets refer to the old input)`,
        );
      }
      if (o.columns !== i.columns) {
        const rowState = b.operators.filter((op) => op.kind !== null && ROW_STATE.has(op.kind));
        const change = `source ${i.source}: columns changed from (${o.columns}) to (${i.columns})`;
        if (rowState.length > 0) problems.push(`${q}: ${change}; operator ${rowState[0]!.id} keeps rows in its state`);
        else notes.push(`${q}: ${change}`);
      }
    });
  }
  const stateful = (d: QueryDescription) => d.operators.filter((o) => o.kind !== null);
  const opsA = stateful(a);
  const opsB = stateful(b);
  const list = (ops: readonly OperatorDescription[]) => (ops.length ? ops.map((o) => o.id).join(', ') : 'none');
  if (opsA.length !== opsB.length) {
    problems.push(`${q}: stateful operators changed from (${list(opsA)}) to (${list(opsB)})`);
  } else {
    const p: string[] = [];
    const n: string[] = [];
    opsB.forEach((op, k) => compareOperator(opsA[k]!, op, p, n));
    problems.push(...p.map((x) => `${q}: ${x}`));
    notes.push(...n.map((x) => `${q}: ${x}`));
  }
  const sinksA = new Map(a.sinks.map((s) => [s.name, s]));
  for (const s of b.sinks) {
    const o = sinksA.get(s.name);
    if (!o) notes.push(`${q}: now also writes sink ${s.name}`);
    else if (o.columns !== s.columns)
      notes.push(`${q}: sink ${s.name}: columns changed from (${o.columns}) to (${s.columns})`);
  }
  for (const s of a.sinks)
    if (!b.sinks.some((x) => x.name === s.name)) notes.push(`${q}: no longer writes sink ${s.name}`);
  if (problems.length === 0 && notes.length === 0 && fingerprint(a) !== fingerprint(b)) {
    notes.push(
      a.logic !== undefined && b.logic !== undefined && a.logic !== b.logic
        ? `${q}: its filters, projections or expressions changed (the saved state is kept as it is; rows from now on are computed the new way)`
        : `${q}: plan details changed`,
    );
  }
  return { incompatible: problems, compatible: notes };
}
