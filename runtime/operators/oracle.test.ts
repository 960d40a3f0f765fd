/**
 * Randomised checks against brute-force oracles: every window operator, fed seeded random rows
 * out of order (never late), must produce exactly the groups a direct computation gives —
 * straight and with a snapshot/restore after every batch.
 */
import type { RowKind } from '../types.ts';
import { describe, expect, it } from 'vitest';
import type { WindowSpec } from '../index.ts';
import { windowAssigner } from '../windows/assigner.ts';
import { driveWithRestores, type Step } from '../testing/drive.ts';
import { CountSum, type Ev, type WinOut } from '../testing/specs.ts';
import { SessionWindowAggregate } from './session-window-aggregate.ts';
import { WindowAggregate } from './window-aggregate.ts';
import { seededRandom } from '../random.ts';

/** Batches of rows with bursts and gaps; each batch's watermark trails its max time by `delay`. */
function script(seed: number, delay: number): { steps: Step<Ev>[]; rows: Ev[] } {
  const r = seededRandom(seed);
  const rows: Ev[] = [];
  const steps: Step<Ev>[] = [];
  let t = 1_000_000;
  let wm = -Infinity;
  for (let b = 0; b < 25; b++) {
    const batch: Ev[] = [];
    const n = Math.floor(r() * 12);
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      t += r() < 0.1 ? Math.floor(r() * 20_000) : Math.floor(r() * 800);
      const ts = Math.max(t - Math.floor(r() * delay), wm); // never late
      const row = { k: r() < 0.1 ? null : `k${Math.floor(r() * 4)}`, v: Math.floor(r() * 100), ts };
      batch.push(row);
      max = Math.max(max, ts);
    }
    rows.push(...batch);
    if (max > -Infinity) wm = Math.max(wm, max - delay);
    steps.push({ rows: batch, wm });
  }
  return { steps, rows };
}

const fmt = (r: WinOut) => `${r.k}|${r.start}|${r.end}|${r.n}|${r.sum}`;
const strip = (lines: string[]) => lines.map((l) => l.replace(/^\d+: \+I /, '')).sort();

function windowOracle(spec: Exclude<WindowSpec, { kind: 'session' }>, rows: Ev[]): string[] {
  const a = windowAssigner(spec);
  const buf = new Float64Array(2 * a.maxWindows + 2);
  const groups = new Map<string, WinOut>();
  for (const r of rows) {
    const n = a.assign(r.ts!, buf);
    for (let i = 0; i < n; i++) {
      const id = `${r.k}|${buf[2 * i]}|${buf[2 * i + 1]}`;
      const g = groups.get(id) ?? { k: r.k, start: buf[2 * i]!, end: buf[2 * i + 1]!, n: 0, sum: 0 };
      g.n++;
      g.sum += r.v!;
      groups.set(id, g);
    }
  }
  return [...groups.values()].map(fmt).sort();
}

function sessionOracle(gap: number, rows: Ev[]): string[] {
  const byKey = new Map<string | null, Ev[]>();
  for (const r of rows) byKey.set(r.k, [...(byKey.get(r.k) ?? []), r]);
  const out: string[] = [];
  for (const [k, list] of byKey) {
    list.sort((a, b) => a.ts! - b.ts!);
    let cur: WinOut | null = null;
    let last = -Infinity;
    for (const r of list) {
      if (cur === null || r.ts! - last >= gap) {
        if (cur) out.push(fmt({ ...cur, end: last + gap }));
        cur = { k, start: r.ts!, end: 0, n: 0, sum: 0 };
      }
      cur.n++;
      cur.sum += r.v!;
      last = r.ts!;
    }
    if (cur) out.push(fmt({ ...cur, end: last + gap }));
  }
  return out.sort();
}

describe('window operators against oracles', () => {
  const specs: Exclude<WindowSpec, { kind: 'session' }>[] = [
    { kind: 'tumble', sizeMs: 5_000 },
    { kind: 'hop', sizeMs: 6_000, slideMs: 2_000 },
    { kind: 'hop', sizeMs: 2_000, slideMs: 3_000 },
    { kind: 'cumulate', maxMs: 8_000, stepMs: 2_000 },
  ];
  for (const spec of specs) {
    it(`${JSON.stringify(spec)} FINAL equals the oracle`, () => {
      for (let seed = 1; seed <= 6; seed++) {
        const { steps, rows } = script(seed, 3_000);
        const make = (out: (r: WinOut, k: RowKind) => void) =>
          new WindowAggregate<Ev, string | null, CountSum, WinOut>({
            id: 'w',
            window: spec,
            emit: 'final',
            time: (r) => r.ts,
            key: (r) => r.k,
            create: () => new CountSum(),
            restore: (_k, s) => CountSum.restore(s),
            result: (acc, k, start, end) => ({ k, start, end, n: acc.count, sum: acc.sum }),
            out,
          });
        expect(strip(driveWithRestores(make, steps, fmt)), `seed ${seed}`).toEqual(windowOracle(spec, rows));
      }
    });
  }

  it('SESSION FINAL equals the oracle (and CHANGES ends with the same sessions)', () => {
    for (let seed = 1; seed <= 8; seed++) {
      const { steps, rows } = script(seed, 3_000);
      const make = (emit: 'final' | 'changes') => (out: (r: WinOut, k: RowKind) => void) =>
        new SessionWindowAggregate<Ev, string | null, CountSum, WinOut>({
          id: 's',
          gapMs: 1_500,
          emit,
          time: (r) => r.ts,
          key: (r) => r.k,
          create: () => new CountSum(),
          restore: (_k, s) => CountSum.restore(s),
          result: (acc, k, start, end) => ({ k, start, end, n: acc.count, sum: acc.sum }),
          out,
        });
      const oracle = sessionOracle(1_500, rows);
      expect(strip(driveWithRestores(make('final'), steps, fmt)), `seed ${seed}`).toEqual(oracle);
      // CHANGES: replaying the changelog as upserts/deletes by (key, start, end) leaves the sessions
      const table = new Map<string, string>();
      for (const l of driveWithRestores(make('changes'), steps, fmt)) {
        const [, kind, row] = /^\d+: (\S+) (.*)$/.exec(l)!;
        const id = row!.split('|').slice(0, 3).join('|');
        if (kind === '-D') {
          expect(table.has(id), `retracting an unknown session ${id}`).toBe(true);
          table.delete(id);
        } else table.set(id, row!);
      }
      expect([...table.values()].sort(), `seed ${seed}`).toEqual(oracle);
    }
  });
});
