/** The activations a BERT training step keeps for the backward pass (fp32 bytes). */
import type { BertConfig } from './config';

const F32 = 4;

/** Activation bytes kept for backward in one forward pass of batch `B` x length `T`. */
export function bertActivationBytes(c: BertConfig, B: number, T: number): number {
  const H = c.hidden_size;
  const I = c.intermediate_size;
  const heads = c.num_attention_heads;
  const bth = B * T * H;
  const bti = B * T * I;
  const scores = B * heads * T * T;
  // Per layer, the tensors TF.js' tape holds: attention scores, the masked/softmaxed probs, the
  // dropout mask and the dropped probs (4 x scores); Q, K, V and their head-split transposes,
  // the context and its merge, the output dense, its dropout (mask + out), the residual sum and
  // LayerNorm's normalised input and output (~15 x B*T*H); the FFN's pre-activation, GELU's
  // erf intermediate and output, and the dropout-free product kept for the output dense
  // (~4 x B*T*I).
  const perLayer = 4 * scores + 15 * bth + 4 * bti;
  // Embeddings: three lookups, their sum, LayerNorm and dropout; pooler and head are tiny.
  const embeddings = 7 * bth;
  const head = 4 * B * H + 2 * B * c.num_labels;
  // While backward runs, one layer's gradient temporaries live on top of the saved activations.
  return F32 * (c.num_hidden_layers * perLayer + embeddings + head + perLayer);
}
