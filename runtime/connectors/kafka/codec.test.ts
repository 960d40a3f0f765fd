/**
 * Kafka record pieces that need no broker: the Java-compatible murmur2 partitioner, key/value
 * layouts in every format, what a reader sees of a fetched partition (control records, aborted
 * transactions, compressed batches starting before the fetch offset), specific-offset lists and
 * the messages of client failures.
 */
import { describe, expect, it } from 'vitest';
import type { FieldDesc } from '../../index.ts';
import { murmur2, partitionOfKey } from './murmur2.ts';
import { recordEncoder, recordLayout, recordParser } from './codec.ts';
import { visibleMessages, type FetchedMessage, type FetchedPartition } from './cluster.ts';
import { clientSettings, kafkaError, withRetry } from './client.ts';
import { kafkaOptions, parseSpecificOffsets } from './options.ts';

/** The typed config of a kafka relation with these options (as the compiler resolves it). */
const config = (o: Record<string, string>) =>
  kafkaOptions.resolve({ connector: 'kafka', ...o }, { relationName: 'r', reads: true, writes: true });

const STRING = { kind: 'STRING' } as const;
const fields: FieldDesc[] = [
  { name: 'user', type: STRING },
  { name: 'page', type: STRING },
  { name: 'n', type: { kind: 'BIGINT' } },
  { name: 'ts', type: { kind: 'TIMESTAMP' } },
];

describe('murmur2', () => {
  it("matches the Java client's values (org.apache.kafka.common.utils.UtilsTest)", () => {
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [s, h] of cases) expect(murmur2(Buffer.from(s))).toBe(h);
    // toPositive(-973932308) % 7
    expect(partitionOfKey(Buffer.from('21'), 7)).toBe((-973932308 & 0x7fffffff) % 7);
  });
});

describe('record layout', () => {
  const row = { user: 'u1', page: '/a,b', n: 3, ts: Date.UTC(2025, 3, 21, 14, 8, 35) };

  it('writes key fields in the key format and, with EXCEPT_KEY, leaves them out of the value', () => {
    const all = recordEncoder(recordLayout(fields, config({ 'key.format': 'json' }), ['user']), {});
    expect(all.key!(row)).toBe('{"user":"u1"}');
    expect(all.value(row)).toBe('{"user":"u1","page":"/a,b","n":3,"ts":"2025-04-21T14:08:35.000Z"}');
    const o = { 'key.format': 'raw', 'value.fields-include': 'EXCEPT_KEY', format: 'csv' };
    const except = recordEncoder(recordLayout(fields, config(o), ['user']), o);
    expect(except.key!(row)).toBe('u1');
    expect(except.value(row)).toBe('"/a,b",3,2025-04-21T14:08:35.000Z');
    expect(recordEncoder(recordLayout(fields, config({}), []), {}).key).toBeNull();
  });

  it('reads key columns from the key and the rest from the value (csv, json, raw), tombstones as key only', () => {
    const o = { 'key.format': 'csv', 'value.fields-include': 'EXCEPT_KEY' };
    const parse = recordParser(recordLayout(fields, config(o), ['user', 'page']), o);
    expect(parse('u1,/a', '{"n":3,"ts":"2025-04-21 14:08:35"}')).toEqual({
      n: 3,
      ts: '2025-04-21 14:08:35',
      user: 'u1',
      page: '/a',
    });
    expect(parse(null, '{"n":3}')).toEqual({ n: 3, user: null, page: null });
    expect(parse('u2,/b', null)).toEqual({ user: 'u2', page: '/b' });
    const raw = { 'key.format': 'json', format: 'raw', 'value.fields-include': 'EXCEPT_KEY' };
    const two: FieldDesc[] = [fields[0]!, fields[1]!];
    expect(recordParser(recordLayout(two, config(raw), ['user']), raw)('{"user":"u9"}', 'hello')).toEqual({
      page: 'hello',
      user: 'u9',
    });
  });
});

function msg(offset: number, o: Partial<FetchedMessage> & { pid?: string; txn?: boolean } = {}): FetchedMessage {
  return {
    offset: String(offset),
    timestamp: '0',
    key: o.key ?? null,
    value: o.value === undefined ? Buffer.from(`v${offset}`) : o.value,
    headers: {},
    isControlRecord: o.isControlRecord ?? false,
    batchContext: { producerId: o.pid ?? '-1', inTransaction: o.txn ?? false, timestampType: 0 },
  };
}

describe('visibleMessages', () => {
  it('drops control records, aborted transactional data and records before the fetch offset', () => {
    const data: FetchedPartition = {
      partition: 0,
      errorCode: 0,
      highWatermark: '9',
      abortedTransactions: [{ producerId: '7', firstOffset: '3' }],
      messages: [
        msg(0),
        msg(1),
        msg(2, { pid: '8', txn: true }),
        msg(3, { pid: '7', txn: true }),
        msg(4, { pid: '8', txn: true }),
        msg(5, { pid: '7', txn: true }),
        msg(6, { pid: '7', txn: true, isControlRecord: true, key: Buffer.from([0, 0, 0, 0]) }),
        msg(7, { pid: '8', txn: true, isControlRecord: true, key: Buffer.from([0, 0, 0, 1]) }),
        msg(8, { pid: '7', txn: false }),
      ],
    };
    expect(visibleMessages(data, 1).map((m) => Number(m.offset))).toEqual([1, 2, 4, 8]);
  });

  it('drops the data of every aborted transaction whatever order the broker lists them in', () => {
    // Two writers' transactions overlap on one partition (the progress topic of several
    // exactly-once sinks): 8's starts first, 7's second, but 7's is aborted first (a restart
    // fences the sinks one after another), and brokers list aborted transactions in the order
    // of their abort markers. Kept, 8's aborted progress record made a restart skip a batch.
    const abort = Buffer.from([0, 0, 0, 0]);
    const data: FetchedPartition = {
      partition: 0,
      errorCode: 0,
      highWatermark: '7',
      abortedTransactions: [
        { producerId: '7', firstOffset: '2' },
        { producerId: '8', firstOffset: '1' },
      ],
      messages: [
        msg(0),
        msg(1, { pid: '8', txn: true }),
        msg(2, { pid: '7', txn: true }),
        msg(3, { pid: '7', txn: true, isControlRecord: true, key: abort }),
        msg(4, { pid: '8', txn: true }),
        msg(5, { pid: '8', txn: true, isControlRecord: true, key: abort }),
        msg(6, { pid: '8', txn: false }),
      ],
    };
    expect(visibleMessages(data, 0).map((m) => Number(m.offset))).toEqual([0, 6]);
  });
});

describe('visibleMessages without aborted transactions', () => {
  const part = (messages: FetchedMessage[]): FetchedPartition => ({
    partition: 0,
    errorCode: 0,
    highWatermark: '9',
    abortedTransactions: [],
    messages,
  });
  it('hands plain records over as fetched, drops records before the fetch offset and commit markers', () => {
    const plain = part([msg(3), msg(4), msg(5)]);
    expect(visibleMessages(plain, 3)).toBe(plain.messages);
    expect(visibleMessages(plain, 4).map((m) => Number(m.offset))).toEqual([4, 5]);
    const committed = part([
      msg(0, { pid: '7', txn: true }),
      msg(1, { pid: '7', txn: true }),
      msg(2, { pid: '7', txn: true, isControlRecord: true, key: Buffer.from([0, 0, 0, 1]) }),
      msg(3),
    ]);
    expect(visibleMessages(committed, 1).map((m) => Number(m.offset))).toEqual([1, 3]);
  });
});

describe('specific offsets', () => {
  it("reads Flink's 'partition:0,offset:42;partition:1,offset:300', with topics when several are read", () => {
    expect(parseSpecificOffsets('partition:0,offset:42;partition:1,offset:300')).toEqual([
      { topic: null, partition: 0, offset: 42 },
      { topic: null, partition: 1, offset: 300 },
    ]);
    expect(parseSpecificOffsets('topic:b,partition:2,offset:5')).toEqual([{ topic: 'b', partition: 2, offset: 5 }]);
    expect(() => parseSpecificOffsets('partition:0')).toThrow(
      "has 'partition:0', which is not 'partition:<n>,offset:<n>' (pairs separated by ';', 'topic:<name>,' first when reading several topics)",
    );
    expect(() => config({ 'scan.startup.specific-offsets': 'partition:x,offset:1' })).toThrow(
      "option 'scan.startup.specific-offsets' = 'partition:x,offset:1' is not an integer",
    );
  });
});

describe('client settings and errors', () => {
  it('passes properties.* through: servers, client id, SASL from a JAAS line, timeouts, the retry budget', () => {
    const s = clientSettings(
      'clicks',
      config({
        'properties.bootstrap.servers': 'k1:9092, k2:9093',
        'properties.client.id': 'me',
        'properties.security.protocol': 'SASL_PLAINTEXT',
        'properties.sasl.mechanism': 'SCRAM-SHA-256',
        'properties.sasl.jaas.config':
          'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="s3cret";',
        'properties.request.timeout.ms': '5000',
        'connect.retry-timeout': '2 min',
      }),
    );
    expect(s.brokers).toEqual(['k1:9092', 'k2:9093']);
    expect(s.config.clientId).toBe('me');
    expect(s.config.sasl).toEqual({ mechanism: 'scram-sha-256', username: 'alice', password: 's3cret' });
    expect(s.config.requestTimeout).toBe(5000);
    expect(s.retryTimeoutMs).toBe(120_000);
    expect(clientSettings('x', config({})).config.clientId).toBe('sqc-x');
  });

  it('says what to do for each kind of failure', () => {
    const b = ['k1:9092'];
    const conn = kafkaError(
      { name: 'KafkaJSConnectionError', message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092' },
      b,
      'source "s"',
    );
    expect(conn.transient).toBe(true);
    expect(conn.message).toBe(
      'source "s": cannot reach the Kafka brokers at k1:9092 (Connection error: connect ECONNREFUSED 127.0.0.1:9092)',
    );
    const auth = kafkaError(
      { name: 'KafkaJSSASLAuthenticationError', message: 'SASL SCRAM-SHA-256 authentication failed' },
      b,
      'sink "o"',
    );
    expect(auth.transient).toBe(false);
    expect(auth.hint).toMatch(/properties\.sasl\.mechanism/);
    const big = kafkaError(
      {
        name: 'KafkaJSProtocolError',
        type: 'MESSAGE_TOO_LARGE',
        message: 'The request included a message larger than the max message size the server will accept',
      },
      b,
      'writing to topic t',
    );
    expect(big.hint).toBe(
      "raise the topic's max.message.bytes (and the broker's message.max.bytes), or write smaller rows",
    );
    const codec = kafkaError(
      { name: 'KafkaJSNotImplemented', message: 'LZ4 compression not implemented' },
      b,
      'source "s"',
    );
    expect(codec.message).toBe('source "s": LZ4 compression not implemented');
    expect(codec.hint).toMatch(/kafkajs codec packages/);
    // kafkajs's own TypeError when a broker goes away mid-request: retried, and said so
    const broken = new TypeError("Cannot read properties of null (reading 'topicMetadata')");
    broken.stack = `TypeError: ${broken.message}\n    at Admin.fetchTopicMetadata (/app/node_modules/kafkajs/src/admin/index.js:620:32)`;
    const internal = kafkaError(broken, b, 'sink "o"');
    expect(internal.transient).toBe(true);
    expect(internal.message).toBe(
      'sink "o": the Kafka client failed while talking to the brokers at k1:9092 (Cannot read properties of null (reading \'topicMetadata\'))',
    );
    // a TypeError of sqc's own is a bug, not a broker problem: not retried
    expect(kafkaError(new TypeError('x is undefined'), b, 'sink "o"').transient).toBe(false);
  });

  it('retries transient failures within the budget, then gives up saying for how long', async () => {
    let calls = 0;
    const retried: number[] = [];
    const p = withRetry(
      async () => {
        calls++;
        throw { name: 'KafkaJSConnectionError', message: 'connect ECONNREFUSED' };
      },
      { budgetMs: 300, brokers: ['k1:9092'], what: 'source "s"', onRetry: (_e, n) => retried.push(n) },
    );
    await expect(p).rejects.toThrow(
      /^source "s": cannot reach the Kafka brokers at k1:9092 \(connect ECONNREFUSED\); gave up after retrying for 0 s$/,
    );
    expect(calls).toBeGreaterThan(1);
    expect(retried[0]).toBe(1);
    let permanent = 0;
    await expect(
      withRetry(
        async () => {
          permanent++;
          throw { name: 'KafkaJSSASLAuthenticationError', message: 'bad password' };
        },
        { budgetMs: 10_000, brokers: ['k1:9092'], what: 'x' },
      ),
    ).rejects.toThrow(/authentication failed/);
    expect(permanent).toBe(1);
  });
});
