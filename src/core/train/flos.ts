/**
 * `total_flos` as transformers counts it: `floating_point_ops` = 6 x tokens x parameters outside
 * the embedding tables, per micro-batch, summed over the run.
 */
import type { SequenceClassifier } from '../model/classifier';

/**
 * HF's `num_parameters(exclude_embeddings=True)`: the `nn.Embedding` tables (the family's
 * `isEmbeddingParam`: BERT's word, position and token type tables) are left out.
 */
export function nonEmbeddingParameterCount(
  model: Pick<SequenceClassifier, 'family' | 'params'>,
): number {
  let n = 0;
  for (const [name, v] of model.params) if (!model.family.isEmbeddingParam(name)) n += v.size;
  return n;
}

/**
 * The FLOPs of one optimizer step over `groups` (row indices per micro-batch), tokens counted as
 * transformers' `DataCollatorWithPadding` pads: to each batch's longest row (`rowLengths`), or to
 * `paddedTo` (padding to max_length). The studio's extra padding to a multiple of 8 is left out.
 */
export function stepFlos(
  groups: Uint32Array[],
  rowLengths: Uint32Array,
  paddedTo: number | null,
  nonEmbeddingParameters: number,
): number {
  let tokens = 0;
  for (const g of groups) {
    let longest = 0;
    for (const i of g) longest = Math.max(longest, rowLengths[i]);
    if (paddedTo !== null) longest = paddedTo;
    tokens += g.length * longest;
  }
  return 6 * tokens * nonEmbeddingParameters;
}
