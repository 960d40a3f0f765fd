/**
 * The competitors sqc is measured against, on the same JSON-lines file:
 * - a straightforward hand-written Node pipeline (readline + JSON.parse + Map), what an engineer
 *   would write without sqc;
 * - DuckDB, single-threaded (`threads = 1`), reading the same file.
 * Each returns its result rows so the benchmark can check all three agree before timing counts.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { DuckDBInstance } from '@duckdb/node-api';

export const MINUTE = 60_000;

/** One event of the benchmark stream. */
export interface BenchEvent {
  event_id: number;
  user_id: string;
  page: string;
  action: string;
  amount: number;
  ts: string;
}

export interface WindowCount {
  window_start: number;
  page: string;
  n: number;
}

async function* lines(path: string): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(path, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  for await (const line of rl) if (line) yield line;
}

/** Hand-written tumbling count per page per 1-minute window. */
export async function handTumble(path: string): Promise<WindowCount[]> {
  const counts = new Map<string, WindowCount>();
  for await (const line of lines(path)) {
    const e = JSON.parse(line) as BenchEvent;
    const t = Date.parse(e.ts);
    const start = Math.floor(t / MINUTE) * MINUTE;
    const key = `${start}|${e.page}`;
    const c = counts.get(key);
    if (c) c.n++;
    else counts.set(key, { window_start: start, page: e.page, n: 1 });
  }
  return [...counts.values()];
}

/** Hand-written hop count: 1-minute windows every 10 seconds (6 windows per event). */
export async function handHop(path: string): Promise<WindowCount[]> {
  const size = MINUTE;
  const slide = 10_000;
  const counts = new Map<string, WindowCount>();
  for await (const line of lines(path)) {
    const e = JSON.parse(line) as BenchEvent;
    const t = Date.parse(e.ts);
    for (let start = Math.floor(t / slide) * slide; start > t - size; start -= slide) {
      const key = `${start}|${e.page}`;
      const c = counts.get(key);
      if (c) c.n++;
      else counts.set(key, { window_start: start, page: e.page, n: 1 });
    }
  }
  return [...counts.values()];
}

/** Hand-written filter/projection to a JSON-lines file; returns the number of rows written. */
export async function handFilter(path: string, out: string): Promise<number> {
  const sink = createWriteStream(out);
  let n = 0;
  for await (const line of lines(path)) {
    const e = JSON.parse(line) as BenchEvent;
    if (e.action === 'purchase' && e.amount > 50) {
      sink.write(JSON.stringify({ event_id: e.event_id, user_id: e.user_id, gross: e.amount * 1.2 }) + '\n');
      n++;
    }
  }
  await new Promise<void>((resolve, reject) => sink.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return n;
}

/** DuckDB, single thread. `read` is the table expression over the file. */
export class DuckBench {
  private constructor(private readonly run: (sql: string) => Promise<Record<string, unknown>[]>) {}

  static async open(): Promise<DuckBench> {
    const db = await DuckDBInstance.create(':memory:', { threads: '1' });
    const conn = await db.connect();
    return new DuckBench(async (sql) => (await conn.runAndReadAll(sql)).getRowObjects() as Record<string, unknown>[]);
  }

  private source(path: string): string {
    return `read_json('${path.replace(/'/g, "''")}', format = 'newline_delimited',
      columns = {event_id: 'BIGINT', user_id: 'VARCHAR', page: 'VARCHAR', action: 'VARCHAR', amount: 'DOUBLE', ts: 'TIMESTAMP'})`;
  }

  async tumble(path: string): Promise<WindowCount[]> {
    const rows = await this.run(`
      SELECT (epoch_ms(ts) // ${MINUTE}) * ${MINUTE} AS window_start, page, COUNT(*) AS n
      FROM ${this.source(path)} GROUP BY ALL`);
    return rows.map((r) => ({ window_start: Number(r['window_start']), page: String(r['page']), n: Number(r['n']) }));
  }

  async hop(path: string): Promise<WindowCount[]> {
    // Each event belongs to the 6 windows starting at floor(t / 10 s) * 10 s - k * 10 s, k = 0..5.
    const rows = await this.run(`
      SELECT window_start, page, COUNT(*) AS n FROM (
        SELECT page, unnest(generate_series((epoch_ms(ts) // 10000 - 5) * 10000, (epoch_ms(ts) // 10000) * 10000, 10000)) AS window_start
        FROM ${this.source(path)})
      GROUP BY ALL`);
    return rows.map((r) => ({ window_start: Number(r['window_start']), page: String(r['page']), n: Number(r['n']) }));
  }

  async filter(path: string, out: string): Promise<number> {
    await this.run(`
      COPY (SELECT event_id, user_id, amount * 1.2 AS gross FROM ${this.source(path)}
            WHERE action = 'purchase' AND amount > 50)
      TO '${out.replace(/'/g, "''")}' (FORMAT json)`);
    const [row] = await this.run(
      `SELECT COUNT(*) AS n FROM read_json('${out.replace(/'/g, "''")}', format = 'newline_delimited')`,
    );
    return Number(row!['n']);
  }
}

/** Writes `n` deterministic events, ~110 bytes each, 20 per second of event time, 50 pages. */
export async function writeEvents(path: string, n: number): Promise<void> {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let seed = 7;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const actions = ['view', 'view', 'view', 'click', 'click', 'purchase'];
  const t0 = Date.UTC(2025, 3, 21, 0, 0, 0);
  let buf = '';
  for (let i = 0; i < n; i++) {
    const ts = new Date(t0 + i * 50 + Math.floor(rand() * 2_000)).toISOString();
    buf += `{"event_id":${i},"user_id":"u${Math.floor(rand() * 10_000)}","page":"/page/${Math.floor(rand() * 50)}","action":"${actions[Math.floor(rand() * actions.length)]}","amount":${(rand() * 200).toFixed(2)},"ts":"${ts}"}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.write(buf);
  await new Promise<void>((resolve) => out.end(resolve));
}
