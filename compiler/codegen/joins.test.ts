/**
 * Generated joins across a stop: a job stopped after batch k, snapshotted through the checkpoint
 * codec, restored into a fresh job and run to the end gives the same rows as a straight run
 * (interval join buffers and matched flags, window join groups, lookup tables reloaded).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compile } from '../index.ts';
import type { Job, JobOverrides } from '../../runtime/index.ts';

const DIR = join(tmpdir(), `sqc-joins-${process.pid}`);
const RUNTIME = pathToFileURL(join(import.meta.dirname, '..', '..', 'runtime', 'index.ts')).href;
const T0 = Date.UTC(2025, 0, 1, 10, 0, 0);

function rows(seed: number, n: number): unknown[] {
  let a = seed;
  const next = () => (a = (a * 1103515245 + 12345) % 2147483648) / 2147483648;
  const out: unknown[] = [];
  let t = T0;
  for (let i = 0; i < n; i++) {
    t += Math.floor(next() * 20) * 1000;
    const k = next() < 0.1 ? null : `k${Math.floor(next() * 4)}`;
    out.push({ id: i, k, ts: new Date(t - Math.floor(next() * 10) * 1000).toISOString() });
  }
  return out;
}

const STREAMS = `
CREATE STREAM a (id INT, k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '15' SECOND) WITH ('connector' = 'memory');
CREATE STREAM b (id INT, k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '15' SECOND) WITH ('connector' = 'memory');
CREATE TABLE dim (k STRING, name STRING) WITH ('connector' = 'memory');
CREATE SINK out WITH ('connector' = 'blackhole');`;

const QUERIES: Record<string, string> = {
  'interval FULL + lookup LEFT': `INSERT INTO out SELECT a.id AS lid, b.id AS rid, d.name FROM a FULL JOIN b
    ON a.k = b.k AND b.ts BETWEEN a.ts - INTERVAL '30' SECOND AND a.ts + INTERVAL '1' MINUTE
    LEFT JOIN dim d ON a.k = d.k`,
  'window LEFT': `INSERT INTO out SELECT x.window_start, x.id AS lid, y.id AS rid
    FROM TABLE(TUMBLE(TABLE a, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) x
    LEFT JOIN TABLE(TUMBLE(TABLE b, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) y
    ON x.window_start = y.window_start AND x.window_end = y.window_end AND x.k = y.k`,
};

describe('generated joins: stop, snapshot, restore, resume', () => {
  for (const [name, sql] of Object.entries(QUERIES)) {
    it(name, async () => {
      const { decodeState, encodeState } = await import('../../runtime/state/snapshot.ts');
      const result = await compile(`${STREAMS}\n${sql};`, 'joins.sq', { runtimeImport: RUNTIME });
      expect(result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
      mkdirSync(DIR, { recursive: true });
      const modulePath = join(DIR, `${name.replace(/\W+/g, '_')}.ts`);
      writeFileSync(modulePath, result.code!);
      const mod = (await import(pathToFileURL(modulePath).href)) as { createJob(o?: JobOverrides): Job };
      const a = rows(7, 300);
      const b = rows(11, 300);
      const dim = [
        { k: 'k0', name: 'zero' },
        { k: 'k1', name: 'one' },
        { k: 'k1', name: 'uno' },
        { k: null, name: 'none' },
      ];
      const run = async (stopAfter: number | null, restore: unknown[] | null) => {
        const lines: string[] = [];
        const job = mod.createJob({
          sources: {
            a: { rows: a, options: { 'scan.batch-size': '13' } },
            b: { rows: b, options: { 'scan.batch-size': '17' } },
            ...(sql.includes('dim') ? { dim: { rows: dim } } : {}),
          },
          sinks: {
            out: {
              onBatch: (batch) => batch.rows.forEach((r, i) => lines.push(`${batch.kinds[i]} ${JSON.stringify(r)}`)),
              json: true,
            },
          },
        });
        if (restore) job.queries.forEach((q, i) => (q as unknown as { restore(s: unknown): void }).restore(restore[i]));
        if (stopAfter !== null) job.on('progress', (p) => void (p.batchId === stopAfter && job.stop()));
        await job.run();
        const snaps = job.queries.map((q) =>
          decodeState(encodeState((q as unknown as { snapshot(): unknown }).snapshot())),
        );
        return { lines, snaps };
      };
      const straight = (await run(null, null)).lines;
      expect(straight.length).toBeGreaterThan(50);
      for (const k of [0, 3, 9]) {
        const first = await run(k, null);
        const second = await run(null, first.snaps);
        expect([...first.lines, ...second.lines].sort(), `stopped after batch ${k}`).toEqual([...straight].sort());
      }
    });
  }
});

describe('generated interval join: bounded state over a long run', () => {
  it('2M rows, ±5-minute bound: buffered rows never exceed rate × (bound + delay + batch span), both sides', async () => {
    const sql = `
CREATE STREAM a (id INT, k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '15' SECOND) WITH ('connector' = 'memory');
CREATE STREAM b (id INT, k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '15' SECOND) WITH ('connector' = 'memory');
CREATE SINK out WITH ('connector' = 'blackhole');
INSERT INTO out SELECT a.id AS lid, b.id AS rid FROM a LEFT JOIN b
  ON a.k = b.k AND b.ts BETWEEN a.ts - INTERVAL '5' MINUTE AND a.ts + INTERVAL '5' MINUTE;`;
    const result = await compile(sql, 'long.sq', { runtimeImport: RUNTIME });
    expect(result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
    mkdirSync(DIR, { recursive: true });
    const modulePath = join(DIR, 'long_run.ts');
    writeFileSync(modulePath, result.code!);
    const mod = (await import(pathToFileURL(modulePath).href)) as { createJob(o?: JobOverrides): Job };
    const N = 1_000_000;
    // one row per second per side (2M rows in all), 1,000 keys, times jittered by up to 10 s (less than the delay)
    function* gen(offset: number) {
      for (let i = 0; i < N; i++)
        yield {
          id: i,
          k: `k${(i * 7 + offset) % 1000}`,
          ts: new Date(T0 + i * 1000 - ((i * 13 + offset) % 10) * 1000).toISOString(),
        };
    }
    let maxState = 0;
    let outRows = 0;
    let late = 0;
    const job = mod.createJob({
      sources: {
        a: { rows: gen(1), options: { 'scan.batch-size': '200' } },
        b: { rows: gen(5), options: { 'scan.batch-size': '200' } },
      },
      sinks: { out: { onBatch: (batch) => void (outRows += batch.rows.length) } },
    });
    job.on('progress', (p) => {
      maxState = Math.max(maxState, p.stateRows);
      late += p.lateRowsDropped;
    });
    await job.run();
    expect(late).toBe(0);
    expect(outRows).toBeGreaterThan(N / 2);
    // per side: 1 row/s × (bound 300 s + delay 15 s + jitter 10 s + batch span 200 s)
    expect(maxState).toBeLessThan(2 * (300 + 15 + 10 + 200) + 20);
    expect(maxState).toBeGreaterThan(600);
  });
});

describe('generated lookup join: lookup.reload-interval', () => {
  it('a changed table file is picked up between batches (engine maybeReload), never within one', async () => {
    const { MemoryStream } = await import('../../runtime/index.ts');
    const { writeFile } = await import('node:fs/promises');
    mkdirSync(DIR, { recursive: true });
    const table = join(DIR, 'reload-users.csv');
    writeFileSync(table, 'id,name\nu1,old\n');
    const sql = `
CREATE STREAM orders (n INT, id STRING) WITH ('connector' = 'memory');
CREATE TABLE users (id STRING, name STRING)
  WITH ('connector' = 'file', 'path' = '${table}', 'format' = 'csv', 'csv.header' = 'true', 'lookup.reload-interval' = '10 ms');
CREATE SINK out WITH ('connector' = 'blackhole');
INSERT INTO out SELECT o.n, u.name FROM orders o LEFT JOIN users u ON o.id = u.id;`;
    const result = await compile(sql, 'reload.sq', { runtimeImport: RUNTIME });
    expect(result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
    const modulePath = join(DIR, 'reload.ts');
    writeFileSync(modulePath, result.code!);
    const mod = (await import(pathToFileURL(modulePath).href)) as { createJob(o?: JobOverrides): Job };
    const stream = new MemoryStream<unknown>();
    const out: unknown[] = [];
    const job = mod.createJob({ sources: { orders: { stream } }, sinks: { out: { rows: out, json: true } } });
    const done = job.run();
    const waitFor = async (n: number) => {
      for (let i = 0; i < 500 && out.length < n; i++) await new Promise((r) => setTimeout(r, 5));
    };
    stream.push({ n: 1, id: 'u1' });
    await waitFor(1);
    await writeFile(table, 'id,name\nu1,new\nu1,newer\n');
    await new Promise((r) => setTimeout(r, 30));
    // the first batch after the interval starts the check and waits for it: the new version
    stream.push({ n: 2, id: 'u1' });
    await waitFor(3);
    stream.end();
    await done;
    expect(out).toEqual([
      { n: 1, name: 'old' },
      { n: 2, name: 'new' },
      { n: 2, name: 'newer' },
    ]);
  });
});
