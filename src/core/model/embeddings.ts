/**
 * BERT's embedding block as one op with its gradient written out: word rows (a gather) + token
 * type rows (a one-hot matmul) + position rows (a slice), LayerNorm, dropout. The tape sees a
 * single op instead of some forty (each reshape and add it records also saves its inputs).
 */
import * as tf from '@tensorflow/tfjs';

import { dropoutSeed } from './dropoutMask';
import { applyDropout, columnSums, layerNormBackward, layerNormForward } from './layers';

/** The embedding tables and the LayerNorm after them, by role. */
export interface EmbeddingParams {
  word: tf.Tensor2D;
  position: tf.Tensor2D;
  tokenType: tf.Tensor2D;
  gamma: tf.Tensor1D;
  beta: tf.Tensor1D;
}

/** The parameter names of a BERT-style embedding block (the LayerNorm as its module prefix). */
export interface EmbeddingNames {
  word: string;
  position: string;
  tokenType: string;
  norm: string;
}

/** The tables of the embedding block `names`, read through the parameter getter `p`. */
export function embeddingTables(
  p: (name: string) => tf.Tensor,
  names: EmbeddingNames,
): EmbeddingParams {
  return {
    word: p(names.word) as tf.Tensor2D,
    position: p(names.position) as tf.Tensor2D,
    tokenType: p(names.tokenType) as tf.Tensor2D,
    gamma: p(`${names.norm}.weight`) as tf.Tensor1D,
    beta: p(`${names.norm}.bias`) as tf.Tensor1D,
  };
}

/**
 * Position rows read at given ids (RoBERTa's `create_position_ids_from_input_ids`) instead of
 * rows 0..T-1, and the `padding_idx` of the word and position tables (`nn.Embedding(...,
 * padding_idx)`: the rows of tokens whose id is `paddingIdx` get no gradient).
 */
export interface PositionRows {
  /** int32 [B, T] rows of the position table. */
  ids: tf.Tensor2D;
  paddingIdx: number;
}

/**
 * `dropout(LayerNorm(word[ids] + tokenType[types] + position[0..T)))`, or
 * `position[positions.ids]` when `positions` is given.
 * @param ids int32 [B, T]
 * @param types int32 [B, T], or null for all zeros (HF's default)
 * @returns float32 [B*T, H]
 */
export function embed(
  p: EmbeddingParams,
  ids: tf.Tensor2D,
  types: tf.Tensor2D | null,
  eps: number,
  dropoutRate: number,
  training: boolean,
  seed?: number | string,
  positions?: PositionRows,
): tf.Tensor2D {
  const [B, T] = ids.shape;
  const [vocab, H] = p.word.shape;
  const typeVocab = p.tokenType.shape[0];
  const maxPositions = p.position.shape[0];
  const N = B * T;
  const drop = training && dropoutRate > 0;
  const seedHash = drop ? dropoutSeed(seed ?? Math.random()) : 0;
  const flatIds = tf.reshape(ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32'), [N]);
  const flatPositions = positions ? tf.reshape(positions.ids, [N]) : null;
  // 1 for tokens whose rows take gradients, 0 for padding_idx tokens ([N, 1])
  const keep = positions
    ? tf.reshape(tf.cast(tf.notEqual(flatIds, positions.paddingIdx), 'float32'), [N, 1])
    : null;
  const oneHot = types
    ? (tf.cast(tf.oneHot(tf.reshape(types, [N]), typeVocab), 'float32') as tf.Tensor2D)
    : null;
  const fn = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [word, position, tokenType, gamma, beta] = args as tf.Tensor[];
    const save = args[5] as tf.GradSaveFunc;
    // tidy: the sums and LayerNorm temporaries go now, not when the whole step ends
    const { y, xhat, rstd } = tf.tidy(() => {
      const typeRows = oneHot ? tf.matMul(oneHot, tokenType) : tf.slice(tokenType, [0, 0], [1, H]);
      const positionRows = flatPositions
        ? tf.reshape(tf.gather(position, flatPositions), [B, T, H])
        : tf.slice(position, [0, 0], [T, H]);
      const sum = tf.add(
        tf.reshape(tf.add(tf.gather(word, flatIds), typeRows), [B, T, H]),
        positionRows,
      );
      const ln = layerNormForward(tf.reshape(sum, [N, H]), gamma, beta, eps);
      return { ...ln, y: drop ? applyDropout(ln.y, dropoutRate, seedHash) : ln.y };
    });
    const extra = flatPositions && keep ? [flatPositions, keep] : [];
    save([xhat, rstd, gamma, flatIds, ...extra, ...(oneHot ? [oneHot] : [])]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [sx, sr, sg, sids] = saved;
          const [spos, skeep] = extra.length ? saved.slice(4, 6) : [null, null];
          const soh = oneHot ? saved[saved.length - 1] : null;
          const dln = (drop ? applyDropout(dy, dropoutRate, seedHash) : dy) as tf.Tensor2D;
          const [dsum, dgamma, dbeta] = layerNormBackward(dln, sx, sr, sg);
          // padding_idx rows take no gradient (positions given: RoBERTa's tables)
          const dRows = skeep ? tf.mul(dsum, skeep) : dsum;
          // scatterND sums duplicate ids (checked on cpu, wasm and webgpu), as the gradient needs.
          const dWord = tf.scatterND(tf.reshape(sids, [N, 1]), dRows, [vocab, H]);
          const dType = soh
            ? tf.matMul(soh, dsum, true, false)
            : tf.pad(tf.reshape(columnSums(dsum), [1, H]), [
                [0, typeVocab - 1],
                [0, 0],
              ]);
          const dPos = spos
            ? tf.scatterND(tf.reshape(spos, [N, 1]), dRows, [maxPositions, H])
            : tf.pad(tf.reshape(columnSums(tf.reshape(dsum, [B, T * H]) as tf.Tensor2D), [T, H]), [
                [0, maxPositions - T],
                [0, 0],
              ]);
          return [dWord, dPos, dType, dgamma, dbeta];
        }),
    };
  });
  return fn(p.word, p.position, p.tokenType, p.gamma, p.beta) as tf.Tensor2D;
}
