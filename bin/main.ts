/**
 * The `sqc` command line: `check`, `explain`, `compile`, `run`, `broker`. Every command returns an exit
 * code; nothing here throws to the user — unexpected failures are reported as internal errors
 * with a request to file an issue, never as a bare stack trace.
 */
import { parseArgs } from 'node:util';
import { SQC_VERSION } from '../compiler/version.ts';
import { suggest } from '../grammar/suggest.ts';
import type { Command } from './commands/command.ts';

/**
 * Each command's module is loaded only when it runs (or for help), so that a command pays only
 * for what it uses: `sqc run` of a cached module never loads the parser or code generation.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  check: async () => (await import('./commands/check.ts')).checkCommand,
  explain: async () => (await import('./commands/explain.ts')).explainCommand,
  compile: async () => (await import('./commands/compile.ts')).compileCommand,
  run: async () => (await import('./commands/run.ts')).runCommand,
  broker: async () => (await import('./commands/broker.ts')).brokerCommand,
};

async function usage(): Promise<string> {
  const commands = await Promise.all(
    Object.entries(COMMANDS).map(async ([name, load]) => [name, await load()] as const),
  );
  const lines = [
    `sqc ${SQC_VERSION} — compiles sq streaming SQL into typed TypeScript pipelines`,
    '',
    'Usage: sqc <command> [options]',
    '',
    'Commands:',
    ...commands.map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`),
    '',
    "Run `sqc <command> --help` for a command's options.",
  ];
  return lines.join('\n');
}

function commandHelp(name: string, c: Command): string {
  const opts = Object.entries(c.options).map(([flag, o]) => {
    const short = o.short ? `-${o.short}, ` : '    ';
    const arg = o.type === 'string' ? ' <value>' : '';
    return `  ${short}--${flag}${arg}${o.multiple ? ' (repeatable)' : ''}`;
  });
  return [`Usage: sqc ${name} ${c.usage}`, '', c.summary, '', 'Options:', ...opts, '  -h, --help'].join('\n');
}

/** `--flag` without a value (next word absent, another option, or not a number) becomes `--flag=<default>`. */
function withOptionalValues(args: string[], defaults: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const name = a.startsWith('--') ? a.slice(2) : null;
    const fallback = name !== null ? defaults[name] : undefined;
    if (fallback !== undefined && !/^\d+$/.test(args[i + 1] ?? '')) out.push(`${a}=${fallback}`);
    else out.push(a);
  }
  return out;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    const load = topic === undefined ? undefined : COMMANDS[topic];
    if (topic && load) console.log(commandHelp(topic, await load()));
    else console.log(await usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '-v' || name === '--version') {
    console.log(SQC_VERSION);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    const close = suggest(name, Object.keys(COMMANDS));
    console.error(`sqc: unknown command "${name}"${close ? `: did you mean "${close}"?` : ''}\n\n${await usage()}`);
    return 2;
  }
  const command = await load();
  let parsed;
  try {
    parsed = parseArgs({
      args: withOptionalValues(rest, command.optionalValues ?? {}),
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    const message = (e as Error).message;
    const unknown = /Unknown option '--?([^']+)'/.exec(message)?.[1];
    const close = unknown ? suggest(unknown, [...Object.keys(command.options), 'help']) : null;
    const text = unknown ? `unknown option "--${unknown}"${close ? `: did you mean "--${close}"?` : ''}` : message;
    console.error(`sqc ${name}: ${text}\n\n${commandHelp(name, command)}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(commandHelp(name, command));
    return 0;
  }
  try {
    return await command.run(parsed.positionals, parsed.values as Record<string, unknown>);
  } catch (e) {
    const err = e as Error;
    console.error(
      `sqc ${name}: internal error: ${err.message}\n` +
        'This is a bug in sqc. Please report it with the query that caused it.' +
        (process.env['SQC_DEBUG'] ? `\n${err.stack}` : ' (set SQC_DEBUG=1 for details)'),
    );
    return 70;
  }
}
