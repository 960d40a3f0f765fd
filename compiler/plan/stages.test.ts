import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.ts';
import { explain } from '../explain/explain.ts';
import type { KafkaConfig } from '../../runtime/connectors/kafka/options.ts';
import type { JobPlan, PlanNode, ScanNode } from './plan.ts';
import { keyFollowsPartitioning, partitioningOf } from './partitioning.ts';
import { childrenOf } from './util.ts';
import { validatePlan } from './validate.ts';

const KAFKA = `'connector' = 'kafka', 'properties.bootstrap.servers' = 'broker-1:9092', 'format' = 'json'`;
/** clicks keyed by user_id (its record key), views keyed by nothing known, orders keyed by user_id. */
const TABLES = `
CREATE STREAM clicks (user_id STRING, page STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)
  WITH (${KAFKA}, 'topic' = 'clicks', 'key.fields' = 'user_id');
CREATE STREAM views (user_id STRING, page STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)
  WITH (${KAFKA}, 'topic' = 'views');
CREATE STREAM orders (user_id STRING, amount INT, ots TIMESTAMP(3), WATERMARK FOR ots AS ots - INTERVAL '2' SECOND)
  WITH (${KAFKA}, 'topic' = 'orders', 'key.fields' = 'user_id');
CREATE SINK out WITH (${KAFKA}, 'topic' = 'out');
`;

function planOf(query: string, scaleOut = true): JobPlan {
  const src = `SET 'pipeline.name' = 'app';\n${scaleOut ? "SET 'pipeline.scale-out' = 'true';\n" : ''}${TABLES}${query}`;
  const { plan, diagnostics } = analyze(src, 'job.sq');
  expect(diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
  expect(validatePlan(plan!)).toEqual([]);
  return plan!;
}

function errors(query: string): string[] {
  const src = `SET 'pipeline.scale-out' = 'true';\n${TABLES}${query}`;
  return analyze(src, 'job.sq')
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => `${d.code} ${d.span.line}:${d.span.col} ${d.message}`);
}

function nodes(n: PlanNode): PlanNode[] {
  return [n, ...childrenOf(n).flatMap(nodes)];
}

function scans(plan: JobPlan, query: number): ScanNode[] {
  return nodes(plan.queries[query]!.root).filter((n): n is ScanNode => n.kind === 'Scan');
}

/** What each stage query reads and writes: `name: topics read -> topic written [key]`. */
function stages(plan: JobPlan): string[] {
  return plan.queries.map((q) => {
    const read = scans(plan, plan.queries.indexOf(q)).map((s) => (s.source.config as KafkaConfig).topics.join(';'));
    const sink = q.root.sink.config as KafkaConfig;
    const key = sink.repartition ? ` [${sink.repartition.key.join(', ')}]` : '';
    return `${q.name}: ${read.join(' + ')} -> ${sink.topics[0]}${key}`;
  });
}

const WINDOW_BY_PAGE = `INSERT INTO out SELECT window_start, page, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, page;`;

describe('stages: where a scaled-out plan is split', () => {
  it('leaves a job that is not scaled out unchanged (one process, the default)', () => {
    const plan = planOf(WINDOW_BY_PAGE, false);
    expect(plan.queries.map((q) => q.name)).toEqual(['insert_into_out']);
    expect(plan.queries[0]!.stage).toBeUndefined();
    expect(plan.sources.map((s) => s.name)).toEqual(['clicks']);
  });

  it('re-keys a window aggregate whose key is not the message key through a repartition topic', () => {
    const plan = planOf(WINDOW_BY_PAGE);
    expect(stages(plan)).toEqual([
      'insert_into_out.s1: clicks -> app-insert_into_out-window-aggregate-2-repartition [page]',
      'insert_into_out.s2: app-insert_into_out-window-aggregate-2-repartition -> out',
    ]);
    expect(plan.queries.map((q) => q.stage)).toEqual([
      { query: 'insert_into_out', index: 1, count: 2 },
      { query: 'insert_into_out', index: 2, count: 2 },
    ]);
    // only the columns the aggregate reads travel; the event time stays a time attribute
    const upstream = plan.queries[0]!.root;
    expect(upstream.schema.map((f) => `${f.name}${f.time ? ` ${f.time}` : ''}`)).toEqual(['page', 'ts event']);
    expect(upstream.sink.deliveryGuarantee).toBe('exactly-once');
    expect((upstream.sink.config as KafkaConfig).partitioner).toBe('default');
    expect((upstream.sink.config as KafkaConfig).bootstrapServers).toEqual(['broker-1:9092']);
    const [scan] = scans(plan, 1);
    expect(scan!.source.watermark?.field).toBe('ts');
    expect(scan!.props.eventTime).toBe('ts');
    expect(partitioningOf(scan!)).toEqual(['page']);
    // after the split the aggregate's key follows its input's partitioning
    const agg = nodes(plan.queries[1]!.root).find((n) => n.kind === 'WindowAggregate')!;
    expect(keyFollowsPartitioning(agg)).toBe(true);
  });

  it('does not split an aggregate keyed by the message key (it already runs per task)', () => {
    const plan = planOf(`INSERT INTO out SELECT window_start, user_id, page, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, user_id, page;`);
    expect(stages(plan)).toEqual(['insert_into_out: clicks -> out']);
  });

  it('keys by a computed column when the group key is an expression, and a global aggregate by nothing', () => {
    const plan = planOf(`INSERT INTO out SELECT UPPER(page) AS p, COUNT(*) AS n FROM clicks GROUP BY UPPER(page);`);
    expect(stages(plan)[0]).toMatch(/-repartition \[key_0\]$/);
    expect(plan.queries[0]!.root.schema.map((f) => f.name)).toEqual(['page', 'key_0']);
    const global = planOf(`INSERT INTO out SELECT window_start, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end;`);
    const sink = global.queries[0]!.root.sink.config as KafkaConfig;
    expect(sink.repartition?.key).toEqual([]);
    expect(sink.partitioner).toBe('fixed');
  });

  it('re-keys both sides of a join that is not co-partitioned; a co-partitioned one stays whole', () => {
    const split = planOf(`INSERT INTO out SELECT v.page, o.amount FROM views v JOIN orders o
ON v.user_id = o.user_id AND o.ots BETWEEN v.ts AND v.ts + INTERVAL '1' MINUTE;`);
    expect(stages(split)).toEqual([
      'insert_into_out.s1: views -> app-insert_into_out-interval-join-2-left-repartition [user_id]',
      'insert_into_out.s2: orders -> app-insert_into_out-interval-join-2-right-repartition [user_id]',
      'insert_into_out.s3: app-insert_into_out-interval-join-2-left-repartition + app-insert_into_out-interval-join-2-right-repartition -> out',
    ]);
    const whole = planOf(`INSERT INTO out SELECT c.page, o.amount FROM clicks c JOIN orders o
ON c.user_id = o.user_id AND o.ots BETWEEN c.ts AND c.ts + INTERVAL '1' MINUTE;`);
    expect(stages(whole)).toEqual(['insert_into_out: clicks + orders -> out']);
  });

  it('splits twice when a re-keyed aggregate feeds a join keyed by something else', () => {
    const plan = planOf(`INSERT INTO out SELECT a.page, a.n, v.user_id FROM
  (SELECT window_start, window_end, window_time, page, COUNT(*) AS n
     FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, window_time, page) a
  JOIN views v ON a.page = v.page AND v.ts BETWEEN a.window_time AND a.window_time + INTERVAL '1' MINUTE;`);
    expect(plan.queries.map((q) => q.name)).toEqual([
      'insert_into_out.s1',
      'insert_into_out.s2',
      'insert_into_out.s3',
      'insert_into_out.s4',
    ]);
    // s1 re-keys clicks by page for the aggregate (s2); the join is not co-partitioned (views has
    // no known key), so both of its sides go through topics of their own (s2's output, s3)
    expect(stages(plan).at(-1)).toMatch(/-left-repartition \+ .*-right-repartition -> out$/);
  });

  it('refuses what cannot be re-keyed at the operator: an updating input', () => {
    expect(
      errors(
        `INSERT INTO out SELECT n, COUNT(*) AS users FROM (SELECT user_id, COUNT(*) AS n FROM clicks GROUP BY user_id) GROUP BY n;`,
      ),
    ).toEqual([
      expect.stringMatching(
        /^SQ0506 \d+:\d+ an aggregate is keyed differently from how its input is partitioned, and its input is an updating stream/,
      ),
    ]);
  });
});

describe('sqc check of a scaled-out job: one Kafka cluster', () => {
  it('reports a source or exactly-once sink on another cluster at its declaration', () => {
    const other = `'connector' = 'kafka', 'properties.bootstrap.servers' = 'broker-2:9092', 'format' = 'json'`;
    const e = errors(`CREATE STREAM far (user_id STRING, ts TIMESTAMP(3)) WITH (${other}, 'topic' = 'far');
CREATE SINK far_out WITH (${other}, 'topic' = 'far-out', 'sink.delivery-guarantee' = 'exactly-once');
CREATE SINK far_alo WITH (${other}, 'topic' = 'far-alo');
INSERT INTO out SELECT user_id, page FROM clicks;
INSERT INTO far_alo SELECT user_id FROM clicks;
INSERT INTO far_out SELECT user_id FROM far;`);
    expect(e).toEqual([
      expect.stringMatching(
        /^SQ0506 11:13 exactly-once sink "far_out" is on the Kafka cluster broker-2:9092, source "clicks" on broker-1:9092: .* must be on one cluster$/,
      ),
      expect.stringMatching(/^SQ0506 15:\d+ source "far" is on the Kafka cluster broker-2:9092/),
    ]);
  });
});

describe('stages in sqc explain', () => {
  it('shows each stage, its tasks and the repartition topic it writes or reads', () => {
    const text = explain(planOf(WINDOW_BY_PAGE), { schemas: false });
    expect(text).toContain(
      `scale-out: consumer group "sqc-app"; 1 repartition topic, created with the job's task count ('pipeline.scale-out.repartition-partitions')`,
    );
    expect(text).toContain('query insert_into_out.s1 (line 11): stage 1 of 2 of insert_into_out, emit final');
    expect(text).toContain(
      'stage 1: writes repartition topic app-insert_into_out-window-aggregate-2-repartition keyed by (page); per task one transaction per micro-batch with its rows, positions and watermark records (timeout 10 s)',
    );
    expect(text).toContain(
      `stage 2: tasks = partitions of repartition topic app-insert_into_out-window-aggregate-2-repartition; positions of "repartition_2" in group "sqc-app.insert_into_out.s2.repartition_2"`,
    );
    expect(text).toContain("watermark: ts, the minimum over the upstream tasks' watermark records");
  });
});
