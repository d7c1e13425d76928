/** A run's live progress as the page shows it, from the trainer's callbacks. */
import type { TrainerCallback } from '../train/callbacks';
import type { LogEntry } from '../train/state';

/** Live progress, sent at most a few times per second. */
export interface Progress {
  step: number;
  maxSteps: number;
  epoch: number;
  /** Training samples per second over the run so far. */
  samplesPerSecond: number;
  /** Estimated seconds to the end, null before the first steps. */
  etaSeconds: number | null;
  phase: 'preparing' | 'training' | 'evaluating' | 'done';
}

/** Minimum time between two progress events, ms (keeps the UI thread quiet). */
export const PROGRESS_INTERVAL_MS = 200;

/**
 * A callback reporting progress at most every `intervalMs` (and always at the last step) and
 * every log entry.
 */
export function progressCallback(
  onProgress: (p: Progress) => void,
  onLog: (entry: LogEntry) => void,
  intervalMs = PROGRESS_INTERVAL_MS,
): TrainerCallback {
  let last = 0;
  return {
    on_step_end(_args, state) {
      const t = performance.now();
      if (t - last < intervalMs && state.global_step < state.max_steps) return;
      last = t;
      const rate = state.elapsed > 0 ? state.global_step / state.elapsed : 0;
      onProgress({
        step: state.global_step,
        maxSteps: state.max_steps,
        epoch: state.epoch,
        samplesPerSecond: state.elapsed > 0 ? state.samples_seen / state.elapsed : 0,
        etaSeconds: rate > 0 ? (state.max_steps - state.global_step) / rate : null,
        phase: 'training',
      });
    },
    on_log(_args, _state, _control, entry) {
      onLog(entry);
    },
  };
}
