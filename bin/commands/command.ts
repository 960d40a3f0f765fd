/** What every `sqc` command exports: its help text, its options and how it runs. */
import type { ParseArgsConfig } from 'node:util';

export interface Command {
  readonly summary: string;
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /** String options whose value may be left out (`--ui` or `--ui 8080`), with the value they then take. */
  readonly optionalValues?: Readonly<Record<string, string>>;
  run(positionals: string[], values: Record<string, unknown>): Promise<number>;
}
