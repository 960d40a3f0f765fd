/**
 * `CREATE FUNCTION name AS './module.ts#export'`: reads the function's TypeScript signature
 * (catalog/udf.ts) and declares it for the statements after it; calls are bound in calls.ts.
 * A Java class name (Flink's form), a missing module or export, or a signature without SQL types
 * is an error at the statement.
 */
import { relative } from 'node:path';
import type { CreateFunction } from '../../grammar/ast.ts';
import type { Diagnostic } from '../../grammar/diagnostic.ts';
import { error } from '../../grammar/diagnostic.ts';
import { lookupAggregate } from '../check/aggregates.ts';
import { lookupFunction } from '../check/functions.ts';
import { parseTarget, readFunction, resolveModule } from '../catalog/udf.ts';
import type { ExprMeta } from './context.ts';

/** Names the binder treats specially (window functions and properties), never user functions. */
const RESERVED = /^(TUMBLE|HOP|SESSION|CUMULATE|WINDOW|SESSION_WINDOW|EXTRACT|TRIM|CAST|TRY_CAST)(_.*)?$/;

export function bindCreateFunction(stmt: CreateFunction, meta: ExprMeta, diags: Diagnostic[], dir: string): void {
  const name = stmt.name.name;
  const upper = name.toUpperCase();
  const prev = meta.functions.get(upper);
  if (prev) {
    if (!stmt.ifNotExists) {
      diags.push(
        error(
          'SQ0105',
          `function "${name}" is already declared (line ${prev.span.line})`,
          stmt.name.span,
          'help: choose another name, or add IF NOT EXISTS to keep the first declaration',
        ),
      );
    }
    return;
  }
  if (lookupFunction(upper) || lookupAggregate(upper) || RESERVED.test(upper)) {
    diags.push(error('SQ0105', `"${name}" is a built-in function: choose another name`, stmt.name.span));
    return;
  }
  // Until it reads without errors, the name is declared broken: its calls report nothing more.
  meta.functions.set(upper, { name, signature: null, span: stmt.name.span });
  const target = parseTarget(stmt.target, stmt.language);
  if ('message' in target) {
    const at = stmt.language && !/^(TYPE|JAVA)SCRIPT$/.test(stmt.language) ? stmt.languageSpan! : stmt.targetSpan;
    diags.push(error('SQ0107', target.message, at, ...target.notes));
    return;
  }
  const file = resolveModule(target.module, dir);
  if (!file) {
    diags.push(
      error(
        'SQ0107',
        `cannot find the module '${target.module}'`,
        stmt.targetSpan,
        'note: the path is relative to the folder of the .sq file; a `.js` path also finds the `.ts` source beside it',
      ),
    );
    return;
  }
  const sig = readFunction(file, target.exportName);
  if ('message' in sig) {
    const where = relative(dir, file).split('\\').join('/');
    diags.push(error('SQ0107', `${sig.message} (${where}#${target.exportName})`, stmt.targetSpan, ...sig.notes));
    return;
  }
  meta.functions.set(upper, { name, signature: sig, span: stmt.name.span });
}
