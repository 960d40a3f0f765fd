/**
 * How a script uses each relation name — read (FROM, window TVF source, join side), written
 * (INSERT target, CREATE ... AS SELECT, 'late.sink') or both — so that connector options of an
 * unused role can be flagged (compiler/connectors). A pre-pass over the AST; CTE names that
 * shadow a relation count as reads of it, which at worst skips a warning.
 */
import type { Script } from '../../grammar/ast.ts';

export function usage(script: Script): Map<string, 'source' | 'sink' | 'both'> {
  const reads = new Set<string>();
  const writes = new Set<string>();
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    const n = node as { kind?: string; name?: { name?: string } };
    if (n.kind === 'TableRef' && n.name?.name) reads.add(n.name.name);
    for (const [k, v] of Object.entries(node)) if (k !== 'span' && v && typeof v === 'object') visit(v);
  };
  for (const s of script.statements) {
    if (s.kind === 'InsertStatement') {
      writes.add(s.target.name);
      visit(s.query);
    } else if (s.kind === 'CreateRelation') {
      if (s.asQuery) {
        writes.add(s.name.name);
        visit(s.asQuery);
      }
      for (const o of s.options) if (o.key.trim() === 'late.sink') writes.add(o.value.trim());
    } else if (s.kind === 'CreateView') {
      visit(s.query);
    }
  }
  const out = new Map<string, 'source' | 'sink' | 'both'>();
  for (const r of reads) out.set(r, writes.has(r) ? 'both' : 'source');
  for (const w of writes) if (!reads.has(w)) out.set(w, 'sink');
  return out;
}
