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

  it('warns at a stateful operator that state per task is not built (the job is refused at start)', () => {
    const src = JOB('', 'INSERT INTO out SELECT user_id, SUM(amount) AS total FROM events GROUP BY user_id;');
    expect(errors(src)).toEqual([]);
    const warnings = analyze(src, 'job.sq')
      .diagnostics.filter((d) => d.code === 'SQ0506')
      .map((d) => `${d.severity} ${d.span.line}:${d.span.col} ${d.message}`);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^warning 8:\d+ an aggregate keeps state, which a scaled-out job cannot move between processes yet/,
      ),
    ]);
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
