/**
 * Embedding a compiled query, the way an application or a user's unit test drives it: compile a
 * `.sq` program with `compile()`, import the generated module, and run `createJob()` with memory
 * sources (`rows`, `batches`, `MemoryStream`) and memory sinks (`rows`, `onBatch`, `json`).
 * The queries here are written against Kafka; the memory bindings replace the connectors.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../compiler/index.ts';
import {
  MemoryStream,
  QueryError,
  type Job,
  type JobOverrides,
  type QueryProgress,
  type SinkBatch,
} from '../runtime/index.ts';

const RUNTIME = pathToFileURL(join(import.meta.dirname, '..', 'runtime', 'index.ts')).href;

type Module = { createJob(overrides?: JobOverrides): Job };

/** What `sqc compile` does, in process: the generated module, imported. */
async function load(name: string, source: string): Promise<Module> {
  const result = await compile(source, `${name}.sq`, { runtimeImport: RUNTIME });
  if (!result.code)
    throw new Error(result.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.message}`).join('\n'));
  const dir = join(tmpdir(), 'sqc-embedding-test');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}-${process.pid}.ts`);
  writeFileSync(path, result.code);
  return (await import(pathToFileURL(path).href)) as Module;
}

const PAGE_VIEWS = `
CREATE STREAM clicks (user_id STRING, page STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH ('connector' = 'kafka', 'topic' = 'clicks', 'properties.bootstrap.servers' = 'localhost:9092',
        'format' = 'json');

CREATE SINK page_views WITH ('connector' = 'kafka', 'topic' = 'page-views',
                             'properties.bootstrap.servers' = 'localhost:9092', 'format' = 'json');

INSERT INTO page_views
SELECT window_start, window_end, page, COUNT(*) AS views, COUNT(DISTINCT user_id) AS users
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, page;
`;

const TOTALS = `
CREATE STREAM orders (user_id STRING, amount DOUBLE) WITH ('connector' = 'memory');
CREATE SINK totals WITH ('connector' = 'memory');

INSERT INTO totals
SELECT user_id, SUM(amount) AS total, COUNT(*) AS n FROM orders GROUP BY user_id
EMIT CHANGES;
`;

const TWO_INPUTS = `
CREATE STREAM a (ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '0' SECOND) WITH ('connector' = 'memory');
CREATE STREAM b (ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '0' SECOND) WITH ('connector' = 'memory');
CREATE SINK counts WITH ('connector' = 'memory');

INSERT INTO counts
SELECT window_start, src, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE (SELECT 'a' AS src, ts FROM a UNION ALL SELECT 'b' AS src, ts FROM b),
                  DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, src;
`;

const click = (user_id: string, page: string, ts: string) => ({ user_id, page, ts });
const T0 = Date.parse('2025-04-21T14:00:00Z');

let pageViews: Module;
let totals: Module;
let twoInputs: Module;

beforeAll(async () => {
  pageViews = await load('page_views', PAGE_VIEWS);
  totals = await load('totals', TOTALS);
  twoInputs = await load('two_inputs', TWO_INPUTS);
});

describe('embedding a compiled query with memory sources and sinks', () => {
  it('rows: the input ends with the rows, so every window is flushed; json gives ISO timestamps', async () => {
    const out: unknown[] = [];
    await pageViews
      .createJob({
        sources: {
          clicks: {
            rows: [
              click('u1', '/', '2025-04-21T14:00:05Z'),
              click('u2', '/', '2025-04-21 14:00:59.999'),
              click('u1', '/', '2025-04-21T14:00:30Z'),
              click('u1', '/about', '2025-04-21T14:01:00Z'),
            ],
          },
        },
        sinks: { page_views: { rows: out, json: true } },
      })
      .run();
    expect(out).toEqual([
      {
        window_start: '2025-04-21T14:00:00.000Z',
        window_end: '2025-04-21T14:01:00.000Z',
        page: '/',
        views: 3,
        users: 2,
      },
      {
        window_start: '2025-04-21T14:01:00.000Z',
        window_end: '2025-04-21T14:02:00.000Z',
        page: '/about',
        views: 1,
        users: 1,
      },
    ]);
  });

  it('without json the sink gets run-time values (TIMESTAMP as epoch ms); epoch-ms input works too', async () => {
    const out: unknown[] = [];
    await pageViews
      .createJob({
        sources: { clicks: { rows: [{ user_id: 'u1', page: '/', ts: T0 + 1_000 }] } },
        sinks: { page_views: { rows: out } },
      })
      .run();
    expect(out).toEqual([{ window_start: T0, window_end: T0 + 60_000, page: '/', views: 1, users: 1 }]);
  });

  it('batches: explicit micro-batches; a window fires when the watermark passes its end, a late row is dropped and counted', async () => {
    const batches: string[] = [];
    const progress: QueryProgress[] = [];
    const job = pageViews.createJob({
      sources: {
        clicks: {
          batches: [
            [click('u1', '/', '2025-04-21T14:00:10Z')],
            // watermark after this batch: 14:01:05 - 5 s = 14:01:00 = the first window's end
            [click('u2', '/', '2025-04-21T14:01:05Z')],
            // 14:00:50 < 14:01:00, the watermark at the start of this batch: late
            [click('u3', '/', '2025-04-21T14:00:50Z'), click('u3', '/', '2025-04-21T14:01:10Z')],
          ],
        },
      },
      sinks: {
        page_views: {
          json: true,
          onBatch: (b: SinkBatch) =>
            b.rows.forEach((r, i) => {
              const row = r as { window_start: string; views: number; users: number };
              batches.push(
                `${b.batchId} ${b.kinds[i]} ${row.window_start.slice(11, 16)} views=${row.views} users=${row.users}`,
              );
            }),
        },
      },
    });
    job.on('progress', (p) => progress.push(p));
    await job.run();
    expect(batches).toEqual(['1 +I 14:00 views=1 users=1', '3 +I 14:01 views=2 users=2']);
    expect(progress.map((p) => p.lateRowsDropped)).toEqual([0, 0, 1, 0]);
    expect(progress.map((p) => p.watermark)).toEqual([
      '2025-04-21T14:00:05.000Z',
      '2025-04-21T14:01:00.000Z',
      '2025-04-21T14:01:05.000Z',
      '+infinity',
    ]);
    expect(job.queries[0]!.status).toBe('stopped');
  });

  it('MemoryStream: rows pushed while the job runs; output appears as the watermark advances', async () => {
    const stream = new MemoryStream<ReturnType<typeof click>>();
    const out: { window_start: string; views: number }[] = [];
    const job = pageViews.createJob({
      sources: { clicks: { stream } },
      sinks: { page_views: { rows: out as unknown[], json: true } },
    });
    await job.start();
    stream.push(click('u1', '/', '2025-04-21T14:00:01Z'), click('u2', '/', '2025-04-21T14:00:02Z'));
    stream.push(click('u1', '/', '2025-04-21T14:01:30Z')); // watermark 14:01:25: [14:00, 14:01) fires
    await until(() => out.length === 1);
    expect(out[0]).toMatchObject({ window_start: '2025-04-21T14:00:00.000Z', views: 2 });
    expect(job.queries[0]!.status).toBe('running');
    stream.push(click('u2', '/', '2025-04-21T14:01:40Z'));
    stream.end(); // end of input: the open window is flushed and the job stops
    await job.awaitTermination();
    expect(out).toEqual([
      {
        window_start: '2025-04-21T14:00:00.000Z',
        window_end: '2025-04-21T14:01:00.000Z',
        page: '/',
        views: 2,
        users: 2,
      },
      {
        window_start: '2025-04-21T14:01:00.000Z',
        window_end: '2025-04-21T14:02:00.000Z',
        page: '/',
        views: 2,
        users: 2,
      },
    ]);
  });

  it("EMIT CHANGES over 'memory' connectors: +I for a new key, +U for an update, per micro-batch", async () => {
    const changes: string[] = [];
    await totals
      .createJob({
        sources: {
          orders: {
            batches: [
              [
                { user_id: 'u1', amount: 10 },
                { user_id: 'u2', amount: 5 },
              ],
              [{ user_id: 'u1', amount: 2.5 }],
              [
                { user_id: 'u3', amount: null },
                { user_id: 'u2', amount: 1 },
              ],
            ],
          },
        },
        sinks: {
          totals: {
            onBatch: (b: SinkBatch) =>
              b.rows.forEach((r, i) => changes.push(`${b.batchId} ${b.kinds[i]} ${JSON.stringify(r)}`)),
          },
        },
      })
      .run();
    expect(changes).toEqual([
      '0 +I {"user_id":"u1","total":10,"n":1}',
      '0 +I {"user_id":"u2","total":5,"n":1}',
      '1 +U {"user_id":"u1","total":12.5,"n":2}',
      '2 +I {"user_id":"u3","total":null,"n":1}',
      '2 +U {"user_id":"u2","total":6,"n":2}',
    ]);
  });

  it('two MemoryStreams: the watermark is the min of both until one is idle; its rows behind the watermark are then late', async () => {
    const a = new MemoryStream<{ ts: string }>();
    const b = new MemoryStream<{ ts: string }>();
    const out: string[] = [];
    const progress: QueryProgress[] = [];
    const job = twoInputs.createJob({
      sources: { a: { stream: a, options: { 'scan.idle-timeout': '50 ms' } }, b: { stream: b } },
      sinks: {
        counts: {
          json: true,
          onBatch: (batch: SinkBatch) =>
            batch.rows.forEach((r) => {
              const row = r as { window_start: string; src: string; n: number };
              out.push(`${row.window_start.slice(17, 19)} ${row.src} ${row.n}`);
            }),
        },
      },
    });
    job.on('progress', (p) => progress.push(p));
    await job.start();
    a.push({ ts: '2025-01-01T00:00:01Z' });
    b.push({ ts: '2025-01-01T00:00:02Z' }, { ts: '2025-01-01T00:00:15Z' });
    // b alone would allow 00:15; a holds the watermark at 00:01 until it has been idle for 50 ms
    await until(() => out.length === 2);
    // (one window's groups fire together, in no fixed order: compare them sorted)
    expect([...out].sort()).toEqual(['00 a 1', '00 b 1']);
    expect(job.queries[0]!.lastProgress!.sources.find((s) => s.name === 'a')!.idle).toBe(true);
    a.push({ ts: '2025-01-01T00:00:05Z' }, { ts: '2025-01-01T00:00:20Z' }); // 00:05 < W = 00:15: late
    b.push({ ts: '2025-01-01T00:00:25Z' });
    a.end();
    b.end();
    await job.awaitTermination();
    // (rows of the two streams reach a batch in no fixed order: compare the groups sorted)
    expect(out.slice(0, 2).sort()).toEqual(['00 a 1', '00 b 1']);
    expect(out[2]).toBe('10 b 1');
    expect(out.slice(3).sort()).toEqual(['20 a 1', '20 b 1']);
    expect(progress.reduce((n, p) => n + p.lateRowsDropped, 0)).toBe(1);
  });

  it('a malformed row stops the job with a QueryError naming the source, the record and the reason', async () => {
    const job = pageViews.createJob({
      sources: { clicks: { rows: [click('u1', '/', '2025-04-21T14:00:01Z'), click('u2', '/', 'yesterday')] } },
      sinks: { page_views: { rows: [] } },
    });
    const error = await job.run().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(QueryError);
    expect((error as QueryError).message).toMatch(
      /^query "insert_into_page_views" failed reading source "clicks" at record 1: malformed record: field "ts": expected a TIMESTAMP/,
    );
    expect(job.queries[0]!.status).toBe('failed');
  });

  it("the same rows with 'json.ignore-parse-errors' skip the malformed one and count it", async () => {
    const out: unknown[] = [];
    const progress: QueryProgress[] = [];
    const job = pageViews.createJob({
      sources: {
        clicks: {
          rows: [click('u1', '/', '2025-04-21T14:00:01Z'), click('u2', '/', 'yesterday')],
          options: { 'json.ignore-parse-errors': 'true' },
        },
      },
      sinks: { page_views: { rows: out, json: true } },
    });
    job.on('progress', (p) => progress.push(p));
    await job.run();
    expect(out).toEqual([
      {
        window_start: '2025-04-21T14:00:00.000Z',
        window_end: '2025-04-21T14:01:00.000Z',
        page: '/',
        views: 1,
        users: 1,
      },
    ]);
    expect(progress.reduce((n, p) => n + p.parseErrorsSkipped, 0)).toBe(1);
  });
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the job');
    await new Promise((r) => setTimeout(r, 5));
  }
}
