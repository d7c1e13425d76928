/**
 * How many tokens a model reads. A model trained here reads the max_length it was trained with;
 * a loaded one, the lower of its tokenizer's `model_max_length` and its `max_position_embeddings`
 * (an older export may declare more than the positions it has). A pretrained checkpoint lowers a
 * longer max_length to what it takes, with a notice, as transformers' example scripts do.
 * No imports: the page uses these as they are.
 */

/** The longest input a checkpoint takes, and what sets it (for the notice). */
export interface LengthLimit {
  maxLength: number;
  /** e.g. "the checkpoint's max_position_embeddings". */
  reason: string;
}

/**
 * Tokens a loaded model reads: `model_max_length` (Infinity when the tokenizer sets none) within
 * the model's positions.
 */
export function modelInputLength(
  maxPositionEmbeddings: number,
  tokenizerMaxLength: number,
): number {
  return Math.min(maxPositionEmbeddings, tokenizerMaxLength);
}

/** A checkpoint's limit: its positions, or its tokenizer's `model_max_length` when lower. */
export function checkpointLengthLimit(
  maxPositionEmbeddings: number,
  tokenizerMaxLength: number,
): LengthLimit {
  return tokenizerMaxLength < maxPositionEmbeddings
    ? { maxLength: tokenizerMaxLength, reason: "its tokenizer's model_max_length" }
    : { maxLength: maxPositionEmbeddings, reason: "the checkpoint's max_position_embeddings" };
}

/** `requested`, lowered to `limit` with a notice saying so when it is above it. */
export function fitMaxLength(
  requested: number,
  limit: LengthLimit,
): { maxLength: number; notice: string | null } {
  if (requested <= limit.maxLength) return { maxLength: requested, notice: null };
  return {
    maxLength: limit.maxLength,
    notice: `max_length lowered from ${requested} to ${limit.maxLength}: ${limit.reason}`,
  };
}
