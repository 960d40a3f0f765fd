/**
 * The two error types of the runtime. `ParseError` is thrown by decoders for a malformed
 * record and handled by the source's parse-error policy; `QueryError` is what stops a query
 * (and, awaitAnyTermination, the job) — it always names the query and, when a record is at
 * fault, the source and its location.
 */

/** A record that cannot be decoded: invalid JSON/CSV or a value that does not convert. */
export class ParseError extends Error {
  override readonly name = 'ParseError';
  /**
   * @param hint what to do, when it is not the usual "fix the input or skip malformed records"
   *   (a CSV header that lacks a column: every record of the file fails alike).
   */
  constructor(
    readonly reason: string,
    readonly hint: string | null = null,
  ) {
    super(reason);
  }
}

export interface QueryErrorInfo {
  readonly query: string;
  /** The source relation whose record caused the error, or null. */
  readonly source?: string | null;
  /** `file:line`, `partition P offset O`, or `record N`; null when no record is at fault. */
  readonly location?: string | null;
  /** What went wrong. */
  readonly reason: string;
  /** What to do about it. */
  readonly hint?: string | null;
  readonly cause?: unknown;
}

/** A query failed; the job stops with this error. */
export class QueryError extends Error {
  override readonly name = 'QueryError';
  readonly query: string;
  readonly source: string | null;
  readonly location: string | null;
  readonly reason: string;
  readonly hint: string | null;

  constructor(info: QueryErrorInfo) {
    const where = info.source ? ` reading source "${info.source}"${info.location ? ` at ${info.location}` : ''}` : '';
    super(`query "${info.query}" failed${where}: ${info.reason}${info.hint ? `\n  hint: ${info.hint}` : ''}`, {
      cause: info.cause,
    });
    this.query = info.query;
    this.source = info.source ?? null;
    this.location = info.location ?? null;
    this.reason = info.reason;
    this.hint = info.hint ?? null;
  }
}

/** The message of any thrown value. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The `hint` an error carries (connector errors say what to do), or null. */
export function hintOf(e: unknown): string | null {
  const h = (e as { hint?: unknown } | null)?.hint;
  return typeof h === 'string' && h !== '' ? h : null;
}
