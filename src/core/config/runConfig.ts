/**
 * A run's configuration in one typed, versioned object: `{ version, data, model, training }`,
 * each part holding the values set (data and model arguments as
 * src/core/config defines them, TrainingArguments under transformers' names). It is what a share
 * link carries and the flat arguments JSON `--args_json` reads; older shapes (the stored run
 * records and page settings before it) are migrated by `runConfigFromLegacy`.
 */
import { z } from 'zod';
import { allArgumentsToJson, parseTrainingArguments } from '../train/args';
import { StudioError } from '../util/errors';
import { COMPUTE_FIELDS, type ComputeArguments } from './computeArguments';
import { DATA_FIELDS, type DataArguments } from './dataArguments';
import type { ConfigField } from './fields';
import { SCRATCH_MODEL_FIELDS, MODEL_FIELDS, type ModelArguments } from './modelArguments';

export const RUN_CONFIG_VERSION = 1;

export interface RunConfig {
  version: typeof RUN_CONFIG_VERSION;
  data: Partial<DataArguments>;
  model: Partial<ModelArguments>;
  /** TrainingArguments set (training_args.json's names); the rest take transformers' defaults. */
  training: Record<string, unknown>;
  /**
   * Where the run computes (the page's workers: `computeArguments.ts`); absent in configs from
   * before it, and never in the flat arguments JSON (the CLI's `--num_replicas` is a flag, which
   * `studio train --config` fills from here).
   */
  compute?: Partial<ComputeArguments>;
}

const envelope = z.object({
  version: z.number().int(),
  data: z.record(z.string(), z.unknown()).default({}),
  model: z.record(z.string(), z.unknown()).default({}),
  training: z.record(z.string(), z.unknown()).default({}),
  compute: z.record(z.string(), z.unknown()).optional(),
});

/** A config that could not be read: `message` says what and where. */
export class RunConfigError extends StudioError {
  constructor(message: string) {
    super('arguments', message, 'RunConfigError');
  }
}

/**
 * Checks one part against its fields: unknown keys and bad values are left out with a notice
 * naming them (the rest of the config still applies). Values given are kept, defaults included:
 * the page's defaults are not always the config's.
 */
function checkPart<T>(
  part: Record<string, unknown>,
  fields: Record<string, ConfigField>,
  where: string,
  notices: string[],
): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(part)) {
    const f = fields[k];
    if (!f) {
      notices.push(`Left out ${where}.${k}: not a ${where} argument.`);
      continue;
    }
    if (v === undefined) continue;
    const r = f.schema.safeParse(v);
    if (r.success) out[k] = r.data;
    else notices.push(`Left out ${where}.${k} ${JSON.stringify(v)}: ${f.help}.`);
  }
  return out as Partial<T>;
}

/** Older TrainingArguments names and the fields parseTrainingArguments reads them into. */
const RENAMED: Record<string, string> = {
  evaluation_strategy: 'eval_strategy',
  warmup_ratio: 'warmup_steps',
  group_by_length: 'train_sampling_strategy',
};

/** The TrainingArguments given in `training`, validated, under their current names. */
function checkTraining(
  training: Record<string, unknown>,
  notices: string[],
): Record<string, unknown> {
  const parsed = parseTrainingArguments(training);
  notices.push(...parsed.notices);
  const all = allArgumentsToJson(parsed.args);
  // Values HF's post-init derives (eval_steps from logging_steps...) are kept only when given,
  // under their current names (warmup_ratio given is warmup_steps kept).
  const given = new Set(Object.keys(training).map((k) => RENAMED[k] ?? k));
  return Object.fromEntries(Object.entries(all).filter(([k]) => given.has(k)));
}

/**
 * Reads a run config (the current version or an older shape) into a valid one.
 * @throws RunConfigError when it is not a config at all, or its TrainingArguments are invalid.
 */
export function parseRunConfig(input: unknown): { config: RunConfig; notices: string[] } {
  const notices: string[] = [];
  const raw =
    input && typeof input === 'object' && !('version' in input)
      ? runConfigFromLegacy(input as Record<string, unknown>, notices)
      : input;
  const e = envelope.safeParse(raw);
  if (!e.success) {
    throw new RunConfigError(
      'This is not a run config: it needs version, data, model and training.',
    );
  }
  if (e.data.version > RUN_CONFIG_VERSION) {
    throw new RunConfigError(
      `This run config is version ${e.data.version}; this studio reads up to version ` +
        `${RUN_CONFIG_VERSION}. Open it with a newer studio.`,
    );
  }
  let training: Record<string, unknown>;
  try {
    training = checkTraining(e.data.training, notices);
  } catch (err) {
    throw new RunConfigError(`Its training arguments are invalid: ${(err as Error).message}`);
  }
  return {
    config: {
      version: RUN_CONFIG_VERSION,
      data: checkPart<DataArguments>(e.data.data, DATA_FIELDS, 'data', notices),
      model: checkPart<ModelArguments>(e.data.model, MODEL_FIELDS, 'model', notices),
      training,
      ...(e.data.compute
        ? {
            compute: checkPart<ComputeArguments>(
              e.data.compute,
              COMPUTE_FIELDS,
              'compute',
              notices,
            ),
          }
        : {}),
    },
    notices,
  };
}

/**
 * Today's stored shapes before the run config: a run record's `{ model, prepare, args }` (model
 * spec, preparation options, TrainingArguments) and the page settings' `{ columns,
 * validationFraction, model, args }`. Returns the version-1 envelope.
 */
export function runConfigFromLegacy(
  old: Record<string, unknown>,
  notices: string[] = [],
): Record<string, unknown> {
  const obj = (v: unknown): Record<string, unknown> =>
    v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  const model = obj(old.model);
  const prepare = obj(old.prepare);
  const columns = obj(prepare.columns ?? old.columns);
  const data: Record<string, unknown> = {
    text_column: columns.text,
    label_column: columns.label,
    text_pair_column: columns.textPair,
    validation_split: prepare.validationFraction ?? old.validationFraction,
    max_length: prepare.maxLength ?? model.max_length,
  };
  const sizes: Record<string, unknown> = {};
  // Every setting of the model table's from-scratch model the record holds.
  for (const k of Object.keys(SCRATCH_MODEL_FIELDS)) {
    if (k in model) sizes[k] = model[k];
  }
  if (model.kind === 'pretrained' && typeof model.name === 'string') {
    sizes.model_name_or_path = model.name;
  }
  notices.push('Read an older settings or run record as a version 1 run config.');
  return {
    version: RUN_CONFIG_VERSION,
    data: Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined)),
    model: sizes,
    training: obj(old.args),
  };
}

/** The config as one flat arguments JSON (what `--args_json` and the page's import read). */
export function argumentsJsonOf(config: RunConfig): Record<string, unknown> {
  return { ...config.data, ...config.model, ...config.training };
}
