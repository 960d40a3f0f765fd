/**
 * The TCP side: size-prefixed frames in, each request handled on its own (responses go out in
 * completion order, matched by correlation id, so a long-polling Fetch or a held JoinGroup
 * never blocks the socket), and `startKafkaBroker`, which wires topics, coordinators and timers.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { API_VERSIONS_KEY, APIS, unsupported } from './api/index.ts';
import { MalformedFrame, Reader, type Writer } from './codec.ts';
import { ChangeSignal, type BrokerContext, type RequestHeader } from './context.ts';
import { GroupCoordinator } from './groups.ts';
import { Topics } from './topics.ts';
import { TransactionCoordinator } from './transactions.ts';
import { SASL_AUTHENTICATE_KEY, SASL_HANDSHAKE_KEY, SaslSession, type SaslOptions } from './sasl.ts';

export interface KafkaBrokerOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Host name given to clients in metadata (default: `host`, or 127.0.0.1 for a wildcard host). */
  readonly advertisedHost?: string;
  /** Keep topics, offsets and transaction state here so they survive a restart (default: memory only). */
  readonly dataDir?: string;
  /** Partitions of topics created without a count (default 1). */
  readonly defaultPartitions?: number;
  /** Create a topic when a client asks for its metadata (default false). */
  readonly autoCreateTopics?: boolean;
  /** Largest transaction timeout a producer may ask for (default 15 min, as Kafka). */
  readonly maxTransactionTimeoutMs?: number;
  /** Session timeouts accepted from consumers (default 1 s – 30 min). */
  readonly minSessionTimeoutMs?: number;
  readonly maxSessionTimeoutMs?: number;
  /** Where the broker reports dropped connections and aborted transactions (default stderr). */
  readonly log?: (message: string) => void;
  /** Require SASL/PLAIN with these users (default: no authentication). */
  readonly sasl?: SaslOptions;
  /** Largest record batch a producer may send (Kafka's message.max.bytes; default 1 MiB + 12 B, as Kafka). */
  readonly maxMessageBytes?: number;
}

export interface KafkaBroker {
  /** `host:port`, for `brokers: [bootstrap]` or `--bootstrap-servers`. */
  readonly bootstrap: string;
  readonly host: string;
  readonly port: number;
  createTopic(name: string, partitions?: number): void;
  /** Grows a topic to `count` partitions (as `kafka-topics --alter --partitions`). */
  createPartitions(name: string, count: number): void;
  /** Makes records of a partition below `offset` unreadable (as retention would; -1 = all). */
  deleteRecords(topic: string, partition: number, offset: number): void;
  deleteTopic(name: string): void;
  /** Closes every connection and the listening socket; the data directory stays. */
  stop(): Promise<void>;
}

/** Largest request accepted (Kafka's socket.request.max.bytes). */
const MAX_FRAME = 100 * 1024 * 1024;
const TICK_MS = 100;

export async function startKafkaBroker(options: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
  const host = options.host ?? '127.0.0.1';
  const advertised = options.advertisedHost ?? (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);
  const log = options.log ?? ((m: string) => console.error(`[sqc broker] ${m}`));
  const dataDir = options.dataDir ?? null;
  if (dataDir !== null) fs.mkdirSync(dataDir, { recursive: true });
  const defaultPartitions = options.defaultPartitions ?? 1;
  if (!Number.isInteger(defaultPartitions) || defaultPartitions < 1) {
    throw new Error(`defaultPartitions must be a positive integer, got ${defaultPartitions}`);
  }

  const changes = new ChangeSignal();
  const topics = new Topics(dataDir);
  const groups = new GroupCoordinator(dataDir, {
    minSessionTimeoutMs: options.minSessionTimeoutMs ?? 1000,
    maxSessionTimeoutMs: options.maxSessionTimeoutMs ?? 30 * 60_000,
  });
  const txns = new TransactionCoordinator(
    dataDir,
    topics,
    groups,
    options.maxTransactionTimeoutMs ?? 15 * 60_000,
    log,
    () => changes.notify(),
  );

  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(socket, ctx, options.sasl ?? null);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (e) => log(`listening socket: ${e.message}`));
  const port = (server.address() as net.AddressInfo).port;

  const ctx: BrokerContext = {
    nodeId: 0,
    host: advertised,
    port,
    defaultPartitions,
    autoCreateTopics: options.autoCreateTopics ?? false,
    maxMessageBytes: options.maxMessageBytes ?? 1_048_588,
    topics,
    groups,
    txns,
    changes,
    log,
  };

  const timer = setInterval(() => {
    groups.tick();
    txns.tick();
  }, TICK_MS);
  timer.unref();

  let stopped: Promise<void> | null = null;
  return {
    bootstrap: `${advertised}:${port}`,
    host: advertised,
    port,
    createTopic(name, partitions = defaultPartitions) {
      topics.create(name, partitions);
    },
    createPartitions(name, count) {
      topics.addPartitions(name, count);
    },
    deleteRecords(topic, partition, offset) {
      const log = topics.partition(topic, partition);
      if (!log) throw new Error(`${topic}/${partition} does not exist`);
      if (log.deleteBefore(offset) === null) {
        throw new Error(`${topic}/${partition}: offset ${offset} is past the end (${log.highWatermark})`);
      }
    },
    deleteTopic(name) {
      topics.delete(name);
      groups.forgetTopic(name);
      changes.notify();
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        clearInterval(timer);
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        changes.close();
        txns.close();
        groups.close();
        topics.close();
      });
      return stopped;
    },
  };
}

/** Reads frames from one connection and answers each request when its handler finishes. */
function serve(socket: net.Socket, ctx: BrokerContext, sasl: SaslOptions | null): void {
  const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
  const session = sasl === null ? null : new SaslSession(sasl);
  let chunks: Buffer[] = [];
  let buffered = 0;
  const drop = (reason: string) => {
    ctx.log(`closing connection from ${peer}: ${reason}`);
    socket.destroy();
  };
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk) => {
    chunks.push(chunk);
    buffered += chunk.length;
    while (buffered >= 4) {
      const head = chunks[0]!.length >= 4 ? chunks[0]! : Buffer.concat(chunks);
      const size = head.readInt32BE(0);
      if (size < 8 || size > MAX_FRAME) return drop(`frame size ${size} is not a Kafka request (8 B – 100 MiB)`);
      if (buffered < 4 + size) return;
      const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      const frame = all.subarray(4, 4 + size);
      const rest = all.subarray(4 + size);
      chunks = rest.length > 0 ? [rest] : [];
      buffered = rest.length;
      handle(frame);
    }
  });

  function handle(frame: Buffer): void {
    const r = new Reader(frame);
    let h: RequestHeader;
    try {
      h = {
        apiKey: r.int16(),
        apiVersion: r.int16(),
        correlationId: r.int32(),
        clientId: r.nullableString() ?? '',
        clientHost: socket.remoteAddress ?? '',
      };
    } catch (e) {
      return drop(`malformed request header: ${(e as Error).message}`);
    }
    if (session !== null && session.user === null && h.apiKey !== API_VERSIONS_KEY) {
      if (h.apiKey === SASL_HANDSHAKE_KEY && h.apiVersion <= 1) return respond(h.correlationId, session.handshake(r));
      if (h.apiKey === SASL_AUTHENTICATE_KEY && h.apiVersion <= 1) {
        const { response, close } = session.authenticate(r, h.apiVersion);
        respond(h.correlationId, response);
        if (close) {
          ctx.log(`${peer} (${h.clientId}) failed SASL/PLAIN authentication`);
          socket.end();
        }
        return;
      }
      return drop(`${APIS.get(h.apiKey)?.name ?? `API ${h.apiKey}`} before SASL authentication`);
    }
    const api = APIS.get(h.apiKey);
    if (!api || h.apiVersion < api.min || h.apiVersion > api.max) {
      if (h.apiKey !== 18) {
        ctx.log(
          `${peer} (${h.clientId}) sent ${api?.name ?? `unknown API ${h.apiKey}`} v${h.apiVersion}; supported: ${api ? `v${api.min}–v${api.max}` : 'none'}`,
        );
      }
      return respond(h.correlationId, unsupported(h.apiKey));
    }
    Promise.resolve()
      .then(() => api.handle(ctx, r, h))
      .then(
        (w) => {
          if (w !== null) respond(h.correlationId, w);
        },
        (e: unknown) => {
          if (e instanceof MalformedFrame) drop(`malformed ${api.name} v${h.apiVersion} request: ${e.message}`);
          else drop(`internal error in ${api.name}: ${(e as Error).stack ?? String(e)}`);
        },
      );
  }

  function respond(correlationId: number, body: Writer): void {
    if (socket.destroyed) return;
    const parts = body.finish();
    let n = 4;
    for (const p of parts) n += p.length;
    const head = Buffer.allocUnsafe(8);
    head.writeInt32BE(n, 0);
    head.writeInt32BE(correlationId, 4);
    socket.cork();
    socket.write(head);
    for (const p of parts) socket.write(p);
    socket.uncork();
  }
}
