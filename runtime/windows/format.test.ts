import { describe, expect, it } from 'vitest';
import { formatDuration, formatWindow } from './format.ts';

describe('the one spelling of durations and windows', () => {
  it('durations take the largest unit that divides them', () => {
    expect([0, 1500, 5000, 90_000, 300_000, 7_200_000, 86_400_000, -5000].map(formatDuration)).toEqual([
      '0 ms',
      '1500 ms',
      '5 s',
      '90 s',
      '5 min',
      '2 h',
      '1 d',
      '-5 s',
    ]);
    expect(formatDuration(Infinity)).toBe('Infinity');
  });

  it('every window kind', () => {
    expect(formatWindow({ kind: 'tumble', sizeMs: 60_000 })).toBe('tumble(1 min)');
    expect(formatWindow({ kind: 'hop', sizeMs: 600_000, slideMs: 300_000 })).toBe('hop(size 10 min, slide 5 min)');
    expect(formatWindow({ kind: 'cumulate', stepMs: 60_000, maxMs: 3_600_000 })).toBe('cumulate(step 1 min, max 1 h)');
    expect(formatWindow({ kind: 'session', gapMs: 30_000 })).toBe('session(gap 30 s)');
  });
});
