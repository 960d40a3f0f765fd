/**
 * Flink's NEXMark queries on the in-memory `nexmark` source (Flink's `ddl_gen.sql` and views, as
 * `npm run bench -- nexmark` runs them): the source builds only the columns and ROW fields the job
 * reads (`SourceSpec.reads`, found by the compiler), and every query must give exactly the rows it
 * gives when the source builds every field of every event. A field the analysis wrongly left out
 * would come through as NULL and change a result.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FLINK, SIDE_INPUT, flinkProgram } from '../bench/nexmark/program.ts';
import { compile } from '../compiler/index.ts';
import type { Job, JobOverrides, JobSpec, SinkBatch } from '../runtime/index.ts';

const DIR = join(tmpdir(), `sqc-nexmark-source-${process.pid}`);
const RUNTIME = pathToFileURL(join(import.meta.dirname, '..', 'runtime', 'index.ts')).href;

/** 30,000 events at 1,000 per second of event time: 30 s, so that windows and sessions close. */
const program = (q: string) => flinkProgram(q, { tps: 1000, events: 30_000, dir: DIR });

/** Every row the job's sinks received, with its kind, as sorted lines. */
async function results(createJob: (o?: JobOverrides) => Job, sinks: readonly string[]): Promise<string[]> {
  const lines: string[] = [];
  const onBatch = (b: SinkBatch) => b.rows.forEach((r, i) => lines.push(`${b.kinds[i]} ${JSON.stringify(r)}`));
  await createJob({ sinks: Object.fromEntries(sinks.map((s) => [s, { json: true, onBatch }])) }).run();
  return lines.sort();
}

const queries = readdirSync(FLINK)
  .map((f) => /^(q\d+)\.sql$/.exec(f)?.[1])
  .filter((q): q is string => q !== undefined)
  .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));

mkdirSync(join(DIR, 'data'), { recursive: true });
writeFileSync(join(DIR, 'data', 'side_input.txt'), SIDE_INPUT);
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

describe('the nexmark source builds only what a query reads', () => {
  it.each(queries)('%s gives the same rows as with every field built', async (q) => {
    const compiled = await compile(program(q), join(DIR, `${q}.sq`), { runtimeImport: RUNTIME });
    expect(compiled.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
    const path = join(DIR, `${q}.ts`);
    writeFileSync(path, compiled.code!);
    const mod = (await import(pathToFileURL(path).href)) as {
      job: JobSpec;
      createJob(o?: JobOverrides): Job;
    };
    const nexmark = mod.job.sources.filter((s) => s.connector === 'nexmark');
    expect(nexmark.length).toBeGreaterThan(0);
    // the job reads only some of the events' fields (Flink's views read every bid field but the
    // queries do not), so the source builds fewer than all of them
    expect(nexmark.every((s) => s.reads !== undefined)).toBe(true);
    const sinks = compiled.plan!.queries.map((x) => x.root.sink.name);
    const narrowed = await results(mod.createJob, sinks);
    // the same specs (the queries hold them) without `reads` and `transientRows`: every field of
    // every event, in a new object for every row
    for (const s of nexmark) {
      delete (s as { reads?: unknown }).reads;
      delete (s as { transientRows?: unknown }).transientRows;
    }
    const whole = await results(mod.createJob, sinks);
    expect(narrowed.length).toBe(whole.length);
    expect(narrowed).toEqual(whole);
  });
});

describe('the fields a job reads of a nexmark ROW column', () => {
  /** The ROW columns of the last `fieldsRead` whose object the source may reuse from row to row. */
  let transient: string[] = [];
  const fieldsRead = async (query: string) => {
    const text = `${program('q0').replace(/CREATE TABLE nexmark_q0[\s\S]*$/, '')}\n${query}\n`;
    const compiled = await compile(text, join(DIR, 'reads.sq'), { runtimeImport: RUNTIME });
    expect(compiled.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
    const path = join(DIR, `reads-${Math.random().toString(36).slice(2)}.ts`);
    writeFileSync(path, compiled.code!);
    const { job } = (await import(pathToFileURL(path).href)) as { job: JobSpec };
    const reads = job.sources[0]!.reads!.map((f) => [f.name, f.type.fields?.map((x) => x.name) ?? []] as const);
    transient = [...(job.sources[0]!.transientRows ?? [])].sort();
    return Object.fromEntries(reads);
  };

  it('are the fields read through `.field`, those the computed time column reads included', async () => {
    expect(
      await fieldsRead(
        `CREATE SINK out WITH ('connector' = 'blackhole');\nINSERT INTO out SELECT price, channel FROM bid WHERE bidder > 0;`,
      ),
    ).toEqual({
      event_type: [],
      person: ['dateTime'],
      auction: ['dateTime'],
      bid: ['bidder', 'price', 'channel', 'dateTime'],
    });
    expect(transient).toEqual(['auction', 'bid', 'person']);
  });

  it('are all of them when the ROW goes on whole (to a sink, an operator, a function)', async () => {
    const read = await fieldsRead(
      `CREATE SINK out WITH ('connector' = 'blackhole');\nINSERT INTO out SELECT bid FROM datagen WHERE event_type = 2;`,
    );
    expect(read['bid']).toHaveLength(7);
    expect(read['person']).toEqual(['dateTime']);
    // a ROW value that goes on whole is kept (by a sink, an operator): never reused
    expect(transient).toEqual(['auction', 'person']);
    const grouped = await fieldsRead(
      `CREATE SINK out WITH ('connector' = 'blackhole');\nINSERT INTO out SELECT auction, COUNT(*) AS n FROM datagen GROUP BY auction;`,
    );
    expect(grouped['auction']).toHaveLength(10);
    expect(transient).toEqual(['bid', 'person']);
  });
});
