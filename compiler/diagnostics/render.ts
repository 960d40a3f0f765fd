/**
 * Renders diagnostics the way a good compiler does:
 *
 *   query.sq:4:9: error[SQ0102]: unknown column "amout" in "orders"
 *      4 | SELECT amout FROM orders
 *        |        ^^^^^
 *     = help: did you mean "amount"?
 *
 * and as JSON for editors and tools (`sqc check --format json`).
 */
import type { Diagnostic } from '../../grammar/diagnostic.ts';

export interface RenderOptions {
  /** File name shown in the location prefix, as the user gave it. */
  readonly file: string;
  /** The whole source text, to quote the offending line. */
  readonly source: string;
  /** ANSI colours (only on a terminal). */
  readonly color?: boolean;
}

const ANSI = { red: '\x1b[31;1m', yellow: '\x1b[33;1m', blue: '\x1b[34;1m', bold: '\x1b[1m', reset: '\x1b[0m' };

export function renderDiagnostic(d: Diagnostic, opts: RenderOptions): string {
  const paint = (code: keyof typeof ANSI, text: string) => (opts.color ? `${ANSI[code]}${text}${ANSI.reset}` : text);
  const lines = opts.source.split('\n');
  const lineNo = Math.min(Math.max(d.span.line, 1), Math.max(lines.length, 1));
  const text = (lines[lineNo - 1] ?? '').replace(/\r$/, '').replace(/\t/g, ' ');
  const gutter = String(lineNo).length + 1;
  const pad = ' '.repeat(gutter);
  const col = Math.min(Math.max(d.span.col, 1), text.length + 1);
  // The caret covers the span on its first line (at least one character).
  const spanChars = d.span.end - d.span.offset;
  const width = Math.max(1, Math.min(spanChars, text.length - col + 1));
  const sev = d.severity === 'error' ? paint('red', 'error') : paint('yellow', 'warning');
  const out = [
    `${paint('bold', `${opts.file}:${lineNo}:${col}:`)} ${sev}${paint('bold', `[${d.code}]: ${d.message}`)}`,
    `${paint('blue', `${String(lineNo).padStart(gutter)} |`)} ${text}`,
    `${paint('blue', `${pad} |`)} ${' '.repeat(col - 1)}${paint(d.severity === 'error' ? 'red' : 'yellow', '^'.repeat(width))}`,
  ];
  for (const note of d.notes) out.push(`${pad}${paint('blue', '=')} ${note}`);
  return out.join('\n');
}

/** All diagnostics, then a one-line summary (`2 errors, 1 warning`), or '' when there are none. */
export function renderDiagnostics(diagnostics: readonly Diagnostic[], opts: RenderOptions): string {
  if (diagnostics.length === 0) return '';
  const parts = diagnostics.map((d) => renderDiagnostic(d, opts));
  parts.push(summarize(diagnostics));
  return parts.join('\n\n') + '\n';
}

export function summarize(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  return [errors ? plural(errors, 'error') : '', warnings ? plural(warnings, 'warning') : '']
    .filter(Boolean)
    .join(', ');
}

/** Machine-readable form: one object per diagnostic with 1-based line/col and 0-based offsets. */
export function diagnosticsToJson(file: string, diagnostics: readonly Diagnostic[]): object[] {
  return diagnostics.map((d) => ({
    file,
    line: d.span.line,
    col: d.span.col,
    offset: d.span.offset,
    end: d.span.end,
    severity: d.severity,
    code: d.code,
    message: d.message,
    notes: d.notes,
  }));
}
