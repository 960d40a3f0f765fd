/**
 * Code generation: `JobPlan` → one TypeScript module per `.sq` file, formatted by prettier.
 *
 * The module exports the typed row interfaces of every relation, the job spec (`job`) and
 * `createJob(overrides?)`, and contains, per source, its decoders (JSON lines with a
 * projection-pushdown fast path, CSV, raw) and, per query, one function that fuses the
 * stateless operators into per-row code and wires the stateful ones to the runtime with
 * generated key functions and typed accumulator classes. See README.md next to this file.
 *
 * Deterministic: the same plan always gives the same text. It renders a plan that `analyze`
 * accepted and reports no user errors (every check is the checker's): a plan it cannot render,
 * a prettier failure or any exception is SQ9999, a compiler bug to report (see internal.ts).
 */
import { basename } from 'node:path';
import { error, type Diagnostic } from '../../grammar/diagnostic.ts';
import type { JobOptions, QueryDescriptor } from '../../runtime/contract.ts';
import type { JobPlan } from '../plan/plan.ts';
import { queryFollowsPartitioning } from '../plan/partitioning.ts';
import { planGraph } from '../explain/explain.ts';
import { SQC_VERSION } from '../version.ts';
import { rowFieldReads } from './fields.ts';
import { formatModule } from './format.ts';
import { ModuleBuilder } from './module.ts';
import { toCamelCase, toPascalCase } from './names.ts';
import { overridesType } from './overrides.ts';
import { QueryGen, type QueryContext } from './query.ts';
import { literal } from './schema.ts';
import { emitSink, type SinkNames } from './sinks.ts';
import { emitSource, type SourceNames } from './sources.ts';

export interface EmitOptions {
  /** Module specifier the generated code imports the runtime from (default `sqc/runtime`). */
  readonly runtimeImport?: string;
  /** The `.sq` file as the user named it, for the header and comments. */
  readonly sourcePath: string;
  /**
   * The import specifier of a user-defined function's module file (an absolute path in the
   * plan); by default the path itself. `compile` makes it relative to the output module.
   */
  readonly functionImport?: (file: string) => string;
}

export interface EmitResult {
  /** The formatted module (also when there are errors, as far as it could be generated). */
  readonly code: string;
  readonly diagnostics: Diagnostic[];
}

/** How generated modules are formatted. */
export const PRETTIER_OPTIONS = {
  parser: 'typescript',
  singleQuote: true,
  printWidth: 110,
  trailingComma: 'all',
} as const;

const START = { offset: 0, end: 0, line: 1, col: 1 };

export async function emit(plan: JobPlan, options: EmitOptions): Promise<EmitResult> {
  const diagnostics: Diagnostic[] = [];
  let text: string;
  try {
    text = generate(plan, options);
  } catch (e) {
    diagnostics.push(internalError(`code generation failed: ${(e as Error).message}`));
    return { code: '', diagnostics };
  }
  try {
    return { code: await formatModule(text, PRETTIER_OPTIONS), diagnostics };
  } catch (e) {
    diagnostics.push(internalError(`the generated module does not format: ${(e as Error).message.split('\n')[0]}`));
    return { code: text, diagnostics };
  }
}

/** The job options the runtime contract declares (others stay readable in `raw`). */
function jobOptions(o: JobOptions): JobOptions {
  const { pipelineName, checkpointDir, checkpointIntervalMs, triggerIntervalMs, triggerMode, raw } = o;
  return { pipelineName, checkpointDir, checkpointIntervalMs, triggerIntervalMs, triggerMode, raw };
}

function internalError(message: string): Diagnostic {
  return error(
    'SQ9999',
    `internal compiler error: ${message}`,
    START,
    'note: this is a bug in sqc; please report it with the program that triggers it',
  );
}

/** The unformatted module text. */
export function generate(plan: JobPlan, options: EmitOptions): string {
  const m = new ModuleBuilder(plan.functions, options.functionImport);
  const sourcePath = options.sourcePath;
  const sourceNames = new Map<string, SourceNames>();
  const sinkNames = new Map<string, SinkNames>();
  const read = new Map<string, Set<string>>();

  for (const s of plan.sources) {
    const p = toPascalCase(s.name);
    sourceNames.set(s.name, {
      row: m.names.fresh(`${p}Row`),
      spec: m.names.fresh(toCamelCase(s.name)),
      decode: m.names.fresh(`decode${p}`),
    });
  }
  for (const s of plan.sinks) {
    const p = toPascalCase(s.name);
    const taken = sourceNames.has(s.name);
    sinkNames.set(s.name, {
      row: m.names.fresh(taken ? `${p}OutputRow` : `${p}Row`),
      spec: m.names.fresh(`${toCamelCase(s.name)}Sink`),
    });
  }

  const cx: QueryContext = {
    module: m,
    sourcePath,
    source: (name) => sourceNames.get(name)!,
    sink: (name) => sinkNames.get(name)!,
    read(source, fields) {
      let set = read.get(source);
      if (!set) read.set(source, (set = new Set()));
      for (const f of fields) set.add(f);
    },
  };

  const queries: {
    name: string;
    fn: string;
    emit: string;
    descriptor: QueryDescriptor;
    graph: string;
    keyed: boolean;
  }[] = [];
  for (const q of plan.queries) {
    const gen = new QueryGen(cx, q);
    const fn = m.names.fresh(gen.functionName);
    gen.generate(fn);
    const descriptor = gen.descriptor;
    // stateful and keyed by the input partitioning: scaled out, one instance per task (docs/scale-out.md)
    const keyed = descriptor.operators.length > 0 && queryFollowsPartitioning(q);
    queries.push({ name: q.name, fn, emit: q.root.emit, descriptor, graph: literal(planGraph(q)), keyed });
  }

  // Sources and sinks the queries use (a source's late.sink included).
  const sources = plan.sources.filter((s) => read.has(s.name));
  const usedSinks = new Set(plan.queries.map((q) => q.root.sink.name));
  for (const s of sources) if (s.source.lateSink) usedSinks.add(s.source.lateSink);
  const sinks = plan.sinks.filter((s) => usedSinks.has(s.name));
  for (const s of sources)
    emitSource(m, s, sourceNames.get(s.name)!, read.get(s.name)!, rowFieldReads(plan, s), sourcePath);
  for (const s of sinks) emitSink(m, s, sinkNames.get(s.name)!, sourcePath);

  const jobName = plan.options.pipelineName ?? basename(sourcePath).replace(/\.sq$/i, '');
  const job = [
    `name: ${JSON.stringify(jobName)}`,
    `file: ${JSON.stringify(sourcePath)}`,
    `options: ${literal(jobOptions(plan.options))}`,
    `sources: [${sources.map((s) => sourceNames.get(s.name)!.spec).join(', ')}]`,
    `sinks: [${sinks.map((s) => sinkNames.get(s.name)!.spec).join(', ')}]`,
    `queries: [${queries.map((q) => `{ name: ${JSON.stringify(q.name)}, emit: ${JSON.stringify(q.emit)}, build: ${q.fn}, descriptor: ${literal(q.descriptor)}, graph: ${q.graph}${q.keyed ? ', keyedByPartitioning: true' : ''} }`).join(', ')}]`,
  ];
  m.declare(
    'job',
    `/** Everything the runtime needs to run \`${sourcePath}\`. */\nexport const job: ${m.rt('JobSpec')} = {\n${job.join(',\n')},\n};`,
  );
  const overrides = overridesType(m, sources, sinks, (name) => sinkNames.get(name)!);
  m.declare(
    'job',
    `/**\n * The job of \`${sourcePath}\`, ready to \`run()\`. \`overrides\` re-point connectors (merged into their\n * WITH options), bind sources and sinks to memory, or override SET options.\n */\nexport function createJob(overrides?: ${overrides}): ${m.rt('Job')} {\nreturn ${m.rt('defineJob')}(job, overrides);\n}`,
  );

  const header = `// Generated by sqc ${SQC_VERSION} from ${sourcePath}. Do not edit: change the .sq file and recompile.`;
  return m.render(header, options.runtimeImport ?? 'sqc/runtime');
}
