/**
 * The columns the `nexmark` source produces per `nexmark.table` (Flink's `NexmarkTableSource`
 * schema, and the flattened person/auction/bid views of it), and the check of a declared schema
 * against them. Pure: `sqc check` runs the same check as the source at start.
 */
import type { NexmarkTable } from './options.ts';

/** What a generated value is: the declared type must take it without a conversion. */
type Scalar = 'int' | 'bigint' | 'string' | 'timestamp';
type Produced = Scalar | { readonly row: Readonly<Record<string, Produced>> };

const PERSON: Readonly<Record<string, Produced>> = {
  id: 'bigint',
  name: 'string',
  emailAddress: 'string',
  creditCard: 'string',
  city: 'string',
  state: 'string',
  dateTime: 'timestamp',
  extra: 'string',
};

const AUCTION: Readonly<Record<string, Produced>> = {
  id: 'bigint',
  itemName: 'string',
  description: 'string',
  initialBid: 'bigint',
  reserve: 'bigint',
  dateTime: 'timestamp',
  expires: 'timestamp',
  seller: 'bigint',
  category: 'bigint',
  extra: 'string',
};

const BID: Readonly<Record<string, Produced>> = {
  auction: 'bigint',
  bidder: 'bigint',
  price: 'bigint',
  channel: 'string',
  url: 'string',
  dateTime: 'timestamp',
  extra: 'string',
};

export const NEXMARK_COLUMNS: Readonly<Record<NexmarkTable, Readonly<Record<string, Produced>>>> = {
  events: {
    event_type: 'int',
    person: { row: PERSON },
    auction: { row: AUCTION },
    bid: { row: BID },
    dateTime: 'timestamp',
  },
  person: PERSON,
  auction: AUCTION,
  bid: BID,
};

/** A declared column (or ROW field): its name and type, as far as the check needs them. */
export interface DeclaredColumn {
  readonly name: string;
  /** The SQL type's kind (`BIGINT`, `STRING`, `ROW`, ...). */
  readonly kind: string;
  /** ROW fields. */
  readonly fields?: readonly DeclaredColumn[];
}

/** Declared types that hold the values without a conversion (DECIMAL is carried as a double). */
const TAKES: Readonly<Record<Scalar, readonly string[]>> = {
  int: ['INT', 'BIGINT', 'DOUBLE', 'DECIMAL'],
  bigint: ['BIGINT', 'DOUBLE', 'DECIMAL'],
  string: ['STRING'],
  timestamp: ['TIMESTAMP'],
};

function describe(p: Produced): string {
  return typeof p !== 'string'
    ? 'ROW'
    : p === 'int'
      ? 'INT'
      : p === 'bigint'
        ? 'BIGINT'
        : p === 'string'
          ? 'STRING'
          : 'TIMESTAMP(3)';
}

/**
 * The problem with declaring `columns` on a nexmark source reading `table` (a column it does
 * not produce, or a type that cannot hold its values), or null when there is none.
 */
export function nexmarkColumnProblem(table: NexmarkTable, columns: readonly DeclaredColumn[]): string | null {
  // an invalid 'nexmark.table' value is reported by option validation (SQ0503)
  if (!Object.hasOwn(NEXMARK_COLUMNS, table)) return null;
  return problemIn(NEXMARK_COLUMNS[table], columns, `'nexmark.table' = '${table}'`);
}

function problemIn(
  produced: Readonly<Record<string, Produced>>,
  columns: readonly DeclaredColumn[],
  where: string,
): string | null {
  for (const c of columns) {
    const p = Object.hasOwn(produced, c.name) ? produced[c.name]! : undefined;
    if (p === undefined)
      return `the nexmark source has no column "${c.name}" (${where} produces ${Object.keys(produced).join(', ')})`;
    if (typeof p === 'string') {
      if (!TAKES[p].includes(c.kind))
        return `column "${c.name}" of the nexmark source holds ${describe(p)} values, not ${c.kind}`;
    } else if (c.kind !== 'ROW') {
      return `column "${c.name}" of the nexmark source is a ROW, not ${c.kind}`;
    } else {
      const inner = problemIn(p.row, c.fields ?? [], `its ROW "${c.name}"`);
      if (inner !== null) return inner;
    }
  }
  return null;
}
