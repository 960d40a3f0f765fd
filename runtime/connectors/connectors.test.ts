import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FieldDesc, Json, QueryProgress, RecordContext } from '../index.ts';
import { defineJob } from '../engine/job.ts';
import { EV_FIELDS, evSource, jobSpec, sinkSpec, type Ev } from '../testing/specs.ts';
import { csvOptions, splitCsvLine } from '../formats/csv.ts';
import { seededRandom } from '../random.ts';
import { datagenOptions } from './datagen/options.ts';
import type { RecordBatch } from './types.ts';
import { datagenSource } from './datagen/source.ts';
import { fileOptions, type FileConfig } from './file/options.ts';
import { fileSink } from './file/sink.ts';
import { fileSource } from './file/source.ts';
import { printOptions } from './print/options.ts';
import { printSink } from './print/sink.ts';
import type { ConnectorSpec } from './spec.ts';
import type { SinkContext, SourceConnector, SourceContext } from './types.ts';

const dir = mkdtempSync(join(tmpdir(), 'sqc-connectors-'));
let n = 0;
const fresh = () => {
  const d = join(dir, `t${n++}`);
  mkdirSync(d, { recursive: true });
  return d;
};

/** A source context of `spec`'s connector, its config resolved from `options` as the engine does. */
function srcCtx<C extends SourceContext['config'] = FileConfig>(
  options: Record<string, string>,
  extra: Partial<SourceContext<C>> = {},
  spec: ConnectorSpec<C> = fileOptions as unknown as ConnectorSpec<C>,
): SourceContext<C> {
  return {
    name: 'src',
    config: spec.resolve(options, { relationName: 'src', reads: true, writes: false }),
    options,
    format: 'json',
    physical: EV_FIELDS,
    bounded: true,
    availableNow: false,
    binding: null,
    ...extra,
  };
}

const ctx = (): RecordContext => ({
  source: 's',
  file: null,
  line: -1,
  topic: null,
  partition: -1,
  offset: -1,
  timestamp: null,
  key: null,
  headers: null,
});

/** A batch's records; JSON lines handed out as bytes, as text (what the decoder's slow path reads). */
function recordsOf(b: RecordBatch): unknown[] {
  if (b.kind !== 'bytes') return [...b.values];
  return b.values.map((start, i) => b.buffers![i]!.toString('utf8', start as number, b.ends![i]));
}

/** Polls a source dry; returns [value, location] pairs. */
async function drain(src: SourceConnector, max = 1000): Promise<[unknown, string][]> {
  const out: [unknown, string][] = [];
  for (;;) {
    const b = await src.poll(max);
    if (b === null) {
      if (src.isExhausted()) return out;
      continue;
    }
    const c = ctx();
    recordsOf(b).forEach((v, i) => {
      b.locate(i, c);
      out.push([v, `${c.file?.split('/').pop()}:${c.line}`]);
    });
  }
}

describe('file source', () => {
  it('reads lines across files in order, skipping blank lines and hidden files; CRLF and no final newline', async () => {
    const d = fresh();
    writeFileSync(join(d, 'a.jsonl'), '{"n":1}\r\n\r\n{"n":2}\r\n');
    writeFileSync(join(d, 'b.jsonl'), '{"n":3}\n{"n":4}');
    writeFileSync(join(d, '.b.jsonl.staging'), '{"n":99}\n');
    mkdirSync(join(d, 'sub'));
    writeFileSync(join(d, 'sub', 'c.jsonl'), '{"n":5}\n');
    const src = fileSource(srcCtx({ path: d }));
    await src.open(null);
    expect(await drain(src, 2)).toEqual([
      ['{"n":1}', 'a.jsonl:1'],
      ['{"n":2}', 'a.jsonl:3'],
      ['{"n":3}', 'b.jsonl:1'],
      ['{"n":4}', 'b.jsonl:2'],
      ['{"n":5}', 'c.jsonl:1'],
    ]);
    const globbed = fileSource(srcCtx({ path: join(d, '*.jsonl') }));
    await globbed.open(null);
    expect((await drain(globbed)).map((x) => x[1])).toEqual(['a.jsonl:1', 'a.jsonl:3', 'b.jsonl:1', 'b.jsonl:2']);
    const deep = fileSource(srcCtx({ path: join(d, '**/*.jsonl') }));
    await deep.open(null);
    expect(await drain(deep)).toHaveLength(5);
  });

  it('reads big files in chunks (multi-byte characters across chunk ends) and resumes exactly from offsets', async () => {
    const d = fresh();
    const lines: string[] = [];
    for (let i = 0; i < 60_000; i++) lines.push(JSON.stringify({ i, s: 'héllo wörld – ' + 'x'.repeat(i % 13) }));
    const path = join(d, 'big.jsonl');
    writeFileSync(path, lines.join('\n') + '\n');
    const src = fileSource(srcCtx({ path }));
    await src.open(null);
    const first: unknown[] = [];
    let offsets: Json = null;
    while (first.length < 31_337) {
      const b = await src.poll(Math.min(1000, 31_337 - first.length));
      first.push(...recordsOf(b!));
      offsets = src.offsets();
    }
    await src.close();
    const resumed = fileSource(srcCtx({ path }));
    await resumed.open(offsets);
    const rest = await drain(resumed);
    expect([...first, ...rest.map((r) => r[0])]).toEqual(lines);
    expect(rest[0]![1]).toBe('big.jsonl:31338');
  });

  it('decodes each line as the whole file would (lines around the 32 KiB decode pieces, multi-byte and invalid UTF-8, blank lines)', async () => {
    const d = fresh();
    const rand = seededRandom(21);
    const parts: Buffer[] = [];
    for (let i = 0; i < 700; i++) {
      const r = rand();
      const len =
        r < 0.3 ? (32 << 10) - 40 + Math.floor(rand() * 80) : r < 0.35 ? 70_000 + i : Math.floor(rand() * 400);
      const body = Buffer.from(JSON.stringify({ i, s: 'x'.repeat(len) }));
      // some lines non-ASCII (valid or broken UTF-8), which then decode as UTF-8 with their piece
      if (i % 17 === 3) body[10] = 0xc3;
      else if (i % 17 === 9) body.write('é', 10, 'utf8');
      parts.push(body, Buffer.from(i % 13 === 0 ? '\n\n' : '\n'));
    }
    const path = join(d, 'pieces.jsonl');
    const bytes = Buffer.concat(parts);
    writeFileSync(path, bytes);
    const src = fileSource(srcCtx({ path }));
    await src.open(null);
    const got = await drain(src, 333);
    const expected = bytes
      .toString('utf8')
      .split('\n')
      .map((line, i) => [line, `pieces.jsonl:${i + 1}`] as [string, string])
      .filter(([line]) => line !== '');
    expect(got).toEqual(expected);
  });

  it('saves an exact position at every batch end whatever the line lengths (0 bytes to 3 MiB across chunk ends, CRLF, BOM)', async () => {
    const d = fresh();
    const rand = seededRandom(15);
    const records: string[] = [];
    const text: string[] = ['\uFEFF'];
    let bytes = 3;
    for (let i = 0; i < 400; i++) {
      const r = rand();
      // long lines placed so that some straddle the 1 MiB read boundaries, others fill a chunk
      const len =
        i % 97 === 5 ? 3 * 2 ** 20 + i : i % 61 === 7 ? 2 ** 20 - (bytes % 2 ** 20) - 12 : Math.floor(r * 300);
      const rec = JSON.stringify({ i, s: 'é'.repeat(len % 7) + 'x'.repeat(Math.max(0, len - 20)) });
      records.push(rec);
      const eol = i % 3 === 0 ? '\r\n' : '\n';
      const blank = i % 11 === 0 ? (i % 2 === 0 ? '\n\n' : '\r\n') : '';
      text.push(rec, eol, blank);
      bytes += Buffer.byteLength(rec) + eol.length + blank.length;
    }
    const path = join(d, 'shapes.jsonl');
    writeFileSync(path, text.join('').replace(/\n$/, '')); // no final newline
    for (const size of [1, 7, 64]) {
      const src = fileSource(srcCtx({ path }));
      await src.open(null);
      let at = 0;
      for (;;) {
        const b = await src.poll(size);
        if (b === null) break;
        expect(recordsOf(b), `batch at ${at}, size ${size}`).toEqual(records.slice(at, at + b.values.length));
        at += b.values.length;
        // resuming from the offsets after this batch reads exactly the next batch
        if (at % (size * 5) === 0 || size === 64) {
          const resumed = fileSource(srcCtx({ path }));
          await resumed.open(src.offsets());
          const next = await resumed.poll(size);
          expect(next === null ? [] : recordsOf(next), `resumed after ${at}, size ${size}`).toEqual(
            records.slice(at, at + size),
          );
          await resumed.close();
        }
      }
      expect(at).toBe(records.length);
      expect(src.isExhausted()).toBe(true);
      await src.close();
    }
  });

  it('JSON lines as bytes: a batch stays intact until released, also when polled ahead of another (read buffers reused)', async () => {
    const d = fresh();
    const rand = seededRandom(5);
    const lines: string[] = [];
    for (let i = 0; i < 30_000; i++)
      lines.push(JSON.stringify({ i, s: 'é'.repeat(i % 3) + 'x'.repeat(Math.floor(rand() * 400)) }));
    const path = join(d, 'reuse.jsonl');
    writeFileSync(path, lines.join('\n') + '\n');
    const src = fileSource(srcCtx({ path }));
    await src.open(null);
    const got: unknown[] = [];
    for (;;) {
      // two batches polled before either is read (as a replay polls them), then both released
      const a = await src.poll(1 + Math.floor(rand() * 3000));
      const b = await src.poll(1 + Math.floor(rand() * 3000));
      if (a === null) break;
      expect(a.kind).toBe('bytes');
      got.push(...recordsOf(a));
      if (b !== null) got.push(...recordsOf(b));
      a.release?.();
      b?.release?.();
    }
    expect(got).toEqual(lines);
  });

  it('reads CSV records with quoted line breaks (RFC 4180), as the file sink writes them, and resumes between them', async () => {
    const d = fresh();
    const path = join(d, 'q.csv');
    const long = 'y'.repeat(2 ** 20 + 5);
    writeFileSync(
      path,
      '\uFEFFk,v,ts\r\n' +
        'a,1,2025-04-21 10:00:00\r\n' +
        '"two\r\nlines, ""quoted""",2,2025-04-21 10:00:01\r\n' +
        '\r\n' +
        `"${long}\n\nafter blank lines",3,2025-04-21 10:00:02\n` +
        'plain"quote,4,2025-04-21 10:00:03\n' +
        '"unterminated,5,2025-04-21 10:00:04\n',
    );
    const csv = (extra: Partial<SourceContext<FileConfig>> = {}) =>
      fileSource(srcCtx({ path, format: 'csv' }, { format: 'csv', ...extra }));
    const src = csv();
    await src.open(null);
    const got = await drain(src, 2);
    expect(got.map((g) => g[1])).toEqual(['q.csv:2', 'q.csv:3', 'q.csv:6', 'q.csv:9', 'q.csv:10']);
    const o = csvOptions({});
    expect(got.slice(0, 4).map((g) => splitCsvLine(g[0] as string, o).slice(0, 2))).toEqual([
      ['a', '1'],
      ['two\r\nlines, "quoted"', '2'],
      [`${long}\n\nafter blank lines`, '3'],
      ['plain"quote', '4'],
    ]);
    expect(() => splitCsvLine(got[4]![0] as string, o)).toThrow('unterminated quoted field in CSV record (column 1)');
    // resume after the record with a line break: the next one, at its line
    const first = csv();
    await first.open(null);
    expect((await first.poll(2))!.values).toHaveLength(2);
    const resumed = csv();
    await resumed.open(first.offsets());
    expect((await drain(resumed, 1)).map((g) => g[1])).toEqual(['q.csv:6', 'q.csv:9', 'q.csv:10']);
    // the header is parsed without its BOM
    expect((await first.poll(1))!.header).toEqual(['k', 'v', 'ts']);
  });

  it('follows symbolic links to files and directories in an input directory, without looping', async () => {
    const d = fresh();
    const other = fresh();
    writeFileSync(join(other, 'linked.jsonl'), '{"n":2}\n');
    mkdirSync(join(other, 'sub'));
    writeFileSync(join(other, 'sub', 'deep.jsonl'), '{"n":3}\n');
    mkdirSync(join(d, 'in'));
    writeFileSync(join(d, 'in', 'a.jsonl'), '{"n":1}\n');
    symlinkSync(join(other, 'linked.jsonl'), join(d, 'in', 'b.jsonl'));
    symlinkSync(join(other, 'sub'), join(d, 'in', 'c'));
    symlinkSync(join(d, 'in'), join(d, 'in', 'loop'));
    symlinkSync(join(d, 'missing.jsonl'), join(d, 'in', 'dangling.jsonl'));
    const src = fileSource(srcCtx({ path: join(d, 'in') }));
    await src.open(null);
    expect((await drain(src)).map((g) => g[0])).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
  });

  it('replays a batch of a watched directory in the order it first read the files', async () => {
    const d = fresh();
    writeFileSync(join(d, 'b.jsonl'), '{"n":1}\n{"n":2}\n');
    const ctx = srcCtx({ path: d, 'source.monitor-interval': '1 ms' }, { bounded: false });
    const first = fileSource(ctx);
    await first.open(null);
    expect(recordsOf((await first.poll(10))!)).toEqual(['{"n":1}', '{"n":2}']);
    const end1 = first.offsets();
    writeFileSync(join(d, 'a.jsonl'), '\n\n');
    writeFileSync(join(d, 'c.jsonl'), '{"n":3}\n');
    await new Promise((r) => setTimeout(r, 5));
    expect(recordsOf((await first.poll(10))!)).toEqual(['{"n":3}']);
    const end2 = first.offsets();
    expect(end2).toEqual({
      done: [join(d, 'b.jsonl'), join(d, 'a.jsonl'), join(d, 'c.jsonl')],
      file: null,
      byte: 0,
      line: 0,
    });
    await first.close();
    // after a restart the directory lists a.jsonl first; the replay reads as the first run did
    const again = fileSource(ctx);
    await again.open(null);
    await again.replayTo!(end1);
    expect(recordsOf((await again.poll(2))!)).toEqual(['{"n":1}', '{"n":2}']);
    expect(again.offsets()).toEqual(end1);
    await again.replayTo!(end2);
    expect(recordsOf((await again.poll(1))!)).toEqual(['{"n":3}']);
    expect(again.offsets()).toEqual(end2);
    await again.close();
  });

  it('refuses offsets of the older {byte, skip} format with what to do', async () => {
    const d = fresh();
    const path = join(d, 'a.jsonl');
    writeFileSync(path, '{"n":1}\n');
    const src = fileSource(srcCtx({ path }));
    await expect(src.open({ done: [], file: path, byte: 0, skip: 1, line: 1 })).rejects.toMatchObject({
      message:
        'the checkpoint holds file offsets in the format of an older sqc ({byte, skip}: a read chunk and lines into it), which this version cannot resume exactly',
      hint: "start over: delete the checkpoint directory and the job's output, and run the job again",
    });
  });

  it('fails to open when nothing is at the path', async () => {
    const src = fileSource(srcCtx({ path: join(dir, 'missing.jsonl') }));
    await expect(src.open(null)).rejects.toThrow(`file source "src": no file found at`);
  });

  it("maps CSV columns by each file's header and reports parse errors at file:line", async () => {
    const d = fresh();
    writeFileSync(join(d, '1.csv'), 'ts,k,v\n2025-04-21 10:00:00,a,1\n\n2025-04-21 10:00:01,"b,c",2\n');
    writeFileSync(join(d, '2.csv'), 'k,v,ts\nd,3,2025-04-21 10:00:02\ne,oops,2025-04-21 10:00:03\n');
    const src = evSource('src', { connector: 'file', options: { path: d, format: 'csv' } });
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
    const out: Ev[] = [];
    await expect(defineJob(spec, { sinks: { out: { rows: out } } }).run()).rejects.toThrow(
      `failed reading source "src" at ${join(d, '2.csv')}:3: malformed record: field "v": expected a number, got "oops"\n  hint: fix the input, or set 'csv.ignore-parse-errors' = 'true'`,
    );
    const progress: QueryProgress[] = [];
    out.length = 0;
    await defineJob(spec, { sources: { src: { 'csv.ignore-parse-errors': 'true' } }, sinks: { out: { rows: out } } })
      .on('progress', (p) => progress.push(p))
      .run();
    expect(out.map((r) => [r.k, r.v])).toEqual([
      ['a', 1],
      ['b,c', 2],
      ['d', 3],
    ]);
    expect(progress.reduce((s, p) => s + p.parseErrorsSkipped, 0)).toBe(1);
  });

  it('with source.monitor-interval picks up new files until stopped', async () => {
    const d = fresh();
    writeFileSync(join(d, '1.jsonl'), '{"k":"a","v":1,"ts":0}\n');
    const src = evSource('src', {
      connector: 'file',
      bounded: false,
      options: { path: d, format: 'json', 'source.monitor-interval': '20 ms' },
    });
    const spec = jobSpec(
      [{ ...src, format: 'json' }],
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
    const out: Ev[] = [];
    const job = defineJob(spec, { sinks: { out: { rows: out } } });
    await job.start();
    await until(() => out.length === 1);
    writeFileSync(join(d, '2.jsonl'), '{"k":"b","v":2,"ts":0}\n');
    await until(() => out.length === 2);
    await job.stop();
    expect(out.map((r) => r.k)).toEqual(['a', 'b']);
    expect(job.queries[0]!.status).toBe('stopped');
  });
});

function sinkCtx<C extends SinkContext['config'] = FileConfig>(
  path: string,
  extra: Partial<SinkContext<C>> = {},
  schema: readonly FieldDesc[] = EV_FIELDS,
  spec: ConnectorSpec<C> = fileOptions as unknown as ConnectorSpec<C>,
  options: Record<string, string> = { path },
): SinkContext<C> {
  return {
    name: 'out',
    config: spec.resolve(options, { relationName: 'out', reads: false, writes: true }),
    options,
    format: path.endsWith('.csv') ? 'csv' : 'json',
    schema,
    keyFields: [],
    metadata: [],
    deliveryGuarantee: 'exactly-once',
    binding: null,
    print: null,
    checkpointing: false,
    ...extra,
  };
}

describe('file sink', () => {
  const row = (k: string, v: number): Ev => ({ k, v, ts: Date.UTC(2025, 3, 21, 10) });

  it('appends each committed batch; uncommitted rows are never in the file; no hidden files are left', async () => {
    const d = fresh();
    const path = join(d, 'out', 'rows.jsonl');
    const sink = fileSink(sinkCtx(path));
    await sink.open();
    const w = sink.writer({ query: 'q', emit: 'final', upsertKey: null });
    w.write(row('a', 1));
    expect(readFileSync(path, 'utf8')).toBe('');
    await w.commit(0);
    w.write(row('b', 2));
    w.write(row('c', 3), '-D');
    await w.commit(1);
    await sink.close();
    expect(readFileSync(path, 'utf8')).toBe(
      '{"k":"a","v":1,"ts":"2025-04-21T10:00:00.000Z"}\n{"k":"b","v":2,"ts":"2025-04-21T10:00:00.000Z"}\n',
    );
    expect(readdirSync(join(d, 'out'))).toEqual(['rows.jsonl']);
  });

  it('CSV with a header; COMPLETE mode replaces the file per batch', async () => {
    const d = fresh();
    const path = join(d, 'table.csv');
    const sink = fileSink(sinkCtx(path));
    await sink.open();
    const w = sink.writer({ query: 'q', emit: 'complete', upsertKey: null });
    w.write(row('a', 1));
    await w.commit(0);
    w.write(row('a', 2));
    w.write(row('b', 1));
    await w.commit(1);
    expect(readFileSync(path, 'utf8')).toBe('k,v,ts\na,2,2025-04-21T10:00:00.000Z\nb,1,2025-04-21T10:00:00.000Z\n');
  });

  it('with checkpoints: staged until published; a resumed sink truncates a torn append and skips published batches', async () => {
    const d = fresh();
    const path = join(d, 'rows.jsonl');
    const s1 = fileSink(sinkCtx(path, { checkpointing: true }));
    const w1 = s1.writer({ query: 'q', emit: 'final', upsertKey: null });
    await s1.open();
    w1.write(row('a', 1));
    await w1.commit(0); // pre-commit: staged in a hidden file only
    expect(readFileSync(path, 'utf8')).toBe('');
    await w1.publish!(0); // after the checkpoint's commit marker
    await s1.close();
    const committed = readFileSync(path, 'utf8');
    expect(committed).not.toBe('');
    writeFileSync(path, committed + '{"k":"torn'); // a crash in the middle of batch 1's append
    const s2 = fileSink(sinkCtx(path, { checkpointing: true }));
    const w2 = s2.writer({ query: 'q', emit: 'final', upsertKey: null });
    await s2.open({ committed: new Map([['q', 0]]), marks: new Map(), dir: 'chk' });
    expect(readFileSync(path, 'utf8')).toBe(committed);
    w2.write(row('a', 1)); // batch 0 replayed: already published, not written again
    await w2.commit(0);
    await w2.publish!(0);
    w2.write(row('b', 2));
    await w2.commit(1);
    await w2.publish!(1);
    expect(
      readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).k),
    ).toEqual(['a', 'b']);
  });
});

describe('print sink', () => {
  const schema: FieldDesc[] = [
    { name: 'page', type: { kind: 'STRING' } },
    { name: 'views', type: { kind: 'BIGINT' } },
  ];
  it('prints aligned tables with the change kind, or JSON lines', async () => {
    const lines: string[] = [];
    const table = printSink({
      ...sinkCtx('', {}, schema, printOptions, {}),
      name: 'stats',
      print: (l) => lines.push(l),
    });
    const w = table.writer({ query: 'q', emit: 'changes', upsertKey: ['page'] });
    w.write({ page: '/home', views: 3 }, '+I');
    w.write({ page: null, views: 12 }, '+U');
    await w.commit(0);
    const json = printSink({
      ...sinkCtx('', {}, schema, printOptions, { 'print.format': 'json', 'print-identifier': 'dbg' }),
      name: 'stats',
      print: (l) => lines.push(l),
    });
    const wj = json.writer({ query: 'q', emit: 'final', upsertKey: null });
    wj.write({ page: '/', views: 1 });
    await wj.commit(0);
    expect(lines).toEqual([
      'stats> | op | page  | views |',
      'stats> | +I | /home |     3 |',
      'stats> | +U | NULL  |    12 |',
      'dbg> {"page":"/","views":1}',
    ]);
  });
});

describe('datagen source', () => {
  const fields: FieldDesc[] = [
    { name: 'id', type: { kind: 'BIGINT' } },
    { name: 'name', type: { kind: 'STRING' } },
    { name: 'score', type: { kind: 'INT' } },
    { name: 'ts', type: { kind: 'TIMESTAMP' } },
  ];
  it('generates typed rows per field options, bounded by a sequence or number-of-rows', async () => {
    const src = datagenSource(
      srcCtx(
        {
          'rows-per-second': '100000',
          'fields.id.kind': 'sequence',
          'fields.id.start': '1',
          'fields.id.end': '50',
          'fields.name.values': 'x;y',
          'fields.score.min': '5',
          'fields.score.max': '7',
          'fields.ts.max-past': '1 min',
        },
        { physical: fields },
        datagenOptions,
      ),
    );
    await src.open(null);
    const rows = (await drain(src)).map((r) => r[0] as { id: number; name: string; score: number; ts: number });
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(
      rows.every(
        (r) =>
          (r.name === 'x' || r.name === 'y') &&
          r.score >= 5 &&
          r.score <= 7 &&
          r.ts <= Date.now() &&
          r.ts > Date.now() - 61_000,
      ),
    ).toBe(true);
    const limited = datagenSource(
      srcCtx({ 'number-of-rows': '10', 'fields.name.length': '4' }, { physical: fields }, datagenOptions),
    );
    await limited.open(null);
    const ten = await drain(limited);
    expect(ten).toHaveLength(10);
    expect((ten[0]![0] as { name: string }).name).toHaveLength(4);
  });
});

async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
