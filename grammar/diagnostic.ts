/**
 * One diagnostic type for every stage (lexer, parser, binder, planner, codegen). It is defined
 * here, in the first stage, so that every later stage can import it forward.
 *
 * Rendered by compiler/diagnostics/render.ts as
 *   file:line:col: error[SQ0102]: unknown column "amout"
 *     12 | SELECT amout FROM orders
 *        |        ^^^^^
 *     = help: did you mean "amount"?
 */
import type { Span } from './ast.ts';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  /** Stable code, one per error class: see DIAGNOSTIC_CODES. */
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  /** One line, lower case start, identifiers quoted with "...". */
  readonly message: string;
  readonly span: Span;
  /** Extra lines: `help: ...` (an obvious fix) or `note: ...` (context). */
  readonly notes: readonly string[];
}

/**
 * Every diagnostic class with its stable code. Codes are never reused or renumbered; add new
 * ones at the end of their group.
 */
export const DIAGNOSTIC_CODES = {
  // SQ00xx: lexical and syntax
  SQ0001: 'syntax error',
  SQ0002: 'invalid token (unterminated string or comment, stray character)',
  SQ0003: 'statement beyond a size limit (nesting depth, operators per expression)',
  // SQ01xx: names
  SQ0101: 'unknown relation',
  SQ0102: 'unknown column',
  SQ0103: 'unknown function',
  SQ0104: 'ambiguous column',
  SQ0105: 'duplicate name',
  SQ0106: 'unknown field of a ROW or invalid qualifier',
  SQ0107: 'invalid user-defined function (Java class, module or export not found, signature without SQL types)',
  // SQ02xx: types
  SQ0201: 'type mismatch in expression',
  SQ0202: 'bad function arguments (count or types)',
  SQ0203: 'invalid cast',
  SQ0204: 'invalid literal',
  SQ0205: 'condition is not BOOLEAN',
  // SQ03xx: aggregates and grouping
  SQ0301: 'column neither grouped nor aggregated',
  SQ0302: 'nested aggregate',
  SQ0303: 'aggregate where none is allowed (WHERE, GROUP BY, ON)',
  SQ0304: 'window property without a matching group window',
  SQ0305: 'invalid GROUP BY / window specification',
  SQ0306: 'invalid window function (OVER): a ranking function outside a Top-N, an invalid frame or order',
  // SQ04xx: statements, sinks, relations
  SQ0401: 'INSERT does not match the sink schema',
  SQ0402: 'invalid read or write of a relation (reading a sink, writing a view)',
  SQ0403: 'invalid column definition (watermark, primary key, computed column)',
  SQ0404: 'unsupported statement or clause',
  // SQ05xx: connectors and job options
  SQ0501: 'unknown connector option',
  SQ0502: 'missing required connector option',
  SQ0503: 'invalid option value',
  SQ0504: 'unknown connector',
  SQ0505: 'unknown or invalid SET option',
  SQ0506: 'what a scaled-out job cannot do (re-keying an updating input, state, non-Kafka or bounded sources, checkpoint.dir)',
  // SQ06xx: time attributes and watermarks
  SQ0601: 'watermark on a non-timestamp column',
  SQ0602: 'window on a non-time attribute',
  SQ0603: 'stateful query without a watermark and with unbounded state',
  // SQ07xx: output modes
  SQ0701: 'illegal output mode for the query',
  SQ0702: 'ORDER BY / LIMIT on an unbounded result',
  SQ0703: 'aggregate function that cannot retract over an updating input',
  // SQ08xx: joins
  SQ0801: 'outer stream-stream join without watermarks or a time bound',
  SQ0802:
    'join shape sq does not run (lookup join not INNER/LEFT, table kept against a stream, UNNEST not CROSS, non-scalar key)',
  SQ0803: 'invalid join condition',
  // SQ09xx: warnings
  SQ0901: 'unbounded state (warning)',
  SQ0902: 'option ignored or at-least-once delivery (warning)',
  SQ0903: "Flink's legacy option key, read as its current spelling (warning)",
  // SQ99xx: internal
  SQ9999: 'internal compiler error',
} as const;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

export function error(code: DiagnosticCode, message: string, span: Span, ...notes: string[]): Diagnostic {
  return { code, severity: 'error', message, span, notes };
}

export function warning(code: DiagnosticCode, message: string, span: Span, ...notes: string[]): Diagnostic {
  return { code, severity: 'warning', message, span, notes };
}

/** Orders diagnostics by position, then code, so output is deterministic. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) => a.span.offset - b.span.offset || a.code.localeCompare(b.code) || a.message.localeCompare(b.message),
  );
}
