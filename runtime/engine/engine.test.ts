/**
 * The micro-batch loop end to end with hand-written "as if generated" pipelines over memory
 * sources and sinks: watermarks, late rows (batch size 1, late.sink), multi-input watermark
 * min and idle timeout, end-of-input flush, available-now, parse errors, failures.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EmitMode, QueryProgress, SinkBatch, SourceSpec, WindowSpec } from '../index.ts';
import { MemoryStream } from '../connectors/memory/source.ts';
import { WindowAggregate } from '../operators/window-aggregate.ts';
import { GroupAggregate } from '../operators/group-aggregate.ts';
import {
  CountSum,
  EV_FIELDS,
  WIN_FIELDS,
  at,
  ev,
  evSource,
  jobSpec,
  sinkSpec,
  type Ev,
  type WinOut,
} from '../testing/specs.ts';
import { defineJob } from './job.ts';
import { QueryError } from './errors.ts';

const iso = (ms: number) => new Date(ms).toISOString().slice(11, 19);

function windowQuery(
  name: string,
  sources: SourceSpec<Ev>[],
  window: Exclude<WindowSpec, { kind: 'session' }>,
  emit: EmitMode,
) {
  return {
    name,
    emit,
    build: (q: import('../index.ts').QueryBuilder) => {
      const out = q.sink<WinOut>('out');
      const agg = q.operator(
        new WindowAggregate<Ev, string | null, CountSum, WinOut>({
          id: 'agg',
          window,
          emit,
          time: (r) => r.ts,
          key: (r) => r.k,
          create: () => new CountSum(),
          restore: (_k, s) => CountSum.restore(s),
          result: (acc, k, start, end) => ({ k, start, end, n: acc.count, sum: acc.sum }),
          out: (row, kind) => out.write(row, kind),
        }),
      );
      for (const s of sources) q.input(s, (r) => agg.push(r, 0));
    },
  };
}

/** Runs a job and returns `batch: kind k [start-end) n` lines plus the progress reports. */
async function run(spec: ReturnType<typeof jobSpec>, sources: Record<string, object>, extraSinks: string[] = []) {
  const lines: string[] = [];
  const extra: Record<string, unknown[]> = {};
  const sinks: Record<string, object> = {
    out: {
      onBatch: (b: SinkBatch) => {
        for (let i = 0; i < b.rows.length; i++) {
          const r = b.rows[i] as WinOut;
          lines.push(`${b.batchId}: ${b.kinds[i]} ${r.k} [${iso(r.start)}-${iso(r.end)}) n=${r.n}`);
        }
      },
    },
  };
  for (const s of extraSinks) sinks[s] = { rows: (extra[s] = []) };
  const progress: QueryProgress[] = [];
  const job = defineJob(spec, { sources: sources as never, sinks: sinks as never });
  job.on('progress', (p) => progress.push(p));
  await job.run();
  return { lines, progress, extra };
}

describe('watermarks and late rows', () => {
  it('TUMBLE FINAL with batch size 1: late rows are dropped, counted and sent to late.sink', async () => {
    const src = evSource('clicks', { delayMs: 5_000, lateSink: 'late' });
    const spec = jobSpec(
      [src],
      [sinkSpec('out', WIN_FIELDS), sinkSpec('late', EV_FIELDS)],
      [windowQuery('q', [src], { kind: 'tumble', sizeMs: 10_000 }, 'final')],
    );
    const rows = [
      ev('a', '10:00:01'),
      ev('a', '10:00:12'), // W = 10:00:07 after this batch
      ev('a', '10:00:06'), // 06 < 07: late
      ev('a', '10:00:08'), // not late
      ev('a', '10:00:16'), // W = 10:00:11: window [00,10) fires
      ev('a', '10:00:09'), // late
      ev('b', '10:00:25'), // W = 10:00:20: [10,20) fires
    ];
    const { lines, progress, extra } = await run(spec, { clicks: { rows, options: { 'scan.batch-size': '1' } } }, [
      'late',
    ]);
    expect(lines).toEqual([
      '4: +I a [10:00:00-10:00:10) n=2',
      '6: +I a [10:00:10-10:00:20) n=2',
      '7: +I b [10:00:20-10:00:30) n=1', // the end-of-input batch
    ]);
    expect(progress.map((p) => p.lateRowsDropped)).toEqual([0, 0, 1, 0, 0, 1, 0, 0]);
    expect(extra['late']).toEqual([ev('a', '10:00:06'), ev('a', '10:00:09')]);
    expect(progress.at(-1)!.final).toBe(true);
    expect(progress.at(-1)!.watermark).toBe('+infinity');
    expect(progress[1]!.watermark).toBe('2025-04-21T10:00:07.000Z');
  });

  it('a late.sink shared by two queries on one source gets each late row once; rows out do not count them', async () => {
    const src = evSource('clicks', { delayMs: 5_000, lateSink: 'late' });
    const spec = jobSpec(
      [src],
      [sinkSpec('out', WIN_FIELDS), sinkSpec('late', EV_FIELDS)],
      [
        windowQuery('q1', [src], { kind: 'tumble', sizeMs: 10_000 }, 'final'),
        windowQuery('q2', [src], { kind: 'tumble', sizeMs: 20_000 }, 'final'),
      ],
    );
    const rows = [
      ev('a', '10:00:01'),
      ev('a', '10:00:12'),
      ev('a', '10:00:06'),
      ev('a', '10:00:16'),
      ev('a', '10:00:09'),
    ];
    const { progress, extra } = await run(spec, { clicks: { rows, options: { 'scan.batch-size': '1' } } }, ['late']);
    expect(extra['late']).toEqual([ev('a', '10:00:06'), ev('a', '10:00:09')]);
    const of = (q: string) => progress.filter((p) => p.query === q);
    // both queries drop and count the late rows; only the first writes them to late.sink
    expect(of('q1').reduce((n, p) => n + p.lateRowsDropped, 0)).toBe(2);
    expect(of('q2').reduce((n, p) => n + p.lateRowsDropped, 0)).toBe(2);
    expect(of('q1')[2]!.sinks).toEqual([
      { name: 'out', rowsWritten: 0 },
      { name: 'late', rowsWritten: 1, late: true },
    ]);
    expect(of('q2')[2]!.sinks).toEqual([{ name: 'out', rowsWritten: 0 }]);
  });

  it('a row is late against the watermark at the START of its batch, not one advanced inside it', async () => {
    const src = evSource('clicks', { delayMs: 0 });
    const spec = jobSpec(
      [src],
      [sinkSpec('out', WIN_FIELDS)],
      [windowQuery('q', [src], { kind: 'tumble', sizeMs: 10_000 }, 'final')],
    );
    // one batch: the 10:00:30 row would make 10:00:01 late if W advanced per row
    const { lines, progress } = await run(spec, { clicks: { batches: [[ev('a', '10:00:30'), ev('a', '10:00:01')]] } });
    expect(progress[0]!.lateRowsDropped).toBe(0);
    expect(lines).toEqual(['0: +I a [10:00:00-10:00:10) n=1', '1: +I a [10:00:30-10:00:40) n=1']);
  });

  it('a stateless query passes late rows through (only stateful operators drop them)', async () => {
    const src = evSource('clicks', { delayMs: 0 });
    const out: unknown[] = [];
    const spec = jobSpec(
      [src],
      [sinkSpec('out', EV_FIELDS)],
      [
        {
          name: 'q',
          emit: 'final',
          build: (q) => {
            const s = q.sink<Ev>('out');
            q.input(src, (r) => s.write(r));
          },
        },
      ],
    );
    await defineJob(spec, {
      sources: { clicks: { batches: [[ev('a', '10:00:30')], [ev('a', '10:00:01')]] } },
      sinks: { out: { rows: out } },
    }).run();
    expect(out).toHaveLength(2);
  });

  it('query watermark is the min over inputs; an idle input stops holding it back', async () => {
    const fast = evSource('fast', { delayMs: 0 });
    const slow = evSource('slow', { delayMs: 0, idleTimeoutMs: 50 });
    const spec = jobSpec(
      [fast, slow],
      [sinkSpec('out', WIN_FIELDS)],
      [windowQuery('q', [fast, slow], { kind: 'tumble', sizeMs: 10_000 }, 'final')],
    );
    const fastStream = new MemoryStream<Ev>();
    const slowStream = new MemoryStream<Ev>();
    const lines: string[] = [];
    const job = defineJob(spec, {
      sources: { fast: { stream: fastStream }, slow: { stream: slowStream } },
      sinks: {
        out: { onBatch: (b) => b.rows.forEach((r) => lines.push(`${(r as WinOut).k} ${iso((r as WinOut).start)}`)) },
      },
    });
    const progress: QueryProgress[] = [];
    job.on('progress', (p) => progress.push(p));
    await job.start();
    slowStream.push(ev('s', '10:00:01'));
    fastStream.push(ev('f', '10:00:02'), ev('f', '10:00:25'));
    await waitFor(() => progress.some((p) => p.numInputRows > 0 && p.sources.every((s) => s.watermark !== null)));
    // slow's watermark (10:00:01) holds the query back: nothing fired
    expect(lines).toEqual([]);
    expect(job.lastProgress('q')!.watermark).toBe('2025-04-21T10:00:01.000Z');
    // 50 ms without rows from slow: it turns idle, the watermark follows fast (10:00:25)
    await waitFor(() => lines.length >= 2);
    expect(lines.slice().sort()).toEqual(['f 10:00:00', 's 10:00:00']);
    expect(job.lastProgress('q')!.watermark).toBe('2025-04-21T10:00:25.000Z');
    expect(job.lastProgress('q')!.sources.find((s) => s.name === 'slow')!.idle).toBe(true);
    fastStream.end();
    slowStream.end();
    await job.awaitTermination();
    expect(lines.slice(2)).toEqual(['f 10:00:20']);
  });

  it('end of bounded input flushes every window (watermark +infinity), then the query stops', async () => {
    const src = evSource('clicks', { delayMs: 60_000 });
    const spec = jobSpec(
      [src],
      [sinkSpec('out', WIN_FIELDS)],
      [windowQuery('q', [src], { kind: 'hop', sizeMs: 10_000, slideMs: 5_000 }, 'final')],
    );
    const { lines, progress } = await run(spec, {
      clicks: { rows: [ev('a', '10:00:01'), ev('a', '10:00:07'), ev('b', '10:00:12')] },
    });
    expect(lines).toEqual([
      '1: +I a [09:59:55-10:00:05) n=1',
      '1: +I a [10:00:00-10:00:10) n=2',
      '1: +I a [10:00:05-10:00:15) n=1',
      '1: +I b [10:00:05-10:00:15) n=1',
      '1: +I b [10:00:10-10:00:20) n=1',
    ]);
    expect(progress.map((p) => p.final)).toEqual([false, true]);
    expect(progress[0]!.stateRows).toBe(5);
    expect(progress[1]!.stateRows).toBe(0);
  });

  it('CHANGES emits per batch and drops windows when final', async () => {
    const src = evSource('clicks', { delayMs: 0 });
    const spec = jobSpec(
      [src],
      [sinkSpec('out', WIN_FIELDS)],
      [windowQuery('q', [src], { kind: 'tumble', sizeMs: 10_000 }, 'changes')],
    );
    const { lines, progress } = await run(spec, {
      clicks: { batches: [[ev('a', '10:00:01'), ev('b', '10:00:02')], [ev('a', '10:00:03')], [ev('a', '10:00:15')]] },
    });
    expect(lines).toEqual([
      '0: +I a [10:00:00-10:00:10) n=1',
      '0: +I b [10:00:00-10:00:10) n=1',
      '1: +U a [10:00:00-10:00:10) n=2',
      '2: +I a [10:00:10-10:00:20) n=1',
    ]);
    expect(progress[2]!.stateRows).toBe(1); // [00,10) dropped at W = 10:00:15
  });

  it('COMPLETE emits the whole table after every batch', async () => {
    const src = evSource('clicks', { delayMs: 0 });
    const spec = jobSpec(
      [src],
      [sinkSpec('out', WIN_FIELDS)],
      [windowQuery('q', [src], { kind: 'tumble', sizeMs: 10_000 }, 'complete')],
    );
    const { lines } = await run(spec, { clicks: { batches: [[ev('a', '10:00:01')], [ev('a', '10:00:15')]] } });
    expect(lines).toEqual([
      '0: +I a [10:00:00-10:00:10) n=1',
      '1: +I a [10:00:00-10:00:10) n=1',
      '1: +I a [10:00:10-10:00:20) n=1',
      '2: +I a [10:00:00-10:00:10) n=1',
      '2: +I a [10:00:10-10:00:20) n=1',
    ]);
  });

  it('available-now stops an unbounded input without the +infinity flush', async () => {
    const src = evSource('clicks', {
      delayMs: 0,
      bounded: false,
      connector: 'datagen',
      options: { 'rows-per-second': '1000000', 'fields.k.values': 'x', 'fields.ts.kind': 'random' },
    });
    const spec = jobSpec(
      [src],
      [sinkSpec('out', WIN_FIELDS)],
      [windowQuery('q', [src], { kind: 'tumble', sizeMs: 3_600_000 }, 'final')],
      { 'trigger.mode': 'available-now' },
    );
    const job = defineJob(spec, { sinks: { out: { rows: [] } } });
    const progress: QueryProgress[] = [];
    job.on('progress', (p) => progress.push(p));
    await job.run();
    expect(progress.some((p) => p.final)).toBe(false);
  });
});

describe('embedding', () => {
  const passthrough = (src: SourceSpec<Ev>) =>
    jobSpec(
      [src],
      [sinkSpec('out', EV_FIELDS)],
      [
        {
          name: 'q',
          emit: 'final',
          build: (q) => {
            const s = q.sink<Ev>('out');
            q.input(src, (r) => s.write(r));
          },
        },
      ],
    );

  it('trigger.interval spaces micro-batch starts', async () => {
    const src = evSource('s');
    const progress: QueryProgress[] = [];
    await defineJob(passthrough(src), {
      sources: { s: { batches: [[ev('a', '10:00:00')], [ev('a', '10:00:01')], [ev('a', '10:00:02')]] } },
      sinks: { out: { rows: [] } },
      set: { 'trigger.interval': '40 ms' },
    })
      .on('progress', (p) => progress.push(p))
      .run();
    const starts = progress.map((p) => Date.parse(p.timestamp));
    for (let i = 1; i < 3; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(39);
  });

  it('a MemoryStream feeds rows as they are pushed; JSON-ready output rows on request', async () => {
    const src = evSource('s');
    const stream = new MemoryStream<unknown>();
    const out: unknown[] = [];
    const job = defineJob(passthrough(src), { sources: { s: { stream } }, sinks: { out: { rows: out, json: true } } });
    await job.start();
    stream.push({ k: 'a', v: 1, ts: '2025-04-21 10:00:00' });
    await waitFor(() => out.length === 1);
    stream.push({ k: 'b', v: null, ts: 0 });
    stream.end();
    await job.awaitTermination();
    expect(out).toEqual([
      { k: 'a', v: 1, ts: '2025-04-21T10:00:00.000Z' },
      { k: 'b', v: null, ts: '1970-01-01T00:00:00.000Z' },
    ]);
    expect(job.queries[0]!.status).toBe('stopped');
  });

  it("memory.bounded = 'false' keeps the input open after its rows, until stop()", async () => {
    const src = evSource('s');
    const out: unknown[] = [];
    const progress: QueryProgress[] = [];
    const job = defineJob(passthrough(src), {
      sources: { s: { rows: [ev('a', '10:00:00')], options: { 'memory.bounded': 'false' } } },
      sinks: { out: { rows: out } },
    }).on('progress', (p) => progress.push(p));
    await job.start();
    await waitFor(() => out.length === 1);
    await new Promise((r) => setTimeout(r, 30));
    expect(job.queries[0]!.status).toBe('running');
    await job.stop();
    expect(job.queries[0]!.status).toBe('stopped');
    expect(progress.some((p) => p.final)).toBe(false);
  });

  it('print sinks write through the print override', async () => {
    const src = evSource('s');
    const spec = { ...passthrough(src), sinks: [sinkSpec('out', EV_FIELDS, 'print', { 'print.format': 'json' })] };
    const lines: string[] = [];
    await defineJob(spec, { sources: { s: { rows: [ev('a', '10:00:00')] } }, print: (l) => lines.push(l) }).run();
    expect(lines).toEqual(['out> {"k":"a","v":1,"ts":"2025-04-21T10:00:00.000Z"}']);
  });

  it('COMPLETE hands every batch to onBatch, the last one after the end-of-input batch', async () => {
    const src = evSource('s', { delayMs: 0 });
    const spec = jobSpec(
      [src],
      [sinkSpec('out', WIN_FIELDS)],
      [windowQuery('q', [src], { kind: 'tumble', sizeMs: 10_000 }, 'complete')],
    );
    const sizes: number[] = [];
    await defineJob(spec, {
      sources: { s: { batches: [[ev('a', '10:00:00')], [ev('b', '10:00:01')]] } },
      sinks: { out: { onBatch: (b) => void sizes.push(b.rows.length) } },
    }).run();
    expect(sizes).toEqual([1, 2, 2]);
  });

  it('lastProgress reports per-source offsets and sink rows', async () => {
    const src = evSource('s');
    const job = defineJob(passthrough(src), {
      sources: { s: { rows: [ev('a', '10:00:00'), ev('b', '10:00:00')] } },
      sinks: { out: { rows: [] } },
    });
    const progress: QueryProgress[] = [];
    await job.on('progress', (p) => progress.push(p)).run();
    expect(progress[0]!.sources[0]).toMatchObject({
      name: 's',
      startOffset: { position: 0 },
      endOffset: { position: 2 },
      numInputRows: 2,
    });
    expect(progress[0]!.sinks).toEqual([{ name: 'out', rowsWritten: 2 }]);
    expect(job.lastProgress('q')!.final).toBe(true);
    expect(() => job.lastProgress('nope')).toThrow('no query named "nope" (queries: q)');
  });
});

describe('errors', () => {
  const counting = (src: SourceSpec<Ev>) =>
    jobSpec(
      [src],
      [sinkSpec('out', [{ name: 'n', type: { kind: 'BIGINT' } }])],
      [
        {
          name: 'counts',
          emit: 'final',
          build: (q) => {
            const out = q.sink<{ n: number }>('out');
            const agg = q.operator(
              new GroupAggregate<Ev, string | null, CountSum, { n: number }>({
                id: 'g',
                emit: 'final',
                key: () => null,
                create: () => new CountSum(),
                restore: (_k, s) => CountSum.restore(s),
                result: (acc) => ({ n: acc.count }),
                out: (r, k) => out.write(r, k),
              }),
            );
            q.input(src, (r) => {
              if (r.v === 13) throw new Error('unlucky value');
              agg.push(r, 0);
            });
          },
        },
      ],
    );

  it('a malformed record stops the query with source and record location', async () => {
    const src = evSource('clicks');
    const job = defineJob(counting(src), {
      sources: {
        clicks: {
          rows: [
            { k: 'a', v: 1, ts: 0 },
            { k: 'a', v: 'x', ts: 0 },
          ],
        },
      },
      sinks: { out: { rows: [] } },
    });
    const err = await job.run().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(QueryError);
    expect((err as QueryError).message).toBe(
      'query "counts" failed reading source "clicks" at record 1: malformed record: field "v": expected a number, got "x"\n' +
        `  hint: fix the input, or set 'json.ignore-parse-errors' = 'true' on "clicks" to skip and count malformed records`,
    );
    expect(job.queries[0]!.status).toBe('failed');
  });

  it('with ignore-parse-errors malformed records are skipped and counted', async () => {
    const src = evSource('clicks', { options: { 'json.ignore-parse-errors': 'true' } });
    const out: unknown[] = [];
    const progress: QueryProgress[] = [];
    const job = defineJob(counting(src), {
      sources: {
        clicks: {
          rows: [
            { k: 'a', v: 1, ts: 0 },
            { k: 'a', v: 'x', ts: 0 },
            { k: 'a', v: 2, ts: 0 },
          ],
        },
      },
      sinks: { out: { rows: out } },
    }).on('progress', (p) => progress.push(p));
    await job.run();
    expect(out).toEqual([{ n: 2 }]);
    expect(progress.reduce((n, p) => n + p.parseErrorsSkipped, 0)).toBe(1);
  });

  it('an exception in generated code names the record that caused it', async () => {
    const src = evSource('clicks');
    const job = defineJob(counting(src), {
      sources: {
        clicks: {
          rows: [
            { k: 'a', v: 1, ts: 0 },
            { k: 'a', v: 13, ts: 0 },
          ],
        },
      },
      sinks: { out: { rows: [] } },
    });
    await expect(job.run()).rejects.toThrow('query "counts" failed reading source "clicks" at record 1: unlucky value');
  });

  it('one failing query stops the job (awaitAnyTermination)', async () => {
    const bad = evSource('bad');
    const good = evSource('good', { bounded: false });
    const stream = new MemoryStream<Ev>();
    const spec = counting(bad);
    const spec2 = {
      ...spec,
      sources: [bad, good],
      queries: [
        ...spec.queries,
        {
          name: 'forever',
          emit: 'final' as const,
          build: (q: import('../index.ts').QueryBuilder) => {
            const s = q.sink<Ev>('out');
            q.input(good, (r) => s.write(r));
          },
        },
      ],
    };
    const job = defineJob(spec2, {
      sources: { bad: { rows: [{ k: 'a', v: 13, ts: 0 }] }, good: { stream } },
      sinks: { out: { rows: [] } },
    });
    await expect(job.run()).rejects.toThrow('unlucky value');
    expect(job.queries.map((q) => q.status)).toEqual(['failed', 'stopped']);
  });

  it('a CSV record with another number of fields than the header (or table) is malformed', async () => {
    const d = mkdtempSync(join(tmpdir(), 'sqc-engine-csv-'));
    writeFileSync(join(d, 'h.csv'), 'k,v,ts\na,1,0\nb,2\nc,3,0,extra\nd,,0\n');
    writeFileSync(join(d, 'n.csv'), 'e,5\nf,6,0\n');
    const read = async (file: string, options: Record<string, string>) => {
      const src = evSource('src', { connector: 'file', options: { path: join(d, file), format: 'csv', ...options } });
      const out: Ev[] = [];
      const progress: QueryProgress[] = [];
      const spec = jobSpec(
        [{ ...src, format: 'csv' }],
        [sinkSpec('out', EV_FIELDS)],
        [
          {
            name: 'q',
            emit: 'final',
            build: (q) => {
              const s = q.sink<Ev>('out');
              q.input(src, (r) => s.write(r));
            },
          },
        ],
      );
      const error = await defineJob(spec, { sinks: { out: { rows: out } } })
        .on('progress', (p) => progress.push(p))
        .run()
        .then(
          () => null,
          (e: Error) => e.message.split('\n')[0],
        );
      return { keys: out.map((r) => r.k), skipped: progress.reduce((n, p) => n + p.parseErrorsSkipped, 0), error };
    };
    expect(await read('h.csv', { 'scan.batch-size': '1' })).toEqual({
      keys: ['a'],
      skipped: 0,
      error: `query "q" failed reading source "src" at ${join(d, 'h.csv')}:3: malformed record: CSV record has 2 fields, the header has 3`,
    });
    expect(await read('h.csv', { 'csv.ignore-parse-errors': 'true' })).toEqual({
      keys: ['a', 'd'],
      skipped: 2,
      error: null,
    });
    expect(await read('n.csv', { 'csv.header': 'false' })).toEqual({
      keys: [],
      skipped: 0,
      error: `query "q" failed reading source "src" at ${join(d, 'n.csv')}:1: malformed record: CSV record has 2 fields, the table has 3`,
    });
  });

  it('unknown relation names in overrides are reported', () => {
    const src = evSource('clicks');
    expect(() => defineJob(counting(src), { sources: { click: { rows: [] } } })).toThrow(
      'createJob: unknown source "click" (sources: clicks)',
    );
  });

  it('a bad SET override names the option and what is wrong', () => {
    const src = evSource('clicks');
    expect(() =>
      defineJob(counting(src), { set: { 'checkpoint.dir': '/tmp/x', 'checkpoint.interval': 'soon' } }),
    ).toThrow("option 'checkpoint.interval' = 'soon' is not a duration");
    expect(() => defineJob(counting(src), { set: { 'trigger.mode': 'batch' } })).toThrow(
      "option 'trigger.mode' = 'batch' ",
    );
  });
});

async function waitFor(cond: () => boolean, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export { at };
