/**
 * The NEXMark event generator with the semantics of Flink's (nexmark/nexmark, `nexmark-flink`
 * `generator/`), which follows Beam's: a deterministic function of the event's position.
 *
 * - Event `count` (0, 1, 2, ... as generated) has event number `count + 1` and event id
 *   `count + 2` (Flink's single generator: first event id 1, first event number 1). Its kind is
 *   `id % (person + auction + bid proportions)`: the first `person.proportion` ids of each epoch
 *   of 50 are people, the next `auction.proportion` auctions, the rest bids (1 : 3 : 46).
 * - Its timestamp is `baseTime + trunc(number * 1e6 / first-event.rate) / 1000` ms (integer
 *   division as Flink's `timestampForEvent`), so events are in event-time order, 10 per ms by
 *   default; `baseTime` is fixed (not the wall clock) so that every run gives the same events.
 * - Person and auction ids are the ordinal of the person/auction plus 1000. An auction's seller
 *   is a hot seller (the first of the newest hundred people) with probability
 *   1 − 1/`auction.hot-ratio.sellers`, else one of the 1000 newest people (or up to 10 not yet
 *   created); a bid's auction is hot (the first of the newest hundred auctions) with probability
 *   1 − 1/`bid.hot-ratio.auctions`, else one of the 100 newest (+10 ahead); its bidder is hot
 *   (the second of the newest hundred people) with probability 1 − 1/`bid.hot-ratio.bidders`.
 *   As in Flink, a bid's bidder carries the first person id twice (ids from 2000): Flink's
 *   `BidGenerator` adds `FIRST_PERSON_ID` once before and once after choosing the channel.
 * - Prices `round(10^(6u) · 100)`; categories 10..14; auctions expire after a random time that
 *   averages the time until 100 more auctions exist; half the bids come from the four hot
 *   channels (Google, Facebook, Baidu, Apple), the rest from `channel-0`..`channel-9999`, each
 *   with its fixed URL; `extra` pads each event to `*.avg-size` bytes on average (±20%).
 *
 * Randomness: each event draws from its own stream seeded by (seed, event id) — as Beam seeds a
 * `Random` with the event id — so an event is the same whichever events came before it, a
 * restart resumes at an exact event index, and a run is reproducible on every machine.
 */
import type { NexmarkConfig } from './options.ts';
import { NEXMARK_COLUMNS } from './schema.ts';

/** What the generator reads of the connector's config, and the event time of event number 0. */
export type GeneratorSettings = Pick<
  NexmarkConfig,
  | 'seed'
  | 'firstEventRate'
  | 'personProportion'
  | 'auctionProportion'
  | 'bidProportion'
  | 'hotAuctionRatio'
  | 'hotBiddersRatio'
  | 'hotSellersRatio'
  | 'avgPersonByteSize'
  | 'avgAuctionByteSize'
  | 'avgBidByteSize'
> & { readonly baseTime: number };

/** 2015-07-15T00:00:00Z, Beam's NEXMark base time for deterministic (not wall-clock) event time. */
export const BASE_TIME = Date.UTC(2015, 6, 15);

export const FIRST_PERSON_ID = 1000;
export const FIRST_AUCTION_ID = 1000;
export const FIRST_CATEGORY_ID = 10;

const NUM_CATEGORIES = 5;
const NUM_IN_FLIGHT_AUCTIONS = 100;
const NUM_ACTIVE_PEOPLE = 1000;
const ID_LEAD = 10;
const HOT_RATIO = 100;
const HOT_CHANNELS_RATIO = 2;
const CHANNELS_NUMBER = 10_000;
const MIN_STRING_LENGTH = 3;
const EXTRA_SOURCE_LENGTH = 1 << 20;
const PRICE_EXPONENT = 6 * Math.LN10;

const US_STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];
const US_CITIES = [
  'Phoenix',
  'Los Angeles',
  'San Francisco',
  'Boise',
  'Portland',
  'Bend',
  'Redmond',
  'Seattle',
  'Kent',
  'Cheyenne',
];
const FIRST_NAMES = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'];
const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'];
const HOT_CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'];

export const EVENT_PERSON = 0;
export const EVENT_AUCTION = 1;
export const EVENT_BID = 2;

export interface Person {
  id: number;
  name: string;
  emailAddress: string;
  creditCard: string;
  city: string;
  state: string;
  dateTime: number;
  extra: string;
}

export interface Auction {
  id: number;
  itemName: string;
  description: string;
  initialBid: number;
  reserve: number;
  dateTime: number;
  expires: number;
  seller: number;
  category: number;
  extra: string;
}

export interface Bid {
  auction: number;
  bidder: number;
  price: number;
  channel: string;
  url: string;
  dateTime: number;
  extra: string;
}

/** A person, auction or bid with only some of its fields built; the others are null. */
export type Built<T> = { [K in keyof T]: T[K] | null };

/** Which fields of a person, auction or bid to build. */
export type Want<T> = { readonly [K in keyof T]: boolean };

/** Every field of `table` (schema.ts), each wanted when `fields` (null: all) has it. */
function want<T>(table: 'person' | 'auction' | 'bid', fields: Iterable<string> | null): Want<T> {
  const only = fields === null ? null : new Set(fields);
  return Object.fromEntries(
    Object.keys(NEXMARK_COLUMNS[table]).map((f) => [f, only === null || only.has(f)]),
  ) as Want<T>;
}

/** The fields of a person to build (`null`: all). */
export const personWant = (fields: Iterable<string> | null): Want<Person> => want<Person>('person', fields);
/** The fields of an auction to build (`null`: all). */
export const auctionWant = (fields: Iterable<string> | null): Want<Auction> => want<Auction>('auction', fields);
/** The fields of a bid to build (`null`: all). */
export const bidWant = (fields: Iterable<string> | null): Want<Bid> => want<Bid>('bid', fields);

const ALL_PERSON = personWant(null);
const ALL_AUCTION = auctionWant(null);
const ALL_BID = bidWant(null);

/** A person with no field built (to be filled by `personInto`), fields in the schema's order. */
export const emptyPerson = (): Built<Person> => ({
  id: null,
  name: null,
  emailAddress: null,
  creditCard: null,
  city: null,
  state: null,
  dateTime: null,
  extra: null,
});
/** An auction with no field built (to be filled by `auctionInto`). */
export const emptyAuction = (): Built<Auction> => ({
  id: null,
  itemName: null,
  description: null,
  initialBid: null,
  reserve: null,
  dateTime: null,
  expires: null,
  seller: null,
  category: null,
  extra: null,
});
/** A bid with no field built (to be filled by `bidInto`). */
export const emptyBid = (): Built<Bid> => ({
  auction: null,
  bidder: null,
  price: null,
  channel: null,
  url: null,
  dateTime: null,
  extra: null,
});

/** murmur3's 32-bit finaliser. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A reseedable mulberry32 stream: one per generator, reseeded per event (no allocation). Its
 * state is kept as a signed 32-bit integer (the same bits as the unsigned one) so that V8 holds
 * it unboxed.
 */
class Stream {
  private a = 0;
  /** The high word's part of the seed, for ids below 2^32 (all but astronomically long runs). */
  private readonly low: number;
  constructor(private readonly seed: number) {
    this.low = fmix32(seed);
  }
  /** Restarts the stream for event `id` (a non-negative safe integer). */
  reseed(id: number): void {
    const hi = id < 4294967296 ? this.low : fmix32(Math.floor(id / 4294967296) ^ this.seed);
    this.a = fmix32((id >>> 0) ^ hi) | 0;
  }
  /**
   * The next draw's 32 bits as a signed integer (`next()` is them unsigned over 2^32): kept
   * signed so that V8 passes it unboxed.
   */
  nextBits(): number {
    const a = (this.a = (this.a + 0x6d2b79f5) | 0);
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return t ^ (t >>> 14);
  }
  next(): number {
    return (this.nextBits() >>> 0) / 4294967296;
  }
  /** Uniform in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Skips `k` draws (the stream is a counter: the draw after them is the one `k` calls of `next` would reach). */
  skip(k: number): void {
    this.a = (this.a + k * 0x6d2b79f5) | 0;
  }
}

/**
 * `exp(t / 2^32 · 6 ln 10)` for a 32-bit `t` as a product of three table entries (its top 11,
 * middle 11 and low 10 bits), within a few ulp of `Math.exp`: `price` uses it where the rounding
 * it feeds cannot be affected, `Math.exp` itself elsewhere.
 */
const EXP_HIGH = new Float64Array(2048);
const EXP_MID = new Float64Array(2048);
const EXP_LOW = new Float64Array(1024);
for (let i = 0; i < 2048; i++) {
  EXP_HIGH[i] = Math.exp(((i * 2 ** 21) / 4294967296) * PRICE_EXPONENT);
  EXP_MID[i] = Math.exp(((i * 2 ** 10) / 4294967296) * PRICE_EXPONENT);
}
for (let i = 0; i < 1024; i++) EXP_LOW[i] = Math.exp((i / 4294967296) * PRICE_EXPONENT);

/**
 * `Math.round(Math.exp(u / 2^32 · PRICE_EXPONENT) · 100)` of the unsigned value `u` of the 32 bits
 * `t` (a signed integer), the same integer: the tables' product
 * differs from `Math.exp` by far less than 1e-6 (a relative 1e-14 at most, of values up to 1e8),
 * so it rounds the same unless it is within 1e-6 of a half, where `Math.exp` decides.
 */
export function priceOf(t: number): number {
  const v = EXP_HIGH[t >>> 21]! * EXP_MID[(t >>> 10) & 2047]! * EXP_LOW[t & 1023]! * 100;
  const f = v - Math.floor(v);
  if (f > 0.499999 && f < 0.500001) return Math.round(Math.exp(((t >>> 0) / 4294967296) * PRICE_EXPONENT) * 100);
  return Math.round(v);
}

const LETTERS = Array.from({ length: 26 }, (_, i) => String.fromCharCode(97 + i));

/**
 * Flink's `nextString`: 3..maxLength-1 characters, each `special` with probability 1/13, else a
 * random letter (one draw per character: below 1/13 special, the rest spread over 26 letters);
 * trimmed when `special` is a space.
 */
function nextString(r: Stream, maxLength: number, special: string): string {
  let len = MIN_STRING_LENGTH + r.int(maxLength - MIN_STRING_LENGTH);
  let s = '';
  while (len-- > 0) {
    const u = r.next() * 13;
    s += u < 1 ? special : LETTERS[Math.floor((u - 1) * (26 / 12))]!;
  }
  return special === ' ' ? s.trim() : s;
}

/** Skips the draws of `nextString(r, maxLength, ...)`: its length, then one per character. */
function skipString(r: Stream, maxLength: number): void {
  r.skip(MIN_STRING_LENGTH + r.int(maxLength - MIN_STRING_LENGTH));
}

/** The fixed tables of a seed: hot channel URLs, the 10,000 channels' URLs, the `extra` source. */
interface Tables {
  readonly hotUrls: readonly string[];
  readonly channels: readonly string[];
  readonly channelUrls: readonly string[];
  readonly extraSource: string;
  readonly creditCards: readonly string[];
}

const tablesBySeed = new Map<number, Tables>();

function baseUrl(r: Stream): string {
  return `https://www.nexmark.com/${nextString(r, 5, '_')}/${nextString(r, 5, '_')}/${nextString(r, 5, '_')}/item.htm?query=1`;
}

/** Java's `Integer.reverse` (bit order of a 32-bit int reversed), as a signed int. */
function reverseBits(i: number): number {
  let v = i >>> 0;
  let out = 0;
  for (let b = 0; b < 32; b++) {
    out = (out << 1) | (v & 1);
    v >>>= 1;
  }
  return out | 0;
}

function tables(seed: number): Tables {
  let t = tablesBySeed.get(seed);
  if (t !== undefined) return t;
  const r = new Stream(fmix32(seed ^ 0x7ab1e5));
  r.reseed(0);
  const hotUrls = HOT_CHANNELS.map(() => baseUrl(r));
  const channels: string[] = [];
  const channelUrls: string[] = [];
  for (let i = 0; i < CHANNELS_NUMBER; i++) {
    let url = baseUrl(r);
    if (r.int(10) > 0) {
      // Java's Math.abs(Integer.MIN_VALUE) stays negative
      const rev = reverseBits(i);
      url += `&channel_id=${rev === -2147483648 ? rev : Math.abs(rev)}`;
    }
    channels.push(`channel-${i}`);
    channelUrls.push(url);
  }
  // the `extra` source: random letters, four per draw of a 32-bit xorshift seeded from `r`
  const letters = new Uint8Array(EXTRA_SOURCE_LENGTH);
  let x = (r.next() * 4294967296) | 1;
  for (let i = 0; i < letters.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    letters[i] = 97 + ((x >>> 24) % 26);
    letters[i + 1] = 97 + (((x >>> 16) & 255) % 26);
    letters[i + 2] = 97 + (((x >>> 8) & 255) % 26);
    letters[i + 3] = 97 + ((x & 255) % 26);
  }
  const extraSource = new TextDecoder('latin1').decode(letters);
  const creditCards = Array.from({ length: 10_000 }, (_, i) => String(i).padStart(4, '0'));
  t = { hotUrls, channels, channelUrls, extraSource, creditCards };
  tablesBySeed.set(seed, t);
  return t;
}

/**
 * Generates NEXMark events by position. `count` is the index of an event in the stream
 * (0-based); every method is a pure function of the settings and `count`.
 */
export class NexmarkGenerator {
  readonly total: number;
  private readonly r: Stream;
  private readonly t: Tables;
  private readonly interEventDelayUs: number;
  private readonly personProportion: number;
  private readonly auctionProportion: number;
  private readonly baseTime: number;
  private readonly hotAuctionRatio: number;
  private readonly hotBiddersRatio: number;
  private readonly hotSellersRatio: number;
  private readonly avgPersonByteSize: number;
  private readonly avgAuctionByteSize: number;
  private readonly avgBidByteSize: number;
  /** Events between an auction and the one `NUM_IN_FLIGHT_AUCTIONS` later. */
  private readonly eventsForAuctions: number;

  constructor(readonly s: GeneratorSettings) {
    this.total = s.personProportion + s.auctionProportion + s.bidProportion;
    if (this.total <= 0) throw new Error('the nexmark event proportions are all 0');
    this.r = new Stream(fmix32(s.seed >>> 0));
    this.t = tables(s.seed >>> 0);
    this.interEventDelayUs = 1_000_000 / s.firstEventRate;
    this.personProportion = s.personProportion;
    this.auctionProportion = s.auctionProportion;
    this.baseTime = s.baseTime;
    this.hotAuctionRatio = s.hotAuctionRatio;
    this.hotBiddersRatio = s.hotBiddersRatio;
    this.hotSellersRatio = s.hotSellersRatio;
    this.avgPersonByteSize = s.avgPersonByteSize;
    this.avgAuctionByteSize = s.avgAuctionByteSize;
    this.avgBidByteSize = s.avgBidByteSize;
    this.eventsForAuctions =
      s.auctionProportion > 0 ? Math.floor((NUM_IN_FLIGHT_AUCTIONS * this.total) / s.auctionProportion) : 0;
  }

  /** The event id of event `count`. */
  eventId(count: number): number {
    return count + 2;
  }

  /** EVENT_PERSON, EVENT_AUCTION or EVENT_BID. */
  kind(count: number): number {
    const rem = (count + 2) % this.total;
    return rem < this.personProportion
      ? EVENT_PERSON
      : rem < this.personProportion + this.auctionProportion
        ? EVENT_AUCTION
        : EVENT_BID;
  }

  /** Event time of event number `n` (Flink's `timestampForEvent`). */
  timestampOf(n: number): number {
    return this.baseTime + Math.floor(Math.trunc(n * this.interEventDelayUs) / 1000);
  }

  /** Event time of event `count`. */
  timestamp(count: number): number {
    return this.timestampOf(count + 1);
  }

  private lastPerson(eventId: number): number {
    const p = this.personProportion;
    const epoch = Math.trunc(eventId / this.total);
    let offset = eventId % this.total;
    if (offset >= p) offset = p - 1;
    return epoch * p + offset;
  }

  private lastAuction(eventId: number): number {
    const p = this.personProportion;
    const a = this.auctionProportion;
    let epoch = Math.trunc(eventId / this.total);
    let offset = eventId % this.total;
    if (offset < p) {
      epoch--;
      offset = a - 1;
    } else if (offset >= p + a) offset = a - 1;
    else offset -= p;
    return epoch * a + offset;
  }

  private randomPerson(eventId: number): number {
    const numPeople = this.lastPerson(eventId) + 1;
    const active = Math.min(numPeople, NUM_ACTIVE_PEOPLE);
    return numPeople - active + this.r.int(active + ID_LEAD);
  }

  private randomAuction(eventId: number): number {
    const max = this.lastAuction(eventId);
    const min = Math.max(max - NUM_IN_FLIGHT_AUCTIONS, 0);
    return min + this.r.int(max - min + 1 + ID_LEAD);
  }

  /** `round(10^(6u) · 100)`, as e^(6u·ln 10). */
  private price(): number {
    return priceOf(this.r.nextBits());
  }

  /** `extra` so that an event of `currentSize` bytes is `averageSize` on average (±20%). */
  private extra(currentSize: number, averageSize: number): string {
    if (currentSize > averageSize) return '';
    const desired = averageSize - currentSize;
    const delta = Math.round(desired * 0.2);
    const size = desired - delta + (delta === 0 ? 0 : this.r.int(2 * delta));
    const src = this.t.extraSource;
    if (size >= src.length / 2) return src.repeat(Math.ceil(size / src.length) + 1).slice(0, size);
    const offset = this.r.int(src.length - size);
    return src.slice(offset, offset + size);
  }

  person(count: number): Person {
    return this.personOf(count, ALL_PERSON) as Person;
  }

  auction(count: number): Auction {
    return this.auctionOf(count, ALL_AUCTION) as Auction;
  }

  bid(count: number): Bid {
    return this.bidOf(count, ALL_BID) as Bid;
  }

  /**
   * Person `count` with the fields `w` wants built (the others null), each with the value
   * `person(count)` gives it: the draws of the fields left out are skipped, not made (its
   * strings are all made when any is wanted: `extra`'s size depends on their lengths).
   */
  personOf(count: number, w: Want<Person>): Built<Person> {
    return this.personInto(count, w, emptyPerson());
  }

  /** Auction `count` with the fields `w` wants built, as `personOf`. */
  auctionOf(count: number, w: Want<Auction>): Built<Auction> {
    return this.auctionInto(count, w, emptyAuction());
  }

  /** Bid `count` with the fields `w` wants built, as `personOf`. */
  bidOf(count: number, w: Want<Bid>): Built<Bid> {
    return this.bidInto(count, w, emptyBid());
  }

  /** `personOf(count, w)` written into `p` (every field set), which it returns. */
  personInto(count: number, w: Want<Person>, p: Built<Person>): Built<Person> {
    const id = this.eventId(count);
    p.id = w.id ? this.lastPerson(id) + FIRST_PERSON_ID : null;
    p.dateTime = w.dateTime ? this.timestamp(count) : null;
    if (!(w.name || w.emailAddress || w.creditCard || w.city || w.state || w.extra)) {
      p.name = p.emailAddress = p.creditCard = p.city = p.state = p.extra = null;
      return p;
    }
    const r = this.r;
    r.reseed(id);
    const name = `${FIRST_NAMES[r.int(FIRST_NAMES.length)]!} ${LAST_NAMES[r.int(LAST_NAMES.length)]!}`;
    const emailAddress = `${nextString(r, 7, ' ')}@${nextString(r, 5, ' ')}.com`;
    const cc = this.t.creditCards;
    const creditCard = `${cc[r.int(10_000)]!} ${cc[r.int(10_000)]!} ${cc[r.int(10_000)]!} ${cc[r.int(10_000)]!}`;
    const city = US_CITIES[r.int(US_CITIES.length)]!;
    const state = US_STATES[r.int(US_STATES.length)]!;
    const size = 8 + name.length + emailAddress.length + creditCard.length + city.length + state.length;
    p.name = w.name ? name : null;
    p.emailAddress = w.emailAddress ? emailAddress : null;
    p.creditCard = w.creditCard ? creditCard : null;
    p.city = w.city ? city : null;
    p.state = w.state ? state : null;
    p.extra = w.extra ? this.extra(size, this.avgPersonByteSize) : null;
    return p;
  }

  /** `auctionOf(count, w)` written into `a` (every field set), which it returns. */
  auctionInto(count: number, w: Want<Auction>, a: Built<Auction>): Built<Auction> {
    const id = this.eventId(count);
    const timestamp = this.timestamp(count);
    a.id = w.id ? this.lastAuction(id) + FIRST_AUCTION_ID : null;
    a.dateTime = w.dateTime ? timestamp : null;
    if (!(w.seller || w.category || w.initialBid || w.expires || w.itemName || w.description || w.reserve || w.extra)) {
      a.itemName = a.description = a.extra = null;
      a.initialBid = a.reserve = a.expires = a.seller = a.category = null;
      return a;
    }
    const r = this.r;
    r.reseed(id);
    const seller =
      r.int(this.hotSellersRatio) > 0 ? Math.trunc(this.lastPerson(id) / HOT_RATIO) * HOT_RATIO : this.randomPerson(id);
    const category = FIRST_CATEGORY_ID + r.int(NUM_CATEGORIES);
    let initialBid: number | null = null;
    if (w.initialBid || w.reserve) initialBid = this.price();
    else r.skip(1);
    let expires: number | null = null;
    if (w.expires) {
      // auctions last on average until NUM_IN_FLIGHT_AUCTIONS more have been created
      const horizon = this.timestampOf(count + 1 + this.eventsForAuctions) - timestamp;
      expires = timestamp + 1 + r.int(Math.max(horizon * 2, 1));
    } else r.skip(1);
    // `extra`'s size depends on the lengths of both strings
    let itemName: string | null = null;
    if (w.itemName || w.extra) itemName = nextString(r, 20, ' ');
    else skipString(r, 20);
    let description: string | null = null;
    if (w.description || w.extra) description = nextString(r, 100, ' ');
    else skipString(r, 100);
    let reserve: number | null = null;
    if (w.reserve) reserve = initialBid! + this.price();
    else if (w.extra) r.skip(1);
    a.itemName = w.itemName ? itemName : null;
    a.description = w.description ? description : null;
    a.initialBid = w.initialBid ? initialBid : null;
    a.reserve = reserve;
    a.expires = expires;
    a.seller = w.seller ? seller + FIRST_PERSON_ID : null;
    a.category = w.category ? category : null;
    a.extra = w.extra ? this.extra(8 + itemName!.length + description!.length + 40, this.avgAuctionByteSize) : null;
    return a;
  }

  /** `bidOf(count, w)` written into `b` (every field set), which it returns. */
  bidInto(count: number, w: Want<Bid>, b: Built<Bid>): Built<Bid> {
    const id = this.eventId(count);
    const r = this.r;
    r.reseed(id);
    const auction =
      r.int(this.hotAuctionRatio) > 0
        ? Math.trunc(this.lastAuction(id) / HOT_RATIO) * HOT_RATIO
        : this.randomAuction(id);
    const bidder =
      r.int(this.hotBiddersRatio) > 0
        ? Math.trunc(this.lastPerson(id) / HOT_RATIO) * HOT_RATIO + 1
        : this.randomPerson(id);
    b.auction = w.auction ? auction + FIRST_AUCTION_ID : null;
    b.bidder = w.bidder ? bidder + 2 * FIRST_PERSON_ID : null;
    if (w.price) b.price = this.price();
    else {
      r.skip(1);
      b.price = null;
    }
    let channel: string | null = null;
    let url: string | null = null;
    if (!(w.channel || w.url)) r.skip(2);
    else if (r.int(HOT_CHANNELS_RATIO) > 0) {
      const i = r.int(HOT_CHANNELS.length);
      channel = HOT_CHANNELS[i]!;
      url = this.t.hotUrls[i]!;
    } else {
      const i = r.int(CHANNELS_NUMBER);
      channel = this.t.channels[i]!;
      url = this.t.channelUrls[i]!;
    }
    b.channel = w.channel ? channel : null;
    b.url = w.url ? url : null;
    b.dateTime = w.dateTime ? this.timestamp(count) : null;
    b.extra = w.extra ? this.extra(32, this.avgBidByteSize) : null;
    return b;
  }
}
