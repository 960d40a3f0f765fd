/**
 * User-defined functions: `CREATE FUNCTION name AS './module.ts#export'` names a TypeScript (or
 * JavaScript with declarations) module relative to the `.sq` file. This reads the export's own
 * signature with ts-morph and turns it into SQL parameter and result types, so calls are
 * type-checked like built-in functions (the binder, bind/calls.ts) and the generated module
 * imports the function (codegen).
 *
 * Scalar: an exported function (declaration, or a const holding one) with one signature.
 * Aggregate: an exported object, or class with a no-argument constructor, with `create`,
 * `accumulate(acc, ...args)` and `result(acc)` (and optionally `retract`, `merge`, `snapshot`,
 * `restore`): `AggregateFunction` in runtime/udf.ts.
 *
 * Types: `string` → STRING, `boolean` → BOOLEAN, `number` → DOUBLE (a `number` parameter takes
 * any number), `T[]` → ARRAY<T>, and the aliases runtime/udf.ts exports name SQL types
 * (`BIGINT`, `INT`, `TIMESTAMP`, ...). `| null` makes a parameter accept NULL / a result nullable.
 *
 * ts-morph (a development dependency, like TypeScript) is loaded only when a script declares a
 * function. Signatures are cached per file and modification time.
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Morph from 'ts-morph';
import type { SqlType } from '../types.ts';
import { BIGINT, BOOLEAN, DATE, DOUBLE, INT, STRING, TIME, TIMESTAMP, typeToString } from '../types.ts';

/** One parameter: its SQL type (null: any number), and whether it accepts NULL. */
export interface UdfParam {
  readonly name: string;
  readonly type: SqlType | null;
  readonly nullable: boolean;
}

export interface UdfSignature {
  readonly kind: 'scalar' | 'aggregate';
  /** Absolute path of the module file the signature was read from. */
  readonly file: string;
  readonly exportName: string;
  /** Aggregates: the export is a class (instantiated once per use) rather than an object. */
  readonly isClass: boolean;
  readonly params: readonly UdfParam[];
  readonly result: { readonly type: SqlType; readonly nullable: boolean };
  /** Aggregates: which optional members the export has. */
  readonly members: { readonly retract: Member; readonly merge: Member; readonly snapshot: Member };
}

/** Whether an aggregate has a method: always, maybe (an optional member: checked at run time), never. */
export type Member = 'always' | 'maybe' | 'never';

/** Why a function cannot be declared: the message, and notes (help). */
export interface UdfProblem {
  readonly message: string;
  readonly notes: readonly string[];
}

const HOW_TO =
  "help: write the function in TypeScript and name it as 'path/relative/to/this.sq.ts#exportName', e.g. CREATE FUNCTION count_char AS './udf/count-char.ts#countChar' with `export function countChar(s: string, c: string): BIGINT` (docs/language.md, User-defined functions)";

/** A Java (or Scala/Python) class name, as Flink's `CREATE FUNCTION ... AS 'com.x.Y'` writes it. */
const JAVA_CLASS = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$/;

/** Splits `'./m.ts#name'` and checks its shape; the module path is relative to `dir`. */
export function parseTarget(target: string, language: string | null): { module: string; exportName: string } | UdfProblem {
  if (language !== null && language !== 'TYPESCRIPT' && language !== 'JAVASCRIPT') {
    return {
      message: `LANGUAGE ${language} functions are not supported: sqc runs functions written in TypeScript`,
      notes: [HOW_TO],
    };
  }
  const hash = target.lastIndexOf('#');
  const module = hash < 0 ? target : target.slice(0, hash);
  const exportName = hash < 0 ? '' : target.slice(hash + 1);
  if (hash < 0 && JAVA_CLASS.test(target)) {
    return {
      message: `'${target}' looks like a Java class: sqc cannot run JVM functions`,
      notes: [HOW_TO],
    };
  }
  if (!module.startsWith('./') && !module.startsWith('../') && !module.startsWith('/')) {
    return {
      message: `'${target}' is not a module path: name a TypeScript module relative to the .sq file (starting with ./ or ../) and its export, 'module#export'`,
      notes: [HOW_TO],
    };
  }
  if (!/^[A-Za-z_$][\w$]*$/.test(exportName)) {
    return {
      message: exportName
        ? `"${exportName}" is not an export name`
        : `'${target}' does not name an export: write 'module#exportName'`,
      notes: [HOW_TO],
    };
  }
  return { module, exportName };
}

/** The file a module path names: as written, or with the TypeScript source for a `.js` path, or with an extension added. */
export function resolveModule(module: string, dir: string): string | null {
  const base = resolve(dir, module);
  const candidates = [base];
  const m = /\.(c|m)?js$/.exec(base);
  if (m) candidates.push(base.slice(0, -m[0].length) + `.${m[1] ?? ''}ts`);
  else if (!/\.(c|m)?ts$/.test(base)) candidates.push(`${base}.ts`, `${base}.mts`, `${base}.js`, `${base}/index.ts`);
  return candidates.find((f) => existsSync(f) && statSync(f).isFile()) ?? null;
}

let morph: typeof Morph | null = null;

function loadMorph(): typeof Morph | UdfProblem {
  if (morph) return morph;
  try {
    morph = createRequire(import.meta.url)('ts-morph') as typeof Morph;
    return morph;
  } catch (e) {
    return {
      message: `reading a TypeScript function's signature needs the package "ts-morph" (${(e as Error).message.split('\n')[0]})`,
      notes: ['help: install it with `npm install -D ts-morph typescript`'],
    };
  }
}

const cache = new Map<string, UdfSignature | UdfProblem>();
let project: Morph.Project | undefined;

/** The file that declares what user-defined functions import from "sqc/runtime" (sources or the build). */
function runtimeTypes(): string {
  const ts = fileURLToPath(new URL('../../runtime/udf.ts', import.meta.url));
  return existsSync(ts) ? ts : ts.replace(/\.ts$/, '.d.ts');
}

/** Reads the signature of `exportName` in `file` (an existing file). */
export function readFunction(file: string, exportName: string): UdfSignature | UdfProblem {
  const key = `${file}\0${statSync(file).mtimeMs}\0${exportName}`;
  let r = cache.get(key);
  if (!r) {
    r = read(file, exportName);
    cache.set(key, r);
  }
  return r;
}

function read(file: string, exportName: string): UdfSignature | UdfProblem {
  const tsm = loadMorph();
  if ('message' in tsm) return tsm;
  const { Node, Project, ts } = tsm;
  // One project for all modules: the standard library only, and "sqc/runtime" narrowed to the
  // types functions use (runtime/udf.ts), so a signature reads in milliseconds after the first.
  project ??= new Project({
    skipAddingFilesFromTsConfig: true,
    compilerOptions: {
      strict: true,
      allowJs: true,
      noEmit: true,
      skipLibCheck: true,
      allowImportingTsExtensions: true,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2023.d.ts'],
      types: [],
      paths: { 'sqc/runtime': [runtimeTypes()] },
    },
  });
  const existing = project.getSourceFile(file);
  if (existing) existing.refreshFromFileSystemSync();
  const sf = existing ?? project.addSourceFileAtPath(file);
  const decls = sf.getExportedDeclarations().get(exportName);
  const shown = `"${exportName}"`;
  if (!decls || decls.length === 0) {
    const names = [...sf.getExportedDeclarations().keys()].sort();
    return {
      message: `the module does not export "${exportName}"`,
      notes: [names.length ? `note: it exports ${names.map((n) => `"${n}"`).join(', ')}` : 'note: it exports nothing'],
    };
  }
  const decl = decls[0]!;
  const isClass = Node.isClassDeclaration(decl);
  const type = decl.getType();
  const prop = (name: string) => type.getProperty(name);
  if (prop('accumulate') || prop('result') || prop('create')) {
    const missing = ['create', 'accumulate', 'result'].filter((n) => !prop(n));
    if (missing.length) {
      return {
        message: `${shown} looks like an aggregate function but has no ${missing.map((n) => `"${n}"`).join(', ')}`,
        notes: ['help: implement AggregateFunction (import type { AggregateFunction } from "sqc/runtime")'],
      };
    }
    if (isClass && decl.getConstructors().some((c) => c.getParameters().length > 0)) {
      return { message: `${shown} is a class whose constructor takes arguments: sqc creates it with \`new\` and none`, notes: [] };
    }
    const sig = (name: string) => prop(name)!.getTypeAtLocation(decl).getCallSignatures();
    const member = (name: string): Member => {
      const p = prop(name);
      return !p ? 'never' : p.hasFlags(ts.SymbolFlags.Optional) ? 'maybe' : 'always';
    };
    if (member('snapshot') !== member('restore')) {
      return { message: `${shown} has ${prop('snapshot') ? 'snapshot but no restore' : 'restore but no snapshot'}: define both or neither`, notes: [] };
    }
    const acc = sig('accumulate');
    const res = sig('result');
    if (acc.length !== 1 || res.length !== 1) {
      return { message: `${shown}: "accumulate" and "result" must each have exactly one signature`, notes: [] };
    }
    // `const f: AggregateFunction<Acc, [a: BIGINT, b: string], R> = {...}`: the SQL type names
    // are in the annotation's type arguments (the methods themselves are contextually typed).
    const annotated = Node.isVariableDeclaration(decl) ? decl.getTypeNode() : undefined;
    const typeArgs = annotated && Node.isTypeReference(annotated) ? annotated.getTypeArguments() : [];
    const tuple = typeArgs[1] && Node.isTupleTypeNode(typeArgs[1]) ? typeArgs[1] : undefined;
    const params = parameters(tsm, acc[0]!, decl, 1, tuple);
    if ('message' in params) return params;
    const result = sqlType(tsm, returnNode(tsm, res[0]!) ?? typeArgs[2], res[0]!.getReturnType(), 'result');
    if ('message' in result) return result;
    return {
      kind: 'aggregate',
      file,
      exportName,
      isClass,
      params,
      result,
      members: { retract: member('retract'), merge: member('merge'), snapshot: member('snapshot') },
    };
  }
  const sigs = type.getCallSignatures();
  if (sigs.length === 0) {
    return {
      message: `${shown} is not a function (its type is ${type.getText(decl)})`,
      notes: [
        'help: export a function for a scalar function, or an object implementing AggregateFunction (create, accumulate, result) for an aggregate',
      ],
    };
  }
  if (sigs.length > 1) {
    return { message: `${shown} is overloaded: export a function with one signature`, notes: [] };
  }
  const sig = sigs[0]!;
  if (sig.getTypeParameters().length) {
    return { message: `${shown} is generic: SQL needs concrete parameter types`, notes: [] };
  }
  const params = parameters(tsm, sig, decl, 0);
  if ('message' in params) return params;
  const ret = sig.getReturnType();
  if (ret.getSymbol()?.getName() === 'Promise') {
    return { message: `${shown} returns a Promise: functions run per row and must return their value`, notes: [] };
  }
  const result = sqlType(tsm, returnNode(tsm, sig), ret, 'result');
  if ('message' in result) return result;
  return {
    kind: 'scalar',
    file,
    exportName,
    isClass: false,
    params,
    result,
    members: { retract: 'never', merge: 'never', snapshot: 'never' },
  };
}

function returnNode(tsm: typeof Morph, sig: Morph.Signature): Morph.TypeNode | undefined {
  const d = sig.getDeclaration();
  return tsm.Node.isReturnTyped(d) ? d.getReturnTypeNode() : undefined;
}

function parameters(
  tsm: typeof Morph,
  sig: Morph.Signature,
  at: Morph.Node,
  skip: number,
  tuple?: Morph.TupleTypeNode,
): UdfParam[] | UdfProblem {
  const out: UdfParam[] = [];
  for (const p of sig.getParameters().slice(skip)) {
    const d = p.getValueDeclaration();
    const pd = d && tsm.Node.isParameterDeclaration(d) ? d : undefined;
    if (pd?.isRestParameter()) {
      // `...args: [value: number, weight: BIGINT]` (AggregateFunction's Args): one parameter per element.
      const t = p.getTypeAtLocation(at);
      if (!t.isTuple() || out.length > 0) {
        return { message: `parameter "...${p.getName()}": rest parameters are not supported; list the parameters`, notes: [] };
      }
      const nodes = tuple?.getElements() ?? [];
      const elements = t.getTupleElements();
      for (let i = 0; i < elements.length; i++) {
        const n = nodes[i];
        const named = n && tsm.Node.isNamedTupleMember(n) ? n : undefined;
        const name = named?.getName() ?? `arg${i + 1}`;
        const et = sqlType(tsm, named ? named.getTypeNode() : n, elements[i]!, `parameter "${name}"`, true);
        if ('message' in et) return et;
        out.push({ name, type: et.type, nullable: et.nullable });
      }
      return out;
    }
    const t = sqlType(tsm, pd?.getTypeNode(), p.getTypeAtLocation(d ?? at), `parameter "${p.getName()}"`, true);
    if ('message' in t) return t;
    out.push({ name: p.getName(), type: t.type, nullable: t.nullable || (pd?.isOptional() ?? false) });
  }
  return out;
}

const ALIASES: Readonly<Record<string, SqlType>> = {
  INT,
  INTEGER: INT,
  TINYINT: INT,
  SMALLINT: INT,
  BIGINT,
  DOUBLE,
  FLOAT: DOUBLE,
  STRING,
  VARCHAR: STRING,
  BOOLEAN,
  TIMESTAMP,
  DATE,
  TIME,
};

/** The SQL type of a TypeScript type (null: any number, for parameters). */
function sqlType(
  tsm: typeof Morph,
  node: Morph.TypeNode | undefined,
  type: Morph.Type,
  what: string,
  param: true,
): { type: SqlType | null; nullable: boolean } | UdfProblem;
function sqlType(
  tsm: typeof Morph,
  node: Morph.TypeNode | undefined,
  type: Morph.Type,
  what: string,
): { type: SqlType; nullable: boolean } | UdfProblem;
function sqlType(
  tsm: typeof Morph,
  node: Morph.TypeNode | undefined,
  type: Morph.Type,
  what: string,
  param = false,
): { type: SqlType | null; nullable: boolean } | UdfProblem {
  const { Node } = tsm;
  const members = type.isUnion() ? type.getUnionTypes() : [type];
  const nullable = members.some((m) => m.isNull() || m.isUndefined());
  let rest = members.filter((m) => !m.isNull() && !m.isUndefined());
  if (rest.length > 1 && rest.every((m) => m.isBooleanLiteral())) rest = [rest[0]!.getApparentType()];
  // The alias written in the annotation (`BIGINT | null`), which the type itself forgets.
  const nodes = node && Node.isUnionTypeNode(node) ? node.getTypeNodes() : node ? [node] : [];
  const named = nodes.filter((n) => !/^(null|undefined)$/.test(n.getText()));
  if (named.length === 1 && Node.isTypeReference(named[0]!)) {
    const name = named[0]!.getTypeName().getText().split('.').pop()!;
    const alias = ALIASES[name];
    const t = rest[0];
    const kind = alias?.kind === 'STRING' ? 'string' : alias?.kind === 'BOOLEAN' ? 'boolean' : 'number';
    // The alias itself when "sqc/runtime" does not resolve from the module (an error type).
    const fits = t && (t.getText() === name || (kind === 'number' ? t.isNumber() : kind === 'string' ? t.isString() : t.isBoolean()));
    if (alias && rest.length === 1 && fits) return { type: alias, nullable };
  }
  const unsupported = (): UdfProblem => ({
    message: `${what} has type ${type.getText()}, which has no SQL type`,
    notes: [
      'help: use string, number, boolean, arrays of them, or the SQL type names "sqc/runtime" exports (BIGINT, INT, DOUBLE, TIMESTAMP, DATE, ...), with `| null` where NULL is allowed',
    ],
  });
  if (rest.length !== 1) return unsupported();
  const t = rest[0]!;
  if (t.isString() || t.isStringLiteral()) return { type: STRING, nullable };
  if (t.isNumber() || t.isNumberLiteral()) return { type: param ? null : DOUBLE, nullable };
  if (t.isBoolean() || t.isBooleanLiteral()) return { type: BOOLEAN, nullable };
  if (t.isArray()) {
    const el = sqlType(tsm, undefined, t.getArrayElementTypeOrThrow(), `${what} (element)`);
    if ('message' in el) return unsupported();
    return { type: { kind: 'ARRAY', element: el.type, elementNullable: el.nullable }, nullable };
  }
  return unsupported();
}

/** How a parameter's type reads in messages: `BIGINT`, `NUMERIC` (a `number`: any number). */
export function paramDisplay(p: UdfParam): string {
  return p.type ? typeToString(p.type) : 'NUMERIC';
}
