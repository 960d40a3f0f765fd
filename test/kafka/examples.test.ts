/**
 * Differential test of the four Kafka examples (and every window type): each program runs once
 * reading Kafka topics and once reading JSON-lines files holding the same records; the results
 * must be equal. The Kafka run is a continuous job over several partitions with disorder across
 * partitions (each partition's clock lags the previous one by a few seconds, within the
 * watermark delay), an idle partition (no records at all; `scan.idle-timeout`), and a partition
 * added while the job runs (discovered, read from its earliest offset). A last record far in the
 * future on every partition closes every window; its own rows are left out of the comparison.
 * Kafka sinks of the examples stay Kafka sinks in the Kafka run and are read back.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaForTests, type KafkaForTests } from '../../broker/index.ts';
import type { QueryProgress, RowKind, SinkBatch } from '../../runtime/index.ts';
import { seededRandom } from '../../runtime/random.ts';
import { loadProgram, produce, readTopic } from './support.ts';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');
const T0 = Date.UTC(2025, 3, 21, 10, 0, 0);
const FAR = T0 + 86_400_000;
const END = '__end__';
/** Partitions 0-2 get records from the start, 3 stays empty (idle), 4 is added while running. */
const ACTIVE = [0, 1, 2];
const ADDED = 4;
const PARTITIONS = 4;

let k: KafkaForTests;
let dir: string;
beforeAll(async () => {
  k = await kafkaForTests();
  dir = mkdtempSync(join(tmpdir(), 'sqc-kafka-examples-'));
});
afterAll(async () => {
  await k?.stop();
  rmSync(dir, { recursive: true, force: true });
});

type Row = Record<string, unknown>;

interface Stream {
  /** The relation name in the program. */
  readonly name: string;
  /** Records in production order: [partition, value]; the partition is 0-2 or ADDED. */
  readonly records: readonly (readonly [number, string])[];
  /** Raw values (malformed records) included as they are. */
}

interface Output {
  readonly sink: string;
  /** FINAL: every row once (compared as a multiset); CHANGES: the last row per key. */
  readonly mode: 'final' | 'changes';
  readonly key: (r: Row) => string;
  /** Rows caused by the closing records, left out. */
  readonly closing: (r: Row) => boolean;
  /** Columns that differ by nature (processing time), left out. */
  readonly drop?: readonly string[];
  /** Normalises a row (e.g. sorts COLLECT_LIST values, whose order follows arrival). */
  readonly normalise?: (r: Row) => Row;
  /** The example writes this sink to Kafka: the Kafka run reads the topic back. */
  readonly kafka?: boolean;
}

interface Case {
  readonly name: string;
  readonly source: string;
  readonly streams: readonly Stream[];
  readonly outputs: readonly Output[];
  /** Extra overrides for both runs (e.g. lookup table paths). */
  readonly tables?: Record<string, Record<string, string>>;
}

/** Event times of `n` events on partition p: 4 s apart overall, partition p lagging p×3 s, ±2 s jitter. */
function timeline(n: number, seed: number): { partition: number; ts: number; i: number }[] {
  const next = seededRandom(seed);
  const out: { partition: number; ts: number; i: number }[] = [];
  for (let i = 0; i < n; i++) {
    // the second half also goes to the partition added while running
    const parts = i < n / 2 ? ACTIVE : [...ACTIVE, ADDED];
    const partition = parts[Math.floor(next() * parts.length)]!;
    const lag = partition === ADDED ? 4_000 : partition * 3_000;
    out.push({ partition, ts: T0 + i * 4_000 - lag + Math.floor(next() * 4_000 - 2_000), i });
  }
  return out;
}

const iso = (ms: number) => new Date(ms).toISOString();
const closing = (key: string, make: (ts: string) => Row) =>
  [...ACTIVE, ADDED].map((p) => [p, JSON.stringify(make(iso(FAR)))] as const).map(([p, v]) => [p, v] as const);

function clickstream(): Case {
  const next = seededRandom(11);
  const pages = ['/', '/cart', '/search', '/item', '/help'];
  const records = timeline(2_400, 1).map(
    (e) =>
      [
        e.partition,
        JSON.stringify({
          user_id: `u${Math.floor(next() * 50)}`,
          page: pages[Math.floor(next() * pages.length)],
          action: next() < 0.7 ? 'view' : 'click',
          timestamp: iso(e.ts),
        }),
      ] as const,
  );
  return {
    name: 'clickstream',
    source: readFileSync(join(EXAMPLES, 'clickstream.sq'), 'utf8'),
    streams: [
      {
        name: 'clicks',
        records: [...records, ...closing(END, (ts) => ({ user_id: END, page: END, action: 'view', timestamp: ts }))],
      },
    ],
    outputs: [
      {
        sink: 'page_stats',
        mode: 'final',
        key: (r) => `${r['window_start']}|${r['page']}`,
        closing: (r) => r['page'] === END,
      },
      {
        sink: 'page_stats_debug',
        mode: 'changes',
        key: (r) => `${r['window_start']}|${r['page']}`,
        closing: (r) => r['page'] === END,
      },
    ],
  };
}

function orders(): Case {
  const next = seededRandom(12);
  const records = timeline(3_000, 2).map(
    (e) =>
      [
        e.partition,
        JSON.stringify({
          order_id: `o${e.i}`,
          user_id: `u${Math.floor(next() * 8)}`,
          product_id: `p${Math.floor(next() * 6)}`,
          amount: Math.round(next() * 300_00) / 100,
          quantity: 1 + Math.floor(next() * 4),
          order_time: iso(e.ts),
          status: next() < 0.8 ? 'completed' : 'cancelled',
        }),
      ] as const,
  );
  const end = (ts: string) => ({
    order_id: END,
    user_id: END,
    product_id: END,
    amount: 0,
    quantity: 0,
    order_time: ts,
    status: 'completed',
  });
  return {
    name: 'orders',
    source: readFileSync(join(EXAMPLES, 'orders.sq'), 'utf8'),
    streams: [{ name: 'orders', records: [...records, ...closing(END, end)] }],
    outputs: [
      {
        sink: 'revenue_aggregates',
        mode: 'changes',
        kafka: true,
        key: (r) => `${r['window_start']}|${r['product_id']}`,
        closing: (r) => r['product_id'] === END,
      },
      {
        sink: 'user_stats',
        mode: 'changes',
        key: (r) => `${r['window_start']}|${r['user_id']}`,
        closing: (r) => r['user_id'] === END,
        normalise: (r) => ({ ...r, purchased_products: [...(r['purchased_products'] as string[])].sort() }),
      },
      {
        sink: 'anomalies',
        mode: 'final',
        key: (r) => `${r['window_start']}|${r['user_id']}`,
        closing: (r) => r['user_id'] === END,
      },
    ],
  };
}

function behaviorStats(): Case {
  const next = seededRandom(13);
  const cats = ['books', 'games', 'garden'];
  const behaviors = ['pv', 'cart', 'buy', 'fav'];
  const records: (readonly [number, string])[] = timeline(2_000, 3).map(
    (e) =>
      [
        e.partition,
        JSON.stringify({
          user_id: `u${Math.floor(next() * 30)}`,
          item_id: `i${Math.floor(next() * 100)}`,
          category: cats[Math.floor(next() * cats.length)],
          behavior: behaviors[Math.floor(next() * behaviors.length)],
          ts: iso(e.ts),
        }),
      ] as const,
  );
  // malformed records are skipped and counted by both runs (json.ignore-parse-errors)
  records.splice(500, 0, [1, '{"user_id": "u1", "category": '], [2, 'not json']);
  return {
    name: 'behavior_stats',
    source: readFileSync(join(EXAMPLES, 'behavior_stats.sq'), 'utf8'),
    streams: [{ name: 'user_behaviors', records }],
    outputs: [
      {
        sink: 'behavior_stats',
        mode: 'changes',
        kafka: true,
        key: (r) => `${r['category']}|${r['behavior']}`,
        closing: () => false,
        drop: ['update_time'],
      },
    ],
  };
}

function adAttribution(): Case {
  const next = seededRandom(14);
  const impressions = timeline(1_200, 4);
  const clicks: (readonly [number, string])[] = [];
  const impr = impressions.map((e) => {
    const uuid = `i${e.i}`;
    // a third of the impressions are clicked within 5 minutes, some clicks come too late
    if (next() < 0.33) {
      const delay = Math.floor(next() * 360_000);
      clicks.push([e.partition, JSON.stringify({ uuid, create_date: iso(e.ts + delay), at: e.ts + delay })]);
    }
    return [
      e.partition,
      JSON.stringify({ uuid, ad_id: `ad${1 + Math.floor(next() * 5)}`, create_date: iso(e.ts) }),
    ] as const;
  });
  // clicks in time order per the click clock, disorder within the watermark delay
  clicks.sort((a, b) => JSON.parse(a[1]).at - JSON.parse(b[1]).at);
  const clickRecords = clicks.map(([p, v]) => {
    const { uuid, create_date } = JSON.parse(v) as { uuid: string; create_date: string };
    return [p, JSON.stringify({ uuid, create_date })] as const;
  });
  return {
    name: 'ad_attribution',
    source: readFileSync(join(EXAMPLES, 'ad_attribution.sq'), 'utf8'),
    streams: [
      {
        name: 'impressions',
        records: [...impr, ...closing(END, (ts) => ({ uuid: END, ad_id: END, create_date: ts }))],
      },
      { name: 'clicks', records: [...clickRecords, ...closing(END, (ts) => ({ uuid: `${END}c`, create_date: ts }))] },
    ],
    outputs: [
      {
        sink: 'attributed',
        mode: 'final',
        kafka: true,
        key: (r) => `${r['impr_uuid']}|${r['click_date']}`,
        closing: (r) => r['impr_uuid'] === END,
      },
    ],
    tables: { campaigns: { path: join(EXAMPLES, 'data', 'campaigns.csv') } },
  };
}

/** Every window type over one clickstream: hop, cumulate, session, and Spark's window(). */
function windows(): Case {
  const base = clickstream();
  const src = (delay: string) => `
CREATE STREAM clicks (user_id STRING, page STRING, action STRING, \`timestamp\` TIMESTAMP(3),
  WATERMARK FOR \`timestamp\` AS \`timestamp\` - INTERVAL ${delay}
) WITH ('connector' = 'kafka', 'topic' = 'clickstream', 'format' = 'json');`;
  return {
    name: 'windows',
    source: `${src("'10' MINUTE")}
CREATE SINK hop WITH ('connector' = 'print');
CREATE SINK cumulate WITH ('connector' = 'print');
CREATE SINK sessions WITH ('connector' = 'print');
CREATE SINK spark WITH ('connector' = 'print');
INSERT INTO hop SELECT window_start, window_end, page, COUNT(*) AS n, COUNT(DISTINCT user_id) AS u
FROM TABLE(HOP(TABLE clicks, DESCRIPTOR(\`timestamp\`), INTERVAL '2' MINUTE, INTERVAL '10' MINUTE))
GROUP BY window_start, window_end, page;
INSERT INTO cumulate SELECT window_start, window_end, action, COUNT(*) AS n
FROM TABLE(CUMULATE(TABLE clicks, DESCRIPTOR(\`timestamp\`), INTERVAL '5' MINUTE, INTERVAL '30' MINUTE))
GROUP BY window_start, window_end, action;
INSERT INTO sessions SELECT window_start, window_end, user_id, COUNT(*) AS n
FROM TABLE(SESSION(TABLE clicks PARTITION BY user_id, DESCRIPTOR(\`timestamp\`), INTERVAL '90' SECOND))
GROUP BY window_start, window_end, user_id;
INSERT INTO spark SELECT window.start AS ws, page, COUNT(*) AS n
FROM clicks GROUP BY window(\`timestamp\`, '3 minutes'), page;`,
    streams: base.streams,
    outputs: [
      {
        sink: 'hop',
        mode: 'final',
        key: (r) => `${r['window_start']}|${r['page']}`,
        closing: (r) => r['page'] === END,
      },
      {
        sink: 'cumulate',
        mode: 'final',
        key: (r) => `${r['window_start']}|${r['window_end']}|${r['action']}`,
        closing: (r) => (r['window_end'] as string) > iso(FAR - 3_600_000),
      },
      {
        sink: 'sessions',
        mode: 'final',
        key: (r) => `${r['window_start']}|${r['user_id']}`,
        closing: (r) => r['user_id'] === END,
      },
      { sink: 'spark', mode: 'final', key: (r) => `${r['ws']}|${r['page']}`, closing: (r) => r['page'] === END },
    ],
  };
}

/** Applies a changelog (+I/+U upsert by key, -D delete) and returns the final rows. */
function table(rows: readonly { row: Row; kind: RowKind }[], o: Output): Row[] {
  const out = new Map<string, Row>();
  for (const { row, kind } of rows) {
    if (kind === '-D') out.delete(o.key(row));
    else out.set(o.key(row), row);
  }
  return [...out.values()];
}

function canonical(rows: readonly Row[], o: Output): string[] {
  return rows
    .filter((r) => !o.closing(r))
    .map((r) => {
      const x: Row = { ...(o.normalise ? o.normalise(r) : r) };
      for (const d of o.drop ?? []) delete x[d];
      // SUM/AVG of doubles depend on the order rows arrive in (file order vs partition order)
      return JSON.stringify(x, (_k, v: unknown) =>
        typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v,
      );
    })
    .sort();
}

const collect = (bag: Map<string, { row: Row; kind: RowKind }[]>, sink: string) => ({
  json: true,
  onBatch: (b: SinkBatch) => {
    const l = bag.get(sink) ?? [];
    b.rows.forEach((row, i) => l.push({ row: row as Row, kind: b.kinds[i]! }));
    bag.set(sink, l);
  },
});

async function runCase(c: Case): Promise<void> {
  const m = await loadProgram(`example_${c.name}`, c.source);
  const total = (s: Stream) => s.records.length;

  // ---- reference: the same records from JSON-lines files (in production order)
  const fileOut = new Map<string, { row: Row; kind: RowKind }[]>();
  const fileSources: Record<string, Record<string, string>> = { ...(c.tables ?? {}) };
  for (const s of c.streams) {
    const path = join(dir, `${c.name}-${s.name}.jsonl`);
    writeFileSync(path, s.records.map(([, v]) => v).join('\n') + '\n');
    fileSources[s.name] = { connector: 'file', path, format: 'json' };
  }
  const fileProgress: QueryProgress[] = [];
  const fileJob = m.createJob({
    set: { 'checkpoint.dir': '' },
    sources: fileSources,
    sinks: Object.fromEntries(c.outputs.map((o) => [o.sink, collect(fileOut, o.sink)])),
  });
  fileJob.on('progress', (p) => fileProgress.push(p));
  fileJob.on('notice', () => {});
  await fileJob.run();

  // ---- Kafka: topics with an idle partition, half the records, then a partition added while running
  const kafkaOut = new Map<string, { row: Row; kind: RowKind }[]>();
  const kafkaSources: Record<string, Record<string, string>> = { ...(c.tables ?? {}) };
  const topics = new Map<string, string>();
  for (const s of c.streams) {
    const topic = await k.topic(PARTITIONS);
    topics.set(s.name, topic);
    kafkaSources[s.name] = {
      topic,
      'properties.bootstrap.servers': k.brokers.join(','),
      'scan.startup.mode': 'earliest-offset',
      'scan.idle-timeout': '1 s',
      'scan.topic-partition-discovery.interval': '200 ms',
    };
  }
  const sinkTopics = new Map<string, string>();
  const sinks: Record<string, object> = {};
  for (const o of c.outputs) {
    if (o.kafka) {
      const topic = await k.topic(3);
      sinkTopics.set(o.sink, topic);
      sinks[o.sink] = { topic, 'properties.bootstrap.servers': k.brokers.join(',') };
    } else sinks[o.sink] = collect(kafkaOut, o.sink);
  }
  const half = (s: Stream) => s.records.filter(([p]) => p !== ADDED).slice(0, Math.floor(total(s) / 2));
  const send = (s: Stream, records: readonly (readonly [number, string])[]) =>
    produce(
      k.kafka,
      topics.get(s.name)!,
      records.map(([partition, value]) => ({ partition, value })),
    );
  for (const s of c.streams) await send(s, half(s));
  const progress: QueryProgress[] = [];
  const job = m.createJob({ set: { 'checkpoint.dir': '' }, sources: kafkaSources, sinks: sinks as never });
  job.on('progress', (p) => progress.push(p));
  job.on('notice', () => {});
  await job.start();
  for (const s of c.streams)
    await k.admin.createPartitions({ topicPartitions: [{ topic: topics.get(s.name)!, count: ADDED + 1 }] });
  for (const s of c.streams) {
    const first = new Set(half(s));
    await send(
      s,
      s.records.filter((r) => !first.has(r)),
    );
  }
  // every query has read every record of every stream it reads (and the batch that read the
  // closing records fired every window)
  const expected = new Map<string, number>();
  for (const p of fileProgress) expected.set(p.query, (expected.get(p.query) ?? 0) + p.numInputRows);
  const read = () => {
    const got = new Map<string, number>();
    for (const p of progress) got.set(p.query, (got.get(p.query) ?? 0) + p.numInputRows);
    return [...expected].every(([q, n]) => got.get(q) === n);
  };
  for (let i = 0; i < 1200 && !read(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(read()).toBe(true);
  // then the idle partition's timeout (1 s) passes and a later batch fires the windows the
  // closing records close: wait for the outputs to settle on what the files gave (a loaded
  // machine can take seconds between batches), then stop and compare once more, so a row
  // emitted late or twice still fails the test
  const outputs = async () => {
    for (const [sink, topic] of sinkTopics) {
      const records = await readTopic(k.brokers, topic);
      kafkaOut.set(
        sink,
        records.map((r) => ({
          row: (r.value === null ? JSON.parse(r.key!) : JSON.parse(r.value)) as Row,
          kind: r.value === null ? '-D' : '+I',
        })),
      );
    }
    return c.outputs.map((o) => {
      const rows = (bag: Map<string, { row: Row; kind: RowKind }[]>) => {
        const l = bag.get(o.sink) ?? [];
        return canonical(o.mode === 'final' ? l.map((x) => x.row) : table(l, o), o);
      };
      return { o, got: rows(kafkaOut), want: rows(fileOut) };
    });
  };
  const settled = async () => (await outputs()).every(({ got, want }) => JSON.stringify(got) === JSON.stringify(want));
  for (let i = 0; i < 240 && !(await settled()); i++) await new Promise((r) => setTimeout(r, 250));
  await job.stop();
  await job.awaitTermination();

  expect(progress.reduce((n, p) => n + p.lateRowsDropped, 0)).toBe(0);
  expect(fileProgress.reduce((n, p) => n + p.lateRowsDropped, 0)).toBe(0);
  expect(progress.reduce((n, p) => n + p.parseErrorsSkipped, 0)).toBe(
    fileProgress.reduce((n, p) => n + p.parseErrorsSkipped, 0),
  );
  // the added partition was read
  const last = progress.filter((p) => p.sources.length > 0).at(-1)!;
  expect(last.sources[0]!.partitions!.length).toBe(ADDED + 1);
  for (const { o, got, want } of await outputs()) {
    expect(want.length, `${c.name}.${o.sink}`).toBeGreaterThan(0);
    expect(got, `${c.name}.${o.sink}`).toEqual(want);
  }
}

describe('the Kafka examples equal the same queries over files', () => {
  it('clickstream', () => runCase(clickstream()), 120_000);
  it('orders', () => runCase(orders()), 120_000);
  it('behavior_stats', () => runCase(behaviorStats()), 120_000);
  it('ad_attribution', () => runCase(adAttribution()), 120_000);
  it('every window type (hop, cumulate, session, window())', () => runCase(windows()), 120_000);
});
