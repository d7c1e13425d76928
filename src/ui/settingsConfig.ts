/**
 * The page's settings as a run config and back (src/core/config/runConfig.ts): what the
 * browser's storage keeps and what a share link carries. The page's basic fields take the
 * TrainingArguments they show; the rest are the advanced overrides.
 */
import { SCRATCH_MODEL_FIELDS, RUN_CONFIG_VERSION, type RunConfig } from '../worker/client';
import { DEFAULT_ARGS, type StudioSettings, type UiArgs } from './defaults';

/** Settings validated field by field (persist.ts passes its validator, to keep imports one way). */
type Validate = (obj: unknown) => StudioSettings;

const BASIC_KEYS = Object.keys(DEFAULT_ARGS) as (keyof UiArgs)[];

/**
 * The model table's from-scratch settings (src/core/config/modelArguments.ts): those the page's
 * model settings hold go into a config and come back from one, with no list kept here.
 */
const MODEL_KEYS = Object.keys(SCRATCH_MODEL_FIELDS);

/** The model table's settings that `sizes` holds. */
function modelSettingsOf(sizes: object): Record<string, unknown> {
  const given = sizes as Record<string, unknown>;
  return Object.fromEntries(
    MODEL_KEYS.filter((k) => given[k] !== undefined && given[k] !== null).map((k) => [k, given[k]]),
  );
}

/** The run config of the page's settings and advanced overrides. */
export function runConfigOfSettings(
  s: StudioSettings,
  overrides: Record<string, unknown>,
): RunConfig {
  const model = modelSettingsOf(s.model);
  const t = s.tokenizer;
  if (t && 'kind' in t) model.tokenizer_name_or_path = t.kind === 'hub' ? t.id : t.name;
  if (t && 'trainVocabSize' in t) {
    model.train_tokenizer_vocab_size = t.trainVocabSize;
    model.train_tokenizer_model = t.model;
  }
  return {
    version: RUN_CONFIG_VERSION,
    data: {
      max_length: s.model.max_length,
      validation_split: s.validationFraction,
      ...(s.columns
        ? {
            text_column: s.columns.text,
            label_column: s.columns.label,
            ...(s.columns.textPair ? { text_pair_column: s.columns.textPair } : {}),
          }
        : {}),
      ...(s.read?.delimiter !== undefined
        ? { delimiter: s.read.delimiter === '\t' ? 'tab' : s.read.delimiter }
        : {}),
      ...(s.read?.hasHeader !== undefined ? { header: s.read.hasHeader } : {}),
    },
    model,
    training: { ...overrides, ...s.args },
    ...(s.workers !== undefined ? { compute: { num_replicas: s.workers } } : {}),
  };
}

/**
 * The run config of a run the page starts: its settings and advanced overrides, and the
 * checkpoint it fine-tunes (`pretrained`: the loaded checkpoint's name), else a model from
 * scratch. The train request and the page's data preparation carry it; the worker resolves it.
 */
export function runConfigOfPage(
  s: StudioSettings,
  overrides: Record<string, unknown>,
  pretrained: string | null,
): RunConfig {
  const config = runConfigOfSettings(s, overrides);
  if (pretrained === null) return config;
  const { tokenizer_name_or_path, train_tokenizer_vocab_size, train_tokenizer_model } =
    config.model;
  return {
    ...config,
    model: {
      model_name_or_path: pretrained,
      ...(tokenizer_name_or_path !== undefined && { tokenizer_name_or_path }),
      ...(train_tokenizer_vocab_size !== undefined && {
        train_tokenizer_vocab_size,
        train_tokenizer_model,
      }),
    },
  };
}

/**
 * Settings and advanced overrides from `config`, over `base`. The page's basic fields take the
 * TrainingArguments they show; the rest become advanced overrides.
 */
export function settingsOfRunConfig(
  config: RunConfig,
  base: StudioSettings,
  validateSettings: Validate,
): { settings: StudioSettings; overrides: Record<string, unknown> } {
  const { data, model, training } = config;
  const args = { ...base.args };
  const overrides: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(training)) {
    if ((BASIC_KEYS as string[]).includes(k)) (args as Record<string, unknown>)[k] = v;
    else overrides[k] = v;
  }
  // The settings validation below keeps those the page's model settings know.
  const sizes: Record<string, unknown> = { ...base.model, ...modelSettingsOf(model) };
  if (typeof data.max_length === 'number') sizes.max_length = data.max_length;
  const columns =
    data.text_column && data.label_column
      ? {
          text: data.text_column,
          label: data.label_column,
          ...(data.text_pair_column ? { textPair: data.text_pair_column } : {}),
        }
      : base.columns;
  let tokenizer = base.tokenizer;
  const tok = model.tokenizer_name_or_path;
  if (typeof model.train_tokenizer_vocab_size === 'number') {
    tokenizer = {
      trainVocabSize: model.train_tokenizer_vocab_size,
      model: model.train_tokenizer_model ?? 'wordpiece',
    };
  } else if (tok === 'bert-base-uncased' || tok === 'bert-base-cased') {
    tokenizer = { kind: 'bundled', name: tok };
  } else if (typeof tok === 'string') {
    tokenizer = { kind: 'hub', id: tok };
  }
  const read = {
    ...(typeof data.delimiter === 'string'
      ? { delimiter: /^(tab|\\t)$/i.test(data.delimiter) ? '\t' : data.delimiter }
      : {}),
    ...(typeof data.header === 'boolean' ? { hasHeader: data.header } : {}),
  };
  // A config's compute part sets the workers (null: one per core); without one, the page's stay.
  const { workers: baseWorkers, ...rest } = base;
  const given = config.compute?.num_replicas;
  const workers = given === undefined ? baseWorkers : (given ?? undefined);
  // Through the settings' own validation, so a config can set nothing the page would not accept.
  const settings = validateSettings({
    ...rest,
    ...(workers !== undefined ? { workers } : {}),
    ...(Object.keys(read).length > 0 ? { read } : {}),
    columns,
    validationFraction: data.validation_split ?? base.validationFraction,
    model: sizes,
    args,
    ...(tokenizer ? { tokenizer } : {}),
  });
  return { settings, overrides };
}
