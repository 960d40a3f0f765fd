/**
 * Jobs without Kafka do not load kafkajs (~100 ms of start-up): the runtime, with every built-in
 * connector registered, loads it only when a Kafka source or sink is created.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const RUNTIME = join(import.meta.dirname, '..', '..', 'index.ts');

describe('kafkajs', () => {
  it('is not loaded by importing the runtime', () => {
    const script = `
      const { createRequire } = await import('node:module');
      await import(${JSON.stringify(RUNTIME)});
      const cache = createRequire(import.meta.url).cache;
      console.log(JSON.stringify(Object.keys(cache).filter((k) => k.includes('kafkajs'))));
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual([]);
  });
});
