import { describe, expect, it } from 'vitest';
import { windowAssigner } from './assigner.ts';

function windows(spec: Parameters<typeof windowAssigner>[0], ts: number): [number, number][] {
  const a = windowAssigner(spec);
  const buf = new Float64Array(2 * a.maxWindows + 2);
  const n = a.assign(ts, buf);
  return Array.from({ length: n }, (_, i) => [buf[2 * i]!, buf[2 * i + 1]!]);
}

describe('window assigners', () => {
  it('TUMBLE: [floor(ts/S)*S, +S), also before the epoch', () => {
    expect(windows({ kind: 'tumble', sizeMs: 10 }, 25)).toEqual([[20, 30]]);
    expect(windows({ kind: 'tumble', sizeMs: 10 }, 20)).toEqual([[20, 30]]);
    expect(windows({ kind: 'tumble', sizeMs: 10 }, -1)).toEqual([[-10, 0]]);
  });

  it('HOP: every [s, s+size) with s a multiple of slide and s <= ts < s+size, by end', () => {
    expect(windows({ kind: 'hop', sizeMs: 10, slideMs: 5 }, 12)).toEqual([
      [5, 15],
      [10, 20],
    ]);
    expect(windows({ kind: 'hop', sizeMs: 10, slideMs: 5 }, 10)).toEqual([
      [5, 15],
      [10, 20],
    ]);
    expect(windows({ kind: 'hop', sizeMs: 10, slideMs: 3 }, 10)).toEqual([
      [3, 13],
      [6, 16],
      [9, 19],
    ]);
    expect(windows({ kind: 'hop', sizeMs: 5, slideMs: 10 }, 17)).toEqual([]); // gaps between windows
    expect(windows({ kind: 'hop', sizeMs: 5, slideMs: 10 }, 12)).toEqual([[10, 15]]);
  });

  it('CUMULATE: [floor(ts/max)*max, +k*step) for every step end after ts', () => {
    expect(windows({ kind: 'cumulate', maxMs: 30, stepMs: 10 }, 12)).toEqual([
      [0, 20],
      [0, 30],
    ]);
    expect(windows({ kind: 'cumulate', maxMs: 30, stepMs: 10 }, 30)).toEqual([
      [30, 40],
      [30, 50],
      [30, 60],
    ]);
  });

  it('rejects non-positive sizes', () => {
    expect(() => windowAssigner({ kind: 'tumble', sizeMs: 0 })).toThrow('TUMBLE size must be positive');
  });
});
