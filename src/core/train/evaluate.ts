/**
 * The evaluation loop: logits for every row in order, the sample-weighted mean loss (as HF's
 * `evaluation_loop`), and `compute_metrics` with the `eval_` prefix.
 */
import * as tf from '@tensorflow/tfjs';
import type { BertForSequenceClassification } from '../model/bert';
import {
  batchTensors,
  disposeBatch,
  inputsOf,
  type CollateOptions,
  type LabeledDataset,
  type ProblemType,
} from './dataset';
import { computeMetrics } from './metrics';

export interface EvalOutput {
  /** Row-major logits [N, num_labels]. */
  logits: Float32Array;
  /** `eval_loss`, `eval_<metric>`..., `eval_runtime`, `eval_samples_per_second`, `eval_steps_per_second`. */
  metrics: Record<string, number>;
}

export async function evaluateModel(o: {
  model: BertForSequenceClassification;
  dataset: LabeledDataset;
  problemType: ProblemType;
  numLabels: number;
  batchSize: number;
  collate: CollateOptions;
  lossOf?: (logits: tf.Tensor, labels: tf.Tensor) => tf.Scalar;
}): Promise<EvalOutput> {
  const t0 = performance.now();
  const { dataset: ds, numLabels } = o;
  const logits = await predictLogits(o.model, ds, o.batchSize, o.collate, o.problemType, o.lossOf);
  const seconds = (performance.now() - t0) / 1000;
  const steps = Math.ceil(ds.size / o.batchSize);
  const metrics: Record<string, number> = { eval_loss: logits.loss };
  const labels = ds.labels;
  for (const [k, v] of Object.entries(
    computeMetrics(o.problemType, logits.logits, labels, numLabels),
  )) {
    metrics[`eval_${k}`] = v;
  }
  metrics.eval_runtime = Number(seconds.toFixed(4));
  metrics.eval_samples_per_second = Number((ds.size / Math.max(seconds, 1e-9)).toFixed(3));
  metrics.eval_steps_per_second = Number((steps / Math.max(seconds, 1e-9)).toFixed(3));
  return { logits: logits.logits, metrics };
}

/** Runs the model over a split in order; returns logits and (when `lossOf` is given) mean loss. */
export async function predictLogits(
  model: BertForSequenceClassification,
  ds: LabeledDataset,
  batchSize: number,
  collate: CollateOptions,
  problemType: ProblemType,
  lossOf?: (logits: tf.Tensor, labels: tf.Tensor) => tf.Scalar,
): Promise<{ logits: Float32Array; loss: number }> {
  const width = model.config.num_labels;
  const out = new Float32Array(ds.size * width);
  let lossTotal = 0;
  for (let start = 0; start < ds.size; start += batchSize) {
    const idx = new Uint32Array(Math.min(batchSize, ds.size - start));
    for (let i = 0; i < idx.length; i++) idx[i] = start + i;
    const batch = batchTensors(ds, idx, problemType, collate);
    const [logits, loss] = tf.tidy(() => {
      const { logits } = model.forward(inputsOf(batch), { training: false });
      return [logits, lossOf ? lossOf(logits, batch.labels) : tf.scalar(0)] as const;
    });
    disposeBatch(batch);
    const [l, v] = await Promise.all([logits.data(), loss.data()]);
    tf.dispose([logits, loss]);
    out.set(l as Float32Array, start * width);
    lossTotal += v[0] * idx.length;
  }
  return { logits: out, loss: ds.size > 0 ? lossTotal / ds.size : 0 };
}
