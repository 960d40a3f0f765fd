import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.ts';
import type { IntervalJoinNode, JobPlan, PlanNode, WindowAggregateNode } from './plan.ts';
import { childrenOf } from './util.ts';
import { validatePlan } from './validate.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function ok(source: string): JobPlan {
  const { plan, diagnostics } = analyze(source, 'test.sq');
  const errors = diagnostics.filter((d) => d.severity === 'error');
  expect(errors.map((d) => `${d.code} ${d.span.line}:${d.span.col} ${d.message}`)).toEqual([]);
  expect(plan).not.toBeNull();
  expect(validatePlan(plan!)).toEqual([]);
  return plan!;
}

function example(name: string): string {
  return readFileSync(join(ROOT, 'examples', `${name}.sq`), 'utf8');
}

function nodes(n: PlanNode): PlanNode[] {
  return [n, ...childrenOf(n).flatMap(nodes)];
}

function find<K extends PlanNode['kind']>(plan: JobPlan, query: number, kind: K): Extract<PlanNode, { kind: K }>[] {
  return nodes(plan.queries[query]!.root).filter((n): n is Extract<PlanNode, { kind: K }> => n.kind === kind);
}

/** A node without ids and spans, for comparing plans of different spellings. */
function shape(n: unknown): unknown {
  return JSON.parse(JSON.stringify(n, (k, v) => (k === 'id' || k === 'span' ? undefined : v)));
}

const ORDERS = `
CREATE STREAM orders (order_id STRING NOT NULL, user_id STRING, product_id STRING, amount DOUBLE,
  quantity INT, status STRING, order_time TIMESTAMP(3),
  WATERMARK FOR order_time AS order_time - INTERVAL '1' MINUTE)
WITH ('connector' = 'kafka', 'topic' = 'orders', 'properties.bootstrap.servers' = 'localhost:9092', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'print');
`;

describe('the examples', () => {
  for (const name of [
    'ad_attribution',
    'behavior_stats',
    'clickstream',
    'orders',
    'sales_batch',
    'sessions',
    'word_count',
  ]) {
    it(`${name}.sq compiles without errors`, () => {
      ok(example(name));
    });
  }

  it('ad_attribution: a left interval join [0, 5 min] then a lookup join', () => {
    const plan = ok(example('ad_attribution'));
    const [ij] = find(plan, 0, 'IntervalJoin') as IntervalJoinNode[];
    expect(ij).toMatchObject({
      joinType: 'left',
      lowerMs: 0,
      lowerInclusive: true,
      upperMs: 300_000,
      upperInclusive: true,
    });
    expect(ij!.leftTime).toBe('create_date');
    expect(ij!.rightTime).toBe('create_date');
    expect(ij!.leftKeys).toMatchObject([{ kind: 'FieldRef', name: 'uuid' }]);
    expect(ij!.rightKeys).toMatchObject([{ kind: 'FieldRef', name: 'uuid' }]);
    expect(ij!.residual).toBeNull();
    expect(ij!.schema.map((f) => f.name)).toEqual(['uuid', 'ad_id', 'create_date', 'uuid0', 'create_date0']);
    const [lj] = find(plan, 0, 'LookupJoin');
    expect(lj).toMatchObject({ joinType: 'left' });
    expect(lj!.table.name).toBe('campaigns');
    expect(plan.queries[0]!.root.sink.schema.map((f) => f.name)).toEqual([
      'impr_uuid',
      'ad_id',
      'campaign',
      'impr_date',
      'click_date',
      'clicked',
    ]);
  });

  it('behavior_stats: non-windowed COUNT over Kafka without watermark is accepted with a warning', () => {
    const { plan, diagnostics } = analyze(example('behavior_stats'), 'b.sq');
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(diagnostics.map((d) => d.code)).toContain('SQ0901');
    const root = plan!.queries[0]!.root;
    expect(root.emit).toBe('changes');
    expect(root.upsertKey).toEqual(['category', 'behavior']);
    expect(root.sink.keyFields).toEqual(['category', 'behavior']);
    const [agg] = find(plan!, 0, 'Aggregate');
    expect(agg!.props.state.kind).toBe('unbounded');
  });

  it('orders: three spellings, EMIT CHANGES on windowed aggregates accepted', () => {
    const plan = ok(example('orders'));
    expect(plan.queries.map((q) => q.name)).toEqual([
      'insert_into_revenue_aggregates',
      'insert_into_user_stats',
      'insert_into_anomalies',
    ]);
    expect(plan.queries.map((q) => q.root.emit)).toEqual(['changes', 'changes', 'final']);
    const w0 = find(plan, 0, 'WindowAggregate')[0]!;
    expect(w0.window).toEqual({ kind: 'tumble', sizeMs: 5000 });
    expect(w0.aggs.map((a) => [a.name, a.kind, a.type.kind])).toEqual([
      ['order_count', 'count_star', 'BIGINT'],
      ['total_revenue', 'sum', 'DOUBLE'],
      ['avg_order_value', 'avg', 'DOUBLE'],
      ['total_quantity', 'sum', 'BIGINT'],
    ]);
    expect(plan.queries[0]!.root.upsertKey).toEqual(['window_start', 'window_end', 'product_id']);
    const w1 = find(plan, 1, 'WindowAggregate')[0]!;
    expect(w1.window).toEqual({ kind: 'tumble', sizeMs: 60_000 });
    expect(w1.aggs.map((a) => a.kind)).toContain('collect_list');
    const w2 = find(plan, 2, 'WindowAggregate')[0]!;
    expect(w2.window).toEqual({ kind: 'hop', sizeMs: 300_000, slideMs: 60_000 });
    expect(find(plan, 2, 'Filter').length).toBe(1); // HAVING
    expect(plan.sinks.find((s) => s.name === 'revenue_aggregates')!.deliveryGuarantee).toBe('exactly-once');
    expect(plan.options.checkpointDir).toBe('./chk/orders');
  });

  it('word_count: UNNEST under a sliding Spark window', () => {
    const plan = ok(example('word_count'));
    const [w] = find(plan, 0, 'WindowAggregate');
    expect(w!.window).toEqual({ kind: 'hop', sizeMs: 600_000, slideMs: 300_000 });
    expect(w!.timeField).toBe('timestamp');
    expect(find(plan, 0, 'Unnest')[0]!.elementFields).toEqual(['word']);
    expect(plan.queries[0]!.root.emit).toBe('changes');
    expect(plan.sources[0]!.bounded).toBe(true);
  });

  it('sales_batch: a non-windowed aggregate over a file is FINAL by default', () => {
    const plan = ok(example('sales_batch'));
    const [agg] = find(plan, 0, 'Aggregate');
    expect(agg!.emit).toBe('final');
    expect(plan.queries[0]!.root.upsertKey).toBeNull();
    expect(agg!.aggs.find((a) => a.name === 'total_quantity')!.type.kind).toBe('BIGINT');
  });

  it('sessions: session windows keyed by the PARTITION BY column', () => {
    const plan = ok(example('sessions'));
    const [w] = find(plan, 0, 'WindowAggregate');
    expect(w!.window).toEqual({ kind: 'session', gapMs: 1_800_000 });
    expect(w!.keys.map((k) => k.name)).toEqual(['user_id']);
    expect(plan.queries[0]!.root.emit).toBe('final');
  });

  it('clickstream: the debug query upserts by window_start and page', () => {
    const plan = ok(example('clickstream'));
    expect(plan.queries[1]!.root.upsertKey).toEqual(['window_start', 'page']);
    expect(find(plan, 0, 'WindowAggregate')[0]!.aggs.map((a) => [a.kind, a.distinct])).toEqual([
      ['count_star', false],
      ['count', true],
    ]);
  });
});

describe('windows', () => {
  it('the three window spellings give the same WindowAggregate', () => {
    const plan = ok(`${ORDERS}
      CREATE SINK a WITH ('connector' = 'print');
      CREATE SINK b WITH ('connector' = 'print');
      CREATE SINK c WITH ('connector' = 'print');
      INSERT INTO a SELECT window_start, window_end, product_id, COUNT(*) AS n, SUM(amount) AS total
        FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(order_time), INTERVAL '10' MINUTE))
        GROUP BY window_start, window_end, product_id;
      INSERT INTO b SELECT TUMBLE_START(order_time, INTERVAL '10' MINUTE) AS window_start,
          TUMBLE_END(order_time, INTERVAL '10' MINUTE) AS window_end, product_id, COUNT(*) AS n, SUM(amount) AS total
        FROM orders GROUP BY TUMBLE(order_time, INTERVAL '10' MINUTE), product_id;
      INSERT INTO c SELECT window.start AS window_start, window.end AS window_end, product_id, COUNT(*) AS n, SUM(amount) AS total
        FROM orders GROUP BY window(order_time, '10 minutes'), product_id;`);
    const [a, b, c] = [0, 1, 2].map((i) => find(plan, i, 'WindowAggregate')[0] as WindowAggregateNode);
    expect(shape(a)).toEqual(shape(b));
    expect(shape(a)).toEqual(shape(c));
    expect(shape(plan.queries[0]!.root.input)).toEqual(shape(plan.queries[2]!.root.input));
  });

  it('hop and sliding windows agree; a hop whose slide equals its size is a tumble', () => {
    const plan = ok(`${ORDERS}
      INSERT INTO out SELECT window.start AS ws, COUNT(*) AS n FROM orders GROUP BY window(order_time, '10 minutes', '5 minutes');
      INSERT INTO out SELECT HOP_START(order_time, INTERVAL '5' MINUTE, INTERVAL '10' MINUTE) AS ws, COUNT(*) AS n
        FROM orders GROUP BY HOP(order_time, INTERVAL '5' MINUTE, INTERVAL '10' MINUTE);
      INSERT INTO out SELECT window_start AS ws, COUNT(*) AS n
        FROM TABLE(HOP(TABLE orders, DESCRIPTOR(order_time), INTERVAL '1' MINUTE, INTERVAL '1' MINUTE))
        GROUP BY window_start, window_end;`);
    expect(find(plan, 0, 'WindowAggregate')[0]!.window).toEqual({ kind: 'hop', sizeMs: 600_000, slideMs: 300_000 });
    expect(shape(find(plan, 0, 'WindowAggregate')[0])).toEqual(shape(find(plan, 1, 'WindowAggregate')[0]));
    expect(find(plan, 2, 'WindowAggregate')[0]!.window).toEqual({ kind: 'tumble', sizeMs: 60_000 });
  });

  it('a windowed aggregate result carries window_time as event time into a further window', () => {
    const plan = ok(`${ORDERS}
      CREATE VIEW per_minute AS SELECT window_start, window_end, window_time, user_id, COUNT(*) AS n
        FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(order_time), INTERVAL '1' MINUTE))
        GROUP BY window_start, window_end, window_time, user_id;
      INSERT INTO out SELECT window_start, window_end, MAX(n) AS m
        FROM TABLE(TUMBLE(TABLE (SELECT user_id, n, window_time AS rowtime FROM per_minute), DESCRIPTOR(rowtime), INTERVAL '1' HOUR))
        GROUP BY window_start, window_end;`);
    const ws = find(plan, 0, 'WindowAggregate');
    expect(ws.map((w) => w.window)).toEqual([
      { kind: 'tumble', sizeMs: 3_600_000 },
      { kind: 'tumble', sizeMs: 60_000 },
    ]);
    expect(ws[1]!.emit).toBe('final');
    expect(ws[0]!.timeField).toBe('rowtime');
  });
});

describe('joins', () => {
  const STREAMS = `
    CREATE STREAM i (uuid STRING, ad STRING, t TIMESTAMP(3), WATERMARK FOR t AS t - INTERVAL '5' SECOND)
      WITH ('connector' = 'kafka', 'topic' = 'i', 'properties.bootstrap.servers' = 'k:9092', 'format' = 'json');
    CREATE STREAM c (uuid STRING, t TIMESTAMP(3), WATERMARK FOR t AS t - INTERVAL '5' SECOND)
      WITH ('connector' = 'kafka', 'topic' = 'c', 'properties.bootstrap.servers' = 'k:9092', 'format' = 'json');
    CREATE TABLE u (uuid STRING, name STRING) WITH ('connector' = 'file', 'path' = 'u.csv', 'format' = 'csv');
    CREATE SINK out WITH ('connector' = 'print');`;

  it('time bounds written with >= and < in WHERE give an interval join', () => {
    const plan = ok(`${STREAMS}
      INSERT INTO out SELECT i.uuid, c.t FROM i, c
      WHERE i.uuid = c.uuid AND c.t >= i.t - INTERVAL '1' MINUTE AND c.t < i.t + INTERVAL '10' MINUTE AND i.ad <> 'x';`);
    const [j] = find(plan, 0, 'IntervalJoin');
    expect(j).toMatchObject({
      joinType: 'inner',
      lowerMs: -60_000,
      lowerInclusive: true,
      upperMs: 600_000,
      upperInclusive: false,
    });
    expect(find(plan, 0, 'Filter').length).toBe(1);
  });

  it("a window aggregate's window_end bounds an interval join, written in WHERE (NEXMark q7)", () => {
    const q7 = (bound: string) =>
      ok(`${STREAMS}
      INSERT INTO out SELECT i.uuid, m.ends FROM i
      JOIN (SELECT MAX(ad) AS top, window_end AS ends
            FROM TABLE(TUMBLE(TABLE i, DESCRIPTOR(t), INTERVAL '10' SECOND)) GROUP BY window_start, window_end) m
      ON i.ad = m.top
      WHERE ${bound};`);
    const [j] = find(q7(`i.t BETWEEN m.ends - INTERVAL '10' SECOND AND m.ends`), 0, 'IntervalJoin');
    expect(j).toMatchObject({ leftTime: 't', rightTime: 'ends', lowerMs: 0, upperMs: 10_000, residual: null });
    expect(j!.props.state.kind).toBe('bounded');
    // window_time itself (kept or not) is not needed; a bound from one side only is no interval
    expect(find(q7(`i.t >= m.ends - INTERVAL '10' SECOND`), 0, 'IntervalJoin')).toEqual([]);
    expect(find(q7(`i.t >= m.ends - INTERVAL '10' SECOND`), 0, 'RegularJoin').length).toBe(1);
  });

  it('a bound on the left time is normalised to right - left', () => {
    const plan = ok(`${STREAMS}
      INSERT INTO out SELECT i.uuid, c.t FROM i JOIN c ON i.uuid = c.uuid AND i.t BETWEEN c.t - INTERVAL '1' HOUR AND c.t;`);
    expect(find(plan, 0, 'IntervalJoin')[0]).toMatchObject({ lowerMs: 0, upperMs: 3_600_000 });
  });

  it('a table on the left is swapped into a lookup join, columns restored', () => {
    const plan = ok(`${STREAMS}
      INSERT INTO out SELECT u.name, i.uuid FROM u JOIN i ON u.uuid = i.uuid;`);
    const [lj] = find(plan, 0, 'LookupJoin');
    expect(lj!.input.kind).toBe('Scan');
    expect(lj!.table.name).toBe('u');
    expect(lj!.leftKeys).toMatchObject([{ name: 'uuid' }]);
  });

  it('two window TVFs joined on their bounds give a window join', () => {
    const plan = ok(`${STREAMS}
      INSERT INTO out SELECT l.window_start, l.uuid, r.t
      FROM (SELECT * FROM TABLE(TUMBLE(TABLE i, DESCRIPTOR(t), INTERVAL '1' MINUTE))) l
      JOIN (SELECT * FROM TABLE(TUMBLE(TABLE c, DESCRIPTOR(t), INTERVAL '1' MINUTE))) r
        ON l.uuid = r.uuid AND l.window_start = r.window_start AND l.window_end = r.window_end;`);
    const [wj] = find(plan, 0, 'WindowJoin');
    expect(wj).toMatchObject({
      leftStart: 'window_start',
      leftEnd: 'window_end',
      rightStart: 'window_start',
      rightEnd: 'window_end',
    });
    expect(wj!.leftKeys).toMatchObject([{ name: 'uuid' }]);
    expect(find(plan, 0, 'WindowAssign').length).toBe(2);
  });

  it("grouping a window aggregate's renamed bounds is a window aggregate over the same windows; joined back, a window join (NEXMark q5)", () => {
    const plan = ok(`${STREAMS}
      CREATE VIEW counts AS SELECT uuid, COUNT(*) AS n, window_start AS s, window_end AS e
        FROM TABLE(HOP(TABLE i, DESCRIPTOR(t), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
        GROUP BY uuid, window_start, window_end;
      INSERT INTO out SELECT c.uuid, c.n FROM counts c
      JOIN (SELECT MAX(n) AS m, s, e FROM counts GROUP BY s, e) x ON c.s = x.s AND c.e = x.e AND c.n >= x.m;`);
    const [wj] = find(plan, 0, 'WindowJoin');
    expect(wj).toMatchObject({ leftStart: 's', leftEnd: 'e', rightStart: 's', rightEnd: 'e' });
    expect(plan.queries[0]!.root.props.bounded).toBe(false);
    const ws = find(plan, 0, 'WindowAggregate');
    expect(ws.map((w) => w.window)).toEqual([
      { kind: 'hop', sizeMs: 10_000, slideMs: 2_000 },
      { kind: 'tumble', sizeMs: 2_000 },
      { kind: 'hop', sizeMs: 10_000, slideMs: 2_000 },
    ]);
    expect(ws[1]!.keys.map((k) => k.name)).toEqual(['s', 'e']);
    expect(find(plan, 0, 'Aggregate')).toEqual([]);
  });

  it("grouping only one window bound, or a session window's bounds, stays a plain aggregate", () => {
    const plan = ok(`${STREAMS}
      CREATE VIEW counts AS SELECT uuid, COUNT(*) AS n, window_start AS s, window_end AS e
        FROM TABLE(TUMBLE(TABLE i, DESCRIPTOR(t), INTERVAL '10' SECOND)) GROUP BY uuid, window_start, window_end;
      CREATE VIEW sessions AS SELECT uuid, COUNT(*) AS n, window_start AS s, window_end AS e
        FROM TABLE(SESSION(TABLE i PARTITION BY uuid, DESCRIPTOR(t), INTERVAL '10' SECOND)) GROUP BY uuid, window_start, window_end;
      INSERT INTO out SELECT s, MAX(n) AS m FROM counts GROUP BY s;
      INSERT INTO out SELECT s, MAX(n) AS m FROM sessions GROUP BY s, e;`);
    expect(find(plan, 0, 'Aggregate').length).toBe(1);
    expect(find(plan, 1, 'Aggregate').length).toBe(1);
  });

  it('a view filtering a table is still a lookup table; its filter joins the condition', () => {
    const plan = ok(`${STREAMS}
      CREATE VIEW named AS SELECT * FROM u WHERE name IS NOT NULL;
      INSERT INTO out SELECT i.uuid, n.name FROM i LEFT JOIN named n ON i.uuid = n.uuid;`);
    const [lj] = find(plan, 0, 'LookupJoin');
    expect(lj).toMatchObject({ joinType: 'left', residual: { op: 'IS NOT NULL', args: [{ name: 'name' }] } });
  });

  it('pushes WHERE conjuncts into the nested join they belong to', () => {
    const plan = ok(`${STREAMS}
      INSERT INTO out SELECT i.uuid, u.name FROM u JOIN (SELECT * FROM i) i ON u.uuid = i.uuid, c
      WHERE i.uuid = c.uuid AND c.t BETWEEN i.t AND i.t + INTERVAL '1' MINUTE;`);
    expect(find(plan, 0, 'IntervalJoin')[0]).toMatchObject({ lowerMs: 0, upperMs: 60_000 });
    expect(find(plan, 0, 'LookupJoin').length).toBe(1);
  });

  it('a stream-stream join without a time bound is a regular join with a warning', () => {
    const { plan, diagnostics } = analyze(
      `${STREAMS} INSERT INTO out SELECT i.uuid, c.t AS ct FROM i JOIN c ON i.uuid = c.uuid;`,
      't.sq',
    );
    expect(diagnostics.map((d) => `${d.severity} ${d.code}`)).toEqual(['warning SQ0901']);
    expect(find(plan!, 0, 'RegularJoin').length).toBe(1);
  });

  it('an outer stream-stream join without a time bound is an error', () => {
    const { plan, diagnostics } = analyze(
      `${STREAMS} INSERT INTO out SELECT i.uuid, c.t AS ct FROM i LEFT JOIN c ON i.uuid = c.uuid;`,
      't.sq',
    );
    expect(plan).toBeNull();
    expect(diagnostics.map((d) => d.code)).toEqual(['SQ0801']);
  });
});

describe('emit modes and job options', () => {
  it('defaults the job options', () => {
    const plan = ok(`${ORDERS} INSERT INTO out SELECT order_id FROM orders;`);
    expect(plan.options).toMatchObject({
      checkpointIntervalMs: 10_000,
      triggerIntervalMs: 0,
      triggerMode: 'continuous',
      checkpointDir: null,
    });
    expect(plan.queries[0]!.root.emit).toBe('final');
  });

  it('names the rule when EMIT FINAL cannot be honoured', () => {
    const { diagnostics } = analyze(
      `${ORDERS} INSERT INTO out SELECT user_id, COUNT(*) AS n FROM orders GROUP BY user_id EMIT FINAL;`,
      't.sq',
    );
    const d = diagnostics.find((x) => x.code === 'SQ0701')!;
    expect(d.message).toBe(
      'EMIT FINAL needs a watermarked window or bounded input: non-windowed aggregate over stream "orders" can still change',
    );
  });

  it('allows ORDER BY / LIMIT on EMIT COMPLETE only', () => {
    ok(
      `${ORDERS} INSERT INTO out SELECT user_id, COUNT(*) AS n FROM orders GROUP BY user_id ORDER BY n DESC LIMIT 3 EMIT COMPLETE;`,
    );
    const { diagnostics } = analyze(
      `${ORDERS} INSERT INTO out SELECT user_id, COUNT(*) AS n FROM orders GROUP BY user_id ORDER BY n DESC LIMIT 3;`,
      't.sq',
    );
    expect(diagnostics.map((d) => d.code)).toContain('SQ0702');
  });

  it('numbers nodes in pre-order, uniquely across queries', () => {
    const plan = ok(
      `${ORDERS} INSERT INTO out SELECT order_id FROM orders WHERE amount > 1; INSERT INTO out SELECT order_id FROM orders;`,
    );
    const ids = plan.queries.flatMap((q) => nodes(q.root).map((n) => n.id));
    expect(ids).toEqual([...ids.keys()]);
  });
});

describe('golden valid cases', () => {
  const dir = join(ROOT, 'test', 'cases', 'valid');
  const names = existsSync(dir) ? readdirSync(dir).filter((n) => existsSync(join(dir, n, 'query.sq'))) : [];
  for (const name of names) {
    it(`${name}: no errors, structurally valid plan`, () => {
      ok(readFileSync(join(dir, name, 'query.sq'), 'utf8'));
    });
  }
});
