/** `sqc explain <file>`: print the logical plan (operators, types, time attributes, state, emit mode). */
import type { Command } from './command.ts';
import { readSource, useColor } from './source.ts';
import { withTools } from './tools.ts';

export const explainCommand: Command = {
  summary: 'print the logical plan of a .sq file',
  usage: '<file> [--no-schema]',
  options: { 'no-schema': { type: 'boolean', default: false } },
  async run(files, values) {
    if (files.length !== 1) {
      console.error('sqc explain: expects exactly one file (usage: sqc explain <file>)');
      return 2;
    }
    const src = readSource(files[0]!);
    if (!src) return 1;
    const compiler = await withTools('sqc explain', async () => ({
      ...(await import('../../compiler/analyze.ts')),
      ...(await import('../../compiler/diagnostics/render.ts')),
      ...(await import('../../compiler/explain/explain.ts')),
    }));
    if (!compiler) return 1;
    const { analyze, explain, renderDiagnostics } = compiler;
    const { plan, diagnostics } = analyze(src.text, src.path);
    if (diagnostics.length)
      process.stderr.write(
        renderDiagnostics(diagnostics, { file: src.path, source: src.text, color: useColor() }) + '\n',
      );
    if (!plan) return 1;
    process.stdout.write(explain(plan, { schemas: !values['no-schema'] }));
    return 0;
  },
};
