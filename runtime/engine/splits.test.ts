/**
 * Sources read in splits (Kafka partitions): a watermark per split, the source's the minimum
 * over the splits that are not idle; a split without records holds it back; split watermarks
 * survive a snapshot/restore. A scripted split source stands in for Kafka.
 */
import { describe, expect, it } from 'vitest';
import type { Json, QueryProgress, RecordContext } from '../index.ts';
import type { RecordBatch, SourceConnector, SourceSplit } from '../connectors/types.ts';
import { registerSource } from '../connectors/registry.ts';
import { WindowAggregate } from '../operators/window-aggregate.ts';
import { CountSum, WIN_FIELDS, at, ev, evSource, jobSpec, sinkSpec, type Ev, type WinOut } from '../testing/specs.ts';
import { defineJob } from './job.ts';
import { Input, advancedWatermark } from './input.ts';

interface Step {
  /** Records per split in this poll. */
  readonly rows: Readonly<Record<string, readonly Ev[]>>;
  /** Splits reported idle after this poll. */
  readonly idle?: readonly string[];
  /** Watermarks the connector knows per split after this poll (a repartition topic's). */
  readonly marks?: Readonly<Record<string, number>>;
}

/** Polls hand out one scripted step each, split by split in the order given by `ids`. */
function scripted(ids: readonly string[], steps: readonly Step[]): SourceConnector {
  let k = 0;
  let idle: readonly string[] = [];
  let marks: Readonly<Record<string, number>> | undefined;
  const pos = new Map(ids.map((id) => [id, 0]));
  return {
    open: async () => {},
    poll: async (): Promise<RecordBatch | null> => {
      if (k >= steps.length) return null;
      const step = steps[k++]!;
      idle = step.idle ?? [];
      marks = step.marks;
      const values: Ev[] = [];
      const splits: { id: string; end: number }[] = [];
      for (const id of ids) {
        const rows = step.rows[id] ?? [];
        if (rows.length === 0) continue;
        values.push(...rows);
        pos.set(id, pos.get(id)! + rows.length);
        splits.push({ id, end: values.length });
      }
      return {
        kind: 'object',
        values,
        header: null,
        splits,
        locate: (_i: number, _ctx: RecordContext) => {},
      };
    },
    isExhausted: () => k >= steps.length,
    waitForData: async () => {},
    offsets: (): Json => Object.fromEntries(pos),
    splits: (): readonly SourceSplit[] =>
      ids.map((id) => ({
        id,
        idle: idle.includes(id),
        lag: 0,
        ...(marks !== undefined ? { watermark: marks[id] ?? -Infinity } : {}),
      })),
    close: async () => {},
  };
}

let script: { ids: readonly string[]; steps: readonly Step[] } = { ids: [], steps: [] };
registerSource('split-test', () => scripted(script.ids, script.steps));

async function run(ids: readonly string[], steps: readonly Step[]) {
  script = { ids, steps };
  const src = { ...evSource('events', { bounded: false, delayMs: 0 }), options: { connector: 'split-test' } };
  const spec = jobSpec(
    [src],
    [sinkSpec('out', WIN_FIELDS)],
    [
      {
        name: 'q',
        emit: 'final',
        build: (q) => {
          const out = q.sink<WinOut>('out');
          const agg = q.operator(
            new WindowAggregate<Ev, string | null, CountSum, WinOut>({
              id: 'agg',
              window: { kind: 'tumble', sizeMs: 10_000 },
              emit: 'final',
              time: (r) => r.ts,
              key: (r) => r.k,
              create: () => new CountSum(),
              restore: (_k, s) => CountSum.restore(s),
              result: (acc, k, start, end) => ({ k, start, end, n: acc.count, sum: acc.sum }),
              out: (row, kind) => out.write(row, kind),
            }),
          );
          q.input(src, (r) => agg.push(r, 0));
        },
      },
    ],
    { 'trigger.mode': 'available-now' },
  );
  const progress: QueryProgress[] = [];
  const rows: unknown[] = [];
  const job = defineJob(spec, { sinks: { out: { rows } } });
  job.on('progress', (p) => progress.push(p));
  await job.run();
  return { progress, rows, job };
}

describe('split watermarks', () => {
  it('is the minimum over the splits, and a split without records holds it back', async () => {
    const { progress } = await run(
      ['p0', 'p1'],
      [
        { rows: { p0: [ev('a', '10:00:20')] } },
        { rows: { p0: [ev('a', '10:00:30')], p1: [ev('b', '10:00:05')] } },
        { rows: { p1: [ev('b', '10:00:40')] } },
      ],
    );
    const wm = progress.map((p) => p.sources[0]!.watermark);
    expect(wm).toEqual([null, new Date(at('10:00:05')).toISOString(), new Date(at('10:00:30')).toISOString()]);
    expect(progress[2]!.sources[0]!.partitions).toEqual([
      { id: 'p0', lag: 0, watermark: new Date(at('10:00:30')).toISOString(), idle: false },
      { id: 'p1', lag: 0, watermark: new Date(at('10:00:40')).toISOString(), idle: false },
    ]);
  });

  it('leaves idle splits out, and rows of a split behind the others are not late', async () => {
    const { progress, rows } = await run(
      ['p0', 'p1'],
      [
        { rows: { p0: [ev('a', '10:00:20')] }, idle: ['p1'] },
        { rows: { p0: [ev('a', '10:00:30')], p1: [ev('b', '10:00:25')] } },
      ],
    );
    expect(progress.map((p) => p.sources[0]!.watermark)).toEqual([
      new Date(at('10:00:20')).toISOString(),
      new Date(at('10:00:25')).toISOString(),
    ]);
    // every row counted in its window: nothing was late
    expect(progress.reduce((n, p) => n + p.lateRowsDropped, 0)).toBe(0);
    expect(rows.length).toBe(0); // available-now on an unbounded source: windows wait for the next run
  });

  it('when every split goes idle at once, a split that never had records holds nothing back', async () => {
    const { progress } = await run(
      ['p0', 'p1', 'empty'],
      [{ rows: { p0: [ev('a', '10:00:20')], p1: [ev('b', '10:00:35')] }, idle: ['p0', 'p1', 'empty'] }],
    );
    expect(progress.map((p) => p.sources[0]!.watermark)).toEqual([new Date(at('10:00:20')).toISOString()]);
  });
});

describe('split watermarks the connector knows (a repartition topic)', () => {
  it('come from the connector, not from the rows; rows behind them are late', async () => {
    const { progress } = await run(
      ['p0', 'p1'],
      [
        // rows far ahead, but the upstream tasks have only reached 10:00:05 and 10:00:07
        { rows: { p0: [ev('a', '10:00:50')] }, marks: { p0: at('10:00:05'), p1: at('10:00:07') } },
        // no rows: the upstream watermark records move the watermark on their own
        { rows: {}, marks: { p0: at('10:00:20'), p1: at('10:00:30') } },
        { rows: { p1: [ev('b', '10:00:10'), ev('b', '10:00:25')] }, marks: { p0: at('10:00:20'), p1: at('10:00:30') } },
      ],
    );
    expect(progress.map((p) => p.sources[0]!.watermark)).toEqual([
      new Date(at('10:00:05')).toISOString(),
      new Date(at('10:00:20')).toISOString(),
      new Date(at('10:00:20')).toISOString(),
    ]);
    expect(progress[2]!.sources[0]!.partitions!.map((p) => p.watermark)).toEqual([
      new Date(at('10:00:20')).toISOString(),
      new Date(at('10:00:30')).toISOString(),
    ]);
    expect(progress.map((p) => p.lateRowsDropped)).toEqual([0, 0, 1]);
  });
});

describe('advancedWatermark', () => {
  const part = (watermark: number, idle = false) => ({ watermark, idle });
  it('is the least of the active parts, never going back', () => {
    expect(advancedWatermark(0, [part(5), part(9), part(2, true)])).toBe(5);
    expect(advancedWatermark(7, [part(5), part(9)])).toBe(7);
    expect(advancedWatermark(0, [part(-Infinity), part(9)])).toBe(0);
  });
  it('every part idle: the least of those that reached a watermark', () => {
    expect(advancedWatermark(0, [part(5, true), part(9, true), part(-Infinity, true)])).toBe(5);
    expect(advancedWatermark(0, [part(-Infinity, true)])).toBe(0);
    expect(advancedWatermark(0, [])).toBe(0);
  });
});

describe("a task's watermark parts (scaled out)", () => {
  /** An input of a query reading split ids `topic/partition` (task = partition), each at watermark `w`. */
  const input = (ids: readonly string[], w: number) => {
    const inp = new Input(evSource('s', { bounded: false }), scripted(ids, []), () => {}, {
      query: 'q',
      options: {},
      format: null,
      batchSize: 100,
      bounded: false,
      dropLate: true,
    });
    for (const id of ids) inp.splitWatermarks.set(id, w);
    return inp;
  };
  const watermarks = (inputs: readonly Input<Ev>[], tasks: readonly number[], taskCount: number) => {
    const parts = new Map<number, { watermark: number; idle: boolean }[]>();
    for (const i of inputs) i.taskParts(parts, tasks, taskCount);
    return tasks.map((t) => advancedWatermark(0, parts.get(t) ?? []));
  };

  it('an input that has not opened its split of a task yet holds the task back', () => {
    // orders opened both tasks' partitions; payments, whose assignment applies at its next poll, only task 0's
    const orders = input(['orders/0', 'orders/1'], 500);
    const payments = input(['payments/0'], 300);
    expect(watermarks([orders, payments], [0, 1], 2)).toEqual([300, 0]);
    // once it opens the split, the task advances to the least of both
    const opened = input(['payments/0', 'payments/1'], 300);
    expect(watermarks([orders, opened], [0, 1], 2)).toEqual([300, 300]);
  });

  it("a task beyond an input's partitions is not held back by it", () => {
    // stateless queries may read topics of different partition counts: task 2 reads only the first
    const wide = input(['a/0', 'a/1', 'a/2'], 500);
    const narrow = input(['b/0', 'b/1'], 300);
    const parts = new Map<number, { watermark: number; idle: boolean }[]>();
    wide.taskParts(parts, [0, 1, 2], 3);
    narrow.taskParts(parts, [0, 1, 2], 2);
    expect([0, 1, 2].map((t) => advancedWatermark(0, parts.get(t)!))).toEqual([300, 300, 500]);
  });
});
