/**
 * The page's run view (src/ui/studio/runReducer.ts) as a pure reducer of the worker's snapshots
 * and the page's actions: a run's log built from snapshot deltas, the end's whole history
 * replacing it, a paused run's model, a stored run shown, a new data file clearing the views;
 * and the prepared dataset's reducer (src/ui/studio/prepareReducer.ts).
 */
import { describe, expect, it } from 'vitest';
import { IDLE_SNAPSHOT, type RunSnapshot } from '../../src/core/run/runMachine';
import type { RunRecord } from '../../src/core/io/runStore';
import type { LogEntry } from '../../src/core/train/state';
import type { EvalRows } from '../../src/core/train/evalDetails';
import type { DataReport } from '../../src/core/data/report';
import type { DatasetSummary } from '../../src/core/session';
import { INITIAL_PREPARE_VIEW, prepareReducer } from '../../src/ui/studio/prepareReducer';
import {
  INITIAL_RUN_VIEW,
  runActive,
  runReducer,
  type RunAction,
  type RunView,
} from '../../src/ui/studio/runReducer';

const entry = (step: number, extra: Record<string, number> = {}) =>
  ({ loss: 1 / step, step, epoch: step / 4, ...extra }) as LogEntry;
const progress = (step: number) => ({
  step,
  maxSteps: 4,
  epoch: step / 4,
  samplesPerSecond: 16,
  etaSeconds: 4 - step,
  phase: 'training' as const,
});
const snap = (fields: Partial<RunSnapshot>): RunAction => ({
  type: 'snapshot',
  snapshot: { ...IDLE_SNAPSHOT, ...fields },
});
const reduce = (actions: RunAction[], from: RunView = INITIAL_RUN_VIEW) =>
  actions.reduce(runReducer, from);

const ROWS = { labelNames: ['a', 'b'] } as unknown as EvalRows;

describe('runReducer', () => {
  const training = (): RunAction[] => [
    { type: 'starting', progress: { ...progress(0), phase: 'preparing' } },
    snap({ state: 'preparing' }),
    snap({ state: 'training', hasModel: true }),
    snap({
      state: 'training',
      hasModel: true,
      progress: progress(2),
      log: { start: 0, entries: [entry(1), entry(2)] },
    }),
    snap({
      state: 'training',
      hasModel: true,
      progress: progress(3),
      log: { start: 2, entries: [entry(3)] },
    }),
  ];

  it('builds the log from snapshot deltas, with throughput, while the run is active', () => {
    const v = reduce(training());
    expect(runActive(v.state)).toBe(true);
    expect(v.logs.map((e) => e.step)).toEqual([1, 2, 3]);
    expect(v.throughput.map((t) => t.step)).toEqual([2, 3]);
    expect(v.progress?.step).toBe(3);
    // A delta that does not continue the log is not appended twice.
    const again = runReducer(
      v,
      snap({ state: 'training', log: { start: 2, entries: [entry(3)] } }),
    );
    expect(again.logs.map((e) => e.step)).toEqual([1, 2, 3]);
  });

  it('ends with the whole history, the final metrics and the progress line at the end', () => {
    const v = reduce([
      ...training(),
      snap({
        state: 'finished',
        hasModel: true,
        stopped: true,
        metrics: { eval_accuracy: 0.84 },
        log: { start: 0, entries: [entry(1), entry(2), entry(3), entry(4)] },
      }),
    ]);
    expect(v.state).toBe('finished');
    expect(runActive(v.state)).toBe(false);
    expect(v.logs).toHaveLength(4);
    expect(v.finalMetrics).toEqual({ eval_accuracy: 0.84 });
    expect(v.progress).toMatchObject({ outcome: 'stopped', phase: 'done', epoch: 1 });
  });

  it('a paused run keeps its model; its evaluation goes once it trains on', () => {
    const paused = reduce([...training(), snap({ state: 'paused', hasModel: true })]);
    expect([paused.state, paused.hasModel]).toEqual(['paused', true]);
    const evaluated = runReducer(paused, { type: 'evalRows', rows: ROWS });
    expect(evaluated.evalRows).toBe(ROWS);
    const on = runReducer(evaluated, snap({ state: 'training', hasModel: true }));
    expect(on.evalRows).toBeNull();
  });

  it('a new run clears the last one’s views; a stored run shows its own', () => {
    const done = reduce([
      ...training(),
      snap({ state: 'finished', hasModel: true, metrics: { eval_accuracy: 0.5 } }),
      { type: 'evalRows', rows: ROWS },
    ]);
    const next = reduce([snap({ state: 'preparing' })], done);
    expect([next.logs, next.evalRows, next.finalMetrics]).toEqual([[], null, null]);

    const rec = {
      id: 'run-x',
      created: Date.UTC(2026, 0, 2, 3, 4),
      status: 'finished',
      logHistory: [entry(1), entry(2, { eval_loss: 0.4, eval_accuracy: 0.84 })],
      metrics: null,
      globalStep: 2,
      maxSteps: 2,
    } as unknown as RunRecord;
    const shown = runReducer(done, { type: 'stored', record: rec, rows: ROWS });
    expect(shown.shown).toBe('stored');
    expect(shown.logs).toBe(rec.logHistory);
    expect(shown.finalMetrics).toEqual({ eval_loss: 0.4, eval_accuracy: 0.84 });
    expect(shown.evalRows).toBe(ROWS);
    expect(shown.progress).toMatchObject({ step: 2, outcome: 'finished' });
  });

  it('a new data file clears the views of the last run, not a run in progress', () => {
    const done = reduce([...training(), snap({ state: 'finished', hasModel: true })]);
    const cleared = runReducer(done, { type: 'clear' });
    expect([cleared.logs, cleared.progress, cleared.evalRows, cleared.hasModel]).toEqual([
      [],
      null,
      null,
      false,
    ]);
    const live = reduce(training());
    expect(runReducer(live, { type: 'clear' })).toBe(live);
  });

  it('a failed request or a lost worker ends a run in progress', () => {
    const v = runReducer(reduce(training()), { type: 'workerLost' });
    expect(v.state).toBe('failed');
    expect(runActive(v.state)).toBe(false);
  });
});

describe('prepareReducer', () => {
  const summary = { trainRows: 9 } as unknown as DatasetSummary;
  const report = { rows: 10 } as unknown as DataReport;

  it('shows the latest request’s answer only', () => {
    let v = prepareReducer(INITIAL_PREPARE_VIEW, { type: 'request', key: 'a' });
    v = prepareReducer(v, { type: 'request', key: 'b' });
    expect([v.requested, v.seq, v.preparing]).toEqual(['b', 2, true]);
    v = prepareReducer(v, { type: 'prepared', seq: 1, key: 'a', summary });
    expect([v.prepared, v.preparing]).toEqual([null, true]);
    v = prepareReducer(v, { type: 'prepared', seq: 2, key: 'b', summary });
    expect([v.prepared, v.preparing]).toEqual([{ key: 'b', summary }, false]);
    v = prepareReducer(v, { type: 'report', seq: 2, key: 'b', report });
    expect(v.report).toEqual({ key: 'b', report });
  });

  it('a failure or a new worker makes the data prepare again', () => {
    let v = prepareReducer(INITIAL_PREPARE_VIEW, { type: 'request', key: 'a' });
    v = prepareReducer(v, { type: 'failed', seq: 1 });
    expect([v.requested, v.prepared, v.preparing]).toEqual(['', null, false]);
    v = prepareReducer(v, { type: 'request', key: 'a' });
    v = prepareReducer(v, { type: 'reset' });
    expect(v.requested).toBe('');
    // The old worker's late answer is not shown.
    expect(prepareReducer(v, { type: 'prepared', seq: 2, key: 'a', summary }).prepared).toBeNull();
  });
});
