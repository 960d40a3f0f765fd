/**
 * `defineJob(spec, overrides)`: all queries of one generated module in one process, with
 * awaitAnyTermination semantics (the first failing query stops the others and the job rejects
 * with its `QueryError`). Sinks are shared by the queries writing to them; every query reads its
 * own sources (Spark). `overrides` re-point connectors (options merged into WITH), bind memory
 * sources/sinks, and override SET options.
 */
import type {
  FormatName,
  Job,
  JobOverrides,
  JobSpec,
  MemorySinkBinding,
  MemorySourceBinding,
  QueryHandle,
  QueryProgress,
  SinkSpec,
  SourceSpec,
} from '../index.ts';
import type { SinkConnector, SourceConnector } from '../connectors/types.ts';
import { sinkFactory, sourceFactory } from '../connectors/registry.ts';
import { parseDuration, parseEnum } from '../options.ts';
import { QueryError, messageOf } from './errors.ts';
import { Query, type QueryEnv } from './query.ts';

type Options = Readonly<Record<string, string>>;

function isSourceBinding(o: object): o is MemorySourceBinding {
  return 'rows' in o || 'batches' in o || 'stream' in o;
}

function isSinkBinding(o: object): o is MemorySinkBinding {
  return 'rows' in o || 'onBatch' in o || 'json' in o;
}

/** A file path's default format: csv for *.csv, else json (the connector docs' rule). */
function defaultFormat(connector: string, options: Options, declared: FormatName | null): FormatName | null {
  const f = options['format'] ?? options['value.format'];
  if (f !== undefined) return f.toLowerCase() as FormatName;
  if (declared !== null) return declared;
  if (connector === 'file' || connector === 'filesystem') return options['path']?.toLowerCase().endsWith('.csv') ? 'csv' : 'json';
  return null;
}

function isBounded(connector: string, options: Options, declared: boolean): boolean {
  switch (connector) {
    case 'file':
    case 'filesystem':
      return options['source.monitor-interval'] === undefined;
    case 'datagen':
      return options['number-of-rows'] !== undefined || Object.keys(options).some((k) => /^fields\..+\.kind$/.test(k) && options[k] === 'sequence');
    default:
      return declared;
  }
}

class JobRuntime implements Job {
  readonly name: string;
  private readonly queryList: Query[] = [];
  private readonly sinks = new Map<string, SinkConnector>();
  private readonly listeners: ((p: QueryProgress) => void)[] = [];
  private started: Promise<void> | null = null;
  private termination: Promise<void> | null = null;
  private firstError: QueryError | null = null;
  private readonly triggerIntervalMs: number;
  private readonly availableNow: boolean;

  constructor(
    private readonly spec: JobSpec,
    private readonly overrides: JobOverrides,
  ) {
    this.name = spec.options.pipelineName ?? spec.name;
    const set = { ...spec.options.raw, ...(overrides.set ?? {}) };
    this.triggerIntervalMs = set['trigger.interval'] !== undefined ? parseDuration(set['trigger.interval']) : spec.options.triggerIntervalMs;
    this.availableNow =
      (set['trigger.mode'] !== undefined ? parseEnum(set['trigger.mode'], ['continuous', 'available-now']) : spec.options.triggerMode) ===
      'available-now';
    for (const name of Object.keys(overrides.sources ?? {})) {
      if (!spec.sources.some((s) => s.name === name || s.options['memory.name'] === name)) {
        throw new Error(`createJob: unknown source "${name}" (sources: ${spec.sources.map((s) => s.name).join(', ') || 'none'})`);
      }
    }
    for (const name of Object.keys(overrides.sinks ?? {})) {
      if (!spec.sinks.some((s) => s.name === name || s.options['memory.name'] === name)) {
        throw new Error(`createJob: unknown sink "${name}" (sinks: ${spec.sinks.map((s) => s.name).join(', ') || 'none'})`);
      }
    }
    const env: QueryEnv = {
      triggerIntervalMs: this.triggerIntervalMs,
      availableNow: this.availableNow,
      openSource: (s) => this.openSource(s),
      sink: (name) => this.sink(name),
      progress: (p) => {
        for (const l of this.listeners) l(p);
      },
    };
    for (const q of spec.queries) this.queryList.push(new Query(q, env));
  }

  get queries(): readonly QueryHandle[] {
    return this.queryList;
  }

  private openSource(s: SourceSpec<unknown>): {
    connector: SourceConnector;
    options: Options;
    format: FormatName | null;
    bounded: boolean;
    binding: MemorySourceBinding | null;
  } {
    const o = this.overrides.sources?.[s.name] ?? this.overrides.sources?.[s.options['memory.name'] ?? ''];
    const binding = o !== undefined && isSourceBinding(o) ? o : null;
    const options: Options = binding !== null ? { ...s.options, ...(binding.options ?? {}) } : { ...s.options, ...((o as Options) ?? {}) };
    const connector = binding !== null ? 'memory' : (options['connector'] ?? s.connector);
    const format = binding !== null ? null : defaultFormat(connector, options, s.format);
    // memory rows end the input unless 'memory.bounded' = 'false' (then it waits until stopped)
    const bounded =
      binding !== null || connector === 'memory' ? options['memory.bounded']?.toLowerCase() !== 'false' : isBounded(connector, options, s.bounded);
    const factory = sourceFactory(connector);
    return {
      connector: factory({
        name: s.name,
        options,
        format,
        physical: s.physical,
        bounded,
        availableNow: this.availableNow,
        binding,
      }),
      options,
      format,
      bounded,
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
    const options: Options = binding !== null ? s.options : { ...s.options, ...((o as Options) ?? {}) };
    const connector = binding !== null ? 'memory' : (options['connector'] ?? s.connector);
    c = sinkFactory(connector)({
      name,
      options,
      format: binding !== null ? null : defaultFormat(connector, options, s.format),
      schema: s.schema,
      keyFields: s.keyFields,
      deliveryGuarantee: s.deliveryGuarantee,
      binding,
      print: this.overrides.print ?? null,
      checkpointing: this.spec.options.checkpointDir !== null,
      resume: false,
    });
    this.sinks.set(name, c);
    return c;
  }

  start(): Promise<void> {
    if (this.started) return this.started;
    this.started = (async () => {
      for (const [name, s] of this.sinks) {
        try {
          await s.open();
        } catch (e) {
          throw new Error(`opening sink "${name}" failed: ${messageOf(e)}`, { cause: e });
        }
      }
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
    if (this.firstError !== null) throw this.firstError;
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

  on(event: 'progress', listener: (progress: QueryProgress) => void): this {
    if (event !== 'progress') throw new Error(`unknown job event '${event}'`);
    this.listeners.push(listener);
    return this;
  }

  lastProgress(query?: string): QueryProgress | null {
    if (query === undefined) {
      let last: QueryProgress | null = null;
      for (const q of this.queryList) if (q.lastProgress && (!last || q.lastProgress.timestamp >= last.timestamp)) last = q.lastProgress;
      return last;
    }
    const q = this.queryList.find((x) => x.name === query);
    if (!q) throw new Error(`no query named "${query}" (queries: ${this.queryList.map((x) => x.name).join(', ')})`);
    return q.lastProgress;
  }
}

/** Creates a job from a generated module's spec; call `run()` (or `start()`) to execute it. */
export function defineJob(spec: JobSpec, overrides: JobOverrides = {}): Job {
  return new JobRuntime(spec, overrides);
}
