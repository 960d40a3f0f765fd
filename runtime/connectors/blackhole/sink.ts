/** The `blackhole` sink: discards every row (benchmarks); counts them for progress. */
import type { BatchSinkWriter, SinkConnector } from '../types.ts';

class BlackholeWriter implements BatchSinkWriter {
  private pending = 0;
  write(): void {
    this.pending++;
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
