/**
 * What a checkpoint records about each query so that a restart with a changed job can be judged:
 * the *state schema* (per stateful operator: kind, snapshot version, its configuration — window,
 * emit mode, join type and bounds —, the keys its state is keyed by and its accumulator fields),
 * the inputs whose offsets it holds, and the sinks it writes. The *fingerprint* is a hash of all
 * of it.
 *
 * The operator facts come from the compiler: the generated module carries a `QueryDescriptor`
 * per query (runtime/contract.ts) written from the plan — keys as SQL, not generated code — so a
 * renamed local or a minified module describes the same state. Nothing here reads operator
 * internals; an operator without a descriptor (a hand-written spec) is described by its id and
 * its snapshot's kind and version.
 *
 * `compare(old, new)` sorts differences into incompatible ones (the saved state or offsets would
 * be misread: changed windows, keys, aggregates, join bounds, operators, inputs) and compatible
 * ones (renumbered operator ids, new sink columns, a changed filter, projection or expression —
 * also a new WHERE on an aggregate's input, as Flink and Spark accept it: the saved state keeps
 * what was aggregated so far, rows from the restart on are filtered the new way). Compatible
 * changes are reported in one notice.
 */
import { createHash } from 'node:crypto';
import type { DescriptorValue, QueryDescriptor } from '../contract.ts';
import type { FieldDesc, Json, Operator, TypeDesc } from '../types.ts';
import { formatDuration, formatWindow } from '../windows/format.ts';

export interface OperatorDescription {
  readonly id: string;
  /** Snapshot kind (`window-aggregate`), or null for a stateless operator. */
  readonly kind: string | null;
  readonly version: number | null;
  /** The operator's configuration facts, e.g. `{window, emit}`. */
  readonly config: { readonly [key: string]: DescriptorValue };
  /** Accumulator fields with their types (`rows: number`); null when the state holds rows or none. */
  readonly state: readonly string[] | null;
  /** What the state is keyed by, as SQL (`{"key": "k"}`; `leftKey`/`rightKey` for joins). */
  readonly keys?: { readonly [role: string]: string };
  /** The aggregates as SQL, for messages. */
  readonly aggregates?: readonly string[];
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
  /** The compiler's hash of the query's filters, projections and expressions (`QueryDescriptor.logic`). */
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
  /** The registered operators (ids, in dataflow order). */
  readonly operators: readonly Operator<unknown>[];
  readonly sinks: readonly {
    readonly name: string;
    readonly connector: string;
    readonly schema: readonly FieldDesc[];
  }[];
  /** What the compiler wrote about the query (absent for a hand-written spec). */
  readonly descriptor?: QueryDescriptor;
}

/** Operators whose state holds input rows (their layout is the upstream projection's). */
const ROW_STATE = new Set(['interval-join', 'window-join', 'regular-join', 'sort-limit', 'top-n', 'over-aggregate']);

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

/** One registered operator: its compiler-written descriptor, else what its snapshot says. */
function describeOperator(
  op: Operator<unknown>,
  written: ReadonlyMap<string, OperatorDescription>,
): OperatorDescription {
  const d = written.get(op.id);
  if (d) return d;
  const snap = op.snapshot();
  return { id: op.id, kind: snap?.kind ?? null, version: snap?.version ?? null, config: {}, state: null };
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
  const written = new Map<string, OperatorDescription>(
    (q.descriptor?.operators ?? []).map((d) => [
      d.id,
      {
        id: d.id,
        kind: d.kind,
        version: d.version,
        config: d.config,
        state: d.state,
        keys: d.keys,
        ...(d.aggregates ? { aggregates: d.aggregates } : {}),
      },
    ]),
  );
  return {
    name: q.name,
    emit: q.emit,
    inputs: q.inputs.map((i) => ({
      source: i.source,
      connector: i.connector,
      location: locationOf(i.connector, i.options, i.source),
      columns: columnsText(i.schema),
    })),
    operators: q.operators.map((op) => describeOperator(op, written)),
    sinks: q.sinks.map((s) => ({ name: s.name, connector: s.connector, columns: columnsText(s.schema) })),
    ...(q.descriptor ? { logic: q.descriptor.logic } : {}),
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

function valueText(key: string, v: DescriptorValue | undefined): string {
  if (v === undefined) return 'none';
  if (key === 'window') return formatWindow(v as never);
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
  if (canonical(a.state) !== canonical(b.state)) {
    const list = (d: OperatorDescription) =>
      `(${(d.aggregates && a.aggregates && b.aggregates ? d.aggregates : (d.state ?? [])).join(', ') || 'none'})`;
    const what = a.aggregates && b.aggregates ? 'the aggregates computed' : 'the accumulator fields';
    problems.push(
      `${name}: ${what} changed from ${list(a)} to ${list(b)}: the saved accumulators cannot be read as the new ones`,
    );
  }
  if (a.keys !== undefined && b.keys !== undefined) {
    for (const k of [...new Set([...Object.keys(a.keys), ...Object.keys(b.keys)])].sort()) {
      const x = a.keys[k];
      const y = b.keys[k];
      if (x === y) continue;
      const what = k === 'key' ? 'GROUP BY key' : k === 'leftKey' ? 'left join key' : 'right join key';
      problems.push(
        `${name}: ${what} changed from (${x ?? 'none'}) to (${y ?? 'none'}): the saved state is keyed by the old key`,
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
