import { describe, expect, it } from 'vitest';
import type { FetchedMessage } from './cluster.ts';
import { REFRESH_MS, TaskMarks, UpstreamWatermarks, WATERMARK_HEADER } from './repartition.ts';

/** A fetched record as the source sees it: the watermark records TaskMarks wrote, read back. */
function fetched(headers: Record<string, string>, offset = 0): FetchedMessage {
  const h: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(headers)) h[k] = Buffer.from(v);
  return {
    offset: String(offset),
    timestamp: '0',
    key: null,
    value: null,
    headers: h,
    isControlRecord: false,
    batchContext: { producerId: '1', inTransaction: true, timestampType: 0 },
  };
}

/** Delivers upstream task `task`'s due records (one per partition) to the downstream readers. */
function deliver(marks: TaskMarks, task: number, readers: UpstreamWatermarks[]): void {
  const msgs = marks.messages(task);
  expect(msgs).not.toBeNull();
  expect(msgs!.map((m) => m.partition)).toEqual(readers.map((_, p) => p));
  for (const m of msgs!) {
    expect(m.value).toBeNull();
    readers[m.partition!]!.take('t', m.partition!, fetched(m.headers as Record<string, string>));
  }
  marks.committed(task, 0);
}

const T = 1_700_000_000_000;

describe('repartition watermark records', () => {
  it('a downstream partition waits for every upstream task, then takes the minimum', () => {
    const readers = [new UpstreamWatermarks(), new UpstreamWatermarks()];
    const up = new TaskMarks('t', () => 2);
    // three upstream tasks; this process owns 0 and 2, another process owns 1
    expect(
      up.update(
        new Map([
          [0, { watermark: T + 5000, idle: false }],
          [2, { watermark: T + 3000, idle: false }],
        ]),
        3,
        0,
      ),
    ).toBe(true);
    deliver(up, 0, readers);
    deliver(up, 2, readers);
    expect(readers[0]!.watermark(0)).toEqual({ watermark: -Infinity, idle: false }); // task 1 not heard from
    const other = new TaskMarks('t', () => 2);
    other.update(new Map([[1, { watermark: T + 9000, idle: false }]]), 3, 0);
    deliver(other, 1, readers);
    for (const [p, r] of readers.entries()) expect(r.watermark(p)).toEqual({ watermark: T + 3000, idle: false });
    // task 2 moves on: the minimum is task 0's now
    up.update(
      new Map([
        [0, { watermark: T + 5000, idle: false }],
        [2, { watermark: T + 8000, idle: false }],
      ]),
      3,
      1,
    );
    expect([...up.tasks()]).toEqual([2]); // task 0 did not move: nothing to write for it
    deliver(up, 2, readers);
    expect(readers[1]!.watermark(1)).toEqual({ watermark: T + 5000, idle: false });
  });

  it('idle upstream tasks do not hold a partition back, unless all are idle', () => {
    const r = new UpstreamWatermarks();
    const mark = (task: number, watermark: number | null, idle: boolean) =>
      r.take('t', 0, fetched({ [WATERMARK_HEADER]: JSON.stringify({ task, tasks: 3, watermark, idle }) }));
    mark(0, T + 1000, false);
    mark(1, null, true); // an empty upstream partition that went idle: never a watermark
    mark(2, T + 4000, false);
    expect(r.watermark(0)).toEqual({ watermark: T + 1000, idle: false });
    mark(0, T + 2000, true);
    expect(r.watermark(0)).toEqual({ watermark: T + 4000, idle: false });
    mark(2, T + 6000, true);
    // every one idle: the partition is idle, at the least watermark any reached
    expect(r.watermark(0)).toEqual({ watermark: T + 2000, idle: true });
    mark(0, T + 2500, false);
    expect(r.watermark(0)).toEqual({ watermark: T + 2500, idle: false });
    // a partition that moved to another process forgets what it read
    r.drop(0);
    expect(r.watermark(0)).toEqual({ watermark: -Infinity, idle: false });
  });

  it('an upstream task writes when its watermark or idleness changes, and again after REFRESH_MS', () => {
    const up = new TaskMarks('t', () => 1);
    const w = (watermark: number, idle = false) => new Map([[0, { watermark, idle }]]);
    expect(up.update(w(-Infinity), 1, 0)).toBe(false); // nothing to say yet
    expect(up.update(w(-Infinity, true), 1, 0)).toBe(true); // idle before any row
    up.committed(0, 0);
    expect(up.update(w(-Infinity, true), 1, 10)).toBe(false);
    expect(up.update(w(T), 1, 20)).toBe(true);
    up.committed(0, 20);
    expect(up.update(w(T), 1, 20 + REFRESH_MS - 1)).toBe(false);
    expect(up.update(w(T), 1, 20 + REFRESH_MS)).toBe(true);
    // a fenced or lost task is the new owner's to write
    up.forget(0);
    expect(up.messages(0)).toBeNull();
  });

  it('a watermark record that does not read is an error naming topic, partition and offset', () => {
    const r = new UpstreamWatermarks();
    expect(() => r.take('rp', 3, fetched({ [WATERMARK_HEADER]: '{"task":"x"}' }, 42))).toThrow(
      /topic rp partition 3 offset 42: a watermark record \(header sqc-watermark\) that does not read/,
    );
    // a record without a value and without the header (a tombstone) is neither a row nor a mark
    r.take('rp', 3, fetched({}));
    expect(r.watermark(3)).toEqual({ watermark: -Infinity, idle: false });
  });

  it('what a reader knows of the upstream tasks travels with its committed position', () => {
    // upstream task 1 wrote once, before the position; its input is done and it writes no more
    const before = new UpstreamWatermarks();
    const up = new TaskMarks('t', () => 1);
    up.update(
      new Map([
        [0, { watermark: T, idle: false }],
        [1, { watermark: T + 500, idle: false }],
        [2, { watermark: -Infinity, idle: true }],
      ]),
      3,
    );
    for (const task of [0, 1, 2]) deliver(up, task, [before]);
    const metadata = before.save(0);
    expect(metadata).toMatch(/^sqc-watermarks:/);
    // the task moves: its new reader starts at the position, and hears from upstream task 0 only
    const after = new UpstreamWatermarks();
    after.restore('t', 0, metadata);
    up.update(new Map([[0, { watermark: T + 900, idle: false }]]), 3);
    deliver(up, 0, [after]);
    expect(after.watermark(0)).toEqual({ watermark: T + 500, idle: false });
    // without it, upstream task 1 would hold the partition back for good
    const blind = new UpstreamWatermarks();
    up.update(new Map([[0, { watermark: T + 950, idle: false }]]), 3);
    deliver(up, 0, [blind]);
    expect(blind.watermark(0)).toEqual({ watermark: -Infinity, idle: false });
    // nothing known: no metadata; another program's metadata is ignored, sqc's that does not read is an error
    expect(new UpstreamWatermarks().save(0)).toBeNull();
    after.restore('t', 1, 'written by someone else');
    expect(after.watermark(1)).toEqual({ watermark: -Infinity, idle: false });
    expect(() => after.restore('t', 1, 'sqc-watermarks:{"tasks":2}')).toThrow(
      /topic t partition 1: the committed position's metadata \(the upstream tasks' watermarks\) does not read/,
    );
  });
});
