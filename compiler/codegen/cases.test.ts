/**
 * Every valid program of the golden cases (test/cases/valid/<name>/query.sq) goes through the
 * code generator: no internal errors, joins reported as SQ0802, and every module type-checks.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.ts';
import { emit } from './index.ts';

const CASES = join(import.meta.dirname, '../../test/cases/valid');
const names = existsSync(CASES)
  ? readdirSync(CASES)
      .filter((n) => existsSync(join(CASES, n, 'query.sq')))
      .sort()
  : [];

describe('code generation of the valid golden cases', () => {
  it('generates every program (joins: SQ0802) and the modules type-check', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sqc-cases-'));
    try {
      const runtimeImport = join(import.meta.dirname, '../../runtime/index.ts');
      const files: string[] = [];
      const unexpected: string[] = [];
      for (const name of names) {
        const { plan } = analyze(readFileSync(join(CASES, name, 'query.sq'), 'utf8'), 'query.sq');
        if (!plan) continue;
        const { code, diagnostics } = await emit(plan, { sourcePath: `${name}.sq`, runtimeImport });
        const errors = diagnostics.filter((d) => d.severity === 'error' && d.code !== 'SQ0802');
        for (const d of errors) unexpected.push(`${name}: ${d.code} ${d.message}`);
        if (diagnostics.some((d) => d.severity === 'error')) continue;
        const file = join(dir, `${name}.ts`);
        writeFileSync(file, code);
        files.push(file);
      }
      expect(unexpected).toEqual([]);
      expect(files.length).toBeGreaterThan(names.length / 2);
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
            `${d.file ? `${d.file.fileName.replace(dir, '')}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
        );
      expect(problems).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
