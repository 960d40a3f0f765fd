// The DuckDB competitor of the NEXMark-shaped file suite: one thread, reading the same JSON
// lines and writing JSON lines. One process per run:
//   node duck.mjs <tumble|hop|filter> <bids.jsonl> <out.jsonl>
import { DuckDBInstance } from '@duckdb/node-api';

const [query, input, output] = process.argv.slice(2);
const q = (s) => `'${s.replace(/'/g, "''")}'`;
const bids = `read_json(${q(input)}, format = 'newline_delimited', columns = {auction: 'BIGINT', bidder: 'BIGINT',
  price: 'BIGINT', channel: 'VARCHAR', url: 'VARCHAR', dateTime: 'TIMESTAMP', extra: 'VARCHAR'})`;
const ts = (e) => `strftime(${e}, '%Y-%m-%dT%H:%M:%S.%gZ')`;
const window = (slideMs) => `
  SELECT auction, ${ts('window_start')} AS window_start, ${ts('window_start + INTERVAL 10 SECOND')} AS window_end, COUNT(*) AS bids
  FROM (SELECT auction, unnest(generate_series(
          make_timestamp((epoch_ms(dateTime) // ${slideMs}) * ${slideMs} * 1000 - ${10_000 - slideMs} * 1000),
          make_timestamp((epoch_ms(dateTime) // ${slideMs}) * ${slideMs} * 1000), INTERVAL ${slideMs} MILLISECOND)) AS window_start
        FROM ${bids})
  GROUP BY ALL`;
const sql = {
  tumble: window(10_000),
  hop: window(2_000),
  filter: `SELECT auction, bidder, price * 0.908 AS price_eur, ${ts('dateTime')} AS dateTime FROM ${bids}
           WHERE price > 5000 AND channel <> 'Apple'`,
}[query];
const db = await DuckDBInstance.create(':memory:', { threads: '1' });
const conn = await db.connect();
await conn.run(`COPY (${sql}) TO ${q(output)} (FORMAT json)`);
