/**
 * `sqc broker [--port 9092] [--host 127.0.0.1] [--advertised-host NAME] [--data-dir DIR]
 * [--partitions N] [--auto-create-topics]`: a local single-node Kafka (sqc's own broker, broker/)
 * that runs until Ctrl-C or SIGTERM.
 */
import type { Command } from './command.ts';

function positiveInt(flag: string, value: unknown, fallback: number, min: number): number | string {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > 65535)
    return `--${flag} must be an integer from ${min} to 65535, got "${String(value)}"`;
  return n;
}

export const brokerCommand: Command = {
  summary: 'runs a local Kafka broker (for development and tests) until Ctrl-C',
  usage:
    '[--port 9092] [--host 127.0.0.1] [--advertised-host NAME] [--data-dir DIR] [--partitions N] [--auto-create-topics]',
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'advertised-host': { type: 'string' },
    'data-dir': { type: 'string' },
    partitions: { type: 'string' },
    'auto-create-topics': { type: 'boolean' },
  },
  async run(positionals, values) {
    if (positionals.length > 0) {
      console.error(`sqc broker: unexpected argument "${positionals[0]}" (the broker takes options only)`);
      return 2;
    }
    const port = positiveInt('port', values['port'], 9092, 0);
    const partitions = positiveInt('partitions', values['partitions'], 1, 1);
    for (const v of [port, partitions]) {
      if (typeof v === 'string') {
        console.error(`sqc broker: ${v}`);
        return 2;
      }
    }
    const host = (values['host'] as string | undefined) ?? '127.0.0.1';
    const dataDir = values['data-dir'] as string | undefined;
    // The name clients are told to dial (metadata), e.g. a container's host name with --host 0.0.0.0.
    const advertisedHost = values['advertised-host'] as string | undefined;
    const { startKafkaBroker } = await import('../../broker/index.ts');
    let broker;
    try {
      broker = await startKafkaBroker({
        port: port as number,
        host,
        ...(dataDir !== undefined ? { dataDir } : {}),
        ...(advertisedHost !== undefined ? { advertisedHost } : {}),
        defaultPartitions: partitions as number,
        autoCreateTopics: values['auto-create-topics'] === true,
        log: (m) => console.error(`sqc broker: ${m}`),
      });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const why =
        err.code === 'EADDRINUSE'
          ? `port ${String(port)} on ${host} is already in use (another broker?); pick another with --port`
          : err.code === 'EACCES'
            ? `not allowed to listen on ${host}:${String(port)}; use a port above 1023`
            : err.message;
      console.error(`sqc broker: cannot start: ${why}`);
      return 1;
    }
    console.log(
      `sqc broker: listening on ${broker.bootstrap} (${dataDir ? `data in ${dataDir}` : 'in memory'}); Ctrl-C to stop`,
    );
    console.log(`bootstrap.servers=${broker.bootstrap}`);
    const signal = await new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    await broker.stop();
    console.error(`sqc broker: stopped (${signal})`);
    return 0;
  },
};
