import { describe, expect, it } from 'vitest';
import {
  concatWs,
  initcap,
  left,
  like,
  likeToRegExpSource,
  lpad,
  ltrim,
  md5,
  toBase64,
  position,
  regex,
  regexpExtract,
  regexpReplace,
  repeat,
  replace,
  reverse,
  right,
  rpad,
  rtrim,
  split,
  splitIndex,
  substring,
  trim,
} from './strings.ts';

describe('LIKE', () => {
  it('% and _ and escapes; regex metacharacters are literal', () => {
    expect(like('abc', 'a%')).toBe(true);
    expect(like('abc', '_b_')).toBe(true);
    expect(like('abc', '_b')).toBe(false);
    expect(like('a.c', 'a.c')).toBe(true);
    expect(like('abc', 'a.c')).toBe(false);
    expect(like('(x)+[y]', '(x)+[y]')).toBe(true);
    expect(like('50%', '50!%', '!')).toBe(true);
    expect(like('500', '50!%', '!')).toBe(false);
    expect(like('a\nb', 'a%b')).toBe(true);
    expect(like('', '%')).toBe(true);
    expect(() => likeToRegExpSource('ab!', '!')).toThrow(/escape/);
  });
});

describe('substrings and padding', () => {
  it('SUBSTRING is 1-based; 0 and negative starts as in Flink/Spark', () => {
    expect(substring('abcdef', 2)).toBe('bcdef');
    expect(substring('abcdef', 2, 3)).toBe('bcd');
    expect(substring('abcdef', 0, 2)).toBe('ab');
    expect(substring('abcdef', -2)).toBe('ef');
    expect(substring('abcdef', 10)).toBe('');
    expect(substring('abcdef', 2, -1)).toBe('');
  });

  it('LEFT, RIGHT, LPAD, RPAD, REPEAT, REVERSE, POSITION', () => {
    expect(left('abc', 2)).toBe('ab');
    expect(left('abc', -1)).toBe('');
    expect(right('abc', 2)).toBe('bc');
    expect(right('abc', 5)).toBe('abc');
    expect(lpad('hi', 5, 'xy')).toBe('xyxhi');
    expect(lpad('hello', 2, 'x')).toBe('he');
    expect(lpad('hi', -1, 'x')).toBe(null);
    expect(lpad('hi', 4, '')).toBe(null);
    expect(rpad('hi', 5, 'xy')).toBe('hixyx');
    expect(repeat('ab', 3)).toBe('ababab');
    expect(repeat('ab', -1)).toBe('');
    expect(reverse('ab😀c')).toBe('c😀ba');
    expect(position('b', 'abc')).toBe(2);
    expect(position('z', 'abc')).toBe(0);
  });

  it('TRIM removes only the given characters', () => {
    expect(trim('BOTH', ' ', '  a  ')).toBe('a');
    expect(trim('BOTH', ' ', '\ta\t')).toBe('\ta\t');
    expect(trim('LEADING', 'xy', 'xyxaxy')).toBe('axy');
    expect(trim('TRAILING', 'xy', 'xyxaxy')).toBe('xyxa');
    expect(ltrim('  a ')).toBe('a ');
    expect(rtrim('  a ')).toBe('  a');
  });
});

describe('replace, split, regular expressions', () => {
  it('REPLACE is literal', () => {
    expect(replace('a.b.c', '.', '$&')).toBe('a$&b$&c');
    expect(replace('abc', '', 'x')).toBe('abc');
  });

  it('SPLIT_INDEX and SPLIT', () => {
    expect(splitIndex('a,b,,c', ',', 0)).toBe('a');
    expect(splitIndex('a,b,,c', ',', 2)).toBe('');
    expect(splitIndex('a,b,,c', ',', 3)).toBe('c');
    expect(splitIndex('a,b,,c', ',', 4)).toBe(null);
    expect(splitIndex('a::b', '::', 1)).toBe('b');
    expect(splitIndex('a', ',', -1)).toBe(null);
    expect(split('a b  c', ' ')).toEqual(['a', 'b', '', 'c']);
    expect(split('abc', '')).toEqual(['a', 'b', 'c']);
  });

  it('REGEXP_EXTRACT and REGEXP_REPLACE', () => {
    expect(regexpExtract('foo123bar', regex('(\\d+)'), 1)).toBe('123');
    expect(regexpExtract('foo123bar', regex('[a-z]+'))).toBe('foo');
    expect(regexpExtract('foo', regex('(\\d+)'), 1)).toBe(null);
    expect(regexpExtract('foo1', regex('(\\d+)'), 2)).toBe(null);
    expect(regexpExtract('ab', regex('(x)?b'), 1)).toBe(null);
    expect(regexpReplace('2025-04-21', regex('(\\d+)-(\\d+)-(\\d+)'), '$3/$2/$1')).toBe('21/04/2025');
    expect(regexpReplace('aaa', regex('a'), 'b')).toBe('bbb');
    expect(regex('\\p{L}+').test('é')).toBe(true);
  });
});

describe('case, concatenation, hashing', () => {
  it('INITCAP, CONCAT_WS, MD5, TO_BASE64', () => {
    expect(initcap('hello WORLD')).toBe('Hello World');
    expect(initcap("o'neil mc-donald 3rd")).toBe("O'Neil Mc-Donald 3rd");
    expect(concatWs('-', 'a', null, 'b')).toBe('a-b');
    expect(concatWs('-', null)).toBe('');
    expect(md5('abc')).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(toBase64('hello world')).toBe('aGVsbG8gd29ybGQ=');
    expect(toBase64('')).toBe('');
    expect(toBase64('é€😀')).toBe('w6nigqzwn5iA');
  });
});
