/**
 * Hand-written "as if generated" building blocks for the runtime's own tests: a small event row
 * type with its source spec and decoder, accumulators, sink specs and a job wrapper. Not part of
 * the public API.
 */
import type { EmitMode } from '../contract.ts';
import type { Accumulator, FieldDesc, Json, SinkSpec, SourceSpec } from '../types.ts';
import type { JobSpec, QuerySpec } from '../engine/api.ts';
import { SessionWindowAggregate } from '../operators/session-window-aggregate.ts';
import { WindowAggregate } from '../operators/window-aggregate.ts';
import * as decode from '../formats/decode.ts';

export interface Ev {
  k: string | null;
  v: number | null;
  ts: number | null;
}

export const EV_FIELDS: readonly FieldDesc[] = [
  { name: 'k', type: { kind: 'STRING' } },
  { name: 'v', type: { kind: 'DOUBLE' } },
  { name: 'ts', type: { kind: 'TIMESTAMP' } },
];

export function decodeEv(value: unknown): Ev {
  const o = decode.object(value);
  return { k: decode.string(o.k, 'k'), v: decode.double(o.v, 'v'), ts: decode.timestamp(o.ts, 'ts') };
}

export interface EvSourceOptions {
  readonly delayMs?: number | null;
  readonly options?: Record<string, string>;
  readonly lateSink?: string | null;
  readonly idleTimeoutMs?: number | null;
  readonly connector?: SourceSpec<Ev>['connector'];
  readonly bounded?: boolean;
}

/** A source of `Ev` rows with `WATERMARK FOR ts AS ts - delay` (no watermark when delay is null). */
export function evSource(name: string, o: EvSourceOptions = {}): SourceSpec<Ev> {
  const delay = o.delayMs === undefined ? 0 : o.delayMs;
  return {
    name,
    connector: o.connector ?? 'memory',
    format: null,
    options: o.options ?? {},
    idleTimeoutMs: o.idleTimeoutMs ?? null,
    lateSink: o.lateSink ?? null,
    bounded: o.bounded ?? true,
    physical: EV_FIELDS,
    schema: EV_FIELDS,
    metadata: [],
    decode: {
      object: decodeEv,
      csv: (f) => decodeEv({ k: f[0], v: f[1], ts: f[2] }),
    },
    watermark: delay === null ? null : { eventTime: (r) => r.ts, delayMs: delay },
  };
}

export function sinkSpec(
  name: string,
  schema: readonly FieldDesc[],
  connector: SinkSpec['connector'] = 'memory',
  options: Record<string, string> = {},
): SinkSpec {
  return { name, connector, format: null, options, schema, keyFields: [], deliveryGuarantee: 'at-least-once' };
}

export function jobSpec(
  sources: readonly SourceSpec<any>[],
  sinks: readonly SinkSpec[],
  queries: readonly QuerySpec[],
  raw: Record<string, string> = {},
): JobSpec {
  return {
    name: 'test',
    file: 'test.sq',
    options: {
      pipelineName: null,
      checkpointDir: null,
      checkpointIntervalMs: 10_000,
      triggerIntervalMs: 0,
      triggerMode: 'continuous',
      raw,
    },
    sources,
    sinks,
    queries,
  };
}

/** COUNT(*), SUM(v) and the list of v (mergeable). */
export class CountSum implements Accumulator<Ev> {
  count = 0;
  sum = 0;
  vs: (number | null)[] = [];
  add(r: Ev): void {
    this.count++;
    this.sum += r.v ?? 0;
    this.vs.push(r.v);
  }
  merge(o: CountSum): void {
    this.count += o.count;
    this.sum += o.sum;
    this.vs.push(...o.vs);
  }
  snapshot(): Json {
    return [this.count, this.sum, this.vs];
  }
  static restore(s: Json): CountSum {
    const a = new CountSum();
    const [c, sum, vs] = s as [number, number, (number | null)[]];
    a.count = c;
    a.sum = sum;
    a.vs = vs.slice();
    return a;
  }
}

export interface WinOut {
  k: string | null;
  start: number;
  end: number;
  n: number;
  sum: number;
}

export const WIN_FIELDS: readonly FieldDesc[] = [
  { name: 'k', type: { kind: 'STRING' } },
  { name: 'start', type: { kind: 'TIMESTAMP' } },
  { name: 'end', type: { kind: 'TIMESTAMP' } },
  { name: 'n', type: { kind: 'BIGINT' } },
  { name: 'sum', type: { kind: 'DOUBLE' } },
];

/** Epoch ms of `HH:MM:SS` on 2025-04-21 (UTC), for readable test data. */
export function at(hms: string): number {
  return Date.parse(`2025-04-21T${hms}Z`);
}

export function ev(k: string | null, hms: string, v: number | null = 1): Ev {
  return { k, v, ts: at(hms) };
}

/** Deterministic pseudo-random events 2.5 s apart on average, up to 5 s out of order (some late), keys k0–k2. */
export function disorderedEvents(n: number): Ev[] {
  const out: Ev[] = [];
  let a = 7;
  const next = () => (a = (a * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let t = Date.UTC(2025, 3, 21, 10);
  for (let i = 0; i < n; i++) {
    t += Math.floor(next() * 2_500);
    out.push({ k: `k${Math.floor(next() * 3)}`, v: i, ts: t - Math.floor(next() * 5_000) });
  }
  return out;
}

/**
 * Two windowed queries over `src`, COUNT and SUM per key: `hop` (10 s every 5 s, operator `hop`)
 * writing each result to every sink of `hopSinks`, and `sessions` (gap 4 s, operator `session`)
 * writing to `sessionSink`.
 */
export function windowQueries(
  src: SourceSpec<Ev>,
  emit: EmitMode,
  hopSinks: readonly string[],
  sessionSink: string,
): QuerySpec[] {
  const result = (acc: CountSum, k: string | null, start: number, end: number): WinOut => ({
    k,
    start,
    end,
    n: acc.count,
    sum: acc.sum,
  });
  const common = {
    emit,
    time: (r: Ev) => r.ts,
    key: (r: Ev) => r.k,
    create: () => new CountSum(),
    restore: (_k: string | null, s: Json) => CountSum.restore(s),
    result,
  };
  return [
    {
      name: 'hop',
      emit,
      build: (q) => {
        const outs = hopSinks.map((s) => q.sink<WinOut>(s));
        const agg = q.operator(
          new WindowAggregate<Ev, string | null, CountSum, WinOut>({
            ...common,
            id: 'hop',
            window: { kind: 'hop', sizeMs: 10_000, slideMs: 5_000 },
            out: (r, k) => {
              for (const o of outs) o.write(r, k);
            },
          }),
        );
        q.input(src, (r) => agg.push(r, 0));
      },
    },
    {
      name: 'sessions',
      emit,
      build: (q) => {
        const out = q.sink<WinOut>(sessionSink);
        const agg = q.operator(
          new SessionWindowAggregate<Ev, string | null, CountSum, WinOut>({
            ...common,
            id: 'session',
            gapMs: 4_000,
            out: (r, k) => out.write(r, k),
          }),
        );
        q.input(src, (r) => agg.push(r, 0));
      },
    },
  ];
}

/** One query: COUNT and SUM per key per tumbling window of `sizeMs` (operator `id`), emitted final into `sink`. */
export function tumbleCountQuery(
  name: string,
  src: SourceSpec<Ev>,
  o: { readonly id: string; readonly sink: string; readonly sizeMs: number; readonly graph?: QuerySpec['graph'] },
): QuerySpec {
  return {
    name,
    emit: 'final',
    ...(o.graph !== undefined ? { graph: o.graph } : {}),
    build: (q) => {
      const out = q.sink<WinOut>(o.sink);
      const agg = q.operator(
        new WindowAggregate<Ev, string | null, CountSum, WinOut>({
          id: o.id,
          window: { kind: 'tumble', sizeMs: o.sizeMs },
          emit: 'final',
          time: (r) => r.ts,
          key: (r) => r.k,
          create: () => new CountSum(),
          restore: (_k, s) => CountSum.restore(s),
          result: (acc, k, start, end) => ({ k, start, end, n: acc.count, sum: acc.sum }),
          out: (row, kind) => out.write(row, kind),
        }),
      );
      q.input(src, (r) => agg.push(r, 0));
    },
  };
}
