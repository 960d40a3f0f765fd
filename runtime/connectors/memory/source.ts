/**
 * The `memory` source: rows handed in by the embedding program. `rows` are read in batches of
 * `scan.batch-size`; `batches` gives explicit micro-batch boundaries (tests of watermarks and
 * late rows); `stream` is an async iterable (e.g. a `MemoryStream`) whose rows are read as they
 * arrive. Rows go through the generated `decode.object`, so ISO timestamp strings work. The
 * input ends when the rows, batches or stream end (then the watermark jumps to +infinity),
 * unless `memory.bounded` = 'false': then it waits for the query to be stopped.
 */
import type { Json, MemorySourceBinding, RecordContext } from '../../types.ts';
import type { RecordBatch, SourceConnector, SourceContext } from '../types.ts';

/**
 * Rows pushed by a program over time: `push(...rows)` to add, `end()` to finish. Bind it with
 * `createJob({ sources: { clicks: { stream } } })`.
 */
export class MemoryStream<T = unknown> implements AsyncIterable<T> {
  private queue: T[] = [];
  private ended = false;
  private wake: (() => void) | null = null;

  push(...rows: T[]): void {
    if (this.ended) throw new Error('MemoryStream.push after end()');
    for (const r of rows) this.queue.push(r);
    this.notify();
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.queue.length > 0) {
        const rows = this.queue;
        this.queue = [];
        yield* rows;
      } else if (this.ended) {
        return;
      } else {
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    }
  }
}

class MemoryBatch implements RecordBatch {
  readonly kind = 'object';
  readonly header = null;
  constructor(
    readonly values: readonly unknown[],
    private readonly first: number,
  ) {}
  locate(i: number, ctx: RecordContext): void {
    ctx.offset = this.first + i;
  }
}

class MemorySource implements SourceConnector {
  private rows: Iterator<unknown> | null = null;
  private batches: Iterator<Iterable<unknown>> | null = null;
  private buffered: unknown[] = [];
  private streamDone = true;
  private wake: (() => void) | null = null;
  private done = false;
  private position = 0;
  private streamError: unknown = null;

  constructor(
    private readonly name: string,
    private readonly binding: MemorySourceBinding,
    /** 'memory.bounded' = 'false': after the rows, wait for more (until the query stops). */
    private readonly unbounded: boolean,
  ) {}

  async open(start: Json | null): Promise<void> {
    const b = this.binding;
    if (b.rows) this.rows = b.rows[Symbol.iterator]();
    else if (b.batches) this.batches = b.batches[Symbol.iterator]();
    else if (b.stream) this.pump(b.stream);
    else throw new Error(`memory source "${this.name}" binding needs rows, batches or stream`);
    // resuming (checkpoint): skip what was already read
    const skip = typeof start === 'object' && start !== null && 'position' in start ? (start['position'] as number) : 0;
    while (this.position < skip && !this.done) {
      const b2 = await this.poll(skip - this.position);
      if (b2 === null) break;
    }
  }

  private pump(stream: AsyncIterable<unknown>): void {
    this.streamDone = false;
    void (async () => {
      try {
        for await (const v of stream) {
          this.buffered.push(v);
          this.notify();
        }
      } catch (e) {
        this.streamError = e;
      }
      this.streamDone = true;
      this.notify();
    })();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  async poll(max: number): Promise<RecordBatch | null> {
    let values: unknown[];
    if (this.rows !== null) {
      values = [];
      while (values.length < max) {
        const r = this.rows.next();
        if (r.done) {
          this.done = true;
          break;
        }
        values.push(r.value);
      }
    } else if (this.batches !== null) {
      const r = this.batches.next();
      if (r.done) {
        this.done = true;
        return null;
      }
      values = [...r.value];
    } else {
      if (this.streamError !== null) throw this.streamError;
      if (this.buffered.length <= max) {
        values = this.buffered;
        this.buffered = [];
      } else {
        values = this.buffered.slice(0, max);
        this.buffered = this.buffered.slice(max);
      }
      if (this.streamDone && this.buffered.length === 0) this.done = true;
    }
    if (values.length === 0) return null;
    const batch = new MemoryBatch(values, this.position);
    this.position += values.length;
    return batch;
  }

  isExhausted(): boolean {
    if (this.unbounded) return false;
    if (this.rows !== null || this.batches !== null) return this.done;
    return this.streamDone && this.buffered.length === 0;
  }

  waitForData(ms: number): Promise<void> {
    if (this.buffered.length > 0 || this.isExhausted()) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  offsets(): Json {
    return { position: this.position };
  }

  async close(): Promise<void> {}
}

export function memorySource(ctx: SourceContext): SourceConnector {
  if (ctx.binding === null) {
    throw new Error(
      `memory source "${ctx.name}" has no rows bound: pass createJob({ sources: { ${ctx.name}: { rows: [...] } } })`,
    );
  }
  return new MemorySource(ctx.name, ctx.binding, !ctx.bounded);
}
