/**
 * Holds the progress record's schema stable: a real record (a file source with a malformed line,
 * checkpoints after every batch) has exactly the fields and value types of the example in
 * docs/progress.md. Changing the record means changing that page in the same commit.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { QueryProgress, QuerySnapshot } from '../index.ts';
import { decodeFile } from '../checkpoint/files.ts';
import { encodeState } from '../state/snapshot.ts';
import { WIN_FIELDS, evSource, jobSpec, sinkSpec, tumbleCountQuery } from '../testing/specs.ts';
import { defineJob } from './job.ts';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const dir = mkdtempSync(join(tmpdir(), 'sqc-progress-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Fields whose value is connector-specific JSON (not part of the schema). */
const OPAQUE = new Set(['startOffset', 'endOffset']);
/** Fields only some sources have (documented as such). */
const OPTIONAL = new Set(['partitions']);

/** Field names and value types, recursively: `{ key: type }`, arrays by their first element. */
function shape(v: unknown, key = ''): unknown {
  if (OPAQUE.has(key)) return 'json';
  if (Array.isArray(v)) return v.length === 0 ? ['empty'] : [shape(v[0])];
  if (v === null) return 'null';
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) out[k] = shape((v as Record<string, unknown>)[k], k);
    return out;
  }
  return typeof v;
}

function withoutOptional(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutOptional);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v as object)
        .filter(([k]) => !OPTIONAL.has(k))
        .map(([k, x]) => [k, withoutOptional(x)]),
    );
  return v;
}

function documentedExample(): unknown {
  const page = readFileSync(join(root, 'docs', 'progress.md'), 'utf8');
  const block = /```json\n([\s\S]*?)\n```/.exec(page);
  if (!block) throw new Error('docs/progress.md has no ```json example');
  return JSON.parse(block[1]!);
}

describe('the progress record schema', () => {
  it('a real record has the fields and types of the example in docs/progress.md', async () => {
    const lines = [
      ...Array.from({ length: 5 }, (_, i) => JSON.stringify({ k: 'a', v: i, ts: i * 1000 })),
      '{"k": "a", "v": ',
    ];
    writeFileSync(join(dir, 'in.jsonl'), lines.join('\n') + '\n');
    const src = evSource('clicks', {
      connector: 'file',
      delayMs: 0,
      options: { path: join(dir, 'in.jsonl'), 'json.ignore-parse-errors': 'true', 'scan.batch-size': '100' },
    });
    const spec = jobSpec(
      [{ ...src, format: 'json' }],
      [sinkSpec('out', WIN_FIELDS)],
      [tumbleCountQuery('counts', src, { id: 'n1.window-aggregate', sink: 'out', sizeMs: 10_000 })],
    );
    const records: QueryProgress[] = [];
    const job = defineJob(spec, {
      sinks: { out: { rows: [] } },
      set: { 'checkpoint.dir': join(dir, 'ckpt'), 'checkpoint.interval': '0' },
    });
    job.on('notice', () => {});
    job.on('progress', (p) => records.push(p));
    await job.run();
    const record = records.find((p) => p.parseErrorsSkipped === 1);
    expect(record).toBeDefined();
    expect(record!.sources[0]!.malformedSample).toEqual({
      location: `${join(dir, 'in.jsonl')}:6`,
      reason: expect.stringMatching(/^invalid JSON/) as unknown as string,
    });
    expect(record!.checkpoint?.lastState).not.toBeNull();
    expect(shape(withoutOptional(record))).toEqual(shape(withoutOptional(documentedExample())));
    expect(job.recentProgress('counts')).toEqual(records);
    expect(job.recentProgress()).toEqual(records);

    // an operator's bytes: its state's JSON in the latest state file (written byte for byte as
    // the whole snapshot's encoding)
    const last = records.at(-1)!;
    const batch = last.checkpoint!.lastState!.batchId;
    const file = join(dir, 'ckpt', 'counts', `state-${batch}.ckpt`);
    const payload = JSON.parse(decodeFile(file, readFileSync(file), 'state', '')) as { snapshot: QuerySnapshot };
    const op = payload.snapshot.operators.find((o) => o.id === 'n1.window-aggregate')!;
    expect(last.stateOperators).toEqual([
      { id: 'n1.window-aggregate', rows: last.stateRows, bytes: Buffer.byteLength(encodeState(op.state)) },
    ]);
    expect(last.stateOperators[0]!.bytes).toBeGreaterThan(0);
    expect(JSON.stringify(payload.snapshot)).toBe(encodeState(job.queries[0]!.snapshot()));
  });
});
