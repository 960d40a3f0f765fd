/**
 * Golden compiler cases, discovered from folders:
 *
 *   test/cases/check/<CODE>-<name>/query.sq   an invalid program. Its rendered diagnostics must
 *                                             equal diagnostics.txt, and include code <CODE>.
 *   test/cases/valid/<name>/query.sq          a valid program: no errors; `sqc explain` output
 *                                             must equal plan.txt (warnings go to diagnostics.txt).
 *   test/cases/run/<name>/query.sq            a program run to completion on the input files
 *                                             beside it (relative paths resolve against the case
 *                                             folder); every sink is captured in memory and the
 *                                             rows of each committed batch, the counters and any
 *                                             error must equal expected.txt.
 *
 * `npx vitest run -u` rewrites the expected files; review the diff before committing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../compiler/analyze.ts';
import { runCase } from './run-case.ts';
import { renderDiagnostics } from '../compiler/diagnostics/render.ts';
import { explain } from '../compiler/explain/explain.ts';

const CASES = join(import.meta.dirname, 'cases');

function caseDirs(group: string): string[] {
  const dir = join(CASES, group);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'query.sq')))
    .map((d) => d.name)
    .sort();
}

// A describe without tests fails in vitest: declare each group only when it has cases.
describe.runIf(caseDirs('check').length > 0)('check cases (invalid programs)', () => {
  for (const name of caseDirs('check')) {
    it(name, async () => {
      const dir = join(CASES, 'check', name);
      const source = readFileSync(join(dir, 'query.sq'), 'utf8');
      const { diagnostics } = analyze(source, 'query.sq');
      const code = /^(SQ\d{4})/.exec(name)?.[1];
      expect(code, `case folder "${name}" must start with the expected code, e.g. SQ0102-...`).toBeDefined();
      expect(diagnostics.map((d) => d.code)).toContain(code);
      expect(diagnostics.some((d) => d.severity === 'error')).toBe(true);
      await expect(renderDiagnostics(diagnostics, { file: 'query.sq', source })).toMatchFileSnapshot(
        join(dir, 'diagnostics.txt'),
      );
    });
  }
});

describe.runIf(caseDirs('valid').length > 0)('valid cases', () => {
  for (const name of caseDirs('valid')) {
    it(name, async () => {
      const dir = join(CASES, 'valid', name);
      const source = readFileSync(join(dir, 'query.sq'), 'utf8');
      const { plan, diagnostics } = analyze(source, 'query.sq');
      const errors = diagnostics.filter((d) => d.severity === 'error');
      expect(renderDiagnostics(errors, { file: 'query.sq', source })).toBe('');
      expect(plan).not.toBeNull();
      await expect(explain(plan!)).toMatchFileSnapshot(join(dir, 'plan.txt'));
      const warnings = renderDiagnostics(diagnostics, { file: 'query.sq', source });
      if (warnings || existsSync(join(dir, 'diagnostics.txt'))) {
        await expect(warnings).toMatchFileSnapshot(join(dir, 'diagnostics.txt'));
      }
    });
  }
});

describe.runIf(caseDirs('run').length > 0)('run cases (programs executed on bundled input)', () => {
  for (const name of caseDirs('run')) {
    it(name, async () => {
      const dir = join(CASES, 'run', name);
      const transcript = await runCase(dir);
      await expect(transcript).toMatchFileSnapshot(join(dir, 'expected.txt'));
    });
  }
});
