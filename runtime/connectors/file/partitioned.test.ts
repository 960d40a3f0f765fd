/**
 * The partitioned file sink (partitioned.ts): rows in `col=value/` folders without the partition
 * columns, and partition commit — a success file only once the trigger time has come (the
 * watermark past the partition's time plus the delay), and never before its rows are published.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FieldDesc } from '../../types.ts';
import type { SinkContext } from '../types.ts';
import { fileOptions, type FileConfig } from './options.ts';
import { partitionedFileSink } from './partitioned.ts';

const FIELDS: readonly FieldDesc[] = [
  { name: 'id', type: { kind: 'BIGINT' } },
  { name: 'dt', type: { kind: 'STRING' } },
  { name: 'hr', type: { kind: 'STRING' } },
];

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function sinkAt(
  options: Record<string, string>,
  checkpointing: boolean,
): { path: string; ctx: SinkContext<FileConfig> } {
  const path = join(mkdtempSync(join(tmpdir(), 'sqc-psink-')), 'out');
  dirs.push(join(path, '..'));
  const all = { path, format: 'csv', ...options };
  return {
    path,
    ctx: {
      name: 'bids',
      config: fileOptions.resolve(all, { relationName: 'bids', reads: false, writes: true }),
      options: all,
      format: 'csv',
      schema: FIELDS,
      keyFields: [],
      partitionBy: ['dt', 'hr'],
      metadata: [],
      deliveryGuarantee: 'exactly-once',
      binding: null,
      print: null,
      checkpointing,
    },
  };
}

const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);

describe('partitioned file sink', () => {
  it('writes col=value/ folders; partition time: _SUCCESS once the watermark passes the hour plus the delay, after publishing', async () => {
    const { path, ctx } = sinkAt(
      {
        'sink.partition-commit.trigger': 'partition-time',
        'sink.partition-commit.delay': '1 h',
        'sink.partition-commit.policy.kind': 'success-file',
        'partition.time-extractor.timestamp-pattern': '$dt $hr:00:00',
      },
      true,
    );
    const sink = partitionedFileSink(ctx);
    const w = sink.writer({ query: 'q', emit: 'final', upsertKey: null } as never);
    await sink.open(null);
    const ten = join(path, 'dt=2025-01-01', 'hr=10');
    const eleven = join(path, 'dt=2025-01-01', 'hr=11');
    w.write({ id: 1, dt: '2025-01-01', hr: '10' });
    w.write({ id: 2, dt: '2025-01-01', hr: '11' });
    w.write({ id: 3, dt: null, hr: 'a/b' });
    await w.commit(0, at('2025-01-01T11:30:00Z'));
    // staged, not published: no data visible and nothing committed
    expect(readFileSync(join(ten, 'part-bids.csv'), 'utf8')).toBe('id\n');
    await w.publish!(0);
    expect(readFileSync(join(ten, 'part-bids.csv'), 'utf8')).toBe('id\n1\n');
    expect(readFileSync(join(path, 'dt=__DEFAULT_PARTITION__', 'hr=a%2Fb', 'part-bids.csv'), 'utf8')).toBe('id\n3\n');
    // watermark 11:30: hour 10 is due at 10:00 + 1 h = 11:00 (committed), hour 11 at 12:00 (not yet)
    expect(existsSync(join(ten, '_SUCCESS'))).toBe(true);
    expect(existsSync(join(eleven, '_SUCCESS'))).toBe(false);
    // the watermark moves on without rows for hour 11: it is committed with the next batch
    await w.commit(1, at('2025-01-01T12:00:00Z') - 1);
    await w.publish!(1);
    expect(existsSync(join(eleven, '_SUCCESS'))).toBe(false);
    await w.commit(2, at('2025-01-01T11:00:00Z') + HOUR);
    await w.publish!(2);
    expect(existsSync(join(eleven, '_SUCCESS'))).toBe(true);
    expect(existsSync(join(path, 'dt=__DEFAULT_PARTITION__', 'hr=a%2Fb', '_SUCCESS'))).toBe(false);
    // end of bounded input: every partition
    await w.commit(3, Infinity);
    await w.publish!(3);
    expect(existsSync(join(path, 'dt=__DEFAULT_PARTITION__', 'hr=a%2Fb', '_SUCCESS'))).toBe(true);
    await sink.close();
  });

  it('process time without a delay: committed with the batch that wrote it; without a policy, no success file', async () => {
    for (const policy of [true, false]) {
      const { path, ctx } = sinkAt(policy ? { 'sink.partition-commit.policy.kind': 'success-file' } : {}, false);
      const sink = partitionedFileSink(ctx);
      const w = sink.writer({ query: 'q', emit: 'final', upsertKey: null } as never);
      await sink.open(null);
      w.write({ id: 1, dt: '2025-01-01', hr: '10' });
      await w.commit(0, -Infinity);
      const dir = join(path, 'dt=2025-01-01', 'hr=10');
      expect(readFileSync(join(dir, 'part-bids.csv'), 'utf8')).toBe('id\n1\n');
      expect(existsSync(join(dir, '_SUCCESS'))).toBe(policy);
      await sink.close();
    }
  });
});
