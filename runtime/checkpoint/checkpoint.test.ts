/**
 * The checkpoint protocol in process: a job with a hop aggregate and a session aggregate (to
 * file sinks and a memory sink) and a stateless branch is made to fail at every fault point of
 * the protocol, then restarted from its checkpoint; the files must equal a run that was never
 * interrupted, byte for byte, and no hidden file may be left over.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmitMode, JobSpec, SinkBatch } from '../index.ts';
import { defineJob } from '../engine/job.ts';
import {
  EV_FIELDS,
  WIN_FIELDS,
  disorderedEvents,
  evSource,
  jobSpec,
  sinkSpec,
  windowQueries,
  type Ev,
} from '../testing/specs.ts';
import { FAULT_POINTS, armFault, faultCount, resetFaults } from './faults.ts';

afterEach(() => resetFaults());

function spec(emit: EmitMode, dir: string): JobSpec {
  const src = evSource('events', {
    delayMs: 3_000,
    connector: 'file',
    options: { path: join(dir, 'events.jsonl'), 'scan.batch-size': '7' },
  });
  return jobSpec(
    [src],
    [
      sinkSpec('out', WIN_FIELDS, 'file', { path: join(dir, 'out', 'hop.jsonl') }),
      sinkSpec('sessions', WIN_FIELDS, 'file', { path: join(dir, 'out', 'sessions.csv') }),
      sinkSpec('copy', EV_FIELDS, 'file', { path: join(dir, 'out', 'copy.jsonl') }),
      sinkSpec('mem', WIN_FIELDS),
    ],
    [
      ...windowQueries(src, emit, ['out', 'mem'], 'sessions'),
      {
        name: 'copy',
        emit: 'final',
        build: (q) => {
          const out = q.sink<Ev>('copy');
          q.input(src, (r) => {
            if (r.v !== null && r.v % 3 !== 0) out.write(r);
          });
        },
      },
    ],
  );
}

function fresh(): string {
  const d = mkdtempSync(join(tmpdir(), 'sqc-ckpt-'));
  writeFileSync(
    join(d, 'events.jsonl'),
    disorderedEvents(100)
      .map((e) => JSON.stringify(e) + '\n')
      .join(''),
  );
  return d;
}

interface Run {
  readonly error: Error | null;
  readonly mem: Map<string, string>;
  readonly notices: string[];
}

async function run(dir: string, emit: EmitMode, set: Record<string, string>, mem: Map<string, string>): Promise<Run> {
  const notices: string[] = [];
  const job = defineJob(spec(emit, dir), {
    sinks: {
      mem: {
        json: true,
        onBatch: (b: SinkBatch) => {
          const key = `${b.query}#${b.batchId}`;
          const text = JSON.stringify([b.kinds, b.rows]);
          // a batch delivered again (at-least-once) must be the same batch
          if (mem.has(key)) expect(text, `re-delivered ${key}`).toBe(mem.get(key));
          mem.set(key, text);
        },
      },
    },
    set,
  });
  job.on('notice', (m) => notices.push(m));
  let error: Error | null = null;
  try {
    await job.run();
  } catch (e) {
    error = e as Error;
  }
  return { error, mem, notices };
}

function outputs(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(join(dir, 'out')).sort())
    out[f] = f.startsWith('.') && f.endsWith('.manifest') ? '(manifest)' : readFileSync(join(dir, 'out', f), 'utf8');
  return out;
}

describe('crash at a fault point, restart from the checkpoint', () => {
  for (const emit of ['final', 'changes'] as const) {
    it(`gives exactly the output of an uninterrupted run (${emit})`, async () => {
      for (const interval of ['0', '1 h']) {
        const base = fresh();
        resetFaults();
        const set = {
          'checkpoint.dir': join(base, 'chk'),
          'checkpoint.interval': interval,
          'checkpoint.retained': '2',
        };
        const straight = await run(base, emit, set, new Map());
        expect(straight.error).toBeNull();
        const reached = new Map(FAULT_POINTS.map((p) => [p, faultCount(p)]));
        const expected = outputs(base);
        expect(expected['hop.jsonl']!.split('\n').length).toBeGreaterThan(20);
        expect(Object.keys(expected)).toEqual([
          '.copy.jsonl.manifest',
          '.hop.jsonl.manifest',
          '.sessions.csv.manifest',
          'copy.jsonl',
          'hop.jsonl',
          'sessions.csv',
        ]);

        for (const point of FAULT_POINTS) {
          const count = reached.get(point)!;
          if (point === 'log.write' || point === 'state.write' || point === 'sink.write') continue;
          if (point.startsWith('kafka.')) continue; // test/kafka/exactly-once.test.ts
          if (interval === '0' || point.startsWith('state.')) expect(count, `${point} is reached`).toBeGreaterThan(0);
          if (count === 0) continue; // not on this path (e.g. no cleanup with a long interval)
          for (const n of new Set([1, Math.ceil(count / 3), count])) {
            const d = fresh();
            const setD = { ...set, 'checkpoint.dir': join(d, 'chk') };
            const mem = new Map<string, string>();
            resetFaults();
            armFault(point, n, 'throw');
            const first = await run(d, emit, setD, mem);
            resetFaults();
            const what = `${point}:${n} interval ${interval}`;
            expect(first.error?.message, what).toContain(`injected fault at ${point}`);
            const second = await run(d, emit, setD, mem);
            expect(second.error, what).toBeNull();
            expect(second.notices[0], what).toMatch(/^resuming from checkpoint /);
            expect(outputs(d), what).toEqual(expected);
            expect([...mem.entries()].sort(), what).toEqual([...straight.mem.entries()].sort());
          }
        }
      }
    });
  }
});
