/**
 * Differential test: windowed aggregates computed by sqc on seeded random bounded input must
 * equal DuckDB's GROUP BY over the same windows (FINAL results, every input exhausted, so the
 * watermark ends at +infinity and every window fires exactly once).
 *
 * The input has NULL keys, NULL values, duplicate users and rows out of order (by less than the
 * watermark delay, so nothing is late — asserted through progress).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../compiler/index.ts';
import type { Job, JobOverrides, QueryProgress } from '../runtime/index.ts';
import { seededRandom } from '../runtime/random.ts';

const DIR = join(tmpdir(), `sqc-differential-${process.pid}`);
const RUNTIME = pathToFileURL(join(import.meta.dirname, '..', 'runtime', 'index.ts')).href;
const MIN = 60_000;

/** 6,000 rows over ~3 hours, 12 keys + NULL, ~10% NULL values, shuffled within 30 s. */
function writeInput(path: string, seed: number): void {
  const next = seededRandom(seed);
  const t0 = Date.UTC(2025, 3, 21, 12, 0, 0);
  const rows: string[] = [];
  let t = t0;
  for (let i = 0; i < 6_000; i++) {
    // Bursts and gaps, so session windows both merge and split.
    t += next() < 0.02 ? Math.floor(next() * 40 * MIN) : Math.floor(next() * 4_000);
    const jitter = Math.floor(next() * 30_000);
    const k = next() < 0.05 ? null : `k${Math.floor(next() * 12)}`;
    const v = next() < 0.1 ? null : Math.round(next() * 100_000) / 100;
    const u = `u${Math.floor(next() * 40)}`;
    rows.push(JSON.stringify({ k, u, v, ts: new Date(Math.max(t0, t - jitter)).toISOString() }));
  }
  writeFileSync(path, rows.join('\n') + '\n');
}

interface Case {
  readonly name: string;
  /** The FROM/GROUP BY part of the sqc query. */
  readonly sqc: string;
  /** A DuckDB query over `src` producing (ws, we, k, the aggregates). */
  readonly duck: string;
}

const AGGS_SQC = `COUNT(*) AS c, COUNT(v) AS cv, SUM(v) AS s, AVG(v) AS a, MIN(v) AS mn, MAX(v) AS mx, COUNT(DISTINCT u) AS du`;
const AGGS_DUCK = `COUNT(*) AS c, COUNT(v) AS cv, SUM(v) AS s, AVG(v) AS a, MIN(v) AS mn, MAX(v) AS mx, COUNT(DISTINCT u) AS du`;

const CASES: Case[] = [
  {
    name: 'tumble 5 min (TVF)',
    sqc: `FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '5' MINUTE)) GROUP BY window_start, window_end, k`,
    duck: `SELECT (epoch_ms(ts) // 300000) * 300000 AS ws, (epoch_ms(ts) // 300000) * 300000 + 300000 AS we, k, ${AGGS_DUCK}
           FROM src GROUP BY ALL`,
  },
  {
    name: 'hop 10 min every 2 min (group window)',
    sqc: `FROM ev GROUP BY HOP(ts, INTERVAL '2' MINUTE, INTERVAL '10' MINUTE), k`,
    duck: `SELECT ws, ws + 600000 AS we, k, ${AGGS_DUCK} FROM (
             SELECT *, unnest(generate_series((epoch_ms(ts) // 120000 - 4) * 120000, (epoch_ms(ts) // 120000) * 120000, 120000)) AS ws
             FROM src) GROUP BY ALL`,
  },
  {
    name: 'cumulate 1 min steps to 10 min',
    sqc: `FROM TABLE(CUMULATE(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '10' MINUTE)) GROUP BY window_start, window_end, k`,
    duck: `SELECT ws, we, k, ${AGGS_DUCK} FROM (
             SELECT *, (epoch_ms(ts) // 600000) * 600000 AS ws,
                    unnest(generate_series((epoch_ms(ts) // 60000 + 1) * 60000, (epoch_ms(ts) // 600000) * 600000 + 600000, 60000)) AS we
             FROM src) GROUP BY ALL`,
  },
  {
    name: 'session gap 3 min (Spark session_window)',
    sqc: `FROM ev GROUP BY session_window(ts, '3 minutes'), k`,
    duck: `SELECT MIN(epoch_ms(ts)) AS ws, MAX(epoch_ms(ts)) + 180000 AS we, k, ${AGGS_DUCK} FROM (
             SELECT *, SUM(brk) OVER (PARTITION BY k ORDER BY ts, u, v ROWS UNBOUNDED PRECEDING) AS sid FROM (
               SELECT *, CASE WHEN epoch_ms(ts) - LAG(epoch_ms(ts)) OVER (PARTITION BY k ORDER BY ts, u, v) < 180000
                              THEN 0 ELSE 1 END AS brk
               FROM src))
           GROUP BY k, sid`,
  },
];

function selectList(c: Case): string {
  if (c.sqc.includes('HOP(ts'))
    return `HOP_START(ts, INTERVAL '2' MINUTE, INTERVAL '10' MINUTE) AS ws, HOP_END(ts, INTERVAL '2' MINUTE, INTERVAL '10' MINUTE) AS we`;
  if (c.sqc.includes('session_window')) return 'window.start AS ws, window.end AS we';
  return 'window_start AS ws, window_end AS we';
}

type Row = Record<string, unknown>;

function canonical(rows: readonly Row[]): string[] {
  const num = (x: unknown) => (x === null || x === undefined ? 'null' : Number(x).toFixed(6));
  return rows
    .map((r) =>
      [
        Number(r['ws']),
        Number(r['we']),
        r['k'] ?? 'null',
        num(r['c']),
        num(r['cv']),
        num(r['s']),
        num(r['a']),
        num(r['mn']),
        num(r['mx']),
        num(r['du']),
      ].join('|'),
    )
    .sort();
}

let conn: DuckDBConnection;
const input = join(DIR, 'events.jsonl');

beforeAll(async () => {
  mkdirSync(DIR, { recursive: true });
  writeInput(input, 1121);
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  conn = await db.connect();
  await conn.run(`CREATE TABLE src AS SELECT * FROM read_json('${input}', format = 'newline_delimited',
    columns = {k: 'VARCHAR', u: 'VARCHAR', v: 'DOUBLE', ts: 'TIMESTAMP'})`);
});

afterAll(() => conn?.closeSync());

describe('windowed aggregates match DuckDB', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const source = `
CREATE STREAM ev (k STRING, u STRING, v DOUBLE, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE)
  WITH ('connector' = 'file', 'path' = '${input}', 'format' = 'json', 'scan.batch-size' = '250');
CREATE SINK out WITH ('connector' = 'blackhole');
INSERT INTO out SELECT ${selectList(c)}, k, ${AGGS_SQC} ${c.sqc};`;
      const result = await compile(source, 'differential.sq', { runtimeImport: RUNTIME });
      expect(result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
      const modulePath = join(DIR, `${c.name.replace(/\W+/g, '_')}.ts`);
      writeFileSync(modulePath, result.code!);
      const mod = (await import(pathToFileURL(modulePath).href)) as { createJob(o?: JobOverrides): Job };
      const rows: Row[] = [];
      const progress: QueryProgress[] = [];
      const job = mod.createJob({ sinks: { out: { rows } } });
      job.on('progress', (p) => progress.push(p));
      await job.run();

      expect(progress.reduce((n, p) => n + p.lateRowsDropped, 0)).toBe(0);
      expect(progress.reduce((n, p) => n + p.numInputRows, 0)).toBe(6_000);
      const expected = (await conn.runAndReadAll(c.duck)).getRowObjects() as Row[];
      expect(expected.length).toBeGreaterThan(10);
      expect(canonical(rows)).toEqual(canonical(expected));
    });
  }
});
