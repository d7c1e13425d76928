/**
 * Checks every family's unit test makes against its PyTorch reference (familyFixture.ts):
 * initialisation statistics, the loss and every gradient, the scratch config's round trip.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

import { SequenceClassifier } from '../../../src/core/model/classifier';
import type { CommonConfig, ModelFamily } from '../../../src/core/model/family';
import {
  disposeBatch,
  getter,
  lossAndGrads,
  maxAbsDiff,
  norm,
  toBatch,
  validationLogits,
  type FamilyReference,
} from './familyFixture';

/**
 * `family.initParam` of every parameter against a fresh transformers model of the same config:
 * zeros and ones exactly, normal kinds by mean and standard deviation (within 4 standard errors),
 * the same rows all zero (the word embeddings' padding row), custom kinds (deterministic) to 1e-6.
 */
export function checkInitStats<C extends CommonConfig>(
  family: ModelFamily<C>,
  config: C,
  stats: FamilyReference['init_stats'],
): void {
  const specs = family.paramSpecs(config);
  expect(specs.map((s) => s.name)).toEqual(Object.keys(stats));
  for (const spec of specs) {
    const hf = stats[spec.name];
    const t = family.initParam(config, spec, 42);
    expect(t.shape).toEqual(spec.shape);
    const data = t.dataSync();
    t.dispose();
    const n = data.length;
    let sum = 0;
    for (const x of data) sum += x;
    const mean = sum / n;
    let sq = 0;
    for (const x of data) sq += (x - mean) ** 2;
    const std = n > 1 ? Math.sqrt(sq / (n - 1)) : 0;
    const what = `${spec.name} (${spec.kind})`;
    switch (spec.kind) {
      case 'zeros':
      case 'ones': {
        const v = spec.kind === 'ones' ? 1 : 0;
        expect([hf.min, hf.max], what).toEqual([v, v]);
        expect(
          data.every((x) => x === v),
          what,
        ).toBe(true);
        break;
      }
      case 'custom':
        expect(Math.abs(mean - hf.mean), what).toBeLessThan(1e-6);
        expect(Math.abs(std - hf.std), what).toBeLessThan(1e-6);
        break;
      default: {
        const sigma = hf.std;
        expect(Math.abs(std - sigma) / sigma, what).toBeLessThan(4 / Math.sqrt(n));
        expect(Math.abs(mean - hf.mean), what).toBeLessThan(
          (4 * sigma * Math.SQRT2) / Math.sqrt(n),
        );
      }
    }
    if (spec.shape.length === 2) {
      // HF zeroes the padding row of a word embedding (and no other row of anything).
      const [rows, H] = spec.shape;
      const zeroRows = [];
      for (let r = 0; r < rows; r++) {
        if (data.slice(r * H, (r + 1) * H).every((x) => x === 0)) zeroRows.push(r);
      }
      expect(zeroRows, `${what}: rows all zero`).toEqual(hf.zero_rows);
    }
  }
}

/**
 * The loss and every parameter's gradient on the reference's train batch (dropout off) against
 * torch: loss within 1e-5 relative, each gradient's norm within 1e-4 relative, the full
 * gradients the reference holds within 1e-4 of their largest element.
 */
export async function checkGradients<C extends CommonConfig>(
  family: ModelFamily<C>,
  config: C,
  params: Map<string, tf.Variable>,
  b: FamilyReference['train_batch'],
): Promise<void> {
  const { loss, grads } = lossAndGrads(family, config, params, b);
  const lossValue = (await loss.data())[0];
  expect(Math.abs(lossValue - b.loss) / b.loss).toBeLessThan(1e-5);
  expect([...grads.keys()].sort()).toEqual(Object.keys(b.grad_norms).sort());
  for (const [name, g] of grads) {
    const data = await g.data();
    const want = b.grad_norms[name];
    expect(Math.abs(norm(data) - want), name).toBeLessThanOrEqual(1e-4 * want + 1e-10);
    const full = b.grads[name];
    if (full) {
      const scale = Math.max(...full.map(Math.abs));
      expect(maxAbsDiff(data, full), name).toBeLessThan(1e-4 * scale);
    }
  }
  expect(Object.keys(b.grads).length).toBeGreaterThan(3);
  tf.dispose([loss, ...grads.values()]);
}

/**
 * The first validation batch's logits with the head's weights scaled up (pre-activations of order
 * 10, where the head's activation shows) against torch's, within 1e-5 of the largest logit.
 */
export async function checkScaledHead<C extends CommonConfig>(
  family: ModelFamily<C>,
  config: C,
  params: Map<string, tf.Variable>,
  ref: FamilyReference,
): Promise<void> {
  const { scale, params: names, logits: want } = ref.scaled_head;
  expect(names.length).toBeGreaterThan(0);
  for (const name of names) {
    const v = params.get(name) as tf.Variable;
    const scaled = tf.mul(v, scale);
    v.assign(scaled);
    scaled.dispose();
  }
  const got = await validationLogits(family, config, params, ref.validation.batches.slice(0, 1));
  const largest = Math.max(...want.flat().map(Math.abs));
  expect(maxAbsDiff(got.flat(), want.flat())).toBeLessThan(1e-5 * largest);
}

/** The family's scratch config has `expected`'s sizes and survives config.json both ways. */
export function checkScratchRoundTrip<C extends CommonConfig>(
  family: ModelFamily<C>,
  expected: Record<string, unknown>,
): void {
  const c = family.scratchConfig({
    vocabSize: 100,
    id2label: { 0: 'neg', 1: 'pos' },
    problemType: 'single_label_classification',
    maxLength: 32,
    padTokenId: 0,
  });
  expect(c).toMatchObject({
    ...expected,
    vocab_size: 100,
    max_position_embeddings: 32,
    num_labels: 2,
    problem_type: 'single_label_classification',
  });
  const back = family.parseConfig(JSON.parse(family.configToJson(c)));
  expect({ ...back, transformers_version: undefined }).toEqual({
    ...c,
    transformers_version: undefined,
  });
}

/**
 * Dropout in training mode (the config's rates, set above 0 by the caller): seeded masks repeat,
 * another seed or eval mode gives other logits, and the loss still has a gradient everywhere.
 */
export async function checkDropout<C extends CommonConfig>(
  family: ModelFamily<C>,
  config: C,
  params: Map<string, tf.Variable>,
  b: FamilyReference['train_batch'],
): Promise<void> {
  const logitsOf = async (opts: { training?: boolean; seed?: number }) => {
    const batch = toBatch(b);
    const { logits } = family.forward(config, getter(params), batch, opts);
    const out = Array.from(await logits.data());
    logits.dispose();
    disposeBatch(batch);
    return out;
  };
  const eval0 = await logitsOf({});
  const a = await logitsOf({ training: true, seed: 1 });
  expect(await logitsOf({ training: true, seed: 1 })).toEqual(a);
  expect(maxAbsDiff(a, await logitsOf({ training: true, seed: 2 }))).toBeGreaterThan(1e-4);
  expect(maxAbsDiff(a, eval0)).toBeGreaterThan(1e-4);
  const { loss, grads } = lossAndGrads(family, config, params, b, { training: true, seed: 1 });
  expect(Number.isFinite((await loss.data())[0])).toBe(true);
  for (const [name, g] of grads) expect(norm(await g.data()), name).toBeGreaterThan(0);
  tf.dispose([loss, ...grads.values()]);
}

/**
 * `from_pretrained` of the checkpoints users bring, through `SequenceClassifier.fromTensors`: a
 * pre-training checkpoint (the fixture's encoder plus `pretrainingKeys`, no classification head)
 * loads with the head newly initialised and those keys unexpected; a base-model checkpoint
 * (names without the base prefix) loads with the head newly initialised and nothing unexpected;
 * three labels instead of two reinitialise the head's label-sized tensors as mismatched.
 */
export function checkPretrainedLoading<C extends CommonConfig>(
  family: ModelFamily<C>,
  config: C,
  tensors: Map<string, { shape: number[]; data: Float32Array }>,
  pretrainingKeys: string[],
): void {
  const start = tf.memory().numTensors;
  const head = new Set<string>(family.headParamNames(config));
  const encoder = [...tensors].filter(([k]) => !head.has(k));
  const load = (entries: [string, { shape: number[]; data: Float32Array }][], c: C) => {
    const ts = new Map(entries.map(([k, t]) => [k, tf.tensor(t.data, t.shape)]));
    const result = SequenceClassifier.fromTensors(family, c, ts, 0);
    tf.dispose([...ts.values()]);
    const { missing, unexpected, mismatched } = result;
    result.model.dispose();
    return { missing, unexpected, mismatched: mismatched.map((m) => m.name) };
  };
  const extra = pretrainingKeys.map((k): [string, { shape: number[]; data: Float32Array }] => [
    k,
    { shape: [2], data: new Float32Array(2) },
  ]);
  expect(load([...encoder, ...extra], config)).toEqual({
    missing: [...head],
    unexpected: pretrainingKeys,
    mismatched: [],
  });
  const base = encoder.map(([k, t]): [string, typeof t] => [k.slice(family.basePrefix.length), t]);
  expect(base.every(([k]) => !k.startsWith(family.basePrefix))).toBe(true);
  expect(load(base, config)).toEqual({ missing: [...head], unexpected: [], mismatched: [] });
  const three = { ...config, num_labels: 3, id2label: { 0: 'a', 1: 'b', 2: 'c' } };
  const resized = family
    .paramSpecs(three)
    .filter((s) => head.has(s.name) && s.shape[0] === 3)
    .map((s) => s.name);
  expect(resized.length).toBeGreaterThan(0);
  expect(load([...tensors], three)).toEqual({ missing: [], unexpected: [], mismatched: resized });
  expect(tf.memory().numTensors).toBe(start);
}
