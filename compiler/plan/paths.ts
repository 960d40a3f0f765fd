/**
 * A file sink must not write what a file source of the same job reads: the sink starts its file
 * empty (or appends to it) while the source reads it, so the input is lost or read back as its
 * own output. Checked on the paths as written (`./same.jsonl` and `same.jsonl`, `file:` URIs
 * already resolved, a directory or glob of the source that takes in the sink's file); what only
 * the file system shows (symlinks, a relative path against an absolute one) is checked when the
 * job starts (runtime/engine/paths.ts).
 */
import { optionKey } from '../connectors/legacy.ts';
import { isAbsolute } from 'node:path';
import type { Diagnostic } from '../../grammar/diagnostic.ts';
import { error } from '../../grammar/diagnostic.ts';
import { wouldList } from '../../runtime/connectors/file/list-files.ts';
import type { RelationEntry } from '../catalog/catalog.ts';
import type { SinkDef, SourceDef } from './plan.ts';

const isFile = (connector: string | null) => connector === 'file' || connector === 'filesystem';

export function checkSinkPaths(
  sources: readonly SourceDef[],
  sinks: readonly SinkDef[],
  relations: ReadonlyMap<string, RelationEntry>,
): Diagnostic[] {
  const diags: Diagnostic[] = [];
  for (const sink of sinks) {
    const target = relations.get(sink.name);
    const out = target?.options['path'];
    if (!target || !isFile(sink.connector) || out === undefined) continue;
    for (const source of sources) {
      const src = relations.get(source.name);
      const input = src?.options['path'];
      if (!src || !isFile(source.connector) || input === undefined) continue;
      if (isAbsolute(input) !== isAbsolute(out) || !wouldList(input, out)) continue;
      const at = target.decl.options.find((o) => optionKey(o.key) === 'path');
      const same = wouldList(out, input);
      diags.push(
        error(
          'SQ0402',
          same
            ? `sink "${sink.name}" writes '${out}', the file that source "${source.name}" reads ('${input}'): the sink would empty the input before it is read`
            : `sink "${sink.name}" writes '${out}', which source "${source.name}" reads ('${input}' takes it in): the job would read its own output`,
          at?.valueSpan ?? sink.span,
          'help: write the output to a path that no source of this job reads',
        ),
      );
    }
  }
  return diags;
}
