/**
 * `sqc broker` as a user runs it: a child process that serves Kafka until SIGTERM/SIGINT and
 * then exits 0.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';

const SQC = join(import.meta.dirname, 'sqc.js');

async function runBroker(args: string[], signal: NodeJS.Signals) {
  const child = spawn(process.execPath, [SQC, 'broker', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const bootstrap = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /bootstrap\.servers=(\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error(`sqc broker exited early: ${err}`)));
  });
  const kafka = new Kafka({ clientId: 'cli-test', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'cli' }] });
  const meta = await admin.fetchTopicMetadata({ topics: ['cli'] });
  await admin.disconnect();
  const code = await new Promise<number | null>((resolve) => {
    child.on('exit', (c) => resolve(c));
    child.kill(signal);
  });
  return { code, out, err, partitions: meta.topics[0]!.partitions.length };
}

describe('sqc broker', () => {
  it('serves Kafka with the default partition count given, and exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sqc-broker-cli-'));
    try {
      const r = await runBroker(['--port', '0', '--partitions', '3', '--data-dir', dir], 'SIGTERM');
      expect(r.code).toBe(0);
      expect(r.partitions).toBe(3);
      expect(r.out).toMatch(/^sqc broker: listening on 127\.0\.0\.1:\d+ \(data in .*\); Ctrl-C to stop$/m);
      expect(r.err).toMatch(/sqc broker: stopped \(SIGTERM\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 0 on Ctrl-C (SIGINT)', async () => {
    const r = await runBroker(['--port', '0'], 'SIGINT');
    expect(r.code).toBe(0);
    expect(r.partitions).toBe(1);
  });

  it('rejects a bad port with a usage error', () => {
    const r = spawnSync(process.execPath, [SQC, 'broker', '--port', 'ninety'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('sqc broker: --port must be an integer from 0 to 65535, got "ninety"');
  });

  it('suggests the command and its options when misspelt', () => {
    expect(spawnSync(process.execPath, [SQC, 'brokr'], { encoding: 'utf8' }).stderr).toContain(
      'did you mean "broker"?',
    );
    expect(spawnSync(process.execPath, [SQC, 'broker', '--partition', '3'], { encoding: 'utf8' }).stderr).toContain(
      'did you mean "--partitions"?',
    );
  });
});
