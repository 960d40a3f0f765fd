/**
 * NEXMark q3, q5, q6, q7, q8, q9, q14, q18 and q19 as Flink writes them (test/nexmark/qN.sq: Flink's query text from
 * nexmark/nexmark, with its person/auction/bid tables declared as file streams) run on seeded
 * NEXMark events (test/nexmark/generator.ts) and must equal DuckDB's answer to the same question
 * over the same JSON lines files, as multisets of rows.
 *
 * The events are out of order by less than the 4 s watermark delay, so no row is late (asserted
 * through progress) and the streaming result equals the batch one. Each source is read in
 * micro-batches sized to its share of the events, so the three advance through event time
 * together, as they would from a live generator.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../compiler/index.ts';
import type { Job, JobOverrides, QueryProgress, SinkBatch } from '../runtime/index.ts';
import { DEFAULT_CONFIG, generate, writeEvents, type NexmarkEvents } from './nexmark/generator.ts';

const DIR = join(tmpdir(), `sqc-nexmark-${process.pid}`);
const QUERIES = join(import.meta.dirname, 'nexmark');
const RUNTIME = pathToFileURL(join(import.meta.dirname, '..', 'runtime', 'index.ts')).href;

/** Rows per micro-batch per source: about 2 s of event time each at the generator's rate. */
const BATCH = { person: '20', auction: '60', bid: '920' } as const;

type Row = Record<string, unknown>;

/** A value as text: numbers, bigints and strings as themselves, timestamps as epoch ms. */
function text(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(v)) return String(Date.parse(v));
  return String(v);
}

/** Rows as sorted lines of their values in column order (Flink's INSERT writes by position). */
function canonical(rows: readonly Row[]): string[] {
  return rows.map((r) => Object.values(r).map(text).join('|')).sort();
}

const JSON_COLUMNS = {
  person: `{id: 'BIGINT', name: 'VARCHAR', emailAddress: 'VARCHAR', creditCard: 'VARCHAR', city: 'VARCHAR', state: 'VARCHAR', dateTime: 'TIMESTAMP', extra: 'VARCHAR'}`,
  auction: `{id: 'BIGINT', itemName: 'VARCHAR', description: 'VARCHAR', initialBid: 'BIGINT', reserve: 'BIGINT', dateTime: 'TIMESTAMP', expires: 'TIMESTAMP', seller: 'BIGINT', category: 'BIGINT', extra: 'VARCHAR'}`,
  bid: `{auction: 'BIGINT', bidder: 'BIGINT', price: 'BIGINT', channel: 'VARCHAR', url: 'VARCHAR', dateTime: 'TIMESTAMP', extra: 'VARCHAR'}`,
};

/** Window start of `ts` for windows aligned to the epoch every `ms` milliseconds. */
const floorTo = (ts: string, ms: number) => `epoch_ms((epoch_ms(${ts}) // ${ms}) * ${ms})`;

/**
 * The same questions in DuckDB; timestamps as epoch ms. ROW_NUMBER numbers ties (equal ORDER BY
 * values) in arrival order in sq, the newest first when ordered by time descending (keep last):
 * DuckDB is told the same with `rowid` (the tables hold the events in file order).
 */
const DUCK = {
  q3: `
    SELECT P.name, P.city, P.state, A.id
    FROM auction AS A INNER JOIN person AS P ON A.seller = P.id
    WHERE A.category = 10 AND (P.state = 'OR' OR P.state = 'ID' OR P.state = 'CA')`,
  q5: `
    WITH hop AS (   -- HOP(bid, 2 s slide, 10 s size): the 5 windows [s, s + 10 s) holding each bid
      SELECT b.auction, ${floorTo('b.dateTime', 2000)} - k * INTERVAL 2 SECOND AS window_start
      FROM bid b CROSS JOIN range(0, 5) r(k)
    ), counts AS (
      SELECT auction, count(*) AS num, window_start AS starttime, window_start + INTERVAL 10 SECOND AS endtime
      FROM hop GROUP BY auction, window_start
    ), maxes AS (
      SELECT max(num) AS maxn, starttime, endtime FROM counts GROUP BY starttime, endtime
    )
    SELECT c.auction, c.num
    FROM counts c JOIN maxes m ON c.starttime = m.starttime AND c.endtime = m.endtime AND c.num >= m.maxn`,
  q7: `
    WITH B1 AS (
      SELECT max(price) AS maxprice, ${floorTo('dateTime', 10_000)} + INTERVAL 10 SECOND AS dateTime
      FROM bid GROUP BY ${floorTo('dateTime', 10_000)}
    )
    SELECT B.auction, B.price, B.bidder, epoch_ms(B.dateTime), B.extra
    FROM bid B JOIN B1 ON B.price = B1.maxprice
    WHERE B.dateTime BETWEEN B1.dateTime - INTERVAL 10 SECOND AND B1.dateTime`,
  q8: `
    WITH P AS (
      SELECT id, name, ${floorTo('dateTime', 10_000)} AS starttime FROM person
      GROUP BY id, name, starttime
    ), A AS (
      SELECT seller, ${floorTo('dateTime', 10_000)} AS starttime FROM auction
      GROUP BY seller, starttime
    )
    SELECT P.id, P.name, epoch_ms(P.starttime)
    FROM P JOIN A ON P.id = A.seller AND P.starttime = A.starttime`,
  q9: `
    SELECT id, itemName, description, initialBid, reserve, epoch_ms(dateTime), epoch_ms(expires), seller, category,
      extra, auction, bidder, price, epoch_ms(bid_dateTime), bid_extra
    FROM (
      SELECT A.*, B.auction, B.bidder, B.price, B.dateTime AS bid_dateTime, B.extra AS bid_extra,
        ROW_NUMBER() OVER (PARTITION BY A.id ORDER BY B.price DESC, B.dateTime ASC) AS rownum
      FROM auction A, bid B
      WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires
    )
    WHERE rownum <= 1`,
  q18: `
    SELECT auction, bidder, price, channel, url, epoch_ms(dateTime), extra
    FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY bidder, auction ORDER BY dateTime DESC, rowid DESC) AS rank_number FROM bid)
    WHERE rank_number <= 1`,
  q19: `
    SELECT auction, bidder, price, channel, url, epoch_ms(dateTime), extra, rank_number
    FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC, rowid) AS rank_number FROM bid)
    WHERE rank_number <= 10`,
  q6: `
    WITH Q AS (
      SELECT * FROM (
        SELECT *, ROW_NUMBER() OVER (PARTITION BY id, seller ORDER BY price DESC) AS rownum
        FROM (SELECT A.id, A.seller, B.price, B.dateTime FROM auction A, bid B
              WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires)
      ) WHERE rownum <= 1
    )
    SELECT seller,
      trunc(AVG(price) OVER (PARTITION BY seller ORDER BY dateTime ROWS BETWEEN 10 PRECEDING AND CURRENT ROW))::BIGINT
    FROM Q`,
  // count_char is q14's user-defined function (test/nexmark/udf/count-char.ts); price goes into a
  // DECIMAL(23, 3) column, rounded half-up to 3 places.
  q14: `
    SELECT auction, bidder, CAST(ROUND(0.908 * price, 3) AS DOUBLE),
      CASE
        WHEN hour(dateTime) >= 8 AND hour(dateTime) <= 18 THEN 'dayTime'
        WHEN hour(dateTime) <= 6 OR hour(dateTime) >= 20 THEN 'nightTime'
        ELSE 'otherTime'
      END,
      epoch_ms(dateTime), extra, length(extra) - length(replace(extra, 'c', ''))
    FROM bid
    WHERE 0.908 * price > 1000000 AND 0.908 * price < 50000000`,
} as const;

let conn: DuckDBConnection;
let events: NexmarkEvents;

beforeAll(async () => {
  mkdirSync(DIR, { recursive: true });
  events = generate({ seed: 7 });
  writeEvents(DIR, events);
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  conn = await db.connect();
  for (const [name, columns] of Object.entries(JSON_COLUMNS)) {
    await conn.run(
      `CREATE TABLE ${name} AS SELECT * FROM read_json('${join(DIR, `${name}.jsonl`)}', format = 'newline_delimited', columns = ${columns})`,
    );
  }
});

afterAll(() => conn?.closeSync());

interface Run {
  readonly rows: Row[];
  readonly progress: QueryProgress[];
  /** Micro-batches that wrote result rows: windows come out as the watermark passes them. */
  readonly batchesWithRows: number;
}

async function runQuery(q: keyof typeof DUCK): Promise<Run> {
  const source = readFileSync(join(QUERIES, `${q}.sq`), 'utf8');
  // The module is written elsewhere: it imports q14's user-defined function by its absolute path.
  const result = await compile(source, `${q}.sq`, { runtimeImport: RUNTIME, dir: QUERIES, functionImports: 'absolute' });
  expect(result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
  const modulePath = join(DIR, `${q}.ts`);
  writeFileSync(modulePath, result.code!);
  const mod = (await import(pathToFileURL(modulePath).href)) as { createJob(o?: JobOverrides): Job };
  const rows: Row[] = [];
  const progress: QueryProgress[] = [];
  const sources = Object.fromEntries(
    result.plan!.sources.map(({ name }) => {
      const kind = name as keyof typeof BATCH;
      return [name, { path: join(DIR, `${kind}.jsonl`), 'scan.batch-size': BATCH[kind] }];
    }),
  );
  let batchesWithRows = 0;
  const onBatch = (b: SinkBatch) => void (b.rows.length > 0 && batchesWithRows++);
  const job = mod.createJob({ sources, sinks: { [`nexmark_${q}`]: { rows, json: true, onBatch } } });
  job.on('progress', (p) => progress.push(p));
  await job.run();
  return { rows, progress, batchesWithRows };
}

async function duck(q: keyof typeof DUCK): Promise<Row[]> {
  return (await conn.runAndReadAll(DUCK[q])).getRowObjects() as Row[];
}

const sum = (progress: readonly QueryProgress[], f: (p: QueryProgress) => number) =>
  progress.reduce((n, p) => n + f(p), 0);

describe('NEXMark (Flink SQL) matches DuckDB', () => {
  it('the generated events follow NEXMark proportions, with disorder below the watermark delay', () => {
    const n = DEFAULT_CONFIG.events;
    expect(events.person.length).toBe(n / 50);
    expect(events.auction.length).toBe((n / 50) * 3);
    expect(events.bid.length).toBe((n / 50) * 46);
    for (const kind of ['person', 'auction', 'bid'] as const) {
      let max = -Infinity;
      let disordered = 0;
      for (const e of events[kind]) {
        const t = Date.parse(e.dateTime);
        if (t < max) disordered++;
        expect(max - t).toBeLessThan(DEFAULT_CONFIG.occasionalDelayMs);
        max = Math.max(max, t);
      }
      expect(disordered).toBeGreaterThan(0);
    }
  });

  it('q3 local item suggestion (regular join of auction and person with filters)', async () => {
    const { rows, progress } = await runQuery('q3');
    expect(sum(progress, (p) => p.lateRowsDropped)).toBe(0);
    const expected = await duck('q3');
    expect(expected.length).toBeGreaterThan(50);
    expect(canonical(rows)).toEqual(canonical(expected));
  });

  it('q5 hot items (HOP window counts joined with their maximum per window)', async () => {
    const { rows, progress, batchesWithRows } = await runQuery('q5');
    expect(sum(progress, (p) => p.lateRowsDropped)).toBe(0);
    const expected = await duck('q5');
    // Every hop window over the 80 s of events has a hottest auction: 44 windows of 10 s by 2 s.
    expect(expected.length).toBeGreaterThanOrEqual(44);
    // A window join of window aggregates: each window is emitted once the watermark passes it.
    expect(batchesWithRows).toBeGreaterThan(20);
    expect(canonical(rows)).toEqual(canonical(expected));
  });

  it('q7 highest bid (TUMBLE maximum joined back to the bids)', async () => {
    const { rows, progress } = await runQuery('q7');
    expect(sum(progress, (p) => p.lateRowsDropped)).toBe(0);
    const expected = await duck('q7');
    expect(expected.length).toBeGreaterThanOrEqual(8);
    expect(canonical(rows)).toEqual(canonical(expected));
  });

  it('q9 winning bids (Top-1 per auction over a regular join, ties broken by time)', async () => {
    const { rows } = await runQuery('q9');
    const expected = await duck('q9');
    expect(expected.length).toBeGreaterThan(100);
    expect(canonical(rows)).toEqual(canonical(expected));
  });

  it('q18 last bid per bidder and auction (deduplication keeping the last row)', async () => {
    const { rows, progress } = await runQuery('q18');
    expect(sum(progress, (p) => p.lateRowsDropped)).toBe(0);
    const expected = await duck('q18');
    expect(expected.length).toBeGreaterThan(1000);
    expect(canonical(rows)).toEqual(canonical(expected));
  });

  it('q19 top 10 bids per auction (ROW_NUMBER Top-N with the rank in the output)', async () => {
    const { rows, progress } = await runQuery('q19');
    expect(sum(progress, (p) => p.lateRowsDropped)).toBe(0);
    const expected = await duck('q19');
    expect(expected.length).toBeGreaterThan(1000);
    expect(canonical(rows)).toEqual(canonical(expected));
  });

  it('q6 average selling price of the last 10 closed auctions per seller (Top-1, then an OVER ROWS frame)', async () => {
    const { rows } = await runQuery('q6');
    const expected = await duck('q6');
    expect(expected.length).toBeGreaterThan(100);
    expect(canonical(rows)).toEqual(canonical(expected));
  });

  it('q8 new users (TUMBLE window join of people and their auctions)', async () => {
    const { rows, progress, batchesWithRows } = await runQuery('q8');
    expect(sum(progress, (p) => p.lateRowsDropped)).toBe(0);
    expect(batchesWithRows).toBeGreaterThan(4);
    const expected = await duck('q8');
    expect(expected.length).toBeGreaterThan(8);
    expect(canonical(rows)).toEqual(canonical(expected));
  });

  it('q14 calculation (a TypeScript user-defined function in place of Flink\'s Java CountChar)', async () => {
    const { rows, progress } = await runQuery('q14');
    expect(sum(progress, (p) => p.lateRowsDropped)).toBe(0);
    const expected = await duck('q14');
    expect(expected.length).toBeGreaterThan(100);
    expect(canonical(rows)).toEqual(canonical(expected));
  });
});
