/**
 * Differential test for joins: lookup joins (INNER, LEFT with a residual) and interval joins
 * (INNER, LEFT, RIGHT, FULL; inclusive and exclusive bounds) computed by sqc on seeded random
 * bounded inputs must equal DuckDB's joins over the same rows (as multisets of id pairs).
 *
 * The streams have NULL keys, duplicate keys, and rows out of order by less than the watermark
 * delay (so nothing is late — asserted through progress); the table has duplicate and NULL keys.
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

const DIR = join(tmpdir(), `sqc-differential-joins-${process.pid}`);
const RUNTIME = pathToFileURL(join(import.meta.dirname, '..', 'runtime', 'index.ts')).href;
const ROWS = 2_000;

/** ROWS rows over ~1 hour, 15 keys + NULL, shuffled within 20 s; whole seconds, so bounds are hit exactly. */
function writeStream(path: string, seed: number): void {
  const next = seededRandom(seed);
  const t0 = Date.UTC(2025, 3, 21, 12, 0, 0);
  const rows: string[] = [];
  let t = t0;
  for (let i = 0; i < ROWS; i++) {
    t += Math.floor(next() * 4) * 1000;
    const jitter = Math.floor(next() * 20) * 1000;
    const k = next() < 0.05 ? null : `k${Math.floor(next() * 15)}`;
    const v = next() < 0.1 ? null : Math.floor(next() * 100);
    rows.push(JSON.stringify({ id: i, k, v, ts: new Date(Math.max(t0, t - jitter)).toISOString() }));
  }
  writeFileSync(path, rows.join('\n') + '\n');
}

/** The table: keys k0..k19 (k15.. never in the streams), some twice, one NULL key. */
function writeTable(path: string, seed: number): void {
  const next = seededRandom(seed);
  const lines = ['k,name,lim'];
  for (let i = 0; i < 20; i++) {
    const copies = next() < 0.3 ? 2 : next() < 0.1 ? 0 : 1;
    for (let c = 0; c < copies; c++) lines.push(`k${i},n${i}_${c},${next() < 0.1 ? '' : Math.floor(next() * 100)}`);
  }
  lines.push(',nobody,50');
  writeFileSync(path, lines.join('\n') + '\n');
}

interface Case {
  readonly name: string;
  readonly sqc: string;
  readonly duck: string;
}

const INTERVAL_INCL = `a.k = b.k AND b.ts BETWEEN a.ts - INTERVAL '1' MINUTE AND a.ts + INTERVAL '2' MINUTE`;
const INTERVAL_EXCL = `a.k = b.k AND b.ts > a.ts - INTERVAL '1' MINUTE AND b.ts < a.ts + INTERVAL '2' MINUTE`;
const DUCK_INCL = `a.k = b.k AND b.ts BETWEEN a.ts - INTERVAL 1 MINUTE AND a.ts + INTERVAL 2 MINUTE`;
const DUCK_EXCL = `a.k = b.k AND b.ts > a.ts - INTERVAL 1 MINUTE AND b.ts < a.ts + INTERVAL 2 MINUTE`;

const CASES: Case[] = [
  {
    name: 'lookup INNER',
    sqc: `SELECT a.id AS lid, d.name AS rid FROM a JOIN dim d ON a.k = d.k`,
    duck: `SELECT a.id AS lid, d.name AS rid FROM a JOIN dim d ON a.k = d.k`,
  },
  {
    name: 'lookup LEFT with a residual',
    sqc: `SELECT a.id AS lid, d.name AS rid FROM a LEFT JOIN dim d ON a.k = d.k AND a.v <= d.lim`,
    duck: `SELECT a.id AS lid, d.name AS rid FROM a LEFT JOIN dim d ON a.k = d.k AND a.v <= d.lim`,
  },
  ...(['INNER', 'LEFT', 'RIGHT', 'FULL'] as const).flatMap((j) => [
    {
      name: `interval ${j}, inclusive bounds`,
      sqc: `SELECT a.id AS lid, b.id AS rid FROM a ${j} JOIN b ON ${INTERVAL_INCL}`,
      duck: `SELECT a.id AS lid, b.id AS rid FROM a ${j} JOIN b ON ${DUCK_INCL}`,
    },
    {
      name: `interval ${j}, exclusive bounds and a residual`,
      sqc: `SELECT a.id AS lid, b.id AS rid FROM a ${j} JOIN b ON ${INTERVAL_EXCL} AND a.v < b.v + 50`,
      duck: `SELECT a.id AS lid, b.id AS rid FROM a ${j} JOIN b ON ${DUCK_EXCL} AND a.v < b.v + 50`,
    },
  ]),
];

type Row = Record<string, unknown>;

function canonical(rows: readonly Row[]): string[] {
  return rows.map((r) => `${r['lid'] ?? 'null'}|${r['rid'] ?? 'null'}`).sort();
}

let conn: DuckDBConnection;
const aPath = join(DIR, 'a.jsonl');
const bPath = join(DIR, 'b.jsonl');
const dimPath = join(DIR, 'dim.csv');

beforeAll(async () => {
  mkdirSync(DIR, { recursive: true });
  writeStream(aPath, 501);
  writeStream(bPath, 502);
  writeTable(dimPath, 503);
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  conn = await db.connect();
  const cols = `columns = {id: 'INTEGER', k: 'VARCHAR', v: 'INTEGER', ts: 'TIMESTAMP'}`;
  await conn.run(`CREATE TABLE a AS SELECT * FROM read_json('${aPath}', format = 'newline_delimited', ${cols})`);
  await conn.run(`CREATE TABLE b AS SELECT * FROM read_json('${bPath}', format = 'newline_delimited', ${cols})`);
  await conn.run(
    `CREATE TABLE dim AS SELECT * FROM read_csv('${dimPath}', header = true, columns = {k: 'VARCHAR', name: 'VARCHAR', lim: 'INTEGER'})`,
  );
});

afterAll(() => conn?.closeSync());

describe('joins match DuckDB', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const stream = (name: string, path: string) =>
        `CREATE STREAM ${name} (id INT, k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '30' SECOND)
  WITH ('connector' = 'file', 'path' = '${path}', 'format' = 'json', 'scan.batch-size' = '${name === 'a' ? 170 : 230}');`;
      const source = `
${stream('a', aPath)}
${stream('b', bPath)}
CREATE TABLE dim (k STRING, name STRING, lim INT)
  WITH ('connector' = 'file', 'path' = '${dimPath}', 'format' = 'csv', 'csv.header' = 'true');
CREATE SINK out WITH ('connector' = 'blackhole');
INSERT INTO out ${c.sqc};`;
      const result = await compile(source, 'differential-joins.sq', { runtimeImport: RUNTIME });
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
      const expected = (await conn.runAndReadAll(c.duck)).getRowObjects() as Row[];
      expect(expected.length).toBeGreaterThan(100);
      expect(canonical(rows)).toEqual(canonical(expected));
    });
  }
});
