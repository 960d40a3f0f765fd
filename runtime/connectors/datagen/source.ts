/**
 * The `datagen` source: rows generated from the physical schema, `rows-per-second` at most
 * (default 10000), ending after `number-of-rows` or when a `sequence` column passes its `end`.
 * Per column (`fields.<c>.*`): `kind` random (default) | sequence (`start`..`end`); random numbers
 * in [`min`, `max`]; strings of `length` (default 100; `var-len` = 1..length) or one of `values`;
 * timestamps up to `max-past` before now; `null-rate`. The generator is seeded, so runs are
 * reproducible except for timestamps (which follow the clock).
 */
import type { FieldDesc, Json, RecordContext, TypeDesc } from '../../types.ts';
import type { RecordBatch, SourceConnector, SourceContext } from '../types.ts';
import type { DatagenConfig, DatagenField } from './options.ts';
import { seededRandom } from '../../random.ts';

type Gen = (i: number) => unknown;

/** A column without `fields.<column>.*` options: the generator's defaults. */
const NO_OPTIONS: DatagenField = {
  kind: 'random',
  min: null,
  max: null,
  maxPastMs: null,
  length: null,
  varLen: false,
  start: null,
  end: null,
  nullRate: 0,
  values: null,
};

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

class DatagenBatch implements RecordBatch {
  readonly kind = 'object';
  readonly header = null;
  constructor(
    readonly values: unknown[],
    private readonly first: number,
  ) {}
  locate(i: number, ctx: RecordContext): void {
    ctx.offset = this.first + i;
  }
}

class DatagenSource implements SourceConnector {
  private readonly rand = seededRandom(0x5eed);
  private readonly gens: { name: string; gen: Gen }[];
  private readonly rowsPerSecond: number;
  private total: number;
  private emitted = 0;
  private startedAt = 0;

  constructor(private readonly ctx: SourceContext<DatagenConfig>) {
    this.rowsPerSecond = ctx.config.rowsPerSecond;
    this.total = ctx.config.numberOfRows ?? Infinity;
    this.gens = ctx.physical.map((f) => ({ name: f.name, gen: this.generator(f) }));
  }

  /** The column's generator options (`fields.<name>.*`), or none written. */
  private field(name: string): DatagenField {
    return this.ctx.config.fields[name] ?? NO_OPTIONS;
  }

  private generator(f: FieldDesc): Gen {
    const base = this.valueGenerator(f.name, f.type);
    const nullRate = this.field(f.name).nullRate;
    if (nullRate === 0) return base;
    return (i) => (this.rand() < nullRate ? null : base(i));
  }

  private valueGenerator(name: string, type: TypeDesc): Gen {
    const o = this.field(name);
    const isInt = type.kind === 'INT' || type.kind === 'BIGINT' || type.kind === 'TINYINT' || type.kind === 'SMALLINT';
    if (o.kind === 'sequence') {
      const start = o.start ?? 0;
      const end = o.end ?? Infinity;
      // a sequence ends the source after its last value
      this.total = Math.min(this.total, end - start + 1);
      return type.kind === 'STRING' ? (i) => String(start + i) : (i) => start + i;
    }
    const list = o.values;
    if (list !== null) {
      const conv = (v: string): unknown =>
        type.kind === 'STRING' ? v : type.kind === 'BOOLEAN' ? v.toLowerCase() === 'true' : Number(v);
      const vals = list.map(conv);
      return () => vals[Math.floor(this.rand() * vals.length)];
    }
    const r = this.rand;
    switch (type.kind) {
      case 'BOOLEAN':
        return () => r() < 0.5;
      case 'TIMESTAMP':
      case 'DATE': {
        const pastMs = o.maxPastMs ?? 0;
        const ts = (): number => Date.now() - Math.floor(r() * pastMs);
        return type.kind === 'DATE' ? () => Math.floor(ts() / 86_400_000) : ts;
      }
      case 'STRING': {
        const length = o.length ?? 100;
        const varLen = o.varLen;
        return () => {
          const n = varLen ? 1 + Math.floor(r() * length) : length;
          let s = '';
          for (let k = 0; k < n; k++) s += ALPHABET[Math.floor(r() * ALPHABET.length)];
          return s;
        };
      }
      case 'ARRAY': {
        const length = o.length ?? 3;
        const el = this.valueGenerator(`${name}.element`, type.element ?? { kind: 'STRING' });
        return (i) => Array.from({ length }, () => el(i));
      }
      default: {
        if (isInt) {
          const lim = type.kind === 'BIGINT' ? Number.MAX_SAFE_INTEGER : 2147483647;
          const min = o.min ?? (type.kind === 'BIGINT' ? 0 : -2147483648);
          const max = o.max ?? lim;
          return () => min + Math.floor(r() * (max - min + 1));
        }
        const min = o.min ?? 0;
        const max = o.max ?? 1;
        return () => min + r() * (max - min);
      }
    }
  }

  async open(start: Json | null): Promise<void> {
    this.startedAt = Date.now();
    const pos = start !== null && typeof start === 'object' && 'emitted' in start ? (start['emitted'] as number) : 0;
    this.emitted = pos;
    this.startedAt -= (pos / this.rowsPerSecond) * 1000;
  }

  private allowed(): number {
    const byRate = Math.floor(((Date.now() - this.startedAt) / 1000) * this.rowsPerSecond) - this.emitted;
    return Math.max(0, Math.min(byRate, this.total - this.emitted));
  }

  async poll(max: number): Promise<RecordBatch | null> {
    const n = Math.min(max, this.allowed());
    if (n <= 0) return null;
    const values = new Array<unknown>(n);
    for (let k = 0; k < n; k++) {
      const i = this.emitted + k;
      const row: Record<string, unknown> = {};
      for (const g of this.gens) row[g.name] = g.gen(i);
      values[k] = row;
    }
    const batch = new DatagenBatch(values, this.emitted);
    this.emitted += n;
    return batch;
  }

  isExhausted(): boolean {
    return this.emitted >= this.total || (this.ctx.availableNow && this.allowed() === 0);
  }

  async waitForData(ms: number): Promise<void> {
    const next = this.startedAt + ((this.emitted + 1) / this.rowsPerSecond) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(ms, next - Date.now()))));
  }

  offsets(): Json {
    return { emitted: this.emitted };
  }

  async close(): Promise<void> {}
}

export function datagenSource(ctx: SourceContext<DatagenConfig>): SourceConnector {
  return new DatagenSource(ctx);
}
