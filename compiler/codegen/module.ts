/**
 * The generated module under construction: its imports, hoisted module-level constants
 * (compiled regular expressions, date formatters, JSON paths, IN sets) and top-level
 * declarations in order. Everything is rendered as text and formatted by prettier at the end.
 */
import type { UserFunctionDef } from '../plan/plan.ts';
import { NameScope, toCamelCase, toConstantCase } from './names.ts';

/** A user-defined function as generated code holds it: the imported binding and its definition. */
export interface ImportedFunction {
  readonly def: UserFunctionDef;
  /** The module-level identifier of the function (scalar), object or class (aggregate). */
  readonly ident: string;
}

/** The runtime API is imported as a namespace: `rt.WindowAggregate`, `rt.decode.string`. */
export const RUNTIME_NAMESPACE = 'rt';

/** The scalar-function library, exported by the runtime as `fn`: `fn.substring(...)`. */
export const FUNCTIONS_NAMESPACE = 'fn';

/** The module's sections, in the order they are written. */
const SECTIONS = ['rows', 'sources', 'sinks', 'queries', 'job'] as const;
export type Section = (typeof SECTIONS)[number];

const SECTION_TITLES: Record<Section, string> = {
  rows: 'Rows: the typed records of every relation (TIMESTAMP = epoch milliseconds, NULL = null)',
  sources: 'Sources: connector options, decoders (record → typed row) and watermarks',
  sinks: 'Sinks: the runtime encodes rows from these schemas',
  queries: 'Queries: one function per INSERT, wiring generated code to the runtime operators',
  job: 'The job',
};

export class ModuleBuilder {
  /** Module-level identifiers (types, functions, constants). */
  readonly names = new NameScope([FUNCTIONS_NAMESPACE, RUNTIME_NAMESPACE]);
  private usesRuntime = false;
  private usesFunctions = false;
  private readonly constants: string[] = [];
  private readonly constantsByCode = new Map<string, string>();
  private readonly sections = new Map<Section, string[]>(SECTIONS.map((s) => [s, []]));
  private readonly imported = new Map<string, ImportedFunction>();

  /**
   * `functions`: the job's user-defined functions; `specifier` gives the import path of a
   * function's module file (relative to the generated module).
   */
  constructor(
    private readonly functions: readonly UserFunctionDef[] = [],
    private readonly specifier: (file: string) => string = (f) => f,
  ) {}

  /** A user-defined function by its upper-case SQL name, imported on first use. */
  userFunction(name: string): ImportedFunction {
    let f = this.imported.get(name);
    if (!f) {
      const def = this.functions.find((d) => d.name.toUpperCase() === name);
      if (!def) throw new Error(`internal: no user-defined function "${name}" in the plan`);
      f = { def, ident: this.names.fresh(`${toCamelCase(def.name)}Udf`) };
      this.imported.set(name, f);
    }
    return f;
  }

  /** A function of runtime/functions, e.g. `fn.parseTimestamp`. */
  fn(name: string): string {
    this.usesFunctions = true;
    return `${FUNCTIONS_NAMESPACE}.${name}`;
  }

  /** A value or type of the runtime API, e.g. `rt.WindowAggregate`. */
  rt(name: string): string {
    this.usesRuntime = true;
    return `${RUNTIME_NAMESPACE}.${name}`;
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

  /** Appends a top-level declaration (interface, function, class, export) to a section. */
  declare(section: Section, code: string): void {
    this.sections.get(section)!.push(code);
  }

  /** The module text; the runtime API and the function library (`fn`) come from `runtimeSpecifier`. */
  render(header: string, runtimeSpecifier: string): string {
    const imports: string[] = [];
    const from = JSON.stringify(runtimeSpecifier);
    if (this.usesRuntime) imports.push(`import * as ${RUNTIME_NAMESPACE} from ${from};`);
    if (this.usesFunctions) imports.push(`import { ${FUNCTIONS_NAMESPACE} } from ${from};`);
    // User-defined functions, in declaration order, one import per function.
    const used = this.functions.flatMap((d) => {
      const f = this.imported.get(d.name.toUpperCase());
      return f ? [f] : [];
    });
    const byModule = new Map<string, string[]>();
    for (const f of used) {
      const binding = f.def.exportName === f.ident ? f.ident : `${f.def.exportName} as ${f.ident}`;
      const bindings = byModule.get(f.def.module) ?? [];
      byModule.set(f.def.module, [...bindings, binding]);
    }
    for (const [module, bindings] of byModule)
      imports.push(`import { ${bindings.join(', ')} } from ${JSON.stringify(this.specifier(module))};`);
    const body = SECTIONS.flatMap((s) => {
      const decls = this.sections.get(s)!;
      return decls.length ? [`// ${'-'.repeat(93)}\n// ${SECTION_TITLES[s]}`, ...decls] : [];
    });
    return [header, imports.join('\n'), this.constants.join('\n'), ...body].filter((s) => s !== '').join('\n\n') + '\n';
  }
}
