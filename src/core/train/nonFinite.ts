/**
 * A step whose loss or gradient norm is not finite, and `nan_policy`: 'stop' raises
 * {@link NonFiniteLossError}; 'skip' leaves the weights as they were and goes on.
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
