/**
 * Every generated module of the test plans type-checks under the repository's strict compiler
 * options plus the strictest settings apps use (`exactOptionalPropertyTypes`,
 * `noUncheckedIndexedAccess`, `noPropertyAccessFromIndexSignature`, `noUnused*`); the generated/
 * corpus has its own tsc test, and test/package.test.ts compiles modules against the built package.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile } from '../index.ts';
import { emit } from './index.ts';
import { COMPILING_PLANS } from './testing-plans.ts';

/** Strict settings apps use on top of the repository's own. */
const APP_STRICT = {
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  noPropertyAccessFromIndexSignature: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  noImplicitReturns: true,
} as const;

/** tsc's diagnostics for `files` (only those in `dir`: the runtime's sources follow the repository's settings). */
function typeErrors(files: readonly string[], dir: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(import.meta.dirname, '../../tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  )!;
  const program = ts.createProgram([...files], { ...config.options, noEmit: true, ...APP_STRICT });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file === undefined || d.file.fileName.startsWith(dir))
    .map(
      (d) =>
        `${d.file ? `${d.file.fileName.slice(dir.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
    );
}

const RUNTIME = join(import.meta.dirname, '../../runtime/index.ts');

describe('generated modules type-check', () => {
  it('all test plans, strict', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sqc-codegen-'));
    try {
      const runtimeImport = RUNTIME;
      const files: string[] = [];
      for (const [name, plan] of Object.entries(COMPILING_PLANS)) {
        const { code, diagnostics } = await emit(plan(), { sourcePath: `${name}.sq`, runtimeImport });
        expect(diagnostics).toEqual([]);
        const file = join(dir, `${name}.ts`);
        writeFileSync(file, code);
        files.push(file);
      }
      const problems = typeErrors(files, dir);
      expect(problems).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('createJob is typed by the job: relation names are literal keys, rows typed per relation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sqc-createjob-'));
    try {
      const file = join(import.meta.dirname, '../../examples/word_count.sq');
      const result = await compile(readFileSync(file, 'utf8'), file, { runtimeImport: RUNTIME });
      writeFileSync(join(dir, 'word_count.ts'), result.code!);
      const app = join(dir, 'app.ts');
      writeFileSync(app, CREATE_JOB_USES);
      expect(typeErrors([app], dir)).toEqual([]);
      // each @ts-expect-error line is needed: without them, exactly those lines fail
      writeFileSync(app, CREATE_JOB_USES.replace(/\/\/ @ts-expect-error.*\n/g, ''));
      expect(typeErrors([app], dir).map((e) => e.replace(/: .*/s, ''))).toEqual([
        'app.ts:18',
        'app.ts:19',
        'app.ts:20',
        'app.ts:21',
        'app.ts:22',
        'app.ts:23',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** An app using `createJob` of examples/word_count.sq (lines 18-23 once the expectations are removed). */
const CREATE_JOB_USES = `import { createJob, type WordCountsRow } from './word_count.ts';

const out: unknown[] = [];
const typed: WordCountsRow[] = [];
const starts: string[] = [];
createJob({
  sources: { lines: { rows: [{ line: 'owl cat', timestamp: '2025-04-21T14:01:00Z' }, { line: null, timestamp: 1 }] } },
  sinks: { word_counts: { rows: out } },
});
createJob({ sinks: { word_counts: { rows: typed, onBatch: (b) => b.rows.length } } });
createJob({ sinks: { word_counts: { onBatch: async (b) => typed.push(...b.rows) } } });
createJob({ sinks: { word_counts: { json: true, onBatch: (b) => starts.push(...b.rows.map((r) => r.window_start)) } } });
createJob({ sources: { lines: { batches: [[{ line: 'owl' }], []] } }, set: { 'trigger.interval': '1 s' } });
createJob({ sources: { lines: { path: '/var/data/lines.jsonl' } }, sinks: { word_counts: { path: 'out.jsonl' } } });
createJob();
export {};

// @ts-expect-error a misspelled sink
createJob({ sinks: { word_count: { rows: out } } });
// @ts-expect-error a misspelled source
createJob({ sources: { line: { rows: [] } } });
// @ts-expect-error a column that lines does not declare
createJob({ sources: { lines: { rows: [{ lin: 'owl' }] } } });
// @ts-expect-error a value of the wrong type
createJob({ sources: { lines: { rows: [{ line: 42 }] } } });
// @ts-expect-error sink rows are typed (cnt is a number)
createJob({ sinks: { word_counts: { onBatch: (b) => b.rows.map((r) => r.cnt.toUpperCase()) } } });
// @ts-expect-error json rows are typed (window_start is ISO text)
createJob({ sinks: { word_counts: { json: true, rows: typed } } });
`;
