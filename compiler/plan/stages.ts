/**
 * Stages of a scaled-out job (`'pipeline.scale-out' = 'true'`, docs/scale-out.md "Stages and
 * repartition topics"). A keyed stateful operator — GROUP BY, window aggregate, join, Top-N, OVER —
 * whose key does not follow its input's partitioning (partitioning.ts) cannot keep its state per
 * task: rows with one key are spread over every task. There the query is cut in two: the part
 * below the operator becomes a query of its own (an upstream *stage*) that writes its rows, keyed
 * by the operator's key, to an internal topic `<job>-<operator>-repartition`; the operator reads
 * that topic instead (a downstream stage, its tasks the topic's partitions). A join re-keys both
 * sides, each through its own topic, created with the same partition count: co-partitioned.
 *
 * The stages are ordinary queries (`<query>.s1`, `<query>.s2`, ..., the last one writing the
 * user's sink) connected by a Kafka sink/source pair whose configs carry `repartition`
 * (runtime/connectors/kafka/repartition.ts): an upstream stage is a stateless scaled-out query
 * with a transaction per task that also holds its watermark records, the downstream stage reads
 * rows keyed by the new key. Rows are JSON of the stage's schema (generated decoder; TIMESTAMP as
 * ISO-8601 with milliseconds, exact; NULL as null).
 *
 * One entry function, `splitStages`; a job that is not scaled out is returned unchanged (the same
 * program runs unchanged in one process). What cannot be cut — an updating input (its retractions
 * would need row kinds on the topic), ORDER BY … LIMIT — stays in place and scale-out.ts reports it.
 */
import { basename } from 'node:path';
import type { ConnectorConfig } from '../../runtime/connectors/spec.ts';
import { repartitionTopic, type KafkaConfig, type RepartitionConfig } from '../../runtime/connectors/kafka/options.ts';
import { parseDuration } from '../../runtime/options.ts';
import { connectorConfig, sourceOptions } from '../connectors/resolved.ts';
import { keyFollowsPartitioning } from './partitioning.ts';
import { holdsState } from './scale-out.ts';
import type {
  BoundExpr,
  JobPlan,
  NamedExpr,
  PlanField,
  PlanNode,
  ProjectNode,
  QueryPlan,
  ScanNode,
  SinkDef,
  SinkNode,
  SourceDef,
} from './plan.ts';
import { childrenOf, fieldNames, props } from './util.ts';

/** Operators with a key that may need their input re-keyed. */
const KEYED = new Set<PlanNode['kind']>([
  'Aggregate',
  'WindowAggregate',
  'Rank',
  'OverAggregate',
  'IntervalJoin',
  'WindowJoin',
  'RegularJoin',
]);

/** Splits every query of a scaled-out job into stages at the operators whose key needs re-keying. */
export function splitStages(plan: JobPlan): JobPlan {
  if (plan.options.raw['pipeline.scale-out'] !== 'true') return plan;
  const names = new Set([...plan.sources.map((s) => s.name), ...plan.sinks.map((s) => s.name)]);
  const next = { value: maxId(plan) + 1 };
  const sources: SourceDef[] = [...plan.sources];
  const sinks: SinkDef[] = [...plan.sinks];
  const queries: QueryPlan[] = [];
  const job = plan.options.pipelineName ?? basename(plan.file).replace(/\.sq$/i, '');
  const session = plan.options.raw['pipeline.scale-out.session-timeout'];
  const ctx: SplitContext = {
    job,
    names,
    next,
    sessionTimeoutMs: session !== undefined ? safeDuration(session) : 10_000,
    checkpointIntervalMs: plan.options.checkpointIntervalMs,
  };
  for (const q of plan.queries) {
    const stages: QueryPlan[] = [];
    const root = rewrite(q.root, q, ctx, stages, sources, sinks) as SinkNode;
    if (stages.length === 0) {
      queries.push(q);
      continue;
    }
    const count = stages.length + 1;
    for (const s of stages) queries.push({ ...s, stage: { query: q.name, index: s.stage!.index, count } });
    queries.push({ ...q, name: `${q.name}.s${count}`, root, stage: { query: q.name, index: count, count } });
  }
  return { ...plan, sources, sinks, queries };
}

interface SplitContext {
  readonly job: string;
  /** Relation names taken (user relations and the internal ones made so far). */
  readonly names: Set<string>;
  readonly next: { value: number };
  /** `pipeline.scale-out.session-timeout`. */
  readonly sessionTimeoutMs: number;
  /** `checkpoint.interval`: how long a stateful stage keeps each task's transaction open. */
  readonly checkpointIntervalMs: number;
}

/**
 * The `transaction.timeout.ms` of a repartition sink. A stateless stage commits every
 * micro-batch: a timeout no longer than the session timeout lets the broker abort a stalled
 * owner's open transaction soon after the group gives its tasks away. A stateful stage keeps
 * each task's transaction open for a whole checkpoint interval (its state commits with its rows),
 * so its timeout must exceed the interval: three intervals, as docs/scale-out.md advises.
 */
function repartitionTimeoutMs(upstream: PlanNode, ctx: SplitContext): number {
  return holdsState(upstream) ? Math.max(ctx.sessionTimeoutMs, 3 * ctx.checkpointIntervalMs) : ctx.sessionTimeoutMs;
}

function safeDuration(text: string): number {
  try {
    return parseDuration(text);
  } catch {
    return 10_000; // reported by the SET check
  }
}

function maxId(plan: JobPlan): number {
  let max = 0;
  const visit = (n: PlanNode): void => {
    if (n.id > max) max = n.id;
    childrenOf(n).forEach(visit);
  };
  for (const q of plan.queries) visit(q.root);
  return max;
}

/** The node with its inputs split where needed (bottom-up), cut below itself if its key needs it. */
function rewrite(
  node: PlanNode,
  q: QueryPlan,
  ctx: SplitContext,
  stages: QueryPlan[],
  sources: SourceDef[],
  sinks: SinkDef[],
): PlanNode {
  const n = withInputs(
    node,
    childrenOf(node).map((c) => rewrite(c, q, ctx, stages, sources, sinks)),
  );
  if (!KEYED.has(n.kind) || keyFollowsPartitioning(n)) return n;
  const cut = (input: PlanNode, keys: readonly BoundExpr[], side: string, needed: Set<string> | null = null) =>
    cutBelow(n, input, keys, side, needed, q, ctx, stages, sources, sinks);
  /** Key expressions computed upstream become references to their key columns. */
  const rekeyed = <T extends { readonly expr: BoundExpr }>(keys: readonly T[], now: readonly BoundExpr[]): T[] =>
    keys.map((k, i) => ({ ...k, expr: now[i]! }));
  switch (n.kind) {
    case 'Aggregate':
    case 'WindowAggregate': {
      // an aggregate's output holds none of its input's other fields: only what it reads travels
      const needed = new Set<string>();
      for (const k of n.keys) fieldNames(k.expr, needed);
      for (const a of n.aggs) {
        for (const e of a.args) fieldNames(e, needed);
        if (a.filter !== null) fieldNames(a.filter, needed);
      }
      if (n.kind === 'WindowAggregate') needed.add(n.timeField);
      const c = cut(
        n.input,
        n.keys.map((k) => k.expr),
        '',
        needed,
      );
      return { ...n, input: c.input, keys: rekeyed(n.keys, c.keys) };
    }
    case 'Rank':
    case 'OverAggregate': {
      const c = cut(
        n.input,
        n.partitionKeys.map((k) => k.expr),
        '',
      );
      return { ...n, input: c.input, partitionKeys: rekeyed(n.partitionKeys, c.keys) };
    }
    case 'IntervalJoin':
    case 'WindowJoin':
    case 'RegularJoin': {
      const l = cut(n.left, n.leftKeys, '-left');
      const r = cut(n.right, n.rightKeys, '-right');
      return { ...n, left: l.input, right: r.input, leftKeys: l.keys, rightKeys: r.keys };
    }
    default:
      return n;
  }
}

function withInputs(n: PlanNode, inputs: readonly PlanNode[]): PlanNode {
  switch (n.kind) {
    case 'Scan':
      return n;
    case 'Union':
      return inputs.every((c, i) => c === n.inputs[i]) ? n : { ...n, inputs };
    case 'IntervalJoin':
    case 'WindowJoin':
    case 'RegularJoin':
      return inputs[0] === n.left && inputs[1] === n.right ? n : { ...n, left: inputs[0]!, right: inputs[1]! };
    default:
      return inputs[0] === n.input ? n : ({ ...n, input: inputs[0]! } as PlanNode);
  }
}

/**
 * Makes `input` (the subtree below `op`) an upstream stage writing a repartition topic keyed by
 * `keys`, and returns the scan of that topic that replaces it, with the keys over the scan's
 * rows (a computed key is a column of the topic). An input that cannot be re-keyed (an updating
 * or bounded one) is returned as it is.
 */
function cutBelow(
  op: PlanNode,
  input: PlanNode,
  keys: readonly BoundExpr[],
  side: string,
  needed: ReadonlySet<string> | null,
  q: QueryPlan,
  ctx: SplitContext,
  stages: QueryPlan[],
  sources: SourceDef[],
  sinks: SinkDef[],
): { input: PlanNode; keys: readonly BoundExpr[] } {
  const unchanged = { input, keys };
  if (input.props.changelog !== 'append' || input.props.bounded) return unchanged;
  const brokers = firstKafka(input);
  if (brokers === null) return unchanged;
  // the key columns: fields as they are, expressions computed into extra columns by the stage
  const keyFields: string[] = [];
  const extra: NamedExpr[] = [];
  const taken = new Set(input.schema.map((f) => f.name));
  const scanKeys: BoundExpr[] = [];
  for (const k of keys) {
    if (k.kind === 'FieldRef') {
      if (!keyFields.includes(k.name)) keyFields.push(k.name);
      scanKeys.push(k);
      continue;
    }
    let name = `key_${extra.length}`;
    for (let i = 0; taken.has(name); i++) name = `key_${extra.length}_${i}`;
    taken.add(name);
    extra.push({ name, expr: k });
    keyFields.push(name);
    scanKeys.push({ kind: 'FieldRef', name, type: k.type, nullable: k.nullable });
  }
  const kept = needed === null ? input.schema : input.schema.filter((f) => needed.has(f.name));
  const upstream: PlanNode =
    extra.length === 0 && kept.length === input.schema.length ? input : stageColumns(input, kept, extra, ctx);
  const operator = `${q.name}-${kebab(op.kind)}-${op.id}${side}`;
  const repartition: RepartitionConfig = { operator, key: keyFields };
  const topic = repartitionTopic(ctx.job, operator);
  const relation = freshName(ctx.names, `repartition_${op.id}${side.replace('-', '_')}`);
  const options: Record<string, string> = {
    connector: 'kafka',
    topic,
    format: 'json',
    'key.format': 'json',
    ...(keyFields.length > 0 ? { 'key.fields': keyFields.join(';') } : {}),
    'properties.bootstrap.servers': brokers.bootstrapServers.join(','),
    ...Object.fromEntries(Object.entries(brokers.properties).map(([k, v]) => [`properties.${k}`, v])),
    'scan.startup.mode': 'earliest-offset',
    'sink.delivery-guarantee': 'exactly-once',
    'sink.transactional-id-prefix': 'sqc-repartition',
    'sink.partitioner': keyFields.length > 0 ? 'default' : 'fixed',
    'properties.transaction.timeout.ms': String(repartitionTimeoutMs(upstream, ctx)),
  };
  const use = { relationName: relation, primaryKey: [] as string[] };
  const sinkConfig = connectorConfig('kafka', options, { ...use, reads: false, writes: true });
  const sourceConfig = connectorConfig('kafka', options, { ...use, reads: true, writes: false });
  const schema = upstream.schema;
  const eventTime = upstream.props.eventTime;
  const sink: SinkDef = {
    name: relation,
    relation: 'SINK',
    connector: 'kafka',
    format: 'json',
    options,
    config: { ...(sinkConfig as KafkaConfig), repartition } as ConnectorConfig,
    schema: schema.map((f) => ({ ...f, time: null })),
    keyFields,
    metadata: [],
    deliveryGuarantee: 'exactly-once',
    partitionBy: [],
    span: op.span,
  };
  const source: SourceDef = {
    name: relation,
    relation: 'STREAM',
    connector: 'kafka',
    format: 'json',
    source: sourceOptions('kafka', options),
    config: { ...(sourceConfig as KafkaConfig), repartition } as ConnectorConfig,
    physical: schema,
    metadata: [],
    computed: [],
    schema,
    // the rows' event time; the watermark itself comes from the upstream tasks' watermark records
    watermark:
      eventTime !== null && upstream.props.watermarked
        ? { field: eventTime, expr: fieldRef(schema, eventTime), delayMs: 0 }
        : null,
    primaryKey: [],
    bounded: false,
    span: op.span,
  };
  sinks.push(sink);
  sources.push(source);
  const index = stages.length + 1;
  const sinkNode: SinkNode = {
    kind: 'Sink',
    id: ctx.next.value++,
    input: upstream,
    sink,
    emit: 'final',
    upsertKey: null,
    schema,
    props: { ...upstream.props, state: { kind: 'none' } },
    span: op.span,
  };
  stages.push({
    name: `${q.name}.s${index}`,
    root: sinkNode,
    span: q.span,
    stage: { query: q.name, index, count: 0 },
  });
  const scan: ScanNode = {
    kind: 'Scan',
    id: ctx.next.value++,
    source,
    schema,
    props: props({ bounded: false, eventTime, watermarked: upstream.props.watermarked }),
    span: op.span,
  };
  return { input: scan, keys: scanKeys };
}

/** The input's fields the downstream stage reads, plus the computed key columns. */
function stageColumns(
  input: PlanNode,
  kept: readonly PlanField[],
  extra: readonly NamedExpr[],
  ctx: SplitContext,
): ProjectNode {
  const exprs: NamedExpr[] = [...kept.map((f) => ({ name: f.name, expr: fieldRef(input.schema, f.name) })), ...extra];
  const schema: PlanField[] = [
    ...kept,
    ...extra.map((e) => ({ name: e.name, type: e.expr.type, nullable: e.expr.nullable, time: null })),
  ];
  const eventTime = input.props.eventTime;
  const timeKept = eventTime !== null && kept.some((f) => f.name === eventTime);
  return {
    kind: 'Project',
    id: ctx.next.value++,
    input,
    exprs,
    schema,
    props: timeKept ? input.props : { ...input.props, eventTime: null },
    span: input.span,
  };
}

function fieldRef(schema: readonly PlanField[], name: string): BoundExpr {
  const f = schema.find((x) => x.name === name)!;
  return { kind: 'FieldRef', name, type: f.type, nullable: f.nullable };
}

/** The Kafka cluster the subtree reads (its first Kafka scan's): the repartition topic goes there. */
function firstKafka(n: PlanNode): KafkaConfig | null {
  if (n.kind === 'Scan')
    return n.source.connector === 'kafka' || n.source.connector === 'upsert-kafka'
      ? (n.source.config as KafkaConfig)
      : null;
  for (const c of childrenOf(n)) {
    const k = firstKafka(c);
    if (k !== null) return k;
  }
  return null;
}

function freshName(taken: Set<string>, base: string): string {
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

/** `WindowAggregate` → `window-aggregate`. */
function kebab(kind: string): string {
  return kind.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
}
