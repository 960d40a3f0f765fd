/**
 * Hand-built plans that exercise every part of the code generator, shared by the behaviour
 * tests (query.test.ts) and the type-check test (typecheck.test.ts).
 */
import type { BoundExpr, JobPlan, NamedExpr, PlanNode } from '../plan/plan.ts';
import type { SqlType } from '../types.ts';
import {
  BIGINT,
  BOOLEAN,
  DOUBLE,
  INT,
  STRING,
  TIMESTAMP,
  agg,
  aggregate,
  arrayOf,
  call,
  field,
  filter,
  job,
  lit,
  named,
  project,
  query,
  ref,
  rowOf,
  scan,
  sink,
  sinkNode,
  source,
  unnest,
  watermark,
  windowAggregate,
} from './testing.ts';

const MINUTE = 60_000;

function keep(input: PlanNode, names: readonly string[]): NamedExpr[] {
  return names.map((n) => {
    const f = input.schema.find((x) => x.name === n)!;
    return { name: n, expr: ref(n, f.type, f.nullable) };
  });
}

function as(name: string, expr: BoundExpr): NamedExpr {
  return { name, expr };
}

/** SELECT order_id, amount * 1.2 AS gross, UPPER(status) AS status FROM orders WHERE amount > 50 */
export function statelessPlan(): JobPlan {
  const orders = source('orders', [
    field('order_id', STRING, false),
    field('amount', DOUBLE),
    field('status', STRING),
    field('ts', TIMESTAMP),
  ]);
  const out = sink('big_orders', [field('order_id', STRING, false), field('gross', DOUBLE), field('status', STRING)]);
  const s = scan(orders);
  const f = filter(s, call('>', [ref('amount', DOUBLE), lit(50, DOUBLE)], BOOLEAN));
  const p = project(f, [
    as('order_id', ref('order_id', STRING, false)),
    as('gross', call('*', [ref('amount', DOUBLE), lit(1.2, DOUBLE)], DOUBLE)),
    as('status', call('UPPER', [ref('status', STRING)], STRING)),
  ]);
  return job('stateless.sq', [orders], [out], [query('insert_into_big_orders', sinkNode(p, out, 'final'), 3)]);
}

/** Word counts: UNNEST(SPLIT(line, ' ')), a hopping window, EMIT CHANGES. */
export function wordCountPlan(): JobPlan {
  const lines = source('lines', [field('line', STRING), field('timestamp', TIMESTAMP)], {
    watermark: watermark('timestamp', 10 * MINUTE),
  });
  const out = sink('word_counts', [
    field('window_start', TIMESTAMP, false),
    field('window_end', TIMESTAMP, false),
    field('word', STRING),
    field('cnt', BIGINT, false),
  ]);
  const u = unnest(scan(lines), call('SPLIT', [ref('line', STRING), lit(' ')], arrayOf(STRING)), 'word');
  const words = project(u, [as('word', ref('word', STRING)), as('timestamp', ref('timestamp', TIMESTAMP))]);
  const w = windowAggregate(
    words,
    { kind: 'hop', sizeMs: 10 * MINUTE, slideMs: 5 * MINUTE },
    'timestamp',
    [named('word', STRING)],
    [agg('cnt', 'count_star', [], BIGINT)],
    'changes',
  );
  const p = project(w, keep(w, ['window_start', 'window_end', 'word', 'cnt']));
  return job(
    'word_count.sq',
    [lines],
    [out],
    [query('insert_into_word_counts', sinkNode(p, out, 'changes', ['window_start', 'window_end', 'word']), 12)],
  );
}

const STATS_AGGS = () => {
  const x = ref('x', INT);
  const s = ref('s', STRING);
  const b = ref('b', BOOLEAN);
  return [
    agg('n', 'count_star', [], BIGINT),
    agg('nx', 'count', [x], BIGINT),
    agg('sx', 'sum', [x], BIGINT),
    agg('ax', 'avg', [cast(x, DOUBLE)], DOUBLE),
    agg('mn', 'min', [x], INT),
    agg('mx', 'max', [s], STRING),
    agg('dx', 'count', [x], BIGINT, { distinct: true }),
    agg('big', 'sum', [x], BIGINT, { filter: call('>', [x, lit(5)], BOOLEAN) }),
    agg('first', 'first_value', [s], STRING),
    agg('last', 'last_value', [s], STRING),
    agg('sd', 'stddev_pop', [cast(x, DOUBLE)], DOUBLE),
    agg('vs', 'var_samp', [cast(x, DOUBLE)], DOUBLE),
    agg('every', 'bool_and', [b], BOOLEAN),
    agg('some', 'bool_or', [b], BOOLEAN),
    agg('list', 'collect_list', [s], arrayOf(STRING, false), { nullable: false }),
    agg('approx', 'approx_count_distinct', [s], BIGINT),
    agg('sdx', 'sum', [x], BIGINT, { distinct: true }),
  ];
};

function cast(e: BoundExpr, type: SqlType): BoundExpr {
  return { kind: 'Cast', expr: e, type, try: false, nullable: e.nullable };
}

export const STATS_COLUMNS = [
  'k1',
  'k2',
  'n',
  'nx',
  'sx',
  'ax',
  'mn',
  'mx',
  'dx',
  'big',
  'first',
  'last',
  'sd',
  'vs',
  'every',
  'some',
  'list',
  'approx',
  'sdx',
];

/** GROUP BY k1, k2 with every aggregate kind (FINAL on a bounded input: one row per group at the end). */
export function statsPlan(emit: 'final' | 'changes' = 'final'): JobPlan {
  const t = source('t', [
    field('k1', STRING),
    field('k2', INT),
    field('x', INT),
    field('s', STRING),
    field('b', BOOLEAN),
  ]);
  const g = aggregate(scan(t), [named('k1', STRING), named('k2', INT)], STATS_AGGS(), emit);
  const out = sink(
    'stats',
    g.schema.map((f) => field(f.name, f.type, f.nullable)),
  );
  return job(
    'stats.sq',
    [t],
    [out],
    [query('insert_into_stats', sinkNode(g, out, emit, emit === 'changes' ? ['k1', 'k2'] : null), 5)],
  );
}

/** Sessions per user with COLLECT_LIST and TIMESTAMPDIFF(SECOND, MIN(ts), MAX(ts)). */
export function sessionPlan(): JobPlan {
  const ev = source('user_events', [field('user_id', STRING), field('event_type', STRING), field('ts', TIMESTAMP)], {
    watermark: watermark('ts', MINUTE),
  });
  const out = sink('sessions', [
    field('user_id', STRING),
    field('session_start', TIMESTAMP, false),
    field('session_end', TIMESTAMP, false),
    field('page_views', BIGINT, false),
    field('total_time_s', BIGINT),
    field('events', arrayOf(STRING, false), false),
  ]);
  const w = windowAggregate(
    scan(ev),
    { kind: 'session', gapMs: 30 * MINUTE },
    'ts',
    [named('user_id', STRING)],
    [
      agg('page_views', 'count_star', [], BIGINT),
      agg('first_ts', 'min', [ref('ts', TIMESTAMP)], TIMESTAMP),
      agg('last_ts', 'max', [ref('ts', TIMESTAMP)], TIMESTAMP),
      agg('events', 'collect_list', [ref('event_type', STRING)], arrayOf(STRING, false), { nullable: false }),
    ],
  );
  const p = project(w, [
    as('user_id', ref('user_id', STRING)),
    as('session_start', ref('window_start', TIMESTAMP, false)),
    as('session_end', ref('window_end', TIMESTAMP, false)),
    as('page_views', ref('page_views', BIGINT, false)),
    as(
      'total_time_s',
      call('TIMESTAMPDIFF', [lit('SECOND'), ref('first_ts', TIMESTAMP), ref('last_ts', TIMESTAMP)], BIGINT),
    ),
    as('events', ref('events', arrayOf(STRING, false), false)),
  ]);
  return job('sessions.sq', [ev], [out], [query('insert_into_sessions', sinkNode(p, out, 'final'), 8)]);
}

/** Tumbling counts with HAVING COUNT(*) > 1 (a filter between the aggregate and the sink). */
export function havingPlan(): JobPlan {
  const clicks = source('clicks', [field('page', STRING), field('ts', TIMESTAMP)], { watermark: watermark('ts', 0) });
  const out = sink('busy_pages', [
    field('page', STRING),
    field('window_start', TIMESTAMP, false),
    field('views', BIGINT, false),
  ]);
  const w = windowAggregate(
    scan(clicks),
    { kind: 'tumble', sizeMs: MINUTE },
    'ts',
    [named('page', STRING)],
    [agg('views', 'count_star', [], BIGINT)],
  );
  const f = filter(w, call('>', [ref('views', BIGINT, false), lit(1, BIGINT)], BOOLEAN));
  const p = project(f, keep(f, ['page', 'window_start', 'views']));
  return job('having.sq', [clicks], [out], [query('insert_into_busy_pages', sinkNode(p, out, 'final'), 4)]);
}

/** A tumbling window TVF whose rows are not aggregated: every row gets its window. */
export function windowAssignPlan(): JobPlan {
  const clicks = source('clicks', [field('page', STRING), field('ts', TIMESTAMP)], { watermark: watermark('ts', 0) });
  const out = sink('windowed', [
    field('page', STRING),
    field('window_start', TIMESTAMP, false),
    field('window_end', TIMESTAMP, false),
  ]);
  const s = scan(clicks);
  const assign: PlanNode = {
    kind: 'WindowAssign',
    id: 90,
    schema: [
      ...s.schema,
      field('window_start', TIMESTAMP, false),
      field('window_end', TIMESTAMP, false),
      field('window_time', TIMESTAMP, false, 'event'),
    ],
    props: s.props,
    span: s.span,
    input: s,
    window: { kind: 'hop', sizeMs: 2 * MINUTE, slideMs: MINUTE },
    timeField: 'ts',
    startField: 'window_start',
    endField: 'window_end',
    timeOutField: 'window_time',
  };
  const p = project(assign, keep(assign, ['page', 'window_start', 'window_end']));
  return job('assign.sq', [clicks], [out], [query('insert_into_windowed', sinkNode(p, out, 'final'), 4)]);
}

/** Top pages of a bounded input: GROUP BY page, ORDER BY cnt DESC, page LIMIT 2. */
export function topPlan(): JobPlan {
  const clicks = source('clicks', [field('page', STRING), field('ts', TIMESTAMP)]);
  const out = sink('top_pages', [field('page', STRING), field('cnt', BIGINT, false)]);
  const g = aggregate(scan(clicks), [named('page', STRING)], [agg('cnt', 'count_star', [], BIGINT)], 'final');
  const sorted: PlanNode = {
    kind: 'Sort',
    id: 91,
    schema: g.schema,
    props: g.props,
    span: g.span,
    input: g,
    keys: [
      { expr: ref('cnt', BIGINT, false), descending: true, nullsFirst: false },
      { expr: ref('page', STRING), descending: false, nullsFirst: true },
    ],
    limit: 2,
  };
  return job('top.sq', [clicks], [out], [query('insert_into_top_pages', sinkNode(sorted, out, 'final'), 4)]);
}

/** UNION ALL of two sources with different column names, filtered, into one sink. */
export function unionPlan(): JobPlan {
  const a = source('a', [field('name', STRING), field('v', INT)]);
  const b = source('b', [field('label', STRING), field('value', INT)]);
  const out = sink('both', [field('name', STRING), field('v', INT)]);
  const sa = scan(a);
  const sb = scan(b);
  const u: PlanNode = { kind: 'Union', id: 92, schema: sa.schema, props: sa.props, span: sa.span, inputs: [sa, sb] };
  const f = filter(u, call('>=', [ref('v', INT), lit(2)], BOOLEAN));
  return job('union.sq', [a, b], [out], [query('insert_into_both', sinkNode(f, out, 'final'), 3)]);
}

/** Every column type the decoders handle, computed and metadata columns, and a CSV variant. */
export function typesPlan(format: 'json' | 'csv' = 'json', failOnMissing = false): JobPlan {
  const physical = [
    field('id', BIGINT, false),
    field('i', INT),
    field('d', DOUBLE),
    field('flag', BOOLEAN),
    field('ts', TIMESTAMP),
    field('day', { kind: 'DATE' }),
    field('name', STRING),
    ...(format === 'json'
      ? [
          field('tags', arrayOf(STRING)),
          field('point', rowOf({ x: INT, y: DOUBLE })),
          field('attrs', { kind: 'MAP', key: STRING, value: INT, valueNullable: true }),
        ]
      : []),
  ];
  const computed = [{ name: 'half', expr: call('/', [ref('d', DOUBLE), lit(2, DOUBLE)], DOUBLE) }];
  const options: Record<string, string> = { connector: 'file', path: `data/types.${format}`, format };
  if (failOnMissing) options['json.fail-on-missing-field'] = 'true';
  const all = [...physical, field('src', STRING), field('half', DOUBLE)];
  const t = source('typed', physical, {
    format,
    schema: all,
    metadata: [{ name: 'src', key: 'file.path', type: STRING }],
    computed,
    source: { connector: 'file', options, idleTimeoutMs: null, lateSink: null },
  });
  const out = sink('copy', all);
  return job(`types-${format}.sq`, [t], [out], [query('insert_into_copy', sinkNode(scan(t), out, 'final'), 2)]);
}

/** A LEFT lookup join of a stream with a TABLE (compiled in joins.ts). */
export function joinPlan(): JobPlan {
  const orders = source('orders', [field('user_id', STRING), field('amount', DOUBLE)]);
  const users = source('users', [field('user_id', STRING), field('country', STRING)], { relation: 'TABLE' });
  const s = scan(orders);
  const schema = [...s.schema, field('user_id0', STRING), field('country', STRING)];
  const j: PlanNode = {
    kind: 'LookupJoin',
    id: 93,
    schema,
    props: s.props,
    span: { offset: 40, end: 60, line: 7, col: 6 },
    input: s,
    table: users,
    joinType: 'left',
    leftKeys: [ref('user_id', STRING)],
    rightKeys: [ref('user_id', STRING)],
    residual: null,
    rightNames: ['user_id0', 'country'],
  };
  const out = sink('enriched', schema);
  return job('join.sq', [orders, users], [out], [query('insert_into_enriched', sinkNode(j, out, 'final'), 7)]);
}

/** Every plan above that compiles, by name (for the type check). */
export const COMPILING_PLANS: Readonly<Record<string, () => JobPlan>> = {
  stateless: statelessPlan,
  wordCount: wordCountPlan,
  stats: statsPlan,
  sessions: sessionPlan,
  having: havingPlan,
  windowAssign: windowAssignPlan,
  top: topPlan,
  union: unionPlan,
  typesJson: () => typesPlan('json'),
  typesJsonStrict: () => typesPlan('json', true),
  typesCsv: () => typesPlan('csv'),
  lookupJoin: joinPlan,
};
