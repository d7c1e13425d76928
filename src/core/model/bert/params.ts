/**
 * The parameter set of HF's `BertForSequenceClassification` (names, PyTorch shapes and how
 * `_init_weights` initialises each: `model/init.ts`): the embeddings, the shared encoder layers
 * (`encoderLayer.ts`), the pooler and the classifier.
 */
import { bertLayerNames, encoderLayerSpecs, layerNormSpecs, linearSpecs } from '../encoderLayer';
import type { HeadKind, ParamSpec } from '../family';
import { tokenHeadSpecs } from '../tokenHead';
import type { BertConfig } from './config';

/** Names of the classification head (newly initialised when a checkpoint lacks them). */
export const HEAD_PARAMS = ['classifier.weight', 'classifier.bias'] as const;

/** BERT's embedding tables and LayerNorm, by parameter name. */
export const BERT_EMBEDDINGS = {
  word: 'bert.embeddings.word_embeddings.weight',
  position: 'bert.embeddings.position_embeddings.weight',
  tokenType: 'bert.embeddings.token_type_embeddings.weight',
  norm: 'bert.embeddings.LayerNorm',
} as const;

/** The module names of BERT's encoder layer `i`. */
export const bertLayer = (i: number) => bertLayerNames(`bert.encoder.layer.${i}`);

/**
 * Every parameter of `BertForSequenceClassification(config)` in HF's `named_parameters()` order;
 * with head 'token' of `BertForTokenClassification(config)` (no pooler: `add_pooling_layer=False`).
 */
export function bertParamSpecs(config: BertConfig, head: HeadKind = 'sequence'): ParamSpec[] {
  const H = config.hidden_size;
  const specs: ParamSpec[] = [
    { name: BERT_EMBEDDINGS.word, shape: [config.vocab_size, H], kind: 'word_embeddings' },
    { name: BERT_EMBEDDINGS.position, shape: [config.max_position_embeddings, H], kind: 'normal' },
    { name: BERT_EMBEDDINGS.tokenType, shape: [config.type_vocab_size, H], kind: 'normal' },
    ...layerNormSpecs(BERT_EMBEDDINGS.norm, H),
  ];
  for (let i = 0; i < config.num_hidden_layers; i++) {
    specs.push(...encoderLayerSpecs(bertLayer(i), H, config.intermediate_size));
  }
  if (head === 'sequence') specs.push(...linearSpecs('bert.pooler.dense', H, H));
  specs.push(...tokenHeadSpecs(config.num_labels, H));
  return specs;
}

/** Name -> PyTorch shape of every parameter (handy as `readSafetensors`'s `expected`). */
export function bertParamShapes(config: BertConfig): Map<string, number[]> {
  return new Map(bertParamSpecs(config).map((s) => [s.name, s.shape]));
}
