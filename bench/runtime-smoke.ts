/**
 * Runtime smoke benchmark (not a test): a hand-written tumbling COUNT(*) per page over 1M
 * generated JSON lines read from a file, end to end through the runtime (chunked file source,
 * decoder, watermark, window operator, blackhole sink). Run: `npx tsx bench/runtime-smoke.ts [rows]`.
 *
 * Two decoders: `JSON.parse` + `rt.decode` coercions (what a generic decoder does), and a fast
 * path that reads the two needed fields straight from the line (what a specialised decoder can
 * do). Target: > 1M rows/s with the fast decoder.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as rt from '../runtime/index.ts';

interface Click {
  page: string | null;
  ts: number | null;
}

class Count implements rt.Accumulator<Click> {
  n = 0;
  add(): void {
    this.n++;
  }
  snapshot(): rt.Json {
    return this.n;
  }
}

const ROWS = Number(process.argv[2] ?? 1_000_000);
const file = join(tmpdir(), `sqc-runtime-smoke-${ROWS}.jsonl`);

function writeInput(): void {
  if (existsSync(file)) return;
  mkdirSync(tmpdir(), { recursive: true });
  const t0 = Date.UTC(2025, 3, 21, 14, 0, 0);
  const parts: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    const ts = new Date(t0 + i * 10 + ((i * 7919) % 3000)).toISOString();
    parts.push(`{"user_id":"u${(i * 31) % 10007}","page":"/p${i % 50}","action":"view","ts":"${ts}"}`);
  }
  writeFileSync(file, parts.join('\n') + '\n');
}

/** Reads the string value of `"name":"..."` (no escapes in this data). */
function field(line: string, key: string): string | null {
  const at = line.indexOf(key);
  if (at < 0) return null;
  const start = at + key.length;
  return line.slice(start, line.indexOf('"', start));
}

const FIELDS: rt.FieldDesc[] = [
  { name: 'page', type: { kind: 'STRING' } },
  { name: 'ts', type: { kind: 'TIMESTAMP' } },
];

function spec(fast: boolean): rt.JobSpec {
  const clicks: rt.SourceSpec<Click> = {
    name: 'clicks',
    connector: 'file',
    format: 'json',
    options: { path: file, format: 'json' },
    idleTimeoutMs: null,
    lateSink: null,
    bounded: true,
    physical: FIELDS,
    schema: FIELDS,
    metadata: [],
    decode: {
      object: (v) => {
        const o = rt.decode.object(v);
        return { page: rt.decode.string(o.page, 'page'), ts: rt.decode.timestamp(o.ts, 'ts') };
      },
      ...(fast
        ? {
            json: (line: string): Click => {
              const ts = field(line, '"ts":"');
              return { page: field(line, '"page":"'), ts: ts === null ? null : rt.parseTimestamp(ts) };
            },
          }
        : {}),
    },
    watermark: { eventTime: (r) => r.ts, delayMs: 5_000 },
  };
  return {
    name: 'smoke',
    file: 'smoke.sq',
    options: {
      pipelineName: null,
      checkpointDir: null,
      checkpointIntervalMs: 10_000,
      triggerIntervalMs: 0,
      triggerMode: 'continuous',
      raw: {},
    },
    sources: [clicks],
    sinks: [
      {
        name: 'out',
        connector: 'blackhole',
        format: null,
        options: {},
        schema: [],
        keyFields: [],
        deliveryGuarantee: 'at-least-once',
      },
    ],
    queries: [
      {
        name: 'counts',
        emit: 'final',
        build: (q) => {
          const out = q.sink<{ page: string | null; start: number; n: number }>('out');
          const agg = q.operator(
            new rt.WindowAggregate<Click, string | null, Count, { page: string | null; start: number; n: number }>({
              id: 'w',
              window: { kind: 'tumble', sizeMs: 1_000 },
              emit: 'final',
              time: (r) => r.ts,
              key: (r) => r.page,
              create: () => new Count(),
              restore: (_k, s) => Object.assign(new Count(), { n: s as number }),
              result: (acc, page, start) => ({ page, start, n: acc.n }),
              out: (row, kind) => out.write(row, kind),
            }),
          );
          q.input(clicks, (r) => agg.push(r, 0));
        },
      },
    ],
  };
}

async function once(fast: boolean, batchSize: string): Promise<number> {
  const job = rt.defineJob(spec(fast), { sources: { clicks: { 'scan.batch-size': batchSize } } });
  const t = performance.now();
  await job.run();
  return performance.now() - t;
}

writeInput();
for (const [fast, batch] of [
  [true, '1000'],
  [true, '10000'],
  [false, '1000'],
] as const) {
  const times: number[] = [];
  for (let i = 0; i < 4; i++) times.push(await once(fast, batch));
  times.sort((a, b) => a - b);
  const best = times[0]!;
  const median = times[Math.floor(times.length / 2)]!;
  console.log(
    `${fast ? 'fast decoder      ' : 'JSON.parse decoder'}  batch ${batch.padStart(5)}: best ${(ROWS / best / 1000).toFixed(2)}M rows/s ` +
      `(${best.toFixed(0)} ms), median ${(ROWS / median / 1000).toFixed(2)}M rows/s`,
  );
}
