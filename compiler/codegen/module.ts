/**
 * The generated module under construction: its imports, hoisted module-level constants
 * (compiled regular expressions, date formatters, JSON paths, IN sets) and top-level
 * declarations in order. Everything is rendered as text and formatted by prettier at the end.
 */
import { NameScope, toConstantCase } from './names.ts';

/** Name of the namespace the scalar-function library is imported as (`fn.substring(...)`). */
export const FUNCTIONS_NAMESPACE = 'fn';

export class ModuleBuilder {
  /** Module-level identifiers (types, functions, constants). */
  readonly names = new NameScope([FUNCTIONS_NAMESPACE]);
  private readonly runtimeImports = new Set<string>();
  private readonly runtimeTypeImports = new Set<string>();
  private usesFunctions = false;
  private readonly constants: string[] = [];
  private readonly constantsByCode = new Map<string, string>();
  private readonly declarations: string[] = [];

  /** A function of runtime/functions, e.g. `fn.parseTimestamp`. */
  fn(name: string): string {
    this.usesFunctions = true;
    return `${FUNCTIONS_NAMESPACE}.${name}`;
  }

  /** A value imported from the runtime API; returns the identifier to use. */
  runtime(name: string): string {
    this.runtimeImports.add(name);
    this.names.reserve(name);
    return name;
  }

  /** A type imported from the runtime API. */
  runtimeType(name: string): string {
    this.runtimeTypeImports.add(name);
    this.names.reserve(name);
    return name;
  }

  /**
   * Hoists `code` to a module constant named after `base`; the same code is hoisted once.
   * `comment` (optional) is written above it.
   */
  constant(base: string, code: string, comment?: string, type?: string): string {
    const existing = this.constantsByCode.get(code);
    if (existing !== undefined) return existing;
    const name = this.names.fresh(toConstantCase(base));
    this.constantsByCode.set(code, name);
    const doc = comment ? `/** ${comment.replace(/\*\//g, '* /')} */\n` : '';
    this.constants.push(`${doc}const ${name}${type ? `: ${type}` : ''} = ${code};`);
    return name;
  }

  /** Appends a top-level declaration (interface, function, class, export). */
  declare(code: string): void {
    this.declarations.push(code);
  }

  render(header: string, runtimeSpecifier: string, functionsSpecifier: string): string {
    const imports: string[] = [];
    const values = [...this.runtimeImports].sort();
    const types = [...this.runtimeTypeImports].filter((t) => !this.runtimeImports.has(t)).sort();
    const specs = [...values, ...types.map((t) => `type ${t}`)];
    if (specs.length) imports.push(`import { ${specs.join(', ')} } from ${JSON.stringify(runtimeSpecifier)};`);
    if (this.usesFunctions) imports.push(`import * as ${FUNCTIONS_NAMESPACE} from ${JSON.stringify(functionsSpecifier)};`);
    return [header, imports.join('\n'), this.constants.join('\n'), ...this.declarations].filter((s) => s !== '').join('\n\n') + '\n';
  }
}
