/**
 * Writes the bundled example data (deterministic: same seed, same files). Run with
 * `npx tsx examples/data/make-data.ts` from the repository root; the outputs are committed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = import.meta.dirname;
let seed = 42;
const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const iso = (ms: number) => new Date(ms).toISOString();
const T0 = Date.UTC(2025, 3, 21, 14, 0, 0);

// sales_batch.sq: CSV with a header, a few malformed lines (csv.ignore-parse-errors = 'true').
{
  const categories = ['books', 'electronics', 'garden', 'toys', 'food'];
  const lines = ['product_id,category,price,quantity,transaction_date'];
  for (let i = 0; i < 500; i++) {
    const price = (1 + Math.floor(rand() * 20000) / 100).toFixed(2);
    lines.push(
      `p${100 + Math.floor(rand() * 50)},${pick(categories)},${price},${1 + Math.floor(rand() * 5)},2025-04-${String(1 + (i % 28)).padStart(2, '0')}`,
    );
    if (i % 97 === 50) lines.push(`p999,books,not-a-price,1,2025-04-10`);
  }
  writeFileSync(join(DIR, 'sales_data.csv'), lines.join('\n') + '\n');
}

// word_count.sq: lines with event times, some arriving late (older than the watermark).
{
  const words = ['owl', 'cat', 'dog', 'apple', 'stream', 'window'];
  const rows: string[] = [];
  let t = T0;
  for (let i = 0; i < 60; i++) {
    t += Math.floor(rand() * 90_000);
    const late = i % 10 === 9;
    const ts = late ? t - 25 * 60_000 : t; // 25 minutes behind: later than the 10-minute delay allows
    const line = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => pick(words)).join(' ');
    rows.push(JSON.stringify({ line, timestamp: iso(ts) }));
  }
  writeFileSync(join(DIR, 'lines.jsonl'), rows.join('\n') + '\n');
}

// sessions.sq: a directory of JSON-lines files with user activity and idle gaps > 30 minutes.
{
  mkdirSync(join(DIR, 'user_events'), { recursive: true });
  const users = ['alice', 'bob', 'carol', 'dave'];
  const types = ['view', 'click', 'scroll', 'purchase'];
  for (let f = 0; f < 3; f++) {
    const rows: string[] = [];
    const base = T0 + f * 3 * 3_600_000;
    for (const u of users) {
      let t = base + Math.floor(rand() * 600_000);
      for (let i = 0; i < 12; i++) {
        t += i === 6 ? 45 * 60_000 : Math.floor(rand() * 5 * 60_000);
        rows.push(JSON.stringify({ user_id: u, event_type: pick(types), ts: iso(t) }));
      }
    }
    rows.sort((a, b) => (JSON.parse(a).ts < JSON.parse(b).ts ? -1 : 1));
    writeFileSync(join(DIR, 'user_events', `events-${f}.jsonl`), rows.join('\n') + '\n');
  }
}

// ad_attribution.sq: the campaigns lookup table.
writeFileSync(
  join(DIR, 'campaigns.csv'),
  ['ad_id,campaign', 'ad1,spring-sale', 'ad2,spring-sale', 'ad3,brand', 'ad4,retargeting'].join('\n') + '\n',
);
