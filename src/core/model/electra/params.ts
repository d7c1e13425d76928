/**
 * `ElectraForSequenceClassification`'s parameters (HF names and PyTorch shapes, in
 * `named_parameters()` order): BERT's embeddings at `embedding_size`, `embeddings_project` when
 * that differs from `hidden_size`, BERT's encoder layers, no pooler, and the head
 * `classifier.dense` + `classifier.out_proj`. `_init_weights` is the shared one (normal(0,
 * initializer_range) weights, zero biases, LayerNorm 1/0, the padding row zeroed).
 */
import { bertLayerNames, encoderLayerSpecs, layerNormSpecs, linearSpecs } from '../encoderLayer';
import type { HeadKind, ParamSpec } from '../family';
import { tokenHeadSpecs } from '../tokenHead';
import type { ElectraConfig } from './config';

/** The classification head (reinitialised on a num_labels change). */
export const ELECTRA_HEAD_PARAMS = [
  'classifier.dense.weight',
  'classifier.dense.bias',
  'classifier.out_proj.weight',
  'classifier.out_proj.bias',
] as const;

export const ELECTRA_EMBEDDINGS = {
  word: 'electra.embeddings.word_embeddings.weight',
  position: 'electra.embeddings.position_embeddings.weight',
  tokenType: 'electra.embeddings.token_type_embeddings.weight',
  norm: 'electra.embeddings.LayerNorm',
} as const;

/** The Linear from `embedding_size` to `hidden_size`, present only when they differ. */
export const ELECTRA_PROJECTION = 'electra.embeddings_project';

/** Whether the model has {@link ELECTRA_PROJECTION}. */
export function hasProjection(c: ElectraConfig): boolean {
  return c.embedding_size !== c.hidden_size;
}

/**
 * Every parameter of `ElectraForSequenceClassification(config)`, in HF's order; head 'token': of
 * `ElectraForTokenClassification` (one Linear `classifier` over every token).
 */
export function electraParamSpecs(c: ElectraConfig, head: HeadKind = 'sequence'): ParamSpec[] {
  const E = c.embedding_size;
  const H = c.hidden_size;
  const specs: ParamSpec[] = [
    { name: ELECTRA_EMBEDDINGS.word, shape: [c.vocab_size, E], kind: 'word_embeddings' },
    { name: ELECTRA_EMBEDDINGS.position, shape: [c.max_position_embeddings, E], kind: 'normal' },
    { name: ELECTRA_EMBEDDINGS.tokenType, shape: [c.type_vocab_size, E], kind: 'normal' },
    ...layerNormSpecs(ELECTRA_EMBEDDINGS.norm, E),
  ];
  if (hasProjection(c)) specs.push(...linearSpecs(ELECTRA_PROJECTION, H, E));
  for (let i = 0; i < c.num_hidden_layers; i++) {
    specs.push(
      ...encoderLayerSpecs(bertLayerNames(`electra.encoder.layer.${i}`), H, c.intermediate_size),
    );
  }
  if (head === 'token') return [...specs, ...tokenHeadSpecs(c.num_labels, H)];
  specs.push(
    ...linearSpecs('classifier.dense', H, H),
    ...linearSpecs('classifier.out_proj', c.num_labels, H),
  );
  return specs;
}
