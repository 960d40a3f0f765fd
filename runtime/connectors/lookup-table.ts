/**
 * A lookup table: a bounded TABLE (file, CSV or JSON lines; or a memory binding) read to its end
 * once and indexed by the join key, for stream–table (lookup) joins (§7).
 *
 * Loading reuses the source machinery unchanged: the relation's connector (the `file` source
 * for files, so paths, directories, globs, CSV headers and options behave as for any source)
 * opened in available-now mode and polled to exhaustion, each batch decoded by the engine's
 * `Input` with the generated decoder — same parse-error policy, same `file:line` messages. Rows
 * whose key is NULL are read but not indexed (they match nothing). Several rows per key are
 * kept, in file order.
 *
 * `lookup.reload-interval` (a duration): at most that often, the files under `path` are listed
 * and stat'ed; when any name, size or mtime differs from the last load, the table is read again
 * into a fresh index. The new index replaces the old one only when `swap` points are reached —
 * `tick()` / `maybeReload()`, called between micro-batches — so a batch never sees two versions.
 * A failed reload (file half-written, parse error, file gone) keeps the old index, is recorded in
 * `lastReloadError` / `reloadFailures`, and is retried at the next interval.
 */
import { stat } from 'node:fs/promises';
import type { FormatName } from '../contract.ts';
import type { KeyValue, MemorySourceBinding, SourceSpec } from '../types.ts';
import { Input } from '../engine/input.ts';
import { messageOf } from '../engine/errors.ts';
import { listFiles } from './file/list-files.ts';
import type { FileConfig } from './file/options.ts';
import { connectorSpec, sourceFactory } from './registry.ts';
import type { ConnectorConfig } from './spec.ts';
import { DEFAULT_BATCH_SIZE } from './common.ts';

export interface LookupTableConfig<Row, Key extends KeyValue> {
  /** Join key of a table row (the plan's `rightKeys`), null when a key column is NULL. */
  readonly key: (row: Row) => Key | null;
  /** WITH options after `createJob` overrides (default: `spec.options`). */
  readonly options?: Readonly<Record<string, string>>;
  /** The connector's typed config after overrides (default: `spec.config`, else resolved from the options). */
  readonly config?: ConnectorConfig;
  /** Format after overrides (default: the config's). */
  readonly format?: FormatName | null;
  /** A `createJob` memory binding that replaces the connector (never reloaded). */
  readonly binding?: MemorySourceBinding | null;
  /** The query that joins with the table (error messages). */
  readonly query?: string;
  /** Clock for the reload interval (tests). */
  readonly now?: () => number;
}

type Index<Row, Key> = Map<Key, Row[]>;

export class LookupTable<Row, Key extends KeyValue = KeyValue> {
  /** Reads and indexes `spec` (a bounded TABLE source) before it is used. */
  static async load<Row, Key extends KeyValue>(
    spec: SourceSpec<Row>,
    config: LookupTableConfig<Row, Key>,
  ): Promise<LookupTable<Row, Key>> {
    const t = new LookupTable(spec, config);
    await t.open();
    return t;
  }

  readonly name: string;
  /** `lookup.reload-interval` in ms, or null when the table is loaded once. */
  readonly reloadIntervalMs: number | null;
  private index: Index<Row, Key> = new Map();
  private indexedRows = 0;
  /** Rows read in the current version (NULL keys included). */
  rowsRead = 0;
  /** Loads swapped in so far (1 after `open`). */
  version = 0;
  reloadFailures = 0;
  lastReloadError: Error | null = null;

  private readonly options: Readonly<Record<string, string>>;
  private readonly format: FormatName | null;
  private readonly settings: ConnectorConfig;
  private readonly connector: string;
  private readonly watchable: boolean;
  private readonly now: () => number;
  /** Files, sizes and mtimes when the current version was read. */
  private signature = '';
  private pending: { index: Index<Row, Key>; rows: number; indexed: number; signature: string } | null = null;
  private inflight: Promise<void> | null = null;
  private nextCheck = Infinity;

  constructor(
    readonly spec: SourceSpec<Row>,
    private readonly config: LookupTableConfig<Row, Key>,
  ) {
    this.name = spec.name;
    const binding = config.binding ?? null;
    this.options = config.options ?? spec.options;
    this.connector = binding !== null ? 'memory' : (this.options['connector'] ?? spec.connector);
    this.settings =
      config.config ??
      (config.options === undefined && binding === null ? spec.config : undefined) ??
      resolveSource(spec, this.connector, this.options);
    this.format = binding !== null ? null : config.format !== undefined ? config.format : this.settings.format;
    this.watchable = binding === null && connectorSpec(this.connector)?.name === 'file';
    this.reloadIntervalMs = this.watchable ? (this.settings as FileConfig).reloadIntervalMs : null;
    this.now = config.now ?? Date.now;
  }

  /** Reads the table for the first time (errors are thrown: the query cannot start without it). */
  async open(): Promise<void> {
    const v = await this.read();
    this.install(v);
    this.nextCheck = this.reloadIntervalMs === null ? Infinity : this.now() + this.reloadIntervalMs;
  }

  /** The table rows with join key `key` (file order), or undefined. Never call with null. */
  get(key: Key): readonly Row[] | undefined {
    return this.index.get(key);
  }

  /** Indexed rows (NULL keys excluded). */
  get size(): number {
    return this.indexedRows;
  }

  /** Distinct keys. */
  get keys(): number {
    return this.index.size;
  }

  /**
   * Non-blocking, between batches: installs a reload that has finished, and starts a background
   * check when the reload interval has passed. The lookup join calls it from `onBatchEnd`.
   */
  tick(): boolean {
    const swapped = this.swap();
    if (this.inflight === null && this.now() >= this.nextCheck) void this.startCheck();
    return swapped;
  }

  /**
   * Awaitable, between batches (the engine hook): when the interval has passed, checks the files
   * and reloads if they changed; waits for a check already running; installs the result. True
   * when a new version was installed.
   */
  async maybeReload(): Promise<boolean> {
    if (this.inflight === null && this.now() >= this.nextCheck) void this.startCheck();
    if (this.inflight !== null) await this.inflight;
    return this.swap();
  }

  /** Checks now, regardless of the interval (tests, manual refresh); true when reloaded. */
  async reloadIfChanged(): Promise<boolean> {
    if (!this.watchable) return false;
    if (this.inflight !== null) await this.inflight;
    await this.startCheck();
    return this.swap();
  }

  /** Resolves when no background check is running (close, tests). */
  async whenIdle(): Promise<void> {
    while (this.inflight !== null) await this.inflight;
  }

  private startCheck(): Promise<void> {
    this.nextCheck = this.reloadIntervalMs === null ? Infinity : this.now() + this.reloadIntervalMs;
    const run = (async () => {
      try {
        const sig = await this.fileSignature();
        const current = this.pending?.signature ?? this.signature;
        if (sig === current) return;
        const v = await this.read();
        this.pending = v;
        this.lastReloadError = null;
      } catch (e) {
        this.reloadFailures++;
        this.lastReloadError = e instanceof Error ? e : new Error(messageOf(e));
      } finally {
        this.inflight = null;
      }
    })();
    this.inflight = run;
    return run;
  }

  private swap(): boolean {
    const p = this.pending;
    if (p === null) return false;
    this.pending = null;
    this.install(p);
    return true;
  }

  private install(v: { index: Index<Row, Key>; rows: number; indexed: number; signature: string }): void {
    this.index = v.index;
    this.rowsRead = v.rows;
    this.indexedRows = v.indexed;
    this.signature = v.signature;
    this.version++;
  }

  /** `name:size:mtime` of every file under `path` (taken before reading: a change during the read is seen next time). */
  private async fileSignature(): Promise<string> {
    if (!this.watchable) return '';
    const parts: string[] = [];
    for (const f of await listFiles((this.settings as FileConfig).path)) {
      try {
        const s = await stat(f);
        parts.push(`${f}:${s.size}:${s.mtimeMs}`);
      } catch {
        parts.push(`${f}:gone`);
      }
    }
    return parts.join('\n');
  }

  /** Reads every record of the table into a fresh index. */
  private async read(): Promise<{ index: Index<Row, Key>; rows: number; indexed: number; signature: string }> {
    const signature = await this.fileSignature();
    const spec = this.spec;
    const connector = sourceFactory(this.connector)({
      name: spec.name,
      config: this.settings,
      options: this.options,
      format: this.format,
      physical: spec.physical,
      ...(spec.reads !== undefined ? { reads: spec.reads } : {}),
      bounded: true,
      // read what exists now, also for a monitored directory
      availableNow: true,
      binding: this.config.binding ?? null,
    });
    const index: Index<Row, Key> = new Map();
    const key = this.config.key;
    let rows = 0;
    let indexed = 0;
    const input = new Input<Row>(
      spec,
      connector,
      (row) => {
        rows++;
        const k = key(row);
        if (k === null) return;
        indexed++;
        const list = index.get(k);
        if (list === undefined) index.set(k, [row]);
        else list.push(row);
      },
      {
        query: this.config.query ?? `lookup table "${spec.name}"`,
        options: this.options,
        format: this.format,
        batchSize: this.settings.batchSize,
        bounded: true,
        dropLate: false,
      },
    );
    try {
      await connector.open(null);
      for (;;) {
        const batch = await connector.poll(input.batchSize);
        if (batch !== null) input.process(batch, -Infinity);
        else if (connector.isExhausted()) break;
        else await connector.waitForData(100);
      }
    } finally {
      await connector.close();
    }
    return { index, rows, indexed, signature };
  }
}

/** The config of a lookup TABLE's connector from its options (a program's own connector: what the spec declares). */
function resolveSource(
  spec: SourceSpec<any>,
  connector: string,
  options: Readonly<Record<string, string>>,
): ConnectorConfig {
  const c = connectorSpec(connector);
  if (c !== null) return c.resolve(options, { relationName: spec.name, reads: true, writes: false });
  return { format: spec.format, bounded: true, batchSize: DEFAULT_BATCH_SIZE, deliveryGuarantee: 'at-least-once' };
}
