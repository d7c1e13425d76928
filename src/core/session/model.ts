/**
 * The model a training run starts from (a small BERT from scratch, or the loaded checkpoint with
 * a head for the data's labels), and the memory such a run would need.
 */
import { bertScratchSettings } from '../config/modelArguments';
import { BertForSequenceClassification } from '../model/bert';
import { smallBertConfig, type BertConfig } from '../model/config';
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
): { model: BertForSequenceClassification; baseModel: BaseModel | null; notices: string[] } {
  if (spec.kind === 'pretrained') {
    if (!pretrained)
      throw new StudioError('not-ready', 'Load a pretrained model before fine-tuning it.');
    const { model, notices } = modelFromCheckpoint(
      pretrained,
      p.maps,
      p.problemType,
      spec.max_length,
      seed,
    );
    return { model, baseModel: { name: pretrained.name, hubId: pretrained.hubId }, notices };
  }
  return {
    model: BertForSequenceClassification.create(scratchConfig(spec, p, tok), seed),
    baseModel: null,
    notices: [],
  };
}

/** The config of a from-scratch model of `spec` for the prepared data and tokenizer. */
export function scratchConfig(
  spec: Extract<ModelSpec, { kind: 'scratch' }>,
  p: Prepared,
  tok: Tokenizer,
): BertConfig {
  return smallBertConfig({
    vocabSize: tok.vocabSize,
    numLabels: p.maps.labels.length,
    maxLength: spec.max_length,
    id2label: p.maps.id2label,
    padTokenId: tok.padId,
    problemType: p.problemType,
    settings: bertScratchSettings(spec),
  });
}

/**
 * Memory a run of `spec` at `batchSize` would need, against `limits` (see
 * {@link estimateTrainingMemory}), for `numLabels` labels. A pretrained spec takes its shape
 * from `pretrained`; a from-scratch one its vocabulary from `vocabSize` (BERT's 30522 without a
 * tokenizer).
 */
export function estimateRunMemory(
  spec: ModelSpec,
  batchSize: number,
  limits: MemoryLimits,
  numLabels: number,
  pretrained: BertConfig | null,
  vocabSize: number | undefined,
): MemoryEstimate {
  let shape;
  if (spec.kind === 'pretrained') {
    if (!pretrained)
      throw new StudioError(
        'not-ready',
        'No pretrained model is loaded: load one, or pick a model trained from scratch.',
      );
    shape = { ...pretrained, num_labels: numLabels };
  } else {
    shape = {
      vocab_size: vocabSize ?? 30522,
      hidden_size: spec.hidden_size,
      num_hidden_layers: spec.num_hidden_layers,
      num_attention_heads: spec.num_attention_heads,
      intermediate_size: spec.intermediate_size,
      max_position_embeddings: spec.max_length,
      type_vocab_size: 2,
      num_labels: numLabels,
    };
  }
  return estimateTrainingMemory(shape, { batchSize, seqLength: spec.max_length }, limits);
}
