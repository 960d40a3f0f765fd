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
import { canonical, runCase, runCaseWithCrash, type CrashVariant } from './run-case.ts';
import { renderDiagnostics } from '../compiler/diagnostics/render.ts';
import { explain } from '../compiler/explain/explain.ts';
import { runRestartCase } from './restart-case.ts';

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
      const { diagnostics } = analyze(source, 'query.sq', { dir });
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
      const { plan, diagnostics } = analyze(source, 'query.sq', { dir });
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

/**
 * The same cases again, each failing halfway (at a checkpoint protocol point) and restarted from
 * its checkpoint: together the two runs must deliver exactly the expected output. With state
 * after every batch the restart restores the newest state; with a 1 h interval it restores
 * nothing and replays the whole log.
 */
const CRASHES: readonly CrashVariant[] = [
  { interval: '0', point: 'sinks.staged' },
  { interval: '1 h', point: 'commit.written' },
];

describe.runIf(caseDirs('run').length > 0)('run cases, crashed halfway and restored from a checkpoint', () => {
  for (const name of caseDirs('run')) {
    it(name, async () => {
      const dir = join(CASES, 'run', name);
      const expected = canonical(readFileSync(join(dir, 'expected.txt'), 'utf8'));
      for (const variant of CRASHES) {
        const { transcript, firstError } = await runCaseWithCrash(dir, variant);
        const what = `${name}, failing at ${variant.point} with checkpoint.interval ${variant.interval}`;
        if (!expected.includes('\n-- error: '))
          expect(firstError, what).toContain(`injected fault at ${variant.point}`);
        expect(canonical(transcript), what).toBe(expected);
      }
    });
  }
});

/**
 * test/cases/restart/<name>/first.sq (+ second.sq, case.json): `sqc run` restarted on one
 * checkpoint after a changed job, a damaged file or a failing disk; see test/restart-case.ts.
 */
const restartCases = existsSync(join(CASES, 'restart'))
  ? readdirSync(join(CASES, 'restart'))
      .filter((n) => existsSync(join(CASES, 'restart', n, 'first.sq')))
      .sort()
  : [];

describe
  .runIf(restartCases.length > 0)
  .concurrent('restart cases (sqc run on a checkpoint: changed job, damaged files, failing disk)', () => {
    for (const name of restartCases) {
      it(
        name,
        async ({ expect }) => {
          const dir = join(CASES, 'restart', name);
          await expect(await runRestartCase(dir)).toMatchFileSnapshot(join(dir, 'expected.txt'));
        },
        60_000,
      );
    }
  });
