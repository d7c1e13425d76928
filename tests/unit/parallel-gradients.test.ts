/**
 * Data parallelism over worker_threads: the replicas' summed gradients equal one process's
 * (dropout 0), whatever the split; the Trainer gives the same run; workers end with the run, and
 * a failing replica is a clear error.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/core/backend';
import type { SequenceClassifier } from '../../src/core/model/classifier';
import type { ProblemType } from '../../src/core/model/config';
import { parseTrainingArguments } from '../../src/core/train/args';
import type { LabeledDataset } from '../../src/core/train/dataset';
import { InProcessGradients, type GradientContext } from '../../src/core/train/gradients';
import { isTrainLog, type TrainLogEntry } from '../../src/core/train/state';
import { Trainer } from '../../src/core/train/trainer';
import {
  ParallelGradients,
  parallelGradients,
} from '../../src/core/train/parallel/workerGradients';
import { canSumInPlace } from '../../src/core/train/parallel/inPlaceSum';
import { maxRelDiff, readStep } from './helpers/stepGradients';
import { MAX_LEN, tinyDataset, tinyModel } from './helpers/tinyTask';

function context(
  m: SequenceClassifier,
  train: LabeledDataset,
  problemType: ProblemType,
  loss: GradientContext['loss'] = {},
): GradientContext {
  return {
    model: m,
    train,
    problemType,
    numLabels: m.config.num_labels ?? 2,
    collate: { padding: 'longest', maxLength: MAX_LEN, padId: 0 },
    loss,
    seed: 42,
  };
}

const idx = (...rows: number[]) => Uint32Array.from(rows);

beforeAll(async () => {
  tf.env().set('PROD', true);
  await selectBackend('wasm');
});

const sources: ParallelGradients[] = [];
afterAll(async () => {
  await Promise.all(sources.map((s) => s.close()));
});

describe('ParallelGradients', () => {
  // The last field: the staging buffer's floats (undefined: the default, one chunk for these
  // models); 97 cuts every parameter and the embedding rows across chunks.
  const cases: [string, ProblemType, GradientContext['loss'], number, boolean, number?][] = [
    ['single-label, 2 workers', 'single_label_classification', {}, 2, false],
    [
      'single-label, class weights + smoothing, 3 shares with this thread',
      'single_label_classification',
      { classWeights: [0.3, 1.7], labelSmoothing: 0.1 },
      3,
      true,
    ],
    ['multi-label, 2 shares with this thread', 'multi_label_classification', {}, 2, true],
    ['regression, 2 workers', 'regression', {}, 2, false],
    [
      'single-label, 2 shares with this thread, 97-float chunks',
      'single_label_classification',
      {},
      2,
      true,
      97,
    ],
    ['multi-label, 3 workers, 97-float chunks', 'multi_label_classification', {}, 3, false, 97],
  ];
  it.each(cases)(
    '%s: same loss and gradients as one process',
    async (_n, pt, loss, r, main, staging) => {
      const train = tinyDataset(23, pt);
      const m = tinyModel(pt);
      const before = tf.memory().numTensors; // the model's variables included
      const ctx = context(m, train, pt, loss);
      const par = new ParallelGradients(ctx, {
        replicas: r,
        mainReplica: main,
        minSplitFlops: 0,
        stagingFloats: staging,
      });
      sources.push(par);
      // Two micro-batches (gradient accumulation): 7 rows (not divisible by r) and 2 rows (short,
      // fewer rows than shares when r = 3: a replica gets none).
      const groups = [idx(0, 3, 5, 8, 11, 13, 22), idx(4, 9)];
      const ref = await readStep(await new InProcessGradients(ctx).compute(groups, 0));
      const got = await readStep(await par.compute(groups, 0));
      expect(Math.abs(got.loss - ref.loss) / Math.abs(ref.loss)).toBeLessThan(1e-5);
      expect(maxRelDiff(got.grads, ref.grads)).toBeLessThan(1e-5);
      await par.close();
      expect(tf.memory().numTensors).toBe(before);
      m.dispose();
    },
  );

  it("this thread's own share's gradients own their buffers on wasm, so the workers' are added in place", async () => {
    // Otherwise each worker's gradients would come into a model-sized array of their own.
    const pt = 'single_label_classification';
    const m = tinyModel(pt);
    const ctx = context(m, tinyDataset(8, pt), pt);
    for (const checkpointing of [false, true]) {
      m.gradientCheckpointing = checkpointing;
      const g = await new InProcessGradients(ctx).compute([idx(0, 1, 2, 3), idx(4, 5)], 0);
      expect(canSumInPlace(g.grads), `checkpointing ${checkpointing}`).toBe(true);
      tf.dispose([g.loss, ...g.grads.values()]);
    }
    m.dispose();
  });

  it('a step under minSplitFlops runs on this thread alone: exactly the in-process result', async () => {
    const pt = 'single_label_classification';
    const train = tinyDataset(23, pt);
    const m = tinyModel(pt);
    const ctx = context(m, train, pt, {});
    const par = new ParallelGradients(ctx, { replicas: 2, mainReplica: true }); // default: 1 GFLOP
    sources.push(par);
    const groups = [idx(0, 3, 5, 8, 11, 13, 22)];
    const ref = await readStep(await new InProcessGradients(ctx).compute(groups, 0));
    const got = await readStep(await par.compute(groups, 0));
    expect(got.loss).toBe(ref.loss);
    expect(maxRelDiff(got.grads, ref.grads)).toBe(0);
    await par.close();
    m.dispose();
  });

  it('the Trainer gives the same losses and grad norms as in-process, and ends its workers', async () => {
    const pt = 'single_label_classification';
    const train = tinyDataset(30, pt, 5);
    const args = parseTrainingArguments({
      output_dir: 'out',
      per_device_train_batch_size: 8, // 30 rows: the last batch has 6
      gradient_accumulation_steps: 2,
      learning_rate: 5e-3,
      logging_steps: 1,
      num_train_epochs: 2,
      save_strategy: 'no',
      class_weights: 'balanced',
    }).args;
    const run = async (gradients?: ReturnType<typeof parallelGradients>) => {
      const before = tf.memory().numTensors;
      const m = tinyModel(pt);
      let source: ParallelGradients | null = null;
      const trainer = new Trainer({
        model: m,
        args,
        train,
        problemType: pt,
        numLabels: 2,
        padId: 0,
        maxLength: MAX_LEN,
        gradients: gradients
          ? (ctx) => {
              source = gradients(ctx) as ParallelGradients;
              return source;
            }
          : undefined,
      });
      const out = await trainer.train();
      trainer.dispose();
      const weights = await m.params.get('classifier.weight')!.data();
      m.dispose();
      expect(tf.memory().numTensors).toBe(before);
      const logs = out.state.log_history.filter(isTrainLog) as TrainLogEntry[];
      return { logs, weights, source: source as ParallelGradients | null };
    };
    const ref = await run();
    // Small chunks: every step's weights reach the workers in many pieces.
    const got = await run(parallelGradients({ replicas: 2, minSplitFlops: 0, stagingFloats: 97 }));
    expect(got.logs.map((l) => l.step)).toEqual(ref.logs.map((l) => l.step));
    expect(ref.logs).toHaveLength(4);
    got.logs.forEach((l, i) => {
      expect(l.loss).toBeCloseTo(ref.logs[i].loss, 4);
      expect(Math.abs(l.grad_norm - ref.logs[i].grad_norm) / ref.logs[i].grad_norm).toBeLessThan(
        1e-5,
      );
    });
    for (let i = 0; i < ref.weights.length; i++) {
      expect(got.weights[i]).toBeCloseTo(ref.weights[i], 5);
    }
    // dispose() closed the source: its workers have exited.
    expect(got.source).not.toBeNull();
    expect((got.source as unknown as { started: unknown }).started).toBeNull();
  });

  it('a failing replica is a clear error, not a hang, and train() ends the workers', async () => {
    const pt = 'single_label_classification';
    const before = tf.memory().numTensors;
    const m = tinyModel(pt);
    const workerUrl = new URL('./helpers/failingReplica.ts', import.meta.url);
    let source: ParallelGradients | null = null;
    const trainer = new Trainer({
      model: m,
      args: parseTrainingArguments({ output_dir: 'out', max_steps: 2, save_strategy: 'no' }).args,
      train: tinyDataset(10, pt),
      problemType: pt,
      numLabels: 2,
      padId: 0,
      maxLength: MAX_LEN,
      gradients: (ctx) =>
        (source = new ParallelGradients(ctx, {
          replicas: 2,
          mainReplica: true,
          workerUrl,
          minSplitFlops: 0,
        })),
    });
    await expect(trainer.train()).rejects.toThrow(
      /gradient replica 0 failed: .*deliberate failure/,
    );
    expect((source as unknown as { started: unknown }).started).toBeNull();
    trainer.dispose();
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('with dropout, the same step gives the same gradients again (seeded per share)', async () => {
    const pt = 'single_label_classification';
    const m = tinyModel(pt, { dropout: 0.2 });
    const ctx = context(m, tinyDataset(12, pt), pt);
    const par = new ParallelGradients(ctx, { replicas: 2, mainReplica: true, minSplitFlops: 0 });
    sources.push(par);
    const groups = [idx(0, 1, 2, 3, 4, 5, 6)];
    const a = await readStep(await par.compute(groups, 3));
    const b = await readStep(await par.compute(groups, 3));
    const c = await readStep(await par.compute(groups, 4));
    expect(b.loss).toBe(a.loss);
    expect(maxRelDiff(b.grads, a.grads)).toBe(0);
    expect(c.loss).not.toBe(a.loss);
    await par.close();
    m.dispose();
  });

  it('a replica that cannot start is a clear error', async () => {
    const pt = 'single_label_classification';
    const m = tinyModel(pt);
    const workerUrl = new URL('./helpers/missingReplica.ts', import.meta.url);
    const par = new ParallelGradients(context(m, tinyDataset(4, pt), pt), {
      replicas: 1,
      workerUrl,
    });
    await expect(par.compute([idx(0, 1)], 0)).rejects.toThrow(/gradient replica 0 failed/);
    await par.close();
    m.dispose();
  });
});
