/**
 * Every valid program of the golden cases (test/cases/valid/<name>/query.sq) goes through the
 * code generator: `analyze` accepts it, code generation renders it without a diagnostic (it
 * reports none of its own but SQ9999, an internal error), and every module type-checks.
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
  it('generates every program and the modules type-check', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sqc-cases-'));
    try {
      const runtimeImport = join(import.meta.dirname, '../../runtime/index.ts');
      const files: string[] = [];
      const unexpected: string[] = [];
      for (const name of names) {
        const checked = analyze(readFileSync(join(CASES, name, 'query.sq'), 'utf8'), 'query.sq');
        const refused = checked.diagnostics.filter((d) => d.severity === 'error');
        for (const d of refused) unexpected.push(`${name}: sqc check: ${d.code} ${d.message}`);
        if (!checked.plan || refused.length > 0) continue;
        const { code, diagnostics } = await emit(checked.plan, { sourcePath: `${name}.sq`, runtimeImport });
        for (const d of diagnostics) unexpected.push(`${name}: code generation: ${d.code} ${d.message}`);
        if (diagnostics.length > 0) continue;
        const file = join(dir, `${name}.ts`);
        writeFileSync(file, code);
        files.push(file);
      }
      expect(unexpected).toEqual([]);
      expect(names.length).toBeGreaterThan(0);
      expect(files.length).toBe(names.length);
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
