/**
 * Producer ids and the transaction coordinator. Every transactional id maps to a producer id
 * and an epoch; InitProducerId bumps the epoch (fencing the previous incarnation) and aborts its
 * open transaction. A transaction collects partitions (AddPartitionsToTxn) and group offsets
 * (AddOffsetsToTxn + TxnOffsetCommit); EndTxn writes a commit or abort marker to each partition
 * and, on commit, moves the offsets into the groups. Transactions open longer than their
 * timeout are aborted and their producer fenced.
 *
 * With a data directory the state of every transactional id is appended to
 * `<dataDir>/transactions.log` (JSON lines) at each change and replayed on start; a transaction
 * caught between "prepare" and "complete" by a crash is completed then.
 */
import * as path from 'node:path';
import type { GroupCoordinator } from './groups.ts';
import { Journal } from './journal.ts';
import type { Topics } from './topics.ts';

export const ERR_INVALID_PRODUCER_EPOCH = 47;
export const ERR_INVALID_TXN_STATE = 48;
export const ERR_INVALID_PRODUCER_ID_MAPPING = 49;
export const ERR_INVALID_TRANSACTION_TIMEOUT = 50;
export const ERR_UNKNOWN_TOPIC = 3;
export const ERR_OPERATION_NOT_ATTEMPTED = 55;

type TxnStatus = 'Empty' | 'Ongoing' | 'PrepareCommit' | 'PrepareAbort' | 'CompleteCommit' | 'CompleteAbort';

interface PendingOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly metadata: string | null;
}

interface TxnState {
  readonly id: string;
  producerId: number;
  epoch: number;
  timeoutMs: number;
  status: TxnStatus;
  startedAt: number;
  /** Partitions of the open transaction, `topic\0partition`. */
  partitions: Set<string>;
  /** Group → offsets committed by the open transaction. */
  offsets: Map<string, PendingOffset[]>;
}

const MAX_EPOCH = 32767;
const tp = (topic: string, partition: number) => `${topic}\0${partition}`;
const untp = (k: string): [string, number] => {
  const i = k.lastIndexOf('\0');
  return [k.slice(0, i), Number(k.slice(i + 1))];
};

export class TransactionCoordinator {
  private nextProducerId = 1000;
  private readonly byId = new Map<string, TxnState>();
  private readonly byProducer = new Map<number, TxnState>();
  private readonly journal: Journal | null;

  constructor(
    dataDir: string | null,
    private readonly topics: Topics,
    private readonly groups: GroupCoordinator,
    private readonly maxTimeoutMs: number,
    private readonly log: (message: string) => void,
    /** Called after markers change what read_committed readers may see. */
    private readonly onMarkers: () => void,
  ) {
    this.journal =
      dataDir === null
        ? null
        : new Journal(path.join(dataDir, 'transactions.log'), () => [
            { nextProducerId: this.nextProducerId },
            ...[...this.byId.values()].map(record),
          ]);
    if (this.journal !== null) this.load(this.journal);
  }

  private load(journal: Journal): void {
    for (const e of journal.read() as TxnEntry[]) {
      if (e.nextProducerId !== undefined) this.nextProducerId = Math.max(this.nextProducerId, e.nextProducerId);
      if (e.id === undefined) continue;
      const s: TxnState = {
        id: e.id,
        producerId: e.pid!,
        epoch: e.epoch!,
        timeoutMs: e.timeout!,
        status: e.status!,
        startedAt: e.started!,
        partitions: new Set(e.partitions),
        offsets: new Map(e.offsets),
      };
      this.byId.set(s.id, s);
      this.nextProducerId = Math.max(this.nextProducerId, s.producerId + 1);
    }
    for (const s of this.byId.values()) this.byProducer.set(s.producerId, s);
    // Producer ids seen in the logs (idempotent producers) are never handed out again.
    for (const t of this.topics.byName.values()) {
      for (const p of t.partitions) {
        for (const pid of p.producers.keys()) this.nextProducerId = Math.max(this.nextProducerId, pid + 1);
      }
    }
    journal.open();
    for (const s of this.byId.values()) {
      if (s.status === 'PrepareCommit' || s.status === 'PrepareAbort') this.complete(s, s.status === 'PrepareCommit');
    }
    // Open transactions in the logs that no coordinator state owns (cannot complete): abort.
    for (const t of this.topics.byName.values()) {
      for (const p of t.partitions) {
        for (const pid of [...p.openTxns.keys()]) {
          const s = this.byProducer.get(pid);
          if (s?.status === 'Ongoing' && s.partitions.has(tp(t.name, p.partition))) continue;
          this.log(`aborting an orphaned open transaction of producer ${pid} on ${t.name}/${p.partition}`);
          p.writeMarker(pid, p.producers.get(pid)?.epoch ?? 0, false);
        }
      }
    }
  }

  private persist(entry: TxnEntry): void {
    this.journal?.append(entry);
  }

  private save(s: TxnState): void {
    this.persist(record(s));
  }

  private newProducerId(): number {
    const pid = this.nextProducerId++;
    this.persist({ nextProducerId: this.nextProducerId });
    return pid;
  }

  initProducerId(
    transactionalId: string | null,
    timeoutMs: number,
  ): { error: number; producerId: number; epoch: number } {
    if (transactionalId === null || transactionalId === '')
      return { error: 0, producerId: this.newProducerId(), epoch: 0 };
    if (timeoutMs <= 0 || timeoutMs > this.maxTimeoutMs)
      return { error: ERR_INVALID_TRANSACTION_TIMEOUT, producerId: -1, epoch: -1 };
    let s = this.byId.get(transactionalId);
    if (!s) {
      s = {
        id: transactionalId,
        producerId: this.newProducerId(),
        epoch: 0,
        timeoutMs,
        status: 'Empty',
        startedAt: 0,
        partitions: new Set(),
        offsets: new Map(),
      };
      this.byId.set(s.id, s);
      this.byProducer.set(s.producerId, s);
    } else {
      // Fence the previous incarnation, then abort what it left open.
      this.bumpEpoch(s);
      if (s.status === 'Ongoing') this.complete(s, false);
      s.timeoutMs = timeoutMs;
      s.status = 'Empty';
    }
    this.save(s);
    return { error: 0, producerId: s.producerId, epoch: s.epoch };
  }

  private bumpEpoch(s: TxnState): void {
    if (s.epoch < MAX_EPOCH - 1) {
      s.epoch++;
      return;
    }
    this.byProducer.delete(s.producerId);
    s.producerId = this.newProducerId();
    s.epoch = 0;
    this.byProducer.set(s.producerId, s);
  }

  private check(transactionalId: string, producerId: number, epoch: number): TxnState | number {
    const s = this.byId.get(transactionalId);
    if (!s || s.producerId !== producerId) return ERR_INVALID_PRODUCER_ID_MAPPING;
    if (epoch !== s.epoch) return ERR_INVALID_PRODUCER_EPOCH;
    return s;
  }

  private begin(s: TxnState): void {
    if (s.status !== 'Ongoing') {
      s.status = 'Ongoing';
      s.startedAt = Date.now();
      s.partitions.clear();
      s.offsets.clear();
    }
  }

  addPartitions(
    transactionalId: string,
    producerId: number,
    epoch: number,
    partitions: readonly { topic: string; partition: number }[],
  ): number[] {
    const s = this.check(transactionalId, producerId, epoch);
    if (typeof s === 'number') return partitions.map(() => s);
    const unknown = partitions.map((x) => (this.topics.partition(x.topic, x.partition) ? 0 : ERR_UNKNOWN_TOPIC));
    if (unknown.some((e) => e !== 0)) return unknown.map((e) => e || ERR_OPERATION_NOT_ATTEMPTED);
    this.begin(s);
    for (const x of partitions) s.partitions.add(tp(x.topic, x.partition));
    this.save(s);
    return partitions.map(() => 0);
  }

  addOffsets(transactionalId: string, producerId: number, epoch: number, groupId: string): number {
    const s = this.check(transactionalId, producerId, epoch);
    if (typeof s === 'number') return s;
    this.begin(s);
    if (!s.offsets.has(groupId)) s.offsets.set(groupId, []);
    this.save(s);
    return 0;
  }

  txnOffsetCommit(
    transactionalId: string,
    groupId: string,
    producerId: number,
    epoch: number,
    offsets: readonly PendingOffset[],
  ): number {
    const s = this.check(transactionalId, producerId, epoch);
    if (typeof s === 'number') return s;
    const pending = s.offsets.get(groupId);
    if (s.status !== 'Ongoing' || pending === undefined) return ERR_INVALID_TXN_STATE;
    pending.push(...offsets);
    this.save(s);
    return 0;
  }

  endTxn(transactionalId: string, producerId: number, epoch: number, commit: boolean): number {
    const s = this.check(transactionalId, producerId, epoch);
    if (typeof s === 'number') return s;
    if (s.status === 'Ongoing') {
      this.complete(s, commit);
      return 0;
    }
    // A retried EndTxn of the transaction that just completed the same way.
    if ((s.status === 'CompleteCommit' && commit) || (s.status === 'CompleteAbort' && !commit)) return 0;
    return ERR_INVALID_TXN_STATE;
  }

  private complete(s: TxnState, commit: boolean): void {
    s.status = commit ? 'PrepareCommit' : 'PrepareAbort';
    this.save(s);
    for (const k of s.partitions) {
      const [topic, partition] = untp(k);
      const log = this.topics.partition(topic, partition);
      // A partition deleted meanwhile has nothing left to mark.
      if (log) log.writeMarker(s.producerId, s.epoch, commit);
    }
    if (commit) for (const [group, offsets] of s.offsets) this.groups.store(group, offsets);
    s.status = commit ? 'CompleteCommit' : 'CompleteAbort';
    s.partitions.clear();
    s.offsets.clear();
    this.save(s);
    this.onMarkers();
  }

  /**
   * The error for a produced batch of `producerId` at `epoch`: a fenced (older) epoch, a
   * transactional batch outside an open transaction on that partition, or 0.
   */
  checkProduce(producerId: number, epoch: number, transactional: boolean, topic: string, partition: number): number {
    const s = this.byProducer.get(producerId);
    if (!s) return transactional ? ERR_INVALID_PRODUCER_ID_MAPPING : 0;
    if (epoch !== s.epoch) return ERR_INVALID_PRODUCER_EPOCH;
    if (transactional && (s.status !== 'Ongoing' || !s.partitions.has(tp(topic, partition))))
      return ERR_INVALID_TXN_STATE;
    return 0;
  }

  /** Aborts transactions open longer than their timeout and fences their producers. */
  tick(now = Date.now()): void {
    for (const s of this.byId.values()) {
      if (s.status !== 'Ongoing' || now - s.startedAt <= s.timeoutMs) continue;
      this.log(
        `aborting transaction "${s.id}" (producer ${s.producerId}): open ${now - s.startedAt} ms, timeout ${s.timeoutMs} ms`,
      );
      this.bumpEpoch(s);
      this.complete(s, false);
    }
  }

  close(): void {
    this.journal?.close();
  }
}

/** A line of transactions.log: the next producer id, or the whole state of one transactional id. */
interface TxnEntry {
  readonly nextProducerId?: number;
  readonly id?: string;
  readonly pid?: number;
  readonly epoch?: number;
  readonly timeout?: number;
  readonly status?: TxnStatus;
  readonly started?: number;
  readonly partitions?: string[];
  readonly offsets?: [string, PendingOffset[]][];
}

function record(s: TxnState): TxnEntry {
  return {
    id: s.id,
    pid: s.producerId,
    epoch: s.epoch,
    timeout: s.timeoutMs,
    status: s.status,
    started: s.startedAt,
    partitions: [...s.partitions],
    offsets: [...s.offsets],
  };
}
