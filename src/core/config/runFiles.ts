/**
 * The one serializer of a run's settings. From a resolved run (`resolveRun.ts`), or a run the
 * session describes by its model spec (`recordedRunOf`), it writes every file and object that
 * carries them: `training_args.json`, `studio_args.json` (in the CLI's output folder, the page's
 * model zip and a stored run's export), the script bundle's arguments, the run config a run
 * record stores and the share link's config. The same run gives the same bytes wherever it is
 * written.
 */
import {
  allArgumentsToJson,
  parseTrainingArguments,
  studioArgumentsToJson,
  trainingArgumentsToJson,
  type TrainingArguments,
} from '../train/args';
import { STUDIO_ARGS_FILE } from './argsFile';
import type { DataArguments } from './dataArguments';
import {
  SCRATCH_MODEL_FIELDS,
  scratchModelSettings,
  type ScratchModelSettings,
  type ModelArguments,
} from './modelArguments';
import { resolveRun, type ResolvedModel, type ResolvedRun, type RunColumns } from './resolveRun';
import { RUN_CONFIG_VERSION, type RunConfig } from './runConfig';
import { shareLinkHash } from './shareLink';

export { STUDIO_ARGS_FILE };
export const TRAINING_ARGS_FILE = 'training_args.json';

/**
 * What the run files record of a run: its TrainingArguments, the tokens per row and columns it
 * read, and its model. A {@link ResolvedRun} is one; `recordedRunOf` makes one from a session's
 * model spec.
 */
export interface RecordedRun {
  training: TrainingArguments;
  data: { max_length: number; columns: Partial<RunColumns> | null };
  /** null: a model loaded rather than trained (no model arguments recorded). */
  model: ResolvedModel | null;
}

/**
 * A run the session describes: its model spec (`kind` and, from scratch, the model table's
 * settings; see src/core/session/types.ts), TrainingArguments, columns and max_length.
 */
export function recordedRunOf(run: {
  spec: { kind: 'scratch' | 'pretrained' } | null | undefined;
  args: TrainingArguments;
  columns?: { text: string; label: string; textPair?: string } | null;
  maxLength: number;
  /** The checkpoint fine-tuned, when named. */
  base?: string | null;
}): RecordedRun {
  const c = run.columns;
  return {
    training: run.args,
    data: {
      max_length: run.maxLength,
      columns: c ? { text: c.text, label: c.label, text_pair: c.textPair ?? null } : null,
    },
    model: !run.spec
      ? null
      : run.spec.kind === 'scratch'
        ? { architecture: 'bert', source: 'scratch', ...scratchModelSettings(run.spec) }
        : { architecture: 'bert', source: 'pretrained', model_name_or_path: run.base ?? null },
  };
}

const json = (x: unknown) => JSON.stringify(x, null, 2);

/** The model arguments a from-scratch model is re-created from, in the table's order. */
function scratchArguments(model: ScratchModelSettings): Record<string, unknown> {
  const out: Record<string, unknown> = { model_type: 'transformer' };
  for (const k of Object.keys(SCRATCH_MODEL_FIELDS) as (keyof ScratchModelSettings)[]) {
    if (model[k] !== null && model[k] !== undefined) out[k] = model[k];
  }
  return out;
}

/**
 * `studio_args.json` as an object: the studio's extras to TrainingArguments (class_weights,
 * nan_policy, early stopping), then the run's data arguments (max_length, columns) and, for a
 * model trained from scratch, its model arguments (model_type and every setting of the model
 * table), in the flat form `--args_json` and the page's import read back. No file paths.
 */
export function studioArgsOf(run: RecordedRun): Record<string, unknown> {
  const out: Record<string, unknown> = { ...studioArgumentsToJson(run.training) };
  out.max_length = run.data.max_length;
  const c = run.data.columns;
  if (c?.text) out.text_column = c.text;
  if (c?.label) out.label_column = c.label;
  if (c?.text_pair) out.text_pair_column = c.text_pair;
  if (run.model?.source === 'scratch') Object.assign(out, scratchArguments(run.model));
  return out;
}

/** `studio_args.json`'s text. */
export function studioArgsJson(run: RecordedRun): string {
  return json(studioArgsOf(run));
}

/** `training_args.json`'s text: every TrainingArguments field under transformers' names. */
export function trainingArgsJson(training: TrainingArguments): string {
  return json(trainingArgumentsToJson(training));
}

/** `training_args.json` and `studio_args.json` of `run`, by file name. */
export function runArgumentFiles(run: RecordedRun): Record<string, string> {
  return {
    [TRAINING_ARGS_FILE]: trainingArgsJson(run.training),
    [STUDIO_ARGS_FILE]: studioArgsJson(run),
  };
}

/** The studio's extras to TrainingArguments that are set (the script bundle's args.json). */
export function studioExtrasSet(training: TrainingArguments): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(studioArgumentsToJson(training)).filter(
      ([, v]) => v !== null && v !== undefined,
    ),
  );
}

/** TrainingArguments as training_args.json names them (the script bundle's args.json). */
export function trainingArgumentsOf(training: TrainingArguments): Record<string, unknown> {
  return trainingArgumentsToJson(training);
}

/**
 * Every TrainingArguments value at transformers' default (the studio's extras at theirs), as
 * training_args.json names them: what a run config's training part leaves out.
 */
export function trainingDefaults(): Record<string, unknown> {
  return allArgumentsToJson(parseTrainingArguments({}).args);
}

/** The TrainingArguments of `training` that differ from transformers' defaults. */
function trainingSet(training: TrainingArguments): Record<string, unknown> {
  const defaults = trainingDefaults();
  const all = allArgumentsToJson(training);
  return Object.fromEntries(
    Object.entries(all).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(defaults[k])),
  );
}

/**
 * The run config of a resolved run, as a run record stores it and a share link carries it:
 * the data and model arguments that define it (no file sizes) and the TrainingArguments that
 * differ from transformers' defaults. `resolveRun(runConfigOf(run), ref)` resolves to `run`
 * again.
 */
export function runConfigOf(run: ResolvedRun): RunConfig {
  const d = run.data;
  const data: Partial<DataArguments> = {
    ...(d.train_file !== null ? { train_file: d.train_file } : {}),
    ...(d.validation_file !== null
      ? { validation_file: d.validation_file }
      : { validation_split: d.validation_split }),
    ...(d.columns.text !== null ? { text_column: d.columns.text } : {}),
    ...(d.columns.label !== null ? { label_column: d.columns.label } : {}),
    ...(d.columns.text_pair !== null ? { text_pair_column: d.columns.text_pair } : {}),
    max_length: d.max_length,
    ...(d.header !== null ? { header: d.header } : {}),
    ...(d.delimiter !== null ? { delimiter: d.delimiter === '\t' ? 'tab' : d.delimiter } : {}),
    ...(d.task !== 'auto' ? { task: d.task } : {}),
    ...(d.label_names !== null ? { label_names: d.label_names } : {}),
    ...(d.label_all_tokens ? { label_all_tokens: true } : {}),
  };
  const t = d.tokenizer;
  const model: Partial<ModelArguments> = {
    ...(t.source === 'named' ? { tokenizer_name_or_path: t.name_or_path } : {}),
    ...(t.source === 'trained'
      ? { train_tokenizer_vocab_size: t.vocab_size, train_tokenizer_model: t.model }
      : {}),
  };
  if (run.model.source === 'pretrained') {
    if (run.model.model_name_or_path !== null) {
      model.model_name_or_path = run.model.model_name_or_path;
    }
  } else {
    const { architecture: _a, source: _s, ...settings } = run.model;
    Object.assign(model, settings);
  }
  return { version: RUN_CONFIG_VERSION, data, model, training: trainingSet(run.training) };
}

/** The share link's hash (`#config=...`) of a resolved run. */
export function shareLinkOf(run: ResolvedRun): string {
  return shareLinkHash(runConfigOf(run));
}

/**
 * The share link's hash of `config` (the page's settings): {@link shareLinkOf} of the run it
 * resolves to, with the config's `compute` part (`studio train --config` reads it too). A config that does not resolve (an advanced argument the page keeps but
 * TrainingArguments refuses) is carried as it is, for the page that opens it to say what.
 */
export function shareLinkOfConfig(config: RunConfig): string {
  let run: ResolvedRun;
  try {
    run = resolveRun(config);
  } catch {
    return shareLinkHash(config);
  }
  // Where the run computes (the page's Workers) is no part of the resolved run: kept as set.
  if (!config.compute) return shareLinkOf(run);
  return shareLinkHash({ ...runConfigOf(run), compute: config.compute });
}

/** {@link runArgumentFiles} as UTF-8 bytes (for a zip). */
export function runArgumentFileBytes(run: RecordedRun): Record<string, Uint8Array> {
  const enc = new TextEncoder();
  return Object.fromEntries(
    Object.entries(runArgumentFiles(run)).map(([name, text]) => [name, enc.encode(text)]),
  );
}

/**
 * The recorded run of a stored run record (its model spec and preparation, as JSON from an
 * earlier visit) trained with `training`. Values it lacks are left out of studio_args.json, or
 * take the model table's defaults.
 */
export function recordedRunOfStored(
  rec: { model: Record<string, unknown>; prepare: Record<string, unknown> },
  training: TrainingArguments,
): RecordedRun {
  const c = rec.prepare.columns as Record<string, unknown> | undefined;
  const str = (x: unknown) => (typeof x === 'string' ? x : undefined);
  const kind = rec.model.kind;
  const maxLength = rec.prepare.maxLength ?? rec.model.max_length;
  return recordedRunOf({
    spec: kind === 'scratch' || kind === 'pretrained' ? { ...rec.model, kind } : null,
    args: training,
    columns:
      c && str(c.text) && str(c.label)
        ? { text: str(c.text) as string, label: str(c.label) as string, textPair: str(c.textPair) }
        : null,
    maxLength: typeof maxLength === 'number' ? maxLength : 0,
  });
}
