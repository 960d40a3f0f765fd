/**
 * The scale-out assignor (docs/scale-out.md): tasks 0..n-1 (one per input partition index)
 * spread over the members of the job's consumer group, balanced and sticky.
 *
 * - **Balanced**: every member gets ⌊n/m⌋ or ⌈n/m⌉ tasks.
 * - **Sticky**: a member keeps the tasks it owned before (its claim, sent in the JoinGroup
 *   metadata) up to its quota; only the surplus and the tasks of members that left move. The
 *   ⌈n/m⌉ quotas go to the members that claim the most, so a rebalance that adds or removes one
 *   member moves as few tasks as balance allows.
 * - **Conflicting claims** (a stalled member that was dropped rejoins still claiming what was
 *   reassigned meanwhile): the claim of the later generation wins.
 *
 * Pure and deterministic: the group leader runs it; every input order gives the same result.
 */

export interface TaskClaim {
  readonly memberId: string;
  /** Tasks the member owned in the generation it last took part in. */
  readonly tasks: readonly number[];
  /** That generation (-1: a new member, no claim). */
  readonly generation: number;
}

/** Tasks per member id, each list ascending. Every task in 0..taskCount-1 goes to exactly one member. */
export function assignTasks(taskCount: number, claims: readonly TaskClaim[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  if (claims.length === 0) return out;
  const members = [...claims].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  for (const m of members) out.set(m.memberId, []);
  // who claims each task: the claim of the latest generation (ties: the first member by id)
  const claimant = new Map<number, TaskClaim>();
  for (const m of members)
    for (const t of m.tasks) {
      if (!Number.isInteger(t) || t < 0 || t >= taskCount) continue;
      const c = claimant.get(t);
      if (c === undefined || m.generation > c.generation) claimant.set(t, m);
    }
  const kept = new Map<string, number[]>();
  for (const m of members) kept.set(m.memberId, []);
  for (const [t, m] of [...claimant].sort((a, b) => a[0] - b[0])) kept.get(m.memberId)!.push(t);
  // quotas: ⌈n/m⌉ to the `extra` members with the most valid claims, ⌊n/m⌋ to the rest
  const base = Math.floor(taskCount / members.length);
  let extra = taskCount % members.length;
  const quota = new Map<string, number>();
  const byClaims = [...members].sort((a, b) => kept.get(b.memberId)!.length - kept.get(a.memberId)!.length);
  for (const m of byClaims) quota.set(m.memberId, base + (extra-- > 0 ? 1 : 0));
  const free: number[] = [];
  for (const m of members) {
    const mine = kept.get(m.memberId)!;
    const q = quota.get(m.memberId)!;
    out.get(m.memberId)!.push(...mine.slice(0, q));
    free.push(...mine.slice(q));
  }
  const owned = new Set<number>();
  for (const ts of out.values()) for (const t of ts) owned.add(t);
  for (let t = 0; t < taskCount; t++) if (!owned.has(t) && !free.includes(t)) free.push(t);
  free.sort((a, b) => a - b);
  // the free tasks fill the members below their quota, emptiest first (ties: by id)
  for (const t of free) {
    let best: TaskClaim | null = null;
    for (const m of members) {
      const n = out.get(m.memberId)!.length;
      if (n >= quota.get(m.memberId)!) continue;
      if (best === null || n < out.get(best.memberId)!.length) best = m;
    }
    out.get(best!.memberId)!.push(t);
  }
  for (const ts of out.values()) ts.sort((a, b) => a - b);
  return out;
}

/** How many tasks change owner from `before` to `after` (tasks without an owner before do not count). */
export function movedTasks(
  before: ReadonlyMap<string, readonly number[]>,
  after: ReadonlyMap<string, readonly number[]>,
): number {
  const owner = new Map<number, string>();
  for (const [m, ts] of before) for (const t of ts) owner.set(t, m);
  let moved = 0;
  for (const [m, ts] of after) for (const t of ts) if (owner.has(t) && owner.get(t) !== m) moved++;
  return moved;
}
