/**
 * What a scaled-out job (`SET 'pipeline.scale-out' = 'true'`, docs/scale-out.md) cannot do,
 * reported by `sqc check` (SQ0506) at the operator or source concerned, on the plan already split
 * into stages (stages.ts): a keyed operator whose key still does not follow its input's
 * partitioning could not be re-keyed (an updating input, ORDER BY … LIMIT); every query must read
 * unbounded Kafka sources (lookup tables are read whole by every process); positions live in
 * Kafka, so `checkpoint.dir` is not used. Keyed operators that follow the partitioning keep their
 * state per task in changelog topics (runtime/connectors/kafka/task-state.ts). The runtime refuses
 * the same at start for options changed at run time (`--set`).
 */
import type { Span } from '../../grammar/ast.ts';
import { error, type Diagnostic } from '../../grammar/diagnostic.ts';
import type { JobOptions } from '../../runtime/contract.ts';
import type { PlanNode, QueryPlan } from './plan.ts';
import { keyFollowsPartitioning } from './partitioning.ts';
import { childrenOf } from './util.ts';

/** The operators that hold state, as the messages name them. */
const STATEFUL: Partial<Record<PlanNode['kind'], string>> = {
  WindowAggregate: 'a window aggregate',
  Aggregate: 'an aggregate',
  IntervalJoin: 'an interval join',
  WindowJoin: 'a window join',
  RegularJoin: 'a join',
  Normalize: 'a changelog normalization',
  Sort: 'ORDER BY / LIMIT',
  Rank: 'a Top-N',
  OverAggregate: 'an OVER aggregate',
};

/** Whether the plan below and including `n` holds operator state (in a scaled-out job: per task). */
export function holdsState(n: PlanNode): boolean {
  return STATEFUL[n.kind] !== undefined || childrenOf(n).some(holdsState);
}

const HINT =
  "help: run the job in one process ('pipeline.scale-out' = 'false'); docs/scale-out.md says what scale-out supports today";

export function checkScaleOut(options: JobOptions, queries: readonly QueryPlan[], diags: Diagnostic[]): void {
  if (options.raw['pipeline.scale-out'] !== 'true') return;
  if (options.checkpointDir !== null && queries.length > 0)
    diags.push(
      error(
        'SQ0506',
        `'pipeline.scale-out' and 'checkpoint.dir' cannot be used together yet: a scaled-out job keeps its positions in Kafka, and a local checkpoint would resume partitions another process has advanced`,
        queries[0]!.span,
        "help: remove SET 'checkpoint.dir' (exactly-once Kafka sinks commit per task without it)",
      ),
    );
  if (options.triggerMode === 'available-now' && queries.length > 0)
    diags.push(
      error(
        'SQ0506',
        `'pipeline.scale-out' needs continuous reading: 'trigger.mode' = 'available-now' would end when one process has read its own partitions`,
        queries[0]!.span,
        HINT,
      ),
    );
  for (const q of queries) {
    const visit = (n: PlanNode): void => {
      const what = STATEFUL[n.kind];
      // a keyed operator that follows its input's partitioning keeps its state per task (changelog topics)
      if (what !== undefined && !keyFollowsPartitioning(n))
        diags.push(error('SQ0506', `${what} ${notRekeyable(n)}`, n.span, HINT));
      if (
        n.kind === 'Scan' &&
        ((n.source.connector !== 'kafka' && n.source.connector !== 'upsert-kafka') || n.source.bounded)
      )
        diags.push(
          error(
            'SQ0506',
            `source "${n.source.name}" (connector '${n.source.connector}'${n.source.bounded ? ', bounded' : ''}) cannot be shared by the processes of a scaled-out job: they share unbounded Kafka sources by partition`,
            n.span,
            HINT,
          ),
        );
      for (const c of childrenOf(n)) visit(c);
    };
    visit(q.root);
    checkTransactionTimeout(options, q, diags);
  }
  checkOneCluster(queries, diags);
}

/** Kafka's and kafkajs's `transaction.timeout.ms` when a query's sink does not set one. */
const DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * A scaled-out stateful query keeps each task's Kafka transaction open from one checkpoint to
 * the next (runtime/connectors/kafka/task-state.ts): the timeout of its exactly-once sink's
 * transactions (Kafka's default when it has none) must exceed `checkpoint.interval`, or the
 * broker aborts every transaction. Repartition sinks get a fitting one from stages.ts.
 */
function checkTransactionTimeout(options: JobOptions, q: QueryPlan, diags: Diagnostic[]): void {
  if (!holdsState(q.root.input)) return;
  const sink = q.root.sink;
  const eos =
    sink.deliveryGuarantee === 'exactly-once' && (sink.connector === 'kafka' || sink.connector === 'upsert-kafka');
  const timeoutMs = eos
    ? ((sink.config as { transactionTimeoutMs?: number }).transactionTimeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS)
    : DEFAULT_TRANSACTION_TIMEOUT_MS;
  if (timeoutMs > options.checkpointIntervalMs) return;
  const interval = `'checkpoint.interval' (${options.checkpointIntervalMs} ms)`;
  diags.push(
    eos
      ? error(
          'SQ0506',
          `the transactions of exactly-once sink "${sink.name}" time out after ${timeoutMs} ms ('properties.transaction.timeout.ms'), not later than ${interval}: a scaled-out stateful query keeps each task's transaction open from one checkpoint to the next, so the broker would abort every one`,
          sink.span,
          `help: set 'properties.transaction.timeout.ms' on sink "${sink.name}" well above 'checkpoint.interval' (e.g. '${3 * options.checkpointIntervalMs}'), or shorten 'checkpoint.interval'`,
        )
      : error(
          'SQ0506',
          `${interval} is not shorter than the ${timeoutMs} ms Kafka transactions of a scaled-out stateful query: each task's state is written in a transaction open from one checkpoint to the next, so the broker would abort every one`,
          q.span,
          "help: shorten 'checkpoint.interval' below 60 s",
        ),
  );
}

/**
 * The processes of a scaled-out job share one consumer group, and an exactly-once sink commits
 * its query's input positions in its own transactions: the Kafka sources and exactly-once Kafka
 * sinks of the job must all be on one cluster (lookup tables may be anywhere).
 */
function checkOneCluster(queries: readonly QueryPlan[], diags: Diagnostic[]): void {
  let first: { servers: string; what: string } | null = null;
  const reported = new Set<string>();
  const see = (config: unknown, what: string, span: Span): void => {
    const servers = ((config as { bootstrapServers?: readonly string[] }).bootstrapServers ?? []).join(',');
    if (first === null) {
      first = { servers, what };
      return;
    }
    if (servers === first.servers || reported.has(what)) return;
    reported.add(what);
    diags.push(
      error(
        'SQ0506',
        `${what} is on the Kafka cluster ${servers}, ${first.what} on ${first.servers}: the processes of a scaled-out job share one consumer group, and exactly-once sinks commit the input positions in their transactions, so the job's sources and exactly-once sinks must be on one cluster`,
        span,
        "help: give every Kafka source and exactly-once Kafka sink of the job the same 'properties.bootstrap.servers', make the other sinks at-least-once, or run the job in one process ('pipeline.scale-out' = 'false')",
      ),
    );
  };
  const kafka = (c: string): boolean => c === 'kafka' || c === 'upsert-kafka';
  for (const q of queries) {
    const visit = (n: PlanNode): void => {
      if (n.kind === 'Scan' && kafka(n.source.connector)) see(n.source.config, `source "${n.source.name}"`, n.span);
      for (const c of childrenOf(n)) visit(c);
    };
    visit(q.root);
    // (a repartition topic is on the cluster of the stage's first source: not the user's choice)
    const sink = q.root.sink;
    const internal = (sink.config as { repartition?: unknown }).repartition !== undefined;
    if (kafka(sink.connector) && sink.deliveryGuarantee === 'exactly-once' && !internal)
      see(sink.config, `exactly-once sink "${sink.name}"`, sink.span);
  }
}

/** Why a keyed operator could not get its input re-keyed (stages.ts leaves these in place). */
function notRekeyable(n: PlanNode): string {
  if (n.kind === 'Sort')
    return 'orders the whole stream, which a scaled-out job cannot do: its rows are spread over the tasks';
  const inputs = childrenOf(n);
  if (inputs.some((i) => i.props.changelog !== 'append'))
    return 'is keyed differently from how its input is partitioned, and its input is an updating stream, which a repartition topic cannot carry (it holds inserted rows only)';
  return 'is keyed differently from how its input is partitioned, and its input cannot be re-keyed (it does not read Kafka)';
}
