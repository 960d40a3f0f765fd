import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.ts';
import type { Diagnostic } from '../../grammar/diagnostic.ts';
import type { JobPlan, PlanNode } from '../plan/plan.ts';
import { childrenOf } from '../plan/util.ts';

const ORDERS = `
CREATE STREAM orders (order_id STRING NOT NULL, user_id STRING, product_id STRING, amount DOUBLE,
  quantity INT, status STRING, order_time TIMESTAMP(3),
  WATERMARK FOR order_time AS order_time - INTERVAL '1' MINUTE)
WITH ('connector' = 'kafka', 'topic' = 'orders', 'properties.bootstrap.servers' = 'localhost:9092', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'print');
`;

function check(body: string): Diagnostic[] {
  return analyze(ORDERS + body, 't.sq').diagnostics;
}

function summary(ds: Diagnostic[]): string[] {
  return ds.map((d) => `${d.code} ${d.message}${d.notes.length ? ` | ${d.notes.join(' | ')}` : ''}`);
}

function planOf(body: string): JobPlan {
  const r = analyze(ORDERS + body, 't.sq');
  expect(summary(r.diagnostics.filter((d) => d.severity === 'error'))).toEqual([]);
  return r.plan!;
}

function nodes(n: PlanNode): PlanNode[] {
  return [n, ...childrenOf(n).flatMap(nodes)];
}

describe('names', () => {
  it('reports an unknown column once, with did-you-mean, at the column', () => {
    const src =
      ORDERS + "INSERT INTO out SELECT ROUND(amout * 2, 1) AS r, UPPER(CONCAT(statuss, 'x')) AS s FROM orders;";
    const ds = analyze(src, 't.sq').diagnostics;
    expect(summary(ds)).toEqual([
      'SQ0102 unknown column "amout" | help: did you mean "amount"?',
      'SQ0102 unknown column "statuss" | help: did you mean "status"?',
    ]);
    expect(src.slice(ds[0]!.span.offset, ds[0]!.span.end)).toBe('amout');
  });

  it('suggests relations and functions', () => {
    expect(summary(check('INSERT INTO out SELECT order_id FROM ordrs;'))).toEqual([
      'SQ0101 unknown relation "ordrs" | help: did you mean "orders"?',
    ]);
    expect(summary(check('INSERT INTO out SELECT LOWR(status) AS s FROM orders;'))).toEqual([
      'SQ0103 unknown function "LOWR" | help: did you mean "LOWER"?',
    ]);
  });

  it('reports ambiguous columns with the qualifiers to use', () => {
    const ds =
      check(`CREATE TABLE users (user_id STRING, country STRING) WITH ('connector' = 'file', 'path' = 'u.csv', 'format' = 'csv');
      INSERT INTO out SELECT user_id FROM orders o JOIN users u ON o.user_id = u.user_id;`);
    expect(summary(ds)).toEqual([
      'SQ0104 column "user_id" is ambiguous: it exists in "o" and "u" | help: qualify it, e.g. o.user_id or u.user_id',
    ]);
  });

  it('says when a relation is declared after its use', () => {
    expect(
      summary(check(`INSERT INTO out SELECT order_id FROM late_view; CREATE VIEW late_view AS SELECT * FROM orders;`)),
    ).toEqual([
      'SQ0101 unknown relation "late_view" | help: "late_view" is declared later, on line 7; declare it before this statement',
    ]);
  });

  it('keeps checking other statements after an error', () => {
    const ds = check(`INSERT INTO out SELECT nope FROM orders;
      INSERT INTO out SELECT order_id FROM nowhere;
      INSERT INTO out SELECT CAST(order_time AS BOOLEAN) AS b FROM orders;`);
    expect(ds.map((d) => d.code)).toEqual(['SQ0102', 'SQ0101', 'SQ0203']);
  });
});

describe('types', () => {
  it('explains bad function arguments with the signature', () => {
    expect(summary(check('INSERT INTO out SELECT ROUND(status) AS r FROM orders;'))).toEqual([
      'SQ0202 function "ROUND" expects (DOUBLE [, INT]) but got (STRING)',
    ]);
  });

  it('types aggregates: SUM(INT) is BIGINT, AVG is DOUBLE, COUNT is BIGINT NOT NULL', () => {
    const plan = planOf(
      'INSERT INTO out SELECT user_id, SUM(quantity) AS q, AVG(quantity) AS a, COUNT(status) AS c FROM orders GROUP BY user_id;',
    );
    const schema = plan.queries[0]!.root.sink.schema;
    expect(schema.map((f) => [f.name, f.type.kind, f.nullable])).toEqual([
      ['user_id', 'STRING', true],
      ['q', 'BIGINT', true],
      ['a', 'DOUBLE', true],
      ['c', 'BIGINT', false],
    ]);
  });

  it('widens INT to DOUBLE and turns string literals compared with a TIMESTAMP into TIMESTAMP literals', () => {
    const plan = planOf(
      "INSERT INTO out SELECT amount + quantity AS x FROM orders WHERE order_time >= '2025-04-21 14:08:35';",
    );
    const filter = nodes(plan.queries[0]!.root).find((n) => n.kind === 'Filter')!;
    expect(filter.kind === 'Filter' && filter.predicate).toMatchObject({
      op: '>=',
      args: [
        { kind: 'FieldRef', name: 'order_time' },
        { kind: 'Literal', value: Date.UTC(2025, 3, 21, 14, 8, 35), type: { kind: 'TIMESTAMP' } },
      ],
    });
    const project = nodes(plan.queries[0]!.root).find((n) => n.kind === 'Project')!;
    expect(project.kind === 'Project' && project.exprs[0]!.expr).toMatchObject({
      op: '+',
      type: { kind: 'DOUBLE' },
      args: [
        { kind: 'FieldRef', name: 'amount' },
        { kind: 'Cast', type: { kind: 'DOUBLE' }, expr: { name: 'quantity' } },
      ],
    });
  });

  it('unifies NULL with the other CASE branches', () => {
    const plan = planOf('INSERT INTO out SELECT CASE WHEN amount > 1 THEN quantity ELSE NULL END AS q FROM orders;');
    expect(plan.queries[0]!.root.sink.schema[0]).toMatchObject({ name: 'q', type: { kind: 'INT' }, nullable: true });
  });
});

describe('aggregates', () => {
  it('rejects non-grouped columns, nested aggregates and aggregates in WHERE', () => {
    expect(
      check('INSERT INTO out SELECT user_id, status, COUNT(*) AS n FROM orders GROUP BY user_id;').map((d) => d.code),
    ).toContain('SQ0301');
    expect(check('INSERT INTO out SELECT SUM(COUNT(*)) AS n FROM orders;').map((d) => d.code)).toEqual(['SQ0302']);
    expect(
      check('INSERT INTO out SELECT user_id FROM orders WHERE COUNT(*) > 1 GROUP BY user_id;').map((d) => d.code),
    ).toEqual(['SQ0303']);
  });

  it('accepts expressions over group keys and GROUP BY aliases', () => {
    const plan = planOf(
      'INSERT INTO out SELECT UPPER(user_id) AS u, COUNT(*) + 1 AS n FROM orders GROUP BY UPPER(user_id);',
    );
    const agg = nodes(plan.queries[0]!.root).find((n) => n.kind === 'Aggregate')!;
    expect(agg.kind === 'Aggregate' && agg.keys.map((k) => k.name)).toEqual(['u']);
    planOf('INSERT INTO out SELECT LOWER(status) AS s, COUNT(*) AS n FROM orders GROUP BY s;');
  });

  it('lets HAVING use SELECT aliases', () => {
    planOf('INSERT INTO out SELECT user_id, SUM(amount) AS total FROM orders GROUP BY user_id HAVING total > 100;');
  });

  it('does not echo errors after a bad GROUP BY or window', () => {
    expect(
      check('INSERT INTO out SELECT product_id, COUNT(*) AS n FROM orders GROUP BY produt_id;').map((d) => d.code),
    ).toEqual(['SQ0102']);
    expect(
      check(
        "INSERT INTO out SELECT window.start AS s, COUNT(*) AS n FROM orders GROUP BY window(order_time, '1 minuet');",
      ).map((d) => d.code),
    ).toEqual(['SQ0204']);
  });

  it('matches TUMBLE_START arguments against the group window', () => {
    expect(
      check(
        "INSERT INTO out SELECT TUMBLE_END(order_time, INTERVAL '2' MINUTE) AS e, COUNT(*) AS n FROM orders GROUP BY TUMBLE(order_time, INTERVAL '1' MINUTE);",
      ).map((d) => d.code),
    ).toEqual(['SQ0304']);
  });

  it('requires an event-time attribute for windows', () => {
    const ds = check("INSERT INTO out SELECT COUNT(*) AS n FROM orders GROUP BY TUMBLE(status, INTERVAL '1' MINUTE);");
    expect(summary(ds)).toEqual([
      'SQ0602 column "status" is not an event-time attribute: it is of type STRING | help: "orders" has its event time in "order_time"; window on that column',
    ]);
  });
});

describe('sinks', () => {
  it('infers undeclared sink columns from the first INSERT and checks later ones', () => {
    const ds = check(`CREATE SINK s WITH ('connector' = 'print');
      INSERT INTO s SELECT order_id, amount FROM orders;
      INSERT INTO s SELECT order_id, quantity AS amount FROM orders;
      INSERT INTO s SELECT order_id, status AS amount FROM orders;`);
    expect(summary(ds)).toEqual([
      'SQ0401 column "amount": the query produces STRING but sink "s" declares DOUBLE | help: convert it: CAST(... AS DOUBLE) | note: the columns of "s" were inferred from the query on line 8',
    ]);
  });

  it('rejects reading a sink and writing a view', () => {
    expect(
      check(`CREATE SINK s WITH ('connector' = 'print'); INSERT INTO out SELECT * FROM s;`).map((d) => d.code),
    ).toEqual(['SQ0402']);
    expect(
      check(`CREATE VIEW v AS SELECT * FROM orders; INSERT INTO v SELECT * FROM orders;`).map((d) => d.code),
    ).toEqual(['SQ0402']);
  });

  it('declares a sink with CREATE ... AS SELECT', () => {
    const plan = planOf(
      `CREATE STREAM big WITH ('connector' = 'print') AS SELECT order_id, amount FROM orders WHERE amount > 100;`,
    );
    expect(plan.queries[0]!.name).toBe('insert_into_big');
    expect(plan.sinks.map((s) => s.name)).toEqual(['big']);
  });

  it('gives a late sink the source schema', () => {
    const plan = analyze(
      `CREATE STREAM e (id STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
        WITH ('connector' = 'file', 'path' = 'e.jsonl', 'late.sink' = 'late');
       CREATE SINK late WITH ('connector' = 'print');
       CREATE SINK out WITH ('connector' = 'print');
       INSERT INTO out SELECT id FROM e;`,
      't.sq',
    ).plan!;
    expect(plan.sinks.find((s) => s.name === 'late')!.schema.map((f) => f.name)).toEqual(['id', 'ts']);
    expect(plan.sources[0]!.source.lateSink).toBe('late');
  });
});
