import { describe, expect, it } from 'vitest';
import {
  OptionValueError,
  booleanOption,
  durationOption,
  formatDuration,
  integerOption,
  listOption,
  parseBoolean,
  parseChar,
  parseDuration,
  parseEnum,
  parseHostPortList,
  parseInteger,
  parseList,
  parseNumber,
  parseSize,
} from '../../runtime/options.ts';

function reason(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(OptionValueError);
    return (e as Error).message;
  }
  throw new Error('expected an OptionValueError');
}

describe('parseDuration', () => {
  it.each([
    ['10 s', 10_000],
    ['10s', 10_000],
    ['500 ms', 500],
    ['500ms', 500],
    ['1 min', 60_000],
    ['2 minutes', 120_000],
    ['1m', 60_000],
    ['1h', 3_600_000],
    ['3 hours', 10_800_000],
    ['1 d', 86_400_000],
    ['7 days', 604_800_000],
    ['1 second', 1_000],
    ['30 secs', 30_000],
    ['0', 0],
    ['250', 250], // bare number = milliseconds (Flink)
    ['1.5 s', 1_500],
    ['.5 s', 500],
    ['  10 S  ', 10_000],
    ['10 MS', 10],
  ])('%j → %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['ten seconds', 'is not a duration'],
    ['', 'is not a duration'],
    ['s', 'is not a duration'],
    ['10 parsecs', "has an unknown time unit 'parsecs'"],
    ['-5 s', 'must not be negative'],
    ['0.5 ms', 'is not a whole number of milliseconds'],
    ['1e30 d', 'is not a duration'],
    ['99999999999999999999 d', 'is too large a duration'],
    ['10 s 5 ms', 'is not a duration'],
  ])('%j is rejected: %s', (text, message) => {
    expect(reason(() => parseDuration(text))).toBe(message);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [500, '500 ms'],
    [1_500, '1500 ms'],
    [10_000, '10 s'],
    [90_000, '90 s'],
    [60_000, '1 min'],
    [3_600_000, '1 h'],
    [86_400_000, '1 d'],
  ])('%i → %s, which parses back', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});

describe('parseBoolean', () => {
  it('accepts true/false in any case', () => {
    expect(parseBoolean('true')).toBe(true);
    expect(parseBoolean('FALSE')).toBe(false);
    expect(parseBoolean(' True ')).toBe(true);
  });
  it.each(['yes', '1', '', 'ture'])('rejects %j', (t) => {
    expect(reason(() => parseBoolean(t))).toBe("is not a boolean (expected 'true' or 'false')");
  });
});

describe('parseInteger', () => {
  it('parses decimal integers', () => {
    expect(parseInteger('1000')).toBe(1000);
    expect(parseInteger(' -3 ')).toBe(-3);
    expect(parseInteger('+5')).toBe(5);
    expect(Object.is(parseInteger('-0'), 0)).toBe(true);
  });
  it('rejects non-integers and unsafe integers', () => {
    expect(reason(() => parseInteger('1.5'))).toBe('is not an integer');
    expect(reason(() => parseInteger('1e3'))).toBe('is not an integer');
    expect(reason(() => parseInteger('abc'))).toBe('is not an integer');
    expect(reason(() => parseInteger(''))).toBe('is not an integer');
    expect(reason(() => parseInteger('9007199254740993'))).toBe('is too large an integer');
  });
  it('checks bounds with readable messages', () => {
    expect(reason(() => parseInteger('-1', 0))).toBe('must not be negative');
    expect(reason(() => parseInteger('0', 1))).toBe('must be at least 1');
    expect(reason(() => parseInteger('70000', 1, 65535))).toBe('must be at most 65535');
    expect(parseInteger('1', 1, 1)).toBe(1);
  });
});

describe('parseNumber', () => {
  it('parses decimals', () => {
    expect(parseNumber('1.5')).toBe(1.5);
    expect(parseNumber('-3')).toBe(-3);
    expect(parseNumber('1e3')).toBe(1000);
    expect(parseNumber('.25')).toBe(0.25);
  });
  it('rejects the rest', () => {
    expect(reason(() => parseNumber('NaN'))).toBe('is not a number');
    expect(reason(() => parseNumber('Infinity'))).toBe('is not a number');
    expect(reason(() => parseNumber('1e999'))).toBe('is not a finite number');
    expect(reason(() => parseNumber('1.5', 0, 1))).toBe('must be at most 1');
    expect(reason(() => parseNumber('-0.1', 0, 1))).toBe('must not be negative');
  });
});

describe('parseSize', () => {
  it.each([
    ['512', 512],
    ['512 b', 512],
    ['64 kb', 65_536],
    ['64k', 65_536],
    ['128mb', 134_217_728],
    ['1 g', 1_073_741_824],
    ['1 TB', 1_099_511_627_776],
  ])('%j → %i bytes', (t, n) => expect(parseSize(t)).toBe(n));
  it('rejects bad sizes', () => {
    expect(reason(() => parseSize('big'))).toBe('is not a size (e.g. 64 mb)');
    expect(reason(() => parseSize('5 parsecs'))).toBe("has an unknown size unit 'parsecs'");
    expect(reason(() => parseSize('1.5 mb'))).toBe('is not a size (e.g. 64 mb)');
  });
});

describe('parseList', () => {
  it('splits on ; or, without ;, on ,', () => {
    expect(parseList('a;b; c')).toEqual(['a', 'b', 'c']);
    expect(parseList('a, b,c')).toEqual(['a', 'b', 'c']);
    expect(parseList('a,b;c')).toEqual(['a,b', 'c']);
    expect(parseList('single')).toEqual(['single']);
    expect(parseList('  ')).toEqual([]);
  });
  it('rejects empty elements', () => {
    expect(reason(() => parseList('a;;b'))).toBe('has an empty list element');
    expect(reason(() => parseList('a,'))).toBe('has an empty list element');
  });
});

describe('parseHostPortList', () => {
  it('parses host:port lists', () => {
    expect(parseHostPortList('localhost:9092')).toEqual([{ host: 'localhost', port: 9092 }]);
    expect(parseHostPortList('b1:9092, b2.example.com:9093')).toEqual([
      { host: 'b1', port: 9092 },
      { host: 'b2.example.com', port: 9093 },
    ]);
    expect(parseHostPortList('10.0.0.1:1')).toEqual([{ host: '10.0.0.1', port: 1 }]);
    expect(parseHostPortList('[::1]:9092')).toEqual([{ host: '[::1]', port: 9092 }]);
  });
  it('rejects the rest, naming the bad element', () => {
    expect(reason(() => parseHostPortList(''))).toBe('is empty (expected host:port)');
    expect(reason(() => parseHostPortList('localhost'))).toBe("'localhost' is not host:port");
    expect(reason(() => parseHostPortList('a:9092,b'))).toBe("'b' is not host:port");
    expect(reason(() => parseHostPortList('PLAINTEXT://a:9092'))).toBe("'PLAINTEXT://a:9092' is not host:port");
    expect(reason(() => parseHostPortList('a:0'))).toBe("'a:0' has port 0 outside 1-65535");
    expect(reason(() => parseHostPortList('a:70000'))).toBe("'a:70000' has port 70000 outside 1-65535");
  });
});

describe('parseChar', () => {
  it('accepts one character and escapes', () => {
    expect(parseChar(',')).toBe(',');
    expect(parseChar(' ')).toBe(' ');
    expect(parseChar('\\t')).toBe('\t');
    expect(parseChar('\t')).toBe('\t');
    expect(parseChar('\\\\')).toBe('\\');
    expect(parseChar('\\u0001')).toBe('\u0001');
    expect(parseChar('é')).toBe('é');
  });
  it('rejects the rest', () => {
    expect(reason(() => parseChar(''))).toBe('is not a single character');
    expect(reason(() => parseChar(';;'))).toBe('is not a single character');
    expect(reason(() => parseChar('\\n\\t'))).toBe('is not a single character');
  });
});

describe('parseEnum', () => {
  it('matches case-insensitively and returns the canonical spelling', () => {
    expect(parseEnum('EARLIEST-OFFSET', ['earliest-offset', 'latest-offset'])).toBe('earliest-offset');
    expect(parseEnum('iso-8601', ['ISO-8601', 'SQL'])).toBe('ISO-8601');
  });
  it('lists the allowed values', () => {
    expect(reason(() => parseEnum('x', ['a', 'b']))).toBe("is not one of 'a', 'b'");
  });
});

describe('typed reads of resolved options', () => {
  const options = { 'scan.idle-timeout': '5 s', 'scan.batch-size': '100', 'csv.header': 'true', topic: 'a;b' };
  it('parse present keys and return null for absent ones', () => {
    expect(durationOption(options, 'scan.idle-timeout')).toBe(5000);
    expect(integerOption(options, 'scan.batch-size')).toBe(100);
    expect(booleanOption(options, 'csv.header')).toBe(true);
    expect(listOption(options, 'topic')).toEqual(['a', 'b']);
    expect(durationOption(options, 'nope')).toBeNull();
    expect(integerOption(options, 'nope')).toBeNull();
    expect(booleanOption(options, 'nope')).toBeNull();
    expect(listOption(options, 'nope')).toBeNull();
  });
});
