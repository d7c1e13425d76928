/**
 * Arguments files as `HfArgumentParser.parse_json_file` reads them: one JSON object may hold the
 * data and model arguments of a training script beside `TrainingArguments`, and is split by key.
 * Also the studio's own file, `studio_args.json` (written by `runFiles.ts` beside
 * `training_args.json` with what transformers' `TrainingArguments` has no field for), read back
 * with it.
 */
import { ArgumentsError } from '../train/args';
import { DATA_FIELDS, type DataArguments } from './dataArguments';
import { MODEL_FIELDS, type ScratchModelSettings } from './modelArguments';

export { STUDIO_ARGS_FILE } from '../train/args';

/** Data arguments (`DataTrainingArguments` in transformers' example scripts). */
export const DATA_ARGUMENT_KEYS = Object.keys(DATA_FIELDS) as (keyof typeof DATA_FIELDS)[];

/** Model arguments (`ModelArguments` in transformers' example scripts, plus the studio's sizes). */
export const MODEL_ARGUMENT_KEYS = Object.keys(MODEL_FIELDS) as (keyof typeof MODEL_FIELDS)[];

export type DataArgumentKey = keyof typeof DATA_FIELDS;
export type ModelArgumentKey = keyof typeof MODEL_FIELDS;

/** Names transformers' example scripts (run_glue.py, run_classification.py) use for ours. */
const SCRIPT_ALIASES: Record<string, DataArgumentKey | ModelArgumentKey> = {
  max_seq_length: 'max_length',
  tokenizer_name: 'tokenizer_name_or_path',
};

/** One arguments JSON split into its parts; `training` goes to `parseTrainingArguments`. */
export interface SplitArguments {
  training: Record<string, unknown>;
  data: Partial<Record<DataArgumentKey, unknown>>;
  model: Partial<Record<ModelArgumentKey, unknown>>;
  notices: string[];
}

/**
 * Splits an arguments object by key, as HfArgumentParser does across its dataclasses: data and
 * model keys out, everything else left for TrainingArguments (which names unknown keys).
 * `source` names the file in messages.
 */
export function splitArgumentsJson(input: unknown, source = 'the arguments file'): SplitArguments {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ArgumentsError(`${source} must hold a JSON object of arguments.`, 'args_json');
  }
  const out: SplitArguments = { training: {}, data: {}, model: {}, notices: [] };
  for (const [rawKey, value] of Object.entries(input as Record<string, unknown>)) {
    const key = SCRIPT_ALIASES[rawKey] ?? rawKey;
    if (key !== rawKey) {
      if (key in input) {
        throw new ArgumentsError(
          `${source} sets both '${rawKey}' and '${key}'; they are the same argument: keep one.`,
          key,
        );
      }
      out.notices.push(`Read '${rawKey}' (transformers' example scripts) as '${key}'.`);
    }
    if ((DATA_ARGUMENT_KEYS as readonly string[]).includes(key)) {
      out.data[key as DataArgumentKey] = value;
    } else if ((MODEL_ARGUMENT_KEYS as readonly string[]).includes(key)) {
      out.model[key as ModelArgumentKey] = value;
    } else {
      out.training[key] = value;
    }
  }
  return out;
}

/**
 * The data and model arguments of a run that `studio_args.json` records (no file paths): the
 * data arguments it read and, from scratch, the model table's settings. Derived from the
 * tables; `config/runFiles.ts` (`studioArgsOf`) writes them.
 */
export type RecordedRunArguments = { max_length: number; model_type?: 'transformer' } & Partial<
  Pick<DataArguments, 'text_column' | 'label_column' | 'text_pair_column'>
> &
  Partial<ScratchModelSettings>;
