import { describe, expect, it } from 'vitest';
import type { RowKind } from '../types.ts';
import { UpdateBeforeFold } from './update-before.ts';

describe('UpdateBeforeFold (what a sink receives of a retracting changelog)', () => {
  const run = (key: readonly string[] | null, rows: [RowKind, Record<string, unknown>][]): string[] => {
    const out: string[] = [];
    const fold = new UpdateBeforeFold((row, kind) => out.push(`${kind} ${JSON.stringify(row)}`), key);
    for (const [kind, row] of rows) fold.push(row, kind);
    fold.flush();
    return out;
  };

  it('drops a -U followed by the +U of the same key; any other -U becomes -D', () => {
    expect(
      run(
        ['k'],
        [
          ['+I', { k: 'a', n: 1 }],
          ['-U', { k: 'a', n: 1 }],
          ['+U', { k: 'a', n: 2 }],
          // the new row was filtered out after the aggregate: the old one is deleted
          ['-U', { k: 'b', n: 5 }],
          ['-U', { k: 'c', n: 1 }],
          ['+U', { k: 'd', n: 2 }],
          // held at the end of the batch
          ['-U', { k: 'e', n: 3 }],
        ],
      ),
    ).toEqual([
      '+I {"k":"a","n":1}',
      '+U {"k":"a","n":2}',
      '-D {"k":"b","n":5}',
      '-D {"k":"c","n":1}',
      '+U {"k":"d","n":2}',
      '-D {"k":"e","n":3}',
    ]);
  });

  it('without an upsert key every -U is a -D', () => {
    expect(
      run(null, [
        ['-U', { n: 1 }],
        ['+U', { n: 2 }],
      ]),
    ).toEqual(['-D {"n":1}', '+U {"n":2}']);
  });
});
