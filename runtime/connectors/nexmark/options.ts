/**
 * The `nexmark` connector's options and typed config (pure: imported by the compiler). The
 * generator itself is not part of the runtime yet: the compiler accepts the connector, and a
 * job that reads it fails at start with "not available in this runtime".
 */
import { BATCH_SIZE, SOURCE_COMMON, optionReader } from '../common.ts';
import type { ConnectorConfig, ConnectorSpec } from '../spec.ts';

export interface NexmarkConfig extends ConnectorConfig {
  readonly format: null;
  readonly table: 'events' | 'person' | 'auction' | 'bid';
  /** `events.num`, or null: unbounded. */
  readonly eventsNum: number | null;
  readonly eventsPerSecond: number;
  readonly personProportion: number;
  readonly auctionProportion: number;
  readonly bidProportion: number;
}

export const nexmarkOptions: ConnectorSpec<NexmarkConfig> = {
  name: 'nexmark',
  description: 'The NEXMark benchmark generator (people, auctions and bids of an online auction).',
  roles: 'source',
  formats: [],
  keyFormat: false,
  metadata: [],
  options: [
    {
      key: 'nexmark.table',
      type: { kind: 'enum', values: ['events', 'person', 'auction', 'bid'] },
      roles: 'source',
      default: 'events',
      description:
        "Which rows to produce: 'events' (Flink's nexmark table: event_type, person, auction, bid, dateTime) or only one kind, flattened.",
    },
    {
      key: 'events.num',
      type: { kind: 'integer', min: 0 },
      roles: 'source',
      description: 'Total events, after which the source ends (default: unbounded).',
    },
    {
      key: 'events.per-second',
      type: { kind: 'integer', min: 1 },
      roles: 'source',
      default: '10000',
      description: 'Rate limit of generated events.',
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
    BATCH_SIZE,
    ...SOURCE_COMMON,
  ],
  rules: ['The proportions must not all be 0.'],
  resolve(options, use) {
    const r = optionReader(nexmarkOptions.options, options, use);
    const eventsNum = r.integer('events.num');
    return {
      format: null,
      bounded: eventsNum !== null,
      batchSize: r.integer('scan.batch-size')!,
      deliveryGuarantee: 'at-least-once',
      table: r.enum('nexmark.table', ['events', 'person', 'auction', 'bid'] as const)!,
      eventsNum,
      eventsPerSecond: r.integer('events.per-second')!,
      personProportion: r.integer('person.proportion')!,
      auctionProportion: r.integer('auction.proportion')!,
      bidProportion: r.integer('bid.proportion')!,
    };
  },
};
