/**
 * The run state machine (core/run/runMachine.ts) and the `Run` that publishes its snapshots
 * (core/run/run.ts): every accepted and refused transition, and snapshots that carry each log
 * entry once (the log read from the trainer's own history, not copied).
 */
import { describe, expect, it } from 'vitest';
import { Run } from '../../src/core/run/run';
import { isActive, transition, type RunState } from '../../src/core/run/runMachine';
import { StudioError } from '../../src/core/run/errors';
import type { RunSnapshot } from '../../src/core/run/runMachine';
import type { LogEntry } from '../../src/core/train/state';

const STATES: RunState[] = [
  'idle',
  'preparing',
  'training',
  'paused',
  'stopping',
  'finished',
  'failed',
];

describe('run state machine', () => {
  it('goes idle -> preparing -> training <-> paused -> stopping -> finished', () => {
    let s: RunState = 'idle';
    const path: RunState[] = [s];
    for (const type of ['start', 'prepared', 'pause', 'unpause', 'pause', 'stop', 'end'] as const) {
      const next = transition(s, { type });
      expect(next, `${s} --${type}-->`).not.toBeNull();
      s = next!;
      path.push(s);
    }
    expect(path).toEqual([
      'idle',
      'preparing',
      'training',
      'paused',
      'training',
      'paused',
      'stopping',
      'finished',
    ]);
  });

  it('refuses what a state does not accept', () => {
    expect(transition('idle', { type: 'pause' })).toBeNull();
    expect(transition('idle', { type: 'end' })).toBeNull();
    expect(transition('training', { type: 'start' })).toBeNull();
    expect(transition('paused', { type: 'start' })).toBeNull();
    expect(transition('preparing', { type: 'pause' })).toBeNull();
    expect(transition('finished', { type: 'unpause' })).toBeNull();
    expect(transition('failed', { type: 'stop' })).toBeNull();
    expect(transition('stopping', { type: 'pause' })).toBeNull();
  });

  it('starts again only from a settled state, and fails from any active one', () => {
    for (const s of STATES) {
      expect(transition(s, { type: 'start' }) !== null, s).toBe(!isActive(s));
      expect(transition(s, { type: 'fail' }), s).toBe(isActive(s) ? 'failed' : null);
    }
    expect(STATES.filter(isActive)).toEqual(['preparing', 'training', 'paused', 'stopping']);
  });
});

describe('Run', () => {
  const entry = (step: number) => ({ loss: 1 / step, step, epoch: step / 10 }) as LogEntry;
  const progress = (step: number) => ({
    step,
    maxSteps: 10,
    epoch: step / 10,
    samplesPerSecond: 8,
    etaSeconds: 1,
    phase: 'training' as const,
  });

  it('publishes each log entry once, and the whole log at the end', () => {
    const snaps: RunSnapshot[] = [];
    const run = new Run((s) => snaps.push(s));
    const log: LogEntry[] = [];
    run.start({ fileName: 'a.csv', validationFileName: 'b.csv' });
    expect(run.active).toBe(true);
    run.training('run-1', () => log);
    log.push(entry(1), entry(2));
    run.progress(progress(2));
    log.push(entry(3));
    run.progress(progress(3));
    run.progress(progress(3));
    run.end({ stopped: false, metrics: { eval_accuracy: 0.84 }, globalStep: 3 });
    expect(snaps.map((s) => s.state)).toEqual([
      'preparing',
      'training',
      'training',
      'training',
      'training',
      'finished',
    ]);
    expect(snaps.map((s) => [s.log.start, s.log.entries.map((e) => e.step)])).toEqual([
      [0, []],
      [0, []],
      [0, [1, 2]],
      [2, [3]],
      [3, []],
      [0, [1, 2, 3]],
    ]);
    const last = snaps.at(-1)!;
    expect(last).toMatchObject({
      runId: 'run-1',
      hasModel: true,
      metrics: { eval_accuracy: 0.84 },
      data: { fileName: 'a.csv', validationFileName: 'b.csv' },
      error: null,
    });
    expect(last.progress).toMatchObject({ step: 3, phase: 'done', etaSeconds: 0 });
    expect(run.active).toBe(false);
    expect(run.liveId).toBeNull();
    // Serialisable as it crosses to the page.
    expect(structuredClone(last)).toEqual(last);
  });

  it('pauses and unpauses only while training, and fails with the error’s code', () => {
    const snaps: RunSnapshot[] = [];
    const run = new Run((s) => snaps.push(s));
    expect(run.pause()).toBe(false);
    run.start(null);
    expect(run.pause()).toBe(false); // still preparing
    run.training(null, () => []);
    expect(run.pause()).toBe(true);
    expect(run.state).toBe('paused');
    expect(run.active).toBe(true);
    expect(run.unpause()).toBe(true);
    run.fail(new StudioError('device-lost', 'The GPU device was lost.'), true);
    expect(snaps.at(-1)).toMatchObject({
      state: 'failed',
      hasModel: true,
      error: { code: 'device-lost', message: 'The GPU device was lost.' },
    });
    expect(run.unpause()).toBe(false);
  });
});
