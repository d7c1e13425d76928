/**
 * The evaluation loop of a token-classification split: the model's logits for every token (in
 * order, batches as `evaluate.ts` makes them), the sample-weighted mean of each batch's loss (as
 * HF's `evaluation_loop`), and the token-classification guide's `compute_metrics`: seqeval over
 * the tags of the labelled tokens (labels != -100), logged as `eval_precision`, `eval_recall`,
 * `eval_f1` and `eval_accuracy`.
 */
import * as tf from '@tensorflow/tfjs';
import type { TokenClassificationMetrics } from '../data/taggedTypes';
import { IGNORE_INDEX } from '../data/taggedTypes';
import type { SequenceClassifier } from '../model/classifier';
import { collateBatch, type CollateOptions } from '../tokenize/collate';
import { labelTensor, type LabeledDataset, type TaggedLabels } from './dataset';
import type { LogitsSource } from './evaluate';
import { seqevalMetrics } from './seqeval';

/** The metric names the guide's compute_metrics returns (logged with the `eval_` prefix). */
export const TAGGED_METRIC_NAMES = ['precision', 'recall', 'f1', 'accuracy'] as const;

export interface TaggedPredictions {
  /** Logits of every token, [ids.length, num_labels] row-major, parallel to `encoded.ids`. */
  tokenLogits: Float32Array;
  /** The sample-weighted mean of the batches' losses (0 without `lossOf`). */
  loss: number;
}

/**
 * Runs the model over a tagged split in order: every token's logits, and the loss when `lossOf`
 * is given (each batch's labels [B, T] with IGNORE_INDEX on padding).
 */
export async function predictTokenLogits(
  ds: LabeledDataset & { tagged: TaggedLabels },
  numLabels: number,
  batchSize: number,
  collate: CollateOptions,
  source: LogitsSource,
  lossOf?: (logits: tf.Tensor, labels: tf.Tensor) => tf.Scalar,
): Promise<TaggedPredictions> {
  const { offsets } = ds.encoded;
  const out = new Float32Array(offsets[ds.size] * numLabels);
  const losses: { loss: tf.Scalar; rows: number }[] = [];
  try {
    await source.begin();
    for (let start = 0; start < ds.size; start += batchSize) {
      const idx = new Uint32Array(Math.min(batchSize, ds.size - start));
      for (let i = 0; i < idx.length; i++) idx[i] = start + i;
      const b = collateBatch(ds.encoded, idx, collate);
      const values = await source.logits(b);
      if (values.length !== idx.length * b.seqLen * numLabels) {
        throw new Error(
          `predictTokenLogits: expected logits [${idx.length}, ${b.seqLen}, ${numLabels}] of a ` +
            `token-classification head, got ${values.length} values`,
        );
      }
      for (let i = 0; i < idx.length; i++) {
        const row = idx[i];
        const len = Math.min(offsets[row + 1] - offsets[row], b.seqLen);
        const from = i * b.seqLen * numLabels;
        out.set(values.subarray(from, from + len * numLabels), offsets[row] * numLabels);
      }
      if (lossOf) {
        const loss = tf.tidy(() =>
          lossOf(
            tf.tensor3d(values, [idx.length, b.seqLen, numLabels]),
            labelTensor(ds, idx, 'single_label_classification', b.seqLen),
          ),
        );
        losses.push({ loss, rows: idx.length });
      }
    }
    const values = await Promise.all(losses.map((l) => l.loss.data()));
    let total = 0;
    values.forEach((v, i) => (total += v[0] * losses[i].rows));
    return { tokenLogits: out, loss: ds.size > 0 ? total / ds.size : 0 };
  } finally {
    tf.dispose(losses.map((l) => l.loss));
  }
}

/** The id of the largest of `n` logits at `from`. */
function argmaxAt(logits: Float32Array, from: number, n: number): number {
  let best = 0;
  for (let c = 1; c < n; c++) if (logits[from + c] > logits[from + best]) best = c;
  return best;
}

/**
 * Gold and predicted tag names of each row's labelled tokens, as the guide's compute_metrics
 * builds `true_labels` and `true_predictions` (tokens whose label is -100 left out).
 */
export function labelledTags(
  ds: LabeledDataset & { tagged: TaggedLabels },
  tokenLogits: Float32Array,
): { gold: string[][]; pred: string[][] } {
  const names = ds.tagged.labelNames;
  const n = names.length;
  const { offsets } = ds.encoded;
  const gold: string[][] = [];
  const pred: string[][] = [];
  for (let r = 0; r < ds.size; r++) {
    const g: string[] = [];
    const p: string[] = [];
    for (let t = offsets[r]; t < offsets[r + 1]; t++) {
      const y = ds.labels[t];
      if (y === IGNORE_INDEX) continue;
      g.push(names[y]);
      p.push(names[argmaxAt(tokenLogits, t * n, n)]);
    }
    gold.push(g);
    pred.push(p);
  }
  return { gold, pred };
}

/** Each token's predicted tag id (argmax of its logits), parallel to `encoded.ids`. */
export function tokenTagIds(tokenLogits: Float32Array, numLabels: number): Int32Array {
  const out = new Int32Array(tokenLogits.length / numLabels);
  for (let t = 0; t < out.length; t++) out[t] = argmaxAt(tokenLogits, t * numLabels, numLabels);
  return out;
}

/** seqeval's scores of the split's labelled tokens (the guide's compute_metrics, in full). */
export function taggedMetrics(
  ds: LabeledDataset & { tagged: TaggedLabels },
  tokenLogits: Float32Array,
): TokenClassificationMetrics {
  const { gold, pred } = labelledTags(ds, tokenLogits);
  return seqevalMetrics(gold, pred);
}

/** The metrics compute_metrics returns for the log: precision, recall, f1, accuracy. */
export function taggedLogMetrics(m: TokenClassificationMetrics): Record<string, number> {
  return { precision: m.precision, recall: m.recall, f1: m.f1, accuracy: m.accuracy };
}

/** Checks that `model` has a token head before a tagged split is evaluated with it. */
export function assertTokenHead(model: SequenceClassifier): void {
  if (model.head !== 'token') {
    throw new Error(
      'A token-classification split needs a model with a token-classification head (head "token").',
    );
  }
}
