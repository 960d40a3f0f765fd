/**
 * Benchmark: `sqc check` on a generated 5,000-line program. Reports the median of in-process
 * `analyze` runs (warm) and of whole `sqc check` processes (cold start included).
 * Target: under 1 s for the whole process.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../compiler/analyze.ts';
import { median, report, time } from './util.ts';

/** One ~25-line block: a stream, a table, a sink, a view and two queries; names made unique by i. */
function block(i: number): string {
  return `
CREATE STREAM orders_${i} (
  order_id STRING NOT NULL, user_id STRING, product_id STRING,
  amount DOUBLE, quantity INT, status STRING, order_time TIMESTAMP(3),
  WATERMARK FOR order_time AS order_time - INTERVAL '1' MINUTE
) WITH ('connector' = 'file', 'path' = 'data/orders_${i}.jsonl', 'format' = 'json');
CREATE TABLE users_${i} (user_id STRING, country STRING, PRIMARY KEY (user_id) NOT ENFORCED)
  WITH ('connector' = 'file', 'path' = 'data/users.csv', 'format' = 'csv');
CREATE SINK out_${i} WITH ('connector' = 'blackhole');
CREATE SINK out2_${i} WITH ('connector' = 'blackhole');
CREATE VIEW completed_${i} AS
  SELECT o.*, u.country FROM orders_${i} o LEFT JOIN users_${i} u ON o.user_id = u.user_id
  WHERE o.status = 'completed' AND o.amount BETWEEN 1 AND 10000;
INSERT INTO out_${i}
SELECT window_start, window_end, product_id, country,
       COUNT(*) AS n, SUM(amount) AS revenue, AVG(amount) AS avg_amount,
       COUNT(DISTINCT user_id) AS buyers, MAX(quantity) FILTER (WHERE quantity > 1) AS max_q
FROM TABLE(HOP(TABLE completed_${i}, DESCRIPTOR(order_time), INTERVAL '1' MINUTE, INTERVAL '5' MINUTE))
GROUP BY window_start, window_end, product_id, country
HAVING COUNT(*) > 1;
INSERT INTO out2_${i}
SELECT UPPER(user_id) AS u, CASE WHEN amount > 100 THEN 'big' ELSE 'small' END AS size,
       CAST(quantity AS BIGINT) * 2 AS q2, COALESCE(status, 'none') AS s
FROM orders_${i} WHERE product_id LIKE 'p%' AND quantity IS NOT NULL;
`;
}

export function program(lines: number): string {
  const parts: string[] = [];
  let count = 0;
  for (let i = 0; count < lines; i++) {
    const b = block(i);
    parts.push(b);
    count += b.split('\n').length - 1;
  }
  return parts.join('');
}

export async function benchCheck(): Promise<void> {
  const text = program(5_000);
  const lines = text.split('\n').length;
  const dir = join(import.meta.dirname, 'data');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'check-5000.sq');
  writeFileSync(file, text);

  const first = analyze(text, file);
  const errors = first.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`benchmark program does not check: ${errors[0]!.message}`);

  const warm = median(Array.from({ length: 7 }, () => time(() => analyze(text, file))));
  const sqc = join(import.meta.dirname, '..', 'bin', 'sqc.js');
  const cold = median(
    Array.from({ length: 5 }, () =>
      time(() => execFileSync(process.execPath, [sqc, 'check', file], { stdio: 'ignore' })),
    ),
  );
  report(
    'sqc check, 5,000-line program',
    [
      { name: `analyze() in-process (${lines} lines)`, ms: warm },
      { name: 'sqc check process (incl. startup)', ms: cold },
    ],
    'target: process under 1000 ms',
  );
}
