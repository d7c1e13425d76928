/**
 * The model a training run starts from (a small model of the default family, BERT, from
 * scratch, or the loaded checkpoint of any family with a head for the data's labels), and the
 * memory such a run would need.
 */
import { scratchModelSettings } from '../config/modelArguments';
import { SequenceClassifier } from '../model/classifier';
import { defaultId2Label } from '../model/config';
import { DEFAULT_FAMILY, familyForModelType, familyOf, type ModelConfig } from '../model/families';
import type { ModelFamily } from '../model/family';
import { estimateTrainingMemory, type MemoryEstimate, type MemoryLimits } from '../model/memory';
import type { Tokenizer } from '../tokenize/tokenizer';
import { modelFromCheckpoint, type PretrainedCheckpoint } from './pretrained';
import type { ModelSpec, Prepared } from './types';
import { StudioError } from '../util/errors';

/** The checkpoint a model was fine-tuned from: its name, and its Hub id when it has one. */
export interface BaseModel {
  name: string;
  hubId: string | null;
}

/**
 * A fresh model for `spec` and the prepared data, with the checkpoint it comes from (null from
 * scratch) and HF's loading warnings ([] from scratch).
 */
export function buildModel(
  spec: ModelSpec,
  p: Prepared,
  tok: Tokenizer,
  pretrained: PretrainedCheckpoint | null,
  seed: number,
): { model: SequenceClassifier; baseModel: BaseModel | null; notices: string[] } {
  // Token classification (a tagged file): AutoModelForTokenClassification's head.
  const head = p.tagged ? 'token' : 'sequence';
  if (spec.kind === 'pretrained') {
    if (!pretrained)
      throw new StudioError('not-ready', 'Load a pretrained model before fine-tuning it.');
    const { model, notices } = modelFromCheckpoint(
      pretrained,
      p.maps,
      p.problemType,
      spec.max_length,
      seed,
      head,
    );
    return { model, baseModel: { name: pretrained.name, hubId: pretrained.hubId }, notices };
  }
  return {
    model: SequenceClassifier.create(scratchFamily(spec), scratchConfig(spec, p, tok), seed, head),
    baseModel: null,
    notices: [],
  };
}

/**
 * The family of a from-scratch model: its `model_type` ('transformer', the default: BERT).
 * Throws 'unsupported-model' for a model_type no family reads.
 */
export function scratchFamily(spec: { model_type?: string }): ModelFamily {
  const t = spec.model_type;
  return t === undefined || t === 'transformer' ? DEFAULT_FAMILY : familyForModelType(t);
}

/** The settings of the model table a from-scratch config takes (its keys; the family aside). */
function scratchConfigSettings(spec: object): Record<string, unknown> {
  const { model_type: _modelType, ...settings } = scratchModelSettings(spec);
  return settings;
}

/** The config of a from-scratch model of `spec` for the prepared data and tokenizer. */
export function scratchConfig(
  spec: Extract<ModelSpec, { kind: 'scratch' }>,
  p: Prepared,
  tok: Tokenizer,
): ModelConfig {
  return scratchFamily(spec).scratchConfig({
    vocabSize: tok.vocabSize,
    maxLength: spec.max_length,
    id2label: p.maps.id2label,
    padTokenId: tok.padId,
    // AutoModelForTokenClassification's config leaves problem_type unset.
    problemType: p.tagged ? null : p.problemType,
    settings: scratchConfigSettings(spec),
  });
}

/**
 * Memory a run of `spec` at `batchSize` would need, against `limits` (see
 * {@link estimateTrainingMemory}), for `numLabels` labels. A pretrained spec takes its shape
 * from `pretrained`; a from-scratch one its vocabulary from `vocabSize` (BERT's 30522 without a
 * tokenizer). `gradientCheckpointing`: TrainingArguments' `gradient_checkpointing`.
 */
export function estimateRunMemory(
  spec: ModelSpec,
  batchSize: number,
  limits: MemoryLimits,
  numLabels: number,
  pretrained: ModelConfig | null,
  vocabSize: number | undefined,
  gradientCheckpointing = false,
): MemoryEstimate {
  let config: ModelConfig;
  if (spec.kind === 'pretrained') {
    if (!pretrained)
      throw new StudioError(
        'not-ready',
        'No pretrained model is loaded: load one, or pick a model trained from scratch.',
      );
    config = { ...pretrained, num_labels: numLabels, id2label: defaultId2Label(numLabels) };
  } else {
    // The family's own config of the sizes (each family maps them to its keys: DistilBERT's
    // dim, n_layers, ...). Settings it refuses while they are edited (a hidden size that is no
    // multiple of the heads) are laid over its default config unchecked, under the table's keys.
    const family = scratchFamily(spec);
    const options = {
      vocabSize: vocabSize ?? 30522,
      maxLength: spec.max_length,
      id2label: defaultId2Label(numLabels),
      padTokenId: 0,
      problemType: null,
    };
    try {
      config = family.scratchConfig({ ...options, settings: scratchConfigSettings(spec) });
    } catch {
      config = { ...family.scratchConfig(options), ...scratchConfigSettings(spec) };
    }
  }
  return estimateTrainingMemory(
    { family: familyOf(config), config },
    { batchSize, seqLength: spec.max_length, gradientCheckpointing },
    limits,
  );
}
