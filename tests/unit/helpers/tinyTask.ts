/**
 * A tiny text-classification task for the data-parallel tests: random token rows with labels for
 * any problem type, and a one-layer BERT over them.
 */
import { SequenceClassifier } from '../../../src/core/model/classifier';
import { bertFamily } from '../../../src/core/model/bert';
import { smallBertConfig } from '../../../src/core/model/bert/config';
import type { ProblemType } from '../../../src/core/model/config';
import type { LabeledDataset } from '../../../src/core/train/dataset';
import { createRng } from '../../../src/core/util/rng';

/** Large enough that most rows of the word embeddings are new to a replica at each step. */
export const VOCAB = 300;
export const MAX_LEN = 12;

/** `n` rows of 3..12 random tokens, with labels for `problemType` (2 classes / 3 labels). */
export function tinyDataset(n: number, problemType: ProblemType, seed = 1): LabeledDataset {
  const rng = createRng(seed);
  const offsets = new Uint32Array(n + 1);
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const len = 3 + rng.nextInt(MAX_LEN - 2);
    ids.push(2);
    for (let t = 1; t < len; t++) ids.push(5 + rng.nextInt(VOCAB - 5));
    offsets[i + 1] = ids.length;
  }
  const width = problemType === 'multi_label_classification' ? 3 : 1;
  const labels =
    problemType === 'single_label_classification'
      ? Int32Array.from({ length: n }, () => rng.nextInt(2))
      : Float32Array.from({ length: n * width }, () =>
          problemType === 'regression' ? rng.normal() : rng.nextInt(2),
        );
  return {
    encoded: { ids: Uint16Array.from(ids), offsets, typeIds: null, truncated: 0 },
    labels,
    labelWidth: width,
    size: n,
  };
}

/** A one-layer BERT (hidden 16) for `problemType`, initialised from `seed`. */
export function tinyModel(
  problemType: ProblemType,
  opts: { seed?: number; dropout?: number } = {},
): SequenceClassifier {
  const numLabels =
    problemType === 'multi_label_classification' ? 3 : problemType === 'regression' ? 1 : 2;
  const dropout = opts.dropout ?? 0;
  const config = smallBertConfig({
    vocabSize: VOCAB,
    numLabels,
    maxLength: MAX_LEN,
    hiddenSize: 16,
    numLayers: 1,
    numHeads: 2,
    intermediateSize: 32,
    hiddenDropoutProb: dropout,
    attentionProbsDropoutProb: dropout,
    problemType,
  });
  return SequenceClassifier.create(bertFamily, config, opts.seed ?? 3);
}
