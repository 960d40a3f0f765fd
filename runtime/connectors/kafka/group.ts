/**
 * Scale-out membership (docs/scale-out.md): the processes of one job (`pipeline.name`) join one
 * consumer group, `sqc-<pipeline.name>`, and share its tasks — task p is partition index p of
 * every Kafka source of the job. One `TaskGroup` per process and group; every scaled-out Kafka
 * source of the process registers with it (`join`) and reads the partitions of the tasks it
 * hands out.
 *
 * The group protocol is spoken directly (`GroupClient`, cluster.ts): JoinGroup with protocol
 * type `consumer` and the standard consumer-protocol metadata (the member's topics, and as
 * `userData` the tasks it owned and the generation it owned them in), the leader runs sqc's
 * assignor (assignor.ts: balanced, sticky), SyncGroup, then a Heartbeat every
 * session-timeout / 5. A rebalance (a heartbeat answered REBALANCE_IN_PROGRESS, a source that
 * registers later) first *quiesces* every source: each finishes the micro-batch in progress,
 * commits its positions and then hands out nothing until the new assignment — so a task that
 * moves starts, in its new process, exactly after the last batch its old owner processed. A
 * member the coordinator dropped (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID: it stalled past the
 * session timeout) loses its tasks at once and rejoins as a new member; `inGroup` turns false
 * meanwhile, so its sources stop committing positions for tasks that are no longer theirs.
 */
import { KafkaError, kafkaError, type ClientSettings } from './client.ts';
import { GroupClient } from './cluster.ts';
import { assignTasks, type TaskClaim } from './assignor.ts';
import { kafkajs } from './kafkajs.ts';
import type { TaskProgress } from '../../types.ts';
import type { CompressionTypes, Message } from 'kafkajs';

/** The assignor's name in the group protocol: every process of a job must use it. */
export const PROTOCOL = 'sqc-tasks';

/** What a scaled-out source gives its group. */
export interface TaskMember {
  /** The topics the source reads (for the task count and the group's metadata). */
  readonly topics: readonly string[];
  /**
   * A rebalance is about to happen: resolve once the micro-batch in progress is committed and
   * its positions are committed, and hand out nothing until `assign` (or at once when the
   * source has no tasks yet).
   */
  quiesce(): Promise<void>;
  /** The tasks this process owns from now on (empty: none; the source reads nothing). */
  assign(tasks: ReadonlySet<number>, generation: number): void;
}

export interface TaskGroupSettings {
  readonly group: string;
  readonly sessionTimeoutMs: number;
  readonly notice: (message: string) => void;
}

/** A source's positions in one query: the positions group and `{ topic: { partition: offset } }`. */
export interface Positions {
  readonly group: string;
  readonly next: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Per topic and partition, what the reader knows at that position (a repartition topic's upstream watermarks). */
  readonly metadata?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** What an exactly-once sink of a stateful query writes into: the task's open transaction. */
export interface TaskTransactionsOf {
  send(task: number, record: { topic: string; messages: Message[]; compression: CompressionTypes }): Promise<void>;
}

const groups = new Map<string, TaskGroup>();

/**
 * The process's member of `settings.group` (one per group: the job's sources and exactly-once
 * sinks share it, so they must be on one cluster — the sinks commit the sources' positions in
 * their transactions).
 */
export function taskGroup(client: ClientSettings, settings: TaskGroupSettings): TaskGroup {
  const key = settings.group;
  let g = groups.get(key);
  if (g === undefined) {
    g = new TaskGroup(client, settings, () => groups.delete(key));
    groups.set(key, g);
  } else if (g.brokers !== client.brokers.join(','))
    throw new KafkaError(
      `a scaled-out job reads and writes exactly-once on one Kafka cluster: ${g.brokers} and ${client.brokers.join(',')} differ`,
      `give the sources and exactly-once sinks the same 'properties.bootstrap.servers', or make the sinks at-least-once`,
      false,
    );
  return g;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Claim {
  readonly tasks: readonly number[];
  readonly generation: number;
}

function errorType(e: unknown): string {
  return (e as { type?: string } | null)?.type ?? '';
}

export class TaskGroup {
  private readonly client: GroupClient;
  private readonly members = new Set<TaskMember>();
  private memberId = '';
  private generation = -1;
  private tasks = new Set<number>();
  /** Tasks and generation of the last assignment this member received (its claim when rejoining). */
  private claim: Claim = { tasks: [], generation: -1 };
  private needJoin = false;
  private running: Promise<void> | null = null;
  private closed = false;
  private wake: (() => void) | null = null;
  private firstAssignment: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void };
  private fatal: KafkaError | null = null;
  /** True while this process is a member in good standing of the current generation. */
  inGroup = false;
  /** Exactly-once sinks: fence the previous owners of tasks before their positions are read. */
  private readonly fencers = new Set<(tasks: readonly number[]) => Promise<void>>();
  /** Per task this process owns, the fence of its previous owners (forgotten when the task is lost). */
  private readonly fencing = new Map<number, Promise<void>>();
  /** Per query, its sources' positions now (exactly-once sinks commit them in their transactions). */
  private readonly providers = new Map<string, (() => Positions)[]>();
  /** Queries whose positions an exactly-once sink commits (their sources commit none themselves). */
  private readonly transactional = new Set<string>();
  /** Per query, its exactly-once sink's `properties.transaction.timeout.ms`. */
  private readonly timeouts = new Map<string, number>();
  /** Per stateful query, where its tasks' state and transactions live (task-state.ts). */
  private readonly states = new Map<string, TaskTransactionsOf>();
  /** Told of every assignment (tasks lost are dropped at once). */
  private readonly assignListeners = new Set<(tasks: ReadonlySet<number>) => void>();

  constructor(
    private readonly settings: ClientSettings,
    readonly options: TaskGroupSettings,
    private readonly forget: () => void,
  ) {
    this.client = new GroupClient(settings.config, options.group);
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => {});
    this.firstAssignment = { promise, resolve, reject };
  }

  /** Why membership failed for good (the sources stop with it), or null. */
  get error(): KafkaError | null {
    return this.fatal;
  }

  get brokers(): string {
    return this.settings.brokers.join(',');
  }

  addFencer(f: (tasks: readonly number[]) => Promise<void>, queries: readonly string[]): void {
    this.fencers.add(f);
    for (const q of queries) this.transactional.add(q);
  }

  removeFencer(f: (tasks: readonly number[]) => Promise<void>): void {
    this.fencers.delete(f);
  }

  setTransactionTimeout(query: string, ms: number): void {
    this.timeouts.set(query, ms);
  }

  transactionTimeout(query: string): number | undefined {
    return this.timeouts.get(query);
  }

  /** A stateful query's task state: its exactly-once sink writes into the task transactions it holds. */
  provideState(query: string, s: TaskTransactionsOf | null): void {
    if (s === null) this.states.delete(query);
    else this.states.set(query, s);
  }

  stateOf(query: string): TaskTransactionsOf | undefined {
    return this.states.get(query);
  }

  onAssign(f: (tasks: ReadonlySet<number>) => void): void {
    this.assignListeners.add(f);
  }

  offAssign(f: (tasks: ReadonlySet<number>) => void): void {
    this.assignListeners.delete(f);
  }

  private assignAll(): void {
    for (const f of this.assignListeners) f(this.tasks);
    for (const m of this.members) m.assign(this.tasks, this.generation);
  }

  /**
   * Before a source reads the positions of tasks it gained: every exactly-once sink fences their
   * previous owners — once per task while this process owns it, however many sources (queries,
   * stages) gain it and in whatever generation they apply it: a second fence would abort the
   * transactions the first producers have open. A source that gains a task being fenced waits
   * for that fence.
   */
  async beforeRead(tasks: readonly number[]): Promise<void> {
    const waits: Promise<void>[] = [];
    const unfenced: number[] = [];
    for (const t of tasks) {
      const f = this.fencing.get(t);
      if (f !== undefined) waits.push(f);
      else unfenced.push(t);
    }
    if (unfenced.length > 0) {
      const done = (async () => {
        for (const f of this.fencers) await f(unfenced);
      })();
      for (const t of unfenced) this.fencing.set(t, done);
      // a failed fence is tried again by the next source that gains the task
      done.catch(() => {
        for (const t of unfenced) if (this.fencing.get(t) === done) this.fencing.delete(t);
      });
      waits.push(done);
    }
    await Promise.all(waits);
  }

  /** True when an exactly-once sink commits `query`'s positions in its transactions. */
  commitsInTransactions(query: string): boolean {
    return this.transactional.has(query);
  }

  providePositions(query: string, f: () => Positions): void {
    const l = this.providers.get(query) ?? [];
    l.push(f);
    this.providers.set(query, l);
  }

  positionsOf(query: string): Positions[] {
    return (this.providers.get(query) ?? []).map((f) => f());
  }

  /**
   * An exactly-once sink found its producer for a task fenced: another process owns the task now.
   * A task this process had already handed over (a late write of its last batch, fenced by the
   * new owner as it should be) says nothing about the tasks it owns now: only the fence of an
   * owned task drops the process from the group.
   */
  fenced(task: number): void {
    if (!this.assigned(task)) return;
    this.dropped(`the transactional producer of task ${task} was fenced by its new owner`);
    this.notify();
  }

  /** True when the latest assignment gives `task` to this process (false once it was handed over or dropped). */
  assigned(task: number): boolean {
    return this.tasks.has(task);
  }

  get groupId(): string {
    return this.options.group;
  }

  /** The tasks this process owns now, for progress reports. */
  progress(): TaskProgress {
    return {
      group: this.options.group,
      generation: this.inGroup ? this.generation : -1,
      owned: [...this.tasks].sort((a, b) => a - b),
    };
  }

  /** Registers a source and resolves when the group has given this process its (first) tasks. */
  async join(m: TaskMember): Promise<void> {
    this.members.add(m);
    this.needJoin = true;
    if (this.running === null) {
      this.running = this.run();
    } else this.notify();
    await this.firstAssignment.promise;
    if (this.generation >= 0) m.assign(this.tasks, this.generation);
  }

  /** Unregisters a source; the last one out leaves the group (its tasks move at once). */
  async leave(m: TaskMember): Promise<void> {
    if (!this.members.delete(m) || this.members.size > 0) return;
    this.closed = true;
    this.forget();
    this.notify();
    await this.running?.catch(() => {});
    if (this.memberId !== '') await this.client.leave(this.memberId).catch(() => {});
    await this.client.disconnect().catch(() => {});
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private get heartbeatMs(): number {
    return Math.max(100, Math.floor(this.options.sessionTimeoutMs / 5));
  }

  private async run(): Promise<void> {
    // let every source that opens in the same moment register before the first join
    await sleep(20);
    try {
      await this.client.connect();
      let failingSince = 0;
      while (!this.closed) {
        if (this.needJoin) {
          this.needJoin = false;
          await this.rejoin();
          failingSince = 0;
          continue;
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            this.wake = null;
            resolve();
          }, this.heartbeatMs);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        if (this.closed || this.needJoin) continue;
        try {
          await this.client.heartbeat(this.generation, this.memberId);
          failingSince = 0;
        } catch (e) {
          const type = errorType(e);
          if (type === 'REBALANCE_IN_PROGRESS') this.needJoin = true;
          else if (type === 'ILLEGAL_GENERATION' || type === 'UNKNOWN_MEMBER_ID') this.dropped(type);
          else {
            // the coordinator is unreachable: after a session timeout without a heartbeat the
            // group has dropped this member; stop reading before another process takes over
            if (failingSince === 0) failingSince = Date.now();
            else if (Date.now() - failingSince >= this.options.sessionTimeoutMs) this.dropped('no heartbeat');
          }
        }
      }
    } catch (e) {
      this.fatal = kafkaError(e, this.settings.brokers, `scale-out group "${this.options.group}"`);
      this.inGroup = false;
      this.firstAssignment.reject(this.fatal);
      for (const m of this.members) m.assign(new Set(), -1);
    }
  }

  /** The coordinator dropped this member: its tasks are someone else's now. */
  private dropped(why: string): void {
    if (this.inGroup)
      this.options.notice(
        `scale-out group "${this.options.group}": this process was dropped from the group (${why}: it stalled or lost the coordinator for longer than the session timeout); ` +
          `it gave up tasks ${[...this.tasks].join(', ') || '-'} and rejoins`,
      );
    this.inGroup = false;
    this.tasks = new Set();
    for (const f of this.assignListeners) f(this.tasks);
    this.fencing.clear();
    for (const m of this.members) m.assign(this.tasks, -1);
    if (why === 'UNKNOWN_MEMBER_ID' || why === 'no heartbeat') this.memberId = '';
    this.needJoin = true;
  }

  private metadata(): Buffer {
    const topics = [...new Set([...this.members].flatMap((m) => m.topics))].sort();
    return kafkajs().AssignerProtocol.MemberMetadata.encode({
      version: 1,
      topics,
      userData: Buffer.from(JSON.stringify(this.claim)),
    });
  }

  /** Quiesces the sources, then JoinGroup/SyncGroup until an assignment arrives. */
  private async rejoin(): Promise<void> {
    // the batch in progress commits its positions first (still a member of the current generation)
    await Promise.all([...this.members].map((m) => m.quiesce()));
    this.inGroup = false;
    for (;;) {
      if (this.closed) return;
      let joined: Awaited<ReturnType<GroupClient['join']>>;
      try {
        joined = await this.client.join({
          memberId: this.memberId,
          sessionTimeoutMs: this.options.sessionTimeoutMs,
          rebalanceTimeoutMs: Math.max(60_000, this.options.sessionTimeoutMs),
          protocol: PROTOCOL,
          metadata: this.metadata(),
        });
      } catch (e) {
        const type = errorType(e);
        if (type === 'UNKNOWN_MEMBER_ID') {
          this.memberId = '';
          continue;
        }
        if (type === 'INCONSISTENT_GROUP_PROTOCOL')
          throw new KafkaError(
            `consumer group "${this.options.group}" has members that are not processes of this sq job (another protocol than '${PROTOCOL}')`,
            `a scaled-out job uses the group "sqc-<pipeline.name>" for itself: give the job another 'pipeline.name', or stop the consumers that use that group`,
            false,
            e,
          );
        if (type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR' || type === 'COORDINATOR_NOT_AVAILABLE') {
          await sleep(100);
          continue;
        }
        throw e;
      }
      this.memberId = joined.memberId;
      let assignment: Buffer;
      try {
        const plan = joined.leader === joined.memberId ? await this.assign(joined.members) : [];
        assignment = await this.client.sync(joined.generation, joined.memberId, plan);
      } catch (e) {
        const type = errorType(e);
        if (type === 'REBALANCE_IN_PROGRESS' || type === 'ILLEGAL_GENERATION') continue;
        if (type === 'UNKNOWN_MEMBER_ID') {
          this.memberId = '';
          continue;
        }
        throw e;
      }
      const decoded = assignment.length === 0 ? null : kafkajs().AssignerProtocol.MemberAssignment.decode(assignment);
      const tasks = decoded === null ? [] : (JSON.parse(decoded.userData.toString()) as { tasks: number[] }).tasks;
      const before = this.tasks;
      this.generation = joined.generation;
      this.tasks = new Set(tasks);
      this.claim = { tasks, generation: joined.generation };
      this.inGroup = true;
      const gained = tasks.filter((t) => !before.has(t));
      const lost = [...before].filter((t) => !this.tasks.has(t));
      for (const t of lost) this.fencing.delete(t);
      this.options.notice(
        `scale-out group "${this.options.group}" generation ${joined.generation}: this process owns task${tasks.length === 1 ? '' : 's'} ${tasks.join(', ') || '- (a spare)'}` +
          (gained.length > 0 && before.size > 0 ? `; took over ${gained.join(', ')}` : '') +
          (lost.length > 0 ? `; handed over ${lost.join(', ')}` : ''),
      );
      this.assignAll();
      this.firstAssignment.resolve();
      return;
    }
  }

  /** The leader's assignment: tasks 0..n-1, n the most partitions of any topic the members read. */
  private async assign(
    members: readonly { id: string; metadata: Buffer }[],
  ): Promise<{ memberId: string; assignment: Buffer }[]> {
    const { MemberMetadata, MemberAssignment } = kafkajs().AssignerProtocol;
    const subscriptions = new Map<string, string[]>();
    const claims: TaskClaim[] = [];
    for (const m of members) {
      const meta = MemberMetadata.decode(m.metadata);
      subscriptions.set(m.id, meta?.topics ?? []);
      let claim: Claim = { tasks: [], generation: -1 };
      try {
        claim = JSON.parse(meta?.userData.toString() || '{}') as Claim;
      } catch {
        // not a claim of ours: no stickiness for this member
      }
      claims.push({ memberId: m.id, tasks: claim.tasks ?? [], generation: claim.generation ?? -1 });
    }
    const topics = [...new Set([...subscriptions.values()].flat())];
    const counts = await this.client.partitionCounts(topics);
    let taskCount = 0;
    for (const n of counts.values()) taskCount = Math.max(taskCount, n);
    const plan = assignTasks(taskCount, claims);
    return members.map((m) => {
      const tasks = plan.get(m.id) ?? [];
      const assignment: Record<string, number[]> = {};
      for (const t of subscriptions.get(m.id) ?? []) assignment[t] = tasks.filter((p) => p < (counts.get(t) ?? 0));
      return {
        memberId: m.id,
        assignment: MemberAssignment.encode({
          version: 1,
          assignment,
          userData: Buffer.from(JSON.stringify({ tasks })),
        }),
      };
    });
  }
}
