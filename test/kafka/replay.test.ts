/**
 * A logged micro-batch that takes several fetches is replayed whole. A restart replays the batch
 * its checkpoint logged but did not commit, all of it at once: the source fetches until every
 * partition has the batch's range, and the engine must wait for those fetches. (It used to see
 * part of the batch buffered, poll again at once and spin without ever letting the next fetch's
 * answer in: the restart hung. The read-ahead cap must not stop those fetches either.) The job
 * reads one partition of ~190-byte records (a fetch brings ~20k of them) with a large
 * `scan.max-offsets-per-trigger`; its first batch is small and its second (`trigger.interval`
 * gives the read-ahead time to fill) spans several fetches. The run is killed once that batch
 * is logged, before it is processed; the restart must replay it and finish with every record in
 * the file sink once.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { kafkaForTests, type KafkaForTests } from '../../broker/index.ts';
import { killAll, precompile, runJob } from '../crash/harness.ts';
import { produce } from './support.ts';

const N = 150_000;

let k: KafkaForTests;
const tmp = mkdtempSync(join(tmpdir(), 'sqc-replay-'));
beforeAll(async () => {
  k = await kafkaForTests();
});
afterAll(async () => {
  killAll();
  await k?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

it('replays a logged batch that spans several fetches, then finishes with every record once', async () => {
  const topic = await k.topic(1);
  const pad = 'x'.repeat(120);
  for (let from = 0; from < N; from += 25_000)
    await produce(
      k.kafka,
      topic,
      Array.from({ length: 25_000 }, (_, j) => ({
        value: JSON.stringify({ id: from + j, pad, ts: new Date(Date.UTC(2026, 0, 1) + from + j).toISOString() }),
      })),
    );
  const job = join(tmp, 'job.sq');
  writeFileSync(
    job,
    `SET 'pipeline.name' = 'replay-${k.groupId()}';
SET 'checkpoint.dir' = 'chk';
SET 'trigger.interval' = '3 s';
CREATE STREAM events (id BIGINT, pad STRING, ts TIMESTAMP(3)) WITH (
  'connector' = 'kafka', 'topic' = '${topic}', 'properties.bootstrap.servers' = '${k.brokers.join(',')}',
  'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'format' = 'json',
  'scan.max-offsets-per-trigger' = '1000000'
);
CREATE SINK ids WITH ('connector' = 'file', 'path' = 'out/ids.jsonl', 'format' = 'json');
INSERT INTO ids SELECT id FROM events;
`,
  );
  const cwd = join(tmp, 'run');
  mkdirSync(cwd, { recursive: true });
  const cacheDir = join(tmp, 'cache');
  await precompile([job], cacheDir);

  // killed once the second batch is logged (its write-ahead record), before it is processed
  const first = await runJob({ job, cwd, sets: {}, cacheDir, crashAt: 'offsets.written:2' });
  expect(first.signal, first.stderr).toBe('SIGKILL');
  const logged = first.stderr;

  const second = await runJob({ job, cwd, sets: {}, cacheDir, killAfterMs: 120_000 });
  expect(second.killedByHarness, `the restart did not finish:\n${logged}\n---\n${second.stderr}`).toBe(false);
  expect(second.code, second.stderr).toBe(0);
  const ids = readFileSync(join(cwd, 'out', 'ids.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { id: number }).id)
    .sort((a, b) => a - b);
  expect(ids).toHaveLength(N);
  expect(ids.every((id, i) => id === i)).toBe(true);
}, 300_000);
