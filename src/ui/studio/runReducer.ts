/**
 * The run the page shows, as a pure reducer of the worker's run snapshots and the page's own
 * actions (a run asked for, a stored run reopened, the data replaced): its state, progress, log
 * and chart series, throughput, final metrics, evaluation rows and whether a model is there.
 * No flag of its own: "a run is in progress" is the snapshot's state.
 */
import {
  lastEvalMetrics,
  type EvalRows,
  type LogEntry,
  type RunRecord,
  type RunSnapshot,
  type RunState,
  type TaggedEvalDetails,
} from '../../worker/client';
import { formatDateTime, type ShownProgress } from '../format';
import { appendLogs, emptySeries, type Series } from '../series';

/** One throughput sample: training samples per second at a step. */
export interface ThroughputPoint {
  step: number;
  epoch: number;
  value: number;
}

export interface RunView {
  /** The worker's run state (`preparing` from the click on, before its first snapshot). */
  state: RunState;
  progress: ShownProgress | null;
  /** Every log entry of the shown run (the charts derive all their series from it). */
  logs: LogEntry[];
  series: Series;
  /** Training samples/s by step, from progress reports (the logs carry no timing). */
  throughput: ThroughputPoint[];
  finalMetrics: Record<string, number> | null;
  /** The model's validation rows after a run, for the evaluation and mistakes views. */
  evalRows: EvalRows | null;
  /** A token-classification model's evaluation details after a run (then `evalRows` is null). */
  taggedDetails: TaggedEvalDetails | null;
  /** The worker's run has a model (trained, also while paused). */
  hasModel: boolean;
  /** What is shown: the worker's run, a stored run reopened, or nothing. */
  shown: 'live' | 'stored' | null;
}

export type RunAction =
  /** Train was pressed: the last run's views go, `progress` is the estimate shown at once. */
  | { type: 'starting'; progress: ShownProgress | null }
  | { type: 'snapshot'; snapshot: RunSnapshot }
  | { type: 'evalRows'; rows: EvalRows | null; tagged?: TaggedEvalDetails | null }
  /** A stored run opened again: its charts, metrics, last step and evaluation rows. */
  | {
      type: 'stored';
      record: RunRecord;
      rows: EvalRows | null;
      tagged?: TaggedEvalDetails | null;
    }
  /** The data changed (a new training file): what belonged to the old one goes. */
  | { type: 'clear' }
  /** The run's request failed or its worker is gone: no run is in progress any more. */
  | { type: 'workerLost' };

export const INITIAL_RUN_VIEW: RunView = {
  state: 'idle',
  progress: null,
  logs: [],
  series: emptySeries(),
  throughput: [],
  finalMetrics: null,
  evalRows: null,
  taggedDetails: null,
  hasModel: false,
  shown: null,
};

const ACTIVE: ReadonlySet<RunState> = new Set(['preparing', 'training', 'paused', 'stopping']);

/** A run is in progress in `state` (the same states as the worker's `isActive`). */
export const runActive = (state: RunState): boolean => ACTIVE.has(state);

/** The log after a snapshot's `log` part (entries from `start` on; 0 replaces all). */
function nextLogs(view: RunView, log: RunSnapshot['log']): Pick<RunView, 'logs' | 'series'> {
  if (log.start === 0 && (log.entries.length > 0 || view.logs.length > 0)) {
    return { logs: log.entries, series: appendLogs(emptySeries(), log.entries) };
  }
  if (log.entries.length === 0 || log.start !== view.logs.length) {
    return { logs: view.logs, series: view.series };
  }
  return { logs: view.logs.concat(log.entries), series: appendLogs(view.series, log.entries) };
}

function onSnapshot(view: RunView, s: RunSnapshot): RunView {
  // A run's first snapshot: the views of the one shown before go.
  const fresh = s.state === 'preparing' && (view.shown !== 'live' || !runActive(view.state));
  const base = fresh
    ? { ...INITIAL_RUN_VIEW, progress: view.state === 'preparing' ? view.progress : null }
    : view;
  const next: RunView = {
    ...base,
    ...nextLogs(base, s.log),
    state: s.state,
    hasModel: s.hasModel,
    shown: 'live',
  };
  // Rows evaluated while paused are of weights that change again.
  if (view.state === 'paused' && s.state === 'training') {
    next.evalRows = null;
    next.taggedDetails = null;
  }
  const p = s.progress;
  if (p && runActive(s.state)) {
    next.progress = p;
    const t = next.throughput;
    if (p.step > 0 && Number.isFinite(p.samplesPerSecond) && (t.at(-1)?.step ?? -1) < p.step) {
      next.throughput = t.concat({ step: p.step, epoch: p.epoch, value: p.samplesPerSecond });
    }
  }
  if (s.state === 'finished') {
    next.finalMetrics = s.metrics;
    const last = p ?? view.progress;
    next.progress = last && {
      ...last,
      // The last progress report may be older than the last step (they are throttled).
      epoch: next.logs.at(-1)?.epoch ?? last.epoch,
      etaSeconds: 0,
      phase: 'done',
      outcome: s.stopped ? 'stopped' : 'finished',
    };
  }
  return next;
}

export function runReducer(view: RunView, action: RunAction): RunView {
  switch (action.type) {
    case 'starting':
      return { ...INITIAL_RUN_VIEW, state: 'preparing', progress: action.progress, shown: null };
    case 'snapshot':
      return onSnapshot(view, action.snapshot);
    case 'evalRows':
      return { ...view, evalRows: action.rows, taggedDetails: action.tagged ?? null };
    case 'stored': {
      const rec = action.record;
      return {
        ...INITIAL_RUN_VIEW,
        // The worker's run stays what it is; only what is shown changes.
        state: runActive(view.state) ? view.state : 'idle',
        hasModel: view.hasModel,
        logs: rec.logHistory,
        series: appendLogs(emptySeries(), rec.logHistory),
        finalMetrics: rec.metrics ?? lastEvalMetrics(rec.logHistory),
        evalRows: action.rows,
        taggedDetails: action.tagged ?? null,
        shown: 'stored',
        progress: {
          step: rec.globalStep,
          maxSteps: rec.maxSteps,
          epoch: rec.logHistory.at(-1)?.epoch ?? 0,
          samplesPerSecond: NaN,
          etaSeconds: null,
          phase: 'done',
          outcome: rec.status === 'finished' ? 'finished' : 'stopped',
          runOf: formatDateTime(rec.created),
        },
      };
    }
    case 'clear':
      return runActive(view.state) ? view : { ...INITIAL_RUN_VIEW, state: view.state };
    case 'workerLost':
      return runActive(view.state) ? { ...view, state: 'failed', hasModel: false } : view;
  }
}
