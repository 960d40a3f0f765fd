/**
 * Job options: `SET 'key' = 'value'` (LANGUAGE.md §8). A later SET of the same key overrides an
 * earlier one, as in Flink's SQL client.
 */
import type { SetStatement } from '../../grammar/ast.ts';
import { error, warning, type Diagnostic } from '../../grammar/diagnostic.ts';
import type { JobOptions } from '../../runtime/contract.ts';
import { parseDuration, parseInteger } from '../../runtime/options.ts';
import { editDistance, suggest } from '../../grammar/suggest.ts';
import type { ValueType } from '../../runtime/connectors/spec.ts';
import { checkValue } from './values.ts';

export interface JobOptionSpec {
  readonly key: string;
  readonly type: ValueType;
  readonly default?: string;
  readonly description: string;
  /** Flink spellings accepted for the same option. */
  readonly aliases?: readonly string[];
}

export const JOB_OPTIONS: readonly JobOptionSpec[] = [
  {
    key: 'pipeline.name',
    type: { kind: 'string' },
    description: 'Name of the job, shown in logs, metrics and `sqc explain`.',
  },
  {
    key: 'checkpoint.dir',
    type: { kind: 'path' },
    aliases: ['state.checkpoints.dir', 'execution.checkpointing.dir'],
    description: 'Directory for checkpoints; without it the job keeps no progress across restarts.',
  },
  {
    key: 'checkpoint.interval',
    type: { kind: 'duration' },
    default: '10 s',
    aliases: ['execution.checkpointing.interval'],
    description: "Minimum time between checkpoints ('0': after every micro-batch).",
  },
  {
    key: 'checkpoint.retained',
    type: { kind: 'integer', min: 1 },
    default: '3',
    aliases: ['state.checkpoints.num-retained', 'execution.checkpointing.num-retained'],
    description: 'How many completed checkpoints to keep.',
  },
  {
    key: 'trigger.interval',
    type: { kind: 'duration' },
    default: '0 ms',
    description: "Minimum time between the starts of micro-batches ('0': as fast as data arrives).",
  },
  {
    key: 'trigger.mode',
    type: { kind: 'enum', values: ['continuous', 'available-now'] },
    default: 'continuous',
    description: "'continuous' runs until stopped; 'available-now' processes what exists at start, then stops.",
  },
  {
    key: 'pipeline.scale-out',
    type: { kind: 'boolean' },
    description:
      "'true': every `sqc run` of the job with the same `pipeline.name` joins one Kafka consumer group and they share the input partitions as tasks (docs/scale-out.md). Default 'false': one process reads everything.",
  },
  {
    key: 'pipeline.scale-out.session-timeout',
    type: { kind: 'duration' },
    description:
      "Scaled-out jobs: how long a process may go without a heartbeat before the group gives its tasks to the others. Default '10 s'.",
  },
  {
    key: 'pipeline.scale-out.repartition-partitions',
    type: { kind: 'integer', min: 1 },
    description:
      "Scaled-out jobs: the partition count of the repartition topics the job creates (docs/scale-out.md, stages). Default: the job's task count, the most partitions of its Kafka sources.",
  },
];

/**
 * Flink option families that have no effect in sqc: accepted with a warning, so Flink scripts
 * keep compiling.
 */
const IGNORED_FLINK_PREFIXES = [
  'parallelism.',
  'table.',
  'sql-client.',
  'execution.',
  'pipeline.',
  'state.',
  'restart-strategy',
  'taskmanager.',
  'jobmanager.',
  'rest.',
];

const BY_KEY = new Map<string, JobOptionSpec>();
for (const o of JOB_OPTIONS) {
  BY_KEY.set(o.key, o);
  for (const a of o.aliases ?? []) BY_KEY.set(a, o);
}

export interface SetOptionResult {
  /** The sq key (aliases resolved), or null when unknown or ignored. */
  readonly key: string | null;
  /** The normalised value (as written when the key is unknown or the value invalid). */
  readonly value: string;
  readonly diagnostics: Diagnostic[];
}

/** Validates one SET statement. */
export function validateSetOption(stmt: SetStatement): SetOptionResult {
  const written = stmt.key.trim();
  const spec = BY_KEY.get(written);
  if (!spec) {
    // A near miss of a real key is a typo even under an ignored Flink prefix
    // ('state.checkpoint.dir'): silently ignoring it would lose the checkpoint directory.
    const s = suggest(written, [...BY_KEY.keys()]);
    const typo = s !== null && editDistance(written.toLowerCase(), s.toLowerCase()) <= 2;
    if (!typo && IGNORED_FLINK_PREFIXES.some((p) => written.startsWith(p))) {
      const hint =
        written === 'execution.runtime-mode'
          ? ["help: SET 'trigger.mode' = 'available-now' runs a job over what exists, then stops"]
          : [];
      return {
        key: null,
        value: stmt.value,
        diagnostics: [warning('SQ0902', `'${written}' is a Flink option that sqc ignores`, stmt.keySpan, ...hint)],
      };
    }
    const target = s ? (BY_KEY.get(s)?.key ?? s) : null;
    return {
      key: null,
      value: stmt.value,
      diagnostics: [
        error(
          'SQ0505',
          `unknown SET option '${written}'`,
          stmt.keySpan,
          target ? `help: did you mean '${target}'?` : `help: SET options: ${JOB_OPTIONS.map((o) => o.key).join(', ')}`,
        ),
      ],
    };
  }
  const c = checkValue(spec.type, stmt.value);
  if (!c.ok) {
    return {
      key: spec.key,
      value: stmt.value,
      diagnostics: [
        error(
          'SQ0505',
          `'${written}' = '${stmt.value}' ${c.reason}`,
          stmt.valueSpan,
          ...(c.help ? [`help: ${c.help}`] : []),
        ),
      ],
    };
  }
  return { key: spec.key, value: c.value, diagnostics: [] };
}

/** Job options with the fields the runtime contract does not (yet) name. */
export interface ResolvedJobOptions extends JobOptions {
  /** `checkpoint.retained`: completed checkpoints to keep. */
  readonly checkpointRetained: number;
}

/**
 * The job options of a script's SET statements, later SETs overriding earlier ones. Invalid
 * and unknown SETs (reported by `validateSetOption`) are skipped. `raw` holds every sq job
 * option with its default filled in (normalised keys and values), plus every other SET pair
 * as written.
 */
export function resolveJobOptions(sets: readonly SetStatement[]): ResolvedJobOptions {
  const raw: Record<string, string> = {};
  for (const o of JOB_OPTIONS) if (o.default !== undefined) raw[o.key] = o.default;
  for (const stmt of sets) {
    const r = validateSetOption(stmt);
    if (r.key === null) {
      if (!r.diagnostics.some((d) => d.severity === 'error')) raw[stmt.key.trim()] = stmt.value;
    } else if (!r.diagnostics.some((d) => d.severity === 'error')) {
      raw[r.key] = r.value;
    }
  }
  return {
    pipelineName: raw['pipeline.name'] ?? null,
    checkpointDir: raw['checkpoint.dir'] ?? null,
    checkpointIntervalMs: parseDuration(raw['checkpoint.interval']!),
    checkpointRetained: parseInteger(raw['checkpoint.retained']!),
    triggerIntervalMs: parseDuration(raw['trigger.interval']!),
    triggerMode: raw['trigger.mode'] as 'continuous' | 'available-now',
    raw,
  };
}
