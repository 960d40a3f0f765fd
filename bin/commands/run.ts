/**
 * `sqc run <file.sq> [--set key=value ...]`: compile (cached) and run a job in this process.
 * On a terminal it keeps a live status line (rows in/out, rows/s, watermark, state rows, the
 * latest checkpoint) and ends with a summary; notices (resuming from a checkpoint, what a sink
 * guarantees) go to stderr as `sqc: ...` lines. Exit 0 when bounded input is done and flushed,
 * 1 on a compile error or a failed query. Ctrl-C (SIGINT) and SIGTERM (how services are
 * stopped) stop the job cleanly — the current micro-batch finishes and commits, a checkpoint is
 * written — and exit 130 and 143 (128 + the signal) saying how to resume; the same signal again
 * aborts at once.
 */
import { pathToFileURL } from 'node:url';
import { createWriteStream } from 'node:fs';
import type { Job, JobOverrides, UiServer } from '../../runtime/index.ts';
import { isLoopback } from '../../runtime/monitor/server.ts';
import { validateSetOption } from '../../compiler/connectors/job.ts';
import type { Command } from './command.ts';
import { compileCached } from './cache.ts';
import { useColor } from './source.ts';
import { StatusLine, Tally, summaryLines } from './status.ts';

/**
 * `--set key=value` pairs, checked as the SET statements they override are (unknown keys with a
 * did-you-mean, values by type; aliases resolved); a string is the error to print.
 */
function parseSets(values: unknown): Record<string, string> | string {
  const sets: Record<string, string> = {};
  const noSpan = { offset: 0, end: 0, line: 1, col: 1 };
  const problems: string[] = [];
  for (const item of (values as string[] | undefined) ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) return `--set expects key=value, got "${item}"`;
    const key = item
      .slice(0, eq)
      .trim()
      .replace(/^'(.*)'$/, '$1');
    const value = item
      .slice(eq + 1)
      .trim()
      .replace(/^'(.*)'$/, '$1');
    // `--set checkpoint.dir=` (empty) runs without checkpoints, whatever the file SETs
    const unset =
      value === '' &&
      validateSetOption({ kind: 'SetStatement', key, keySpan: noSpan, value: '.', valueSpan: noSpan, span: noSpan })
        .key === 'checkpoint.dir';
    if (unset) {
      sets['checkpoint.dir'] = '';
      continue;
    }
    const r = validateSetOption({ kind: 'SetStatement', key, keySpan: noSpan, value, valueSpan: noSpan, span: noSpan });
    for (const d of r.diagnostics) {
      const line = `--set ${item}: ${d.message}${d.notes.map((n) => `\n  ${n}`).join('')}`;
      if (d.severity === 'error') problems.push(line);
      else console.error(`sqc run: warning: ${line}`);
    }
    if (r.key !== null) sets[r.key] = r.value;
  }
  return problems.length > 0 ? problems.join('\nsqc run: ') : sets;
}

/** Spark's UI port; when taken, the next free one (as Spark does). */
const DEFAULT_UI_PORT = 4040;

/**
 * `--ui [port]` (the live page and /metrics), `--ui-host`, `--progress-json <file>` (every
 * progress report as a JSON line). Returns what to close at the end, or an error to print.
 */
async function startMonitoring(
  job: Job,
  values: Record<string, unknown>,
  notice: (message: string) => void,
): Promise<{ close(): Promise<void> } | string> {
  const closers: (() => Promise<void>)[] = [];
  const file = values['progress-json'] as string | undefined;
  if (file !== undefined) {
    const out = createWriteStream(file, { flags: 'w' });
    const opened = await new Promise<Error | null>((resolve) => {
      out.once('open', () => resolve(null));
      out.once('error', resolve);
    });
    if (opened) return `--progress-json ${file}: cannot write the file (${opened.message})`;
    job.on('progress', (p) => out.write(JSON.stringify(p) + '\n'));
    closers.push(() => new Promise<void>((resolve) => out.end(resolve)));
  }
  const ui = values['ui'] as string | undefined;
  if (ui !== undefined) {
    if (!/^\d+$/.test(ui) || Number(ui) > 65535) return `--ui expects a port number (0-65535), got "${ui}"`;
    const host = (values['ui-host'] as string | undefined) ?? '127.0.0.1';
    const requested = Number(ui);
    const tries = requested === DEFAULT_UI_PORT ? 16 : 1;
    let server: UiServer | null = null;
    for (let i = 0; i < tries && server === null; i++) {
      try {
        server = await job.serveUi({ port: requested === 0 ? 0 : requested + i, host });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EADDRINUSE' || i === tries - 1)
          return `--ui: cannot listen on ${host}:${requested + i} (${code ?? (e as Error).message})${code === 'EADDRINUSE' ? ': the port is in use; pick another with --ui <port>, or --ui 0 for any free port' : ''}`;
      }
    }
    if (!isLoopback(host))
      notice(`warning: the live page listens on ${host}, reachable from other machines (read-only, no authentication)`);
    notice(`live page: ${server!.url} (Prometheus metrics at ${server!.url}metrics)`);
    closers.push(() => server!.close());
  } else if (values['ui-host'] !== undefined) return '--ui-host needs --ui';
  return { close: async () => void (await Promise.all(closers.map((c) => c()))) };
}

export const runCommand: Command = {
  summary: 'compile and run a .sq job (compiled output is cached)',
  usage: '<file.sq> [--set key=value ...] [--quiet] [--no-cache] [--ui [port]] [--ui-host host] [--progress-json file]',
  options: {
    set: { type: 'string', multiple: true },
    quiet: { type: 'boolean', short: 'q', default: false },
    'no-cache': { type: 'boolean', default: false },
    ui: { type: 'string' },
    'ui-host': { type: 'string' },
    'progress-json': { type: 'string' },
  },
  optionalValues: { ui: String(DEFAULT_UI_PORT) },
  async run(files, values) {
    if (files.length !== 1) {
      const got = files.length === 0 ? 'none' : files.map((f) => `'${f}'`).join(', ');
      const port =
        values['ui'] !== undefined && files.some((f) => !/\.sq$/i.test(f))
          ? ' (--ui takes a port number: --ui 8080)'
          : '';
      console.error(
        `sqc run: expects exactly one .sq file, got ${got}${port} (usage: sqc run <file.sq> [--set key=value ...])`,
      );
      return 2;
    }
    const sets = parseSets(values['set']);
    if (typeof sets === 'string') {
      console.error(`sqc run: ${sets}`);
      return 2;
    }
    const compiled = await compileCached(files[0]!, { useCache: !values['no-cache'], color: useColor() });
    if (!compiled) return 1;

    const mod = (await import(pathToFileURL(compiled.modulePath).href)) as {
      createJob(overrides?: JobOverrides): Job;
    };
    const quiet = Boolean(values['quiet']);
    const status = new StatusLine(process.stderr, !quiet && Boolean(process.stderr.isTTY));
    const overrides: JobOverrides = {
      set: sets,
      // Print sinks share the terminal with the status line: clear it, print, redraw.
      print: (line) => status.around(() => process.stdout.write(line + '\n')),
    };
    let job: Job;
    try {
      job = mod.createJob(overrides);
    } catch (e) {
      console.error(`sqc run: ${(e as Error).message}`);
      return 1;
    }
    if (job.queries.length === 0) {
      console.error(
        `sqc run: ${files[0]} has no INSERT INTO statement: nothing to run (each INSERT INTO ... SELECT is one streaming query)`,
      );
      return 1;
    }
    const monitoring = await startMonitoring(job, values, (m) =>
      status.around(() => process.stderr.write(`sqc: ${m}\n`)),
    );
    if (typeof monitoring === 'string') {
      console.error(`sqc run: ${monitoring}`);
      return 2;
    }
    const tally = new Tally();
    job.on('progress', (p) => {
      tally.add(p);
      status.update(tally);
    });
    // Notices (resuming from a checkpoint, at-least-once sinks, accepted changes) are shown even with --quiet.
    job.on('notice', (message) => status.around(() => process.stderr.write(`sqc: ${message}\n`)));
    let interrupted: NodeJS.Signals | null = null;
    const onSignal = (signal: NodeJS.Signals) => {
      if (interrupted !== null) {
        status.clear();
        process.stderr.write(
          `sqc: ${signal} again: aborted without finishing the micro-batch${resumeHint(job, true)}\n`,
        );
        process.exit(exitCodeOf(signal));
      }
      interrupted = signal;
      const again = signal === 'SIGINT' ? 'Ctrl-C' : signal;
      status.around(() =>
        process.stderr.write(`sqc: ${signal}: stopping: finishing the current micro-batch (${again} again to abort)\n`),
      );
      void job.stop();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const started = performance.now();
    let failure: Error | null = null;
    try {
      await job.run();
    } catch (e) {
      failure = e as Error;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      status.clear();
      await monitoring.close();
    }
    if (!quiet)
      for (const line of summaryLines(job, tally, performance.now() - started)) process.stderr.write(line + '\n');
    if (failure) {
      process.stderr.write(`${useColor() ? '\x1b[31;1merror\x1b[0m' : 'error'}: ${failure.message}\n`);
      return 1;
    }
    if (interrupted !== null) {
      process.stderr.write(
        `sqc: interrupted (${interrupted}): stopped cleanly after the last committed micro-batch${resumeHint(job, false)}\n`,
      );
      return exitCodeOf(interrupted);
    }
    return 0;
  },
};

/** 128 + the signal number, as shells report a process the signal ended. */
function exitCodeOf(signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? 143 : 130;
}

/** How to go on after an interrupted run: resume from the checkpoint, or start over without one. */
function resumeHint(job: Job, aborted: boolean): string {
  const dir = job.checkpointDir;
  if (dir !== null) {
    return aborted
      ? `; run the same command again to resume from the checkpoint in ${dir} (the interrupted micro-batch runs again)`
      : `; run the same command again to resume from the checkpoint in ${dir}`;
  }
  return aborted
    ? '; the output may hold part of a micro-batch. Without checkpoint.dir a new run starts the output anew'
    : `; the output holds what was processed so far. Without checkpoint.dir a new run starts over (SET 'checkpoint.dir' to resume instead)`;
}
