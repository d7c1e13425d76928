import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fx from '../fixtures/numerics/losses.json';
import {
  balancedClassWeights,
  bceWithLogits,
  computeLoss,
  crossEntropy,
  headLoss,
  lossDenominator,
  mse,
  resolveClassWeights,
} from '../../src/core/train/losses';
import { batchGradients } from '../../src/core/train/gradients';
import { tinyModel } from './helpers/tinyTask';
import type { LossOptions } from '../../src/core/train/losses';

const rel = (a: number, e: number) => Math.abs(a - e) / Math.abs(e);
async function val(t: tf.Scalar): Promise<number> {
  const v = (await t.data())[0];
  t.dispose();
  return v;
}

let before = 0;
beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => {
  before = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors).toBe(before);
});

/** float64 reference of ATen's cross_entropy_loss_label_smoothing (mean, with weights). */
function ceRef(logits: number[][], labels: number[], eps: number, w?: number[]): number {
  const C = logits[0].length;
  const weight = w ?? new Array(C).fill(1);
  let nll = 0;
  let smooth = 0;
  let denom = 0;
  logits.forEach((row, i) => {
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
    const logp = row.map((x) => x - lse);
    nll += -weight[labels[i]] * logp[labels[i]];
    smooth += -logp.reduce((s, x, c) => s + weight[c] * x, 0);
    denom += weight[labels[i]];
  });
  return (1 - eps) * (nll / denom) + (eps / C) * (smooth / denom);
}

describe('losses match torch', () => {
  const sl = fx.single_label;
  const ml = fx.multi_label;
  const rg = fx.regression;

  it('cross entropy, plain / label smoothing 0.1 / class weights', async () => {
    const logits = tf.tensor2d(sl.logits);
    const labels = tf.tensor1d(sl.labels, 'int32');
    expect(rel(await val(crossEntropy(logits, labels)), sl.cross_entropy)).toBeLessThan(1e-6);
    expect(
      rel(
        await val(crossEntropy(logits, labels, { labelSmoothing: 0.1 })),
        sl.cross_entropy_label_smoothing_0_1,
      ),
    ).toBeLessThan(1e-6);
    expect(
      rel(
        await val(crossEntropy(logits, labels, { classWeights: sl.class_weights })),
        sl.cross_entropy_class_weighted,
      ),
    ).toBeLessThan(1e-6);
    // The float64 reference reproduces the three torch numbers, so it can stand for torch's
    // weights + smoothing combination too.
    expect(rel(ceRef(sl.logits, sl.labels, 0), sl.cross_entropy)).toBeLessThan(1e-6);
    expect(
      rel(ceRef(sl.logits, sl.labels, 0.1), sl.cross_entropy_label_smoothing_0_1),
    ).toBeLessThan(1e-6);
    expect(
      rel(ceRef(sl.logits, sl.labels, 0, sl.class_weights), sl.cross_entropy_class_weighted),
    ).toBeLessThan(1e-6);
    const both = await val(
      crossEntropy(logits, labels, { labelSmoothing: 0.2, classWeights: sl.class_weights }),
    );
    expect(rel(both, ceRef(sl.logits, sl.labels, 0.2, sl.class_weights))).toBeLessThan(1e-6);
    tf.dispose([logits, labels]);
  });

  it('cross entropy ignores label -100 like torch ignore_index', async () => {
    const logits = tf.tensor2d(sl.logits);
    const labels = tf.tensor1d([...sl.labels.slice(0, 4), -100, -100], 'int32');
    const got = await val(crossEntropy(logits, labels, { labelSmoothing: 0.1 }));
    expect(rel(got, ceRef(sl.logits.slice(0, 4), sl.labels.slice(0, 4), 0.1))).toBeLessThan(1e-6);
    tf.dispose([logits, labels]);
  });

  it('BCE with logits and MSE', async () => {
    const l = tf.tensor2d(ml.logits);
    const y = tf.tensor2d(ml.labels);
    expect(rel(await val(bceWithLogits(l, y)), ml.bce_with_logits)).toBeLessThan(1e-6);
    const p = tf.tensor2d(rg.predictions, [rg.predictions.length, 1]);
    const t = tf.tensor1d(rg.labels);
    expect(rel(await val(mse(p, t)), rg.mse)).toBeLessThan(1e-6);
    expect(rel(await val(computeLoss('regression', p, t)), rg.mse)).toBeLessThan(1e-6);
    expect(
      rel(await val(computeLoss('multi_label_classification', l, y)), ml.bce_with_logits),
    ).toBeLessThan(1e-6);
    tf.dispose([l, y, p, t]);
  });

  it('BCE is stable for large logits', async () => {
    const l = tf.tensor2d([[100, -100]]);
    const y = tf.tensor2d([[0, 1]]);
    expect(await val(bceWithLogits(l, y))).toBeCloseTo(100, 4);
    tf.dispose([l, y]);
  });

  it('computeLoss single-label passes options and is differentiable', async () => {
    const logits = tf.tensor2d(sl.logits);
    const labels = tf.tensor1d(sl.labels, 'int32');
    const loss = computeLoss('single_label_classification', logits, labels, {
      labelSmoothing: 0.1,
    });
    expect(rel(await val(loss), sl.cross_entropy_label_smoothing_0_1)).toBeLessThan(1e-6);
    const g = tf.grad((x: tf.Tensor) => crossEntropy(x, labels))(logits);
    // d/dlogits of mean CE = (softmax - onehot) / B: rows sum to zero.
    const rowSums = tf.sum(g, 1);
    for (const r of await rowSums.data()) expect(Math.abs(r)).toBeLessThan(1e-6);
    tf.dispose([logits, labels, g, rowSums]);
  });
});

describe('crossEntropy gradient (written out)', () => {
  /** The loss as plain ops, differentiated by the tape: the reference for the written-out one. */
  function taped(logits: tf.Tensor, labels: tf.Tensor, opts: LossOptions): tf.Scalar {
    const C = logits.shape[1] as number;
    const eps = opts.labelSmoothing ?? 0;
    const logp = tf.logSoftmax(logits, -1);
    const oneHot = tf.oneHot(labels.toInt(), C).toFloat();
    const w = tf.tensor1d(opts.classWeights ?? new Array(C).fill(1));
    const targetW = tf.sum(tf.mul(oneHot, w), -1);
    const denom = opts.denominator ?? tf.sum(targetW);
    const nll = tf.div(tf.sum(tf.mul(tf.neg(tf.sum(tf.mul(oneHot, logp), -1)), targetW)), denom);
    const smooth = tf.div(
      tf.sum(tf.mul(tf.neg(tf.sum(tf.mul(logp, w), -1)), tf.sum(oneHot, -1))),
      denom,
    );
    return tf.add(tf.mul(nll, 1 - eps), tf.mul(smooth, eps / C)) as tf.Scalar;
  }

  it.each([
    {},
    { labelSmoothing: 0.1 },
    { classWeights: [0.5, 2, 1.5] },
    { labelSmoothing: 0.2, classWeights: [0.5, 2, 1.5] },
    { denominator: 7 },
  ] as LossOptions[])('matches the taped gradient with %o', async (opts) => {
    const before = tf.memory().numTensors;
    const logits = tf.tensor2d([
      [1.5, -0.3, 0.2],
      [0.1, 0.4, -2],
      [3, 1, -1],
      [0.7, 0.7, 0.7],
    ]);
    const labels = tf.tensor1d([2, 0, -100, 1], 'int32'); // -100: ignored, as torch's ignore_index
    const [ours, ref, lo, lr] = tf.tidy(() => [
      tf.grad((x: tf.Tensor) => crossEntropy(x, labels, opts))(logits),
      tf.grad((x: tf.Tensor) => taped(x, labels, opts))(logits),
      crossEntropy(logits, labels, opts),
      taped(logits, labels, opts),
    ]);
    const a = await ours.data();
    const b = await ref.data();
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-6);
    expect(Math.abs((await lo.data())[0] - (await lr.data())[0])).toBeLessThan(1e-6);
    tf.dispose([logits, labels, ours, ref, lo, lr]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('balancedClassWeights', () => {
  it('is n_samples / (n_classes * bincount)', () => {
    expect(balancedClassWeights([0, 0, 0, 1], 2)).toEqual([4 / 6, 4 / 2]);
    expect(balancedClassWeights(new Int32Array([0, 1, 2, 2, 2, 2]), 3)).toEqual([2, 2, 0.5]);
  });
  it('throws on a missing class or a bad label', () => {
    expect(() => balancedClassWeights([0, 0, 2], 3)).toThrow(/class id\(s\) 1/);
    expect(() => balancedClassWeights([0, 5], 2)).toThrow(/label 5/);
  });
});

describe('denominator: shares of a batch add up to the whole batch', () => {
  /** The loss of rows [from, to) of the batch, divided by the whole batch's denominator. */
  async function shareSum(
    problemType: Parameters<typeof computeLoss>[0],
    logits: number[][],
    labels: number[] | number[][],
    cuts: number[],
    opts: { labelSmoothing?: number; classWeights?: number[] } = {},
  ): Promise<{ whole: number; parts: number }> {
    const C = logits[0].length;
    const toLabels = (rows: typeof labels) =>
      problemType === 'single_label_classification'
        ? tf.tensor1d(rows as number[], 'int32')
        : problemType === 'regression'
          ? tf.tensor1d(rows as number[])
          : tf.tensor2d(rows as number[][]);
    const flat = (labels as (number | number[])[]).flat();
    const denominator = lossDenominator(problemType, flat, { numLabels: C, ...opts });
    const l = tf.tensor2d(logits);
    const y = toLabels(labels);
    const whole = await val(computeLoss(problemType, l, y, opts));
    tf.dispose([l, y]);
    let parts = 0;
    for (let k = 0; k + 1 < cuts.length; k++) {
      const pl = tf.tensor2d(logits.slice(cuts[k], cuts[k + 1]));
      const py = toLabels(labels.slice(cuts[k], cuts[k + 1]) as typeof labels);
      parts += await val(computeLoss(problemType, pl, py, { ...opts, denominator }));
      tf.dispose([pl, py]);
    }
    return { whole, parts };
  }

  const logits = [
    [0.5, -1.2, 2.0],
    [1.5, 0.3, -0.7],
    [-0.2, 0.1, 0.9],
    [2.2, -0.4, 0.0],
    [0.0, 1.1, -1.9],
  ];

  it('single-label, with class weights, smoothing and an ignored label', async () => {
    const labels = [2, 0, -100, 1, 1];
    const opts = { labelSmoothing: 0.1, classWeights: [0.5, 2, 1.25] };
    expect(lossDenominator('single_label_classification', labels, { numLabels: 3, ...opts })).toBe(
      1.25 + 0.5 + 2 + 2,
    );
    const { whole, parts } = await shareSum(
      'single_label_classification',
      logits,
      labels,
      [0, 2, 3, 5],
      opts,
    );
    expect(rel(parts, whole)).toBeLessThan(1e-6);
  });

  it('multi-label divides by B * L, regression by B', async () => {
    const ml = [
      [1, 0, 1],
      [0, 0, 1],
      [1, 1, 0],
      [0, 1, 0],
      [0, 0, 0],
    ];
    const a = await shareSum('multi_label_classification', logits, ml, [0, 3, 5]);
    expect(rel(a.parts, a.whole)).toBeLessThan(1e-6);
    const reg = logits.map((r) => [r[0]]);
    const b = await shareSum('regression', reg, [0.5, -1, 2, 0.25, 1], [0, 1, 4, 5]);
    expect(rel(b.parts, b.whole)).toBeLessThan(1e-6);
    expect(lossDenominator('regression', [1, 2, 3], { numLabels: 1 })).toBe(3);
  });
});

describe('one loss path', () => {
  it("the optimizer step's loss is the model head's, with smoothing and class weights", async () => {
    const model = tinyModel('single_label_classification');
    const batch = {
      input_ids: tf.tensor2d(
        [
          [2, 40, 41, 42],
          [2, 90, 7, 0],
          [2, 13, 0, 0],
        ],
        undefined,
        'int32',
      ),
      attention_mask: tf.tensor2d(
        [
          [1, 1, 1, 1],
          [1, 1, 1, 0],
          [1, 1, 0, 0],
        ],
        undefined,
        'int32',
      ),
      token_type_ids: tf.zeros([3, 4], 'int32') as tf.Tensor2D,
      labels: tf.tensor1d([1, 0, 1], 'int32'),
    };
    const opts = { labelSmoothing: 0.1, classWeights: [2, 0.5] };
    const loss = headLoss('single_label_classification', opts);
    // The head's loss, computed on the forward pass's own logits...
    const fwd = model.forward(batch, { loss });
    const onLogits = computeLoss('single_label_classification', fwd.logits, batch.labels, opts);
    expect(await val(fwd.loss as tf.Scalar)).toBe(await val(onLogits));
    // ...is the loss the gradients come from (here over 2 micro-batches).
    const g = batchGradients(model, 'single_label_classification', batch, opts, 0, 2);
    const direct = model.forward(batch, { loss });
    const half = tf.div(direct.loss as tf.Scalar, 2) as tf.Scalar;
    expect(await val(g.loss)).toBe(await val(half));
    // Without options the forward pass takes the plain loss of the config's problem type.
    const plain = model.forward(batch);
    const ce = crossEntropy(plain.logits, batch.labels);
    expect(await val(plain.loss as tf.Scalar)).toBe(await val(ce));
    tf.dispose([fwd.logits, direct.logits, direct.loss as tf.Scalar, plain.logits]);
    tf.dispose([...g.grads.values()]);
    tf.dispose(Object.values(batch));
    model.dispose();
  });

  it('resolves class_weights: balanced from the labels, a list as given, checked', () => {
    expect(resolveClassWeights(null, [0, 1], 2)).toBeUndefined();
    expect(resolveClassWeights('balanced', [0, 0, 0, 1], 2)).toEqual([4 / 6, 2]);
    expect(resolveClassWeights([1, 3], [0, 1], 2)).toEqual([1, 3]);
    expect(() => resolveClassWeights([1, 2, 3], [0, 1], 2)).toThrow(
      /class_weights has 3 values but the task has 2 labels/,
    );
  });
});
