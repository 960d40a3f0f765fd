/**
 * `sqc check` is the compiler's judge: `analyze` reports every user error and code generation
 * only renders a plan it accepted.
 *
 * - Every golden program (test/cases/**, examples/) that `analyze` accepts generates a module
 *   without any diagnostic, and every program it refuses is refused by `compile` with exactly the
 *   same diagnostics. (fuzz.test.ts holds the fuzz corpus to the same agreement.)
 * - No file of compiler/codegen constructs a user-facing diagnostic: the only one it can produce
 *   is SQ9999 "internal compiler error ... please report" (codegen/index.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../compiler/analyze.ts';
import { generate } from '../compiler/codegen/index.ts';
import { compile } from '../compiler/index.ts';
import type { JobPlan } from '../compiler/plan/plan.ts';

const ROOT = join(import.meta.dirname, '..');

function goldenPrograms(): { name: string; source: string }[] {
  const out: { name: string; source: string }[] = [];
  for (const dir of ['examples', 'test/cases']) {
    for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })) {
      if (!e.isFile() || !e.name.endsWith('.sq')) continue;
      const path = join(e.parentPath, e.name);
      out.push({ name: relative(ROOT, path), source: readFileSync(path, 'utf8') });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The problem when check accepts a program that code generation cannot render, else null. */
function disagreement(plan: JobPlan | null, file: string): string | null {
  if (plan === null) return null;
  try {
    generate(plan, { sourcePath: file });
    return null;
  } catch (e) {
    return `check accepts ${file} but code generation fails: ${(e as Error).message}`;
  }
}

describe('check and compile agree', () => {
  const golden = goldenPrograms();

  it('on every golden and example program', () => {
    expect(golden.length).toBeGreaterThan(250);
    const plans = golden.map((p) => analyze(p.source, p.name).plan);
    const accepted = plans.filter((p) => p !== null).length;
    // Both kinds are present: the agreement is tested on accepted and refused programs.
    expect(accepted).toBeGreaterThan(100);
    expect(golden.length - accepted).toBeGreaterThan(100);
    expect(golden.map((p, i) => disagreement(plans[i]!, p.name)).filter((d) => d !== null)).toEqual([]);
  });

  it('compile reports exactly what check reports (refused programs: the same diagnostics, no code)', async () => {
    for (const p of golden.filter((g) => g.name.startsWith('test/cases/check/'))) {
      const checked = analyze(p.source, p.name);
      const compiled = await compile(p.source, p.name);
      expect(compiled.code, p.name).toBeNull();
      expect(compiled.diagnostics, p.name).toEqual(checked.diagnostics);
    }
  });
});

describe('code generation reports no user errors', () => {
  it('no file of compiler/codegen constructs a diagnostic other than the internal-error one', () => {
    const dir = join(ROOT, 'compiler/codegen');
    const offenders: string[] = [];
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.ts') || name.endsWith('.test.ts') || name.startsWith('testing')) continue;
      const text = readFileSync(join(dir, name), 'utf8');
      // error(...) / warning(...) from grammar/diagnostic.ts, or a Diagnostic object literal.
      const constructs = [...text.matchAll(/\b(?:error|warning)\(\s*'SQ(\d{4})'|\bcode:\s*'SQ(\d{4})'/g)];
      for (const m of constructs) {
        const code = m[1] ?? m[2];
        if (!(name === 'index.ts' && code === '9999')) offenders.push(`${name}: SQ${code}`);
      }
      if (name !== 'index.ts' && /grammar\/diagnostic\.ts/.test(text))
        offenders.push(`${name}: imports grammar/diagnostic.ts`);
    }
    expect(offenders).toEqual([]);
  });
});
