/**
 * The two ops DeBERTa needs beside layers.ts's: LayerNorm of one input (the embeddings after
 * `embed_proj`, the relative embeddings) and the embedding sum with optional position and
 * token-type tables, each one op for the tape with its gradient written out.
 */
import * as tf from '@tensorflow/tfjs';

import { columnSums, layerNormBackward, layerNormForward } from '../layers';

const layerNormByEps = new Map<number, (...args: tf.Tensor[]) => tf.Tensor>();

/** `LayerNorm(x)` over the last axis of x [N, H]. */
export function layerNorm(
  x: tf.Tensor2D,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  eps: number,
): tf.Tensor2D {
  let fn = layerNormByEps.get(eps);
  if (!fn) {
    fn = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const g = args[1] as tf.Tensor;
      const save = args[3] as tf.GradSaveFunc;
      const { y, xhat, rstd } = tf.tidy(() =>
        layerNormForward(args[0] as tf.Tensor2D, g, args[2] as tf.Tensor, eps),
      );
      save([xhat, rstd, g]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
          tf.tidy(() => layerNormBackward(dy as tf.Tensor2D, saved[0], saved[1], saved[2])),
      };
    });
    layerNormByEps.set(eps, fn);
  }
  return fn(x, gamma, beta) as tf.Tensor2D;
}

/** The embedding tables DeBERTa's config asks for (position and token type are optional). */
export interface EmbeddingTables {
  word: tf.Tensor2D;
  position: tf.Tensor2D | null;
  tokenType: tf.Tensor2D | null;
}

/**
 * `word[ids] (+ position[0..T)) (+ tokenType[types])`, HF's `DebertaV2Embeddings` sum before
 * `embed_proj`. The word rows' gradient is a scatter that sums duplicate ids and leaves the
 * `padding_idx` row out.
 * @param ids int32 [B, T]
 * @param types int32 [B, T] or null (all zeros)
 * @returns float32 [B*T, E]
 */
export function embeddingSum(
  t: EmbeddingTables,
  ids: tf.Tensor2D,
  types: tf.Tensor2D | null,
  paddingIdx: number,
): tf.Tensor2D {
  const [B, T] = ids.shape;
  const [vocab, E] = t.word.shape;
  const N = B * T;
  const flatIds = tf.reshape(ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32'), [N]);
  // nn.Embedding(padding_idx): the padding row takes no gradient ([N, 1]: 0 at its tokens)
  const keep = tf.reshape(tf.cast(tf.notEqual(flatIds, paddingIdx), 'float32'), [N, 1]);
  const typeVocab = t.tokenType?.shape[0] ?? 0;
  const oneHot = t.tokenType
    ? (tf.cast(
        types
          ? tf.oneHot(tf.reshape(types, [N]), typeVocab)
          : tf.oneHot(tf.zeros([N], 'int32'), typeVocab),
        'float32',
      ) as tf.Tensor2D)
    : null;
  const maxPositions = t.position?.shape[0] ?? 0;
  const inputs = [
    t.word,
    ...(t.position ? [t.position] : []),
    ...(t.tokenType ? [t.tokenType] : []),
  ];
  const fn = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[inputs.length] as tf.GradSaveFunc;
    const value = tf.tidy(() => {
      let sum: tf.Tensor = tf.gather(args[0] as tf.Tensor, flatIds);
      if (t.position) {
        const rows = tf.slice(args[1] as tf.Tensor, [0, 0], [T, E]);
        sum = tf.reshape(tf.add(tf.reshape(sum, [B, T, E]), rows), [N, E]);
      }
      if (oneHot) sum = tf.add(sum, tf.matMul(oneHot, args[inputs.length - 1] as tf.Tensor2D));
      return sum as tf.Tensor2D;
    });
    save([flatIds, keep, ...(oneHot ? [oneHot] : [])]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const d2 = dy as tf.Tensor2D;
          const grads: tf.Tensor[] = [
            tf.scatterND(tf.reshape(saved[0], [N, 1]), tf.mul(d2, saved[1]), [vocab, E]),
          ];
          if (t.position) {
            const dPos = tf.reshape(columnSums(tf.reshape(d2, [B, T * E]) as tf.Tensor2D), [T, E]);
            grads.push(
              tf.pad(dPos, [
                [0, maxPositions - T],
                [0, 0],
              ]),
            );
          }
          if (oneHot) grads.push(tf.matMul(saved[2] as tf.Tensor2D, d2, true, false));
          return grads;
        }),
    };
  });
  return fn(...inputs) as tf.Tensor2D;
}
