/**
 * The parameters of HF's `RobertaForSequenceClassification` (XLM-R's are the same): names, shapes
 * and init kinds in `named_parameters()` order (`PreTrainedModel._init_weights`, as `init.ts`
 * makes it: the `padding_idx` rows of the word and position tables zeroed), and how checkpoint
 * keys map onto them.
 */
import { bertLayerNames, encoderLayerSpecs, layerNormSpecs, linearSpecs } from '../encoderLayer';
import type { HeadKind, ParamSpec } from '../family';
import { hfCheckpointName } from '../familyParts';
import { tokenHeadSpecs } from '../tokenHead';
import type { RobertaConfig } from './config';

/** The base model's prefix in parameter names. */
export const ROBERTA_PREFIX = 'roberta.';

/** The classification head (`RobertaClassificationHead`). */
export const ROBERTA_HEAD_PARAMS = [
  'classifier.dense.weight',
  'classifier.dense.bias',
  'classifier.out_proj.weight',
  'classifier.out_proj.bias',
] as const;

/**
 * Every parameter, in HF's `named_parameters()` order (no pooler: `add_pooling_layer=False`).
 * XLM-R's classes register their head before the base model, so its head comes first. Head
 * 'token': `classifier` is one Linear over every token (`RobertaForTokenClassification`).
 */
export function robertaParamSpecs(c: RobertaConfig, head: HeadKind = 'sequence'): ParamSpec[] {
  const H = c.hidden_size;
  const e = 'roberta.embeddings';
  const specs: ParamSpec[] = [
    { name: `${e}.word_embeddings.weight`, shape: [c.vocab_size, H], kind: 'word_embeddings' },
    { name: `${e}.token_type_embeddings.weight`, shape: [c.type_vocab_size, H], kind: 'normal' },
    ...layerNormSpecs(`${e}.LayerNorm`, H),
    // nn.Embedding(..., padding_idx=pad_token_id): its padding row is zeroed too
    {
      name: `${e}.position_embeddings.weight`,
      shape: [c.max_position_embeddings, H],
      kind: 'word_embeddings',
    },
  ];
  for (let i = 0; i < c.num_hidden_layers; i++) {
    specs.push(
      ...encoderLayerSpecs(bertLayerNames(`roberta.encoder.layer.${i}`), H, c.intermediate_size),
    );
  }
  const headSpecs =
    head === 'token'
      ? tokenHeadSpecs(c.num_labels, H)
      : [
          ...linearSpecs('classifier.dense', H, H),
          ...linearSpecs('classifier.out_proj', c.num_labels, H),
        ];
  return c.model_type === 'xlm-roberta' ? [...headSpecs, ...specs] : [...specs, ...headSpecs];
}

/** Buffers HF ignores when loading (old checkpoints saved them). */
const IGNORED_KEYS = /(^|\.)embeddings\.(position_ids|token_type_ids)$/;

/**
 * A checkpoint key -> the parameter it loads into, or null for ignored buffers (HF's rules,
 * `hfCheckpointName`): a `RobertaModel` checkpoint has no `roberta.` prefix. Keys the model lacks
 * (a pooler, `lm_head.*`) come back as they are, for the caller to report as unexpected.
 */
export function robertaCheckpointName(key: string, prefixed: boolean): string | null {
  return hfCheckpointName(key, prefixed, {
    basePrefix: ROBERTA_PREFIX,
    head: /^classifier\./,
    ignored: IGNORED_KEYS,
  });
}

/** nn.Embedding weights (left out of `total_flos`, as `num_parameters(exclude_embeddings=True)`). */
export function isRobertaEmbeddingParam(name: string): boolean {
  return /^roberta\.embeddings\.(word|position|token_type)_embeddings\.weight$/.test(name);
}
