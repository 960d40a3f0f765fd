/**
 * File sink crash cases found by test/crash.test.ts's review: what a restart finds after the
 * process died in the middle of the manifest trim (`sync`), with two queries writing one file.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SinkContext } from '../types.ts';
import { fileOptions, type FileConfig } from './options.ts';
import { fileSink } from './sink.ts';
import { EV_FIELDS, type Ev } from '../../testing/specs.ts';

function ctx(path: string, format: 'json' | 'changelog-json' = 'json'): SinkContext<FileConfig> {
  return {
    name: 'out',
    config: fileOptions.resolve({ path, format }, { relationName: 'out', reads: false, writes: true }),
    options: { path, format },
    format,
    schema: EV_FIELDS,
    keyFields: [],
    metadata: [],
    deliveryGuarantee: 'exactly-once',
    binding: null,
    print: null,
    checkpointing: true,
  };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function fresh(): string {
  const d = mkdtempSync(join(tmpdir(), 'sqc-fsink-'));
  dirs.push(d);
  return d;
}

const row = (k: string, v: number): Ev => ({ k, v, ts: Date.UTC(2025, 3, 21, 10) });

function rows(path: string): string[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const r = JSON.parse(l) as Ev;
      return `${r.k}${r.v}`;
    });
}

describe('file sink manifest trim', () => {
  it('keeps the entry of a batch another query published while the trimmed manifest was being written', async () => {
    const d = fresh();
    const path = join(d, 'rows.jsonl');
    const s1 = fileSink(ctx(path));
    const a = s1.writer({ query: 'a', emit: 'final', upsertKey: null });
    const b = s1.writer({ query: 'b', emit: 'final', upsertKey: null });
    await s1.open(null);
    const n = 4100; // more manifest entries than the sink keeps before trimming
    for (let i = 0; i < n; i++) {
      a.write(row('a', i));
      await a.commit(i);
      await a.publish!(i);
    }
    b.write(row('b', 0));
    await b.commit(0);
    await b.publish!(0);
    // query a writes its state: the sink trims its manifest; meanwhile query b publishes batch 1
    const syncing = s1.sync!(
      new Map([
        ['a', n - 1],
        ['b', -1],
      ]),
    );
    b.write(row('b', 1));
    await b.commit(1);
    await b.publish!(1);
    await syncing;
    // b writes its state after batch 1 (nothing of it is replayed again), stages batch 2 (its
    // staging file no longer holds batch 1), and the process dies before batch 2 commits
    await s1.sync!(
      new Map([
        ['a', n - 1],
        ['b', 1],
      ]),
    );
    b.write(row('b', 2));
    await b.commit(2);
    const s2 = fileSink(ctx(path));
    s2.writer({ query: 'a', emit: 'final', upsertKey: null });
    s2.writer({ query: 'b', emit: 'final', upsertKey: null });
    await s2.open({
      committed: new Map([
        ['a', n - 1],
        ['b', 1],
      ]),
      marks: new Map(),
      dir: 'chk',
    });
    await s2.close();
    const out = rows(path);
    expect(out.filter((r) => r.startsWith('b'))).toEqual(['b0', 'b1']);
    expect(out).toHaveLength(n + 2);
  });

  it('a restart removes the temp file of a manifest trim the process died in', async () => {
    const d = fresh();
    const path = join(d, 'rows.jsonl');
    const s1 = fileSink(ctx(path));
    const w = s1.writer({ query: 'q', emit: 'final', upsertKey: null });
    await s1.open(null);
    w.write(row('a', 1));
    await w.commit(0);
    await w.publish!(0);
    // died inside writeAtomic: the temp file beside the manifest is all that is left of the trim
    const tmp = join(d, '..rows.jsonl.manifest.tmp');
    writeFileSync(tmp, 'partial');
    const s2 = fileSink(ctx(path));
    s2.writer({ query: 'q', emit: 'final', upsertKey: null });
    await s2.open({ committed: new Map([['q', 0]]), marks: new Map(), dir: 'chk' });
    await s2.close();
    expect(existsSync(tmp)).toBe(false);
    expect(rows(path)).toEqual(['a1']);
  });
});

describe('file sink paths it cannot write', () => {
  it('a directory at the path: says so and suggests a file inside it', async () => {
    const d = fresh();
    const err = await fileSink(ctx(d))
      .open(null)
      .then(
        () => null,
        (e: unknown) => e as Error & { hint?: string },
      );
    expect(err?.message).toBe(
      `file sink "out": cannot write ${d}: the path is a directory; a file sink writes one file`,
    );
    expect(err?.hint).toBe(`give the sink the path of a file, e.g. '${join(d, 'out.jsonl')}'`);
  });

  it("a folder that cannot be created names the cause, not mkdir -p's ENOENT", async () => {
    const d = fresh();
    writeFileSync(join(d, 'file'), '');
    // a parent that is a file: mkdir -p fails with ENOTDIR/EEXIST, reported as it is
    const err = await fileSink(ctx(join(d, 'file', 'sub', 'out.jsonl')))
      .open(null)
      .then(
        () => null,
        (e: unknown) => e as Error,
      );
    expect(err?.message).toMatch(new RegExp(`^file sink "out": cannot write ${join(d, 'file', 'sub', 'out.jsonl')}: `));
    expect(err?.message).not.toMatch(/ENOENT/);
  });
});

describe("format 'changelog-json'", () => {
  it('writes every change with its kind, retractions too; plain json leaves retractions out', async () => {
    const written = async (format: 'json' | 'changelog-json') => {
      const path = join(fresh(), 'changes.jsonl');
      const sink = fileSink(ctx(path, format));
      const w = sink.writer({ query: 'q', emit: 'changes', upsertKey: ['k'] });
      await sink.open(null);
      w.write(row('a', 1), '+I');
      w.write(row('a', 2), '+U');
      w.write(row('a', 2), '-D');
      await w.commit(0);
      await w.publish!(0);
      await sink.close();
      return readFileSync(path, 'utf8');
    };
    expect(await written('changelog-json')).toBe(
      [
        '{"op":"+I","k":"a","v":1,"ts":"2025-04-21T10:00:00.000Z"}',
        '{"op":"+U","k":"a","v":2,"ts":"2025-04-21T10:00:00.000Z"}',
        '{"op":"-D","k":"a","v":2,"ts":"2025-04-21T10:00:00.000Z"}',
        '',
      ].join('\n'),
    );
    expect(await written('json')).toBe(
      ['{"k":"a","v":1,"ts":"2025-04-21T10:00:00.000Z"}', '{"k":"a","v":2,"ts":"2025-04-21T10:00:00.000Z"}', ''].join(
        '\n',
      ),
    );
  });
});
