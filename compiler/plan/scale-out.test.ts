import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.ts';

const KAFKA = `'connector' = 'kafka', 'properties.bootstrap.servers' = 'localhost:9092', 'format' = 'json'`;
const JOB = (sets: string, query: string) => `
SET 'pipeline.scale-out' = 'true';
${sets}
CREATE STREAM events (user_id STRING, amount INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (${KAFKA}, 'topic' = 'events');
CREATE TABLE users (user_id STRING, name STRING) WITH ('connector' = 'filesystem', 'path' = 'users.csv', 'format' = 'csv');
CREATE SINK out WITH (${KAFKA}, 'topic' = 'out');
${query}`;

function errors(source: string): string[] {
  return analyze(source, 'job.sq')
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => `${d.code} ${d.span.line}:${d.span.col} ${d.message}`);
}

describe('SQ0506: what a scaled-out job cannot do yet, reported by sqc check', () => {
  it('accepts a stateless query over Kafka, and a lookup table read whole by every process', () => {
    expect(
      errors(JOB('', 'INSERT INTO out SELECT user_id, amount * 2 AS doubled FROM events WHERE amount > 10;')),
    ).toEqual([]);
    expect(
      errors(
        JOB(
          '',
          'INSERT INTO out SELECT e.user_id, u.name FROM events e JOIN users FOR SYSTEM_TIME AS OF e.ts AS u ON e.user_id = u.user_id;',
        ),
      ),
    ).toEqual([]);
  });

  it('accepts a stateful operator re-keyed through a repartition topic: its state lives per task', () => {
    const src = JOB('', 'INSERT INTO out SELECT user_id, SUM(amount) AS total FROM events GROUP BY user_id;');
    expect(analyze(src, 'job.sq').diagnostics.filter((d) => d.code === 'SQ0506')).toEqual([]);
  });

  it("accepts stateful operators keyed by the sources' message key (state per task)", () => {
    const keyed = (key: string, query: string) => `
SET 'pipeline.scale-out' = 'true';
CREATE STREAM events (user_id STRING, amount INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (${KAFKA}, 'topic' = 'events', 'key.format' = 'raw', 'key.fields' = '${key}');
CREATE STREAM pays (uid STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (${KAFKA}, 'topic' = 'pays', 'key.format' = 'raw', 'key.fields' = 'uid');
CREATE SINK out WITH (${KAFKA}, 'topic' = 'out');
${query}`;
    const group = 'INSERT INTO out SELECT user_id, SUM(amount) AS total FROM events GROUP BY user_id;';
    const window = `INSERT INTO out SELECT u, window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE (SELECT user_id AS u, ts FROM events), DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY u, window_start, window_end;`;
    const join = `INSERT INTO out SELECT e.user_id, p.ts FROM events e JOIN pays p ON e.user_id = p.uid AND p.ts BETWEEN e.ts AND e.ts + INTERVAL '1' MINUTE;`;
    const topN = `INSERT INTO out SELECT user_id, amount FROM (SELECT user_id, amount, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY amount DESC) AS r FROM events) WHERE r <= 3;`;
    for (const q of [group, window, join, topN]) expect(errors(keyed('user_id', q)), q).toEqual([]);
    // keyed by another column: re-keyed through a repartition topic (stages.ts)
    expect(errors(keyed('amount', group))).toEqual([]);
    expect(errors(keyed('amount', join))).toEqual([]);
    // an aggregate over an updating result keyed otherwise cannot be re-keyed
    expect(
      errors(
        keyed(
          'user_id',
          'INSERT INTO out SELECT total, COUNT(*) AS n FROM (SELECT user_id, SUM(amount) AS total FROM events GROUP BY user_id) GROUP BY total;',
        ),
      ),
    ).toEqual([expect.stringMatching(/SQ0506 .*updating stream/)]);
  });

  it('refuses checkpoint.dir and available-now', () => {
    const stateless = 'INSERT INTO out SELECT user_id FROM events;';
    expect(errors(JOB("SET 'checkpoint.dir' = './chk';", stateless))).toEqual([
      expect.stringMatching(/SQ0506 .* 'pipeline.scale-out' and 'checkpoint.dir' cannot be used together yet/),
    ]);
    expect(errors(JOB("SET 'trigger.mode' = 'available-now';", stateless))).toEqual([
      expect.stringMatching(/SQ0506 .*needs continuous reading/),
    ]);
  });

  it('refuses a source that is not Kafka', () => {
    expect(errors(JOB('', 'INSERT INTO out SELECT user_id, name FROM users;'))).toEqual([
      expect.stringMatching(/SQ0506 .*source "users" \(connector 'file', bounded\) cannot be shared/),
    ]);
  });
});
