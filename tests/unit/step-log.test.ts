/**
 * The Trainer's device-side step log (src/core/train/stepLog.ts): steps are recorded without a
 * read and read back at log entries, evaluations, checkpoints and the end; nan_policy keeps its
 * meaning when a non-finite step is found later than the step itself.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTrainingArguments } from '../../src/core/train/args';
import { AdamW } from '../../src/core/train/adamw';
import { isTrainLog } from '../../src/core/train/state';
import { DeviceStepLog, SLOTS, recordStepOps } from '../../src/core/train/stepLog';
import { NonFiniteLossError, Trainer } from '../../src/core/train/trainer';
import { MAX_LEN, tinyDataset, tinyModel } from './helpers/tinyTask';

const PT = 'single_label_classification';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('DeviceStepLog', () => {
  async function recordAll(policy: 'stop' | 'skip', steps: [number, number][]) {
    const log = new DeviceStepLog(policy);
    const gates: number[] = [];
    for (const [i, [l, n]] of steps.entries()) {
      const [loss, norm] = [tf.scalar(l), tf.scalar(n)];
      const gate = log.record(loss, norm, i + 1);
      gates.push((await gate.data())[0]);
      tf.dispose([loss, norm, gate]);
    }
    const read = await log.read();
    const again = await log.read();
    log.dispose();
    return { gates, read, again };
  }

  it("'skip': sums the finite steps, closes the gate of each non-finite one", async () => {
    const { gates, read, again } = await recordAll('skip', [
      [1, 2],
      [NaN, 3],
      [2, Infinity],
      [4, 5],
    ]);
    expect(gates).toEqual([1, 0, 0, 1]);
    expect(read).toEqual({
      lossSum: 5,
      steps: 2,
      lastNorm: 5,
      firstBad: { step: 2, value: NaN },
      notApplied: 2,
    });
    // A read starts a new interval; the last grad norm stays.
    expect(again).toEqual({ lossSum: 0, steps: 0, lastNorm: 5, firstBad: null, notApplied: 0 });
  });

  it("'stop': from the first non-finite step on nothing is applied", async () => {
    const { gates, read } = await recordAll('stop', [
      [1, 2],
      [3, Infinity],
      [4, 5],
    ]);
    expect(gates).toEqual([1, 0, 0]);
    expect(read.firstBad).toEqual({ step: 2, value: Infinity });
    expect(read).toMatchObject({ lossSum: 1, steps: 1, lastNorm: 2, notApplied: 2 });
  });

  it('the ops give the kernel slots the step log reads', () => {
    const state = tf.tensor1d([0, 0, 0, 0, 0, 0, 1, 0]);
    const [l, n] = [tf.scalar(2), tf.scalar(3)];
    const next = recordStepOps(state, l, n, { step: 1, stopOnBad: 1 });
    const v = next.dataSync();
    expect([v[SLOTS.lossSum], v[SLOTS.steps], v[SLOTS.lastNorm], v[SLOTS.gate]]).toEqual([
      2, 1, 3, 1,
    ]);
    tf.dispose([state, l, n, next]);
  });
});

describe('AdamW under a gate', () => {
  it('a closed gate keeps parameters and moments bit for bit, an open one is the plain step', async () => {
    const make = () =>
      new Map([['w', tf.variable(tf.tensor1d([0.5, -0, 2]), true, `w${Math.random()}`)]]);
    const [plain, gated] = [make(), make()];
    const [a, b] = [new AdamW(plain), new AdamW(gated)];
    const g1 = new Map([['w', tf.tensor1d([0.1, 0.2, -0.3])]]);
    const bad = new Map([['w', tf.tensor1d([NaN, 1, 2])]]);
    const [open, closed] = [tf.tensor1d([1]), tf.tensor1d([0])];
    a.step(g1, 1e-2);
    b.step(g1, 1e-2, open);
    const afterOne = Array.from(await gated.get('w')!.data());
    expect(afterOne).toEqual(Array.from(await plain.get('w')!.data()));
    b.step(bad, 1e-2, closed);
    expect(Array.from(await gated.get('w')!.data())).toEqual(afterOne);
    expect(b.stepCount).toBe(2);
    b.forgetSteps(1);
    expect(b.stepCount).toBe(1);
    expect((await b.getState()).m).toEqual((await a.getState()).m);
    expect(() => b.forgetSteps(2)).toThrow(/not a count of past steps/);
    a.step(g1, 1e-2);
    b.step(g1, 1e-2, open);
    expect(Array.from(await gated.get('w')!.data())).toEqual(
      Array.from(await plain.get('w')!.data()),
    );
    tf.dispose([
      ...g1.values(),
      ...bad.values(),
      open,
      closed,
      ...plain.values(),
      ...gated.values(),
    ]);
    a.dispose();
    b.dispose();
  });
});

describe('the Trainer reads its steps at log entries only', () => {
  // Class weight 0 for class 0: a batch of one class-0 row has loss 0/0 = NaN.
  const poisoned = {
    output_dir: 'out',
    per_device_train_batch_size: 1,
    train_sampling_strategy: 'sequential',
    class_weights: [0, 1],
    learning_rate: 1e-2,
    max_steps: 8,
    eval_strategy: 'no',
    save_strategy: 'no',
  };
  const train = tinyDataset(12, PT, 3);
  const labels = Array.from(train.labels.subarray(0, 8));

  async function snapshotRun(over: Record<string, unknown>) {
    const { args } = parseTrainingArguments({ ...poisoned, ...over });
    const model = tinyModel(PT);
    const weights: number[][] = [];
    const snap = () =>
      weights.push([...model.params.values()].flatMap((v) => Array.from(v.dataSync())));
    snap();
    const trainer = new Trainer({
      model,
      args,
      train,
      problemType: PT,
      numLabels: 2,
      padId: 0,
      maxLength: MAX_LEN,
      callbacks: [{ on_step_end: snap }],
    });
    const result = await trainer.train().then(
      (out) => ({ out, err: null }),
      (err: unknown) => ({ out: null, err }),
    );
    trainer.dispose();
    model.dispose();
    return { ...result, weights };
  }

  it("'stop' finds the NaN step at the next log entry, nothing applied from it on", async () => {
    const first = labels.indexOf(0);
    expect(first).toBeLessThan(3);
    const { err, weights } = await snapshotRun({ nan_policy: 'stop', logging_steps: 4 });
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect((err as NonFiniteLossError).step).toBe(first + 1);
    expect((err as NonFiniteLossError).value).toBeNaN();
    // Steps 1..4 ran (the read is at step 4's log entry); none from the NaN step on changed a weight.
    expect(weights).toHaveLength(5);
    for (let s = first + 1; s <= 4; s++) expect(weights[s]).toEqual(weights[first]);
  });

  it("'skip' leaves each NaN step's weights; until the next read it counts in Adam's bias correction", async () => {
    const every = await snapshotRun({ nan_policy: 'skip', logging_steps: 1 });
    const late = await snapshotRun({ nan_policy: 'skip', logging_steps: 4 });
    expect(late.err).toBeNull();
    const logged = late.out!.state.log_history.filter(isTrainLog);
    expect(logged.map((e) => e.step)).toEqual([4, 8]);
    expect(logged.every((e) => Number.isFinite(e.loss) && Number.isFinite(e.grad_norm))).toBe(true);
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] === 0) expect(late.weights[i + 1]).toEqual(late.weights[i]);
      else expect(late.weights[i + 1]).not.toEqual(late.weights[i]);
    }
    // Up to the first skipped step both runs are the same. After it, until the read at step 4,
    // the skipped step still counts in Adam's bias correction (t one higher): the next applied
    // update differs from the every-step run's, slightly.
    const first = labels.indexOf(0);
    const next = labels.indexOf(1, first) + 1;
    expect(next).toBeLessThanOrEqual(4);
    for (let s = 0; s <= first + 1; s++) expect(late.weights[s]).toEqual(every.weights[s]);
    const diff = Math.max(
      ...late.weights[next].map((w, j) => Math.abs(w - every.weights[next][j])),
    );
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(1e-2);
  });
});
