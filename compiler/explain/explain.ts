/**
 * `sqc explain`: the logical plan as an indented operator tree, one query at a time, with each
 * operator's output schema (types, nullability, time attributes), the state it keeps and the
 * emit mode. Deterministic text: it is also the golden `plan.txt` of valid test cases.
 */
import type { PlanGraphNode, WindowSpec } from '../../runtime/contract.ts';
import type {
  AggCall,
  BoundExpr,
  JobPlan,
  OverAggregateNode,
  PlanField,
  RankNode,
  PlanNode,
  QueryPlan,
  ScanNode,
  SinkDef,
  SourceDef,
  StreamProps,
} from '../plan/plan.ts';
import { typeToString } from '../types.ts';
import { children } from '../plan/walk.ts';
import { exprToSql } from './expr.ts';
import { formatDuration, formatWindow } from '../../runtime/windows/format.ts';
import { holdsState } from '../plan/scale-out.ts';

export interface ExplainOptions {
  /** Print each operator's output schema (default true). */
  readonly schemas?: boolean;
}

export function explain(plan: JobPlan, options: ExplainOptions = {}): string {
  const schemas = options.schemas ?? true;
  const out: string[] = [];
  const o = plan.options;
  out.push(`job ${plan.options.pipelineName ? `"${plan.options.pipelineName}" ` : ''}(${plan.file})`);
  out.push(
    `  trigger: ${o.triggerMode}${o.triggerIntervalMs ? `, every ${formatDuration(o.triggerIntervalMs)}` : ''}; ` +
      (o.checkpointDir
        ? `checkpoints: ${o.checkpointDir} every ${formatDuration(o.checkpointIntervalMs)}`
        : 'checkpoints: off'),
  );
  const group = o.raw['pipeline.scale-out'] === 'true' ? `sqc-${o.pipelineName ?? '<job>'}` : null;
  if (group !== null) {
    const topics = plan.sinks.filter((s) => repartitionOf(s) !== null).length;
    out.push(
      `  scale-out: consumer group "${group}"; ` +
        (topics === 0
          ? 'one stage per query (no repartition topics)'
          : `${topics} repartition topic${topics > 1 ? 's' : ''}, created with the job's task count ('pipeline.scale-out.repartition-partitions')`) +
        ", task p reads partition p of the stage's sources",
    );
  }
  for (const q of plan.queries) {
    out.push('');
    printQuery(q, out, schemas);
    if (group !== null) printTasks(q, group, out);
  }
  return out.join('\n') + '\n';
}

/** The repartition topic a source or sink stands for (compiler/plan/stages.ts), or null. */
function repartitionOf(r: SourceDef | SinkDef): { topic: string; key: readonly string[] } | null {
  const c = r.config as { repartition?: { key: readonly string[] }; topics?: readonly string[] };
  return c.repartition !== undefined ? { topic: c.topics?.[0] ?? '', key: c.repartition.key } : null;
}

/** Scaled out: the stage's input topics, where each source's positions are committed, and the topic it writes. */
function printTasks(q: QueryPlan, group: string, out: string[]): void {
  const scans: ScanNode[] = [];
  const visit = (n: PlanNode): void => {
    if (n.kind === 'Scan') scans.push(n);
    children(n).forEach(visit);
  };
  visit(q.root);
  const stage = `stage ${q.stage?.index ?? 1}`;
  for (const s of scans) {
    const topics = (s.source.config as { topics?: readonly string[] }).topics ?? [];
    const internal = repartitionOf(s.source) !== null;
    out.push(
      `  ${stage}: tasks = partitions of ${internal ? 'repartition topic' : topics.length > 0 ? 'topic' : 'source'} ${topics.length > 0 ? topics.join(', ') : s.source.name}` +
        `; positions of "${s.source.name}" in group "${group}.${q.name}.${s.source.name}"`,
    );
  }
  const written = repartitionOf(q.root.sink);
  if (written !== null)
    out.push(
      `  ${stage}: writes repartition topic ${written.topic} keyed by ${written.key.length > 0 ? `(${written.key.join(', ')})` : 'nothing (partition 0)'}; ` +
        (holdsState(q.root.input)
          ? `per task one transaction per checkpoint interval with its rows, state, positions and watermark records`
          : `per task one transaction per micro-batch with its rows, positions and watermark records`) +
        ` (timeout ${formatDuration((q.root.sink.config as { transactionTimeoutMs?: number }).transactionTimeoutMs ?? 60_000)})`,
    );
}

/**
 * A query's operator tree as `explain` prints it, without the query's name and line: what its
 * checkpoint descriptor hashes as the query's logic (filters, projections, expressions).
 */
export function explainTree(q: QueryPlan): string {
  const out: string[] = [];
  printNode(q.root, '', '', out, true);
  return out.join('\n') + '\n';
}

function printQuery(q: QueryPlan, out: string[], schemas: boolean): void {
  const root = q.root;
  out.push(
    `query ${q.name} (line ${q.span.line}): ` +
      (q.stage ? `stage ${q.stage.index} of ${q.stage.count} of ${q.stage.query}, ` : '') +
      `emit ${root.emit}` +
      (root.upsertKey ? `, upsert key (${root.upsertKey.join(', ')})` : '') +
      `, ${root.props.bounded ? 'bounded' : 'unbounded'}`,
  );
  printNode(root, '  ', '', out, schemas);
}

function printNode(node: PlanNode, indent: string, branch: string, out: string[], schemas: boolean): void {
  out.push(`${indent}${branch}${describe(node)}`);
  const childIndent = indent + (branch === '' ? '' : branch === '└─ ' ? '   ' : '│  ');
  const detailIndent = childIndent + (children(node).length > 0 ? '│  ' : '   ');
  for (const line of details(node)) out.push(`${detailIndent}${line}`);
  if (schemas) out.push(`${detailIndent}schema: ${schemaToString(node.schema)}`);
  const state = stateToString(node.props);
  if (state) out.push(`${detailIndent}${state}`);
  const kids = children(node);
  kids.forEach((child, i) => printNode(child, childIndent, i === kids.length - 1 ? '└─ ' : '├─ ', out, schemas));
}

function describe(node: PlanNode): string {
  switch (node.kind) {
    case 'Scan':
      return `Scan ${node.source.name} ${sourceSummary(node.source)}`;
    case 'Filter':
      return `Filter ${exprToSql(node.predicate)}`;
    case 'Project':
      return `Project ${node.exprs.map((e) => named(e.name, e.expr)).join(', ')}`;
    case 'Unnest':
      return `Unnest ${exprToSql(node.array)} AS (${[...node.elementFields, ...(node.ordinalityField ? [node.ordinalityField] : [])].join(', ')})`;
    case 'WindowAssign':
      return `WindowAssign ${formatWindow(node.window)} ON ${node.timeField}`;
    case 'WindowAggregate':
      return `WindowAggregate ${formatWindow(node.window)} ON ${node.timeField}, emit ${node.emit}`;
    case 'Aggregate':
      return `Aggregate, emit ${node.emit}`;
    case 'LookupJoin':
      return `LookupJoin ${node.joinType} with table ${node.table.name} ${sourceSummary(node.table)}`;
    case 'IntervalJoin':
      return (
        `IntervalJoin ${node.joinType}: ${node.lowerInclusive ? '[' : '('}${formatDuration(node.lowerMs)}, ` +
        `${formatDuration(node.upperMs)}${node.upperInclusive ? ']' : ')'} of ${node.rightTime} - ${node.leftTime}`
      );
    case 'WindowJoin':
      return `WindowJoin ${node.joinType} on (${node.leftStart}, ${node.leftEnd}) = (${node.rightStart}, ${node.rightEnd})`;
    case 'RegularJoin':
      return `RegularJoin ${node.joinType}`;
    case 'Normalize':
      return `Normalize (ChangelogNormalize) by ${node.keys.join(', ')}`;
    case 'Union':
      return `Union all (${node.inputs.length} inputs)`;
    case 'Sort':
      return (
        `Sort ${node.keys.map((k) => `${exprToSql(k.expr)} ${k.descending ? 'DESC' : 'ASC'}${k.nullsFirst ? ' NULLS FIRST' : ''}`).join(', ')}` +
        (node.limit !== null ? ` LIMIT ${node.limit}` : '')
      );
    case 'Rank':
      return `Rank ${node.fn}() <= ${node.limit}, ${RANK_MODES[node.mode]}`;
    case 'OverAggregate':
      return `OverAggregate ORDER BY ${node.orderField} ${node.frame.unit.toUpperCase()} BETWEEN ${
        node.frame.preceding === null
          ? 'UNBOUNDED'
          : node.frame.unit === 'rows'
            ? node.frame.preceding
            : `INTERVAL ${formatDuration(node.frame.preceding)}`
      } PRECEDING AND CURRENT ROW, ${OVER_MODES[node.mode]}`;
    case 'Sink': {
      const s = node.sink;
      return `Sink ${s.name} [${[s.connector, s.format, s.deliveryGuarantee, ...(s.keyFields.length ? [`key (${s.keyFields.join(', ')})`] : [])].filter(Boolean).join(', ')}]`;
    }
  }
}

function details(node: PlanNode): string[] {
  switch (node.kind) {
    case 'Scan': {
      const s = node.source;
      const lines: string[] = [];
      if (s.watermark && repartitionOf(s) !== null) {
        lines.push(`watermark: ${s.watermark.field}, the minimum over the upstream tasks' watermark records`);
      } else if (s.watermark) {
        lines.push(
          `watermark: ${s.watermark.field} by ${exprToSql(s.watermark.expr)}` +
            (s.watermark.delayMs !== null ? ` (delay ${formatDuration(s.watermark.delayMs)})` : ''),
        );
      }
      if (s.computed.length) lines.push(`computed: ${s.computed.map((c) => named(c.name, c.expr)).join(', ')}`);
      if (s.metadata.length) lines.push(`metadata: ${s.metadata.map((m) => `${m.name} FROM '${m.key}'`).join(', ')}`);
      if (s.source.lateSink) lines.push(`late rows -> ${s.source.lateSink}`);
      if (s.source.idleTimeoutMs !== null) lines.push(`idle after ${formatDuration(s.source.idleTimeoutMs)}`);
      return lines;
    }
    case 'WindowAggregate':
    case 'Aggregate':
      return [
        `keys: ${node.keys.length ? node.keys.map((k) => named(k.name, k.expr)).join(', ') : '(none)'}`,
        ...(node.aggs.length ? [`aggs: ${node.aggs.map(aggToString).join(', ')}`] : []),
      ];
    case 'Rank':
      return [
        `partition by: ${node.partitionKeys.length ? node.partitionKeys.map((k) => named(k.name, k.expr)).join(', ') : '(none)'}`,
        `order by: ${node.orderBy.map((k) => `${exprToSql(k.expr)} ${k.descending ? 'DESC' : 'ASC'}`).join(', ')}${node.newestFirst ? ' (ties: newest first)' : ''}`,
        `rank: ${node.rankField}${node.rankOutput ? '' : ' (not read)'}`,
        ...(node.mode === 'changes' ? [`updates keyed by ${RANK_OUTPUT[node.output]}`] : []),
      ];
    case 'OverAggregate':
      return [
        `partition by: ${node.partitionKeys.length ? node.partitionKeys.map((k) => named(k.name, k.expr)).join(', ') : '(none)'}`,
        `aggs: ${node.aggs.map(aggToString).join(', ')}`,
      ];
    case 'LookupJoin':
    case 'IntervalJoin':
    case 'WindowJoin':
    case 'RegularJoin': {
      const keys = node.leftKeys.map((l, i) => `${exprToSql(l)} = ${exprToSql(node.rightKeys[i]!)}`);
      return [
        `keys: ${keys.length ? keys.join(' AND ') : '(none)'}`,
        ...(node.residual ? [`residual: ${exprToSql(node.residual)}`] : []),
      ];
    }
    case 'Sink': {
      if (node.sink.connector !== 'file' || node.emit === 'final') return [];
      const key = node.upsertKey?.length ? ` per key (${node.upsertKey.join(', ')})` : '';
      const changelog = node.sink.format === 'changelog-json';
      return [
        node.emit === 'complete'
          ? 'file receives: the whole result, rewritten after every micro-batch'
          : changelog
            ? `file receives: every change with its kind in an op field (+I first result, +U update, -D retraction)${key}`
            : `file receives: every change as a plain row (first results and updates alike, no op field; retractions not written): the current result is the last row${key}; 'format' = 'changelog-json' says which rows are updates`,
      ];
    }
    default:
      return [];
  }
}

const RANK_MODES: Readonly<Record<RankNode['mode'], string>> = {
  changes: 'emit changes (rows entering and leaving the top N)',
  window: 'emit final per window (when the watermark passes its end)',
  first: 'emit first row per key (append-only)',
  final: 'emit final (at end of the bounded input)',
};

const RANK_OUTPUT: Readonly<Record<RankNode['output'], string>> = {
  position: 'partition and rank',
  partition: 'partition',
  row: 'the whole row',
};

const OVER_MODES: Readonly<Record<OverAggregateNode['mode'], string>> = {
  watermark: 'rows emitted as the watermark passes them',
  proc: 'rows emitted on arrival (processing time)',
  end: 'rows emitted in order at end of the bounded input',
  changes: 'emit changes (an updating input: results of the rows after a change updated)',
};

function sourceSummary(s: SourceDef): string {
  const o = s.source.options;
  const where = o['path'] ?? o['topic'] ?? o['topic-pattern'] ?? null;
  const parts = [s.connector, s.format, where, s.bounded ? 'bounded' : 'unbounded'].filter((p): p is string => !!p);
  return `[${parts.join(', ')}]`;
}

function aggToString(a: AggCall): string {
  const fn =
    a.kind === 'count_star'
      ? 'COUNT(*)'
      : `${a.kind.toUpperCase()}(${a.distinct ? 'DISTINCT ' : ''}${a.args.map(exprToSql).join(', ')})`;
  return `${a.name} := ${fn}${a.filter ? ` FILTER (WHERE ${exprToSql(a.filter)})` : ''}`;
}

function named(name: string, expr: BoundExpr): string {
  const sql = exprToSql(expr);
  return sql === name ? name : `${name} := ${sql}`;
}

function schemaToString(fields: readonly PlanField[]): string {
  return fields
    .map(
      (f) =>
        `${f.name} ${typeToString(f.type)}${f.nullable ? '' : ' NOT NULL'}` +
        (f.time === 'event' ? ' *ROWTIME*' : f.time === 'proc' ? ' *PROCTIME*' : ''),
    )
    .join(', ');
}

function stateToString(p: StreamProps): string {
  const flags = [
    p.watermarked ? (p.eventTime ? `watermark on ${p.eventTime}` : 'watermark (time column projected away)') : '',
    p.changelog === 'append' ? '' : p.changelog === 'upsert' ? 'updating' : 'updating, retracts (-U/-D)',
  ]
    .filter(Boolean)
    .join(', ');
  const state =
    p.state.kind === 'none' ? '' : `state: ${p.state.kind === 'bounded' ? 'bounded' : 'UNBOUNDED'} (${p.state.by})`;
  return [state, flags].filter(Boolean).join('; ');
}

/**
 * A query's operators as data (the same headlines and details as `explain`, without schemas),
 * upstream first: what the generated module embeds so a running job can draw its plan.
 */
export function planGraph(query: QueryPlan): PlanGraphNode[] {
  const nodes: PlanGraphNode[] = [];
  const seen = new Set<number>();
  const visit = (node: PlanNode): void => {
    if (seen.has(node.id)) return;
    seen.add(node.id);
    const kids = children(node);
    for (const child of kids) visit(child);
    const state = stateToString(node.props);
    nodes.push({
      id: node.id,
      label: describe(node),
      details: state ? [...details(node), state] : details(node),
      inputs: kids.map((k) => k.id),
      relation: node.kind === 'Scan' ? node.source.name : node.kind === 'Sink' ? node.sink.name : null,
    });
  };
  visit(query.root);
  return nodes;
}
