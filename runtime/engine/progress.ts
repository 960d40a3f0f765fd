/** Building `QueryProgress` reports (Spark's StreamingQueryProgress, trimmed to what sqc has). */
import type {
  CheckpointProgress,
  Json,
  QueryProgress,
  SourceProgress,
  StateOperatorProgress,
  TaskProgress,
} from '../types.ts';

export function iso(ms: number): string | null {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : ms > 0 ? '+infinity' : null;
}

export interface ProgressParts {
  readonly query: string;
  readonly batchId: number;
  readonly startedAt: number;
  readonly previousStart: number | null;
  readonly getBatchMs: number;
  readonly processMs: number;
  readonly commitMs: number;
  readonly watermark: number;
  readonly operators: readonly StateOperatorProgress[];
  readonly late: number;
  readonly parseErrors: number;
  readonly nullTime: number;
  readonly sources: readonly SourceProgress[];
  readonly sinks: readonly { readonly name: string; readonly rowsWritten: number }[];
  readonly final: boolean;
  readonly checkpoint?: CheckpointProgress;
  readonly tasks?: TaskProgress;
}

export function buildProgress(p: ProgressParts): QueryProgress {
  const numInputRows = p.sources.reduce((n, s) => n + s.numInputRows, 0);
  const checkpointMs = p.checkpoint?.durationMs ?? 0;
  const total = p.getBatchMs + p.processMs + p.commitMs + checkpointMs;
  const sincePrevious = p.previousStart === null ? total : p.startedAt - p.previousStart;
  return {
    query: p.query,
    batchId: p.batchId,
    timestamp: new Date(p.startedAt).toISOString(),
    numInputRows,
    inputRowsPerSecond: sincePrevious > 0 ? (numInputRows * 1000) / sincePrevious : 0,
    processedRowsPerSecond: total > 0 ? (numInputRows * 1000) / total : 0,
    durationMs: { total, getBatch: p.getBatchMs, process: p.processMs, commit: p.commitMs, checkpoint: checkpointMs },
    watermark: iso(p.watermark),
    watermarkLagMs: Number.isFinite(p.watermark) ? Math.max(0, p.startedAt + total - p.watermark) : null,
    stateRows: p.operators.reduce((n, o) => n + o.rows, 0),
    stateOperators: p.operators,
    lateRowsDropped: p.late,
    parseErrorsSkipped: p.parseErrors,
    nullTimeRowsDropped: p.nullTime,
    sources: p.sources,
    sinks: p.sinks,
    final: p.final,
    ...(p.checkpoint !== undefined ? { checkpoint: p.checkpoint } : {}),
    ...(p.tasks !== undefined ? { tasks: p.tasks } : {}),
  };
}

export function sourceProgress(
  name: string,
  startOffset: unknown,
  endOffset: unknown,
  rows: number,
  watermark: number,
  idle: boolean,
  exhausted: boolean,
  malformedRecords: number,
  malformedSample: SourceProgress['malformedSample'],
  partitions?: SourceProgress['partitions'],
): SourceProgress {
  return {
    name,
    startOffset: startOffset as Json,
    endOffset: endOffset as Json,
    numInputRows: rows,
    watermark: iso(watermark),
    idle,
    exhausted,
    malformedRecords,
    malformedSample,
    ...(partitions !== undefined ? { partitions } : {}),
  };
}
