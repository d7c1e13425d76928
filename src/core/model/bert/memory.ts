/** The activations a BERT training step keeps for the backward pass (fp32 bytes). */
import { encoderLayerActivationElems } from '../encoderLayer';
import type { HeadKind } from '../family';
import { tokenHeadActivationElems } from '../tokenHead';
import type { BertConfig } from './config';

const F32 = 4;

/** Activation bytes kept for backward in one forward pass of batch `B` x length `T`. */
export function bertActivationBytes(
  c: BertConfig,
  B: number,
  T: number,
  headKind: HeadKind = 'sequence',
): number {
  const H = c.hidden_size;
  // Per layer, the tensors TF.js' tape holds (`encoderLayerActivationElems`).
  const perLayer = encoderLayerActivationElems(B, T, {
    hidden: H,
    intermediate: c.intermediate_size,
    heads: c.num_attention_heads,
  });
  // Embeddings: three lookups, their sum, LayerNorm and dropout; pooler and head are tiny (the
  // token head keeps every token's dropout output and logits).
  const embeddings = 7 * B * T * H;
  const head =
    headKind === 'token'
      ? tokenHeadActivationElems(B, T, H, c.num_labels)
      : 4 * B * H + 2 * B * c.num_labels;
  // While backward runs, one layer's gradient temporaries live on top of the saved activations.
  return F32 * (c.num_hidden_layers * perLayer + embeddings + head + perLayer);
}
