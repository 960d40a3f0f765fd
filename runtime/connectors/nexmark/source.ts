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
  bidWant,
  personWant,
  type Auction,
  type Bid,
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

class NexmarkBatch implements RecordBatch {
  readonly kind = 'row';
  readonly header = null;
  constructor(
    readonly values: unknown[],
    private readonly gen: NexmarkGenerator,
    /** The event index of the first row. */
    private readonly first: number,
    /** The kind a flattened table keeps, or -1 (every event is a row). */
    private readonly keep: number,
  ) {}
  /** The event index of row `i` (found again when asked: only errors ask). */
  locate(i: number, ctx: RecordContext): void {
    let c = this.first;
    if (this.keep >= 0) for (let n = -1; ; c++) if (this.gen.kind(c) === this.keep && ++n === i) break;
    ctx.offset = this.keep >= 0 ? c : this.first + i;
  }
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

  /** The event's person, auction or bid with the fields the job reads (null when it reads none). */
  private built(count: number, kind: number): unknown {
    const g = this.gen;
    if (kind === EVENT_BID) return this.bid === null ? null : g.bidOf(count, this.bid);
    if (kind === EVENT_AUCTION) return this.auction === null ? null : g.auctionOf(count, this.auction);
    return this.person === null ? null : g.personOf(count, this.person);
  }

  private row(count: number, kind: number): unknown {
    if (this.keep >= 0) return this.built(count, kind);
    // Flink's nexmark table: the event's kind, its row in one of three columns, and its time
    const value = this.built(count, kind);
    return {
      event_type: kind,
      person: kind === EVENT_PERSON ? value : null,
      auction: kind === EVENT_AUCTION ? value : null,
      bid: kind === EVENT_BID ? value : null,
      dateTime: this.dateTime ? this.gen.timestamp(count) : null,
    };
  }

  async poll(max: number): Promise<RecordBatch | null> {
    const events = this.allowed();
    if (events <= 0 || max <= 0) return null;
    const values: unknown[] = [];
    let first = this.count;
    const g = this.gen;
    const keep = this.keep;
    const end = this.count + Math.min(events, 1e15);
    let c = this.count;
    while (c < end && values.length < max) {
      const kind = g.kind(c);
      if (keep < 0 || kind === keep) {
        if (values.length === 0) first = c;
        values.push(this.row(c, kind));
      }
      c++;
    }
    this.count = c;
    if (this.replayEnd !== null && c >= this.replayEnd) this.replayEnd = null;
    return values.length === 0 ? null : new NexmarkBatch(values, g, first, keep);
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
