/**
 * The `blackhole` sink: discards every row (benchmarks); counts them for progress. It keeps the
 * last row written until the commit, so that every row reaches it whole: a compiler cannot leave
 * out building the rows (or their columns) a sink never looks at. Flink's blackhole, too,
 * receives every row whole.
 */
import type { BatchSinkWriter, SinkConnector } from '../types.ts';

class BlackholeWriter implements BatchSinkWriter {
  private pending = 0;
  /** The last row written (read by nothing: it only makes the rows escape). */
  last: unknown = null;
  write(row: unknown): void {
    this.pending++;
    this.last = row;
  }
  pendingRows(): number {
    return this.pending;
  }
  async commit(): Promise<void> {
    this.pending = 0;
  }
}

export function blackholeSink(): SinkConnector {
  return {
    open: async () => {},
    writer: () => new BlackholeWriter(),
    close: async () => {},
  };
}
