/**
 * Helpers for the broker's own tests: a raw wire client (to send exactly the bytes a test needs,
 * e.g. a retried produce request or a malformed frame), kafkajs's request encoders for bodies,
 * and `until` for waiting on a condition.
 */
import { createRequire } from 'node:module';
import * as net from 'node:net';
import type { Admin } from 'kafkajs';

const require = createRequire(import.meta.url);

/** kafkajs's request encoder for `api` at `version` (e.g. 'produce', 3). */
export function kafkajsRequest(
  api: string,
  version: number,
): (args: object) => { encode(): Promise<{ buffer: Buffer }> } {
  return require(`kafkajs/src/protocol/requests/${api}/v${version}/request`);
}

/** kafkajs's response decoder for `api` at `version`. */
export function kafkajsResponse(api: string, version: number): { decode(b: Buffer): Promise<any> } {
  return require(`kafkajs/src/protocol/requests/${api}/v${version}/response`);
}

/** One TCP connection speaking size-prefixed frames; responses matched by correlation id. */
export class RawClient {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private nextId = 1;
  private readonly waiting = new Map<number, (b: Buffer) => void>();
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.buffered += d.length;
      for (;;) {
        if (this.buffered < 4) return;
        if (this.chunks[0]!.length < 4) this.chunks = [Buffer.concat(this.chunks)];
        const size = this.chunks[0]!.readInt32BE(0);
        if (this.buffered < 4 + size) return;
        const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
        const frame = all.subarray(4, 4 + size);
        const rest = all.subarray(4 + size);
        this.chunks = rest.length > 0 ? [rest] : [];
        this.buffered = rest.length;
        const id = frame.readInt32BE(0);
        this.waiting.get(id)?.(frame.subarray(4));
        this.waiting.delete(id);
      }
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => {});
  }

  static connect(bootstrap: string): Promise<RawClient> {
    const [host, port] = bootstrap.split(':');
    return new Promise((resolve, reject) => {
      const s = net.connect(Number(port), host!, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  /** Sends a request (header v1) and resolves with the response body. */
  request(apiKey: number, apiVersion: number, body: Buffer): Promise<Buffer> {
    const id = this.nextId++;
    const client = Buffer.from('raw-test');
    const head = Buffer.alloc(4 + 2 + 2 + 4 + 2 + client.length);
    head.writeInt32BE(head.length - 4 + body.length, 0);
    head.writeInt16BE(apiKey, 4);
    head.writeInt16BE(apiVersion, 6);
    head.writeInt32BE(id, 8);
    head.writeInt16BE(client.length, 12);
    client.copy(head, 14);
    const p = new Promise<Buffer>((resolve) => this.waiting.set(id, resolve));
    this.socket.write(Buffer.concat([head, body]));
    return p;
  }

  /** A request with kafkajs's encoder and decoder. */
  async call(api: string, apiKey: number, version: number, args: object): Promise<any> {
    const body = (await kafkajsRequest(api, version)(args).encode()).buffer;
    return kafkajsResponse(api, version).decode(await this.request(apiKey, version, body));
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Resolves once `cond()` holds (checked every 20 ms); the test's own timeout bounds the wait. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 50_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`gave up waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `host:port` of the leader of `topic`/`partition` (on a real cluster, not always the first broker). */
export async function leaderOf(admin: Admin, topic: string, partition: number): Promise<string> {
  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  const leader = meta.topics[0]!.partitions.find((p) => p.partitionId === partition)!.leader;
  const broker = (await admin.describeCluster()).brokers.find((b) => b.nodeId === leader)!;
  return `${broker.host}:${broker.port}`;
}
