import { describe, expect, it } from 'vitest';
import { assignTasks, movedTasks, type TaskClaim } from './assignor.ts';

const fresh = (...ids: string[]): TaskClaim[] => ids.map((memberId) => ({ memberId, tasks: [], generation: -1 }));

function claimsOf(a: Map<string, number[]>, generation: number): TaskClaim[] {
  return [...a].map(([memberId, tasks]) => ({ memberId, tasks, generation }));
}

function check(a: Map<string, number[]>, taskCount: number): void {
  const all = [...a.values()].flat().sort((x, y) => x - y);
  expect(all).toEqual([...Array(taskCount).keys()]);
  const sizes = [...a.values()].map((t) => t.length);
  expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
}

describe('assignTasks', () => {
  it('spreads tasks evenly over new members, each task to exactly one', () => {
    const a = assignTasks(6, fresh('c', 'a', 'b'));
    check(a, 6);
    expect(a).toEqual(
      new Map([
        ['a', [0, 3]],
        ['b', [1, 4]],
        ['c', [2, 5]],
      ]),
    );
    check(assignTasks(7, fresh('a', 'b', 'c')), 7);
    // more members than tasks: the surplus members are spares with none
    const spare = assignTasks(2, fresh('a', 'b', 'c'));
    check(spare, 2);
    expect([...spare.values()].filter((t) => t.length === 0)).toHaveLength(1);
  });

  it('is the same for every order of the members', () => {
    const claims: TaskClaim[] = [
      { memberId: 'x', tasks: [0, 1, 2], generation: 3 },
      { memberId: 'y', tasks: [3, 4, 5], generation: 3 },
      { memberId: 'z', tasks: [], generation: -1 },
    ];
    const a = assignTasks(6, claims);
    expect(assignTasks(6, [...claims].reverse())).toEqual(a);
    expect(assignTasks(6, [claims[2]!, claims[0]!, claims[1]!])).toEqual(a);
  });

  it('moves only what balance needs when a member joins or leaves', () => {
    const two = assignTasks(6, fresh('a', 'b'));
    check(two, 6);
    const three = assignTasks(6, [...claimsOf(two, 1), ...fresh('c')]);
    check(three, 6);
    expect(movedTasks(two, three)).toBe(2); // c takes one from each
    expect(three.get('a')!.every((t) => two.get('a')!.includes(t))).toBe(true);
    // b leaves: its two tasks move, a and c keep theirs
    const left = assignTasks(
      6,
      claimsOf(three, 2).filter((c) => c.memberId !== 'b'),
    );
    check(left, 6);
    expect(movedTasks(three, left)).toBe(2); // only b's
    for (const m of ['a', 'c']) expect(three.get(m)!.every((t) => left.get(m)!.includes(t))).toBe(true);
  });

  it('gives a task claimed twice to the claim of the later generation', () => {
    // z stalled past its session timeout in generation 2; x took over its tasks in generation 3
    const a = assignTasks(4, [
      { memberId: 'x', tasks: [0, 1, 2, 3], generation: 3 },
      { memberId: 'z', tasks: [2, 3], generation: 2 },
    ]);
    check(a, 4);
    expect(a.get('x')!.length).toBe(2);
    expect(movedTasks(new Map([['x', [0, 1, 2, 3]]]), a)).toBe(2);
  });

  it('ignores claims of tasks that no longer exist', () => {
    const a = assignTasks(2, [
      { memberId: 'a', tasks: [0, 5, 7], generation: 1 },
      { memberId: 'b', tasks: [1, 6], generation: 1 },
    ]);
    expect(a).toEqual(
      new Map([
        ['a', [0]],
        ['b', [1]],
      ]),
    );
  });
});
