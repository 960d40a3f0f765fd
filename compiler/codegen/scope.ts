/**
 * One generated function body: its local names and the temporaries the expression compiler
 * asks for (declared with `let` at the top of the body, so that they can be assigned inside
 * expressions without changing evaluation order).
 */
import type { Span } from '../../grammar/ast.ts';
import { ExprCompiler, type ExprEnv, type FieldAccess } from './expr.ts';
import type { ModuleBuilder } from './module.ts';
import type { NameScope } from './names.ts';

export class FnScope {
  readonly names: NameScope;
  private readonly temps: string[] = [];

  constructor(
    readonly module: ModuleBuilder,
    parent: NameScope,
    params: readonly string[] = [],
  ) {
    this.names = parent.child(params);
  }

  temp(base: string, tsType: string): string {
    const name = this.names.fresh(base);
    this.temps.push(`let ${name}: ${tsType};`);
    return name;
  }

  /** The temporaries' declarations, to put first in the body (empty when there are none). */
  declarations(): string {
    return this.temps.join('\n');
  }

  /** Prefixes `body` with the temporaries' declarations. */
  body(body: string): string {
    const decls = this.declarations();
    return decls ? `${decls}\n${body}` : body;
  }

  /** An expression compiler reading input fields through `field`. */
  compiler(field: (name: string) => FieldAccess, span: Span): ExprCompiler {
    const env: ExprEnv = {
      module: this.module,
      field,
      temp: (base, type) => this.temp(base, type),
      span,
    };
    return new ExprCompiler(env);
  }
}
