/**
 * The `print` sink: rows on the console, at-least-once (batches replayed from a checkpoint that
 * were printed before a crash are not printed again; the one the crash interrupted may be). `print.format = 'table'` (default)
 * prints each committed batch as aligned columns with the change kind:
 *
 *   page_stats> | op | window_start             | page  | views |
 *   page_stats> | +I | 2025-04-21T14:00:00.000Z | /home |     3 |
 *
 * `print.format = 'json'` prints JSON lines. `print-identifier` is the line prefix (default: the
 * sink name); `standard-error = true` prints to stderr.
 */
import type { FieldDesc, RowKind } from '../../types.ts';
import { jsonLineEncoder, jsonWriteOptions, textConverter } from '../../formats/encode.ts';
import { RowBuffer, type BatchSinkWriter, type SinkConnector, type SinkContext } from '../types.ts';
import type { PrintConfig } from './options.ts';

const NUMERIC = new Set(['INT', 'BIGINT', 'DOUBLE', 'DECIMAL', 'TINYINT', 'SMALLINT', 'FLOAT']);

/** Formats one batch as aligned table lines (header first). */
export function tableLines(
  schema: readonly FieldDesc[],
  rows: readonly Record<string, unknown>[],
  kinds: readonly RowKind[],
): string[] {
  const convs = schema.map((f) => textConverter(f.type, 'NULL'));
  const cells = rows.map((r) => schema.map((f, i) => convs[i]!(r[f.name])));
  const widths = schema.map((f, i) => Math.max(f.name.length, ...cells.map((c) => c[i]!.length)));
  const right = schema.map((f) => NUMERIC.has(f.type.kind));
  const line = (op: string, values: readonly string[], header: boolean): string =>
    `| ${op} | ${values.map((v, i) => (right[i] && !header ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join(' | ')} |`;
  return [
    line(
      'op',
      schema.map((f) => f.name),
      true,
    ),
    ...cells.map((c, k) => line(kinds[k]!, c, false)),
  ];
}

class PrintWriter implements BatchSinkWriter {
  private readonly buf = new RowBuffer();
  constructor(private readonly flush: (rows: Record<string, unknown>[], kinds: RowKind[]) => void) {}
  write(row: unknown, kind?: RowKind): void {
    this.buf.write(row, kind);
  }
  pendingRows(): number {
    return this.buf.rows.length;
  }
  async commit(): Promise<void> {
    const { rows, kinds } = this.buf.take();
    if (rows.length > 0) this.flush(rows, kinds);
  }
}

export function printSink(ctx: SinkContext<PrintConfig>): SinkConnector {
  const prefix = `${ctx.config.identifier ?? ctx.name}> `;
  const toStderr = ctx.config.standardError;
  const out = ctx.print ?? ((line: string) => (toStderr ? process.stderr : process.stdout).write(line + '\n'));
  const json = ctx.config.printFormat === 'json';
  const encode = jsonLineEncoder(ctx.schema, jsonWriteOptions(ctx.options));
  const flush = (rows: Record<string, unknown>[], kinds: RowKind[]): void => {
    const lines = json ? rows.map(encode) : tableLines(ctx.schema, rows, kinds);
    if (ctx.print !== null) for (const l of lines) out(prefix + l);
    else out(lines.map((l) => prefix + l).join('\n'));
  };
  return {
    // Printed lines cannot be taken back: with checkpoints, a micro-batch cut short by a crash
    // is printed again when it is re-run (the job says so in a notice at start).
    guarantee: 'at-least-once',
    open: async () => {},
    writer: () => new PrintWriter(flush),
    close: async () => {},
  };
}
