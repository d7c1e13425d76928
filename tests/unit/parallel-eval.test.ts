/**
 * Data-parallel evaluation over the gradient replicas: each eval batch split into contiguous
 * shares, logits gathered in row order, so logits, eval_loss and metrics are one process's; the
 * replicas get the current weights before each evaluation (also after the last optimizer step);
 * nothing leaks and the workers end. A batch under the split threshold (2 x encoder parameters x
 * padded tokens against `minSplitFlops`) runs on this thread: no worker starts for it.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/core/backend';
import type { SequenceClassifier } from '../../src/core/model/classifier';
import type { ProblemType } from '../../src/core/model/config';
import { parseTrainingArguments } from '../../src/core/train/args';
import type { LabeledDataset } from '../../src/core/train/dataset';
import { evaluateModel, type EvalOutput, type LogitsSource } from '../../src/core/train/evaluate';
import { computeLoss } from '../../src/core/train/losses';
import { Trainer } from '../../src/core/train/trainer';
import { nodeReplicas } from '../../src/core/train/parallel/nodeReplicas';
import { encoderFlops } from '../../src/core/train/parallel/options';
import type { ReplicaSpawner } from '../../src/core/train/parallel/transport';
import {
  ParallelGradients,
  evaluationContext,
  parallelGradients,
} from '../../src/core/train/parallel/workerGradients';
import { MAX_LEN, tinyDataset, tinyModel } from './helpers/tinyTask';

function evaluate(
  m: SequenceClassifier,
  ds: LabeledDataset,
  problemType: ProblemType,
  batchSize: number,
  logits?: LogitsSource,
): Promise<EvalOutput> {
  return evaluateModel({
    model: m,
    dataset: ds,
    problemType,
    numLabels: m.config.num_labels,
    batchSize,
    collate: { padding: 'longest', maxLength: MAX_LEN, padId: 0, padToMultipleOf: 8 },
    lossOf: (l, y) => computeLoss(problemType, l, y, {}),
    logits,
  });
}

/** Same logits (1e-5 of the largest), and every metric but the timings within 1e-5. */
function expectSame(got: EvalOutput, ref: EvalOutput): void {
  expect(got.logits.length).toBe(ref.logits.length);
  let scale = 0;
  for (const v of ref.logits) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < ref.logits.length; i++) {
    expect(Math.abs(got.logits[i] - ref.logits[i])).toBeLessThan(1e-5 * Math.max(scale, 1));
  }
  const timing = /runtime|per_second/;
  const keys = Object.keys(ref.metrics).filter((k) => !timing.test(k));
  expect(Object.keys(got.metrics).filter((k) => !timing.test(k))).toEqual(keys);
  expect(keys).toContain('eval_loss');
  for (const k of keys) expect(Math.abs(got.metrics[k] - ref.metrics[k])).toBeLessThan(1e-5);
}

/** Multiplies every weight by `f` (weights change with no training step in between). */
function scaleWeights(m: SequenceClassifier, f: number): void {
  for (const v of m.params.values()) {
    const t = tf.mul(v, f);
    v.assign(t);
    t.dispose();
  }
}

const started = (s: ParallelGradients) => (s as unknown as { started: unknown }).started;

beforeAll(async () => {
  tf.env().set('PROD', true);
  await selectBackend('wasm');
});

const sources: ParallelGradients[] = [];
afterAll(async () => {
  await Promise.all(sources.map((s) => s.close()));
});

describe('parallel evaluation', () => {
  const cases: [string, ProblemType, number, boolean][] = [
    ['single-label, 3 shares with this thread', 'single_label_classification', 3, true],
    ['multi-label, 2 workers', 'multi_label_classification', 2, false],
    ['regression, 2 shares with this thread', 'regression', 2, true],
  ];
  it.each(cases)('%s: the logits and metrics of one process', async (_n, pt, r, main) => {
    const m = tinyModel(pt, { dropout: 0.1 }); // dropout: off in evaluation
    // 23 rows in batches of 10: shares of 3/3/4 rows, and a last batch of 3 rows (1 each).
    const ds = tinyDataset(23, pt);
    const before = tf.memory().numTensors; // the model's variables included
    const ref = await evaluate(m, ds, pt, 10);
    const par = new ParallelGradients(evaluationContext(m), {
      replicas: r,
      mainReplica: main,
      minSplitFlops: 0, // every batch splits, however small
    });
    sources.push(par);
    expectSame(await evaluate(m, ds, pt, 10, par.forward), ref);
    // A batch with fewer rows than shares: some replicas get none.
    expectSame(await evaluate(m, ds, pt, 2, par.forward), await evaluate(m, ds, pt, 2));
    // The weights change (no training step): the next evaluation sends them again.
    scaleWeights(m, 3);
    const ref2 = await evaluate(m, ds, pt, 10);
    let moved = 0;
    ref2.logits.forEach((v, i) => (moved = Math.max(moved, Math.abs(v - ref.logits[i]))));
    expect(moved).toBeGreaterThan(1e-2);
    expectSame(await evaluate(m, ds, pt, 10, par.forward), ref2);
    await par.close();
    expect(started(par)).toBeNull();
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });

  it("batches under the split threshold run on this thread: no worker, one thread's logits exactly", async () => {
    const pt = 'single_label_classification';
    const m = tinyModel(pt);
    const ds = tinyDataset(23, pt);
    // Workers started, and ended, by the sources below.
    const counts = { started: 0, ended: 0 };
    const spawn: ReplicaSpawner = (k) => {
      counts.started++;
      const endpoint = nodeReplicas()(k);
      const terminate = endpoint.terminate;
      endpoint.terminate = () => (counts.ended++, terminate());
      return endpoint;
    };
    const ref2 = await evaluate(m, ds, pt, 2);
    const ref10 = await evaluate(m, ds, pt, 10);
    // At the default threshold (1 GFLOP) this model's batches never split.
    const small = new ParallelGradients(evaluationContext(m), {
      replicas: 2,
      mainReplica: true,
      spawn,
    });
    sources.push(small);
    const got10 = await evaluate(m, ds, pt, 10, small.forward);
    expect(Array.from(got10.logits)).toEqual(Array.from(ref10.logits));
    expect(got10.metrics.eval_loss).toBe(ref10.metrics.eval_loss);
    expect(counts.started).toBe(0);
    await small.close();
    // The threshold at 40 tokens' forward: batches of 2 rows (at most 24 tokens) stay here,
    // batches of 10 (80 or more) split.
    const mixed = new ParallelGradients(evaluationContext(m), {
      replicas: 2,
      mainReplica: true,
      spawn,
      minSplitFlops: encoderFlops(m, 40) / 3,
    });
    sources.push(mixed);
    const got2 = await evaluate(m, ds, pt, 2, mixed.forward);
    expect(Array.from(got2.logits)).toEqual(Array.from(ref2.logits));
    expect(counts.started).toBe(0);
    expectSame(await evaluate(m, ds, pt, 10, mixed.forward), ref10);
    expect(counts.started).toBe(1);
    // The weights change: the next evaluation's first split batch sends them again.
    scaleWeights(m, 3);
    expectSame(await evaluate(m, ds, pt, 10, mixed.forward), await evaluate(m, ds, pt, 10));
    await mixed.close();
    expect(counts.ended).toBe(1);
    // Workers pre-started for a source whose batches never split end with it.
    const pre = parallelGradients({ replicas: 2, mainReplica: true, spawn, prestart: true })(
      evaluationContext(m),
    ) as ParallelGradients;
    sources.push(pre);
    expect(counts.started).toBe(2);
    await evaluate(m, ds, pt, 10, pre.forward);
    await pre.close();
    expect(counts.ended).toBe(2);
    m.dispose();
  });

  it("the Trainer's evaluations run on its replicas at the current weights, also after train()", async () => {
    const pt = 'single_label_classification';
    const train = tinyDataset(30, pt, 5);
    const evalSet = tinyDataset(21, pt, 6);
    const args = parseTrainingArguments({
      output_dir: 'out',
      per_device_train_batch_size: 8,
      per_device_eval_batch_size: 8, // 21 rows: 8, 8, 5; 2 shares of 4 / 4 / 2-3 rows
      learning_rate: 5e-3,
      max_steps: 3,
      eval_strategy: 'steps',
      eval_steps: 2,
      logging_steps: 1,
      save_strategy: 'no',
    }).args;
    const before = tf.memory().numTensors;
    const m = tinyModel(pt, { seed: 4, dropout: 0.1 });
    let source: ParallelGradients | null = null;
    const factory = parallelGradients({ replicas: 2, mainReplica: true, minSplitFlops: 0 });
    const trainer = new Trainer({
      model: m,
      args,
      train,
      eval: evalSet,
      problemType: pt,
      numLabels: 2,
      padId: 0,
      maxLength: MAX_LEN,
      gradients: (ctx) => (source = factory(ctx) as ParallelGradients),
    });
    const forward = (source as unknown as ParallelGradients).forward;
    let calls = 0;
    const logits = forward.logits;
    forward.logits = (b) => {
      calls++;
      return logits(b);
    };
    const out = await trainer.train();
    // The evaluations at step 2 and at max_steps (3, as transformers 5 evaluates there) ran on
    // the replicas (3 batches each).
    expect(calls).toBe(6);
    const evalSteps = out.state.log_history.filter((e) => 'eval_loss' in e).map((e) => e.step);
    expect(evalSteps).toEqual([2, 3]);
    // After train(): the replicas still evaluate, at the final weights.
    const got = await trainer.runEval(evalSet);
    expect(calls).toBe(9);
    const ref = await evaluateModel({
      model: m,
      dataset: evalSet,
      problemType: pt,
      numLabels: 2,
      batchSize: 8,
      collate: { padding: 'longest', maxLength: MAX_LEN, padId: 0, padToMultipleOf: 8 },
      lossOf: (l, y) => computeLoss(pt, l, y, {}),
    });
    expectSame(got, ref);
    trainer.dispose();
    expect(started(source as unknown as ParallelGradients)).toBeNull();
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
