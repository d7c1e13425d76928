/**
 * The bundle's `args.json`: one flat arguments file that train.py's HfArgumentParser splits into
 * ModelArguments, DataArguments, StudioArguments and transformers 5's TrainingArguments (the
 * names `training_args.json` uses), with paths relative to the bundle's folder.
 */
import { studioExtrasSet, trainingArgumentsOf } from '../config/runFiles';
import type { ScriptBundleInput, SplitRows } from './bundleTypes';

/** Where the bundle's parts lie, relative to its folder. */
export const BUNDLE_PATHS = {
  args: 'args.json',
  trainData: 'data/train.jsonl',
  validationData: 'data/validation.jsonl',
  tokenizer: 'tokenizer',
  initialWeights: 'initial_weights',
  checkpoints: 'studio_checkpoint',
  output: 'output',
} as const;

/** TrainingArguments the bundle sets apart from the run's: where to write, and no trackers. */
const OVERRIDES = { output_dir: BUNDLE_PATHS.output, report_to: 'none' };

/**
 * The arguments JSON for `input`. `dataCarried`: the split files are in the bundle (else the
 * run's own file names, split again by train.py as the studio splits); `weightsCarried`: the
 * step-0 weights are.
 */
export function bundleArguments(
  input: ScriptBundleInput,
  dataCarried: boolean,
  weightsCarried: boolean,
): Record<string, unknown> {
  const { data, model } = input;
  const training = trainingArgumentsOf(input.args);
  // The bundle continues from the studio's checkpoint itself (studio_checkpoint below).
  delete training.resume_from_checkpoint;
  const dataArgs: Record<string, unknown> = dataCarried
    ? { train_file: BUNDLE_PATHS.trainData, validation_file: BUNDLE_PATHS.validationData }
    : {
        train_file: data.sourceFile,
        ...(data.validationSourceFile
          ? { validation_file: data.validationSourceFile }
          : { validation_split: data.validationSplit }),
        ...(data.header !== null ? { header: data.header } : {}),
        ...(data.delimiter !== null ? { delimiter: data.delimiter } : {}),
      };
  const modelArgs: Record<string, unknown> = {
    tokenizer_name_or_path: BUNDLE_PATHS.tokenizer,
    ...(model.kind === 'pretrained'
      ? { model_name_or_path: model.base }
      : { model_config: BUNDLE_PATHS.initialWeights }),
    ...(weightsCarried ? { initial_weights: BUNDLE_PATHS.initialWeights } : {}),
    ...(input.checkpoint
      ? { studio_checkpoint: `${BUNDLE_PATHS.checkpoints}/checkpoint-${input.checkpoint.step}` }
      : {}),
  };
  if (data.tagged) {
    return {
      ...modelArgs,
      ...dataArgs,
      task: 'token-classification',
      max_length: data.maxLength,
      label_list: data.labels,
      label_all_tokens: data.tagged.labelAllTokens,
      ...studioExtrasSet(input.args),
      ...training,
      ...OVERRIDES,
    };
  }
  return {
    ...modelArgs,
    ...dataArgs,
    text_column: data.textColumn,
    ...(data.textPairColumn ? { text_pair_column: data.textPairColumn } : {}),
    label_column: data.labelColumn,
    max_length: data.maxLength,
    problem_type: data.problemType,
    label_list: data.labels,
    ...(data.labelDelimiter ? { label_delimiter: data.labelDelimiter } : {}),
    ...studioExtrasSet(input.args),
    ...training,
    ...OVERRIDES,
  };
}

/**
 * JSON Lines of a split, one object per row under the run's own column names (a tagged split:
 * `tokens` and `ner_tags` as tag names, as a Hub dataset exports them).
 */
export function splitJsonl(
  rows: SplitRows,
  columns: { text: string; label: string; textPair?: string },
): string {
  if (rows.tagged) {
    const { tokens, tags } = rows.tagged;
    const tagged = tokens.map((t, i) => JSON.stringify({ tokens: t, ner_tags: tags[i] }));
    return tagged.length > 0 ? `${tagged.join('\n')}\n` : '';
  }
  const lines = rows.texts.map((text, i) =>
    JSON.stringify({
      [columns.text]: text,
      ...(rows.pairs && columns.textPair ? { [columns.textPair]: rows.pairs[i] } : {}),
      [columns.label]: rows.labels[i],
    }),
  );
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
