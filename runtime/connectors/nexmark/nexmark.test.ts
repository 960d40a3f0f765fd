import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { FieldDesc, Json } from '../../index.ts';
import type { RecordBatch, SourceConnector, SourceContext } from '../types.ts';
import {
  BASE_TIME,
  EVENT_AUCTION,
  EVENT_BID,
  EVENT_PERSON,
  NexmarkGenerator,
  auctionWant,
  bidWant,
  personWant,
  priceOf,
  type Bid,
} from './generator.ts';
import { nexmarkOptions, type NexmarkConfig } from './options.ts';
import { NEXMARK_COLUMNS, nexmarkColumnProblem } from './schema.ts';
import { nexmarkSource } from './source.ts';

const T = (kind: string, fields?: FieldDesc[]) => (fields ? { kind, fields } : { kind });
const S = T('STRING');
const B = T('BIGINT');
const TS = T('TIMESTAMP');
/** The columns of a flattened table as the source produces them (schema.ts). */
const fieldsOf = (table: 'person' | 'auction' | 'bid'): FieldDesc[] =>
  Object.entries(NEXMARK_COLUMNS[table]).map(([name, p]) => ({
    name,
    type: p === 'string' ? S : p === 'timestamp' ? TS : B,
  }));
const PERSON_FIELDS = fieldsOf('person');
const AUCTION_FIELDS = fieldsOf('auction');
const BID_FIELDS = fieldsOf('bid');
const EVENTS_FIELDS: FieldDesc[] = [
  { name: 'event_type', type: T('INT') },
  { name: 'person', type: T('ROW', PERSON_FIELDS) },
  { name: 'auction', type: T('ROW', AUCTION_FIELDS) },
  { name: 'bid', type: T('ROW', BID_FIELDS) },
];

function context(options: Record<string, string>, physical: FieldDesc[]): SourceContext<NexmarkConfig> {
  return {
    name: 'nexmark',
    config: nexmarkOptions.resolve(options, { relationName: 'nexmark', reads: true, writes: false }),
    options,
    format: null,
    physical,
    bounded: true,
    availableNow: false,
    binding: null,
  };
}

function generator(seed = 0): NexmarkGenerator {
  const c = context({}, BID_FIELDS).config;
  return new NexmarkGenerator({ ...c, seed, baseTime: BASE_TIME });
}

/** The rows of a batch (built on demand into one scratch object: each copied as it is built). */
function rowsOf(b: RecordBatch): unknown[] {
  return b.values.map((v) => structuredClone(b.parse!(v, 0)));
}

async function drain(src: SourceConnector, max: number): Promise<{ rows: unknown[]; offsets: Json[] }> {
  const rows: unknown[] = [];
  const offsets: Json[] = [];
  for (;;) {
    const b = await src.poll(max);
    if (b === null) break;
    rows.push(...rowsOf(b));
    offsets.push(src.offsets());
  }
  return { rows, offsets };
}

describe('NEXMark generator (Flink semantics)', () => {
  const g = generator();

  it('keeps the 1 : 3 : 46 proportions, epoch by epoch, starting at event id 2', () => {
    const kinds = Array.from({ length: 50_000 }, (_, c) => g.kind(c));
    expect(kinds.filter((k) => k === EVENT_PERSON).length).toBe(1000);
    expect(kinds.filter((k) => k === EVENT_AUCTION).length).toBe(3000);
    expect(kinds.filter((k) => k === EVENT_BID).length).toBe(46_000);
    // event 0 has id 2: an auction (ids 1..3 of each epoch); event 48 (id 50) the epoch's person
    expect(kinds.slice(0, 3)).toEqual([EVENT_AUCTION, EVENT_AUCTION, EVENT_BID]);
    expect(kinds[48]).toBe(EVENT_PERSON);
  });

  it('stamps event i at base time + (i + 1) / first-event.rate, in order', () => {
    expect(g.timestamp(0)).toBe(BASE_TIME); // 100 µs after the base, truncated to ms
    expect(g.timestamp(9)).toBe(BASE_TIME + 1);
    expect(g.timestamp(99_999)).toBe(BASE_TIME + 10_000);
    const slow = new NexmarkGenerator({ ...g.s, firstEventRate: 3 });
    expect(slow.timestamp(0)).toBe(BASE_TIME + 333);
    expect(slow.timestamp(1)).toBe(BASE_TIME + 666);
  });

  it('numbers people and auctions in creation order from 1001 (id 1000 would be event number 0)', () => {
    const people: number[] = [];
    const auctions: number[] = [];
    for (let c = 0; c < 5000; c++) {
      if (g.kind(c) === EVENT_PERSON) people.push(g.person(c).id);
      if (g.kind(c) === EVENT_AUCTION) auctions.push(g.auction(c).id);
    }
    expect(people).toEqual(people.map((_, i) => 1001 + i));
    expect(auctions).toEqual(auctions.map((_, i) => 1001 + i));
  });

  it('sends bids to hot auctions and from hot bidders as often as the ratios say', () => {
    const bids: Bid[] = [];
    for (let c = 0; bids.length < 20_000; c++) if (g.kind(c) === EVENT_BID) bids.push(g.bid(c));
    // hot auction: a multiple of 100 (plus 1000) — 1 - 1/2 of the bids, and a few more by chance
    const hotAuction = bids.filter((b) => (b.auction - 1000) % 100 === 0).length / bids.length;
    expect(hotAuction).toBeGreaterThan(0.49);
    expect(hotAuction).toBeLessThan(0.53);
    // hot bidder: the second of a hundred people; Flink adds the first person id twice (2000)
    const hotBidder = bids.filter((b) => (b.bidder - 2000) % 100 === 1).length / bids.length;
    expect(hotBidder).toBeGreaterThan(0.74);
    expect(hotBidder).toBeLessThan(0.78);
    // bids go to existing (or at most 10 future) auctions
    const lastAuction = 1000 + Math.floor((bids.length * 3) / 46) + 10;
    expect(Math.max(...bids.map((b) => b.auction))).toBeLessThanOrEqual(lastAuction);
    const channels = new Set(bids.map((b) => b.channel));
    expect([...channels].filter((c) => !c.startsWith('channel-')).sort()).toEqual([
      'Apple',
      'Baidu',
      'Facebook',
      'Google',
    ]);
    expect(channels.size).toBeGreaterThan(4000);
    // bids are 100 bytes on average: 32 bytes of numbers and 54..81 of extra
    const extra = bids.map((b) => b.extra.length);
    expect(Math.min(...extra)).toBeGreaterThanOrEqual(54);
    expect(Math.max(...extra)).toBeLessThanOrEqual(81);
    const prices = bids.map((b) => b.price);
    expect(Math.min(...prices)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...prices)).toBeLessThanOrEqual(100_000_000);
  });

  it('gives auctions a hot seller three times in four, categories 10..14, expiry after their time', () => {
    let hot = 0;
    let n = 0;
    for (let c = 0; n < 4000; c++) {
      if (g.kind(c) !== EVENT_AUCTION) continue;
      const a = g.auction(c);
      n++;
      if ((a.seller - 1000) % 100 === 0) hot++;
      expect(a.category).toBeGreaterThanOrEqual(10);
      expect(a.category).toBeLessThanOrEqual(14);
      expect(a.expires).toBeGreaterThan(a.dateTime);
      expect(a.reserve).toBeGreaterThanOrEqual(a.initialBid);
      expect(a.itemName.length).toBeLessThan(20);
      expect(a.dateTime).toBe(g.timestamp(c));
    }
    expect(hot / n).toBeGreaterThan(0.72);
    expect(hot / n).toBeLessThan(0.79);
  });

  it('is a function of the seed and the event index alone', () => {
    const again = generator();
    for (const c of [0, 1, 2, 48, 1_000_000, 123_456_789])
      expect(JSON.stringify(again.kind(c) === EVENT_BID ? again.bid(c) : again.auction(c))).toBe(
        JSON.stringify(g.kind(c) === EVENT_BID ? g.bid(c) : g.auction(c)),
      );
    expect(generator(7).bid(2)).not.toEqual(g.bid(2));
    expect(g.person(48)).toEqual(generator().person(48));
  });

  it('builds some fields only with the values the whole event has (the others null)', () => {
    // every subset of a kind's fields would be 2^10 for auctions: each field alone, each pair, all but one
    const subsets = (all: readonly string[]) => [
      [],
      ...all.map((f) => [f]),
      ...all.flatMap((f, i) => all.slice(i + 1).map((h) => [f, h])),
      ...all.map((f) => all.filter((h) => h !== f)),
    ];
    const counts = [...Array.from({ length: 3000 }, (_, i) => i), 1_000_000_007, 123_456_789_012];
    const check = (whole: Record<string, unknown>, part: Record<string, unknown>, fields: readonly string[]) => {
      expect(Object.keys(part)).toEqual(Object.keys(whole));
      for (const [k, v] of Object.entries(part)) expect(v).toBe(fields.includes(k) ? whole[k] : null);
    };
    for (const fields of subsets(Object.keys(g.person(48)))) {
      const w = personWant(fields);
      for (const c of counts)
        if (g.kind(c) === EVENT_PERSON) check({ ...g.person(c) }, { ...g.personOf(c, w) }, fields);
    }
    for (const fields of subsets(Object.keys(g.auction(0)))) {
      const w = auctionWant(fields);
      for (const c of counts)
        if (g.kind(c) === EVENT_AUCTION) check({ ...g.auction(c) }, { ...g.auctionOf(c, w) }, fields);
    }
    for (const fields of subsets(Object.keys(g.bid(2)))) {
      const w = bidWant(fields);
      for (const c of counts) if (g.kind(c) === EVENT_BID) check({ ...g.bid(c) }, { ...g.bidOf(c, w) }, fields);
    }
  });
});

describe('priceOf', () => {
  it("is Math.round(Math.exp(u / 2^32 · 6 ln 10) · 100) for every kind of 32 bits", () => {
    const exact = (t: number) => Math.round(Math.exp(((t >>> 0) / 4294967296) * 6 * Math.LN10) * 100);
    // a seeded xorshift over 2M values, the ends, and every value near a table boundary
    let x = 0x9e3779b9 | 0;
    const ts = [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 1023, 1024, 2 ** 21 - 1, 2 ** 21];
    for (let i = 0; i < 2_000_000; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      ts.push(x);
    }
    for (let k = 0; k < 2048; k++) ts.push((k << 21) | 0, ((k << 21) - 1) | 0, (k << 10) | 0);
    const wrong = ts.filter((t) => priceOf(t) !== exact(t));
    expect(wrong).toEqual([]);
  });
});

describe('NEXMark generator values', () => {
  // The values of every field of the first 20,000 events and of a few far ones, hashed: a faster
  // generator must give exactly the same events (a run is reproducible across versions, and
  // test/nexmark-source.test.ts compares narrowed and whole builds of the same generator only).
  it.each([
    [{}, 0, '1469cabad032cc0326f3142ff22314f52fc7044d1d47f79c7c39fc367fbfac2d'],
    [{ 'first-event.rate': '10000000' }, 0, '9b1ecbee2b5a1dd78ae3475b55bb05a8c0561201e75c408441eed4d6354b1eea'],
    [
      { 'bid.hot-ratio.auctions': '3', 'person.avg-size': '1mb' },
      12345,
      'c7a897b3955ea3c942d2ed351b53d330dc553d0b3b8027275efae8901a6afdae',
    ],
  ] as const)('are unchanged for options %j, seed %i', (options, seed, digest) => {
    const g = new NexmarkGenerator({ ...context(options, BID_FIELDS).config, seed, baseTime: BASE_TIME });
    const h = createHash('sha256');
    for (let i = 0; i < 20_000; i++) {
      const k = g.kind(i);
      h.update(JSON.stringify(k === EVENT_BID ? g.bid(i) : k === EVENT_AUCTION ? g.auction(i) : g.person(i)));
      h.update('\n');
    }
    for (const i of [1e9, 1e12, 2 ** 32 + 5, 2 ** 40]) h.update(JSON.stringify([g.bid(i), g.auction(i), g.person(i)]));
    expect(h.digest('hex')).toBe(digest);
  });
});

describe('nexmark source', () => {
  it("produces Flink's nexmark table rows: event_type and one of person, auction, bid", async () => {
    const src = nexmarkSource(context({ 'events.num': '100' }, EVENTS_FIELDS));
    await src.open(null);
    const { rows } = await drain(src, 30);
    expect(rows).toHaveLength(100);
    expect(src.isExhausted()).toBe(true);
    const first = rows[0] as Record<string, unknown>;
    expect(first['event_type']).toBe(EVENT_AUCTION);
    expect(first['person']).toBeNull();
    expect(first['bid']).toBeNull();
    expect(first['auction']).toMatchObject({ id: 1001, dateTime: BASE_TIME });
    // the table's own `dateTime` column, when declared (Flink's DDL computes it instead)
    expect(first['dateTime']).toBeNull();
    const timed = nexmarkSource(context({ 'events.num': '3' }, [...EVENTS_FIELDS, { name: 'dateTime', type: TS }]));
    await timed.open(null);
    expect((await drain(timed, 3)).rows.map((r) => (r as { dateTime: unknown }).dateTime)).toEqual([
      BASE_TIME,
      BASE_TIME,
      BASE_TIME,
    ]);
    const person = rows[48] as Record<string, Record<string, unknown>>;
    expect(person['event_type']).toBe(EVENT_PERSON);
    expect(person['person']!['id']).toBe(1001);
  });

  it("with 'nexmark.table' = 'bid' keeps only the bids of the same events", async () => {
    const all = nexmarkSource(context({ 'events.num': '5000' }, EVENTS_FIELDS));
    await all.open(null);
    const bidsOfAll = (await drain(all, 1000)).rows
      .filter((r) => (r as { event_type: number }).event_type === EVENT_BID)
      .map((r) => (r as { bid: unknown }).bid);
    const bids = nexmarkSource(context({ 'events.num': '5000', 'nexmark.table': 'bid' }, BID_FIELDS));
    await bids.open(null);
    const { rows, offsets } = await drain(bids, 1000);
    expect(rows).toEqual(bidsOfAll);
    expect(rows).toHaveLength(4600);
    expect(offsets.at(-1)).toEqual({ events: 5000 });
  });

  it('reuses the ROW objects of transientRows columns, with the values of new ones', async () => {
    const fresh = nexmarkSource(context({ 'events.num': '2000' }, EVENTS_FIELDS));
    const reused = nexmarkSource({ ...context({ 'events.num': '2000' }, EVENTS_FIELDS), transientRows: ['bid'] });
    await fresh.open(null);
    await reused.open(null);
    const a = (await fresh.poll(2000))!;
    const b = (await reused.poll(2000))!;
    const bids = new Set<unknown>();
    const persons = new Set<unknown>();
    for (let i = 0; i < b.values.length; i++) {
      const row = b.parse!(b.values[i], i) as { bid: unknown; person: unknown };
      if (row.bid !== null) bids.add(row.bid);
      if (row.person !== null) persons.add(row.person);
      expect(structuredClone(row)).toEqual(structuredClone(a.parse!(a.values[i], i)));
    }
    expect(bids.size).toBe(1);
    expect(persons.size).toBe(40); // not transient: a new object per person
  });

  it('resumes at the exact event of its offsets, and replays a logged batch to the same rows', async () => {
    const options = { 'events.num': '3000', 'nexmark.table': 'bid' };
    const whole = nexmarkSource(context(options, BID_FIELDS));
    await whole.open(null);
    const all = (await drain(whole, 250)).rows;
    const first = nexmarkSource(context(options, BID_FIELDS));
    await first.open(null);
    const a = await first.poll(700);
    const at = first.offsets();
    const b = await first.poll(500);
    const end = first.offsets();
    // a restart from `at`: the logged batch replays up to `end` exactly, then reading goes on
    const second = nexmarkSource(context(options, BID_FIELDS));
    await second.open(at);
    second.replayTo!(end);
    const replayed = await second.poll(10_000);
    expect(rowsOf(replayed!)).toEqual(rowsOf(b!));
    expect(second.offsets()).toEqual(end);
    const rest = (await drain(second, 1000)).rows;
    expect([...rowsOf(a!), ...rowsOf(replayed!), ...rest]).toEqual(all);
  });

  it('is unbounded without events.num, and paced by events.per-second', async () => {
    const src = nexmarkSource(context({ 'events.per-second': '1000', 'nexmark.table': 'bid' }, BID_FIELDS));
    expect(src.isExhausted()).toBe(false);
    // never ahead of the rate: at most events.per-second × the time since it opened
    const opened = Date.now();
    await src.open(null);
    await src.waitForData(50);
    const b = await src.poll(1_000_000);
    expect(b?.values.length ?? 0).toBeLessThanOrEqual(Math.floor(Date.now() - opened) + 1);
    expect(src.isExhausted()).toBe(false);
    expect(context({ 'max-emit-speed': 'false', 'first-event.rate': '500' }, BID_FIELDS).config.eventsPerSecond).toBe(
      500,
    );
    expect(context({}, BID_FIELDS).config.eventsPerSecond).toBeNull();
    expect(context({ 'events.num': '10', 'keep-alive': 'true' }, BID_FIELDS).config.bounded).toBe(false);
  });

  it('refuses columns it does not produce, naming them', () => {
    expect(nexmarkColumnProblem('bid', [{ name: 'auction', kind: 'BIGINT' }])).toBeNull();
    expect(nexmarkColumnProblem('bid', [{ name: 'action', kind: 'BIGINT' }])).toBe(
      `the nexmark source has no column "action" ('nexmark.table' = 'bid' produces auction, bidder, price, channel, url, dateTime, extra)`,
    );
    expect(nexmarkColumnProblem('bid', [{ name: 'url', kind: 'BIGINT' }])).toBe(
      'column "url" of the nexmark source holds STRING values, not BIGINT',
    );
    expect(
      nexmarkColumnProblem('events', [{ name: 'person', kind: 'ROW', fields: [{ name: 'age', kind: 'INT' }] }]),
    ).toMatch(/no column "age" \(its ROW "person" produces id, name/);
    expect(() => nexmarkSource(context({}, [{ name: 'x', type: S }]))).toThrow(
      /the nexmark source has no column "x" .*; declare the columns of "nexmark" as NEXMark names them/,
    );
  });
});

describe('nexmark batches', () => {
  it('locate each row at its event index', async () => {
    const src = nexmarkSource(context({ 'events.num': '500', 'nexmark.table': 'person' }, PERSON_FIELDS));
    await src.open(null);
    const b = (await src.poll(3))!;
    const ctx = { offset: -1 } as Parameters<typeof b.locate>[1];
    const at = [0, 1, 2].map((i) => (b.locate(i, ctx), ctx.offset));
    expect(at).toEqual([48, 98, 148]); // event ids 50, 100, 150: the people of the first epochs
    const all = nexmarkSource(context({ 'events.num': '500' }, EVENTS_FIELDS));
    await all.open({ events: 10 });
    const e = (await all.poll(5))!;
    e.locate(4, ctx);
    expect(ctx.offset).toBe(14);
  });
});
