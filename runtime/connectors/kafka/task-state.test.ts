/**
 * Changelog snapshots of a scaled-out stateful query's tasks (task-state.ts): a snapshot is cut
 * into chunks below the broker's message size and put back together from the committed offset
 * on; a missing, foreign, reordered or corrupt chunk is an error naming topic, partition and
 * offset and saying what to do. The whole path on a broker runs in test/kafka/scale-out-state.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { FetchedMessage } from './cluster.ts';
import { KafkaError } from './client.ts';
import { assembleSnapshot, changelogTopic, snapshotRecords } from './task-state.ts';

const WHERE = { topic: 'sqc-job-q-n2.agg-changelog', partition: 3, offset: 40 };

/** The records as a fetch returns them, from offset 40 on. */
function fetched(
  records: { key: string; value: Buffer; headers: Record<string, string> }[],
  from = 40,
): FetchedMessage[] {
  return records.map((r, i) => ({
    offset: String(from + i),
    timestamp: '0',
    key: Buffer.from(r.key),
    value: r.value,
    headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, Buffer.from(v)])),
    isControlRecord: false,
    batchContext: { producerId: '1', inTransaction: true, timestampType: 0 },
  }));
}

function failure(f: () => unknown): KafkaError {
  try {
    f();
  } catch (e) {
    if (e instanceof KafkaError) return e;
    throw e;
  }
  throw new Error('no error');
}

// a state with multi-byte characters (cut in the middle by the chunking), non-finite numbers and many keys
const state = {
  watermark: -Infinity,
  splits: { '0:orders/3': 1_767_225_694_400 },
  state: {
    kind: 'window-aggregate',
    version: 1,
    data: Array.from({ length: 500 }, (_, i) => [`ключ-${i}-🙂`, i * 1.5, i % 7 === 0 ? null : 'x'.repeat(i % 13)]),
  },
};

describe('changelog snapshots', () => {
  it('round-trips a snapshot cut into chunks, multi-byte characters and ±Infinity included', () => {
    const records = snapshotRecords('sqc-job-q-3:7', state, 1_000);
    expect(records.length).toBeGreaterThan(10);
    for (const r of records) expect(r.value.length).toBeLessThanOrEqual(1_000);
    expect(records.map((r) => r.headers['sqc.chunk'])).toEqual(records.map((_, i) => `${i}/${records.length}`));
    const got = assembleSnapshot(WHERE, fetched(records));
    expect(got).not.toBe('more');
    expect((got as { state: unknown }).state).toEqual(state);
    // a small state is one record; records after the snapshot (the next one) are ignored
    const one = snapshotRecords('sqc-job-q-3:8', { watermark: 5, splits: {}, state: null });
    expect(one).toHaveLength(1);
    expect(assembleSnapshot(WHERE, fetched([...one, ...records]))).toEqual({
      state: { watermark: 5, splits: {}, state: null },
      bytes: one[0]!.value.length,
    });
  });

  it('asks for more records while chunks are missing at the end of what was fetched', () => {
    const records = snapshotRecords('s:1', state, 2_000);
    expect(assembleSnapshot(WHERE, fetched(records.slice(0, 2)))).toBe('more');
    expect(assembleSnapshot(WHERE, [])).toBe('more');
  });

  it('a missing, foreign or reordered chunk, or bytes that are not JSON: an error naming topic, partition and offset, and what to do', () => {
    const records = snapshotRecords('s:1', state, 2_000);
    const at = /the state snapshot at topic sqc-job-q-n2\.agg-changelog partition 3 offset 40 is unreadable/;
    // the committed offset points at a record that is gone (the log starts later)
    let e = failure(() => assembleSnapshot(WHERE, fetched(records, 45)));
    expect(e.message).toMatch(at);
    expect(e.message).toMatch(/the record there is gone/);
    expect(e.hint).toMatch(
      /kafka-consumer-groups --delete-offsets --group <app>.<query>.state --topic sqc-job-q-n2.agg-changelog/,
    );
    // the offset holds a chunk in the middle of a snapshot
    e = failure(() => assembleSnapshot(WHERE, fetched(records.slice(1))));
    expect(e.message).toMatch(/it is chunk 1\/\d+ of a snapshot, not its first/);
    // a record written by something else
    e = failure(() => assembleSnapshot(WHERE, fetched([{ key: 'k', value: Buffer.from('{}'), headers: {} }])));
    expect(e.message).toMatch(/it is not a snapshot record of sqc/);
    // a chunk of another snapshot in the middle
    const other = snapshotRecords('s:2', state, 2_000);
    e = failure(() => assembleSnapshot(WHERE, fetched([records[0]!, other[1]!, ...records.slice(2)])));
    expect(e.message).toMatch(/chunk 2 of \d+ is missing \(offset 41 holds another record\)/);
    // chunks out of order
    e = failure(() => assembleSnapshot(WHERE, fetched([records[0]!, records[2]!, records[1]!, ...records.slice(3)])));
    expect(e.message).toMatch(/offset 41 holds chunk 2\/\d+, expected 1\/\d+/);
    // the bytes are not JSON
    const broken = snapshotRecords('s:3', state, 2_000);
    broken[1] = { ...broken[1]!, value: Buffer.from('\u0000garbage') };
    e = failure(() => assembleSnapshot(WHERE, fetched(broken)));
    expect(e.message).toMatch(/its \d+ chunks do not hold valid JSON/);
  });

  it('names changelog topics after the application, query and operator, as Kafka allows', () => {
    expect(changelogTopic('sqc-orders', 'insert_into_totals', 'n2.window-aggregate')).toBe(
      'sqc-orders-insert_into_totals-n2.window-aggregate-changelog',
    );
    expect(changelogTopic('sqc-a b/c', 'q', 'n1:x')).toBe('sqc-a_b_c-q-n1_x-changelog');
  });
});
