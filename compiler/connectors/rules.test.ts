import { describe, expect, it } from 'vitest';
import type { RelationKind } from '../../grammar/ast.ts';
import { checkColumnOptions, validateConnectorOptions } from './index.ts';
import { pairsIn, pointed, spanAt, summary } from './testing.ts';

interface Case {
  relation?: RelationKind;
  name?: string;
  role?: 'source' | 'sink' | 'both';
  columns?: string[] | null;
  primaryKey?: string[];
  checkpointing?: boolean;
}

function run(withText: string, c: Case = {}) {
  const source = `WITH (${withText})`;
  const relation = c.relation ?? 'STREAM';
  const result = validateConnectorOptions({
    relationName: c.name ?? 'orders',
    relation,
    role: c.role ?? (relation === 'SINK' ? 'sink' : 'source'),
    options: pairsIn(source),
    columns: c.columns === undefined ? ['order_id', 'product_id', 'amount'] : c.columns,
    primaryKey: c.primaryKey ?? [],
    span: spanAt(source, 0, source.length),
    ...(c.checkpointing ? { checkpointing: true } : {}),
  });
  return { ...result, source, at: (i = 0) => pointed(source, result.diagnostics[i]!) };
}

describe('kafka', () => {
  it('accepts the LANGUAGE.md example source', () => {
    const r = run(
      `'connector' = 'kafka', 'topic' = 'orders', 'properties.bootstrap.servers' = 'localhost:9092',
       'scan.startup.mode' = 'earliest-offset', 'format' = 'json'`,
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.connector).toBe('kafka');
    expect(r.format).toBe('json');
  });

  it('needs topic or topic-pattern on a source, not both', () => {
    const none = run(`'connector' = 'kafka'`);
    expect(summary(none.diagnostics)).toEqual([`error SQ0502 kafka source "orders" needs 'topic' or 'topic-pattern'`]);
    expect(none.diagnostics[0]!.notes).toEqual([`help: add 'topic' = '...' to the WITH clause`]);
    const both = run(`'connector' = 'kafka', 'topic' = 'a', 'topic-pattern' = 'a.*'`);
    expect(summary(both.diagnostics)).toEqual([`error SQ0503 'topic' and 'topic-pattern' cannot both be set`]);
    expect(both.at()).toBe(`'topic-pattern'`);
    expect(run(`'connector' = 'kafka', 'topic-pattern' = 'orders-.*'`).diagnostics).toEqual([]);
    expect(run(`'connector' = 'kafka', 'topic' = 'a;b'`).resolved['topic']).toBe('a;b');
  });

  it('needs exactly one topic on a sink', () => {
    const none = run(`'connector' = 'kafka'`, { relation: 'SINK', name: 'revenue' });
    expect(summary(none.diagnostics)).toEqual([
      `error SQ0502 kafka sink "revenue" needs 'topic' (the one topic it writes to)`,
    ]);
    const two = run(`'connector' = 'kafka', 'topic' = 'a;b'`, { relation: 'SINK', name: 'revenue' });
    expect(summary(two.diagnostics)).toEqual([
      `error SQ0503 a kafka sink writes to one topic, but 'topic' of "revenue" lists 2`,
    ]);
    expect(two.at()).toBe(`'a;b'`);
    const pattern = run(`'connector' = 'kafka', 'topic-pattern' = 'a.*'`, { role: 'both' });
    expect(summary(pattern.diagnostics)).toEqual([
      `error SQ0502 kafka sink "orders" needs 'topic' (the one topic it writes to)`,
    ]);
    const neither = run(`'connector' = 'kafka'`, { role: 'both' });
    expect(summary(neither.diagnostics)).toEqual([
      `error SQ0502 kafka source "orders" needs 'topic' or 'topic-pattern'`,
    ]);
  });

  it('checks topic names', () => {
    const r = run(`'connector' = 'kafka', 'topic' = 'ok;not ok'`);
    expect(summary(r.diagnostics)).toEqual([`error SQ0503 'not ok' is not a valid Kafka topic name`]);
    expect(r.diagnostics[0]!.notes[0]).toMatch(/^note: topic names are 1-249 characters/);
  });

  it('checks specific offsets where they are written', () => {
    const r = run(
      `'connector' = 'kafka', 'topic' = 't', 'scan.bounded.specific-offsets' = 'partition:0;partition:1,offset:3'`,
    );
    expect(summary(r.diagnostics)).toEqual([
      `error SQ0503 'scan.bounded.specific-offsets' has 'partition:0', which is not 'partition:<n>,offset:<n>' (pairs separated by ';', 'topic:<name>,' first when reading several topics)`,
    ]);
    expect(r.at()).toBe(`'partition:0;partition:1,offset:3'`);
  });

  it("scan.startup.mode 'timestamp' needs the timestamp", () => {
    const r = run(`'connector' = 'kafka', 'topic' = 't', 'scan.startup.mode' = 'timestamp'`);
    expect(summary(r.diagnostics)).toEqual([
      `error SQ0502 scan.startup.mode 'timestamp' needs 'scan.startup.timestamp-millis'`,
    ]);
    expect(r.at()).toBe(`'timestamp'`);
    expect(r.diagnostics[0]!.notes).toEqual([
      `help: add 'scan.startup.timestamp-millis' = '<epoch milliseconds>' to the WITH clause`,
    ]);
    const ok = run(
      `'connector' = 'kafka', 'topic' = 't', 'scan.startup.mode' = 'timestamp', 'scan.startup.timestamp-millis' = '1700000000000'`,
    );
    expect(ok.diagnostics).toEqual([]);
    expect(ok.resolved['scan.startup.timestamp-millis']).toBe('1700000000000');
  });

  it('warns about a timestamp without the timestamp mode', () => {
    const r = run(`'connector' = 'kafka', 'topic' = 't', 'scan.startup.timestamp-millis' = '1'`);
    expect(summary(r.diagnostics)).toEqual([
      `warning SQ0902 'scan.startup.timestamp-millis' is ignored unless 'scan.startup.mode' = 'timestamp'`,
    ]);
  });

  it("'group-offsets' needs a group id, and is the default with one", () => {
    const r = run(`'connector' = 'kafka', 'topic' = 't', 'scan.startup.mode' = 'group-offsets'`);
    expect(summary(r.diagnostics)).toEqual([
      `error SQ0502 scan.startup.mode 'group-offsets' needs 'properties.group.id'`,
    ]);
    const g = run(`'connector' = 'kafka', 'topic' = 't', 'properties.group.id' = 'g1'`);
    expect(g.resolved['scan.startup.mode']).toBe('group-offsets');
    expect(run(`'connector' = 'kafka', 'topic' = 't'`).resolved['scan.startup.mode']).toBe('earliest-offset');
  });

  it('exactly-once defaults the transactional id prefix from the relation name', () => {
    const r = run(`'connector' = 'kafka', 'topic' = 't', 'sink.delivery-guarantee' = 'exactly-once'`, {
      relation: 'SINK',
      name: 'revenue',
      checkpointing: true,
    });
    expect(r.diagnostics).toEqual([]);
    expect(r.resolved['sink.transactional-id-prefix']).toBe('sqc-revenue');
    expect(r.resolved['sink.progress-topic']).toBe('_sqc-progress');
    const own = run(
      `'connector' = 'kafka', 'topic' = 't', 'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = 'mine'`,
      { relation: 'SINK' },
    );
    expect(own.resolved['sink.transactional-id-prefix']).toBe('mine');
    expect(
      run(`'connector' = 'kafka', 'topic' = 't'`, { relation: 'SINK' }).resolved['sink.transactional-id-prefix'],
    ).toBeUndefined();
  });

  it('warns that exactly-once needs a checkpoint', () => {
    for (const connector of ['kafka', 'upsert-kafka']) {
      const r = run(
        `'connector' = '${connector}', 'topic' = 't', 'key.format' = 'json', 'sink.delivery-guarantee' = 'exactly-once'`,
        { relation: 'SINK', name: 'revenue', primaryKey: ['order_id'] },
      );
      expect(summary(r.diagnostics)).toEqual([
        `warning SQ0902 ${connector} sink "revenue" is exactly-once only with a checkpoint: without 'checkpoint.dir' it writes at-least-once`,
      ]);
    }
  });

  it('warns about a transactional id prefix without exactly-once', () => {
    const r = run(`'connector' = 'kafka', 'topic' = 't', 'sink.transactional-id-prefix' = 'p'`, { relation: 'SINK' });
    expect(summary(r.diagnostics)).toEqual([
      `warning SQ0902 'sink.transactional-id-prefix' is ignored unless 'sink.delivery-guarantee' = 'exactly-once'`,
    ]);
  });

  it('key.fields names columns; key.format defaults to the value format', () => {
    const r = run(`'connector' = 'kafka', 'topic' = 't', 'format' = 'csv', 'key.fields' = 'product_id; order_id'`, {
      relation: 'SINK',
    });
    expect(r.diagnostics).toEqual([]);
    expect(r.resolved['key.fields']).toBe('product_id;order_id');
    expect(r.resolved['key.format']).toBe('csv');
    expect(r.resolved['key.csv.field-delimiter']).toBe(',');
    const bad = run(`'connector' = 'kafka', 'topic' = 't', 'key.fields' = 'prodct_id'`, { relation: 'SINK' });
    expect(summary(bad.diagnostics)).toEqual([
      `error SQ0102 'key.fields' names unknown column "prodct_id" of "orders"`,
    ]);
    expect(bad.diagnostics[0]!.notes).toEqual([`help: did you mean "product_id"?`]);
    expect(bad.at()).toBe(`'prodct_id'`);
    const twice = run(`'connector' = 'kafka', 'topic' = 't', 'key.fields' = 'amount;amount'`, { relation: 'SINK' });
    expect(summary(twice.diagnostics)).toEqual([`error SQ0105 'key.fields' names column "amount" twice`]);
  });

  it('skips column checks when the columns are not declared', () => {
    const r = run(`'connector' = 'kafka', 'topic' = 'revenue', 'format' = 'json', 'key.fields' = 'product_id'`, {
      relation: 'SINK',
      columns: null,
    });
    expect(r.diagnostics).toEqual([]);
    expect(
      run(`'connector' = 'kafka', 'topic' = 't', 'key.fields' = 'x'`, { relation: 'SINK', columns: [] }).diagnostics,
    ).toEqual([]);
  });

  it("value.fields-include 'EXCEPT_KEY' needs key.fields", () => {
    const r = run(`'connector' = 'kafka', 'topic' = 't', 'value.fields-include' = 'except_key'`);
    expect(summary(r.diagnostics)).toEqual([`error SQ0502 value.fields-include 'EXCEPT_KEY' needs 'key.fields'`]);
    expect(
      run(`'connector' = 'kafka', 'topic' = 't', 'value.fields-include' = 'EXCEPT_KEY', 'key.fields' = 'order_id'`)
        .diagnostics,
    ).toEqual([]);
  });

  it('key format options need a matching key.format', () => {
    const r = run(`'connector' = 'kafka', 'topic' = 't', 'key.json.ignore-parse-errors' = 'true'`);
    expect(summary(r.diagnostics)).toEqual([
      `error SQ0501 'key.json.ignore-parse-errors' is a json format option, but the key format of "orders" is not set`,
    ]);
    expect(r.diagnostics[0]!.notes).toEqual([`help: add 'key.format' = 'json'`]);
    const ok = run(
      `'connector' = 'kafka', 'topic' = 't', 'key.format' = 'json', 'key.fields' = 'order_id', 'key.json.ignore-parse-errors' = 'true'`,
    );
    expect(ok.diagnostics).toEqual([]);
    expect(ok.resolved['key.json.ignore-parse-errors']).toBe('true');
    const typo = run(
      `'connector' = 'kafka', 'topic' = 't', 'key.format' = 'json', 'key.fields' = 'order_id', 'key.json.ignore-parse-error' = 'true'`,
    );
    expect(typo.diagnostics[0]!.notes).toEqual([`help: did you mean 'key.json.ignore-parse-errors'?`]);
  });

  it('warns about key.format without key.fields on a source', () => {
    const r = run(`'connector' = 'kafka', 'topic' = 't', 'key.format' = 'json'`);
    expect(summary(r.diagnostics)).toEqual([`warning SQ0902 'key.format' is ignored without 'key.fields'`]);
    expect(
      run(`'connector' = 'kafka', 'topic' = 't', 'key.format' = 'json'`, { relation: 'SINK' }).diagnostics,
    ).toEqual([]);
  });

  it("format 'raw' needs one column; key format 'raw' one key column", () => {
    const r = run(`'connector' = 'kafka', 'topic' = 't', 'format' = 'raw'`);
    expect(summary(r.diagnostics)).toEqual([
      `error SQ0503 format 'raw' needs exactly one physical column, but "orders" has 3`,
    ]);
    expect(r.at()).toBe(`'raw'`);
    expect(run(`'connector' = 'kafka', 'topic' = 't', 'format' = 'raw'`, { columns: ['line'] }).diagnostics).toEqual(
      [],
    );
    const key = run(`'connector' = 'kafka', 'topic' = 't', 'key.format' = 'raw', 'key.fields' = 'order_id;amount'`, {
      relation: 'SINK',
    });
    expect(summary(key.diagnostics)).toEqual([
      `error SQ0503 key format 'raw' needs a single key column, but "orders" has 2`,
    ]);
  });

  it('warns about at-least-once output under checkpointing', () => {
    const r = run(`'connector' = 'kafka', 'topic' = 't'`, { relation: 'SINK', name: 'revenue', checkpointing: true });
    expect(summary(r.diagnostics)).toEqual([
      `warning SQ0902 kafka sink "revenue" is at-least-once: after a restart, rows written since the last checkpoint are written again`,
    ]);
    expect(r.diagnostics[0]!.notes).toEqual([
      `help: set 'sink.delivery-guarantee' = 'exactly-once' for exactly-once output`,
    ]);
    expect(r.at()).toBe(`'kafka'`);
    const explicit = run(`'connector' = 'kafka', 'topic' = 't', 'sink.delivery-guarantee' = 'at-least-once'`, {
      relation: 'SINK',
      checkpointing: true,
    });
    expect(explicit.at()).toBe(`'at-least-once'`);
    expect(
      run(`'connector' = 'kafka', 'topic' = 't', 'sink.delivery-guarantee' = 'exactly-once'`, {
        relation: 'SINK',
        checkpointing: true,
      }).diagnostics,
    ).toEqual([]);
    expect(run(`'connector' = 'kafka', 'topic' = 't'`, { relation: 'SINK' }).diagnostics).toEqual([]);
    expect(run(`'connector' = 'kafka', 'topic' = 't'`, { checkpointing: true }).diagnostics).toEqual([]); // only read
    expect(run(`'connector' = 'print'`, { relation: 'SINK', checkpointing: true }).diagnostics).toEqual([]);
  });
});

describe('upsert-kafka', () => {
  const UPSERT = `'connector' = 'upsert-kafka', 'topic' = 'behavior_stats', 'properties.bootstrap.servers' = 'localhost:9092', 'key.format' = 'json', 'format' = 'json'`;

  it('accepts the behavior_stats example', () => {
    const r = run(UPSERT, { relation: 'TABLE', role: 'sink', primaryKey: ['order_id'] });
    expect(r.diagnostics).toEqual([]);
    expect(r.resolved['sink.delivery-guarantee']).toBe('at-least-once');
  });

  it('needs a PRIMARY KEY when columns are declared', () => {
    const r = run(UPSERT, { relation: 'TABLE', role: 'sink', name: 'behavior_stats' });
    expect(summary(r.diagnostics)).toEqual([
      `error SQ0502 upsert-kafka table "behavior_stats" needs a PRIMARY KEY (the message key)`,
    ]);
    expect(r.diagnostics[0]!.notes).toEqual(['help: add PRIMARY KEY (<column>, ...) NOT ENFORCED to the column list']);
    expect(run(UPSERT, { relation: 'SINK', columns: null }).diagnostics).toEqual([]);
  });

  it('needs topic and key.format', () => {
    const r = run(`'connector' = 'upsert-kafka'`, { relation: 'TABLE', primaryKey: ['order_id'] });
    expect(summary(r.diagnostics)).toEqual([
      `error SQ0502 connector 'upsert-kafka' needs option 'topic' ("orders" has none)`,
      `error SQ0502 connector 'upsert-kafka' needs option 'key.format' ("orders" has none)`,
    ]);
  });

  it('has no startup modes and one topic', () => {
    const r = run(`${UPSERT}, 'scan.startup.mode' = 'latest-offset'`, { relation: 'TABLE', primaryKey: ['order_id'] });
    expect(summary(r.diagnostics)).toEqual([
      `error SQ0501 unknown option 'scan.startup.mode' for connector 'upsert-kafka'`,
    ]);
    const two = run(`'connector' = 'upsert-kafka', 'topic' = 'a;b', 'key.format' = 'json'`, {
      relation: 'TABLE',
      primaryKey: ['order_id'],
    });
    expect(summary(two.diagnostics)).toEqual([`error SQ0503 'a;b' is not a valid Kafka topic name`]);
  });

  it("key format 'raw' needs a single-column key", () => {
    const r = run(`'connector' = 'upsert-kafka', 'topic' = 't', 'key.format' = 'raw'`, {
      relation: 'TABLE',
      primaryKey: ['order_id', 'amount'],
    });
    expect(summary(r.diagnostics)).toEqual([
      `error SQ0503 key format 'raw' needs a single key column, but "orders" has 2`,
    ]);
  });
});

describe('file', () => {
  it('needs a path', () => {
    const r = run(`'connector' = 'file', 'format' = 'csv'`, { name: 'users', relation: 'TABLE' });
    expect(summary(r.diagnostics)).toEqual([`error SQ0502 connector 'file' needs option 'path' ("users" has none)`]);
  });

  it('infers the format from the path', () => {
    expect(run(`'connector' = 'file', 'path' = 'out/audit.jsonl'`, { relation: 'SINK' }).format).toBe('json');
    expect(run(`'connector' = 'file', 'path' = 'out/summary.CSV'`, { relation: 'SINK' }).format).toBe('csv');
    expect(run(`'connector' = 'file', 'path' = 'data/user_events'`).format).toBe('json');
    expect(run(`'connector' = 'file', 'path' = 'data/x.csv', 'format' = 'json'`).format).toBe('json');
  });

  it('resolves source defaults: batch size, csv header', () => {
    const r = run(`'connector' = 'file', 'path' = 'data/users.csv'`, { relation: 'TABLE' });
    expect(r.resolved).toMatchObject({
      format: 'csv',
      'scan.batch-size': '1000',
      'csv.header': 'true',
      'csv.ignore-parse-errors': 'false',
    });
    expect(r.resolved['source.monitor-interval']).toBeUndefined();
    expect(r.resolved['lookup.reload-interval']).toBeUndefined();
  });

  it('accepts the sales_batch source and word_count batch size', () => {
    const r = run(
      `'connector' = 'file', 'path' = 'data/sales_data.csv', 'format' = 'csv', 'csv.field-delimiter' = ',', 'csv.ignore-parse-errors' = 'true'`,
      { relation: 'TABLE' },
    );
    expect(r.diagnostics).toEqual([]);
    expect(
      run(`'connector' = 'file', 'path' = 'data/lines.jsonl', 'format' = 'json', 'scan.batch-size' = '1'`).diagnostics,
    ).toEqual([]);
    expect(run(`'connector' = 'file', 'path' = 'd', 'scan.batch-size' = '0'`).diagnostics[0]!.message).toBe(
      `'scan.batch-size' = '0' must be at least 1`,
    );
  });

  it('takes source.monitor-interval on sources only', () => {
    expect(
      run(`'connector' = 'file', 'path' = 'd', 'source.monitor-interval' = '1 s'`).resolved['source.monitor-interval'],
    ).toBe('1 s');
    const r = run(`'connector' = 'file', 'path' = 'o.jsonl', 'source.monitor-interval' = '1 s'`, {
      relation: 'SINK',
      name: 'audit',
    });
    expect(summary(r.diagnostics)).toEqual([
      `error SQ0501 'source.monitor-interval' is a source option, but "audit" is a sink`,
    ]);
  });

  it('has no message key', () => {
    const r = run(`'connector' = 'file', 'path' = 'o.jsonl', 'key.fields' = 'order_id'`, { relation: 'SINK' });
    expect(summary(r.diagnostics)).toEqual([`error SQ0501 unknown option 'key.fields' for connector 'file'`]);
  });

  it('checks csv option combinations', () => {
    const q = run(
      `'connector' = 'file', 'path' = 'a.csv', 'csv.disable-quote-character' = 'true', 'csv.quote-character' = "'"`.replace(
        `"'"`,
        `''''`,
      ),
    );
    expect(summary(q.diagnostics)).toEqual([
      `error SQ0503 'csv.quote-character' cannot be set when 'csv.disable-quote-character' is 'true'`,
    ]);
    const d = run(`'connector' = 'file', 'path' = 'a.csv', 'csv.field-delimiter' = '"'`);
    expect(summary(d.diagnostics)).toEqual([`error SQ0503 'csv.field-delimiter' must differ from the quote character`]);
  });

  it('rejects json fail-on-missing-field together with ignore-parse-errors (as Flink)', () => {
    const r = run(
      `'connector' = 'file', 'path' = 'a.jsonl', 'json.fail-on-missing-field' = 'true', 'json.ignore-parse-errors' = 'true'`,
    );
    expect(summary(r.diagnostics)).toEqual([
      `error SQ0503 'json.fail-on-missing-field' and 'json.ignore-parse-errors' cannot both be 'true'`,
    ]);
  });
});

describe('datagen', () => {
  const cols = { columns: ['id', 'amount', 'name'] };

  it('accepts rates, counts and per-column generators', () => {
    const r = run(
      `'connector' = 'datagen', 'rows-per-second' = '5', 'number-of-rows' = '100', 'fields.id.kind' = 'sequence',
       'fields.id.start' = '1', 'fields.id.end' = '100', 'fields.amount.min' = '0', 'fields.amount.max' = '99.5',
       'fields.name.length' = '8', 'fields.name.values' = 'a;b;c', 'fields.amount.null-rate' = '0.1'`,
      cols,
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.resolved).toMatchObject({
      'rows-per-second': '5',
      'number-of-rows': '100',
      'fields.amount.max': '99.5',
      'scan.batch-size': '1000',
    });
    expect(run(`'connector' = 'datagen'`, cols).resolved['rows-per-second']).toBe('10000');
  });

  it('checks that fields.<column> names a column', () => {
    const r = run(`'connector' = 'datagen', 'fields.amout.min' = '1'`, cols);
    expect(summary(r.diagnostics)).toEqual([
      `error SQ0102 'fields.amout.min' names unknown column "amout" of "orders"`,
    ]);
    expect(r.diagnostics[0]!.notes).toEqual([`help: did you mean 'fields.amount.min'?`]);
    expect(r.at()).toBe(`'fields.amout.min'`);
    expect(run(`'connector' = 'datagen', 'fields.zzz.min' = '1'`, cols).diagnostics[0]!.notes).toEqual([
      'note: columns: id, amount, name',
    ]);
  });

  it('suggests the property, keeping the column', () => {
    const r = run(`'connector' = 'datagen', 'fields.amount.mn' = '1'`, cols);
    expect(summary(r.diagnostics)).toEqual([`error SQ0501 unknown option 'fields.amount.mn' for connector 'datagen'`]);
    expect(r.diagnostics[0]!.notes).toEqual([`help: did you mean 'fields.amount.min'?`]);
  });

  it('needs start and end for a sequence', () => {
    const r = run(`'connector' = 'datagen', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1'`, cols);
    expect(summary(r.diagnostics)).toEqual([`error SQ0502 a sequence needs 'fields.id.end'`]);
    expect(r.at()).toBe(`'sequence'`);
  });

  it('warns about options of the other generator', () => {
    const r = run(
      `'connector' = 'datagen', 'fields.id.start' = '1', 'fields.amount.kind' = 'sequence', 'fields.amount.start' = '1', 'fields.amount.end' = '2', 'fields.amount.max' = '5'`,
      cols,
    );
    expect(summary(r.diagnostics)).toEqual([
      `warning SQ0902 'fields.id.start' is ignored by a random generator`,
      `warning SQ0902 'fields.amount.max' is ignored by a sequence generator`,
    ]);
    expect(r.diagnostics[0]!.notes).toEqual([`help: add 'fields.id.kind' = 'sequence'`]);
  });

  it('checks min <= max, start <= end and value types', () => {
    const r = run(`'connector' = 'datagen', 'fields.amount.min' = '10', 'fields.amount.max' = '1'`, cols);
    expect(summary(r.diagnostics)).toEqual([
      `error SQ0503 'fields.amount.max' = '1' is less than 'fields.amount.min' = '10'`,
    ]);
    const s = run(
      `'connector' = 'datagen', 'fields.id.kind' = 'sequence', 'fields.id.start' = '10', 'fields.id.end' = '1'`,
      cols,
    );
    expect(summary(s.diagnostics)).toEqual([
      `error SQ0503 'fields.id.end' = '1' is less than 'fields.id.start' = '10'`,
    ]);
    expect(run(`'connector' = 'datagen', 'fields.amount.null-rate' = '2'`, cols).diagnostics[0]!.message).toBe(
      `'fields.amount.null-rate' = '2' must be at most 1`,
    );
    expect(run(`'connector' = 'datagen', 'fields.id.kind' = 'sequance'`, cols).diagnostics[0]!.notes).toEqual([
      `help: did you mean 'sequence'?`,
    ]);
    expect(run(`'connector' = 'datagen', 'number-of-rows' = '-1'`, cols).diagnostics[0]!.message).toBe(
      `'number-of-rows' = '-1' must not be negative`,
    );
  });
});

describe('nexmark', () => {
  it('takes event counts, rates, the table and proportions', () => {
    const r = run(
      `'connector' = 'nexmark', 'events.num' = '1000', 'events.per-second' = '100', 'nexmark.table' = 'bid'`,
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.resolved).toMatchObject({ 'events.num': '1000', 'nexmark.table': 'bid', 'bid.proportion': '46' });
    expect(run(`'connector' = 'nexmark'`).resolved['nexmark.table']).toBe('events');
  });

  it('rejects all-zero proportions', () => {
    const r = run(
      `'connector' = 'nexmark', 'person.proportion' = '0', 'auction.proportion' = '0', 'bid.proportion' = '0'`,
    );
    expect(summary(r.diagnostics)).toEqual([`error SQ0503 the event proportions are all 0`]);
  });
});

describe('print, blackhole, memory', () => {
  it('print: identifier, format, standard-error', () => {
    const r = run(`'connector' = 'print', 'print-identifier' = 'dbg', 'print.format' = 'json'`, { relation: 'SINK' });
    expect(r.diagnostics).toEqual([]);
    expect(r.resolved).toEqual({
      connector: 'print',
      'print-identifier': 'dbg',
      'print.format': 'json',
      'standard-error': 'false',
    });
    expect(run(`'connector' = 'print'`, { relation: 'SINK' }).resolved['print.format']).toBe('table');
    expect(run(`'connector' = 'print', 'print.format' = 'tabel'`, { relation: 'SINK' }).diagnostics[0]!.notes).toEqual([
      `help: did you mean 'table'?`,
    ]);
  });

  it('blackhole has no options', () => {
    expect(run(`'connector' = 'blackhole'`, { relation: 'SINK' }).resolved).toEqual({ connector: 'blackhole' });
    const r = run(`'connector' = 'blackhole', 'path' = 'x'`, { relation: 'SINK' });
    expect(summary(r.diagnostics)).toEqual([`error SQ0501 unknown option 'path' for connector 'blackhole'`]);
  });

  it('memory: name defaults to the relation, bounded by default', () => {
    const r = run(`'connector' = 'memory'`, { role: 'both', name: 'events' });
    expect(r.diagnostics).toEqual([]);
    expect(r.resolved).toEqual({
      connector: 'memory',
      'memory.name': 'events',
      'memory.bounded': 'true',
      'scan.batch-size': '1000',
    });
    expect(run(`'connector' = 'memory', 'memory.name' = 'in'`, { relation: 'SINK' }).resolved).toEqual({
      connector: 'memory',
      'memory.name': 'in',
    });
  });
});

describe('every source takes scan.idle-timeout and late.sink', () => {
  it.each([
    [`'connector' = 'kafka', 'topic' = 't'`],
    [`'connector' = 'upsert-kafka', 'topic' = 't', 'key.format' = 'json'`],
    [`'connector' = 'file', 'path' = 'd'`],
    [`'connector' = 'datagen'`],
    [`'connector' = 'nexmark'`],
    [`'connector' = 'memory'`],
  ])('%s', (base) => {
    const r = run(`${base}, 'scan.idle-timeout' = '5 s', 'late.sink' = 'late_orders'`, {
      relation: 'TABLE',
      primaryKey: ['order_id'],
    });
    expect(r.diagnostics).toEqual([]);
    expect(r.resolved['scan.idle-timeout']).toBe('5 s');
    expect(r.resolved['late.sink']).toBe('late_orders');
  });
});

describe('checkColumnOptions', () => {
  it('re-checks a sink once its columns are inferred', () => {
    const source = `WITH ('connector' = 'kafka', 'topic' = 'revenue', 'key.fields' = 'product')`;
    const options = pairsIn(source);
    const first = validateConnectorOptions({
      relationName: 'revenue',
      relation: 'SINK',
      role: 'sink',
      options,
      columns: null,
      primaryKey: [],
      span: spanAt(source, 0, source.length),
    });
    expect(first.diagnostics).toEqual([]);
    const later = checkColumnOptions({
      relationName: 'revenue',
      connector: 'kafka',
      options,
      resolved: first.resolved,
      columns: ['window_start', 'product_id', 'order_count'],
      primaryKey: [],
      span: spanAt(source, 0, source.length),
    });
    expect(summary(later)).toEqual([`error SQ0102 'key.fields' names unknown column "product" of "revenue"`]);
    expect(later[0]!.notes).toEqual([`help: did you mean "product_id"?`]);
  });
});
