/**
 * The page's settings as a run config and back (src/core/config/runConfig.ts): what the
 * browser's storage keeps and what a share link carries. The page's basic fields take the
 * TrainingArguments they show; the rest are the advanced overrides.
 */
import { RUN_CONFIG_VERSION, type RunConfig } from '../worker/client';
import { DEFAULT_ARGS, type StudioSettings, type UiArgs } from './defaults';

/** Settings validated field by field (persist.ts passes its validator, to keep imports one way). */
type Validate = (obj: unknown) => StudioSettings;

const BASIC_KEYS = Object.keys(DEFAULT_ARGS) as (keyof UiArgs)[];

/** The run config of the page's settings and advanced overrides. */
export function runConfigOfSettings(
  s: StudioSettings,
  overrides: Record<string, unknown>,
): RunConfig {
  const model: Record<string, unknown> = {
    hidden_size: s.model.hidden_size,
    num_hidden_layers: s.model.num_hidden_layers,
    num_attention_heads: s.model.num_attention_heads,
    intermediate_size: s.model.intermediate_size,
    hidden_dropout_prob: s.model.hidden_dropout_prob,
    attention_probs_dropout_prob: s.model.attention_probs_dropout_prob,
  };
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
  const sizes = { ...base.model };
  for (const k of [
    'hidden_size',
    'num_hidden_layers',
    'num_attention_heads',
    'intermediate_size',
    'hidden_dropout_prob',
    'attention_probs_dropout_prob',
  ] as const) {
    if (typeof model[k] === 'number') sizes[k] = model[k];
  }
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
  // Through the settings' own validation, so a config can set nothing the page would not accept.
  const settings = validateSettings({
    ...base,
    ...(Object.keys(read).length > 0 ? { read } : {}),
    columns,
    validationFraction: data.validation_split ?? base.validationFraction,
    model: sizes,
    args,
    ...(tokenizer ? { tokenizer } : {}),
  });
  return { settings, overrides };
}
