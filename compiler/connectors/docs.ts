/**
 * Renders the option registry as Markdown: docs/connectors.md is this function's output, kept in
 * sync by docs.test.ts.
 */
import { LEGACY_OPTION_KEYS } from './legacy.ts';
import { FORMATS, FORMAT_NAMES } from '../../runtime/formats/options.ts';
import { JOB_OPTIONS } from './job.ts';
import {
  CONNECTOR_OPTIONS as CONNECTORS,
  CONNECTOR_ALIASES,
  CONNECTOR_NAMES,
} from '../../runtime/connectors/options.ts';
import type { ConnectorSpec, OptionSpec } from '../../runtime/connectors/spec.ts';
import { describeType } from './values.ts';

const ROLE_TEXT = { source: 'read', sink: 'write', both: 'read, write' } as const;

export function renderConnectorDocs(): string {
  const out: string[] = [];
  out.push(
    '# Connectors and job options',
    '',
    '<!-- Generated from compiler/connectors (renderConnectorDocs); `npx vitest run compiler/connectors -u` rewrites it. Do not edit by hand. -->',
    '',
    'Option keys follow Flink SQL. Every key and value is checked at compile time: an unknown key is an error with a did-you-mean (SQ0501), a missing required one SQ0502, a bad value SQ0503, an unknown connector SQ0504, an unknown SET key SQ0505. Flink keys that have no effect in sqc are accepted with a warning (SQ0902), as are options of a role the relation does not play (a sink option on a stream that is only read).',
    '',
    `Flink's legacy keys (Flink ≤ 1.10 connector descriptors) are read as their current spelling, with a warning (SQ0903): ${Object.entries(
      LEGACY_OPTION_KEYS,
    )
      .map(([old, now]) => `${code(old)} → ${code(now)}`)
      .join(', ')}.`,
    '',
    'Values: durations are a number and a unit (`500 ms`, `10 s`, `1 min`, `2 h`, `1 d`; a bare number is milliseconds, as in Flink); booleans are `true` / `false`; lists are separated by `;` (or by `,` when there is no `;`). "read" / "write" tell whether an option applies when the relation is read (source) or written (sink).',
    '',
    '## Job options (`SET`)',
    '',
    '| Key | Type | Default | Description |',
    '|---|---|---|---|',
  );
  for (const o of JOB_OPTIONS) {
    const aliases = o.aliases?.length ? ` Flink spelling: ${o.aliases.map(code).join(', ')}.` : '';
    out.push(
      row([code(o.key), describeType(o.type), o.default !== undefined ? code(o.default) : '', o.description + aliases]),
    );
  }
  out.push(
    '',
    'Other Flink keys (`parallelism.*`, `table.*`, `execution.*`, `pipeline.*`, `state.*`, ...) are accepted with a warning and ignored.',
  );

  out.push('', '## Connectors', '');
  for (const name of CONNECTOR_NAMES) {
    const spec: ConnectorSpec = CONNECTORS[name];
    const aliases = Object.entries(CONNECTOR_ALIASES)
      .filter(([, v]) => v === name)
      .map(([k]) => code(k));
    out.push(`### \`${name}\``, '', spec.description, '');
    const facts = [`Use: ${ROLE_TEXT[spec.roles]}.`];
    if (aliases.length) facts.push(`Also spelled ${aliases.join(', ')}.`);
    if (spec.formats.length) facts.push(`Formats: ${spec.formats.map(code).join(', ')}.`);
    if (spec.metadata.length) facts.push(`Metadata columns: ${spec.metadata.map(code).join(', ')}.`);
    if (spec.writableMetadata?.length)
      facts.push(
        `A sink writes ${spec.writableMetadata.map(code).join(' and ')} into each record; the others are read-only (declare them VIRTUAL on a relation that is written).`,
      );
    out.push(facts.join(' '), '');
    const readme = `runtime/connectors/${spec.folder}/README.md`;
    out.push(`Guarantees, offsets, restarts and limits: [${readme}](../${readme}).`, '');
    out.push(...optionTable(spec.options));
    if (spec.rules.length) {
      out.push('', ...spec.rules.map((r) => `- ${escapeHtml(r)}`));
    }
    out.push('');
  }

  out.push('## Formats', '');
  out.push(
    'Format options apply to the value format (`format`, also spelled `value.format`; the options may be spelled `value.json.*` etc.). For Kafka connectors, `key.json.*` etc. configure `key.format`.',
    '',
  );
  for (const f of FORMAT_NAMES) {
    const spec = FORMATS[f];
    out.push(`### \`${f}\``, '', spec.description, '');
    out.push(...optionTable(spec.options));
    out.push('');
  }
  return out.join('\n').replace(/\n+$/, '\n');
}

function optionTable(options: readonly OptionSpec[]): string[] {
  if (options.length === 0) return ['No options.'];
  const lines = ['| Key | Use | Type | Default | Description |', '|---|---|---|---|---|'];
  for (const o of options) {
    const def =
      o.default === undefined
        ? (o.defaultDoc ?? '')
        : typeof o.default === 'string'
          ? code(o.default)
          : (o.defaultDoc ?? '(computed)');
    let description = o.description;
    if (o.required) description = `**Required.** ${description}`;
    if (o.ignored) description = `${description} *Ignored by sqc: ${o.ignored}.*`;
    if (o.tablesOnly) description = `${description} (TABLE only.)`;
    if (o.connectors) description = `${description} (${o.connectors.map(code).join(', ')} only.)`;
    if (o.example) description = `${description} Example: ${code(o.example)}.`;
    lines.push(row([code(o.key), ROLE_TEXT[o.roles], describeType(o.type), def, description]));
  }
  return lines;
}

function code(s: string): string {
  return s === '' ? "''" : s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``;
}

function row(cells: readonly string[]): string {
  return `| ${cells.map((c) => escapeHtml(c).replace(/\|/g, '\\|')).join(' | ')} |`;
}

/** `<` outside code spans would start an HTML tag (`sqc-<relation>`). */
function escapeHtml(s: string): string {
  return s
    .split('`')
    .map((part, i) => (i % 2 === 0 ? part.replace(/</g, '&lt;') : part))
    .join('`');
}
