/**
 * A word-embedding table large enough to be a bucket of its own (30,522 x 40, BERT's vocabulary):
 * with replicas its gradient stays the rows of the step's tokens from the replicas' exchange to
 * AdamW (on wasm the one-pass rows kernel), and the run equals the one-process run (dense
 * gradient) up to rounding: losses, grad norms and every row of the table, including rows whose
 * moments only decay in later steps.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/core/backend';
import { SequenceClassifier } from '../../src/core/model/classifier';
import { bertFamily } from '../../src/core/model/bert';
import { smallBertConfig } from '../../src/core/model/bert/config';
import { wasmAdamWRows } from '../../src/core/kernels/wasmAdamWRows';
import { parseTrainingArguments } from '../../src/core/train/args';
import type { LabeledDataset } from '../../src/core/train/dataset';
import { ALONE_ELEMENTS, sparseRowsOf } from '../../src/core/train/flatParams';
import type { GradientSource } from '../../src/core/train/gradients';
import { isTrainLog, type TrainLogEntry } from '../../src/core/train/state';
import { Trainer } from '../../src/core/train/trainer';
import { parallelGradients } from '../../src/core/train/parallel/workerGradients';
import { createRng } from '../../src/core/util/rng';

const VOCAB = 30522;
const HIDDEN = 40;
const MAX_LEN = 10;
const TABLE = 'bert.embeddings.word_embeddings.weight';

/** `n` rows of 3..10 tokens drawn from the whole vocabulary, two classes. */
function dataset(n: number): LabeledDataset {
  const rng = createRng(7);
  const offsets = new Uint32Array(n + 1);
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const len = 3 + rng.nextInt(MAX_LEN - 2);
    ids.push(101);
    for (let t = 1; t < len; t++) ids.push(1000 + rng.nextInt(VOCAB - 1000));
    offsets[i + 1] = ids.length;
  }
  return {
    encoded: { ids: Uint16Array.from(ids), offsets, typeIds: null, truncated: 0 },
    labels: Int32Array.from({ length: n }, () => rng.nextInt(2)),
    labelWidth: 1,
    size: n,
  };
}

function model(): SequenceClassifier {
  const config = smallBertConfig({
    vocabSize: VOCAB,
    numLabels: 2,
    maxLength: MAX_LEN,
    hiddenSize: HIDDEN,
    numLayers: 1,
    numHeads: 2,
    intermediateSize: 64,
    hiddenDropoutProb: 0,
    attentionProbsDropoutProb: 0,
    problemType: 'single_label_classification',
  });
  return SequenceClassifier.create(bertFamily, config, 5);
}

beforeAll(async () => {
  tf.env().set('PROD', true);
  await selectBackend('wasm');
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('replicas with a row-sparse word-embedding gradient', () => {
  it('train as one process does: losses, grad norms and every row of the table (wasm)', async () => {
    expect(VOCAB * HIDDEN).toBeGreaterThanOrEqual(ALONE_ELEMENTS);
    expect(wasmAdamWRows()).not.toBeNull();
    const train = dataset(24);
    const args = parseTrainingArguments({
      output_dir: 'out',
      per_device_train_batch_size: 6,
      learning_rate: 1e-2,
      weight_decay: 0.01,
      max_grad_norm: 0.5,
      logging_steps: 1,
      max_steps: 4,
      save_strategy: 'no',
      train_sampling_strategy: 'sequential',
    }).args;
    const run = async (replicas: number) => {
      const m = model();
      let sparseSteps = 0;
      const make = replicas > 1 ? parallelGradients({ replicas, minSplitFlops: 0 }) : null;
      const trainer = new Trainer({
        model: m,
        args,
        train,
        problemType: 'single_label_classification',
        numLabels: 2,
        padId: 0,
        maxLength: MAX_LEN,
        gradients: make
          ? (ctx) => {
              const source: GradientSource = make(ctx);
              const compute = source.compute.bind(source);
              // Which steps' table gradients came as rows.
              source.compute = async (groups, step) => {
                const out = await compute(groups, step);
                if (sparseRowsOf(out.grads.get(TABLE) as tf.Tensor)) sparseSteps++;
                return out;
              };
              return source;
            }
          : undefined,
      });
      const out = await trainer.train();
      trainer.dispose();
      const table = await (m.params.get(TABLE) as tf.Variable).data();
      m.dispose();
      const logs = out.state.log_history.filter(isTrainLog) as TrainLogEntry[];
      return { logs, table, sparseSteps };
    };
    const ref = await run(1);
    const got = await run(2);
    expect(got.sparseSteps).toBe(4);
    expect(got.logs).toHaveLength(4);
    got.logs.forEach((l, i) => {
      expect(Math.abs(l.loss - ref.logs[i].loss) / ref.logs[i].loss).toBeLessThan(1e-5);
      expect(Math.abs(l.grad_norm - ref.logs[i].grad_norm) / ref.logs[i].grad_norm).toBeLessThan(
        1e-5,
      );
    });
    let worst = 0;
    for (let i = 0; i < ref.table.length; i++) {
      worst = Math.max(worst, Math.abs(got.table[i] - ref.table[i]));
    }
    // As the parallel Trainer test's weights: AdamW's updates are lr-sized (1e-2) whatever the
    // gradient's size, so a gradient near zero carries rounding into them; a row updated wrongly
    // (or not at all) is off by about lr.
    expect(worst).toBeLessThan(5e-6);
  });
});
