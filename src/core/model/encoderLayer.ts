/**
 * The post-norm transformer encoder layer BERT introduced and its descendants keep (ELECTRA's
 * `ElectraLayer`, DistilBERT's `TransformerBlock`, RoBERTa's ...): self-attention, dropout,
 * residual + LayerNorm, feed-forward with the config's activation, dropout, residual + LayerNorm.
 * The families differ only in their parameter names, so a layer is this one function over a
 * parameter getter and the names of its eight modules. Built from `layers.ts`'s fast ops (fused
 * QKV projection, attention and add & norm with hand-written gradients).
 */
import * as tf from '@tensorflow/tfjs';

import type { BertActivation } from './config';
import type { ClassifierBatch, ForwardOptions, ParamGetter, ParamSpec } from './family';
import { activation, addLayerNorm, attention, dropout, linear } from './layers';
import { canCheckpoint, checkpointedLayer } from './checkpoint';

/** torch.finfo(torch.float32).min: HF's additive attention-mask value. */
export const FLOAT32_MIN = -3.4028234663852886e38;

/**
 * The modules of one encoder layer, each the prefix of a `.weight` and a `.bias` parameter
 * (Linear `[out, in]` or LayerNorm `[H]`).
 */
export interface EncoderLayerNames {
  query: string;
  key: string;
  value: string;
  /** The attention's output projection. */
  attentionOutput: string;
  /** The LayerNorm after the attention's residual. */
  attentionNorm: string;
  /** Feed-forward in (H -> intermediate). */
  intermediate: string;
  /** Feed-forward out (intermediate -> H). */
  output: string;
  /** The LayerNorm after the feed-forward's residual. */
  outputNorm: string;
}

/** BERT's module names under `prefix` (e.g. `electra.encoder.layer.0`). */
export function bertLayerNames(prefix: string): EncoderLayerNames {
  return {
    query: `${prefix}.attention.self.query`,
    key: `${prefix}.attention.self.key`,
    value: `${prefix}.attention.self.value`,
    attentionOutput: `${prefix}.attention.output.dense`,
    attentionNorm: `${prefix}.attention.output.LayerNorm`,
    intermediate: `${prefix}.intermediate.dense`,
    output: `${prefix}.output.dense`,
    outputNorm: `${prefix}.output.LayerNorm`,
  };
}

/** A Linear module's parameters: weight `[out, in]` ~ normal, bias `[out]` zeros (HF init). */
export function linearSpecs(module: string, out: number, inDim: number): ParamSpec[] {
  return [
    { name: `${module}.weight`, shape: [out, inDim], kind: 'normal' },
    { name: `${module}.bias`, shape: [out], kind: 'zeros' },
  ];
}

/** A LayerNorm's parameters: weight `[H]` ones, bias `[H]` zeros (HF init). */
export function layerNormSpecs(module: string, H: number): ParamSpec[] {
  return [
    { name: `${module}.weight`, shape: [H], kind: 'ones' },
    { name: `${module}.bias`, shape: [H], kind: 'zeros' },
  ];
}

/** The layer's parameters in HF's `named_parameters()` order (hidden `H`, feed-forward `I`). */
export function encoderLayerSpecs(names: EncoderLayerNames, H: number, I: number): ParamSpec[] {
  return [
    ...linearSpecs(names.query, H, H),
    ...linearSpecs(names.key, H, H),
    ...linearSpecs(names.value, H, H),
    ...linearSpecs(names.attentionOutput, H, H),
    ...layerNormSpecs(names.attentionNorm, H),
    ...linearSpecs(names.intermediate, I, H),
    ...linearSpecs(names.output, H, I),
    ...layerNormSpecs(names.outputNorm, H),
  ];
}

/** Sizes and settings of an encoder layer's forward pass. */
export interface EncoderLayerSettings {
  batch: number;
  seqLen: number;
  heads: number;
  eps: number;
  act: BertActivation;
  /** Dropout after the attention output and after the feed-forward (HF `hidden_dropout_prob`). */
  hiddenDropout: number;
  /** Dropout on the attention probabilities. */
  attentionDropout: number;
  training: boolean;
  /** The layer's index: its dropout sites are `attn<i>`, `attnout<i>`, `out<i>` (as BERT's). */
  index: number;
  /** The seed of a dropout site (the forward pass's `seedFor`). */
  seedFor: (site: string) => string | undefined;
  /**
   * Gradient checkpointing (`gradient_checkpointing`): in training, keep only the layer's input
   * for the backward pass and run the layer again there (`checkpoint.ts`). Default false.
   */
  checkpoint?: boolean;
}

/**
 * HF's additive attention mask `(1 - mask) * float32 min` as [B, 1, 1, T], or null without a mask.
 * @param mask int32 [B, T]: 1 = attend, 0 = padding
 */
export function additiveMask(mask: tf.Tensor2D | undefined): tf.Tensor4D | null {
  if (!mask) return null;
  const [B, T] = mask.shape;
  return tf.reshape(tf.mul(tf.sub(1, tf.cast(mask, 'float32')), FLOAT32_MIN), [B, 1, 1, T]);
}

/**
 * One encoder layer: `LN1(h + drop(attnOut(attention(h))))`, then
 * `LN2(h1 + drop(output(act(intermediate(h1)))))`.
 * @param h float32 [B*T, H]
 * @param maskAdd float32 [B, 1, 1, T] from {@link additiveMask}, or null
 * @param attend a family's own attention from the fused QKV projection [B*T, 3H] to the heads'
 *   context [B*T, H] (DeBERTa's disentangled attention), in place of `layers.ts`'s
 * @returns float32 [B*T, H]
 */
export function encoderLayer(
  p: ParamGetter,
  names: EncoderLayerNames,
  h: tf.Tensor,
  maskAdd: tf.Tensor | null,
  s: EncoderLayerSettings,
  attend?: (qkv: tf.Tensor2D) => tf.Tensor2D,
): tf.Tensor {
  const H = h.shape[1] as number;
  const dH = H / s.heads;
  const i = s.index;
  const w = (module: string) => p(`${module}.weight`);
  const b = (module: string) => p(`${module}.bias`);
  // One projection for query, key and value: [B*T, 3H].
  const qkv = linear(
    h,
    tf.concat([w(names.query), w(names.key), w(names.value)]),
    tf.concat([b(names.query), b(names.key), b(names.value)]),
  );
  const ctx = attend
    ? attend(qkv as tf.Tensor2D)
    : attention(
        qkv as tf.Tensor2D,
        { batch: s.batch, seqLen: s.seqLen, heads: s.heads },
        maskAdd,
        1 / Math.sqrt(dH),
        s.attentionDropout,
        s.training,
        s.seedFor(`attn${i}`),
      );
  let attnOut = linear(ctx, w(names.attentionOutput), b(names.attentionOutput));
  attnOut = dropout(attnOut, s.hiddenDropout, s.training, s.seedFor(`attnout${i}`));
  const h1 = addLayerNorm(attnOut, h, w(names.attentionNorm), b(names.attentionNorm), s.eps);
  const inter = activation(linear(h1, w(names.intermediate), b(names.intermediate)), s.act);
  let out = linear(inter, w(names.output), b(names.output));
  out = dropout(out, s.hiddenDropout, s.training, s.seedFor(`out${i}`));
  return addLayerNorm(out, h1, w(names.outputNorm), b(names.outputNorm), s.eps);
}

/**
 * `count` encoder layers in turn, layer i's modules from `namesOf(i)`; one `tf.tidy` per layer,
 * so what the backward pass does not keep goes as each layer ends (a lower peak, and a wasm heap
 * that grows less), not when the whole forward pass does.
 * @param h float32 [B*T, H]
 * @returns float32 [B*T, H]
 */
export function encoderLayers(
  p: ParamGetter,
  namesOf: (i: number) => EncoderLayerNames,
  count: number,
  h: tf.Tensor,
  maskAdd: tf.Tensor | null,
  s: Omit<EncoderLayerSettings, 'index'>,
): tf.Tensor {
  let out = h;
  for (let i = 0; i < count; i++) {
    const input = out;
    const settings = { ...s, index: i };
    out = tf.tidy(() =>
      layerCheckpointed(settings)
        ? checkpointedEncoderLayer(p, namesOf(i), input, maskAdd, settings)
        : encoderLayer(p, namesOf(i), input, maskAdd, settings),
    );
  }
  return out;
}

/** Whether layer `s.index` runs checkpointed: asked for, and exact (seeded dropout, training). */
export function layerCheckpointed(s: EncoderLayerSettings): boolean {
  if (!s.checkpoint) return false;
  const rates = [s.hiddenDropout, s.attentionDropout];
  return canCheckpoint(s.training, rates, s.seedFor, `out${s.index}`);
}

/**
 * {@link encoderLayer} with gradient checkpointing: its input, mask and sixteen parameters are
 * the checkpointed block's inputs (the parameters' gradients flow through them), its
 * activations are recomputed in the backward pass.
 */
export function checkpointedEncoderLayer(
  p: ParamGetter,
  names: EncoderLayerNames,
  h: tf.Tensor,
  maskAdd: tf.Tensor | null,
  s: EncoderLayerSettings,
): tf.Tensor {
  const paramNames = Object.values(names).flatMap((m) => [`${m}.weight`, `${m}.bias`]);
  const mask = maskAdd && { tensor: maskAdd, differentiable: false };
  return checkpointedLayer(p, paramNames, h, [mask], (get, x, [m]) =>
    encoderLayer(get, names, x, m, s),
  );
}

/**
 * The first token's hidden state of every row, `h[:, 0]`.
 * @param h float32 [B*T, H]
 * @returns float32 [B, H]
 */
export function firstToken(h: tf.Tensor, batch: number, seqLen: number): tf.Tensor2D {
  const H = h.shape[h.rank - 1];
  return tf.reshape(tf.slice(tf.reshape(h, [batch, seqLen, H]), [0, 0, 0], [batch, 1, H]), [
    batch,
    H,
  ]);
}

/** The keys of a config with BERT's names that its encoder layers read (BERT, ELECTRA, RoBERTa). */
export interface BertKeyLayerConfig {
  num_attention_heads: number;
  layer_norm_eps: number;
  hidden_act: BertActivation;
  hidden_dropout_prob: number;
  attention_probs_dropout_prob: number;
}

/** {@link encoderLayers}' settings from a config with BERT's key names. */
export function bertKeyLayerSettings(
  c: BertKeyLayerConfig,
  batch: number,
  seqLen: number,
  training: boolean,
  seedFor: (site: string) => string | undefined,
  checkpoint = false,
): Omit<EncoderLayerSettings, 'index'> {
  return {
    checkpoint,
    batch,
    seqLen,
    heads: c.num_attention_heads,
    eps: c.layer_norm_eps,
    act: c.hidden_act,
    hiddenDropout: c.hidden_dropout_prob,
    attentionDropout: c.attention_probs_dropout_prob,
    training,
    seedFor,
  };
}

/**
 * The head ELECTRA and RoBERTa put on the first token (`ElectraClassificationHead`,
 * `RobertaClassificationHead`): dropout, `classifier.dense`, `act`, dropout (dropout sites `cls`
 * and `cls2`), `classifier.out_proj`.
 * @param first float32 [B, H]
 * @returns float32 [B, num_labels]
 */
export function denseClassificationHead(
  p: ParamGetter,
  first: tf.Tensor,
  act: (x: tf.Tensor) => tf.Tensor,
  rate: number,
  training: boolean,
  seedFor: (site: string) => string | undefined,
): tf.Tensor2D {
  let x = dropout(first, rate, training, seedFor('cls'));
  x = act(linear(x, p('classifier.dense.weight'), p('classifier.dense.bias')));
  x = dropout(x, rate, training, seedFor('cls2'));
  return linear(x, p('classifier.out_proj.weight'), p('classifier.out_proj.bias')) as tf.Tensor2D;
}

/**
 * The batch's size `[B, T]`, checked: input_ids rank 2, the other inputs of the same shape, at
 * most `maxPositions` tokens.
 */
export function batchShape(batch: ClassifierBatch, maxPositions: number): [number, number] {
  const ids = batch.input_ids;
  if (ids.rank !== 2) throw new Error(`forward: input_ids must be [B, T], got [${ids.shape}]`);
  const [B, T] = ids.shape;
  if (T > maxPositions) {
    throw new Error(
      `forward: sequence length ${T} exceeds max_position_embeddings ${maxPositions}`,
    );
  }
  for (const [k, t] of [
    ['attention_mask', batch.attention_mask],
    ['token_type_ids', batch.token_type_ids],
  ] as const) {
    if (t && (t.shape[0] !== B || t.shape[1] !== T)) {
      throw new Error(`forward: ${k} has shape [${t.shape}], input_ids has [${ids.shape}]`);
    }
  }
  return [B, T];
}

/** The seed of each dropout site of one forward pass (`<seed>:<site>`), unseeded without a seed. */
export function dropoutSites(opts: ForwardOptions): (site: string) => string | undefined {
  return (site) => (opts.seed === undefined ? undefined : `${opts.seed}:${site}`);
}

/**
 * fp32 elements one encoder layer keeps for the backward pass at batch `B` x length `T`
 * (BERT's estimate, `memory.ts`): scores, probabilities and their dropout (4 x B*heads*T*T);
 * Q, K, V, their head-split copies, the context, the output dense, its dropout, the residual
 * and LayerNorm's saved tensors (~15 x B*T*H); the feed-forward's pre-activation, activation
 * temporaries and output (~4 x B*T*I).
 */
export function encoderLayerActivationElems(
  B: number,
  T: number,
  dims: { hidden: number; intermediate: number; heads: number },
): number {
  return 4 * B * dims.heads * T * T + 15 * B * T * dims.hidden + 4 * B * T * dims.intermediate;
}
