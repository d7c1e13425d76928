/**
 * Token classification over data-parallel replicas: on a WNUT 2017 slice, the replicas' summed
 * token loss and gradients equal one thread's (dropout 0; the micro-batch's labelled tokens are
 * each share's denominator, so shares with more labelled tokens weigh more), and a 2-replica
 * Trainer run equals the 1-replica run: losses, grad norms, evaluation and final weights.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/core/backend';
import { readTagged } from '../../src/core/data/tagged';
import { bertFamily } from '../../src/core/model/bert';
import { smallBertConfig } from '../../src/core/model/bert/config';
import { SequenceClassifier } from '../../src/core/model/classifier';
import { taggedDataset } from '../../src/core/session/tagged';
import { loadTokenizerFromDir } from '../../src/core/tokenize/tokenizerNode';
import { parseTrainingArguments } from '../../src/core/train/args';
import type { LabeledDataset } from '../../src/core/train/dataset';
import { InProcessGradients, type GradientContext } from '../../src/core/train/gradients';
import { isTrainLog, type TrainLogEntry } from '../../src/core/train/state';
import { Trainer } from '../../src/core/train/trainer';
import {
  ParallelGradients,
  parallelGradients,
} from '../../src/core/train/parallel/workerGradients';
import { wnutSlice } from './helpers/nerCli';
import { maxRelDiff, readStep } from './helpers/stepGradients';

const MAX_LEN = 40;
const PT = 'single_label_classification';

let train: LabeledDataset;
let dev: LabeledDataset;
let vocabSize = 0;
let numLabels = 0;

function tokenModel(seed = 3): SequenceClassifier {
  const config = smallBertConfig({
    vocabSize,
    numLabels,
    maxLength: MAX_LEN,
    hiddenSize: 16,
    numLayers: 1,
    numHeads: 2,
    intermediateSize: 32,
    hiddenDropoutProb: 0,
    attentionProbsDropoutProb: 0,
  });
  return SequenceClassifier.create(bertFamily, config, seed, 'token');
}

function context(m: SequenceClassifier, loss: GradientContext['loss'] = {}): GradientContext {
  return {
    model: m,
    train,
    problemType: PT,
    numLabels,
    collate: { padding: 'longest', maxLength: MAX_LEN, padId: 0 },
    loss,
    seed: 42,
  };
}

const idx = (...rows: number[]) => Uint32Array.from(rows);

beforeAll(async () => {
  tf.env().set('PROD', true);
  await selectBackend('wasm');
  const tok = await loadTokenizerFromDir('public/tokenizers/bert-base-uncased');
  const corpus = readTagged(wnutSlice('wnut17train.conll', 60), { fileName: 'train.conll' });
  const devCorpus = readTagged(wnutSlice('emerging.dev.conll', 12), {
    fileName: 'dev.conll',
    labelNames: corpus.labelNames,
  });
  train = taggedDataset(tok, corpus, MAX_LEN, false);
  dev = taggedDataset(tok, devCorpus, MAX_LEN, false);
  vocabSize = tok.vocabSize;
  numLabels = corpus.labelNames.length;
}, 60_000);

const sources: ParallelGradients[] = [];
afterAll(async () => {
  await Promise.all(sources.map((s) => s.close()));
});

describe('token classification over replicas', () => {
  it.each([
    ['2 workers', 2, false, {}],
    ['3 shares with this thread, label smoothing', 3, true, { labelSmoothing: 0.1 }],
  ] as const)(
    '%s: same token loss and gradients as one thread',
    async (_n, r, main, loss) => {
      const m = tokenModel();
      const before = tf.memory().numTensors;
      const ctx = context(m, loss);
      const par = new ParallelGradients(ctx, { replicas: r, mainReplica: main, minSplitFlops: 0 });
      sources.push(par);
      // Two micro-batches (accumulation) of sentences with unequal numbers of labelled tokens: 7
      // rows (not divisible by the shares) and 2 (fewer rows than shares when r = 3).
      const groups = [idx(0, 3, 5, 8, 11, 13, 22), idx(4, 9)];
      const ref = await readStep(await new InProcessGradients(ctx).compute(groups, 0));
      const got = await readStep(await par.compute(groups, 0));
      expect(Math.abs(got.loss - ref.loss) / Math.abs(ref.loss)).toBeLessThan(1e-5);
      expect(maxRelDiff(got.grads, ref.grads)).toBeLessThan(1e-5);
      // The token head's gradients are there (the replicas built the token head).
      expect(got.grads.has('classifier.weight')).toBe(true);
      await par.close();
      expect(tf.memory().numTensors).toBe(before);
      m.dispose();
    },
    60_000,
  );

  it('a 2-replica Trainer run equals the 1-replica run: losses, grad norms, evaluation, weights', async () => {
    const args = parseTrainingArguments({
      output_dir: 'out',
      per_device_train_batch_size: 8, // 60 sentences: the last batch has 4
      gradient_accumulation_steps: 2,
      learning_rate: 5e-3,
      logging_steps: 1,
      num_train_epochs: 2,
      eval_strategy: 'epoch',
      save_strategy: 'no',
      seed: 7,
    }).args;
    const run = async (gradients?: ReturnType<typeof parallelGradients>) => {
      const m = tokenModel();
      const trainer = new Trainer({
        model: m,
        args,
        train,
        eval: dev,
        problemType: PT,
        numLabels,
        padId: 0,
        maxLength: MAX_LEN,
        gradients,
      });
      const out = await trainer.train();
      trainer.dispose();
      const weights = new Map<string, Float32Array>();
      for (const [k, v] of m.params) weights.set(k, await v.data<'float32'>());
      m.dispose();
      const logs = out.state.log_history;
      return {
        train: logs.filter(isTrainLog) as TrainLogEntry[],
        evals: logs.filter((e) => 'eval_loss' in e) as unknown as Record<string, number>[],
        weights,
      };
    };
    const ref = await run();
    const got = await run(parallelGradients({ replicas: 2, minSplitFlops: 0 }));
    expect(ref.train).toHaveLength(8);
    expect(got.train.map((l) => l.step)).toEqual(ref.train.map((l) => l.step));
    got.train.forEach((l, i) => {
      expect(Math.abs(l.loss - ref.train[i].loss) / ref.train[i].loss).toBeLessThan(1e-5);
      expect(Math.abs(l.grad_norm - ref.train[i].grad_norm) / ref.train[i].grad_norm).toBeLessThan(
        1e-5,
      );
    });
    expect(got.evals).toHaveLength(2);
    got.evals.forEach((e, i) => {
      expect(e.eval_loss).toBeCloseTo(ref.evals[i].eval_loss, 5);
      for (const k of ['eval_precision', 'eval_recall', 'eval_f1', 'eval_accuracy'])
        expect(e[k]).toBe(ref.evals[i][k]);
    });
    // Final weights within rounding (init std 0.02; AdamW turns the rounding noise of gradients
    // that are zero in exact arithmetic, the attention key bias's, into steps of its own size).
    for (const [k, w] of got.weights) {
      const r = ref.weights.get(k) as Float32Array;
      let worst = 0;
      for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(w[i] - r[i]));
      expect(worst, k).toBeLessThan(1e-6);
    }
  }, 180_000);
});
