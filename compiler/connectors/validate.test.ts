import { describe, expect, it } from 'vitest';
import type { RelationKind } from '../../grammar/ast.ts';
import { validateConnectorOptions } from './index.ts';
import { pairsIn, pointed, spanAt, summary } from './testing.ts';

interface Case {
  relation?: RelationKind;
  name?: string;
  role?: 'source' | 'sink' | 'both';
  columns?: string[] | null;
  primaryKey?: string[];
  checkpointing?: boolean;
}

/** Validates `'k' = 'v', ...` written as one WITH clause; returns the result and the source. */
function run(withText: string, c: Case = {}) {
  const source = `WITH (${withText})`;
  const relation = c.relation ?? 'STREAM';
  const result = validateConnectorOptions({
    relationName: c.name ?? 'orders',
    relation,
    role: c.role ?? (relation === 'SINK' ? 'sink' : 'source'),
    options: pairsIn(source),
    columns: c.columns === undefined ? ['order_id', 'amount'] : c.columns,
    primaryKey: c.primaryKey ?? [],
    span: spanAt(source, 0, source.length),
    ...(c.checkpointing ? { checkpointing: true } : {}),
  });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  const warnings = result.diagnostics.filter((d) => d.severity === 'warning');
  return { ...result, source, errors, warnings, at: (i = 0) => pointed(source, result.diagnostics[i]!) };
}

const KAFKA = `'connector' = 'kafka', 'topic' = 'orders'`;

describe('connector', () => {
  it('is required', () => {
    const r = run(`'topic' = 'x'`);
    expect(summary(r.diagnostics)).toEqual([`error SQ0502 "orders" has no 'connector' option`]);
    expect(r.diagnostics[0]!.notes[0]).toMatch(
      /^help: add 'connector' = '...' to the WITH clause; connectors: kafka, upsert-kafka, file/,
    );
    expect(r.diagnostics[0]!.span.offset).toBe(0);
    expect(r.connector).toBeNull();
    expect(r.resolved).toEqual({ topic: 'x' });
  });

  it('must be known, with a did-you-mean at the value', () => {
    const r = run(`'connector' = 'kafak', 'topic' = 'x'`);
    expect(summary(r.diagnostics)).toEqual([`error SQ0504 unknown connector 'kafak'`]);
    expect(r.diagnostics[0]!.notes).toEqual([`help: did you mean 'kafka'?`]);
    expect(r.at()).toBe(`'kafak'`);
    expect(r.connector).toBeNull();
  });

  it('lists the connectors when nothing is close', () => {
    const r = run(`'connector' = 'jdbc'`);
    expect(r.diagnostics[0]!.notes).toEqual([
      'help: connectors: kafka, upsert-kafka, file, datagen, nexmark, print, blackhole, memory',
    ]);
  });

  it("is case-insensitive and accepts Flink's 'filesystem'", () => {
    expect(run(`'connector' = 'KAFKA', 'topic' = 'x'`).connector).toBe('kafka');
    const r = run(`'connector' = 'filesystem', 'path' = 'a.csv'`);
    expect(r.connector).toBe('file');
    expect(r.resolved['connector']).toBe('file');
    expect(r.diagnostics).toEqual([]);
    expect(run(`'connector' = 'filesytem'`).diagnostics[0]!.notes).toEqual([`help: did you mean 'file'?`]);
  });

  it("reads Flink's legacy keys as their current spelling, with a warning at each (NEXMark q13's side input)", () => {
    const r = run(
      `'connector.type' = 'filesystem', 'connector.path' = 'file:///data/side_input.txt', 'format.type' = 'csv'`,
      { relation: 'TABLE', columns: ['key', 'value'] },
    );
    expect(r.errors).toEqual([]);
    expect(r.connector).toBe('file');
    expect(r.resolved).toMatchObject({ connector: 'file', path: '/data/side_input.txt', format: 'csv' });
    expect(summary(r.warnings)).toEqual([
      `warning SQ0903 'connector.type' is Flink's legacy spelling of 'connector'; read as 'connector'`,
      `warning SQ0903 'connector.path' is Flink's legacy spelling of 'path'; read as 'path'`,
      `warning SQ0903 'format.type' is Flink's legacy spelling of 'format'; read as 'format'`,
    ]);
    expect(r.at(1)).toBe(`'connector.path'`);
    // a legacy key and its current spelling set the same option
    const both = run(`${KAFKA}, 'connector.topic' = 'other'`);
    expect(summary(both.errors)).toEqual([`error SQ0105 'connector.topic' sets the same option as 'topic'`]);
  });

  it('must support how the relation is used', () => {
    const print = run(`'connector' = 'print'`, { relation: 'STREAM', role: 'source' });
    expect(summary(print.errors)).toEqual([`error SQ0503 connector 'print' can only be written, but "orders" is read`]);
    expect(print.at()).toBe(`'print'`);
    const gen = run(`'connector' = 'datagen'`, { relation: 'SINK' });
    expect(summary(gen.errors)).toEqual([`error SQ0503 connector 'datagen' can only be read, but "orders" is a sink`]);
    const both = run(`'connector' = 'nexmark'`, { role: 'both' });
    expect(summary(both.errors)).toEqual([
      `error SQ0503 connector 'nexmark' can only be read, but "orders" is written`,
    ]);
    expect(run(`'connector' = 'print'`, { relation: 'STREAM', role: 'sink' }).diagnostics).toEqual([]);
  });
});

describe('unknown keys (SQ0501)', () => {
  it('get a did-you-mean over the connector keys, at the key', () => {
    const r = run(`${KAFKA}, 'scan.startup.mod' = 'earliest-offset'`);
    expect(summary(r.diagnostics)).toEqual([`error SQ0501 unknown option 'scan.startup.mod' for connector 'kafka'`]);
    expect(r.diagnostics[0]!.notes).toEqual([`help: did you mean 'scan.startup.mode'?`]);
    expect(r.at()).toBe(`'scan.startup.mod'`);
  });

  it('suggest format keys of the active format and value.format', () => {
    expect(run(`${KAFKA}, 'json.ignore-parse-error' = 'true'`).diagnostics[0]!.notes).toEqual([
      `help: did you mean 'json.ignore-parse-errors'?`,
    ]);
    expect(run(`${KAFKA}, 'value.fromat' = 'json'`).diagnostics[0]!.notes).toEqual([
      `help: did you mean 'value.format'?`,
    ]);
  });

  it('point Kafka client keys to the properties. prefix', () => {
    const r = run(`${KAFKA}, 'bootstrap.servers' = 'b:9092'`);
    expect(r.diagnostics[0]!.notes).toEqual([
      `help: Kafka client properties take the prefix 'properties.': did you mean 'properties.bootstrap.servers'?`,
    ]);
  });

  it('name the connector that has the key, and list the valid keys', () => {
    const r = run(`${KAFKA}, 'source.monitor-interval' = '1 s'`);
    expect(r.diagnostics[0]!.notes[0]).toBe(`note: 'source.monitor-interval' is an option of connector 'file'`);
    expect(r.diagnostics[0]!.notes[1]).toMatch(
      /^help: options of connector 'kafka': topic, topic-pattern, properties.bootstrap.servers, /,
    );
    expect(r.diagnostics[0]!.notes[1]).not.toContain('sink.parallelism'); // ignored keys are not advertised
  });

  it('are case-sensitive but suggest the right case', () => {
    const r = run(`'connector' = 'file', 'PATH' = 'a.csv'`);
    expect(summary(r.errors)).toEqual([
      `error SQ0501 unknown option 'PATH' for connector 'file'`,
      `error SQ0502 connector 'file' needs option 'path' ("orders" has none)`,
    ]);
    expect(r.errors[0]!.notes).toEqual([`help: did you mean 'path'?`]);
  });

  it('report a format option of another format', () => {
    const r = run(`'connector' = 'file', 'path' = 'u.csv', 'json.ignore-parse-errors' = 'true'`);
    expect(summary(r.diagnostics)).toEqual([
      `error SQ0501 'json.ignore-parse-errors' is a json format option, but the format of "orders" is 'csv'`,
    ]);
    expect(r.at()).toBe(`'json.ignore-parse-errors'`);
  });

  it('report unknown options of the active format', () => {
    const r = run(`'connector' = 'file', 'path' = 'u.csv', 'csv.heder' = 'true'`);
    expect(summary(r.diagnostics)).toEqual([`error SQ0501 unknown csv format option 'csv.heder'`]);
    expect(r.diagnostics[0]!.notes).toEqual([`help: did you mean 'csv.header'?`]);
    const far = run(`'connector' = 'file', 'path' = 'u.csv', 'csv.whatever' = 'x'`);
    expect(far.diagnostics[0]!.notes[0]).toMatch(/^help: csv options: csv.header, csv.field-delimiter, /);
  });

  it('report format options on connectors without a format', () => {
    const r = run(`'connector' = 'datagen', 'format' = 'json', 'json.ignore-parse-errors' = 'true'`);
    expect(summary(r.diagnostics)).toEqual([
      `error SQ0501 connector 'datagen' has no format; 'format' does not apply`,
      `error SQ0501 connector 'datagen' has no format; 'json.ignore-parse-errors' does not apply`,
    ]);
  });

  it('explain key.fields on upsert-kafka', () => {
    const r = run(`'connector' = 'upsert-kafka', 'topic' = 't', 'key.format' = 'json', 'key.fields' = 'order_id'`, {
      primaryKey: ['order_id'],
      relation: 'TABLE',
    });
    expect(summary(r.diagnostics)).toEqual([`error SQ0501 unknown option 'key.fields' for connector 'upsert-kafka'`]);
    expect(r.diagnostics[0]!.notes).toEqual([
      'help: upsert-kafka takes the message key from the PRIMARY KEY; declare PRIMARY KEY (...) NOT ENFORCED',
    ]);
  });

  it('stay in resolved as written (the result has errors anyway)', () => {
    expect(run(`${KAFKA}, 'nope' = 'x'`).resolved['nope']).toBe('x');
  });
});

describe('roles', () => {
  it('warn about a sink option on a relation that is only read', () => {
    const r = run(`${KAFKA}, 'sink.delivery-guarantee' = 'exactly-once'`);
    expect(summary(r.diagnostics)).toEqual([
      `warning SQ0902 'sink.delivery-guarantee' is a sink option, but "orders" is only read; it is ignored`,
    ]);
    expect(r.at()).toBe(`'sink.delivery-guarantee'`);
    expect(r.resolved['sink.transactional-id-prefix']).toBeUndefined(); // sink defaults are not filled
  });

  it('warn about a source option on a stream that is only written', () => {
    const r = run(`${KAFKA}, 'scan.startup.mode' = 'latest-offset'`, { role: 'sink' });
    expect(summary(r.diagnostics)).toEqual([
      `warning SQ0902 'scan.startup.mode' is a source option, but "orders" is only written; it is ignored`,
    ]);
  });

  it('reject a source option on a SINK', () => {
    const r = run(`${KAFKA}, 'scan.startup.mode' = 'latest-offset'`, { relation: 'SINK', name: 'revenue' });
    expect(summary(r.diagnostics)).toEqual([
      `error SQ0501 'scan.startup.mode' is a source option, but "revenue" is a sink`,
    ]);
  });

  it('accept both kinds on a relation that is read and written', () => {
    const r = run(`${KAFKA}, 'scan.startup.mode' = 'latest-offset', 'sink.delivery-guarantee' = 'exactly-once'`, {
      role: 'both',
      checkpointing: true,
    });
    expect(r.diagnostics).toEqual([]);
    expect(r.resolved['scan.startup.mode']).toBe('latest-offset');
    expect(r.resolved['sink.transactional-id-prefix']).toBe('sqc-orders');
  });

  it("only warn about a format's read options on a SINK", () => {
    const r = run(`'connector' = 'file', 'path' = 'o.jsonl', 'json.ignore-parse-errors' = 'true'`, {
      relation: 'SINK',
      name: 'audit',
    });
    expect(summary(r.diagnostics)).toEqual([
      `warning SQ0902 'json.ignore-parse-errors' is a source option, but "audit" is only written; it is ignored`,
    ]);
  });

  it('accept Kafka client properties on either side', () => {
    expect(run(`${KAFKA}, 'properties.group.id' = 'g'`, { relation: 'SINK' }).diagnostics).toEqual([]);
  });

  it('treat a SINK as written whatever the role says', () => {
    const r = run(`${KAFKA}, 'sink.delivery-guarantee' = 'exactly-once'`, {
      relation: 'SINK',
      role: 'source',
      checkpointing: true,
    });
    expect(r.diagnostics).toEqual([]);
  });
});

describe('missing required keys (SQ0502)', () => {
  it('point at the statement and show how to add the key', () => {
    const r = run(`'connector' = 'file'`, { name: 'audit', relation: 'SINK' });
    expect(summary(r.diagnostics)).toEqual([`error SQ0502 connector 'file' needs option 'path' ("audit" has none)`]);
    expect(r.diagnostics[0]!.notes[0]).toBe(`help: add 'path' = '...' to the WITH clause`);
    expect(r.diagnostics[0]!.notes[1]).toMatch(/^note: path: File, directory or glob/);
    expect(r.diagnostics[0]!.span).toEqual(spanAt(r.source, 0, r.source.length));
  });

  it('suggest the first allowed value for enum keys', () => {
    const r = run(`'connector' = 'upsert-kafka', 'topic' = 't'`, { relation: 'TABLE', primaryKey: ['order_id'] });
    expect(r.errors[0]!.notes[0]).toBe(`help: add 'key.format' = 'json' to the WITH clause`);
  });
});

describe('invalid values (SQ0503)', () => {
  it('enum: did-you-mean over the allowed values, at the value', () => {
    const r = run(`${KAFKA}, 'scan.startup.mode' = 'earliest-ofset'`);
    expect(summary(r.diagnostics)).toEqual([
      `error SQ0503 'scan.startup.mode' = 'earliest-ofset' is not one of 'earliest-offset', 'latest-offset', 'group-offsets', 'timestamp', 'specific-offsets'`,
    ]);
    expect(r.diagnostics[0]!.notes).toEqual([`help: did you mean 'earliest-offset'?`]);
    expect(r.at()).toBe(`'earliest-ofset'`);
  });

  it('an invalid value is not resolved: the rest of the program is checked with the default', () => {
    const r = run(`${KAFKA}, 'scan.idle-timeout' = '30 s30 s'`);
    expect(summary(r.errors)).toEqual([`error SQ0503 'scan.idle-timeout' = '30 s30 s' is not a duration`]);
    expect(r.resolved['scan.idle-timeout']).not.toBe('30 s30 s');
  });

  it('enum: canonical spelling in resolved', () => {
    const r = run(`${KAFKA}, 'scan.startup.mode' = 'Latest-Offset', 'format' = 'JSON'`);
    expect(r.diagnostics).toEqual([]);
    expect(r.resolved['scan.startup.mode']).toBe('latest-offset');
    expect(r.resolved['format']).toBe('json');
    expect(r.format).toBe('json');
  });

  it('duration: not a duration, unknown unit, negative, zero where it must be positive', () => {
    const d = (v: string) => run(`${KAFKA}, 'scan.idle-timeout' = '${v}'`).diagnostics[0]!;
    expect(d('soon').message).toBe(`'scan.idle-timeout' = 'soon' is not a duration`);
    expect(d('soon').notes).toEqual([`help: write a number and a unit, e.g. '500 ms', '10 s', '1 min' or '1 h'`]);
    expect(d('5 parsecs').message).toBe(`'scan.idle-timeout' = '5 parsecs' has an unknown time unit 'parsecs'`);
    expect(d('-5 s').message).toBe(`'scan.idle-timeout' = '-5 s' must not be negative`);
    expect(d('-5 s').notes).toEqual([]);
    expect(d('0').message).toBe(`'scan.idle-timeout' = '0' must be greater than 0`);
    expect(d('0').code).toBe('SQ0503');
  });

  it('duration: normalised in resolved', () => {
    expect(run(`${KAFKA}, 'scan.idle-timeout' = '30000'`).resolved['scan.idle-timeout']).toBe('30 s');
    expect(run(`${KAFKA}, 'scan.idle-timeout' = '2minutes'`).resolved['scan.idle-timeout']).toBe('2 min');
  });

  it('integer: not an integer, negative, below the minimum', () => {
    const d = (k: string, v: string) => run(`${KAFKA}, '${k}' = '${v}'`).diagnostics[0]!;
    expect(d('scan.max-offsets-per-trigger', 'lots').message).toBe(
      `'scan.max-offsets-per-trigger' = 'lots' is not an integer`,
    );
    expect(d('scan.max-offsets-per-trigger', '0').message).toBe(
      `'scan.max-offsets-per-trigger' = '0' must be at least 1`,
    );
    expect(d('scan.startup.timestamp-millis', '-1').message).toBe(
      `'scan.startup.timestamp-millis' = '-1' must not be negative`,
    );
    expect(d('scan.max-offsets-per-trigger', '1.5').message).toBe(
      `'scan.max-offsets-per-trigger' = '1.5' is not an integer`,
    );
  });

  it('boolean: did-you-mean', () => {
    const r = run(`${KAFKA}, 'json.ignore-parse-errors' = 'ture'`);
    expect(r.diagnostics[0]!.message).toBe(
      `'json.ignore-parse-errors' = 'ture' is not a boolean (expected 'true' or 'false')`,
    );
    expect(r.diagnostics[0]!.notes).toEqual([`help: did you mean 'true'?`]);
    expect(run(`${KAFKA}, 'json.ignore-parse-errors' = 'TRUE'`).resolved['json.ignore-parse-errors']).toBe('true');
  });

  it('host:port list', () => {
    const r = run(`${KAFKA}, 'properties.bootstrap.servers' = 'localhost'`);
    expect(r.diagnostics[0]!.message).toBe(`'properties.bootstrap.servers' = 'localhost' 'localhost' is not host:port`);
    expect(r.diagnostics[0]!.notes).toEqual([`help: write host:port pairs separated by commas, e.g. 'localhost:9092'`]);
    expect(run(`${KAFKA}, 'properties.bootstrap.servers' = 'a:1, b:2'`).resolved['properties.bootstrap.servers']).toBe(
      'a:1,b:2',
    );
  });

  it('regex', () => {
    const r = run(`'connector' = 'kafka', 'topic-pattern' = 'orders-(['`);
    expect(r.diagnostics[0]!.code).toBe('SQ0503');
    expect(r.diagnostics[0]!.message).toMatch(/^'topic-pattern' = 'orders-\(\[' is not a valid regular expression \(/);
  });

  it('empty strings and paths', () => {
    expect(run(`'connector' = 'file', 'path' = '  '`).diagnostics[0]!.message).toBe(`'path' = '  ' is empty`);
    expect(run(`${KAFKA}, 'late.sink' = ''`).diagnostics[0]!.message).toBe(`'late.sink' = '' is empty`);
  });

  it('character', () => {
    const r = run(`'connector' = 'file', 'path' = 'a.csv', 'csv.field-delimiter' = ';;'`);
    expect(r.diagnostics[0]!.message).toBe(`'csv.field-delimiter' = ';;' is not a single character`);
    expect(r.diagnostics[0]!.notes).toEqual([`help: write one character, or '\\t' for a tab`]);
    expect(
      run(`'connector' = 'file', 'path' = 'a.csv', 'csv.field-delimiter' = '\\t'`).resolved['csv.field-delimiter'],
    ).toBe('\t');
  });

  it('size', () => {
    const r = run(`'connector' = 'file', 'path' = 'o.jsonl', 'sink.rolling-policy.file-size' = 'huge'`, {
      relation: 'SINK',
    });
    expect(summary(r.diagnostics)).toEqual([
      `warning SQ0902 'sink.rolling-policy.file-size' is accepted for Flink compatibility but ignored: the file sink writes one file`,
      `error SQ0503 'sink.rolling-policy.file-size' = 'huge' is not a size (e.g. 64 mb)`,
    ]);
  });
});

describe('duplicate keys (SQ0105)', () => {
  it('report the second occurrence with the line of the first', () => {
    const r = run(`${KAFKA},\n 'topic' = 'other'`);
    expect(summary(r.diagnostics)).toEqual([`error SQ0105 option 'topic' is set twice`]);
    expect(r.diagnostics[0]!.notes).toEqual(['note: first set on line 1']);
    expect(r.diagnostics[0]!.span.line).toBe(2);
    expect(r.resolved['topic']).toBe('orders'); // the first one wins
  });

  it('catch two spellings of one option', () => {
    const r = run(`${KAFKA}, 'format' = 'json', 'value.format' = 'csv'`);
    expect(summary(r.diagnostics)).toEqual([`error SQ0105 'value.format' sets the same option as 'format'`]);
    const p = run(`${KAFKA}, 'json.ignore-parse-errors' = 'true', 'value.json.ignore-parse-errors' = 'true'`);
    expect(summary(p.diagnostics)).toEqual([
      `error SQ0105 'value.json.ignore-parse-errors' sets the same option as 'json.ignore-parse-errors'`,
    ]);
  });
});

describe('ignored options (SQ0902)', () => {
  it('warn about Flink keys without effect', () => {
    const r = run(`${KAFKA}, 'scan.parallelism' = '4'`);
    expect(summary(r.diagnostics)).toEqual([
      `warning SQ0902 'scan.parallelism' is accepted for Flink compatibility but ignored: sqc runs every query in one process`,
    ]);
    expect(r.resolved['scan.parallelism']).toBe('4');
  });

  it('warn about lookup options on a STREAM', () => {
    const r = run(`'connector' = 'file', 'path' = 'u.csv', 'lookup.reload-interval' = '1 min'`);
    expect(summary(r.diagnostics)).toEqual([
      `warning SQ0902 'lookup.reload-interval' only applies to a TABLE, but "orders" is a STREAM; it is ignored`,
    ]);
    expect(
      run(`'connector' = 'file', 'path' = 'u.csv', 'lookup.reload-interval' = '1 min'`, { relation: 'TABLE' })
        .diagnostics,
    ).toEqual([]);
  });

  it('warn about csv.header outside files', () => {
    const r = run(`${KAFKA}, 'format' = 'csv', 'csv.header' = 'true'`);
    expect(summary(r.diagnostics)).toEqual([
      `warning SQ0902 'csv.header' only applies to connector 'file'; it is ignored`,
    ]);
    expect(r.resolved['csv.header']).toBe('true');
    expect(run(`${KAFKA}, 'format' = 'csv'`).resolved['csv.header']).toBeUndefined();
  });
});

describe('resolved options', () => {
  it('fill every applicable default and normalise keys', () => {
    const r = run(`${KAFKA}, 'value.format' = 'json', 'value.json.ignore-parse-errors' = 'true'`);
    expect(r.diagnostics).toEqual([]);
    expect(r.resolved).toEqual({
      connector: 'kafka',
      topic: 'orders',
      format: 'json',
      'json.ignore-parse-errors': 'true',
      'properties.bootstrap.servers': 'localhost:9092',
      'value.fields-include': 'ALL',
      'scan.startup.mode': 'earliest-offset',
      'scan.topic-partition-discovery.interval': '5 min',
      'scan.fail-on-data-loss': 'true',
      'connect.retry-timeout': '60 s',
      'json.fail-on-missing-field': 'false',
      'json.timestamp-format.standard': 'ISO-8601',
    });
  });

  it('fill sink defaults for sinks only', () => {
    const r = run(`${KAFKA}`, { relation: 'SINK' });
    expect(r.resolved).toEqual({
      connector: 'kafka',
      topic: 'orders',
      format: 'json',
      'properties.bootstrap.servers': 'localhost:9092',
      'value.fields-include': 'ALL',
      'key.format': 'json',
      'sink.delivery-guarantee': 'at-least-once',
      'sink.partitioner': 'default',
      'connect.retry-timeout': '60 s',
      'json.timestamp-format.standard': 'ISO-8601',
      'json.encode.ignore-null-fields': 'false',
      'key.json.timestamp-format.standard': 'ISO-8601',
      'key.json.encode.ignore-null-fields': 'false',
    });
  });

  it('keep properties.* passthrough keys as written', () => {
    const r = run(`${KAFKA}, 'properties.client.id' = 'sqc-1', 'properties.security.protocol' = 'SASL_SSL'`);
    expect(r.diagnostics).toEqual([]);
    expect(r.resolved['properties.client.id']).toBe('sqc-1');
    expect(r.resolved['properties.security.protocol']).toBe('SASL_SSL');
    expect(run(`${KAFKA}, 'properties.' = 'x'`).errors[0]!.code).toBe('SQ0501');
  });

  it('never include ignored keys or unrelated formats', () => {
    const r = run(`'connector' = 'file', 'path' = 'in.jsonl'`);
    expect(Object.keys(r.resolved).some((k) => k.startsWith('csv.') || k.includes('parallelism'))).toBe(false);
  });
});
