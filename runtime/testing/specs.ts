/**
 * Hand-written "as if generated" building blocks for the runtime's own tests: a small event row
 * type with its source spec and decoder, accumulators, sink specs and a job wrapper. Not part of
 * the public API.
 */
import type { Accumulator, FieldDesc, Json, JobSpec, QuerySpec, SinkSpec, SourceSpec } from '../index.ts';
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
