/**
 * The one run a service (the worker's, the CLI's) holds: its state in the run state machine
 * (`./runMachine.ts`) and the snapshots it publishes. Log entries are not copied: a snapshot
 * reads them from the trainer's own `log_history` (`logOf`), and carries only those not yet
 * published. Snapshots go out on each state change and with each progress report (throttled by
 * `progressCallback`), never more often.
 */
import type { LogEntry } from '../train/state';
import { errorCode } from './errors';
import type { Progress } from './progress';
import {
  IDLE_SNAPSHOT,
  isActive,
  transition,
  type RunEvent,
  type RunSnapshot,
  type RunState,
} from './runMachine';

export class Run {
  private snap: RunSnapshot = IDLE_SNAPSHOT;
  /** Log entries already published (the next snapshot carries those after them). */
  private published = 0;
  /** The run's log history (the trainer's `log_history`; the record's before it starts). */
  private logOf: () => readonly LogEntry[] = () => [];

  constructor(private readonly publish: (snapshot: RunSnapshot) => void = () => {}) {}

  get state(): RunState {
    return this.snap.state;
  }

  /** A run is in progress (preparing, training, paused or stopping). */
  get active(): boolean {
    return isActive(this.snap.state);
  }

  /** The record id of the run in progress, else null. */
  get liveId(): string | null {
    return this.active ? this.snap.runId : null;
  }

  get snapshot(): RunSnapshot {
    return this.snap;
  }

  /**
   * A run starts (a new one or one continued from its checkpoint) on `data`. Its earlier log
   * (a continued run's, up to its checkpoint) is published whole.
   */
  start(data: RunSnapshot['data'], logOf: () => readonly LogEntry[] = () => []): void {
    this.logOf = logOf;
    this.published = 0;
    this.move(
      { type: 'start' },
      {
        runId: null,
        progress: null,
        metrics: null,
        stopped: false,
        hasModel: false,
        data,
        error: null,
      },
    );
  }

  /** The data is prepared and the model built; training starts (`runId`: its record). */
  training(runId: string | null, logOf: () => readonly LogEntry[]): void {
    this.logOf = logOf;
    this.move({ type: 'prepared' }, { runId, hasModel: true });
  }

  /** A progress report of the training loop, with the log entries logged since the last one. */
  progress(progress: Progress): void {
    if (!this.active) return;
    this.update({ progress });
  }

  pause(): boolean {
    return this.move({ type: 'pause' });
  }

  unpause(): boolean {
    return this.move({ type: 'unpause' });
  }

  stop(): boolean {
    return this.move({ type: 'stop' });
  }

  /** The run ended at its last step or stopped; its whole history is published again. */
  end(result: { stopped: boolean; metrics: Record<string, number>; globalStep: number }): void {
    this.published = 0;
    const p = this.snap.progress;
    this.move(
      { type: 'end' },
      {
        metrics: result.metrics,
        stopped: result.stopped,
        progress: p && { ...p, step: result.globalStep, etaSeconds: 0, phase: 'done' },
      },
    );
  }

  /** The run failed with `err` (its code and message go with the snapshot). */
  fail(err: unknown, hasModel: boolean): void {
    this.published = 0;
    const message = err instanceof Error ? err.message : String(err);
    this.move({ type: 'fail' }, { error: { code: errorCode(err), message }, hasModel });
  }

  /** Applies `event` and publishes; false (nothing changes) when the state refuses it. */
  private move(event: RunEvent, fields: Partial<RunSnapshot> = {}): boolean {
    const next = transition(this.snap.state, event);
    if (next === null) return false;
    this.update({ ...fields, state: next });
    return true;
  }

  private update(fields: Partial<RunSnapshot>): void {
    const all = this.logOf();
    const start = Math.min(this.published, all.length);
    this.published = all.length;
    this.snap = { ...this.snap, ...fields, log: { start, entries: all.slice(start) } };
    this.publish(this.snap);
  }
}
