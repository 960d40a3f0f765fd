/**
 * The generated/ corpus: every example program compiled, compared with the committed file, and
 * the whole corpus type-checked. `npx vitest run compiler/codegen/generated.test.ts --update`
 * rewrites the files after an intended change (review the diff).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.ts';
import { renderDiagnostics } from '../diagnostics/render.ts';
import { emit } from './index.ts';

const ROOT = join(import.meta.dirname, '../..');
const EXAMPLES = join(ROOT, 'examples');
const CORPUS = join(ROOT, 'generated');
const programs = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.sq'))
  .sort();

describe('generated/ corpus', () => {
  for (const file of programs) {
    const name = file.replace(/\.sq$/, '');
    it(`examples/${file}`, async () => {
      const sourcePath = `examples/${file}`;
      const source = readFileSync(join(EXAMPLES, file), 'utf8');
      const { plan, diagnostics } = analyze(source, sourcePath);
      const emitted = plan ? await emit(plan, { sourcePath }) : null;
      const all = [...diagnostics, ...(emitted?.diagnostics ?? [])];
      // Every example compiles; when one does not, the failure shows what `sqc compile` prints.
      const errors = all.some((d) => d.severity === 'error')
        ? renderDiagnostics(all, { file: sourcePath, source })
        : '';
      expect(errors).toBe('');
      await expect(emitted!.code).toMatchFileSnapshot(join(CORPUS, `${name}.ts`));
    });
  }

  it('type-checks (tsc -p generated/tsconfig.json)', () => {
    const configPath = join(CORPUS, 'tsconfig.json');
    const config = ts.getParsedCommandLineOfConfigFile(
      configPath,
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
    )!;
    expect(config.fileNames.length).toBeGreaterThan(0);
    const program = ts.createProgram(config.fileNames, config.options);
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map(
        (d) =>
          `${d.file ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
      );
    expect(problems).toEqual([]);
  });
});
