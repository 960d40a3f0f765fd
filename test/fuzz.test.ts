/**
 * Seeded fuzzing of the whole front end (parse → bind → plan): 10,000 random, truncated and
 * mutated programs. The checker must never throw or hang — only return diagnostics whose spans
 * lie inside the source — and every program it accepts must generate (check and compile agree). A failure prints the seed and the program, so it can be replayed.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../compiler/analyze.ts';
import { generate } from '../compiler/codegen/index.ts';
import { corpus, fuzzPrograms } from './fuzz-programs.ts';

describe('front-end fuzz', () => {
  it('never throws or hangs on 10,000 seeded mutated programs', () => {
    expect(corpus().length).toBeGreaterThan(5);
    let withDiagnostics = 0;
    let accepted = 0;
    let n = 0;
    for (const program of fuzzPrograms(10_000)) {
      const started = performance.now();
      let result;
      try {
        result = analyze(program, 'fuzz.sq');
      } catch (e) {
        throw new Error(`analyze threw on case ${n}: ${(e as Error).stack}\n--- program ---\n${program}`);
      }
      // A hang guard, not a performance assertion: no single small program may take seconds.
      const took = performance.now() - started;
      if (took > 5_000) throw new Error(`case ${n} took ${took.toFixed(0)} ms\n--- program ---\n${program}`);
      for (const d of result.diagnostics) {
        const ok =
          d.span.offset >= 0 &&
          d.span.end >= d.span.offset &&
          d.span.end <= program.length + 1 &&
          d.span.line >= 1 &&
          d.span.col >= 1;
        if (!ok)
          throw new Error(`case ${n}: diagnostic span out of range ${JSON.stringify(d)}\n--- program ---\n${program}`);
        expect(d.code).not.toBe('SQ9999');
      }
      if (result.diagnostics.length) withDiagnostics++;
      // check and compile agree: a program the checker accepts generates (no user error left to codegen).
      if (result.plan !== null) {
        accepted++;
        try {
          generate(result.plan, { sourcePath: 'fuzz.sq' });
        } catch (e) {
          throw new Error(
            `check accepts case ${n} but code generation fails: ${(e as Error).message}\n--- program ---\n${program}`,
          );
        }
      }
      n++;
    }
    // Mutations nearly always break something; a fuzz run that finds nothing wrong is suspicious.
    expect(withDiagnostics).toBeGreaterThan(5_000);
    expect(accepted).toBeGreaterThan(50);
  });
});
