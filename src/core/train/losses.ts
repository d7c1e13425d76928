/**
 * The losses HF's `*ForSequenceClassification` heads compute, by `problem_type`, as tf ops
 * (differentiable, no GPU read-back), matching torch to float32 rounding.
 */
import type { ProblemType } from '../model/config';
import * as tf from '@tensorflow/tfjs';
import { ArgumentsError } from './argsError';

/** HF's `config.problem_type` values. */
export type { ProblemType };

/** Options for {@link crossEntropy} / {@link computeLoss}. */
export interface LossOptions {
  /** `label_smoothing` of torch's CrossEntropyLoss (HF `label_smoothing_factor`), in [0, 1]. */
  labelSmoothing?: number;
  /** Per-class weights, length C (torch's `weight=`). */
  classWeights?: number[];
  /**
   * Divide the summed loss by this instead of the batch's own mean denominator. A share of a
   * batch (data parallelism) passes the whole batch's {@link lossDenominator}, so the shares'
   * losses and gradients add up to the whole batch's exactly. Default: the batch's own.
   */
  denominator?: number;
}

/**
 * `torch.nn.CrossEntropyLoss(weight=classWeights, label_smoothing=eps)` with mean reduction.
 *
 * With weights w and targets y: `nll = sum_i w[y_i] * -logp[i, y_i] / sum_i w[y_i]`; the smoothing
 * term is `sum_i sum_c w[c] * -logp[i, c]` divided by the same `sum_i w[y_i]` (by the number of
 * targets without weights), and the loss is `(1 - eps) * nll + eps / C * smooth` (ATen's
 * `cross_entropy_loss_label_smoothing`). Labels outside [0, C) (e.g. -100) are ignored as torch's
 * `ignore_index` does.
 *
 * @param logits float32 [B, C]
 * @param labels int32 [B]
 * @returns scalar loss
 */
export function crossEntropy(
  logits: tf.Tensor,
  labels: tf.Tensor,
  opts: LossOptions = {},
): tf.Scalar {
  if (logits.rank !== 2)
    throw new Error(`crossEntropy: logits must be [B, C], got [${logits.shape}]`);
  const numClasses = logits.shape[1] as number;
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1))
    throw new Error(`crossEntropy: labelSmoothing must be in [0, 1], got ${eps}`);
  if (opts.classWeights && opts.classWeights.length !== numClasses) {
    throw new Error(
      `crossEntropy: ${opts.classWeights.length} class weights for ${numClasses} classes`,
    );
  }
  // loss = -sum(A * logp) with A[i, c] = ((1 - eps) onehot[i, c] w[c] + eps / C valid[i] w[c]) /
  // denom, so d loss / d logits = softmax * rowsum(A) - A: the gradient is written out (a few
  // kernels) instead of taping the twenty-odd ops of the forward pass.
  const fn = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const z = args[0] as tf.Tensor2D;
    const save = args[1] as tf.GradSaveFunc;
    const { coef, logp } = tf.tidy(() => coefficients(z));
    save([coef, logp]);
    return {
      value: tf.neg(tf.sum(tf.mul(coef, logp))) as tf.Scalar,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [a, lp] = saved;
          const g = tf.sub(tf.mul(tf.exp(lp), tf.sum(a, -1, true)), a);
          return [tf.mul(g, dy)];
        }),
    };
  });
  /** log-softmax of z and the coefficients A. */
  function coefficients(z: tf.Tensor): { coef: tf.Tensor; logp: tf.Tensor } {
    const logp = tf.logSoftmax(z.toFloat(), -1);
    // One-hot rows are all zero for ignored labels (out of range), so they drop out everywhere.
    const oneHot = tf.oneHot(tf.reshape(labels, [-1]).toInt(), numClasses).toFloat();
    const w = opts.classWeights ? tf.tensor1d(opts.classWeights, 'float32') : null;
    const targetW = w ? tf.mul(oneHot, w) : oneHot; // [B, C]
    const denom = opts.denominator !== undefined ? tf.scalar(opts.denominator) : tf.sum(targetW);
    let coef: tf.Tensor = tf.mul(targetW, 1 - eps);
    if (eps > 0) {
      const valid = tf.sum(oneHot, -1, true); // [B, 1]: 1 or 0
      coef = tf.add(coef, tf.mul(w ? tf.mul(valid, w) : valid, eps / numClasses));
    }
    return { coef: tf.div(coef, denom), logp };
  }
  return fn(logits) as tf.Scalar;
}

/**
 * `torch.nn.BCEWithLogitsLoss()` (mean over all elements), in the stable form
 * `max(x, 0) - x * y + log1p(exp(-|x|))`.
 *
 * @param logits float32 [B, L]
 * @param targets float32 [B, L] (multi-hot, or probabilities)
 */
export function bceWithLogits(
  logits: tf.Tensor,
  targets: tf.Tensor,
  opts: Pick<LossOptions, 'denominator'> = {},
): tf.Scalar {
  if (!arraysEqual(logits.shape, targets.shape)) {
    throw new Error(
      `bceWithLogits: logits [${logits.shape}] and targets [${targets.shape}] differ`,
    );
  }
  return tf.tidy(() => {
    const x = logits.toFloat();
    const y = targets.toFloat();
    const loss = tf.add(tf.sub(tf.relu(x), tf.mul(x, y)), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
    return meanOrDiv(loss, opts.denominator);
  });
}

/**
 * `torch.nn.MSELoss()` as HF's regression head calls it: `mse(logits.squeeze(), labels.squeeze())`.
 *
 * @param pred float32 [B] or [B, 1]
 * @param target float32 [B] or [B, 1]
 */
export function mse(
  pred: tf.Tensor,
  target: tf.Tensor,
  opts: Pick<LossOptions, 'denominator'> = {},
): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.reshape(pred, [-1]).toFloat();
    const t = tf.reshape(target, [-1]).toFloat();
    if (p.size !== t.size) {
      throw new Error(
        `mse: predictions [${pred.shape}] and targets [${target.shape}] differ in size`,
      );
    }
    return meanOrDiv(tf.square(tf.sub(p, t)), opts.denominator);
  });
}

/**
 * The loss HF's classification head computes for `problemType`:
 * single-label -> {@link crossEntropy} (labels int32 [B]; smoothing and class weights apply),
 * multi-label -> {@link bceWithLogits} (labels float32 [B, L]),
 * regression -> {@link mse} (logits [B, 1], labels float32 [B]).
 */
export function computeLoss(
  problemType: ProblemType,
  logits: tf.Tensor,
  labels: tf.Tensor,
  opts: LossOptions = {},
): tf.Scalar {
  switch (problemType) {
    case 'single_label_classification':
      return crossEntropy(logits, labels, opts);
    case 'multi_label_classification':
      return bceWithLogits(logits, labels, opts);
    case 'regression':
      return mse(logits, labels, opts);
    default:
      throw new Error(`computeLoss: unknown problem_type '${String(problemType)}'`);
  }
}

/** A head's loss over a batch: logits and labels in, the mean loss out (a differentiable scalar). */
export type LossFunction = (logits: tf.Tensor, labels: tf.Tensor) => tf.Scalar;

/** The options a run's loss keeps for the whole run (the denominator is a batch's own). */
export type HeadLossOptions = Pick<LossOptions, 'labelSmoothing' | 'classWeights'>;

/**
 * The classification head's loss for `problemType` with `opts` bound: the one definition the
 * model's forward pass, the optimizer step (through it) and evaluation all use.
 */
export function headLoss(problemType: ProblemType, opts: LossOptions = {}): LossFunction {
  return (logits, labels) => computeLoss(problemType, logits, labels, opts);
}

/**
 * `<Family>ForTokenClassification`'s loss: `CrossEntropyLoss()(logits.view(-1, C),
 * labels.view(-1))`, the mean over the labelled tokens (labels outside [0, C), i.e. -100 on
 * special tokens, later sub-tokens and padding, are left out, as torch's `ignore_index`).
 * `labelSmoothing` gives what transformers' `LabelSmoother` computes on token logits
 * (`(1 - eps) * nll + eps * sum_c -logp / (N * C)` over the N labelled tokens), the same
 * formula as torch's `label_smoothing`; `classWeights` torch's `weight=` (a weighted mean).
 *
 * Gradient accumulation in transformers 5.18: every `...ForTokenClassification.forward` takes
 * `**kwargs`, so the Trainer sets `model_accepts_loss_kwargs` and passes `num_items_in_batch`
 * (the labels != -100 of all accumulated micro-batches) to the model, whose loss ignores it (a
 * plain `CrossEntropyLoss()` mean per micro-batch); the Trainer then skips its division by
 * `gradient_accumulation_steps`, so the accumulated gradient is the sum of the micro-batches'
 * means, k times their average (`trainer.py` `training_step` / `compute_loss`; with
 * `label_smoothing_factor`, the `LabelSmoother` divides by `num_items_in_batch` instead, the
 * token mean over the whole accumulated batch). The studio's bundle sets
 * `model.accepts_loss_kwargs = False` (as for sequence classification), under which the Trainer
 * divides each micro-batch's mean by the accumulation steps: the average of the micro-batch
 * means, which is what the studio's loop computes. tests/python/token_grad_accumulation.py
 * shows the three gradients (sum of means, their average, token mean) with the Trainer's.
 *
 * @param logits float32 [B, T, C] (or [N, C])
 * @param labels int32 [B, T] (or [N])
 */
export function tokenClassificationLoss(opts: LossOptions = {}): LossFunction {
  return (logits, labels) =>
    tf.tidy(() => {
      const numClasses = logits.shape[logits.rank - 1] as number;
      if (logits.size / numClasses !== labels.size) {
        throw new Error(
          `tokenClassificationLoss: logits [${logits.shape}] and labels [${labels.shape}] ` +
            `differ in tokens`,
        );
      }
      return crossEntropy(tf.reshape(logits, [-1, numClasses]), tf.reshape(labels, [-1]), opts);
    });
}

/**
 * A run's `class_weights` as the loss takes them: 'balanced' from the training labels
 * ({@link balancedClassWeights}), a list as given (one weight per label), none as undefined.
 */
export function resolveClassWeights(
  classWeights: 'balanced' | number[] | null | undefined,
  trainLabels: ArrayLike<number>,
  numLabels: number,
): number[] | undefined {
  if (classWeights === null || classWeights === undefined) return undefined;
  if (classWeights === 'balanced') return balancedClassWeights(trainLabels, numLabels);
  if (classWeights.length !== numLabels) {
    throw new ArgumentsError(
      `class_weights has ${classWeights.length} values but the task has ${numLabels} labels.`,
      'class_weights',
    );
  }
  return classWeights;
}

/**
 * The denominator of the mean {@link computeLoss} takes over a batch, from its labels on the host:
 * `sum_i w[y_i]` over labels in [0, numLabels) for single-label (the number of such labels without
 * class weights), `B * L` for multi-label, `B` for regression. Pass it as
 * {@link LossOptions.denominator} to each share of a split batch.
 *
 * @param labels the batch's labels as the dataset holds them (int class ids, or float rows flat)
 */
export function lossDenominator(
  problemType: ProblemType,
  labels: ArrayLike<number>,
  opts: { numLabels: number; classWeights?: number[] },
): number {
  if (problemType !== 'single_label_classification') return labels.length;
  const w = opts.classWeights;
  let d = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (Number.isInteger(y) && y >= 0 && y < opts.numLabels) d += w ? w[y] : 1;
  }
  return d;
}

/** `mean(x)`, or `sum(x) / denominator` when one is given. */
function meanOrDiv(x: tf.Tensor, denominator: number | undefined): tf.Scalar {
  if (denominator === undefined) return tf.mean(x) as tf.Scalar;
  return tf.div(tf.sum(x), denominator) as tf.Scalar;
}

/**
 * sklearn's `compute_class_weight('balanced', classes=range(numLabels), y=labelIds)`:
 * `n_samples / (n_classes * bincount(y))`. Throws (as sklearn does) when a class has no sample,
 * since its weight would be infinite.
 */
export function balancedClassWeights(labelIds: ArrayLike<number>, numLabels: number): number[] {
  if (!Number.isInteger(numLabels) || numLabels < 1) {
    throw new Error(`balancedClassWeights: numLabels must be a positive integer, got ${numLabels}`);
  }
  const counts = new Array<number>(numLabels).fill(0);
  for (let i = 0; i < labelIds.length; i++) {
    const y = labelIds[i];
    if (!Number.isInteger(y) || y < 0 || y >= numLabels) {
      throw new Error(`balancedClassWeights: label ${y} at row ${i} is not in [0, ${numLabels})`);
    }
    counts[y] += 1;
  }
  const missing = counts.flatMap((c, i) => (c === 0 ? [i] : []));
  if (missing.length > 0) {
    throw new ArgumentsError(
      `class_weights='balanced' needs every class in the training data, but class id(s) ${missing.join(', ')} have no examples; give explicit class_weights or fix the split`,
      'class_weights',
    );
  }
  return counts.map((c) => labelIds.length / (numLabels * c));
}

function arraysEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
