import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FieldDesc, SourceSpec } from '../index.ts';
import { LookupTable } from '../connectors/lookup-table.ts';
import { QueryError } from '../engine/errors.ts';
import * as decode from '../formats/decode.ts';
import { LookupJoin } from './lookup-join.ts';

const dir = mkdtempSync(join(tmpdir(), 'sqc-lookup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `CREATE TABLE users (user_id STRING, country STRING, tier INT)` as generated. */
interface User {
  user_id: string | null;
  country: string | null;
  tier: number | null;
}
interface Order {
  order_id: string;
  user_id: string | null;
}

const USER_FIELDS: readonly FieldDesc[] = [
  { name: 'user_id', type: { kind: 'STRING' } },
  { name: 'country', type: { kind: 'STRING' } },
  { name: 'tier', type: { kind: 'INT' } },
];

const decodeUser = (v: unknown): User => {
  const o = decode.object(v);
  return {
    user_id: decode.string(o.user_id, 'user_id'),
    country: decode.string(o.country, 'country'),
    tier: decode.int(o.tier, 'tier'),
  };
};

function users(path: string, options: Record<string, string> = {}): SourceSpec<User> {
  const all = { connector: 'file', path, ...options };
  return {
    name: 'users',
    connector: 'file',
    format: null,
    options: all,
    idleTimeoutMs: null,
    lateSink: null,
    bounded: true,
    physical: USER_FIELDS,
    schema: USER_FIELDS,
    metadata: [],
    decode: {
      object: decodeUser,
      csv: (f) => ({ user_id: f[0] ?? null, country: f[1] ?? null, tier: decode.int(f[2], 'tier') }),
    },
    watermark: null,
  };
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** `FROM orders o [LEFT] JOIN users FOR SYSTEM_TIME AS OF o.proc_time AS u ON o.user_id = u.user_id [AND u.tier > 0]`. */
function lookupJoin(
  table: LookupTable<User, string>,
  joinType: 'inner' | 'left',
  residual: ((o: Order, u: User) => boolean) | null = null,
) {
  const out: string[] = [];
  const op = new LookupJoin<Order, User, string, string>({
    id: 'lj',
    joinType,
    table,
    key: (o) => o.user_id,
    residual,
    join: (o, u) => `${o.order_id} ${u.user_id} ${u.country}`,
    leftOnly: (o) => `${o.order_id} - -`,
    out: (row, kind) => out.push(`${kind} ${row}`),
  });
  const push = (...orders: [string, string | null][]) => {
    for (const [order_id, user_id] of orders) op.push({ order_id, user_id }, 0);
    return out.splice(0);
  };
  return { op, push };
}

const CSV = 'user_id,country,tier\nu1,DE,1\nu2,FR,0\nu1,AT,2\n,XX,1\n';

describe('LookupTable', () => {
  it('reads a CSV file to the end and indexes it by key; duplicates kept in file order, NULL keys not indexed', async () => {
    const t = await LookupTable.load(users(file('users.csv', CSV)), { key: (u) => u.user_id });
    expect(t.get('u1')).toEqual([
      { user_id: 'u1', country: 'DE', tier: 1 },
      { user_id: 'u1', country: 'AT', tier: 2 },
    ]);
    expect([t.size, t.keys, t.rowsRead, t.version, t.reloadIntervalMs]).toEqual([3, 2, 4, 1, null]);
  });

  it('reads JSON lines, directories and globs through the file source', async () => {
    mkdirSync(join(dir, 'parts'));
    file('parts/a.jsonl', '{"user_id":"u1","country":"DE","tier":1}\n');
    file('parts/b.jsonl', '{"user_id":"u2","country":"FR","tier":null}\n{"user_id":null,"country":"XX","tier":1}\n');
    const t = await LookupTable.load(users(join(dir, 'parts')), { key: (u) => u.user_id });
    expect([t.size, t.rowsRead, t.get('u2')]).toEqual([2, 3, [{ user_id: 'u2', country: 'FR', tier: null }]]);
    const g = await LookupTable.load(users(join(dir, 'parts', '*.jsonl')), { key: (u) => u.user_id });
    expect(g.size).toBe(2);
  });

  it('a memory binding replaces the connector (createJob overrides)', async () => {
    const t = await LookupTable.load(users('unused.csv'), {
      key: (u) => u.user_id,
      binding: { rows: [{ user_id: 'm1', country: 'NL', tier: 3 }] },
    });
    expect(t.get('m1')).toEqual([{ user_id: 'm1', country: 'NL', tier: 3 }]);
  });

  it('a malformed record fails the load with the file and line, unless parse errors are ignored', async () => {
    const p = file('bad.jsonl', '{"user_id":"u1","country":"DE","tier":1}\n{"user_id":"u2","tier":"many"}\n');
    const err = await LookupTable.load(users(p), { key: (u) => u.user_id, query: 'q' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryError);
    expect((err as QueryError).location).toBe(`${p}:2`);
    const t = await LookupTable.load(users(p, { 'json.ignore-parse-errors': 'true' }), { key: (u) => u.user_id });
    expect(t.size).toBe(1);
  });

  it('a missing file fails the load', async () => {
    await expect(LookupTable.load(users(join(dir, 'nope.csv')), { key: (u) => u.user_id })).rejects.toThrow(
      'no file found',
    );
  });
});

describe('LookupJoin', () => {
  it('INNER: one row per match (duplicates in table order); no match or NULL key: nothing', async () => {
    const t = await LookupTable.load(users(file('inner.csv', CSV)), { key: (u) => u.user_id });
    const { op, push } = lookupJoin(t, 'inner');
    expect(push(['o1', 'u1'], ['o2', 'u9'], ['o3', null], ['o4', 'u2'])).toEqual([
      '+I o1 u1 DE',
      '+I o1 u1 AT',
      '+I o4 u2 FR',
    ]);
    expect([op.snapshot(), op.stateRows()]).toEqual([null, 0]);
  });

  it('LEFT: a stream row without a match (NULL key included) once with NULLs; the residual decides matches', async () => {
    const t = await LookupTable.load(users(file('left.csv', CSV)), { key: (u) => u.user_id });
    const { push } = lookupJoin(t, 'left', (_o, u) => u.tier !== null && u.tier > 0);
    expect(push(['o1', 'u1'], ['o2', 'u2'], ['o3', null], ['o4', 'u9'])).toEqual([
      '+I o1 u1 DE',
      '+I o1 u1 AT',
      '+I o2 - -', // u2 has tier 0: no row satisfies the residual
      '+I o3 - -',
      '+I o4 - -',
    ]);
  });

  it('lookup.reload-interval: a changed file is re-read and swapped in at a batch end, never within a batch', async () => {
    const p = file('reload.csv', 'user_id,country,tier\nu1,DE,1\n');
    let now = 0;
    const t = await LookupTable.load(users(p, { 'lookup.reload-interval': '1 min' }), {
      key: (u) => u.user_id,
      now: () => now,
    });
    expect(t.reloadIntervalMs).toBe(60_000);
    const { op, push } = lookupJoin(t, 'left');
    expect(push(['o1', 'u1'])).toEqual(['+I o1 u1 DE']);

    writeFileSync(p, 'user_id,country,tier\nu1,CH,1\nu2,FR,1\n');
    now = 59_999;
    op.onBatchEnd(); // interval not over: no check
    await t.whenIdle();
    expect(push(['o2', 'u1'])).toEqual(['+I o2 u1 DE']);

    now = 60_000;
    op.onBatchEnd(); // starts the check and the re-read in the background
    await t.whenIdle();
    expect(push(['o3', 'u1'])).toEqual(['+I o3 u1 DE']); // same batch: still the old version
    op.onBatchEnd(); // next batch boundary: swapped
    expect(push(['o4', 'u1'], ['o5', 'u2'])).toEqual(['+I o4 u1 CH', '+I o5 u2 FR']);
    expect(t.version).toBe(2);

    // unchanged file: checked, not re-read
    now = 120_000;
    expect(await t.maybeReload()).toBe(false);
    expect(t.version).toBe(2);
  });

  it('a failed reload keeps the old version and is retried at the next interval', async () => {
    const p = file('flaky.jsonl', '{"user_id":"u1","country":"DE","tier":1}\n');
    let now = 0;
    const t = await LookupTable.load(users(p, { 'lookup.reload-interval': '10 s' }), {
      key: (u) => u.user_id,
      now: () => now,
    });
    writeFileSync(p, '{"user_id":"u1","country":"CH","ti');
    now = 10_000;
    expect(await t.maybeReload()).toBe(false);
    expect([t.reloadFailures, t.lastReloadError?.message, t.get('u1')?.[0]?.country]).toEqual([
      1,
      expect.stringContaining('invalid JSON'),
      'DE',
    ]);
    writeFileSync(p, '{"user_id":"u1","country":"CH","tier":1}\n');
    now = 15_000;
    expect(await t.maybeReload()).toBe(false); // not due yet
    now = 20_000;
    expect(await t.maybeReload()).toBe(true);
    expect([t.lastReloadError, t.get('u1')?.[0]?.country]).toEqual([null, 'CH']);
  });

  it('reloadIfChanged checks at once; a table without the option, or bound to memory, never reloads', async () => {
    const p = file('manual.csv', 'user_id,country,tier\nu1,DE,1\n');
    const t = await LookupTable.load(users(p), { key: (u) => u.user_id });
    expect(await t.reloadIfChanged()).toBe(false);
    writeFileSync(p, 'user_id,country,tier\nu1,DE,1\nu2,FR,1\n');
    expect(await t.reloadIfChanged()).toBe(true);
    expect(t.size).toBe(2);
    t.tick(); // no interval: nothing scheduled
    await t.whenIdle();
    const m = await LookupTable.load(users(p, { 'lookup.reload-interval': '1 ms' }), {
      key: (u) => u.user_id,
      binding: { rows: [] },
    });
    expect([m.reloadIntervalMs, await m.reloadIfChanged()]).toEqual([null, false]);
  });
});
