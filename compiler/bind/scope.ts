/**
 * Name scopes: what a FROM clause makes visible. Each entry is one relation (table, view, CTE,
 * derived table, window TVF, UNNEST alias) with its qualifier and its columns; a column maps the
 * user-visible name to the unique field name in the FROM clause's bound relation.
 */
import type { Span } from '../../grammar/ast.ts';
import type { RelField } from './rel.ts';

export interface ScopeColumn {
  /** The name the user writes. */
  readonly name: string;
  /** The field in the FROM relation's output (its name may differ after join renaming). */
  readonly field: RelField;
}

export interface ScopeEntry {
  /** The qualifier (`o` in `orders o`, or the relation name); null for an unaliased derived table. */
  readonly alias: string | null;
  /** How messages name the relation. */
  readonly label: string;
  readonly columns: readonly ScopeColumn[];
  readonly span: Span;
}

export interface Scope {
  readonly entries: readonly ScopeEntry[];
}

export const EMPTY_SCOPE: Scope = { entries: [] };

export type Lookup =
  | { readonly kind: 'found'; readonly entry: ScopeEntry; readonly column: ScopeColumn }
  | { readonly kind: 'ambiguous'; readonly entries: readonly ScopeEntry[] }
  | { readonly kind: 'missing' };

export function lookupColumn(scope: Scope, name: string): Lookup {
  const hits: { entry: ScopeEntry; column: ScopeColumn }[] = [];
  for (const entry of scope.entries) {
    const column = entry.columns.find((c) => c.name === name);
    if (column) hits.push({ entry, column });
  }
  if (hits.length === 0) return { kind: 'missing' };
  if (hits.length > 1) {
    // The same field seen through two entries (not possible today) is not ambiguous.
    if (hits.every((h) => h.column.field.name === hits[0]!.column.field.name)) return { kind: 'found', ...hits[0]! };
    return { kind: 'ambiguous', entries: hits.map((h) => h.entry) };
  }
  return { kind: 'found', ...hits[0]! };
}

export function findEntry(scope: Scope, alias: string): ScopeEntry | undefined {
  return scope.entries.find((e) => e.alias === alias);
}

export function allColumnNames(scope: Scope): string[] {
  return [...new Set(scope.entries.flatMap((e) => e.columns.map((c) => c.name)))];
}

export function allAliases(scope: Scope): string[] {
  return scope.entries.flatMap((e) => (e.alias === null ? [] : [e.alias]));
}

/** A scope with one entry per relation, all columns of `fields`. */
export function singleScope(alias: string | null, label: string, fields: readonly RelField[], span: Span): Scope {
  return { entries: [{ alias, label, columns: fields.map((f) => ({ name: f.name, field: f })), span }] };
}
