/**
 * A seeded NEXMark event generator: person, auction and bid events as JSON lines, one file per
 * kind, shaped like the NEXMark generator of nexmark/nexmark (`nexmark-flink/.../generator`):
 *
 * - event ids 0, 1, 2, ... in epochs of 50 (1 person : 3 auctions : 46 bids); person and auction
 *   ids are their ordinal plus 1000 (FIRST_PERSON_ID, FIRST_AUCTION_ID);
 * - an auction's seller is a 'hot' seller (the first of the last 100 people) with probability
 *   1 − 1/hotSellersRatio, else a random active person (possibly one of the next 10, not yet
 *   created); categories 10..14; initial bid and reserve from the price distribution; `expires`
 *   after a random length averaging the time until numInFlightAuctions more auctions exist;
 * - a bid goes to a hot auction (the first of the last 100 auctions) with probability
 *   1 − 1/hotAuctionRatio, else to a random in-flight auction; the bidder likewise (hot bidders
 *   are the second person of their hundred); prices `round(10^(6u) · 100)`; channels and urls;
 * - event time `firstTime + eventId · 1000 / rate` ms (milliseconds, increasing); a fraction
 *   `probDelayedEvent` of the events arrives up to `occasionalDelayMs` later than its event time
 *   (the files are in arrival order), so the files are out of order by less than the delay.
 *
 * Everything comes from one seeded stream (runtime/random.ts), so a seed gives the same files on
 * every machine. The test keeps occasionalDelayMs below the sources' watermark delay, so no row is
 * late and a batch engine (DuckDB) computes the same results as the streaming job.
 */
import { writeFileSync } from 'node:fs';
import { seededRandom } from '../../runtime/random.ts';

export interface NexmarkConfig {
  readonly seed: number;
  readonly events: number;
  /** Events per second of event time. */
  readonly rate: number;
  readonly firstTime: number;
  readonly personProportion: number;
  readonly auctionProportion: number;
  readonly bidProportion: number;
  readonly hotAuctionRatio: number;
  readonly hotSellersRatio: number;
  readonly hotBiddersRatio: number;
  readonly numInFlightAuctions: number;
  readonly numActivePeople: number;
  readonly probDelayedEvent: number;
  readonly occasionalDelayMs: number;
}

/** NEXMark's defaults (NexmarkConfiguration), at a rate that spreads the events over minutes. */
export const DEFAULT_CONFIG: NexmarkConfig = {
  seed: 42,
  events: 40_000,
  rate: 500,
  firstTime: Date.UTC(2025, 3, 21, 12, 0, 0),
  personProportion: 1,
  auctionProportion: 3,
  bidProportion: 46,
  hotAuctionRatio: 2,
  hotSellersRatio: 4,
  hotBiddersRatio: 4,
  numInFlightAuctions: 100,
  numActivePeople: 1000,
  probDelayedEvent: 0.1,
  occasionalDelayMs: 3_000,
};

const FIRST_PERSON_ID = 1000;
const FIRST_AUCTION_ID = 1000;
const FIRST_CATEGORY_ID = 10;
const NUM_CATEGORIES = 5;
const HOT_RATIO = 100; // people/auctions are hot in batches of 100 (HOT_SELLER_RATIO etc.)
const ID_LEAD = 10; // PERSON_ID_LEAD, AUCTION_ID_LEAD
const US_STATES = 'AZ,CA,ID,OR,WA,WY'.split(',');
const US_CITIES = 'Phoenix,Los Angeles,San Francisco,Boise,Portland,Bend,Redmond,Seattle,Kent,Cheyenne'.split(',');
const FIRST_NAMES = 'Peter,Paul,Luke,John,Saul,Vicky,Kate,Julie,Sarah,Deiter,Walter'.split(',');
const LAST_NAMES = 'Shultz,Abrams,Spencer,White,Bartels,Walton,Smith,Jones,Noris'.split(',');
const HOT_CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'];

export interface Person {
  id: number;
  name: string;
  emailAddress: string;
  creditCard: string;
  city: string;
  state: string;
  dateTime: string;
  extra: string;
}
export interface Auction {
  id: number;
  itemName: string;
  description: string;
  initialBid: number;
  reserve: number;
  dateTime: string;
  expires: string;
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
  dateTime: string;
  extra: string;
}

export interface NexmarkEvents {
  /** Each kind in arrival order (event time increasing, but for the delayed events). */
  readonly person: Person[];
  readonly auction: Auction[];
  readonly bid: Bid[];
}

export function generate(config: Partial<NexmarkConfig> = {}): NexmarkEvents {
  const c: NexmarkConfig = { ...DEFAULT_CONFIG, ...config };
  const next = seededRandom(c.seed);
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]) => xs[int(xs.length)]!;
  const str = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + int(26))).join('');
  const price = () => Math.round(Math.pow(10, next() * 6) * 100);
  const total = c.personProportion + c.auctionProportion + c.bidProportion;
  const timeOf = (eventId: number) => c.firstTime + Math.floor((eventId * 1000) / c.rate);

  const lastPerson = (eventId: number) => {
    const epoch = Math.floor(eventId / total);
    const offset = Math.min(eventId % total, c.personProportion - 1);
    return epoch * c.personProportion + offset;
  };
  const lastAuction = (eventId: number) => {
    let epoch = Math.floor(eventId / total);
    let offset = eventId % total;
    if (offset < c.personProportion) {
      epoch--;
      offset = c.auctionProportion - 1;
    } else if (offset >= c.personProportion + c.auctionProportion) offset = c.auctionProportion - 1;
    else offset -= c.personProportion;
    return epoch * c.auctionProportion + offset;
  };
  const randomPerson = (eventId: number) => {
    const numPeople = lastPerson(eventId) + 1;
    const active = Math.min(numPeople, c.numActivePeople);
    return numPeople - active + int(active + ID_LEAD);
  };
  const randomAuction = (eventId: number) => {
    const max = lastAuction(eventId);
    const min = Math.max(max - c.numInFlightAuctions, 0);
    return min + int(max - min + 1 + ID_LEAD);
  };

  type Arrival<T> = { at: number; seq: number; event: T };
  const persons: Arrival<Person>[] = [];
  const auctions: Arrival<Auction>[] = [];
  const bids: Arrival<Bid>[] = [];
  for (let eventId = 0; eventId < c.events; eventId++) {
    const t = timeOf(eventId);
    const dateTime = new Date(t).toISOString();
    const at = next() < c.probDelayedEvent ? t + int(c.occasionalDelayMs) : t;
    const offset = eventId % total;
    if (offset < c.personProportion) {
      const event: Person = {
        id: lastPerson(eventId) + FIRST_PERSON_ID,
        name: `${pick(FIRST_NAMES)} ${pick(LAST_NAMES)}`,
        emailAddress: `${str(7)}@${str(5)}.com`,
        creditCard: Array.from({ length: 4 }, () => String(int(10_000)).padStart(4, '0')).join(' '),
        city: pick(US_CITIES),
        state: pick(US_STATES),
        dateTime,
        extra: '',
      };
      persons.push({ at, seq: eventId, event });
    } else if (offset < c.personProportion + c.auctionProportion) {
      const seller =
        int(c.hotSellersRatio) > 0 ? Math.floor(lastPerson(eventId) / HOT_RATIO) * HOT_RATIO : randomPerson(eventId);
      const initialBid = price();
      // Auctions last on average until numInFlightAuctions more auctions have been created.
      const horizon = timeOf(eventId + Math.floor((c.numInFlightAuctions * total) / c.auctionProportion)) - t;
      const event: Auction = {
        id: lastAuction(eventId) + FIRST_AUCTION_ID,
        itemName: str(20),
        description: str(100),
        initialBid,
        reserve: initialBid + price(),
        dateTime,
        expires: new Date(t + 1 + int(Math.max(horizon * 2, 1))).toISOString(),
        seller: seller + FIRST_PERSON_ID,
        category: FIRST_CATEGORY_ID + int(NUM_CATEGORIES),
        extra: '',
      };
      auctions.push({ at, seq: eventId, event });
    } else {
      const auction =
        int(c.hotAuctionRatio) > 0 ? Math.floor(lastAuction(eventId) / HOT_RATIO) * HOT_RATIO : randomAuction(eventId);
      const bidder =
        int(c.hotBiddersRatio) > 0
          ? Math.floor(lastPerson(eventId) / HOT_RATIO) * HOT_RATIO + 1
          : randomPerson(eventId);
      const hot = int(2) > 0;
      const channel = hot ? pick(HOT_CHANNELS) : `channel-${int(10_000)}`;
      const event: Bid = {
        auction: auction + FIRST_AUCTION_ID,
        bidder: bidder + FIRST_PERSON_ID,
        price: price(),
        channel,
        url: `https://www.nexmark.com/${str(5)}/${str(5)}/${str(5)}/item.htm?query=1&channel=${channel}`,
        dateTime,
        extra: '',
      };
      bids.push({ at, seq: eventId, event });
    }
  }
  const arrivalOrder = <T>(xs: Arrival<T>[]) => xs.sort((a, b) => a.at - b.at || a.seq - b.seq).map((x) => x.event);
  return { person: arrivalOrder(persons), auction: arrivalOrder(auctions), bid: arrivalOrder(bids) };
}

/** Writes `person.jsonl`, `auction.jsonl` and `bid.jsonl` into `dir`. */
export function writeEvents(dir: string, events: NexmarkEvents): void {
  for (const kind of ['person', 'auction', 'bid'] as const) {
    writeFileSync(`${dir}/${kind}.jsonl`, events[kind].map((e) => JSON.stringify(e)).join('\n') + '\n');
  }
}
