/**
 * The `nexmark` connector's options and typed config (pure: imported by the compiler). Keys and
 * defaults follow Flink's NEXMark connector (nexmark/nexmark `NexmarkSourceOptions`), plus
 * sqc's `nexmark.table`, `nexmark.seed` and `events.per-second`.
 */
import { parseSize } from '../../options.ts';
import { BATCH_SIZE, SOURCE_COMMON, bool, optionReader } from '../common.ts';
import type { ConnectorConfig, ConnectorSpec, OptionSpec } from '../spec.ts';

export type NexmarkTable = 'events' | 'person' | 'auction' | 'bid';

export interface NexmarkConfig extends ConnectorConfig {
  readonly format: null;
  readonly table: NexmarkTable;
  /** Events (of every kind) after which the source ends, or null: unbounded. */
  readonly eventsNum: number | null;
  /** Wall-clock events per second at most, or null: as fast as the query takes them. */
  readonly eventsPerSecond: number | null;
  /** `first-event.rate`: events per second of event time (the spacing of timestamps). */
  readonly firstEventRate: number;
  readonly personProportion: number;
  readonly auctionProportion: number;
  readonly bidProportion: number;
  readonly hotAuctionRatio: number;
  readonly hotBiddersRatio: number;
  readonly hotSellersRatio: number;
  readonly avgPersonByteSize: number;
  readonly avgAuctionByteSize: number;
  readonly avgBidByteSize: number;
  /** `keep-alive`: after the last event the source stays open (and the job runs on). */
  readonly keepAlive: boolean;
  readonly seed: number;
}

const positive = { kind: 'integer', min: 1 } as const;

/** Flink keys its generator does not use either (one event rate, no rate shape). */
const FLINK_UNUSED: readonly OptionSpec[] = [
  ['next-event.rate', { kind: 'integer', min: 1 }, '10000', 'Flink: the event rate after the first period.'],
  ['rate.shape', { kind: 'enum', values: ['square', 'sine'] }, 'square', 'Flink: shape of the rate curve.'],
  ['rate.period', { kind: 'duration' }, '600 s', 'Flink: period of the rate curve.'],
  ['rate.limited', bool, 'false', 'Flink: rate-limit generation.'],
].map(([key, type, def, description]) => ({
  key: key as string,
  type: type as OptionSpec['type'],
  roles: 'source' as const,
  defaultDoc: def as string,
  description: description as string,
  ignored: "Flink's NEXMark generator spaces every event by 'first-event.rate' and does not read it either",
}));

export const nexmarkOptions: ConnectorSpec<NexmarkConfig> = {
  name: 'nexmark',
  folder: 'nexmark',
  description:
    "The NEXMark benchmark generator (people, auctions and bids of an online auction), as Flink's nexmark connector: seeded, deterministic, generated in memory.",
  roles: 'source',
  formats: [],
  keyFormat: false,
  metadata: [],
  typedRows: true,
  options: [
    {
      key: 'nexmark.table',
      type: { kind: 'enum', values: ['events', 'person', 'auction', 'bid'] },
      roles: 'source',
      default: 'events',
      description:
        "Which rows to produce: 'events' (Flink's nexmark table: event_type, person, auction, bid, one of them set per row) or only the events of one kind, flattened to its columns. sqc extension.",
    },
    {
      key: 'events.num',
      type: { kind: 'integer', min: 0 },
      roles: 'source',
      default: '0',
      description: 'Events (of all kinds) to generate, after which the source ends; 0: unbounded.',
    },
    {
      key: 'first-event.rate',
      type: positive,
      roles: 'source',
      default: '10000',
      description: 'Events per second of event time: event i is stamped base time + (i + 1) / rate seconds.',
    },
    {
      key: 'max-emit-speed',
      type: bool,
      roles: 'source',
      default: 'true',
      description:
        "Emit events as fast as the query takes them; 'false': when their event time comes (first-event.rate per second of wall-clock time).",
    },
    {
      key: 'events.per-second',
      type: { kind: 'integer', min: 0 },
      roles: 'source',
      default: '0',
      description: 'Wall-clock rate limit in events per second; 0: unlimited. sqc extension.',
    },
    {
      key: 'person.proportion',
      type: { kind: 'integer', min: 0 },
      roles: 'source',
      default: '1',
      description: 'Relative share of person events.',
    },
    {
      key: 'auction.proportion',
      type: { kind: 'integer', min: 0 },
      roles: 'source',
      default: '3',
      description: 'Relative share of auction events.',
    },
    {
      key: 'bid.proportion',
      type: { kind: 'integer', min: 0 },
      roles: 'source',
      default: '46',
      description: 'Relative share of bid events.',
    },
    {
      key: 'bid.hot-ratio.auctions',
      type: positive,
      roles: 'source',
      default: '2',
      description: 'A bid is for a hot auction with probability 1 - 1/ratio.',
    },
    {
      key: 'bid.hot-ratio.bidders',
      type: positive,
      roles: 'source',
      default: '4',
      description: 'A bid is by a hot bidder with probability 1 - 1/ratio.',
    },
    {
      key: 'auction.hot-ratio.sellers',
      type: positive,
      roles: 'source',
      default: '4',
      description: 'An auction is by a hot seller with probability 1 - 1/ratio.',
    },
    {
      key: 'person.avg-size',
      type: { kind: 'size' },
      roles: 'source',
      default: '200b',
      description: "Average size of a person event (its 'extra' column pads it).",
    },
    {
      key: 'auction.avg-size',
      type: { kind: 'size' },
      roles: 'source',
      default: '500b',
      description: "Average size of an auction event (its 'extra' column pads it).",
    },
    {
      key: 'bid.avg-size',
      type: { kind: 'size' },
      roles: 'source',
      default: '100b',
      description: "Average size of a bid event (its 'extra' column pads it).",
    },
    {
      key: 'keep-alive',
      type: bool,
      roles: 'source',
      default: 'false',
      description: "After 'events.num' events the source stays open instead of ending.",
    },
    {
      key: 'nexmark.seed',
      type: { kind: 'integer', min: 0 },
      roles: 'source',
      default: '0',
      description: 'Seed of the generator: the same seed gives the same events on every machine. sqc extension.',
    },
    ...FLINK_UNUSED,
    BATCH_SIZE,
    ...SOURCE_COMMON,
  ],
  rules: ['The proportions must not all be 0.'],
  resolve(options, use) {
    const r = optionReader(nexmarkOptions.options, options, use);
    const num = r.integer('events.num')!;
    const keepAlive = r.boolean('keep-alive')!;
    const perSecond = r.integer('events.per-second')!;
    const firstEventRate = r.integer('first-event.rate')!;
    // max-emit-speed = false paces events by their event time: first-event.rate per second
    const pace = r.boolean('max-emit-speed') ? null : firstEventRate;
    const size = (key: string) => parseSize(r.get(key)!);
    return {
      format: null,
      bounded: num > 0 && !keepAlive,
      batchSize: r.integer('scan.batch-size')!,
      deliveryGuarantee: 'at-least-once',
      table: r.enum('nexmark.table', ['events', 'person', 'auction', 'bid'] as const)!,
      eventsNum: num > 0 ? num : null,
      eventsPerSecond: perSecond > 0 ? Math.min(perSecond, pace ?? Infinity) : pace,
      firstEventRate,
      personProportion: r.integer('person.proportion')!,
      auctionProportion: r.integer('auction.proportion')!,
      bidProportion: r.integer('bid.proportion')!,
      hotAuctionRatio: r.integer('bid.hot-ratio.auctions')!,
      hotBiddersRatio: r.integer('bid.hot-ratio.bidders')!,
      hotSellersRatio: r.integer('auction.hot-ratio.sellers')!,
      avgPersonByteSize: size('person.avg-size'),
      avgAuctionByteSize: size('auction.avg-size'),
      avgBidByteSize: size('bid.avg-size'),
      keepAlive,
      seed: r.integer('nexmark.seed')!,
    };
  },
};
