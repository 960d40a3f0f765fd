import { describe, expect, it } from 'vitest';
import { resolveJobOptions, validateSetOption } from './index.ts';
import { pointed, setsIn, summary } from './testing.ts';

function set(text: string) {
  const source = `SET ${text};`;
  const [stmt] = setsIn(source);
  const r = validateSetOption(stmt!);
  return { ...r, at: (i = 0) => pointed(source, r.diagnostics[i]!) };
}

describe('validateSetOption', () => {
  it('accepts every sq key and normalises values', () => {
    expect(set(`'checkpoint.dir' = './chk/orders'`)).toMatchObject({
      key: 'checkpoint.dir',
      value: './chk/orders',
      diagnostics: [],
    });
    expect(set(`'checkpoint.interval' = '30s'`)).toMatchObject({ key: 'checkpoint.interval', value: '30 s' });
    expect(set(`'checkpoint.retained' = '5'`)).toMatchObject({ key: 'checkpoint.retained', value: '5' });
    expect(set(`'trigger.interval' = '0'`)).toMatchObject({ key: 'trigger.interval', value: '0 ms' });
    expect(set(`'trigger.mode' = 'Available-Now'`)).toMatchObject({ key: 'trigger.mode', value: 'available-now' });
    expect(set(`'pipeline.name' = 'orders job'`)).toMatchObject({ key: 'pipeline.name', value: 'orders job' });
  });

  it("accepts Flink's spellings as aliases", () => {
    expect(set(`'execution.checkpointing.interval' = '1 min'`)).toMatchObject({
      key: 'checkpoint.interval',
      value: '1 min',
      diagnostics: [],
    });
    expect(set(`'state.checkpoints.dir' = '/tmp/c'`)).toMatchObject({ key: 'checkpoint.dir', diagnostics: [] });
    expect(set(`'state.checkpoints.num-retained' = '2'`)).toMatchObject({
      key: 'checkpoint.retained',
      diagnostics: [],
    });
  });

  it('rejects unknown keys with a did-you-mean (SQ0505), at the key', () => {
    const r = set(`'checkpoint.intervl' = '5 s'`);
    expect(summary(r.diagnostics)).toEqual([`error SQ0505 unknown SET option 'checkpoint.intervl'`]);
    expect(r.diagnostics[0]!.notes).toEqual([`help: did you mean 'checkpoint.interval'?`]);
    expect(r.at()).toBe(`'checkpoint.intervl'`);
    expect(r.key).toBeNull();
    const far = set(`'colour' = 'blue'`);
    expect(far.diagnostics[0]!.notes).toEqual([
      'help: SET options: pipeline.name, checkpoint.dir, checkpoint.interval, checkpoint.retained, trigger.interval, trigger.mode, pipeline.scale-out, pipeline.scale-out.session-timeout, pipeline.scale-out.repartition-partitions',
    ]);
  });

  it('suggests the sq key for a misspelt Flink alias', () => {
    expect(set(`'state.checkpoint.dir' = 'x'`).diagnostics[0]!.notes).toEqual([`help: did you mean 'checkpoint.dir'?`]);
    expect(set(`'pipeline.nme' = 'x'`).diagnostics[0]!.code).toBe('SQ0505');
    // A real Flink key a few edits from an sq key is still just ignored.
    expect(summary(set(`'pipeline.jars' = 'x'`).diagnostics)).toEqual([
      `warning SQ0902 'pipeline.jars' is a Flink option that sqc ignores`,
    ]);
  });

  it('warns about Flink keys sqc ignores (SQ0902)', () => {
    const r = set(`'parallelism.default' = '4'`);
    expect(summary(r.diagnostics)).toEqual([`warning SQ0902 'parallelism.default' is a Flink option that sqc ignores`]);
    expect(r.key).toBeNull();
    expect(summary(set(`'table.exec.mini-batch.enabled' = 'true'`).diagnostics)).toEqual([
      `warning SQ0902 'table.exec.mini-batch.enabled' is a Flink option that sqc ignores`,
    ]);
    expect(set(`'execution.runtime-mode' = 'batch'`).diagnostics[0]!.notes).toEqual([
      "help: SET 'trigger.mode' = 'available-now' runs a job over what exists, then stops",
    ]);
  });

  it('rejects invalid values (SQ0505), at the value', () => {
    const d = set(`'checkpoint.interval' = 'often'`);
    expect(summary(d.diagnostics)).toEqual([`error SQ0505 'checkpoint.interval' = 'often' is not a duration`]);
    expect(d.at()).toBe(`'often'`);
    expect(d.diagnostics[0]!.notes).toEqual([
      `help: write a number and a unit, e.g. '500 ms', '10 s', '1 min' or '1 h'`,
    ]);
    const m = set(`'trigger.mode' = 'continous'`);
    expect(summary(m.diagnostics)).toEqual([
      `error SQ0505 'trigger.mode' = 'continous' is not one of 'continuous', 'available-now'`,
    ]);
    expect(m.diagnostics[0]!.notes).toEqual([`help: did you mean 'continuous'?`]);
    expect(set(`'checkpoint.retained' = '0'`).diagnostics[0]!.message).toBe(
      `'checkpoint.retained' = '0' must be at least 1`,
    );
    expect(set(`'trigger.interval' = '-1 s'`).diagnostics[0]!.message).toBe(
      `'trigger.interval' = '-1 s' must not be negative`,
    );
    expect(set(`'checkpoint.dir' = ''`).diagnostics[0]!.message).toBe(`'checkpoint.dir' = '' is empty`);
  });
});

describe('resolveJobOptions', () => {
  it('has the documented defaults', () => {
    expect(resolveJobOptions([])).toEqual({
      pipelineName: null,
      checkpointDir: null,
      checkpointIntervalMs: 10_000,
      checkpointRetained: 3,
      triggerIntervalMs: 0,
      triggerMode: 'continuous',
      raw: {
        'checkpoint.interval': '10 s',
        'checkpoint.retained': '3',
        'trigger.interval': '0 ms',
        'trigger.mode': 'continuous',
      },
    });
  });

  it('applies SETs in order (the last wins), aliases included', () => {
    const o = resolveJobOptions(
      setsIn(`SET 'checkpoint.dir' = './chk'; SET 'checkpoint.interval' = '1 s'; SET 'execution.checkpointing.interval' = '2 s';
              SET 'trigger.mode' = 'available-now'; SET 'trigger.interval' = '500 ms'; SET 'pipeline.name' = 'p';
              SET 'checkpoint.retained' = '10'`),
    );
    expect(o).toMatchObject({
      pipelineName: 'p',
      checkpointDir: './chk',
      checkpointIntervalMs: 2_000,
      checkpointRetained: 10,
      triggerIntervalMs: 500,
      triggerMode: 'available-now',
    });
    expect(o.raw['checkpoint.interval']).toBe('2 s');
  });

  it('skips invalid and unknown SETs but keeps ignored Flink pairs in raw', () => {
    const o = resolveJobOptions(
      setsIn(`SET 'checkpoint.interval' = 'often'; SET 'nope' = '1'; SET 'parallelism.default' = '4'`),
    );
    expect(o.checkpointIntervalMs).toBe(10_000);
    expect(o.raw['nope']).toBeUndefined();
    expect(o.raw['parallelism.default']).toBe('4');
  });
});
