/**
 * One source as read by one query: polls its connector, decodes records with the generated
 * decoder, applies the parse-error policy, tracks the source watermark and drops late rows.
 * `process` is the per-row hot loop of the runtime: one decoder call, one event-time call and
 * one call of the generated `push` per row, no allocation of its own.
 */
import type { FormatName } from '../contract.ts';
import type { RecordContext, RowKind, SourceProgress, SourceSpec } from '../types.ts';
import { iso } from './progress.ts';
import type { BatchSinkWriter, RecordBatch, SourceConnector, SourceSplit } from '../connectors/types.ts';
import { csvOptions, headerMapping, splitCsvLine, type CsvOptions } from '../formats/csv.ts';
import { object as asObject, parse as parseJson } from '../formats/decode.ts';
import { parseBoolean } from '../options.ts';
import { sourceCommon } from '../connectors/common.ts';
import { ParseError, QueryError, messageOf } from './errors.ts';

type Decode<Row> = (value: unknown, ctx: RecordContext) => Row;

/** `file:line`, `partition P offset O` or `record N` from a located context. */
export function locationOf(ctx: RecordContext): string {
  if (ctx.file !== null) return `${ctx.file}:${ctx.line}`;
  if (ctx.partition >= 0)
    return `${ctx.topic !== null ? `topic ${ctx.topic} ` : ''}partition ${ctx.partition} offset ${ctx.offset}`;
  return `record ${ctx.offset}`;
}

export interface InputOptions {
  readonly query: string;
  readonly options: Readonly<Record<string, string>>;
  readonly format: FormatName | null;
  /** Records per poll (the connector config's `batchSize`). */
  readonly batchSize: number;
  readonly bounded: boolean;
  readonly dropLate: boolean;
}

/** The task (partition index) of a scaled-out split id `topic/partition`. */
export function taskOf(id: string): number {
  return Number(id.slice(id.lastIndexOf('/') + 1));
}

/** A task's part of an input that has not opened the task's split yet: no watermark, not idle. */
const NOT_OPENED = { watermark: -Infinity, idle: false } as const;

export class Input<Row> {
  readonly name: string;
  readonly ctx: RecordContext;
  readonly batchSize: number;
  readonly bounded: boolean;
  readonly idleTimeoutMs: number | null;
  readonly hasWatermark: boolean;
  dropLate: boolean;
  /** Where late rows go (the source's late.sink), when this query is the one that writes them. */
  lateWriter: BatchSinkWriter | null = null;
  /** Scaled-out jobs whose writers route rows per task: told where each run of a split's records starts. */
  onSplit: ((id: string) => void) | null = null;
  /**
   * Scaled-out stateful queries (one instance of the query per task): per run of a split's
   * records, the push of the split's task and the task's watermark at the start of the batch.
   */
  route: ((id: string) => { readonly push: (row: Row, kind: RowKind) => void; readonly watermark: number }) | null =
    null;
  /** This source's watermark: max over rows of (eventTime - delay); never decreases. */
  watermark = -Infinity;
  idle = false;
  exhausted = false;
  lastDataAt = Date.now();
  /** Per-batch counters (reset by the query after each batch) and totals. */
  rows = 0;
  late = 0;
  parseErrors = 0;
  /** Where the batch's first skipped malformed record is, and why it was skipped. */
  parseErrorSample: { location: string; reason: string } | null = null;
  totalRows = 0;
  startOffset: unknown = null;
  /** Sources read in splits (Kafka partitions): the watermark of each split seen so far. */
  readonly splitWatermarks = new Map<string, number>();
  /** Per split, the connector's epoch its watermark belongs to (`SourceSplit.epoch`). */
  private readonly splitEpochs = new Map<string, number>();
  /** The connector knows its splits' watermarks (`SourceSplit.watermark`): rows do not set them. */
  private knownSplitWatermarks = false;

  private readonly ignoreParseErrors: boolean;
  private readonly csv: CsvOptions | null;
  private readonly columns: readonly string[];
  private lastHeader: readonly (string | null)[] | null = null;
  private mapping: Int32Array | null = null;
  /** Where the row being pushed came from (for errors thrown by generated code). */
  private batch: RecordBatch | null = null;
  private at = -1;

  constructor(
    readonly spec: SourceSpec<Row>,
    readonly connector: SourceConnector,
    private readonly push: (row: Row, kind: RowKind) => void,
    private readonly o: InputOptions,
  ) {
    this.name = spec.name;
    this.ctx = {
      source: spec.name,
      file: null,
      line: -1,
      topic: null,
      partition: -1,
      offset: -1,
      timestamp: null,
      key: null,
      headers: null,
    };
    const opts = o.options;
    this.batchSize = o.batchSize;
    this.bounded = o.bounded;
    this.idleTimeoutMs =
      opts['scan.idle-timeout'] !== undefined ? sourceCommon(opts).idleTimeoutMs : spec.idleTimeoutMs;
    this.hasWatermark = spec.watermark !== null;
    this.dropLate = o.dropLate;
    const ignoreKey = o.format === 'csv' ? 'csv.ignore-parse-errors' : 'json.ignore-parse-errors';
    const ignore = opts[ignoreKey] ?? opts[`value.${ignoreKey}`];
    this.ignoreParseErrors = ignore !== undefined && parseBoolean(ignore);
    this.csv = o.format === 'csv' ? csvOptions(opts) : null;
    this.columns = spec.physical.map((f) => f.name);
  }

  private decoderFor(batch: RecordBatch): Decode<Row> {
    const d = this.spec.decode;
    if (batch.kind === 'row' && d.row !== undefined) {
      const parse = batch.parse;
      if (parse === undefined) return d.row;
      const row = d.row;
      // rows built on demand (nexmark): the built value is only valid until the next is built
      return (v, ctx) => row(parse(v, this.at), ctx);
    }
    if (batch.kind === 'bytes') return this.bytesDecoder(batch);
    if (batch.kind !== 'text') {
      const parse = batch.parse;
      if (parse === undefined) return d.object;
      const obj = d.object;
      // `ctx.offset` is not the index; the batch's own parse step gets the record index
      return (v, ctx) => obj(parse(v, this.at), ctx);
    }
    switch (this.o.format) {
      case 'csv': {
        const csv = d.csv;
        if (!csv) throw new Error(`source "${this.name}" has format csv but no csv decoder`);
        const o = this.csv!;
        const n = this.columns.length;
        if (batch.header !== this.lastHeader) {
          this.lastHeader = batch.header;
          this.mapping = batch.header === null ? null : headerMapping(batch.header, this.columns);
        }
        const map = this.mapping;
        const missing = map === null ? -1 : map.indexOf(-1);
        if (missing >= 0) {
          // Every record of the file would read the column as NULL: refuse them, naming the column.
          const column = this.columns[missing]!;
          const has = batch.header!.map((h) => JSON.stringify(h ?? '')).join(', ');
          const error = new ParseError(
            `the file's CSV header has no column "${column}" (its columns: ${has})`,
            `add "${column}" to the file's header line, declare the columns of "${this.name}" as the header names them, ` +
              `or set 'csv.header' = 'false' to read columns by position`,
          );
          return () => {
            throw error;
          };
        }
        // A record with another number of fields than the header (or, without one, the table) is
        // malformed: reading it would silently shift or drop values (Flink: "Row length mismatch").
        const width = batch.header === null ? n : batch.header.length;
        const against = batch.header === null ? 'the table has' : 'the header has';
        return (line, ctx) => {
          const raw = splitCsvLine(line as string, o);
          if (raw.length !== width)
            throw new ParseError(
              `CSV record has ${raw.length} field${raw.length === 1 ? '' : 's'}, ${against} ${width}`,
            );
          const fields = new Array<string | null>(n);
          for (let j = 0; j < n; j++) {
            const k = map === null ? j : map[j]!;
            fields[j] = k >= 0 && k < raw.length ? raw[k]! : null;
          }
          return csv(fields, ctx);
        };
      }
      case 'raw': {
        const text = d.text;
        if (!text) throw new Error(`source "${this.name}" has format raw but no text decoder`);
        return text as Decode<Row>;
      }
      default: {
        if (d.json) return d.json as Decode<Row>;
        const obj = d.object;
        return (line, ctx) => obj(asObject(parseJson(line as string)), ctx);
      }
    }
  }

  /**
   * JSON lines as bytes (`values[i]` is where record i starts in `buffers[i]`, `process` sets
   * `at`): the generated bytes decoder, else the record as text to the text decoders.
   */
  private bytesDecoder(batch: RecordBatch): Decode<Row> {
    const d = this.spec.decode;
    const buffers = batch.buffers!;
    const ends = batch.ends!;
    const bytes = d.bytes;
    if (bytes !== undefined) return (start, ctx) => bytes(buffers[this.at]!, start as number, ends[this.at]!, ctx);
    const text = (start: unknown): string => buffers[this.at]!.toString('utf8', start as number, ends[this.at]);
    const json = d.json;
    if (json !== undefined) return (start, ctx) => json(text(start), ctx);
    const obj = d.object;
    return (start, ctx) => obj(asObject(parseJson(text(start))), ctx);
  }

  /**
   * Decodes and pushes one batch. `w0` is the query watermark at the start of the batch: rows
   * with event time below it are late (dropped, counted, sent to late.sink) when `dropLate`.
   */
  process(batch: RecordBatch, w0: number): void {
    const route = this.route;
    const values = batch.values;
    const n = values.length;
    const ctx = this.ctx;
    const decode = this.decoderFor(batch);
    const locate = this.spec.metadata.length > 0;
    const wm = this.spec.watermark;
    const eventTime = wm === null ? null : wm.eventTime;
    const expr = wm === null || wm.expr === undefined ? null : wm.expr;
    const delay = wm?.delayMs ?? 0;
    const dropLate = this.dropLate;
    let push = this.push;
    const splits = batch.splits;
    const kinds = batch.kinds ?? null;
    let maxWm = -Infinity;
    let run = 0;
    let runEnd = splits === undefined ? n : splits.length > 0 ? splits[0]!.end : 0;
    this.batch = batch;
    const onSplit = this.onSplit;
    if (onSplit !== null && splits !== undefined && splits.length > 0) onSplit(splits[0]!.id);
    if (route !== null && splits !== undefined && splits.length > 0) {
      const r = route(splits[0]!.id);
      push = r.push;
      w0 = r.watermark;
    }
    for (let i = 0; i < n; i++) {
      if (i === runEnd) {
        // the next split's records: close the previous split's watermark
        this.closeSplit(splits![run]!.id, maxWm);
        maxWm = -Infinity;
        runEnd = splits![++run]!.end;
        onSplit?.(splits![run]!.id);
        if (route !== null) {
          const r = route(splits![run]!.id);
          push = r.push;
          w0 = r.watermark;
        }
      }
      if (locate) batch.locate(i, ctx);
      let row: Row;
      this.at = i;
      try {
        row = decode(values[i], ctx);
      } catch (e) {
        this.parseError(e, batch, i);
        continue;
      }
      if (eventTime !== null) {
        const t = eventTime(row);
        if (t !== null) {
          const w = expr === null ? t - delay : expr(row);
          if (w !== null && w > maxWm) maxWm = w;
          if (dropLate && t < w0) {
            this.late++;
            this.lateWriter?.write(row, '+I');
            continue;
          }
        }
      }
      push(row, kinds === null ? '+I' : kinds[i]!);
    }
    this.at = -1;
    this.batch = null;
    batch.release?.();
    this.rows += n;
    this.totalRows += n;
    if (splits !== undefined) {
      if (splits.length > 0) this.closeSplit(splits[run]!.id, maxWm);
    } else if (maxWm > this.watermark) this.watermark = maxWm;
  }

  private closeSplit(id: string, wm: number): void {
    if (this.knownSplitWatermarks) return; // the connector's, not the rows'
    const w = this.splitWatermarks.get(id);
    if (w === undefined || wm > w) this.splitWatermarks.set(id, wm);
  }

  /**
   * Sources read in splits: the source watermark becomes the minimum over the splits that are
   * not idle (a split without records holds it back at -infinity); never decreasing. When every
   * split is idle, the minimum over the idle splits that have had records: the value it would
   * have reached had the empty splits gone idle first, whatever order the timeouts ran out in.
   */
  advanceSplitWatermark(): void {
    const splits = this.connector.splits?.();
    if (splits === undefined || !this.hasWatermark) return;
    this.watermark = advancedWatermark(
      this.watermark,
      splits.map((s) => ({ watermark: this.splitWatermark(s), idle: s.idle })),
    );
  }

  /** A split's watermark: the connector's when it knows it (a repartition topic), else its rows'. */
  splitWatermark(s: SourceSplit): number {
    const w = this.splitWatermarks.get(s.id) ?? -Infinity;
    return s.watermark !== undefined && s.watermark > w ? s.watermark : w;
  }

  /**
   * After each poll: the watermarks a connector knows for its splits (a repartition topic's, from
   * the upstream tasks' watermark records) go into `splitWatermarks` (never decreasing), where
   * everything that reads split watermarks finds them; rows then no longer set them.
   */
  syncSplitWatermarks(): void {
    if (!this.hasWatermark) return;
    const splits = this.connector.splits?.();
    if (splits === undefined) return;
    for (const s of splits) {
      if (s.epoch !== undefined && this.splitEpochs.get(s.id) !== s.epoch) {
        // read again from an earlier position: the rows read ahead before no longer count
        if (this.splitEpochs.has(s.id)) this.splitWatermarks.delete(s.id);
        this.splitEpochs.set(s.id, s.epoch);
      }
      if (s.watermark === undefined) continue;
      this.knownSplitWatermarks = true;
      const w = this.splitWatermarks.get(s.id);
      if (w === undefined || s.watermark > w) this.splitWatermarks.set(s.id, s.watermark);
    }
  }

  /**
   * Scaled out: adds this input's part of each task's watermark (task = the split's partition
   * index) to `into`. Of `tasks`, one this input reads (below `taskCount`, its partition count)
   * but has no split of yet counts as a part without a watermark: the input opens a task's
   * partitions only at its own next poll after the assignment, and until then the rows of the
   * query's other inputs must not carry the task's watermark past rows this one has not read
   * (they would be dropped as late: an interval join taken over with a backlog lost its matches so).
   */
  taskParts(
    into: Map<number, { watermark: number; idle: boolean }[]>,
    tasks: Iterable<number>,
    taskCount: number,
  ): void {
    const splits = this.connector.splits?.();
    if (splits === undefined || !this.hasWatermark) return;
    const part = (task: number): { watermark: number; idle: boolean }[] => {
      let l = into.get(task);
      if (l === undefined) into.set(task, (l = []));
      return l;
    };
    const opened = new Set<number>();
    for (const s of splits) {
      const task = taskOf(s.id);
      opened.add(task);
      part(task).push({ watermark: this.splitWatermark(s), idle: s.idle });
    }
    for (const task of tasks) if (task < taskCount && !opened.has(task)) part(task).push(NOT_OPENED);
  }

  private parseError(e: unknown, batch: RecordBatch, i: number): void {
    if (!(e instanceof ParseError) && !(e instanceof SyntaxError)) {
      throw this.errorAt(batch, i, e);
    }
    if (this.ignoreParseErrors) {
      if (this.parseErrors++ === 0) {
        // The batch's first skipped record is kept as a sample (progress, the live page).
        batch.locate(i, this.ctx);
        this.parseErrorSample = { location: locationOf(this.ctx), reason: parseErrorReason(e) };
      }
      return;
    }
    batch.locate(i, this.ctx);
    const key = this.o.format === 'csv' ? 'csv.ignore-parse-errors' : 'json.ignore-parse-errors';
    throw new QueryError({
      query: this.o.query,
      source: this.name,
      location: locationOf(this.ctx),
      reason: `malformed record: ${parseErrorReason(e)}`,
      hint:
        e instanceof ParseError && e.hint !== null
          ? `${e.hint}; or set '${key}' = 'true' on "${this.name}" to skip and count malformed records`
          : `fix the input, or set '${key}' = 'true' on "${this.name}" to skip and count malformed records`,
      cause: e,
    });
  }

  private errorAt(batch: RecordBatch, i: number, e: unknown): QueryError {
    if (e instanceof QueryError) return e;
    batch.locate(i, this.ctx);
    return new QueryError({
      query: this.o.query,
      source: this.name,
      location: locationOf(this.ctx),
      reason: messageOf(e),
      hint: 'the record above made the query fail; fix the input or the query',
      cause: e,
    });
  }

  /** Wraps an exception thrown while a row of this input was being pushed (null when none was). */
  failure(e: unknown): QueryError | null {
    if (e instanceof QueryError) return e;
    if (this.batch === null || this.at < 0) return null;
    const err = this.errorAt(this.batch, this.at, e);
    this.batch = null;
    this.at = -1;
    return err;
  }

  /** Per split (Kafka partition): its lag, watermark and idleness, for progress reports. */
  splitProgress(): SourceProgress['partitions'] {
    const splits = this.connector.splits?.();
    if (splits === undefined) return undefined;
    return splits.map((s) => ({
      id: s.id,
      lag: s.lag,
      watermark: iso(this.splitWatermark(s)),
      idle: s.idle,
    }));
  }

  resetBatchCounters(): void {
    this.rows = 0;
    this.late = 0;
    this.parseErrors = 0;
    this.parseErrorSample = null;
  }
}

function parseErrorReason(e: unknown): string {
  return e instanceof SyntaxError ? `invalid JSON (${e.message})` : (e as Error).message;
}

/**
 * A watermark combined from parts (a source's splits, a query's inputs): the minimum over the
 * parts that are not idle; when every part is idle, the minimum over the parts that have a
 * watermark at all (a part that never saw a row holds nothing back). Never below `current`.
 */
export function advancedWatermark(
  current: number,
  parts: Iterable<{ readonly watermark: number; readonly idle: boolean }>,
): number {
  let active = Infinity;
  let idle = Infinity;
  let anyActive = false;
  for (const p of parts) {
    if (!p.idle) {
      anyActive = true;
      if (p.watermark < active) active = p.watermark;
    } else if (p.watermark > -Infinity && p.watermark < idle) idle = p.watermark;
  }
  const next = anyActive ? active : idle;
  return next !== Infinity && next > current ? next : current;
}
