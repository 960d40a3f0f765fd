import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance, suggest } from './suggest.ts';

describe('editDistance (optimal string alignment)', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
    ['topic', 'topic', 0],
    ['tpoic', 'topic', 1], // transposition
    ['ca', 'abc', 3], // OSA, not unrestricted Damerau (which gives 2)
    ['scan.startup.mod', 'scan.startup.mode', 1],
    ['amout', 'amount', 1],
    ['fromat', 'format', 1],
  ])('%s → %s = %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });

  it('stops early above the cap but never reports a within-cap distance as larger', () => {
    expect(editDistance('abcdefgh', 'zzzzzzzz', 2)).toBe(3);
    expect(editDistance('scan.startup.mod', 'scan.startup.mode', 1)).toBe(1);
    expect(editDistance('ab', 'ba', 1)).toBe(1);
  });
});

describe('suggest', () => {
  it('finds option keys, columns and values with small typos', () => {
    expect(suggest('scan.startup.mod', ['scan.startup.mode', 'scan.startup.timestamp-millis'])).toBe(
      'scan.startup.mode',
    );
    expect(suggest('amout', ['order_id', 'amount', 'quantity'])).toBe('amount');
    expect(suggest('kafak', ['kafka', 'upsert-kafka', 'file'])).toBe('kafka');
    expect(suggest('earliest', ['earliest-offset', 'latest-offset'])).toBeNull(); // 7 edits
    expect(suggest('earlist-offset', ['earliest-offset', 'latest-offset'])).toBe('earliest-offset');
  });

  it('compares case-insensitively and returns the candidate as spelled', () => {
    expect(suggest('AMOUNT', ['amount'])).toBe('amount');
    expect(suggest('Topic', ['topic', 'topics'])).toBe('topic');
  });

  it('rejects candidates that are too far relative to their length', () => {
    expect(suggest('a', ['b'])).toBeNull(); // would replace the whole word
    expect(suggest('ab', ['cd'])).toBeNull();
    expect(suggest('id', ['ix'])).toBe('ix'); // 1 edit in 2 characters
    expect(suggest('path', ['topic'])).toBeNull();
    expect(suggest('format', ['print.format'])).toBeNull();
  });

  it('prefers the closest candidate, then the first one given', () => {
    expect(suggest('csv.heade', ['csv.header', 'csv.headers'])).toBe('csv.header');
    expect(suggest('ab1', ['ab2', 'ab3'])).toBe('ab2');
    expect(suggest('user_ld', ['user', 'user_id', 'user_ids'])).toBe('user_id');
  });

  it('accepts any iterable and returns null for no candidates', () => {
    expect(suggest('x', [])).toBeNull();
    expect(suggest('amout', new Set(['amount']))).toBe('amount');
    expect(suggest('amout', new Map([['amount', 1]]).keys())).toBe('amount');
  });
});

describe('didYouMean', () => {
  it('renders a help note for the closest other candidate, or nothing', () => {
    expect(didYouMean('amout', ['order_id', 'amount', 'status'])).toEqual(['help: did you mean "amount"?']);
    expect(didYouMean('Amount', ['amount'])).toEqual(['help: did you mean "amount"?']);
    expect(didYouMean('amount', ['amount'])).toEqual([]);
    expect(didYouMean('frobnicate', ['amount', 'status'])).toEqual([]);
  });
});
