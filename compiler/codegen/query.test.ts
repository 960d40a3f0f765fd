import { describe, expect, it } from 'vitest';
import { loadPlan, runRows } from './testing.ts';
import {
  STATS_COLUMNS,
  havingPlan,
  joinPlan,
  sessionPlan,
  statelessPlan,
  statsPlan,
  topPlan,
  typesPlan,
  unionPlan,
  wordCountPlan,
  windowAssignPlan,
} from './testing-plans.ts';

const T0 = Date.UTC(2025, 3, 21, 14, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const MIN = 60_000;

describe('stateless pipelines', () => {
  it('filter and projection fuse into the input closure', async () => {
    const loaded = await loadPlan(statelessPlan());
    expect(loaded.code).toContain('if (row.amount !== null && row.amount > 50) {');
    // The filter proved amount non-NULL: the projection needs no second test.
    expect(loaded.code).toContain('const gross = row.amount * 1.2;');
    expect(loaded.code).toMatch(/big_orders.*\n.*\n?.*sink\.write\(\{/s);
    const out = await runRows(
      loaded,
      {
        orders: [
          { order_id: 'a', amount: 100, status: 'done', ts: null },
          { order_id: 'b', amount: 10, status: 'done' },
          { order_id: 'c', amount: null, status: 'x' },
          { order_id: 'd', amount: 60, status: null },
        ],
      },
      ['big_orders'],
    );
    expect(out['big_orders']).toEqual([
      { order_id: 'a', gross: 120, status: 'DONE' },
      { order_id: 'd', gross: 72, status: null },
    ]);
  });

  it('UNNEST, then a hopping window with EMIT CHANGES', async () => {
    const loaded = await loadPlan(wordCountPlan());
    expect(loaded.code).toContain("for (const word of row.line.split(' '))");
    const out = await runRows(
      loaded,
      {
        lines: {
          batches: [
            [{ line: 'owl cat owl', timestamp: iso(T0 + MIN) }],
            [{ line: 'cat', timestamp: iso(T0 + 6 * MIN) }],
          ],
        },
      },
      ['word_counts'],
    );
    const rows = out['word_counts'] as { window_start: string; word: string; cnt: number }[];
    const last = new Map<string, number>();
    for (const r of rows) last.set(`${r.window_start} ${r.word}`, r.cnt);
    expect(Object.fromEntries(last)).toEqual({
      [`${iso(T0 - 5 * MIN)} owl`]: 2,
      [`${iso(T0 - 5 * MIN)} cat`]: 1,
      [`${iso(T0)} owl`]: 2,
      [`${iso(T0)} cat`]: 2,
      [`${iso(T0 + 5 * MIN)} cat`]: 1,
    });
  });

  it('a window TVF without aggregation gives each row every window it falls in', async () => {
    const out = await runRows(
      await loadPlan(windowAssignPlan()),
      {
        clicks: [
          { page: '/', ts: iso(T0 + 90_000) },
          { page: '/x', ts: null },
        ],
      },
      ['windowed'],
    );
    expect(out['windowed']).toEqual([
      { page: '/', window_start: iso(T0), window_end: iso(T0 + 2 * MIN) },
      { page: '/', window_start: iso(T0 + MIN), window_end: iso(T0 + 3 * MIN) },
    ]);
  });

  it('UNION ALL maps the second input by position', async () => {
    const out = await runRows(
      await loadPlan(unionPlan()),
      {
        a: [
          { name: 'a1', v: 1 },
          { name: 'a2', v: 2 },
        ],
        b: [
          { label: 'b3', value: 3 },
          { label: 'b0', value: 0 },
        ],
      },
      ['both'],
    );
    expect((out['both'] as { name: string }[]).map((r) => r.name).sort()).toEqual(['a2', 'b3']);
  });
});

describe('aggregates', () => {
  it('every aggregate kind over random data with NULLs matches a reference (GROUP BY k1, k2)', async () => {
    let seed = 99;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const rows = Array.from({ length: 500 }, () => ({
      k1: pick(['a', 'b', null, 'a,"b']),
      k2: pick([1, 2, null]),
      x: pick([null, -3, 0, 4, 7, 9, 12]),
      s: pick([null, 'p', 'q', 'r,s', 'é']),
      b: pick([null, true, false]),
    }));
    const out = await runRows(await loadPlan(statsPlan()), { t: rows }, ['stats'], false);
    const groups = new Map<string, typeof rows>();
    for (const r of rows) {
      const k = JSON.stringify([r.k1, r.k2]);
      groups.set(k, [...(groups.get(k) ?? []), r]);
    }
    const got = new Map(
      (out['stats'] as Record<string, unknown>[]).map((r) => [JSON.stringify([r['k1'], r['k2']]), r]),
    );
    expect(got.size).toBe(groups.size);
    for (const [k, g] of groups) {
      const xs = g.map((r) => r.x).filter((x): x is number => x !== null);
      const ss = g.map((r) => r.s).filter((x): x is string => x !== null);
      const bs = g.map((r) => r.b).filter((x): x is boolean => x !== null);
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const sq = xs.reduce((a, b) => a + (b - mean) ** 2, 0);
      const row = got.get(k)!;
      expect(Object.keys(row)).toEqual(STATS_COLUMNS);
      const close = (v: unknown, e: number | null) =>
        e === null ? expect(v).toBe(null) : expect(v as number).toBeCloseTo(e, 9);
      expect(row['n']).toBe(g.length);
      expect(row['nx']).toBe(xs.length);
      expect(row['sx']).toBe(xs.length ? xs.reduce((a, b) => a + b, 0) : null);
      close(row['ax'], xs.length ? mean : null);
      expect(row['mn']).toBe(xs.length ? Math.min(...xs) : null);
      expect(row['mx']).toBe(ss.length ? [...ss].sort().pop() : null);
      expect(row['dx']).toBe(new Set(xs).size);
      const bigs = xs.filter((x) => x > 5);
      expect(row['big']).toBe(bigs.length ? bigs.reduce((a, b) => a + b, 0) : null);
      expect(row['first']).toBe(ss[0] ?? null);
      expect(row['last']).toBe(ss[ss.length - 1] ?? null);
      close(row['sd'], xs.length ? Math.sqrt(sq / xs.length) : null);
      close(row['vs'], xs.length > 1 ? sq / (xs.length - 1) : null);
      expect(row['every']).toBe(bs.length ? bs.every(Boolean) : null);
      expect(row['some']).toBe(bs.length ? bs.some(Boolean) : null);
      expect(row['list']).toEqual(ss);
      expect(row['approx']).toBe(new Set(ss).size);
      expect(row['sdx']).toBe(xs.length ? [...new Set(xs)].reduce((a, b) => a + b, 0) : null);
    }
  });

  it('composite keys are decoded back to typed columns', async () => {
    const loaded = await loadPlan(statsPlan());
    expect(loaded.code).toContain('key: (row) => rt.compositeKey(row.k1, row.k2)');
    expect(loaded.code).toMatch(/function statsKey\(key: string\): \[k1: string \| null, k2: number \| null\]/);
  });

  it('aggregates of the same column share state: COUNT(x) and AVG(x) one count, STDDEV and VAR one Welford', async () => {
    const { code } = await loadPlan(statsPlan());
    expect(code.match(/this\.xCount\+\+/g)).toHaveLength(1);
    expect(code.match(/new rt\.agg\.Welford\(\)/g)).toHaveLength(1);
  });

  it('sessions: COLLECT_LIST, TIMESTAMPDIFF over MIN/MAX, merging accumulators', async () => {
    const loaded = await loadPlan(sessionPlan());
    expect(loaded.code).toContain('merge(other: SessionsAcc): void');
    const at = (m: number) => iso(T0 + m * MIN);
    const out = await runRows(
      loaded,
      {
        user_events: {
          batches: [
            [
              { user_id: 'u', event_type: 'view', ts: at(0) },
              { user_id: 'v', event_type: 'view', ts: at(5) },
              { user_id: 'u', event_type: 'click', ts: at(10) },
            ],
            // v at minute 6 is late (the watermark is 10 - 1 minutes after the first batch): dropped.
            [
              { user_id: 'v', event_type: 'late', ts: at(6) },
              { user_id: 'u', event_type: 'buy', ts: at(50) },
            ],
          ],
        },
      },
      ['sessions'],
    );
    expect(out['sessions']).toEqual(
      expect.arrayContaining([
        {
          user_id: 'u',
          session_start: at(0),
          session_end: at(40),
          page_views: 2,
          total_time_s: 600,
          events: ['view', 'click'],
        },
        { user_id: 'v', session_start: at(5), session_end: at(35), page_views: 1, total_time_s: 0, events: ['view'] },
        { user_id: 'u', session_start: at(50), session_end: at(80), page_views: 1, total_time_s: 0, events: ['buy'] },
      ]),
    );
    expect(out['sessions']).toHaveLength(3);
  });

  it('HAVING filters the aggregate rows on their way to the sink', async () => {
    const loaded = await loadPlan(havingPlan());
    expect(loaded.code).toContain('if (row.views > 1) {');
    const out = await runRows(
      loaded,
      {
        clicks: [
          { page: '/', ts: iso(T0) },
          { page: '/', ts: iso(T0 + 1) },
          { page: '/b', ts: iso(T0 + 2) },
        ],
      },
      ['busy_pages'],
    );
    expect(out['busy_pages']).toEqual([{ page: '/', window_start: iso(T0), views: 2 }]);
  });

  it('ORDER BY / LIMIT over a bounded aggregate', async () => {
    const clicks = ['/a', '/b', '/b', '/c', '/c', null, null].map((page) => ({ page, ts: null }));
    const out = await runRows(await loadPlan(topPlan()), { clicks }, ['top_pages']);
    expect(out['top_pages']).toEqual([
      { page: null, cnt: 2 },
      { page: '/b', cnt: 2 },
    ]);
  });
});

describe('decoders', () => {
  it('CSV cells, metadata and computed columns', async () => {
    const { job } = await loadPlan(typesPlan('csv'));
    const csv = job.sources[0]!.decode.csv!;
    const ctx = {
      source: 'typed',
      file: 'x.csv',
      line: 2,
      topic: null,
      partition: -1,
      offset: -1,
      timestamp: null,
      key: null,
      headers: null,
    };
    expect(csv(['7', '', '2.5', 'true', '2025-04-21 14:00:00', '2025-04-21', 'n'], ctx)).toEqual({
      id: 7,
      i: null,
      d: 2.5,
      flag: true,
      ts: T0,
      day: 20199,
      name: 'n',
      src: 'x.csv',
      half: 1.25,
    });
    expect(() => csv([null, '1', '1', 'true', '', '', ''], ctx)).toThrow(/NOT NULL/);
  });

  it('the JSON fast path and JSON.parse give the same rows and the same errors (seeded fuzz)', async () => {
    for (const strict of [false, true]) {
      const { job } = await loadPlan(typesPlan('json', strict));
      const { json, object } = job.sources[0]!.decode;
      const ctx = {
        source: 'typed',
        file: 'x',
        line: 1,
        topic: null,
        partition: -1,
        offset: -1,
        timestamp: null,
        key: null,
        headers: null,
      };
      let seed = 5;
      const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
      const values: Record<string, unknown[]> = {
        id: [1, -5, 9007199254740993, '12', null, 1.5, 'x'],
        i: [0, 2147483648, -7, '3', null, true, 1e3],
        d: [1.5, -0, 1e300, '2.5', null, 'NaN', 'abc'],
        flag: [true, false, 'true', null, 1],
        ts: [
          '2025-04-21T14:00:00.000Z',
          '2025-04-21 14:00:00',
          1745244000000,
          '2025-02-30T00:00:00.000Z',
          'soon',
          null,
          '',
        ],
        day: ['2025-04-21', 20000, '2025-4-1', null],
        name: ['n', 'é\u2028"x', '', null, 5, { a: 1 }],
        tags: [['a', null], [], null, 'a', [1]],
        point: [{ x: 1, y: 2.5 }, { x: '2' }, null, [1], { x: 1.5 }],
        attrs: [{ a: 1 }, {}, null, { a: 'x' }],
      };
      for (let k = 0; k < 3000; k++) {
        const o: Record<string, unknown> = {};
        for (const [key, vs] of Object.entries(values)) if (rand() < 0.9) o[key] = pick(vs);
        let line = JSON.stringify(o);
        if (rand() < 0.2) line = line.replace(/,/g, ' , ').replace(/:/g, ': ');
        if (rand() < 0.05) line = line.slice(0, Math.floor(rand() * line.length));
        const run = (f: () => unknown) => {
          try {
            return { ok: f() };
          } catch (e) {
            return { error: (e as Error).message };
          }
        };
        const fast = run(() => json!(line, ctx));
        const slow = run(() => object(JSON.parse(line), ctx));
        if (JSON.stringify(fast) !== JSON.stringify(slow)) {
          throw new Error(`fast ${JSON.stringify(fast)} != slow ${JSON.stringify(slow)} for ${line}`);
        }
      }
    }
  });
});

describe('diagnostics', () => {
  it('a LEFT lookup join compiles and runs on memory-bound stream and table (createJob overrides)', async () => {
    const loaded = await loadPlan(joinPlan());
    expect(loaded.diagnostics).toEqual([]);
    const out = await runRows(
      loaded,
      {
        orders: [
          { user_id: 'a', amount: 1 },
          { user_id: null, amount: 2 },
          { user_id: 'b', amount: 3 },
        ],
        users: [
          { user_id: 'a', country: 'FR' },
          { user_id: 'a', country: 'DE' },
          { user_id: null, country: 'XX' },
        ],
      },
      ['enriched'],
    );
    expect(out['enriched']).toEqual([
      { user_id: 'a', amount: 1, user_id0: 'a', country: 'FR' },
      { user_id: 'a', amount: 1, user_id0: 'a', country: 'DE' },
      { user_id: null, amount: 2, user_id0: null, country: null },
      { user_id: 'b', amount: 3, user_id0: null, country: null },
    ]);
  });
});

describe('checkpoints', () => {
  /**
   * Stopped after batch k, snapshotted through the checkpoint codec, restored into a fresh job
   * and run to the end: the same rows as a straight run (the generated accumulators' snapshot,
   * restore and merge round-trip).
   */
  async function stopAndResume(
    plan: () => import('../plan/plan.ts').JobPlan,
    source: string,
    sink: string,
    rows: unknown[],
  ): Promise<void> {
    const { decodeState, encodeState } = await import('../../runtime/state/snapshot.ts');
    const loaded = await loadPlan(plan());
    const run = async (stopAfter: number | null, restore: unknown[] | null) => {
      const lines: string[] = [];
      const job = loaded.createJob({
        sources: { [source]: { rows, options: { 'scan.batch-size': '9' } } },
        sinks: {
          [sink]: {
            onBatch: (b) => b.rows.forEach((r, i) => lines.push(`${b.kinds[i]} ${JSON.stringify(r)}`)),
            json: true,
          },
        },
      });
      if (restore) job.queries.forEach((q, i) => (q as unknown as { restore(s: unknown): void }).restore(restore[i]));
      if (stopAfter !== null) job.on('progress', (p) => void (p.batchId === stopAfter && job.stop()));
      await job.run();
      const snaps = job.queries.map((q) =>
        decodeState(encodeState((q as unknown as { snapshot(): unknown }).snapshot())),
      );
      return { lines, snaps };
    };
    const straight = (await run(null, null)).lines;
    expect(straight.length).toBeGreaterThan(10);
    for (const k of [0, 2, 5]) {
      const first = await run(k, null);
      const second = await run(null, first.snaps);
      expect([...first.lines, ...second.lines].sort(), `stopped after batch ${k}`).toEqual([...straight].sort());
    }
  }

  it('every aggregate kind (GROUP BY, EMIT CHANGES)', async () => {
    let seed = 4;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const rows = Array.from({ length: 80 }, () => ({
      k1: pick(['a', 'b']),
      k2: pick([1, null]),
      x: pick([null, 1, 6, 9]),
      s: pick([null, 'p', 'q']),
      b: pick([null, true, false]),
    }));
    await stopAndResume(() => statsPlan('changes'), 't', 'stats', rows);
  });

  it('sessions (merging accumulators)', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => ({
      user_id: `u${i % 3}`,
      event_type: `e${i % 5}`,
      ts: iso(T0 + i * 7 * MIN + (i % 4) * 11 * MIN),
    }));
    await stopAndResume(sessionPlan, 'user_events', 'sessions', rows);
  });
});
