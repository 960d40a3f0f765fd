/**
 * The `memory` sink: committed rows are handed to the embedding program (`createJob({ sinks:
 * { name: { rows, onBatch, json } } })`). Rows are run-time values, or JSON-ready objects
 * (TIMESTAMP as ISO strings) with `json: true`. `onBatch` sees every non-empty batch, and every
 * batch in COMPLETE mode (an empty table is a result too).
 */
import type { EmitMode } from '../../contract.ts';
import type { MemorySinkBinding } from '../../types.ts';
import { jsonObjectConverter } from '../../formats/encode.ts';
import { RowBuffer, type BatchSinkWriter, type SinkConnector, type SinkContext, type WriterOptions } from '../types.ts';

class MemoryWriter implements BatchSinkWriter {
  private readonly buf = new RowBuffer();
  constructor(
    private readonly binding: MemorySinkBinding,
    private readonly query: string,
    private readonly emit: EmitMode,
    private readonly convert: ((row: Record<string, unknown>) => unknown) | null,
  ) {}
  write(row: unknown, kind?: '+I' | '+U' | '-D'): void {
    this.buf.write(row, kind);
  }
  pendingRows(): number {
    return this.buf.rows.length;
  }
  async commit(batchId: number): Promise<void> {
    const { rows, kinds } = this.buf.take();
    if (rows.length === 0 && this.emit !== 'complete') return;
    const out = this.convert === null ? rows : rows.map(this.convert);
    if (this.binding.rows) for (const r of out) this.binding.rows.push(r);
    if (this.binding.onBatch) await this.binding.onBatch({ query: this.query, batchId, rows: out, kinds });
  }
}

export function memorySink(ctx: SinkContext): SinkConnector {
  const binding = ctx.binding;
  if (binding === null) {
    throw new Error(
      `memory sink "${ctx.name}" has no binding: pass createJob({ sinks: { ${ctx.name}: { rows: [] } } })`,
    );
  }
  const convert = binding.json ? jsonObjectConverter(ctx.schema) : null;
  return {
    open: async () => {},
    writer: (o: WriterOptions) => new MemoryWriter(binding, o.query, o.emit, convert),
    close: async () => {},
  };
}
