/**
 * How the rows of a scaled-out job are spread over its tasks (docs/scale-out.md): task p reads
 * partition p of its sources, so a node's rows are *partitioned by* the fields whose values
 * decided their Kafka partition — a Kafka source's record key (`key.fields`, upsert-kafka's
 * PRIMARY KEY; producers are expected to use the default murmur2 partitioner), a repartition
 * topic's key (stages.ts) — carried up through the operators that keep those fields.
 *
 * A keyed stateful operator (GROUP BY, window aggregate, join, Top-N, OVER) can run per task only
 * when its key *follows* its input's partitioning: rows with equal keys are then in one task.
 * `keyFollowsPartitioning` says whether it does; where it does not, stages.ts splits the plan
 * and re-keys the rows through a repartition topic.
 */
import type { KafkaConfig } from '../../runtime/connectors/kafka/options.ts';
import type { BoundExpr, PlanNode, QueryPlan } from './plan.ts';
import { childrenOf } from './util.ts';

/**
 * The fields of `node`'s output that its rows are partitioned by: null when not known (a source
 * without a record key, a union, ...), empty when every row is in one partition (a keyless
 * repartition topic: everything in partition 0).
 */
export function partitioningOf(node: PlanNode): readonly string[] | null {
  switch (node.kind) {
    case 'Scan': {
      const c = node.source.config as KafkaConfig;
      if (node.source.connector !== 'kafka' && node.source.connector !== 'upsert-kafka') return null;
      // a repartition topic: by its key, all in partition 0 when keyless
      if (c.repartition !== undefined) return c.repartition.key;
      // a user topic keyed by nothing is not partitioned by anything we know
      return c.keyFields !== null && c.keyFields.length > 0 ? c.keyFields : null;
    }
    case 'Filter':
    case 'WindowAssign':
    case 'Unnest':
    case 'LookupJoin':
    case 'Normalize':
    case 'Sink':
      return partitioningOf(node.input);
    case 'Project': {
      const p = partitioningOf(node.input);
      if (p === null) return null;
      const out: string[] = [];
      for (const f of p) {
        const e = node.exprs.find((x) => x.expr.kind === 'FieldRef' && x.expr.name === f);
        if (e === undefined) return null;
        out.push(e.name);
      }
      return out;
    }
    case 'Aggregate':
    case 'WindowAggregate': {
      if (!keyFollowsPartitioning(node)) return null;
      // the group key's output names of the partitioning fields
      const p = partitioningOf(node.input)!;
      return p.map((f) => node.keys.find((k) => isField(k.expr, f))!.name);
    }
    case 'Rank':
    case 'OverAggregate':
      return keyFollowsPartitioning(node) ? partitioningOf(node.input) : null;
    case 'IntervalJoin':
    case 'WindowJoin':
    case 'RegularJoin':
      // the left fields keep their names in the output
      return keyFollowsPartitioning(node) ? partitioningOf(node.left) : null;
    case 'Union':
    case 'Sort':
      return null;
  }
}

/**
 * Whether a node's key follows its input's partitioning, so that it can keep its state per task:
 * an aggregate, Top-N or OVER whose key contains every partitioning field; a join whose two
 * sides are partitioned by the same pairs of join keys (co-partitioned: the sources must also
 * have the same partition count, checked at start). Nodes without a key (stateless ones) follow
 * trivially; ORDER BY … LIMIT over the whole input never does.
 */
export function keyFollowsPartitioning(node: PlanNode): boolean {
  switch (node.kind) {
    case 'Aggregate':
    case 'WindowAggregate':
      return covers(partitioningOf(node.input), node.keys);
    case 'Rank':
    case 'OverAggregate':
      return covers(partitioningOf(node.input), node.partitionKeys);
    case 'Normalize':
      return covers(
        partitioningOf(node.input),
        node.keys.map((k) => ({ expr: { kind: 'FieldRef', name: k } as BoundExpr })),
      );
    case 'IntervalJoin':
    case 'WindowJoin':
    case 'RegularJoin': {
      const l = partitioningOf(node.left);
      const r = partitioningOf(node.right);
      if (l === null || r === null || l.length !== r.length) return false;
      // keyless on both sides: each side is in partition 0 (a global join)
      return l.every((f, i) => node.leftKeys.some((k, j) => isField(k, f) && isField(node.rightKeys[j]!, r[i]!)));
    }
    case 'Sort':
      return false;
    default:
      return true;
  }
}

/** Every partitioning field is one of the key expressions (as a plain field reference). */
function covers(p: readonly string[] | null, keys: readonly { readonly expr: BoundExpr }[]): boolean {
  return p !== null && p.every((f) => keys.some((k) => isField(k.expr, f)));
}

function isField(e: BoundExpr, name: string): boolean {
  return e.kind === 'FieldRef' && e.name === name;
}

/**
 * Every keyed operator of the query follows its input's partitioning: a scaled-out job runs the
 * query as one instance per task, its state per task in changelog topics (codegen marks it).
 */
export function queryFollowsPartitioning(q: QueryPlan): boolean {
  const visit = (n: PlanNode): boolean => keyFollowsPartitioning(n) && childrenOf(n).every(visit);
  return visit(q.root);
}
