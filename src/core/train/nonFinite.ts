/**
 * A step whose loss or gradient norm is not finite, and `nan_policy`: 'stop' raises
 * {@link NonFiniteLossError}; 'skip' leaves the weights as they were and goes on.
 *
 * The Trainer learns of such a step late, where it reads its step log back (`stepLog.ts`: at a
 * log entry, an evaluation, a checkpoint or the end of the run), never in the middle of a step:
 * under 'stop' the device applied nothing from the non-finite step on, so the weights are still
 * those of the step before it, and the error names that step and its value; the steps run
 * between it and the read count in `global_step` and reached `on_step_end`, but none changed the
 * weights or the optimizer's moments. See {@link checkStepLog}.
 */

import { StudioError } from '../util/errors';

/** Raised when the loss or the gradients stop being finite. */
export class NonFiniteLossError extends StudioError {
  constructor(
    readonly step: number,
    readonly value: number,
  ) {
    super(
      'non-finite-loss',
      `The training loss became ${value} at step ${step}. Likely causes: a learning rate too ` +
        `high for this model (try 10x lower, or add warmup_steps), or labels outside the ` +
        `expected range. Training stopped; the weights from step ${step - 1} are kept.`,
      'NonFiniteLossError',
    );
  }
}

/** Whether an update may be applied: its loss and gradient norm are both finite. */
export function isFiniteStep(loss: number, gradNorm: number): boolean {
  return Number.isFinite(loss) && Number.isFinite(gradNorm);
}

/**
 * Applies `nan_policy` to update step `step` (1-based) once its values are read.
 * @returns whether the step counts in the logged losses (finite)
 * @throws NonFiniteLossError with 'stop' when the step is not finite
 */
export function checkStep(
  policy: 'stop' | 'skip',
  step: number,
  loss: number,
  gradNorm: number,
): boolean {
  if (isFiniteStep(loss, gradNorm)) return true;
  if (policy === 'stop')
    throw new NonFiniteLossError(step, Number.isFinite(loss) ? gradNorm : loss);
  return false;
}

/**
 * Applies `nan_policy` to what a read of the step log found: with 'stop', the first non-finite
 * step since the previous read raises {@link NonFiniteLossError} (its step and value); with
 * 'skip' its update was not applied and the run goes on.
 */
export function checkStepLog(
  policy: 'stop' | 'skip',
  firstBad: { step: number; value: number } | null,
): void {
  if (firstBad && policy === 'stop') throw new NonFiniteLossError(firstBad.step, firstBad.value);
}
