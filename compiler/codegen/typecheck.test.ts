/**
 * Every generated module of the test plans type-checks under the repository's strict compiler
 * options (the generated/ corpus has its own tsc test).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { emit } from './index.ts';
import { COMPILING_PLANS } from './testing-plans.ts';

describe('generated modules type-check', () => {
  it('all test plans, strict', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sqc-codegen-'));
    try {
      const runtimeImport = join(import.meta.dirname, '../../runtime/index.ts');
      const files: string[] = [];
      for (const [name, plan] of Object.entries(COMPILING_PLANS)) {
        const { code, diagnostics } = await emit(plan(), { sourcePath: `${name}.sq`, runtimeImport });
        expect(diagnostics).toEqual([]);
        const file = join(dir, `${name}.ts`);
        writeFileSync(file, code);
        files.push(file);
      }
      const config = ts.getParsedCommandLineOfConfigFile(
        join(import.meta.dirname, '../../tsconfig.json'),
        {},
        { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
      )!;
      const program = ts.createProgram(files, { ...config.options, noEmit: true });
      const problems = ts
        .getPreEmitDiagnostics(program)
        .map(
          (d) =>
            `${d.file ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
        );
      expect(problems).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
