/**
 * The evaluation loop: logits for every row in order, the sample-weighted mean loss (as HF's
 * `evaluation_loop`), and `compute_metrics` with the `eval_` prefix. Where a batch's logits come
 * from is a {@link LogitsSource}: this thread by default; the Node CLI's data-parallel replicas
 * (`parallel/`) split each batch into contiguous shares of rows. The loss and the metrics are
 * computed here, on the gathered logits, either way.
 */
import * as tf from '@tensorflow/tfjs';
import type { SequenceClassifier } from '../model/classifier';
import { collateBatch, type CollatedBatch, type CollateOptions } from '../tokenize/collate';
import {
  inputTensors,
  isTagged,
  labelTensor,
  type LabeledDataset,
  type ProblemType,
} from './dataset';
import { predictTokenLogits, taggedLogMetrics, taggedMetrics } from './evaluateTagged';
import { computeMetrics } from './metrics';

/**
 * Computes evaluation logits: forward only (training false, no tape), at the model's weights as
 * of the last {@link LogitsSource.begin}.
 */
export interface LogitsSource {
  /**
   * Called before an evaluation's first batch: the weights as they are now are the ones to use
   * until the evaluation ends (replicas get a copy of them here).
   */
  begin(): Promise<void>;
  /** Row-major logits [b.batchSize, num_labels] of a collated batch, rows in order. */
  logits(b: CollatedBatch): Promise<Float32Array>;
}

/** The default {@link LogitsSource}: `model` on this thread, a batch at a time. */
export function inProcessLogits(model: SequenceClassifier): LogitsSource {
  return {
    begin: async () => {},
    logits: async (b) => {
      const logits = tf.tidy(() => {
        const inputs = inputTensors(b, model.takesTokenTypeIds());
        return model.forward(inputs, { training: false }).logits;
      });
      const values = await logits.data<'float32'>();
      logits.dispose();
      return values;
    },
  };
}

export interface EvalOutput {
  /**
   * Row-major logits [N, num_labels]; for a token-classification split every token's logits
   * [tokens, num_labels], parallel to `encoded.ids`.
   */
  logits: Float32Array;
  /** `eval_loss`, `eval_<metric>`..., `eval_runtime`, `eval_samples_per_second`, `eval_steps_per_second`. */
  metrics: Record<string, number>;
}

export async function evaluateModel(o: {
  model: SequenceClassifier;
  dataset: LabeledDataset;
  problemType: ProblemType;
  numLabels: number;
  /** Rows per batch (HF's per_device_eval_batch_size): what a parallel source splits. */
  batchSize: number;
  collate: CollateOptions;
  lossOf?: (logits: tf.Tensor, labels: tf.Tensor) => tf.Scalar;
  /** Where the logits come from. Default: this thread ({@link inProcessLogits}). */
  logits?: LogitsSource;
}): Promise<EvalOutput> {
  const t0 = performance.now();
  const { dataset: ds, numLabels } = o;
  if (isTagged(ds)) {
    const source = o.logits ?? inProcessLogits(o.model);
    const p = await predictTokenLogits(ds, numLabels, o.batchSize, o.collate, source, o.lossOf);
    const scores = taggedLogMetrics(taggedMetrics(ds, p.tokenLogits));
    return { logits: p.tokenLogits, metrics: evalMetrics(p.loss, scores, ds.size, o, t0) };
  }
  const logits = await predictLogits(
    o.model,
    ds,
    o.batchSize,
    o.collate,
    o.problemType,
    o.lossOf,
    o.logits,
  );
  const scores = computeMetrics(o.problemType, logits.logits, ds.labels, numLabels);
  return { logits: logits.logits, metrics: evalMetrics(logits.loss, scores, ds.size, o, t0) };
}

/** `eval_loss`, compute_metrics' values `eval_`-prefixed, then the loop's timings. */
function evalMetrics(
  loss: number,
  scores: Record<string, number>,
  rows: number,
  o: { batchSize: number },
  t0: number,
): Record<string, number> {
  const seconds = (performance.now() - t0) / 1000;
  const steps = Math.ceil(rows / o.batchSize);
  const metrics: Record<string, number> = { eval_loss: loss };
  for (const [k, v] of Object.entries(scores)) metrics[`eval_${k}`] = v;
  metrics.eval_runtime = Number(seconds.toFixed(4));
  metrics.eval_samples_per_second = Number((rows / Math.max(seconds, 1e-9)).toFixed(3));
  metrics.eval_steps_per_second = Number((steps / Math.max(seconds, 1e-9)).toFixed(3));
  return metrics;
}

/**
 * Runs the model over a split in order (batches of `batchSize` rows, each given whole to
 * `source`); returns logits and (when `lossOf` is given) the sample-weighted mean loss.
 */
export async function predictLogits(
  model: SequenceClassifier,
  ds: LabeledDataset,
  batchSize: number,
  collate: CollateOptions,
  problemType: ProblemType,
  lossOf?: (logits: tf.Tensor, labels: tf.Tensor) => tf.Scalar,
  source: LogitsSource = inProcessLogits(model),
): Promise<{ logits: Float32Array; loss: number }> {
  const width = model.config.num_labels;
  const out = new Float32Array(ds.size * width);
  // Each batch's mean loss, read back at the end (no sync per batch for it).
  const losses: { loss: tf.Scalar; rows: number }[] = [];
  try {
    await source.begin();
    for (let start = 0; start < ds.size; start += batchSize) {
      const idx = new Uint32Array(Math.min(batchSize, ds.size - start));
      for (let i = 0; i < idx.length; i++) idx[i] = start + i;
      const values = await source.logits(collateBatch(ds.encoded, idx, collate));
      out.set(values, start * width);
      if (lossOf) {
        const loss = tf.tidy(() =>
          lossOf(tf.tensor2d(values, [idx.length, width]), labelTensor(ds, idx, problemType)),
        );
        losses.push({ loss, rows: idx.length });
      }
    }
    const values = await Promise.all(losses.map((l) => l.loss.data()));
    let lossTotal = 0;
    values.forEach((v, i) => (lossTotal += v[0] * losses[i].rows));
    return { logits: out, loss: ds.size > 0 ? lossTotal / ds.size : 0 };
  } finally {
    tf.dispose(losses.map((l) => l.loss));
  }
}
