import { describe, expect, it } from 'vitest';
import { compileJsonPath, jsonPathGet, jsonValue, jsonValueDynamic } from './json.ts';

describe('JSON paths', () => {
  it('compiles member, quoted and index steps', () => {
    expect(compileJsonPath('$.a.b[0]')).toEqual([{ key: 'a' }, { key: 'b' }, { index: 0 }]);
    expect(compileJsonPath("$['odd key'][2].x")).toEqual([{ key: 'odd key' }, { index: 2 }, { key: 'x' }]);
    expect(compileJsonPath('lax $."a b"')).toEqual([{ key: 'a b' }]);
    expect(compileJsonPath('$')).toEqual([]);
    expect(() => compileJsonPath('a.b')).toThrow(/must start with/);
    expect(() => compileJsonPath('$.a[*]')).toThrow(/expected/);
  });

  it('follows paths without confusing arrays and objects', () => {
    const v = { a: [{ b: 1 }], '0': 'zero' };
    expect(jsonPathGet(v, compileJsonPath('$.a[0].b'))).toBe(1);
    expect(jsonPathGet(v, compileJsonPath('$.a.b'))).toBe(undefined);
    expect(jsonPathGet(v, compileJsonPath('$[0]'))).toBe(undefined);
    expect(jsonPathGet(v, compileJsonPath('$.toString'))).toBe(undefined);
  });
});

describe('JSON_VALUE', () => {
  const doc = '{"user":{"name":"ann","age":31,"vip":true,"tags":["a","b"],"x":null}}';
  it('returns scalars as strings, NULL for missing, null, objects, arrays and bad JSON', () => {
    const v = (p: string) => jsonValue(doc, compileJsonPath(p));
    expect(v('$.user.name')).toBe('ann');
    expect(v('$.user.age')).toBe('31');
    expect(v('$.user.vip')).toBe('true');
    expect(v('$.user.tags[1]')).toBe('b');
    expect(v('$.user.tags')).toBe(null);
    expect(v('$.user')).toBe(null);
    expect(v('$.user.x')).toBe(null);
    expect(v('$.nope')).toBe(null);
    expect(jsonValue('{bad', compileJsonPath('$.a'))).toBe(null);
    expect(jsonValueDynamic(doc, '$.user.name')).toBe('ann');
    expect(jsonValueDynamic(doc, 'not a path')).toBe(null);
  });
});
