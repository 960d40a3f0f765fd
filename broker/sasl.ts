/**
 * SASL/PLAIN authentication (KIP-43, KIP-152), for testing clients against a broker that wants
 * credentials: with `sasl` set, a connection must complete SaslHandshake (17) and
 * SaslAuthenticate (36) before any request other than ApiVersions; anything else first closes it,
 * as a Kafka SASL listener does. PLAIN only (the credentials travel in clear text: use it on
 * loopback, for tests).
 */
import { Reader, Writer } from './codec.ts';

export interface SaslOptions {
  /** User name → password accepted with mechanism PLAIN. */
  readonly plain: Readonly<Record<string, string>>;
}

export const SASL_HANDSHAKE_KEY = 17;
export const SASL_AUTHENTICATE_KEY = 36;
const ERR_ILLEGAL_SASL_STATE = 34;
const ERR_UNSUPPORTED_SASL_MECHANISM = 33;
const ERR_SASL_AUTHENTICATION_FAILED = 58;

/** One connection's progress through the SASL exchange. */
export class SaslSession {
  private mechanism: string | null = null;
  /** The user name once authenticated, else null. */
  user: string | null = null;
  constructor(private readonly options: SaslOptions) {}

  /** SaslHandshake v0–v1: the client names its mechanism; the broker lists what it accepts. */
  handshake(r: Reader): Writer {
    const asked = r.string();
    const w = new Writer();
    if (asked !== 'PLAIN') return w.int16(ERR_UNSUPPORTED_SASL_MECHANISM).array(['PLAIN'], (w, m) => w.string(m));
    this.mechanism = asked;
    return w.int16(0).array(['PLAIN'], (w, m) => w.string(m));
  }

  /**
   * SaslAuthenticate v0–v1: PLAIN's `authzid NUL user NUL password`. Returns the response and
   * whether the connection must close after it (failed authentication, as Kafka does).
   */
  authenticate(r: Reader, version: number): { response: Writer; close: boolean } {
    const bytes = r.bytes();
    const w = new Writer();
    const fail = (code: number, message: string) => {
      w.int16(code).string(message).bytes(Buffer.alloc(0));
      if (version >= 1) w.int64(0);
      return { response: w, close: true };
    };
    if (this.mechanism !== 'PLAIN') return fail(ERR_ILLEGAL_SASL_STATE, 'SaslAuthenticate before SaslHandshake');
    const [, user, password] = bytes.toString('utf8').split('\0');
    const expected = user === undefined ? undefined : this.options.plain[user];
    if (expected === undefined || password !== expected)
      return fail(ERR_SASL_AUTHENTICATION_FAILED, 'Authentication failed: Invalid username or password');
    this.user = user!;
    w.int16(0).string(null).bytes(Buffer.alloc(0));
    if (version >= 1) w.int64(0);
    return { response: w, close: false };
  }
}
