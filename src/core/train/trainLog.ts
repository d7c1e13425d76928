/**
 * What a run logs of its training: each log entry's mean loss over the steps since the previous
 * entry (with the last step's grad norm), and the summary entry at the end with `train_loss`,
 * the mean over the whole run. Steps whose loss was not finite (nan_policy 'skip') are not
 * counted.
 */
import type { LogEntry, TrainSummaryEntry } from './state';

export class TrainLosses {
  private sinceLog = 0;
  private stepsSinceLog = 0;
  private lastNorm = 0;
  private total = 0;
  private steps = 0;

  /** Counts a step with a finite loss and grad norm. */
  add(loss: number, gradNorm: number): void {
    this.sinceLog += loss;
    this.stepsSinceLog += 1;
    this.total += loss;
    this.steps += 1;
    this.lastNorm = gradNorm;
  }

  /**
   * Counts `steps` steps with finite losses summing to `lossSum` at once (a read of the device's
   * step log), the last of them with grad norm `lastNorm`.
   */
  addSteps(lossSum: number, steps: number, lastNorm: number): void {
    if (steps <= 0) return;
    this.sinceLog += lossSum;
    this.stepsSinceLog += steps;
    this.total += lossSum;
    this.steps += steps;
    this.lastNorm = lastNorm;
  }

  /**
   * A log entry's `loss` and `grad_norm`, and a new interval from here.
   * @returns null when no step counted since the last entry
   */
  takeLog(): { loss: number; grad_norm: number } | null {
    if (this.stepsSinceLog === 0) return null;
    const out = { loss: this.sinceLog / this.stepsSinceLog, grad_norm: this.lastNorm };
    this.sinceLog = 0;
    this.stepsSinceLog = 0;
    return out;
  }

  /** `train_loss`: the mean over the counted steps (0 when none). */
  get trainLoss(): number {
    return this.steps > 0 ? this.total / this.steps : 0;
  }
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

/**
 * The entry transformers logs when `train()` ends: runtime (s), throughput of this process's
 * samples and steps, `total_flos` and `train_loss`.
 */
export function trainSummary(run: {
  runtime: number;
  samples: number;
  steps: number;
  totalFlos: number;
  trainLoss: number;
  epoch: number;
  globalStep: number;
}): TrainSummaryEntry {
  return {
    train_runtime: round(run.runtime, 4),
    train_samples_per_second: round(run.samples / Math.max(run.runtime, 1e-9), 3),
    train_steps_per_second: round(run.steps / Math.max(run.runtime, 1e-9), 3),
    total_flos: run.totalFlos,
    train_loss: run.trainLoss,
    epoch: run.epoch,
    step: run.globalStep,
  };
}

/** The `eval_` metrics of a history's last evaluation, or null without one. */
export function lastEvalMetrics(entries: LogEntry[]): Record<string, number> | null {
  const last = entries.findLast((e) => 'eval_loss' in e);
  if (!last) return null;
  return Object.fromEntries(
    Object.entries(last).filter(
      (kv): kv is [string, number] => kv[0].startsWith('eval_') && typeof kv[1] === 'number',
    ),
  );
}
