/**
 * The `nexmark` source: NEXMark events generated in memory (`generator.ts`), as rows of Flink's
 * `nexmark` table (`event_type`, `person`, `auction`, `bid`, one of the three set) or, with
 * `nexmark.table`, of one kind only (its columns flattened). No text and no parsing: the rows
 * are JS objects of the declared columns, typed as the columns are (BIGINT as numbers, TIMESTAMP
 * as epoch milliseconds).
 *
 * Offsets: `{ events: n }`, the number of events generated (of every kind, whatever the table
 * keeps), so a restart resumes at the exact event and a logged batch replays to the same rows.
 * Bounded by `events.num` (unless `keep-alive`); paced by `events.per-second` or, with
 * `max-emit-speed` = false, by event time. One generator (Flink's at parallelism 1): no splits,
 * the events come in event-time order.
 */
import type { FieldDesc, Json, RecordContext } from '../../types.ts';
import type { RecordBatch, SourceConnector, SourceContext } from '../types.ts';
import {
  BASE_TIME,
  EVENT_AUCTION,
  EVENT_BID,
  EVENT_PERSON,
  NexmarkGenerator,
  auctionWant,
  emptyAuction,
  emptyBid,
  emptyPerson,
  bidWant,
  personWant,
  type Auction,
  type Bid,
  type Built,
  type Person,
  type Want,
} from './generator.ts';
import type { NexmarkConfig, NexmarkTable } from './options.ts';
import { nexmarkColumnProblem, type DeclaredColumn } from './schema.ts';

function declared(f: FieldDesc): DeclaredColumn {
  return { name: f.name, kind: f.type.kind, fields: f.type.fields?.map(declared) };
}

/** The event count of an `offsets()` value, or null. */
function eventsOf(offsets: Json | null): number | null {
  if (offsets === null || typeof offsets !== 'object' || Array.isArray(offsets)) return null;
  const at = (offsets as { readonly [key: string]: Json })['events'];
  return typeof at === 'number' && Number.isSafeInteger(at) && at >= 0 ? at : null;
}

/**
 * A batch of event indices (`values`), each turned into its row only when the engine decodes it
 * (`parse`): the row is built into one scratch object per batch source, which the generated
 * decoder copies into the query's row before the next is built (`decode.row` never keeps it).
 */
class NexmarkBatch implements RecordBatch {
  readonly kind = 'row';
  readonly header = null;
  readonly parse: (value: unknown) => unknown;
  constructor(
    /** The event index of each row. */
    readonly values: number[],
    build: (count: number) => unknown,
  ) {
    this.parse = build as (value: unknown) => unknown;
  }
  /** The event index of row `i`. */
  locate(i: number, ctx: RecordContext): void {
    ctx.offset = this.values[i]!;
  }
}

/** A row of Flink's nexmark table. */
interface EventRow {
  event_type: number;
  person: unknown;
  auction: unknown;
  bid: unknown;
  dateTime: number | null;
}

/** Only the kind a flattened table keeps (events: all). */
const KEEP: Readonly<Record<NexmarkTable, number>> = {
  events: -1,
  person: EVENT_PERSON,
  auction: EVENT_AUCTION,
  bid: EVENT_BID,
};

/**
 * The fields of each kind the job reads (`reads`): for a flattened table the columns; for the
 * events table the fields of its ROW columns (none of a column it does not read).
 */
function wanted(
  table: NexmarkTable,
  reads: readonly FieldDesc[],
): { person: Want<Person> | null; auction: Want<Auction> | null; bid: Want<Bid> | null } {
  const names = reads.map((f) => f.name);
  if (table !== 'events')
    return {
      person: table === 'person' ? personWant(names) : null,
      auction: table === 'auction' ? auctionWant(names) : null,
      bid: table === 'bid' ? bidWant(names) : null,
    };
  const fields = (column: string) => {
    const f = reads.find((x) => x.name === column);
    return f === undefined ? null : (f.type.fields ?? []).map((x) => x.name);
  };
  const person = fields('person');
  const auction = fields('auction');
  const bid = fields('bid');
  return {
    person: person === null ? null : personWant(person),
    auction: auction === null ? null : auctionWant(auction),
    bid: bid === null ? null : bidWant(bid),
  };
}

class NexmarkSource implements SourceConnector {
  private readonly gen: NexmarkGenerator;
  private readonly keep: number;
  /** The fields of each kind the job reads (null: that kind's column is not read). */
  private readonly person: Want<Person> | null;
  private readonly auction: Want<Auction> | null;
  private readonly bid: Want<Bid> | null;
  /** The events table's own `dateTime` column is read (Flink's DDL computes it instead). */
  private readonly dateTime: boolean;
  private readonly limit: number;
  private readonly rate: number | null;
  /** Events generated so far (the offset). */
  private count = 0;
  /** Replaying a logged batch: polls stop at this event count. */
  private replayEnd: number | null = null;
  private startedAt = 0;
  private startCount = 0;
  /** The ROW values of the events table reused from row to row (`transientRows`), or null. */
  private readonly personScratch: Built<Person> | null;
  private readonly auctionScratch: Built<Auction> | null;
  private readonly bidScratch: Built<Bid> | null;
  /** The row `build` writes (the generated decoder copies it before the next is built). */
  private readonly scratch: EventRow | Built<Person> | Built<Auction> | Built<Bid>;

  constructor(private readonly ctx: SourceContext<NexmarkConfig>) {
    const c = ctx.config;
    const problem = nexmarkColumnProblem(c.table, ctx.physical.map(declared));
    if (problem !== null) throw new Error(`${problem}; declare the columns of "${ctx.name}" as NEXMark names them`);
    this.gen = new NexmarkGenerator({ ...c, baseTime: BASE_TIME });
    this.keep = KEEP[c.table];
    const reads = ctx.reads ?? ctx.physical;
    ({ person: this.person, auction: this.auction, bid: this.bid } = wanted(c.table, reads));
    this.dateTime = c.table === 'events' && reads.some((f) => f.name === 'dateTime');
    this.limit = c.eventsNum ?? Infinity;
    this.rate = c.eventsPerSecond;
    this.scratch =
      this.keep === EVENT_BID
        ? emptyBid()
        : this.keep === EVENT_AUCTION
          ? emptyAuction()
          : this.keep === EVENT_PERSON
            ? emptyPerson()
            : { event_type: 0, person: null, auction: null, bid: null, dateTime: null };
    const transient = new Set(c.table === 'events' ? (ctx.transientRows ?? []) : []);
    this.personScratch = transient.has('person') ? emptyPerson() : null;
    this.auctionScratch = transient.has('auction') ? emptyAuction() : null;
    this.bidScratch = transient.has('bid') ? emptyBid() : null;
  }

  async open(start: Json | null): Promise<void> {
    this.count = eventsOf(start) ?? 0;
    this.startedAt = Date.now();
    this.startCount = this.count;
  }

  /** Events the rate allows by now, beyond those generated (Infinity when unlimited). */
  private allowed(): number {
    const end = this.replayEnd ?? this.limit;
    let n = end - this.count;
    if (this.rate !== null) {
      const due = this.startCount + Math.floor(((Date.now() - this.startedAt) / 1000) * this.rate);
      n = Math.min(n, due - this.count);
    }
    return Math.max(0, n);
  }

  /**
   * The event's person, auction or bid with the fields the job reads (null when it reads none):
   * a new object, or the same one every time for a column the job only reads fields of while
   * the row is pushed (`transientRows`).
   */
  private built(count: number, kind: number): unknown {
    const g = this.gen;
    if (kind === EVENT_BID)
      return this.bid === null ? null : g.bidInto(count, this.bid, this.bidScratch ?? emptyBid());
    if (kind === EVENT_AUCTION)
      return this.auction === null ? null : g.auctionInto(count, this.auction, this.auctionScratch ?? emptyAuction());
    return this.person === null ? null : g.personInto(count, this.person, this.personScratch ?? emptyPerson());
  }

  /**
   * Event `count`'s row, written into the scratch row (Flink's nexmark table: the event's kind,
   * its row in one of three columns, and its time; a flattened table: the kind's own fields).
   */
  private readonly build = (count: number): unknown => {
    const kind = this.gen.kind(count);
    if (this.keep >= 0) {
      const g = this.gen;
      if (kind === EVENT_BID) return g.bidInto(count, this.bid!, this.scratch as Built<Bid>);
      if (kind === EVENT_AUCTION) return g.auctionInto(count, this.auction!, this.scratch as Built<Auction>);
      return g.personInto(count, this.person!, this.scratch as Built<Person>);
    }
    const row = this.scratch as EventRow;
    const value = this.built(count, kind);
    row.event_type = kind;
    row.person = kind === EVENT_PERSON ? value : null;
    row.auction = kind === EVENT_AUCTION ? value : null;
    row.bid = kind === EVENT_BID ? value : null;
    row.dateTime = this.dateTime ? this.gen.timestamp(count) : null;
    return row;
  };

  async poll(max: number): Promise<RecordBatch | null> {
    const events = this.allowed();
    if (events <= 0 || max <= 0) return null;
    const values: number[] = [];
    const g = this.gen;
    const keep = this.keep;
    const end = this.count + Math.min(events, 1e15);
    let c = this.count;
    if (keep < 0) {
      const n = Math.min(end - c, max);
      for (let i = 0; i < n; i++) values.push(c + i);
      c += n;
    } else
      for (; c < end && values.length < max; c++) {
        if (g.kind(c) === keep) values.push(c);
      }
    this.count = c;
    if (this.replayEnd !== null && c >= this.replayEnd) this.replayEnd = null;
    return values.length === 0 ? null : new NexmarkBatch(values, this.build);
  }

  isExhausted(): boolean {
    if (this.count >= this.limit) return !this.ctx.config.keepAlive;
    return this.ctx.availableNow && this.rate !== null && this.allowed() === 0;
  }

  async waitForData(ms: number): Promise<void> {
    if (this.rate === null || this.count >= this.limit) {
      // unlimited: data is always there (or never again)
      if (this.count < this.limit) return;
      await new Promise((r) => setTimeout(r, ms));
      return;
    }
    const next = this.startedAt + ((this.count + 1 - this.startCount) / this.rate) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(ms, next - Date.now()))));
  }

  offsets(): Json {
    return { events: this.count };
  }

  replayTo(end: Json): void {
    const at = eventsOf(end);
    if (at !== null && at >= this.count) this.replayEnd = at;
  }

  async close(): Promise<void> {}
}

export function nexmarkSource(ctx: SourceContext<NexmarkConfig>): SourceConnector {
  return new NexmarkSource(ctx);
}
