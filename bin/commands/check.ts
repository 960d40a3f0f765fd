/** `sqc check <files...>`: report every diagnostic; exit 1 on errors (or warnings with --strict). */
import type { Command } from './command.ts';
import { readSource, useColor } from './source.ts';
import { withTools } from './tools.ts';

export const checkCommand: Command = {
  summary: 'check .sq files and report errors and warnings with file:line:col',
  usage: '<files...> [--format text|json] [--strict]',
  options: {
    format: { type: 'string', default: 'text' },
    strict: { type: 'boolean', default: false },
  },
  async run(files, values) {
    const format = values['format'] as string;
    if (format !== 'text' && format !== 'json') {
      console.error(`sqc check: --format must be "text" or "json", not "${format}"`);
      return 2;
    }
    if (files.length === 0) {
      console.error('sqc check: no input files (usage: sqc check <files...>)');
      return 2;
    }
    const compiler = await withTools('sqc check', async () => ({
      ...(await import('../../compiler/analyze.ts')),
      ...(await import('../../compiler/diagnostics/render.ts')),
    }));
    if (!compiler) return 1;
    const { analyze, diagnosticsToJson, renderDiagnostics } = compiler;
    let failed = false;
    const json: object[] = [];
    for (const path of files) {
      const src = readSource(path);
      if (!src) {
        failed = true;
        continue;
      }
      const { diagnostics } = analyze(src.text, path);
      const errors = diagnostics.filter((d) => d.severity === 'error').length;
      if (errors > 0 || (values['strict'] && diagnostics.length > 0)) failed = true;
      if (format === 'json') json.push(...diagnosticsToJson(path, diagnostics));
      else if (diagnostics.length)
        process.stderr.write(
          renderDiagnostics(diagnostics, { file: path, source: src.text, color: useColor() }) + '\n',
        );
      else console.log(`${path}: ok`);
    }
    if (format === 'json') console.log(JSON.stringify(json, null, 2));
    return failed ? 1 : 0;
  },
};
