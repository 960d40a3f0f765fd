/**
 * Kafka client settings from a relation's WITH options, and the errors users see.
 *
 * `properties.*` keys are Kafka client properties (Java spelling, as Flink passes them through);
 * the ones kafkajs has an equivalent for are translated (`bootstrap.servers`, `client.id`,
 * `security.protocol`, `sasl.*`, `ssl.*`, `request.timeout.ms`, ...). Every failure of the client
 * becomes a `KafkaError` with a reason that names what failed (bootstrap servers, topic,
 * partition and offsets) and a hint that says what to do; `transient` ones are retried.
 */
import { readFileSync } from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { parseInteger } from '../../options.ts';
import type { KafkaConfig as RelationConfig } from './options.ts';

/** Kafka client properties (`properties.*` with the prefix removed), as the config holds them. */
type Properties = Readonly<Record<string, string>>;

export interface ClientSettings {
  readonly brokers: readonly string[];
  readonly config: KafkaConfig;
  /** `connect.retry-timeout`: total time to retry a lost or unreachable cluster. */
  readonly retryTimeoutMs: number;
}

/** A Kafka failure as the user should read it. */
export class KafkaError extends Error {
  override readonly name = 'KafkaError';
  constructor(
    readonly reason: string,
    readonly hint: string | null,
    /** The cluster may come back (connection lost, leader moving): retry within the budget. */
    readonly transient: boolean,
    cause?: unknown,
  ) {
    super(reason, { cause });
  }
}

const prop = (o: Properties, key: string): string | undefined => o[key];

/** `username="u" password="p"` out of a JAAS config line (Flink's way of passing SASL credentials). */
function jaasField(jaas: string, field: string): string | undefined {
  const m = new RegExp(`${field}\\s*=\\s*"([^"]*)"`).exec(jaas);
  return m?.[1];
}

function saslOptions(o: Properties): SASLOptions | undefined {
  const mechanism = (prop(o, 'sasl.mechanism') ?? '').toUpperCase();
  const protocol = (prop(o, 'security.protocol') ?? '').toUpperCase();
  if (mechanism === '' && !protocol.startsWith('SASL')) return undefined;
  const jaas = prop(o, 'sasl.jaas.config') ?? '';
  const username = prop(o, 'sasl.username') ?? jaasField(jaas, 'username') ?? '';
  const password = prop(o, 'sasl.password') ?? jaasField(jaas, 'password') ?? '';
  switch (mechanism === '' ? 'PLAIN' : mechanism) {
    case 'PLAIN':
      return { mechanism: 'plain', username, password };
    case 'SCRAM-SHA-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'SCRAM-SHA-512':
      return { mechanism: 'scram-sha-512', username, password };
    default:
      throw new KafkaError(
        `properties.sasl.mechanism '${mechanism}' is not supported`,
        "use 'PLAIN', 'SCRAM-SHA-256' or 'SCRAM-SHA-512'",
        false,
      );
  }
}

function sslOptions(o: Properties): KafkaConfig['ssl'] {
  const protocol = (prop(o, 'security.protocol') ?? '').toUpperCase();
  if (protocol !== 'SSL' && protocol !== 'SASL_SSL') return undefined;
  const file = (key: string): string | undefined => {
    const path = prop(o, key);
    return path === undefined ? undefined : readFileSync(path, 'utf8');
  };
  const ca = file('ssl.ca.location') ?? file('ssl.truststore.location');
  const cert = file('ssl.certificate.location');
  const key = file('ssl.key.location');
  const verify = prop(o, 'ssl.endpoint.identification.algorithm');
  const tls: Record<string, unknown> = {};
  if (ca !== undefined) tls['ca'] = [ca];
  if (cert !== undefined) tls['cert'] = cert;
  if (key !== undefined) tls['key'] = key;
  if (prop(o, 'ssl.key.password') !== undefined) tls['passphrase'] = prop(o, 'ssl.key.password');
  if (verify !== undefined && verify.trim() === '') tls['checkServerIdentity'] = () => undefined;
  return Object.keys(tls).length === 0 ? true : tls;
}

/**
 * The kafkajs client configuration of a Kafka relation: its typed config's bootstrap servers and
 * retry budget, and the Kafka client properties kafkajs has an equivalent for.
 */
export function clientSettings(name: string, c: RelationConfig): ClientSettings {
  const o = c.properties;
  const brokers = c.bootstrapServers.length > 0 ? c.bootstrapServers : ['localhost:9092'];
  const ms = (key: string): number | undefined => {
    const v = prop(o, key);
    if (v === undefined) return undefined;
    try {
      return parseInteger(v, 0);
    } catch (e) {
      throw new KafkaError(
        `properties.${key} = '${v}' ${(e as Error).message}`,
        'write milliseconds as a whole number',
        false,
      );
    }
  };
  const sasl = saslOptions(o);
  const ssl = sslOptions(o);
  const config: KafkaConfig = {
    brokers: [...brokers],
    clientId: prop(o, 'client.id') ?? `sqc-${name}`,
    connectionTimeout: ms('socket.connection.setup.timeout.ms') ?? 3_000,
    requestTimeout: ms('request.timeout.ms') ?? 30_000,
    // sqc retries with its own budget (connect.retry-timeout); one retry inside kafkajs.
    retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 1_000 },
    logLevel: 0,
    ...(sasl !== undefined ? { sasl } : {}),
    ...(ssl !== undefined ? { ssl } : {}),
  };
  return { brokers, config, retryTimeoutMs: c.retryTimeoutMs };
}

interface KafkaJsError {
  name?: string;
  type?: string;
  message?: string;
  cause?: unknown;
  originalError?: unknown;
  retriable?: boolean;
  topic?: string;
  partition?: number;
}

/** The innermost kafkajs error (retries wrap the original one). */
function rootOf(e: unknown): KafkaJsError {
  let x = e as KafkaJsError;
  for (let i = 0; i < 5 && x !== null && typeof x === 'object'; i++) {
    const inner = (x.originalError ?? (x.name === 'KafkaJSNumberOfRetriesExceeded' ? x.cause : undefined)) as
      KafkaJsError | undefined;
    if (inner === undefined || inner === null) break;
    x = inner;
  }
  return x ?? {};
}

const CONNECTION = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSGroupCoordinatorNotFound',
]);
const MOVING = new Set([
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'NOT_COORDINATOR',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'KAFKA_STORAGE_ERROR',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
]);

/** Turns any client failure into a `KafkaError` that says what to do. */
export function kafkaError(e: unknown, brokers: readonly string[], what: string): KafkaError {
  if (e instanceof KafkaError) return e;
  const r = rootOf(e);
  const servers = brokers.join(',');
  const msg = r.message ?? String(e);
  if (r.name === 'KafkaJSSASLAuthenticationError' || r.type === 'SASL_AUTHENTICATION_FAILED') {
    return new KafkaError(
      `${what}: authentication failed at ${servers} (${msg})`,
      'check properties.sasl.mechanism and the user name and password (properties.sasl.jaas.config, or properties.sasl.username / properties.sasl.password)',
      false,
      e,
    );
  }
  if (
    r.type === 'TOPIC_AUTHORIZATION_FAILED' ||
    r.type === 'GROUP_AUTHORIZATION_FAILED' ||
    r.type === 'CLUSTER_AUTHORIZATION_FAILED'
  ) {
    return new KafkaError(
      `${what}: not authorized (${msg})`,
      'grant the user the ACLs it needs (read/describe for sources, write for sinks), or use other credentials',
      false,
      e,
    );
  }
  if (r.name === 'KafkaJSNotImplemented' && /compression/i.test(msg)) {
    return new KafkaError(
      `${what}: ${msg}`,
      'the topic uses a compression codec without a kafkajs codec in this install; sqc reads gzip by itself and snappy, lz4 and zstd with their kafkajs codec packages (see docs/connectors.md, "Compression")',
      false,
      e,
    );
  }
  if (r.type === 'MESSAGE_TOO_LARGE' || r.type === 'RECORD_LIST_TOO_LARGE') {
    return new KafkaError(
      `${what}: a record is larger than the broker accepts (${msg})`,
      "raise the topic's max.message.bytes (and the broker's message.max.bytes), or write smaller rows",
      false,
      e,
    );
  }
  if (r.type === 'UNKNOWN_TOPIC_OR_PARTITION') {
    return new KafkaError(
      `${what}: ${r.topic !== undefined ? `topic "${r.topic}"` : 'the topic'} does not exist at ${servers}`,
      'create the topic first (sqc never creates the topics it reads), or fix the topic name',
      false,
      e,
    );
  }
  if (
    CONNECTION.has(r.name ?? '') ||
    MOVING.has(r.type ?? '') ||
    /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|EPIPE|EHOSTUNREACH/.test(msg)
  ) {
    return new KafkaError(
      `${what}: cannot reach the Kafka brokers at ${servers} (${msg})`,
      'check properties.bootstrap.servers and that the brokers are running and reachable from here',
      true,
      e,
    );
  }
  const root: unknown = r;
  if (root instanceof TypeError && /[\\/]kafkajs[\\/]/.test(root.stack ?? '')) {
    // kafkajs itself broke on a connection that went away mid-request (a metadata response
    // read as null while a broker restarts): a new attempt starts from a fresh connection
    return new KafkaError(
      `${what}: the Kafka client failed while talking to the brokers at ${servers} (${msg})`,
      'check that the brokers are running and reachable from here',
      true,
      e,
    );
  }
  return new KafkaError(`${what}: ${msg}`, null, r.retriable === true, e);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface RetryOptions {
  readonly budgetMs: number;
  readonly brokers: readonly string[];
  readonly what: string;
  /** Called before each wait with the error and the attempt number (status lines). */
  readonly onRetry?: (e: KafkaError, attempt: number, waitMs: number) => void;
  /** Stop retrying early (the query is stopping). */
  readonly cancelled?: () => boolean;
}

/**
 * Runs `fn`, retrying transient failures with exponential backoff (200 ms doubling to 5 s) until
 * `budgetMs` has passed since the first failure; then (or for a permanent failure) throws the
 * `KafkaError`, whose reason says how long it retried.
 */
export async function withRetry<T>(fn: () => Promise<T>, o: RetryOptions): Promise<T> {
  let firstFailure = 0;
  let wait = 200;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const err = kafkaError(e, o.brokers, o.what);
      if (!err.transient) throw err;
      const now = Date.now();
      if (firstFailure === 0) firstFailure = now;
      const spent = now - firstFailure;
      if (spent >= o.budgetMs || o.cancelled?.() === true) {
        throw new KafkaError(
          `${err.reason}; gave up after retrying for ${Math.round(spent / 1000)} s`,
          `${err.hint ?? ''}${err.hint ? '; ' : ''}'connect.retry-timeout' sets how long to retry (now ${Math.round(o.budgetMs / 1000)} s)`,
          false,
          err.cause,
        );
      }
      const ms = Math.min(wait, o.budgetMs - spent);
      o.onRetry?.(err, attempt, ms);
      await sleep(ms);
      wait = Math.min(wait * 2, 5_000);
    }
  }
}
