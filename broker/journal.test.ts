import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from './journal.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function file(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'sqc-journal-'));
  dirs.push(d);
  return path.join(d, 'state.log');
}
const lines = (f: string) =>
  fs
    .readFileSync(f, 'utf8')
    .split('\n')
    .filter((l) => l !== '').length;

describe('Journal', () => {
  it('rewrites itself as the live state once it has grown well past it', () => {
    const f = file();
    const state = new Map<string, number>();
    const j = new Journal(f, () => [...state].map(([k, v]) => ({ k, v })));
    j.open();
    for (let i = 0; i < 25_000; i++) {
      state.set(`key-${i % 3}`, i);
      j.append({ k: `key-${i % 3}`, v: i });
    }
    j.close();
    expect(lines(f)).toBeLessThan(10_010);
    const replayed = new Map<string, number>();
    for (const e of new Journal(f, () => []).read() as { k: string; v: number }[]) replayed.set(e.k, e.v);
    expect(replayed).toEqual(state);
  });

  it('skips a last line cut short by a crash', () => {
    const f = file();
    fs.writeFileSync(f, '{"k":"a","v":1}\n{"k":"b","v":2}\n{"k":"c","v');
    expect(new Journal(f, () => []).read()).toEqual([
      { k: 'a', v: 1 },
      { k: 'b', v: 2 },
    ]);
  });
});
