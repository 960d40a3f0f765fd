/**
 * What request handlers share: the topics, the group and transaction coordinators, the broker's
 * address and options, and the wake-up signal that long-polling fetches wait on.
 */
import type { Reader, Writer } from './codec.ts';
import type { GroupCoordinator } from './groups.ts';
import type { Topics } from './topics.ts';
import type { TransactionCoordinator } from './transactions.ts';

export interface RequestHeader {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string;
  readonly clientHost: string;
}

export interface BrokerContext {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly defaultPartitions: number;
  readonly autoCreateTopics: boolean;
  /** Largest record batch accepted from a producer (message.max.bytes). */
  readonly maxMessageBytes: number;
  readonly topics: Topics;
  readonly groups: GroupCoordinator;
  readonly txns: TransactionCoordinator;
  readonly changes: ChangeSignal;
  readonly log: (message: string) => void;
}

/** A handler decodes the request body and returns the response body, or null for none (acks=0). */
export type Handler = (ctx: BrokerContext, r: Reader, h: RequestHeader) => Writer | null | Promise<Writer | null>;

/** Wakes waiters when a log grows or a transaction ends. */
export class ChangeSignal {
  private waiters = new Set<() => void>();
  /** Set when the broker stops: waits end at once. */
  closed = false;

  /** Resolves at the next `notify()` or after `ms`, whichever comes first. */
  wait(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.waiters.add(done);
    });
  }

  close(): void {
    this.closed = true;
    this.notify();
  }

  notify(): void {
    const ws = this.waiters;
    if (ws.size === 0) return;
    this.waiters = new Set();
    for (const w of ws) w();
  }
}
