/**
 * The loss of a run's task: the classification head's by `problem_type` (`headLoss`), or for a
 * token-classification split (labels per token) the token head's cross-entropy over the
 * labelled tokens (`tokenClassificationLoss`). The one choice the training step, the
 * gradient sources and evaluation share.
 */
import type { ProblemType } from '../model/config';
import type { TrainingArguments } from './args';
import type { LabeledDataset } from './dataset';
import { ArgumentsError } from './argsError';
import { headLoss, tokenClassificationLoss, type LossFunction, type LossOptions } from './losses';

/** The loss for `problemType`, or the token head's when `tagged`. */
export function taskLoss(
  problemType: ProblemType,
  opts: LossOptions,
  tagged: boolean,
): LossFunction {
  return tagged ? tokenClassificationLoss(opts) : headLoss(problemType, opts);
}

/**
 * Whether `train` is a token-classification split; refuses the arguments that do not apply to
 * token classification (class_weights).
 */
export function checkTaskArguments(
  args: Pick<TrainingArguments, 'class_weights'>,
  train: LabeledDataset,
): boolean {
  const tagged = train.tagged !== undefined;
  if (!tagged || args.class_weights === null || args.class_weights === undefined) return tagged;
  throw new ArgumentsError(
    "class_weights do not apply to token classification: its loss is the token head's " +
      "cross-entropy over labelled tokens, as AutoModelForTokenClassification's. Leave " +
      'class_weights out.',
    'class_weights',
  );
}
