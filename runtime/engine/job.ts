/**
 * `defineJob(spec, overrides)`: all queries of one generated module in one process, with
 * awaitAnyTermination semantics (the first failing query stops the others and the job rejects
 * with its `QueryError`). Sinks are shared by the queries writing to them; every query reads its
 * own sources (Spark). `overrides` re-point connectors (options merged into WITH), bind memory
 * sources/sinks, and override SET options.
 */
import type { FormatName } from '../contract.ts';
import type {
  CreateJobOverrides,
  JobOverrides,
  Json,
  MemorySinkBinding,
  MemorySourceBinding,
  QueryProgress,
  SinkRows,
  SinkSpec,
  SourceSpec,
} from '../types.ts';
import type { Job, JobSpec, QueryHandle, UiOptions, UiServer } from './api.ts';
import type { Registry as PromRegistry } from 'prom-client';
import type { ScaleOut, SinkConnector, SinkRecovery, SourceConnector } from '../connectors/types.ts';
import { connectorSpec, sinkFactory, sourceFactory } from '../connectors/registry.ts';
import type { ConnectorConfig } from '../connectors/spec.ts';
import type { FileConfig } from '../connectors/file/options.ts';
import { DEFAULT_BATCH_SIZE } from '../connectors/common.ts';
import { normaliseKey } from '../formats/options.ts';
import { parseBoolean, parseDuration, parseEnum, parseInteger } from '../options.ts';
import { describeQuery, type QueryDescription } from '../checkpoint/describe.ts';
import { formatDuration } from '../windows/format.ts';
import { CheckpointStore, type CheckpointSettings } from '../checkpoint/store.ts';
import { QueryError, hintOf, messageOf } from './errors.ts';
import { Query, type QueryEnv } from './query.ts';
import { checkInputsExist, checkSinkPaths, type FilePath } from './paths.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

type Options = Readonly<Record<string, string>>;

function isSourceBinding(o: object): o is MemorySourceBinding {
  return 'rows' in o || 'batches' in o || 'stream' in o;
}

function isSinkBinding(o: object): o is MemorySinkBinding {
  return 'rows' in o || 'onBatch' in o || 'json' in o;
}

/**
 * The typed config of a relation as it runs: the module's (resolved by the compiler) unless
 * `createJob` overrides changed the options or bound it to memory, or a hand-written spec has
 * none; then the connector's own `resolve()` (the same function the compiler used) decides. A
 * program's own connector (`registerSource` by name, no options spec) runs with what its spec
 * declares.
 */
function configOf(
  name: string,
  connector: string,
  options: Options,
  embedded: ConnectorConfig | undefined,
  declared: { format: FormatName | null; bounded: boolean },
  use: { reads: boolean; writes: boolean; primaryKey?: readonly string[] },
): ConnectorConfig {
  if (embedded !== undefined) return embedded;
  const spec = connectorSpec(connector);
  if (spec !== null) {
    try {
      return spec.resolve(options, { relationName: name, ...use });
    } catch (e) {
      throw new Error(`${use.reads ? 'source' : 'sink'} "${name}": ${messageOf(e)}`, { cause: e });
    }
  }
  const batch = options['scan.batch-size'];
  return {
    format: declared.format,
    bounded: declared.bounded,
    batchSize: batch === undefined ? DEFAULT_BATCH_SIZE : parseInteger(batch, 1),
    deliveryGuarantee: 'at-least-once',
  };
}

/** Override options with Flink's `value.` spellings normalised, as the compiler does. */
function normalised(options: Options | undefined): Options {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(options ?? {})) out[normaliseKey(k)] = v;
  return out;
}

class JobRuntime implements Job {
  readonly name: string;
  private readonly queryList: Query[] = [];
  private readonly sinks = new Map<string, SinkConnector>();
  /** Paths of the file sources and sinks (checked against each other before anything opens). */
  private readonly fileSources: FilePath[] = [];
  private readonly fileSinks: FilePath[] = [];
  /** Per source with a late.sink, the query that writes its late rows. */
  private readonly lateOwners = new Map<string, string>();
  private readonly listeners: ((p: QueryProgress) => void)[] = [];
  private readonly noticeListeners: ((message: string) => void)[] = [];
  /** `checkpoint.dir` and friends, or null without checkpoints. */
  private readonly checkpoint: Omit<CheckpointSettings, 'notice'> | null;
  private store: CheckpointStore | null = null;
  private started: Promise<void> | null = null;
  private termination: Promise<void> | null = null;
  private firstError: QueryError | null = null;
  private readonly triggerIntervalMs: number;
  private readonly availableNow: boolean;
  /** `pipeline.scale-out` (docs/scale-out.md): the job's group, or null (one process reads everything). */
  private readonly scaleOut: Omit<ScaleOut, 'positions' | 'query'> | null;
  /** `pipeline.scale-out.repartition-partitions`, or null: the job's task count. */
  private readonly repartitionPartitions: number | null;

  constructor(
    private readonly spec: JobSpec,
    private readonly overrides: JobOverrides,
  ) {
    const set = { ...spec.options.raw, ...(overrides.set ?? {}) };
    // `--set pipeline.name=...` names the job (and so the checkpoint it matches) as the SET does
    this.name = overrides.set?.['pipeline.name'] || spec.options.pipelineName || spec.name;
    /** A SET option's value parsed; a bad value is an error that names the option. */
    const option = <T>(key: string, parse: (text: string) => T, fallback: T): T => {
      const text = set[key];
      if (text === undefined) return fallback;
      try {
        return parse(text);
      } catch (e) {
        throw new Error(`option '${key}' = '${text}' ${messageOf(e)}`, { cause: e });
      }
    };
    this.triggerIntervalMs = option('trigger.interval', parseDuration, spec.options.triggerIntervalMs);
    this.availableNow =
      option('trigger.mode', (t) => parseEnum(t, ['continuous', 'available-now']), spec.options.triggerMode) ===
      'available-now';
    const dir = set['checkpoint.dir'] ?? spec.options.checkpointDir;
    this.scaleOut = option('pipeline.scale-out', parseBoolean, false)
      ? {
          group: `sqc-${this.name}`,
          sessionTimeoutMs: option('pipeline.scale-out.session-timeout', parseDuration, 10_000),
        }
      : null;
    this.repartitionPartitions = option(
      'pipeline.scale-out.repartition-partitions',
      (t): number | null => parseInteger(t, 1),
      null,
    );
    if (this.scaleOut !== null && dir !== null && dir !== undefined && dir !== '')
      throw new Error(
        `'pipeline.scale-out' and 'checkpoint.dir' cannot be used together yet: a scaled-out job keeps its positions in Kafka (group "${this.scaleOut.group}"), and a local checkpoint would resume partitions another process has advanced. ` +
          `Remove 'checkpoint.dir' (docs/scale-out.md), or run the job in one process`,
      );
    if (this.scaleOut !== null && this.availableNow)
      throw new Error(
        `'pipeline.scale-out' needs continuous reading: 'trigger.mode' = 'available-now' ends when this process has read its own partitions, not the job's input`,
      );
    this.checkpoint =
      dir === null || dir === undefined || dir === ''
        ? null
        : {
            dir,
            job: this.name,
            intervalMs: option('checkpoint.interval', parseDuration, spec.options.checkpointIntervalMs),
            retained: option('checkpoint.retained', (t) => parseInteger(t, 1), 3),
          };
    for (const name of Object.keys(overrides.sources ?? {})) {
      if (!spec.sources.some((s) => s.name === name || s.options['memory.name'] === name)) {
        throw new Error(
          `createJob: unknown source "${name}" (sources: ${spec.sources.map((s) => s.name).join(', ') || 'none'})`,
        );
      }
    }
    for (const name of Object.keys(overrides.sinks ?? {})) {
      if (!spec.sinks.some((s) => s.name === name || s.options['memory.name'] === name)) {
        throw new Error(
          `createJob: unknown sink "${name}" (sinks: ${spec.sinks.map((s) => s.name).join(', ') || 'none'})`,
        );
      }
    }
    const env: QueryEnv = {
      triggerIntervalMs: this.triggerIntervalMs,
      availableNow: this.availableNow,
      openSource: (s, query) => this.openSource(s, query),
      sink: (name) => this.sink(name),
      sinkSpec: (name) => this.spec.sinks.find((x) => x.name === name),
      progress: (p) => {
        for (const l of this.listeners) l(p);
      },
      syncSinks: async (names, query) => {
        const durable = new Map<string, number>();
        for (const [q, log] of this.store?.queries ?? []) durable.set(q, log.stateBatch);
        for (const n of names) await this.sinks.get(n)?.sync?.(durable, query);
      },
      sinkMarks: (names, query) => {
        const marks: Record<string, Json> = {};
        for (const n of names) {
          const m = this.sinks.get(n)?.checkpointMark?.(query);
          if (m !== undefined) marks[n] = m;
        }
        return marks;
      },
      notice: (m) => this.notice(m),
      claimLateSink: (source, query) => {
        const owner = this.lateOwners.get(source);
        if (owner === undefined) this.lateOwners.set(source, query);
        return (owner ?? query) === query;
      },
      checkpointing: this.checkpoint !== null,
      checkpointIntervalMs: option('checkpoint.interval', parseDuration, spec.options.checkpointIntervalMs),
    };
    for (const q of spec.queries) this.queryList.push(new Query(q, env));
  }

  get checkpointDir(): string | null {
    return this.checkpoint?.dir ?? null;
  }

  get queries(): readonly QueryHandle[] {
    return this.queryList;
  }

  private openSource(
    s: SourceSpec<unknown>,
    query?: string,
  ): {
    connector: SourceConnector;
    options: Options;
    config: ConnectorConfig;
    format: FormatName | null;
    bounded: boolean;
    binding: MemorySourceBinding | null;
  } {
    const o = this.overrides.sources?.[s.name] ?? this.overrides.sources?.[s.options['memory.name'] ?? ''];
    const binding = o !== undefined && isSourceBinding(o) ? o : null;
    const options: Options =
      binding !== null
        ? { ...s.options, ...normalised(binding.options) }
        : { ...s.options, ...normalised(o as Options | undefined) };
    const connector = binding !== null ? 'memory' : (options['connector'] ?? s.connector);
    const config = configOf(s.name, connector, options, o === undefined ? s.config : undefined, s, {
      reads: true,
      writes: false,
      primaryKey: s.primaryKey ?? [],
    });
    if (connector === 'file' || connector === 'filesystem')
      this.fileSources.push({ name: s.name, path: (config as FileConfig).path, bounded: config.bounded });
    const factory = sourceFactory(connector);
    return {
      connector: factory({
        name: s.name,
        job: this.name,
        config,
        options,
        format: config.format,
        physical: s.physical,
        ...(s.reads !== undefined ? { reads: s.reads } : {}),
        ...(s.transientRows !== undefined && binding === null ? { transientRows: s.transientRows } : {}),
        bounded: config.bounded,
        availableNow: this.availableNow,
        binding,
        notice: (m) => this.notice(m),
        scaleOut:
          this.scaleOut !== null && query !== undefined
            ? { ...this.scaleOut, query, positions: `${this.scaleOut.group}.${query}.${s.name}` }
            : null,
      }),
      options,
      config,
      format: config.format,
      bounded: config.bounded,
      binding,
    };
  }

  private sink(name: string): SinkConnector {
    let c = this.sinks.get(name);
    if (c) return c;
    const s: SinkSpec | undefined = this.spec.sinks.find((x) => x.name === name);
    if (!s) throw new Error(`no sink named "${name}" in job "${this.name}"`);
    const o = this.overrides.sinks?.[name] ?? this.overrides.sinks?.[s.options['memory.name'] ?? ''];
    const binding = o !== undefined && isSinkBinding(o) ? o : null;
    const options: Options = binding !== null ? s.options : { ...s.options, ...normalised(o as Options | undefined) };
    const connector = binding !== null ? 'memory' : (options['connector'] ?? s.connector);
    const config = configOf(
      name,
      connector,
      options,
      o === undefined ? s.config : undefined,
      { ...s, bounded: false },
      { reads: false, writes: true, primaryKey: s.keyFields },
    );
    if (connector === 'file' || connector === 'filesystem')
      this.fileSinks.push({ name, path: (config as FileConfig).path });
    c = sinkFactory(connector)({
      name,
      config,
      options,
      format: config.format,
      schema: s.schema,
      keyFields: s.keyFields,
      partitionBy: s.partitionBy ?? [],
      metadata: s.metadata ?? [],
      deliveryGuarantee: s.deliveryGuarantee,
      job: this.name,
      binding,
      print: this.overrides.print ?? null,
      checkpointing: this.checkpoint !== null,
      notice: (m) => this.notice(m),
      scaleOut: this.scaleOut,
    });
    this.sinks.set(name, c);
    return c;
  }

  start(): Promise<void> {
    if (this.started) return this.started;
    this.started = (async () => {
      await checkSinkPaths(this.fileSinks, this.fileSources);
      if (this.scaleOut !== null) {
        // the job's task count: repartition topics are created with it before anything reads them
        let tasks = this.repartitionPartitions ?? 0;
        if (this.repartitionPartitions === null)
          for (const q of this.queryList) tasks = Math.max(tasks, await q.sourceTasks());
        for (const s of this.sinks.values()) await s.prepare?.(Math.max(tasks, 1));
        for (const q of this.queryList) await q.checkScaleOut();
        if (this.spec.options.raw['pipeline.scale-out'] !== 'true')
          for (const q of this.queryList)
            if (q.operatorList.length > 0)
              throw new Error(
                `query "${q.name}" keeps state, and the job was compiled without 'pipeline.scale-out' = 'true' (it is set with --set only), so its plan has no repartition stages: ` +
                  `SET 'pipeline.scale-out' = 'true' in the file, so that the compiler re-keys what needs it (docs/scale-out.md)`,
              );
      }
      // a resumed run may have finished reading its files; a fresh one needs them
      const dir = this.checkpoint?.dir;
      if (dir === undefined || !existsSync(join(dir, 'metadata'))) await checkInputsExist(this.fileSources);
      const { recovery, notices } = await this.openCheckpoint();
      // opened together (Kafka sinks connect, fence and read their progress), failures in order
      const opened = await Promise.allSettled([...this.sinks.values()].map((s) => s.open(recovery)));
      for (const [i, name] of [...this.sinks.keys()].entries()) {
        const r = opened[i]!;
        if (r.status === 'rejected') {
          const e: unknown = r.reason;
          this.closeCheckpoint();
          const all = [...this.sinks.values()];
          for (const [j, other] of all.entries())
            if (opened[j]!.status === 'fulfilled') await other.close().catch(() => {});
          const hint = messageOf(e).includes('\n  hint: ') ? null : hintOf(e); // a CheckpointError says it
          throw new Error(`opening sink "${name}" failed: ${messageOf(e)}${hint !== null ? `\n  hint: ${hint}` : ''}`, {
            cause: e,
          });
        }
      }
      // said once the sinks accepted the checkpoint (a refusing sink's error says what is wrong)
      for (const n of notices) this.notice(n);
    })();
    this.termination = this.started.then(() => this.runAll());
    // a failure is reported by awaitTermination; keep an unobserved rejection from crashing
    this.termination.catch(() => {});
    return this.started;
  }

  private async runAll(): Promise<void> {
    const runs = this.queryList.map((q) =>
      q.run().catch((e: unknown) => {
        const err = e instanceof QueryError ? e : new QueryError({ query: q.name, reason: messageOf(e), cause: e });
        if (this.firstError === null) {
          this.firstError = err;
          for (const other of this.queryList) other.requestStop();
        }
      }),
    );
    await Promise.all(runs);
    for (const s of this.sinks.values()) await s.close().catch(() => {});
    this.closeCheckpoint();
    if (this.firstError !== null) throw this.firstError;
  }

  /**
   * With `checkpoint.dir`: opens the checkpoint (refusing an incompatible or damaged one),
   * restores every query's state and hands it the batches to replay. Returns what the sinks need
   * to resume (null for a fresh run) and the notices to give once they opened.
   */
  private async openCheckpoint(): Promise<{ recovery: SinkRecovery | null; notices: string[] }> {
    const notices: string[] = [];
    const c = this.checkpoint;
    if (c === null) return { recovery: null, notices };
    const store = await CheckpointStore.open({ ...c, notice: (m) => this.notice(m) }, this.describe());
    this.store = store;
    try {
      for (const q of this.queryList) q.attachCheckpoint(store.queries.get(q.name)!);
    } catch (e) {
      this.closeCheckpoint();
      throw e;
    }
    const every = c.intervalMs === 0 ? 'after every micro-batch' : `every ${formatDuration(c.intervalMs)}`;
    if (store.resumed) {
      const parts = [...store.queries.values()].map((l) => {
        if (l.finished) return `${l.name} finished in an earlier run (batch ${l.committed}): nothing to do`;
        const replay = l.replay.length;
        return `${l.name} after batch ${l.committed}${l.stateBatch >= 0 ? ` (state of batch ${l.stateBatch}` : ' (no state yet'}${replay ? `, replaying ${replay} batch${replay === 1 ? '' : 'es'})` : ')'}`;
      });
      notices.push(`resuming from checkpoint ${c.dir}: ${parts.join('; ')}`);
    } else {
      notices.push(`checkpoints: ${c.dir}, state ${every}, keeping ${c.retained}`);
    }
    for (const [name, s] of this.sinks) {
      if (s.guarantee === 'at-least-once') {
        notices.push(
          `sink "${name}" is at-least-once: after a crash, the rows of the micro-batch that was interrupted may be written again`,
        );
      }
    }
    const recovery = store.resumed
      ? {
          committed: new Map([...store.queries].map(([q, l]) => [q, l.committed])),
          marks: new Map([...store.queries].map(([q, l]) => [q, l.sinkMarks])),
          dir: c.dir,
        }
      : null;
    return { recovery, notices };
  }

  private closeCheckpoint(): void {
    this.store?.close();
    this.store = null;
  }

  private notice(message: string): void {
    if (this.noticeListeners.length === 0) process.stderr.write(`sqc: ${message}\n`);
    for (const l of this.noticeListeners) l(message);
  }

  async awaitTermination(): Promise<void> {
    if (!this.termination) throw new Error('job not started: call start() first');
    await this.termination;
  }

  async run(): Promise<void> {
    await this.start();
    await this.awaitTermination();
  }

  async stop(): Promise<void> {
    for (const q of this.queryList) q.requestStop();
    if (this.termination) await this.termination.catch(() => {});
  }

  on(event: 'progress', listener: (progress: QueryProgress) => void): this;
  on(event: 'notice', listener: (message: string) => void): this;
  on(event: 'progress' | 'notice', listener: ((progress: QueryProgress) => void) | ((message: string) => void)): this {
    if (event === 'progress') this.listeners.push(listener as (progress: QueryProgress) => void);
    else if (event === 'notice') this.noticeListeners.push(listener as (message: string) => void);
    else throw new Error(`unknown job event '${event as string}'`);
    return this;
  }

  describe(): QueryDescription[] {
    return this.queryList.map((q) => describeQuery(q.describeParts()));
  }

  recentProgress(query?: string): readonly QueryProgress[] {
    if (query !== undefined) return this.query(query).recentProgress;
    return this.queryList.flatMap((q) => q.recentProgress).sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  }

  async serveUi(options?: UiOptions): Promise<UiServer> {
    const { serveUi } = await import('../monitor/server.ts');
    const graphs = new Map(this.spec.queries.map((q) => [q.name, q.graph ?? []]));
    return serveUi(this, graphs, options);
  }

  async registerMetrics(registry?: PromRegistry): Promise<PromRegistry> {
    const { registerJobMetrics } = await import('../monitor/metrics.ts');
    return (await registerJobMetrics(this, registry)).registry;
  }

  private query(name: string): Query {
    const q = this.queryList.find((x) => x.name === name);
    if (!q) throw new Error(`no query named "${name}" (queries: ${this.queryList.map((x) => x.name).join(', ')})`);
    return q;
  }

  lastProgress(query?: string): QueryProgress | null {
    if (query === undefined) {
      let last: QueryProgress | null = null;
      for (const q of this.queryList)
        if (q.lastProgress && (!last || q.lastProgress.timestamp >= last.timestamp)) last = q.lastProgress;
      return last;
    }
    return this.query(query).lastProgress;
  }
}

/**
 * Creates a job from a generated module's spec; call `run()` (or `start()`) to execute it. A
 * generated `createJob` passes `CreateJobOverrides` typed by its job; the engine reads them as
 * the untyped `JobOverrides` (the same objects: typed bindings narrow what the untyped ones take).
 */
export function defineJob(spec: JobSpec, overrides?: JobOverrides): Job;
export function defineJob<Sources, Sinks extends { readonly [K in keyof Sinks]: SinkRows<unknown, unknown> }>(
  spec: JobSpec,
  overrides?: CreateJobOverrides<Sources, Sinks>,
): Job;
export function defineJob(spec: JobSpec, overrides: object = {}): Job {
  return new JobRuntime(spec, overrides as JobOverrides);
}
