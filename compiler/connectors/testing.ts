/**
 * Test helpers: OptionPairs with real spans, cut out of a source text, so tests can check where
 * a diagnostic points.
 */
import type { OptionPair, SetStatement, Span } from '../../grammar/ast.ts';
import type { Diagnostic } from '../../grammar/diagnostic.ts';

export function spanAt(source: string, offset: number, end: number): Span {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  const col = offset - before.lastIndexOf('\n');
  return { offset, end, line, col };
}

const PAIR = /'((?:[^']|'')*)'\s*=\s*'((?:[^']|'')*)'/g;

/** Every `'key' = 'value'` in `source` (spans include the quotes, as the parser's do). */
export function pairsIn(source: string): OptionPair[] {
  const pairs: OptionPair[] = [];
  for (const m of source.matchAll(PAIR)) {
    const start = m.index;
    const keyEnd = start + m[1]!.length + 2;
    const valueStart = source.indexOf("'", keyEnd + 1);
    const end = start + m[0].length;
    pairs.push({
      kind: 'OptionPair',
      key: m[1]!.replace(/''/g, "'"),
      keySpan: spanAt(source, start, keyEnd),
      value: m[2]!.replace(/''/g, "'"),
      valueSpan: spanAt(source, valueStart, end),
      span: spanAt(source, start, end),
    });
  }
  return pairs;
}

/** `SET 'k' = 'v'` statements in `source`. */
export function setsIn(source: string): SetStatement[] {
  return pairsIn(source).map((p) => ({
    kind: 'SetStatement',
    key: p.key,
    keySpan: p.keySpan,
    value: p.value,
    valueSpan: p.valueSpan,
    span: p.span,
  }));
}

/** The source text a diagnostic points at. */
export function pointed(source: string, d: Diagnostic): string {
  return source.slice(d.span.offset, d.span.end);
}

/** `severity code message` lines, for compact assertions. */
export function summary(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.severity} ${d.code} ${d.message}`);
}
