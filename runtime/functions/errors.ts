/** Run-time SQL errors raised by generated code and the function library. */

/**
 * A run-time SQL error (division by zero, BIGINT overflow, a failed CAST, NULL written to a
 * NOT NULL column). It stops the query; the runtime adds which query, source and record.
 */
export class SqlRuntimeError extends Error {
  override readonly name = 'SqlRuntimeError';
}

/** Passes a value through to a NOT NULL column, raising an error instead of writing NULL. */
export function notNull<T>(value: T | null, column: string): T {
  if (value === null)
    throw new SqlRuntimeError(`column "${column}" is NOT NULL, but a NULL value is being written to it`);
  return value;
}
