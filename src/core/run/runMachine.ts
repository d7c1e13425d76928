/**
 * A run's life as a state machine: a pure transition function of (state, event) and the snapshot
 * the worker publishes of it. The one answer to "is a run in progress?" is `isActive(state)`.
 *
 *   idle -> preparing -> training <-> paused
 *                           |           |
 *                           v           v
 *                        stopping ---> finished | failed
 *
 * `start` leaves any settled state (idle, finished, failed); `fail` ends any active one.
 * Pausing and unpausing happen between optimizer steps; continuing a stored run from its
 * checkpoint is a new `start` (a `continueRun`), not an unpause.
 */
import type { LogEntry } from '../train/state';
import type { Progress } from './progress';

export type RunState =
  'idle' | 'preparing' | 'training' | 'paused' | 'stopping' | 'finished' | 'failed';

export type RunEvent =
  | { type: 'start' }
  | { type: 'prepared' }
  | { type: 'pause' }
  | { type: 'unpause' }
  | { type: 'stop' }
  | { type: 'end' }
  | { type: 'fail' };

/** States in which a run is in progress (a second one is refused, the data stays as it is). */
const ACTIVE: ReadonlySet<RunState> = new Set(['preparing', 'training', 'paused', 'stopping']);

/** A run is in progress in `state`. */
export const isActive = (state: RunState): boolean => ACTIVE.has(state);

/** Each state's accepted events and where they lead; an event not listed is refused. */
const TRANSITIONS: Record<RunState, Partial<Record<RunEvent['type'], RunState>>> = {
  idle: { start: 'preparing' },
  preparing: { prepared: 'training', stop: 'stopping', fail: 'failed' },
  training: { pause: 'paused', stop: 'stopping', end: 'finished', fail: 'failed' },
  paused: { unpause: 'training', stop: 'stopping', end: 'finished', fail: 'failed' },
  stopping: { end: 'finished', fail: 'failed', prepared: 'stopping', unpause: 'stopping' },
  finished: { start: 'preparing' },
  failed: { start: 'preparing' },
};

/** The state after `event`, or null when `state` does not accept it. */
export function transition(state: RunState, event: RunEvent): RunState | null {
  return TRANSITIONS[state][event.type] ?? null;
}

/** The last error of a run as the page shows it: its code and message. */
export interface RunError {
  code: string;
  message: string;
}

/**
 * What the worker publishes of its run, as one serialisable object. `log` carries the entries of
 * `logHistory` from index `log.start` on (the ones not yet published; `start` 0 replaces the
 * whole history, as at a run's start and end), so no snapshot copies the whole history again.
 */
export interface RunSnapshot {
  state: RunState;
  /** The stored record's id of the run (null: not recorded, or no run yet). */
  runId: string | null;
  progress: Progress | null;
  log: { start: number; entries: LogEntry[] };
  /** The run's final `eval_` metrics, once it ended. */
  metrics: Record<string, number> | null;
  /** The run ended stopped (by Stop, early stopping) rather than at its last step. */
  stopped: boolean;
  /** A model is there for Try it, evaluation and Export (trained, also while paused). */
  hasModel: boolean;
  /** The data the run trains on: its training file and its validation file (null: a split). */
  data: { fileName: string; validationFileName: string | null } | null;
  error: RunError | null;
}

/** The snapshot before any run. */
export const IDLE_SNAPSHOT: RunSnapshot = {
  state: 'idle',
  runId: null,
  progress: null,
  log: { start: 0, entries: [] },
  metrics: null,
  stopped: false,
  hasModel: false,
  data: null,
  error: null,
};
