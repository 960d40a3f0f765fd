/**
 * Kafka faults as the user meets them: whole `node bin/sqc.js run` processes against an
 * in-process broker that requires SASL/PLAIN and limits record batches to 8 KiB (Kafka's
 * `message.max.bytes`), each checked for its exit code and the exact error it prints. (Offsets
 * that vanished and a broker lost while running are in connectors.test.ts, through the job API.)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKafkaBroker, type KafkaBroker } from '../../broker/index.ts';
import { produce } from './support.ts';

const ROOT = join(import.meta.dirname, '..', '..');
let broker: KafkaBroker;
let kafka: Kafka;
let dir: string;

beforeAll(async () => {
  broker = await startKafkaBroker({ sasl: { plain: { alice: 's3cret' } }, maxMessageBytes: 8192, log: () => {} });
  kafka = new Kafka({
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'plain', username: 'alice', password: 's3cret' },
  });
  broker.createTopic('clicks', 2);
  await produce(kafka, 'clicks', [
    { partition: 0, value: JSON.stringify({ page: '/a' }) },
    { partition: 1, value: JSON.stringify({ page: 'x'.repeat(5_000) }) },
  ]);
  dir = mkdtempSync(join(tmpdir(), 'sqc-kafka-faults-'));
});
afterAll(async () => {
  await broker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const jaas = (password: string) =>
  `'properties.security.protocol' = 'SASL_PLAINTEXT', 'properties.sasl.mechanism' = 'PLAIN',
   'properties.sasl.jaas.config' = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="${password}";'`;

/** A program reading `topic` (available-now) with `password`, writing through `sink`. */
function program(o: { topic?: string; password?: string; servers?: string; extra?: string; sink: string }): string {
  return `SET 'trigger.mode' = 'available-now';
CREATE STREAM clicks (page STRING)
WITH ('connector' = 'kafka', 'topic' = '${o.topic ?? 'clicks'}', 'format' = 'json',
      'properties.bootstrap.servers' = '${o.servers ?? broker.bootstrap}', ${jaas(o.password ?? 's3cret')}${o.extra ?? ''});
${o.sink}`;
}

const PRINT_LENGTHS = `CREATE SINK o WITH ('connector' = 'print');
INSERT INTO o SELECT CHAR_LENGTH(page) AS n FROM clicks;`;

const kafkaSink = (extra = '') => `CREATE SINK o WITH ('connector' = 'kafka', 'topic' = 'out', 'format' = 'json',
  'properties.bootstrap.servers' = '${broker.bootstrap}', ${jaas('s3cret')}${extra});
INSERT INTO o SELECT CONCAT(page, page) AS page FROM clicks;`;

/** Runs `sqc run` on `source` (asynchronously: the broker answers from this process). */
function sqcRun(name: string, source: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = join(dir, `${name}.sq`);
  writeFileSync(file, source);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'sqc.js'), 'run', file], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The error the run ends with: from its `error: query` line to the end of stderr. */
const errorOf = (stderr: string) => stderr.slice(stderr.lastIndexOf('error: query')).trimEnd();

describe('kafka faults, as `sqc run` reports them', () => {
  it('right SASL/PLAIN credentials read the topic (the broker really checks them)', async () => {
    const r = await sqcRun('sasl_ok', program({ sink: PRINT_LENGTHS }));
    expect(r.stderr).toMatch(
      /^job sasl_ok: 1 query in [\d.]+ s\n  insert_into_o: stopped, \d+ batch(es)?, 2 rows in, 2 rows out/,
    );
    expect(r.code).toBe(0);
    expect(
      r.stdout
        .split('\n')
        .filter((l) => l.includes('+I'))
        .sort(),
    ).toEqual(['o> | +I |    2 |', 'o> | +I | 5000 |']);
  });

  it('librdkafka (kcat) authenticates with SASL/PLAIN against the same broker, and is refused with a wrong password', async () => {
    const kcat = (password: string) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(
          'kcat',
          [
            '-b',
            broker.bootstrap,
            '-X',
            'security.protocol=SASL_PLAINTEXT',
            '-X',
            'sasl.mechanisms=PLAIN',
            '-X',
            'sasl.username=alice',
            '-X',
            `sasl.password=${password}`,
            '-C',
            '-t',
            'clicks',
            '-e',
            '-q',
            '-f',
            '%p %s\\n',
            '-m',
            '5',
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('exit', (code) => resolve({ code, out }));
      });
    const ok = await kcat('s3cret');
    expect(ok.code).toBe(0);
    expect(
      ok.out
        .split('\n')
        .filter(Boolean)
        .map((l) => l.slice(0, 13))
        .sort(),
    ).toEqual(['0 {"page":"/a', '1 {"page":"xx']);
    const refused = await kcat('wrong');
    expect(refused.code).not.toBe(0);
    expect(refused.out).toBe('');
  });

  it('wrong credentials: exit 1, the servers and what to check', async () => {
    const r = await sqcRun('sasl_wrong', program({ password: 'wrong', sink: PRINT_LENGTHS }));
    expect(r.code).toBe(1);
    expect(errorOf(r.stderr)).toBe(
      `error: query "insert_into_o" failed reading source "clicks": source "clicks" (topic clicks): authentication failed at ${broker.bootstrap} (SASL PLAIN authentication failed: Authentication failed: Invalid username or password)
  hint: check properties.sasl.mechanism and the user name and password (properties.sasl.jaas.config, or properties.sasl.username / properties.sasl.password)`,
    );
  });

  it('a record over the broker limit (message.max.bytes): exit 1, what to raise', async () => {
    const r = await sqcRun('too_large_broker', program({ sink: kafkaSink() }));
    expect(r.code).toBe(1);
    expect(errorOf(r.stderr)).toBe(
      `error: query "insert_into_o" failed: writing sink "o" failed: writing to topic out: a record is larger than the broker accepts (The request included a message larger than the max message size the server will accept)
  hint: raise the topic's max.message.bytes (and the broker's message.max.bytes), or write smaller rows`,
    );
  });

  it('a record over properties.max.request.size: exit 1 before anything is sent', async () => {
    const r = await sqcRun(
      'too_large_client',
      program({ sink: kafkaSink(", 'properties.max.request.size' = '4096'") }),
    );
    expect(r.code).toBe(1);
    expect(errorOf(r.stderr)).toBe(
      `error: query "insert_into_o" failed: writing sink "o" failed: writing to topic out: a record of 10043 bytes is larger than properties.max.request.size (4096 bytes)
  hint: raise 'properties.max.request.size' (and the topic's max.message.bytes on the brokers), or write smaller rows`,
    );
  });

  it('a missing topic: exit 1, naming it', async () => {
    const r = await sqcRun('missing_topic', program({ topic: 'no-such-topic', sink: PRINT_LENGTHS }));
    expect(r.code).toBe(1);
    expect(errorOf(r.stderr)).toBe(
      `error: query "insert_into_o" failed reading source "clicks": source "clicks" (topic no-such-topic): topic "no-such-topic" does not exist at ${broker.bootstrap}
  hint: create the topic first (sqc never creates the topics it reads), or fix the topic name`,
    );
  });

  it('brokers unreachable at start: retried for connect.retry-timeout, then exit 1 naming the bootstrap servers', async () => {
    const r = await sqcRun(
      'unreachable',
      program({ servers: '127.0.0.1:1', extra: ", 'connect.retry-timeout' = '2 s'", sink: PRINT_LENGTHS }),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^sqc: source "clicks" \(topic clicks\): cannot reach the Kafka brokers at 127\.0\.0\.1:1 \(Connection error: connect ECONNREFUSED 127\.0\.0\.1:1\); retrying for up to 2 s\n/,
    );
    expect(errorOf(r.stderr)).toMatch(
      /^error: query "insert_into_o" failed reading source "clicks": source "clicks" \(topic clicks\): cannot reach the Kafka brokers at 127\.0\.0\.1:1 \(Connection error: connect ECONNREFUSED 127\.0\.0\.1:1\); gave up after retrying for [23] s\n  hint: check properties\.bootstrap\.servers and that the brokers are running and reachable from here; 'connect\.retry-timeout' sets how long to retry \(now 2 s\)$/,
    );
  });

  it('a compression codec sqc cannot write (zstd): exit 1 at the option, before anything runs', async () => {
    const r = await sqcRun('zstd_sink', program({ sink: kafkaSink(", 'properties.compression.type' = 'zstd'") }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error[SQ0503]: 'properties.compression.type' = 'zstd' is not one of 'none', 'gzip', 'snappy', 'lz4'`,
    );
  });
});
