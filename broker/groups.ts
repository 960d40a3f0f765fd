/**
 * The consumer group coordinator (Kafka's classic protocol): membership, the rebalance state
 * machine and committed offsets.
 *
 *   Empty ─join─▶ PreparingRebalance ─all joined / rebalance timeout─▶ CompletingRebalance
 *   CompletingRebalance ─leader's SyncGroup─▶ Stable ─join of a new member, leave, expiry─▶ PreparingRebalance
 *
 * A JoinGroup is held until every known member has rejoined (or the rebalance timeout drops the
 * ones that did not); SyncGroups are held until the leader sends the assignment. Members that
 * stop heartbeating for their session timeout are removed and the group rebalances. Committed
 * offsets are appended to `<dataDir>/offsets.log` (JSON lines) and replayed on start.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ERR_ILLEGAL_GENERATION = 22;
export const ERR_INCONSISTENT_PROTOCOL = 23;
export const ERR_INVALID_GROUP_ID = 24;
export const ERR_UNKNOWN_MEMBER = 25;
export const ERR_INVALID_SESSION_TIMEOUT = 26;
export const ERR_REBALANCE_IN_PROGRESS = 27;
export const ERR_NON_EMPTY_GROUP = 68;
export const ERR_GROUP_NOT_FOUND = 69;

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface Protocol {
  readonly name: string;
  readonly metadata: Buffer;
}

export interface JoinRequest {
  readonly groupId: string;
  readonly sessionTimeout: number;
  readonly rebalanceTimeout: number;
  readonly memberId: string;
  readonly protocolType: string;
  readonly protocols: readonly Protocol[];
  readonly clientId: string;
  readonly clientHost: string;
}

export interface JoinResult {
  readonly error: number;
  readonly generation: number;
  readonly protocol: string;
  readonly leader: string;
  readonly memberId: string;
  readonly members: readonly { id: string; metadata: Buffer }[];
}

interface Member {
  readonly id: string;
  readonly clientId: string;
  readonly clientHost: string;
  sessionTimeout: number;
  rebalanceTimeout: number;
  protocols: readonly Protocol[];
  assignment: Buffer;
  lastSeen: number;
  join: ((r: JoinResult) => void) | null;
  sync: ((r: { error: number; assignment: Buffer }) => void) | null;
}

export interface CommittedOffset {
  readonly offset: number;
  readonly metadata: string | null;
}

class Group {
  state: GroupState = 'Empty';
  generation = 0;
  protocolType: string | null = null;
  protocol: string | null = null;
  leader: string | null = null;
  rebalanceDeadline = 0;
  readonly members = new Map<string, Member>();
  /** `topic\0partition` → committed offset. */
  readonly offsets = new Map<string, CommittedOffset>();
  constructor(readonly id: string) {}
}

const tpKey = (topic: string, partition: number) => `${topic}\0${partition}`;
const sameProtocols = (a: readonly Protocol[], b: readonly Protocol[]) =>
  a.length === b.length && a.every((p, i) => p.name === b[i]!.name && p.metadata.equals(b[i]!.metadata));

export interface GroupOptions {
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
}

export class GroupCoordinator {
  readonly groups = new Map<string, Group>();
  private readonly file: string | null;
  private fd: number | null = null;

  constructor(
    dataDir: string | null,
    private readonly options: GroupOptions,
  ) {
    this.file = dataDir === null ? null : path.join(dataDir, 'offsets.log');
    if (this.file !== null) this.load(this.file);
  }

  private load(file: string): void {
    if (fs.existsSync(file)) {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        let e: { g: string; t?: string; p?: number; o?: number | null; m?: string | null };
        try {
          e = JSON.parse(line);
        } catch {
          continue; // a line cut short by a crash
        }
        if (e.t === undefined) this.groups.delete(e.g);
        else if (e.o === null || e.o === undefined) this.groups.get(e.g)?.offsets.delete(tpKey(e.t, e.p!));
        else this.group(e.g).offsets.set(tpKey(e.t, e.p!), { offset: e.o, metadata: e.m ?? null });
      }
    }
    // Rewrite compacted: one line per live offset.
    const tmp = `${file}.tmp`;
    const lines: string[] = [];
    for (const g of this.groups.values()) {
      for (const [k, v] of g.offsets) {
        const [t, p] = k.split('\0');
        lines.push(JSON.stringify({ g: g.id, t, p: Number(p), o: v.offset, m: v.metadata }));
      }
    }
    fs.writeFileSync(tmp, lines.map((l) => l + '\n').join(''));
    fs.renameSync(tmp, file);
    this.fd = fs.openSync(file, 'a');
  }

  private persist(entry: object): void {
    if (this.fd !== null) fs.writeSync(this.fd, JSON.stringify(entry) + '\n');
  }

  private group(id: string): Group {
    let g = this.groups.get(id);
    if (!g) {
      g = new Group(id);
      this.groups.set(id, g);
    }
    return g;
  }

  join(req: JoinRequest): Promise<JoinResult> {
    const fail = (error: number) =>
      Promise.resolve({ error, generation: -1, protocol: '', leader: '', memberId: req.memberId, members: [] });
    if (req.groupId === '') return fail(ERR_INVALID_GROUP_ID);
    const { minSessionTimeoutMs: min, maxSessionTimeoutMs: max } = this.options;
    if (req.sessionTimeout < min || req.sessionTimeout > max) return fail(ERR_INVALID_SESSION_TIMEOUT);
    const existing = this.groups.get(req.groupId);
    if (req.memberId !== '' && !existing?.members.has(req.memberId)) return fail(ERR_UNKNOWN_MEMBER);
    const g = existing ?? this.group(req.groupId);
    if (g.members.size > 0) {
      if (g.protocolType !== req.protocolType) return fail(ERR_INCONSISTENT_PROTOCOL);
      const others = [...g.members.values()].filter((m) => m.id !== req.memberId);
      const common = req.protocols.some((p) => others.every((m) => m.protocols.some((q) => q.name === p.name)));
      if (!common) return fail(ERR_INCONSISTENT_PROTOCOL);
    }
    if (req.protocols.length === 0) return fail(ERR_INCONSISTENT_PROTOCOL);
    g.protocolType = req.protocolType;
    return new Promise<JoinResult>((resolve) => {
      const now = Date.now();
      let m = g.members.get(req.memberId);
      if (!m) {
        m = {
          id: `${req.clientId || 'member'}-${randomUUID()}`,
          clientId: req.clientId,
          clientHost: req.clientHost,
          sessionTimeout: req.sessionTimeout,
          rebalanceTimeout: req.rebalanceTimeout,
          protocols: req.protocols,
          assignment: Buffer.alloc(0),
          lastSeen: now,
          join: resolve,
          sync: null,
        };
        g.members.set(m.id, m);
        if (g.state === 'PreparingRebalance') this.maybeCompleteJoin(g);
        else this.prepareRebalance(g);
        return;
      }
      const changed = !sameProtocols(m.protocols, req.protocols);
      m.protocols = req.protocols;
      m.sessionTimeout = req.sessionTimeout;
      m.rebalanceTimeout = req.rebalanceTimeout;
      m.lastSeen = now;
      if (m.join)
        m.join({
          error: ERR_REBALANCE_IN_PROGRESS,
          generation: -1,
          protocol: '',
          leader: '',
          memberId: m.id,
          members: [],
        });
      m.join = resolve;
      if (g.state === 'PreparingRebalance') this.maybeCompleteJoin(g);
      else if (g.state === 'CompletingRebalance' && !changed) this.answerJoin(g, m);
      else if (g.state === 'Stable' && !changed && g.leader !== m.id) this.answerJoin(g, m);
      else this.prepareRebalance(g);
    });
  }

  private answerJoin(g: Group, m: Member): void {
    const resolve = m.join!;
    m.join = null;
    const leader = g.leader === m.id;
    resolve({
      error: 0,
      generation: g.generation,
      protocol: g.protocol ?? '',
      leader: g.leader ?? '',
      memberId: m.id,
      members: leader
        ? [...g.members.values()].map((x) => ({
            id: x.id,
            metadata: x.protocols.find((p) => p.name === g.protocol)?.metadata ?? Buffer.alloc(0),
          }))
        : [],
    });
  }

  private prepareRebalance(g: Group): void {
    if (g.state === 'CompletingRebalance') {
      for (const m of g.members.values()) {
        m.sync?.({ error: ERR_REBALANCE_IN_PROGRESS, assignment: Buffer.alloc(0) });
        m.sync = null;
      }
    }
    g.state = 'PreparingRebalance';
    let timeout = 0;
    for (const m of g.members.values()) timeout = Math.max(timeout, m.rebalanceTimeout);
    g.rebalanceDeadline = Date.now() + timeout;
    this.maybeCompleteJoin(g);
  }

  private maybeCompleteJoin(g: Group): void {
    if (g.state !== 'PreparingRebalance') return;
    for (const m of g.members.values()) if (!m.join) return;
    this.completeJoin(g);
  }

  private completeJoin(g: Group): void {
    g.generation++;
    if (g.members.size === 0) {
      g.state = 'Empty';
      g.protocol = null;
      g.leader = null;
      return;
    }
    const members = [...g.members.values()];
    // The first protocol of the longest-standing member that every member supports.
    g.protocol = members[0]!.protocols.find((p) =>
      members.every((m) => m.protocols.some((q) => q.name === p.name)),
    )!.name;
    if (g.leader === null || !g.members.has(g.leader)) g.leader = members[0]!.id;
    g.state = 'CompletingRebalance';
    for (const m of members) {
      m.assignment = Buffer.alloc(0);
      this.answerJoin(g, m);
    }
  }

  sync(
    groupId: string,
    generation: number,
    memberId: string,
    assignments: readonly { memberId: string; assignment: Buffer }[],
  ): Promise<{ error: number; assignment: Buffer }> {
    const fail = (error: number) => Promise.resolve({ error, assignment: Buffer.alloc(0) });
    const g = this.groups.get(groupId);
    const m = g?.members.get(memberId);
    if (!g || !m) return fail(ERR_UNKNOWN_MEMBER);
    if (generation !== g.generation) return fail(ERR_ILLEGAL_GENERATION);
    m.lastSeen = Date.now();
    if (g.state === 'PreparingRebalance') return fail(ERR_REBALANCE_IN_PROGRESS);
    if (g.state === 'Stable') return Promise.resolve({ error: 0, assignment: m.assignment });
    return new Promise((resolve) => {
      m.sync?.({ error: ERR_REBALANCE_IN_PROGRESS, assignment: Buffer.alloc(0) });
      m.sync = resolve;
      if (memberId !== g.leader) return;
      for (const a of assignments) {
        const target = g.members.get(a.memberId);
        if (target) target.assignment = Buffer.from(a.assignment);
      }
      g.state = 'Stable';
      for (const x of g.members.values()) {
        x.sync?.({ error: 0, assignment: x.assignment });
        x.sync = null;
      }
    });
  }

  heartbeat(groupId: string, generation: number, memberId: string): number {
    const g = this.groups.get(groupId);
    const m = g?.members.get(memberId);
    if (!g || !m) return ERR_UNKNOWN_MEMBER;
    m.lastSeen = Date.now();
    if (generation !== g.generation) return ERR_ILLEGAL_GENERATION;
    if (g.state === 'PreparingRebalance') return ERR_REBALANCE_IN_PROGRESS;
    return 0;
  }

  leave(groupId: string, memberId: string): number {
    const g = this.groups.get(groupId);
    if (!g?.members.has(memberId)) return ERR_UNKNOWN_MEMBER;
    this.removeMember(g, memberId);
    return 0;
  }

  private removeMember(g: Group, memberId: string): void {
    const m = g.members.get(memberId)!;
    g.members.delete(memberId);
    m.join?.({ error: ERR_UNKNOWN_MEMBER, generation: -1, protocol: '', leader: '', memberId, members: [] });
    m.sync?.({ error: ERR_UNKNOWN_MEMBER, assignment: Buffer.alloc(0) });
    if (g.state === 'PreparingRebalance') this.maybeCompleteJoin(g);
    else if (g.state !== 'Empty') this.prepareRebalance(g);
  }

  /** Removes members whose session expired and ends rebalances past their timeout. */
  tick(now = Date.now()): void {
    for (const g of this.groups.values()) {
      for (const m of [...g.members.values()]) {
        // A member waiting in JoinGroup is bounded by the rebalance timeout, one waiting in
        // SyncGroup by the leader's session.
        if (m.join || m.sync) continue;
        if (now - m.lastSeen > m.sessionTimeout) this.removeMember(g, m.id);
      }
      if (g.state === 'PreparingRebalance' && now >= g.rebalanceDeadline) {
        for (const m of [...g.members.values()]) if (!m.join) g.members.delete(m.id);
        this.completeJoin(g);
      }
    }
  }

  commit(
    groupId: string,
    generation: number,
    memberId: string,
    offsets: readonly { topic: string; partition: number; offset: number; metadata: string | null }[],
  ): number {
    const g = this.groups.get(groupId);
    if (generation < 0) {
      if (g && g.members.size > 0) return ERR_ILLEGAL_GENERATION;
    } else {
      const m = g?.members.get(memberId);
      if (!g || !m) return ERR_UNKNOWN_MEMBER;
      if (generation !== g.generation) return ERR_ILLEGAL_GENERATION;
      if (g.state === 'CompletingRebalance') return ERR_REBALANCE_IN_PROGRESS;
      m.lastSeen = Date.now();
    }
    this.store(groupId, offsets);
    return 0;
  }

  /** Stores offsets without membership checks (transactional offsets on commit). */
  store(
    groupId: string,
    offsets: readonly { topic: string; partition: number; offset: number; metadata: string | null }[],
  ): void {
    const g = this.group(groupId);
    for (const o of offsets) {
      g.offsets.set(tpKey(o.topic, o.partition), { offset: o.offset, metadata: o.metadata });
      this.persist({ g: groupId, t: o.topic, p: o.partition, o: o.offset, m: o.metadata });
    }
  }

  committed(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.groups.get(groupId)?.offsets.get(tpKey(topic, partition));
  }

  /** Committed offsets of every group, for a topic being deleted. */
  forgetTopic(topic: string): void {
    for (const g of this.groups.values()) {
      for (const k of [...g.offsets.keys()]) {
        const [t, p] = k.split('\0');
        if (t !== topic) continue;
        g.offsets.delete(k);
        this.persist({ g: g.id, t, p: Number(p), o: null });
      }
    }
  }

  describe(groupId: string) {
    const g = this.groups.get(groupId);
    if (!g) return { error: 0, groupId, state: 'Dead' as GroupState, protocolType: '', protocol: '', members: [] };
    return {
      error: 0,
      groupId,
      state: g.state,
      protocolType: g.protocolType ?? '',
      protocol: g.state === 'Stable' || g.state === 'CompletingRebalance' ? (g.protocol ?? '') : '',
      members: [...g.members.values()].map((m) => ({
        memberId: m.id,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: m.protocols.find((p) => p.name === g.protocol)?.metadata ?? Buffer.alloc(0),
        assignment: m.assignment,
      })),
    };
  }

  list(): { groupId: string; protocolType: string }[] {
    return [...this.groups.values()].map((g) => ({ groupId: g.id, protocolType: g.protocolType ?? '' }));
  }

  delete(groupId: string): number {
    const g = this.groups.get(groupId);
    if (!g) return ERR_GROUP_NOT_FOUND;
    if (g.members.size > 0) return ERR_NON_EMPTY_GROUP;
    this.groups.delete(groupId);
    this.persist({ g: groupId });
    return 0;
  }

  close(): void {
    for (const g of this.groups.values()) {
      for (const m of g.members.values()) {
        m.join = null;
        m.sync = null;
      }
    }
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}
