/**
 * Keeps runtime/README.md honest: its "How generated code drives the runtime" module is
 * extracted, linked against this runtime and run — once embedded with memory rows (the README's
 * second snippet) and once on a JSON-lines file into a file sink.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Job, JobOverrides } from '../index.ts';

let mod: { createJob(o?: JobOverrides): Job };
const dir = mkdtempSync(join(tmpdir(), 'sqc-readme-'));

beforeAll(async () => {
  const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  const runtime = pathToFileURL(join(import.meta.dirname, '..', 'index.ts')).href;
  const file = join(dir, 'clicks.generated.ts');
  writeFileSync(file, code.replace(`'sqc/runtime'`, JSON.stringify(runtime)));
  mod = await import(pathToFileURL(file).href);
});

describe('README example', () => {
  it('runs embedded with memory rows', async () => {
    const out: unknown[] = [];
    await mod
      .createJob({
        sources: { clicks: { rows: [{ user_id: 'u1', page: '/', action: 'view', ts: '2025-04-21T14:00:05Z' }] } },
        sinks: { page_stats: { rows: out, json: true } },
      })
      .run();
    expect(out).toEqual([
      {
        window_start: '2025-04-21T14:00:00.000Z',
        window_end: '2025-04-21T14:01:00.000Z',
        page: '/',
        views: 1,
        users: 1,
      },
    ]);
  });

  it('runs on a JSON-lines file into a file sink', async () => {
    const input = join(dir, 'clicks.jsonl');
    const lines = [];
    for (let i = 0; i < 300; i++) {
      const ts = new Date(Date.UTC(2025, 3, 21, 14, 0, i)).toISOString();
      lines.push(
        JSON.stringify({ user_id: `u${i % 7}`, page: i % 2 ? '/a' : '/b', action: i % 3 ? 'view' : 'click', ts }),
      );
    }
    writeFileSync(input, lines.join('\n') + '\n');
    const output = join(dir, 'out', 'page_stats.jsonl');
    await mod.createJob({ sources: { clicks: { path: input } }, sinks: { page_stats: { path: output } } }).run();
    const rows = readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(10);
    expect(rows[0]).toEqual({
      window_start: '2025-04-21T14:00:00.000Z',
      window_end: '2025-04-21T14:01:00.000Z',
      page: '/a',
      views: 20,
      users: 7,
    });
    expect(rows.reduce((n, r) => n + r.views, 0)).toBe(200);
  });
});
