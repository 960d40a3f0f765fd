/**
 * The front half of the compiler — everything `sqc check` reports: parse → bind → plan.
 * Collects the diagnostics of every stage, sorted by position; the plan is null when any of
 * them is an error (warnings are fine). Never throws.
 */
import type { Script, Statement } from '../grammar/ast.ts';
import type { Diagnostic } from '../grammar/diagnostic.ts';
import { error, sortDiagnostics } from '../grammar/diagnostic.ts';
import { parse } from '../grammar/index.ts';
import { bind } from './bind/index.ts';
import type { JobPlan } from './plan/plan.ts';
import { plan } from './plan/index.ts';

export interface AnalyzeOptions {
  /** The folder user-defined functions' module paths are relative to (default: the folder of `file`). */
  readonly dir?: string;
}

export function analyze(
  source: string,
  file: string,
  opts: AnalyzeOptions = {},
): { plan: JobPlan | null; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  try {
    const parsed = parse(source);
    diagnostics.push(...parsed.diagnostics);
    const bound = bind(parsed.script, file, {
      damaged: damagedStatements(parsed.script, parsed.diagnostics),
      ...(opts.dir !== undefined ? { dir: opts.dir } : {}),
    });
    diagnostics.push(...bound.diagnostics);
    const planned = plan(bound);
    diagnostics.push(...planned.diagnostics);
    const failed = diagnostics.some((d) => d.severity === 'error');
    return { plan: failed ? null : planned.plan, diagnostics: dedupe(sortDiagnostics(diagnostics)) };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    diagnostics.push(error('SQ9999', `internal compiler error: ${msg}`, { offset: 0, end: 0, line: 1, col: 1 }));
    return { plan: null, diagnostics: sortDiagnostics(diagnostics) };
  }
}

/**
 * Statements that contain a syntax error: the placeholder of a broken CREATE (kind and name
 * only; the parser does not recover inside a statement) and statements with a problem the AST
 * builder reported (SQ0001). The binder declares their names but reports nothing else about
 * them: the syntax error is the one message.
 */
function damagedStatements(script: Script, syntax: readonly Diagnostic[]): Set<Statement> {
  const errors = syntax.filter((d) => d.severity === 'error');
  return new Set(
    script.statements.filter((s) => errors.some((d) => d.span.offset >= s.span.offset && d.span.offset <= s.span.end)),
  );
}

/** The same message at the same place once (a view or relation checked twice reports once). */
function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.code}|${d.span.offset}|${d.span.end}|${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
