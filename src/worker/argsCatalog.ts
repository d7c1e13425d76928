/**
 * Every `TrainingArguments` field as the UI shows it (name, help, kind, default, choices), built
 * from the core's schema so the form and the trainer never disagree.
 */
import {
  ARG_DOCS,
  TRAIN_SAMPLING_STRATEGIES,
  allArgumentsToJson,
  defaultTrainingArguments,
  parseTrainingArguments,
  studioArgumentsToJson,
  trainingArgumentFlagSpecs,
  trainingArgumentsToJson,
  type TrainingArguments,
} from '../core/train/args';
import { splitArgumentsJson } from '../core/config/argsFile';
import { LR_SCHEDULER_TYPES } from '../core/train/schedules';

export interface ArgInfo {
  name: keyof TrainingArguments;
  help: string;
  group: 'basic' | 'advanced';
  kind: 'number' | 'boolean' | 'choice' | 'text' | 'json';
  /** HF's default (null where HF has None). */
  default: unknown;
  choices?: readonly string[];
  /** True when null (HF's None) is allowed. */
  nullable: boolean;
}

const CHOICES: Partial<Record<keyof TrainingArguments, readonly string[]>> = {
  lr_scheduler_type: LR_SCHEDULER_TYPES,
  logging_strategy: ['no', 'steps', 'epoch'],
  eval_strategy: ['no', 'steps', 'epoch'],
  save_strategy: ['no', 'steps', 'epoch', 'best'],
  nan_policy: ['stop', 'skip'],
  train_sampling_strategy: TRAIN_SAMPLING_STRATEGIES,
};

export function argsCatalog(): ArgInfo[] {
  const defaults = defaultTrainingArguments();
  const specs = trainingArgumentFlagSpecs();
  return (Object.keys(ARG_DOCS) as (keyof TrainingArguments)[]).map((name) => {
    const d = defaults[name];
    const spec = specs[name];
    const kind: ArgInfo['kind'] = CHOICES[name]
      ? 'choice'
      : name === 'lr_scheduler_kwargs' || name === 'class_weights'
        ? 'json'
        : spec.type === 'number'
          ? 'number'
          : spec.type === 'boolean'
            ? 'boolean'
            : 'text';
    return {
      name,
      help: ARG_DOCS[name].help,
      group: ARG_DOCS[name].group,
      kind,
      default: d,
      choices: CHOICES[name],
      nullable: d === null,
    };
  });
}

/**
 * Validates arguments as the trainer will (HF's rules); `args` may hold data and model keys too
 * (one arguments JSON, split as HfArgumentParser does). See the protocol's `checkArgs`.
 */
export function checkArgs(args: Record<string, unknown>) {
  const split = splitArgumentsJson(args);
  const parsed = parseTrainingArguments(split.training);
  return {
    args: allArgumentsToJson(parsed.args),
    trainingArgs: trainingArgumentsToJson(parsed.args),
    studioArgs: studioArgumentsToJson(parsed.args),
    data: split.data,
    model: split.model,
    notices: [...split.notices, ...parsed.notices],
  };
}
