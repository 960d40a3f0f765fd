/**
 * Flink's NEXMark programs as sqc runs them: Flink's `ddl_gen.sql` (the in-memory `nexmark`
 * source), `ddl_views.sql` and `qN.sql` from `flink/`, with the suite's placeholders filled in and
 * the only edits where Flink itself cannot run the text. Used by `npm run bench -- nexmark` and
 * by test/nexmark-source.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const FLINK = join(import.meta.dirname, 'flink');
const COUNT_CHAR = join(import.meta.dirname, '..', '..', 'test', 'nexmark', 'udf', 'count-char.ts');

/**
 * Edits to Flink's text, where Flink itself cannot run it. q6 (marked TODO in Flink's suite):
 * its Top-1 is filtered on `rownum` in the SELECT that defines it and partitions by `A.id,
 * A.seller`, aliases of the subquery below it (scoping errors: the filter moves to a SELECT
 * around it, the columns lose the aliases), and its sink declares `seller VARCHAR` for a
 * BIGINT (the sink DDL says BIGINT). q14: Flink's Java CountChar → the TypeScript one
 * (test/nexmark/udf/count-char.ts), by a path relative to the program's folder.
 */
function edits(q: string, dir: string): readonly (readonly [string, string])[] {
  if (q === 'q6')
    return [
      ['  seller VARCHAR,', '  seller BIGINT,'],
      [
        'FROM (\n    SELECT *, ROW_NUMBER() OVER (PARTITION BY A.id, A.seller ORDER BY B.price DESC) AS rownum',
        'FROM (SELECT * FROM (\n    SELECT *, ROW_NUMBER() OVER (PARTITION BY id, seller ORDER BY price DESC) AS rownum',
      ],
      ['A.expires)\n    WHERE rownum <= 1', 'A.expires))\n    WHERE rownum <= 1'],
    ];
  if (q === 'q14')
    return [
      [
        "AS 'com.github.nexmark.flink.udf.CountChar'",
        `AS './${relative(dir, COUNT_CHAR).split('\\').join('/')}#countChar'`,
      ],
    ];
  return [];
}

/** The settings a program is run with. */
export interface ProgramSettings {
  /** `first-event.rate` (Flink's TPS): events per second of event time. */
  readonly tps: number;
  /** `events.num`. */
  readonly events: number;
  /**
   * The folder the program is in: q13's side input is `<dir>/data/side_input.txt` (the caller
   * writes it) and q10 writes under `<dir>/data/output/`.
   */
  readonly dir: string;
}

/** Flink's program for query `q`: its DDL with the settings, its views, the query. */
export function flinkProgram(q: string, s: ProgramSettings): string {
  const ddl = readFileSync(join(FLINK, 'ddl_gen.sql'), 'utf8')
    .replaceAll('${TPS}', String(s.tps))
    .replace('${EVENTS_NUM}', String(s.events))
    .replace('${PERSON_PROPORTION}', '1')
    .replace('${AUCTION_PROPORTION}', '3')
    .replace('${BID_PROPORTION}', '46');
  const views = readFileSync(join(FLINK, 'ddl_views.sql'), 'utf8').replaceAll('${NEXMARK_TABLE}', 'datagen');
  // q13's side input: `file://${FLINK_HOME}/data/side_input.txt`
  // and q10's output folder (`file://${NEXMARK_DIR}/data/output/${SUBMIT_TIME}/bid/`)
  let query = readFileSync(join(FLINK, `${q}.sql`), 'utf8')
    .replaceAll('${FLINK_HOME}', s.dir)
    .replaceAll('${NEXMARK_DIR}', s.dir)
    .replaceAll('${SUBMIT_TIME}', 'q10');
  for (const [from, to] of edits(q, s.dir)) {
    if (!query.includes(from)) throw new Error(`${q}.sql no longer contains the text its edit replaces: ${from}`);
    query = query.replace(from, to);
  }
  return `${ddl};\n\n${views};\n\n${query}\n`;
}

/**
 * q13's side input: a value for each of the 10,000 keys `mod(auction, 10000)` takes, under a
 * header line (sqc's CSV default, 'csv.header' = 'true').
 */
export const SIDE_INPUT = 'key,value\n' + Array.from({ length: 10_000 }, (_, key) => `${key},side-${key}\n`).join('');
