/**
 * The backward pass freeing each op's saved tensors and output gradients as it goes
 * (src/core/model/tapeRelease.ts): the same gradients, bit for bit, as TF.js's own order, for
 * every family with and without gradient checkpointing, at a lower peak; and gradients that
 * gradient functions pass on as they were given, or give to several inputs, survive.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/core/backend';
import { SequenceClassifier } from '../../src/core/model/classifier';
import { familyForModelType } from '../../src/core/model/families';
import { releaseSavedTensorsEarly } from '../../src/core/model/tapeRelease';
import { batchGradients } from '../../src/core/train/gradients';

const B = 3;
const T = 9;
const VOCAB = 50;

function model(modelType: string): SequenceClassifier {
  const family = familyForModelType(modelType);
  const config = family.scratchConfig({
    vocabSize: VOCAB,
    maxLength: 16,
    id2label: { 0: 'a', 1: 'b', 2: 'c' },
    padTokenId: 0,
    problemType: 'single_label_classification',
    settings: {
      hidden_size: 32,
      num_hidden_layers: 3,
      num_attention_heads: 2,
      intermediate_size: 64,
      ...(modelType === 'distilbert' ? { dim: 32, n_layers: 3, n_heads: 2, hidden_dim: 64 } : {}),
    },
  });
  return SequenceClassifier.create(family, config, 5);
}

function batch(m: SequenceClassifier) {
  const ids = Array.from({ length: B * T }, (_, i) => 1 + ((i * 11) % (VOCAB - 1)));
  const mask = Array.from({ length: B * T }, (_, i) => (i % T < T - (i >= T ? 3 : 0) ? 1 : 0));
  return {
    input_ids: tf.tensor2d(ids, [B, T], 'int32'),
    attention_mask: tf.tensor2d(mask, [B, T], 'int32'),
    ...(m.takesTokenTypeIds() ? { token_type_ids: tf.zeros([B, T], 'int32') as tf.Tensor2D } : {}),
    labels: tf.tensor1d([0, 2, 1], 'int32'),
  };
}

/** Loss, gradients and the engine's peak bytes of one forward and backward pass. */
async function pass(m: SequenceClassifier, release: boolean) {
  releaseSavedTensorsEarly(release);
  const b = batch(m);
  let out: ReturnType<typeof batchGradients> | null = null;
  const profile = await tf.profile(() => {
    out = batchGradients(m, 'single_label_classification', b, {}, 77, 1);
    return [] as unknown as tf.Tensor;
  });
  const o = out as unknown as ReturnType<typeof batchGradients>;
  const grads = new Map<string, Float32Array>();
  for (const [k, g] of o.grads) grads.set(k, (await g.data()) as Float32Array);
  const loss = (await o.loss.data())[0];
  tf.dispose([o.loss, ...o.grads.values(), ...Object.values(b)]);
  return { loss, grads, peak: profile.peakBytes };
}

beforeAll(async () => {
  await selectBackend('wasm');
});
afterAll(() => releaseSavedTensorsEarly(true));

describe('releasing saved tensors as the backward pass goes', () => {
  for (const modelType of ['bert', 'distilbert', 'deberta-v2', 'modernbert']) {
    for (const checkpointing of [false, true]) {
      it(`${modelType}${checkpointing ? ', checkpointed' : ''}: the same gradients, bit for bit, at a lower peak`, async () => {
        const m = model(modelType);
        m.gradientCheckpointing = checkpointing;
        const before = tf.memory().numTensors;
        const kept = await pass(m, false);
        const released = await pass(m, true);
        expect(tf.memory().numTensors).toBe(before);
        expect(released.loss).toBe(kept.loss);
        expect([...released.grads.keys()]).toEqual([...kept.grads.keys()]);
        for (const [name, g] of kept.grads) {
          const r = released.grads.get(name) as Float32Array;
          let bad = -1;
          for (let i = 0; i < g.length && bad < 0; i++) if (!Object.is(g[i], r[i])) bad = i;
          expect(bad, `${name}: first difference`).toBe(-1);
        }
        expect(released.peak).toBeLessThan(kept.peak * (checkpointing ? 0.95 : 0.8));
        m.dispose();
      });
    }
  }

  it('a gradient passed on as given, or given to two inputs, outlives its first use', () => {
    releaseSavedTensorsEarly(true);
    // dy handed on to both inputs as the same object.
    const passOn = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
      value: tf.add(args[0] as tf.Tensor, args[1] as tf.Tensor),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [dy as tf.Tensor, dy as tf.Tensor],
    }));
    // One new tensor given to both inputs.
    const share = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
      value: tf.mul(args[0] as tf.Tensor, args[1] as tf.Tensor),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const g = tf.mul(dy as tf.Tensor, 2);
        return [g, g];
      },
    }));
    const x = tf.tensor1d([0.5, -1, 2]);
    for (const op of [passOn, share]) {
      const g = tf.grad((v: tf.Tensor) => {
        const u = tf.exp(v);
        return tf.sum(op(tf.mul(u, 2), tf.mul(u, 3)));
      })(x);
      // d/dx of sum(op(2e^x, 3e^x)) with op's gradient [k dy, k dy]: k (2 + 3) e^x.
      const k = op === passOn ? 1 : 2;
      const want = x.arraySync() as number[];
      const got = g.arraySync() as number[];
      got.forEach((v, i) => expect(v).toBeCloseTo(k * 5 * Math.exp(want[i]), 4));
      g.dispose();
    }
    x.dispose();
  });
});
