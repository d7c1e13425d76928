/**
 * Gradient checkpointing (`gradient_checkpointing`): each encoder layer recomputed in the backward
 * pass gives the loss and gradients of the run that keeps its activations, with dropout off and
 * on (the recompute draws the same seeded masks), for every family (those on the shared encoder
 * layer, DeBERTa-v2's with its relative positions, ModernBERT's own layers);
 * and it keeps fewer tensors alive between the forward and the backward pass.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../../src/core/backend';

import { SequenceClassifier } from '../../src/core/model/classifier';
import { familyForModelType } from '../../src/core/model/families';
import { estimateTrainingMemory } from '../../src/core/model/memory';
import { batchGradients } from '../../src/core/train/gradients';

const B = 3;
const T = 7;
const VOCAB = 40;

function model(modelType: string, dropout: number): SequenceClassifier {
  const family = familyForModelType(modelType);
  const dropoutKeys =
    modelType === 'distilbert'
      ? { dropout, attention_dropout: dropout, seq_classif_dropout: dropout }
      : modelType === 'modernbert'
        ? { attention_dropout: dropout, mlp_dropout: dropout, embedding_dropout: dropout }
        : { hidden_dropout_prob: dropout, attention_probs_dropout_prob: dropout };
  const config = family.scratchConfig({
    vocabSize: VOCAB,
    maxLength: 16,
    id2label: { 0: 'a', 1: 'b', 2: 'c' },
    padTokenId: 0,
    problemType: 'single_label_classification',
    settings: {
      hidden_size: 16,
      num_hidden_layers: 3,
      num_attention_heads: 2,
      intermediate_size: 32,
      ...(modelType === 'distilbert' ? { dim: 16, n_layers: 3, n_heads: 2, hidden_dim: 32 } : {}),
      ...dropoutKeys,
    },
  });
  return SequenceClassifier.create(family, config, 11);
}

function batch() {
  const ids = Array.from({ length: B * T }, (_, i) => 1 + ((i * 7) % (VOCAB - 1)));
  const mask = Array.from({ length: B * T }, (_, i) => (i % T < T - (i / T >= 1 ? 2 : 0) ? 1 : 0));
  return {
    input_ids: tf.tensor2d(ids, [B, T], 'int32'),
    attention_mask: tf.tensor2d(mask, [B, T], 'int32'),
    token_type_ids: tf.zeros([B, T], 'int32') as tf.Tensor2D,
    labels: tf.tensor1d([0, 2, 1], 'int32'),
  };
}

async function gradientsOf(m: SequenceClassifier, checkpoint: boolean) {
  m.gradientCheckpointing = checkpoint;
  const b = batch();
  const input = m.takesTokenTypeIds() ? b : { ...b, token_type_ids: undefined };
  const out = batchGradients(m, 'single_label_classification', input, {}, 1234, 1);
  const loss = (await out.loss.data())[0];
  const grads = new Map<string, Float32Array>();
  for (const [k, g] of out.grads) grads.set(k, (await g.data()) as Float32Array);
  tf.dispose([out.loss, ...out.grads.values(), ...Object.values(b)]);
  return { loss, grads };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The largest difference of `r` from `g`, relative to `g`'s largest magnitude. */
function relativeDiff(g: Float32Array, r: Float32Array): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < g.length; i++) {
    scale = Math.max(scale, Math.abs(g[i]));
    diff = Math.max(diff, Math.abs(g[i] - r[i]));
  }
  return diff / Math.max(scale, 1e-3);
}

async function expectSame(m: SequenceClassifier) {
  const kept = await gradientsOf(m, false);
  const recomputed = await gradientsOf(m, true);
  expect(recomputed.loss).toBe(kept.loss);
  expect([...recomputed.grads.keys()].sort()).toEqual([...kept.grads.keys()].sort());
  for (const [name, g] of kept.grads) {
    expect(relativeDiff(g, recomputed.grads.get(name) as Float32Array), name).toBeLessThan(1e-6);
  }
}

describe('gradient checkpointing', () => {
  for (const modelType of [
    'bert',
    'roberta',
    'electra',
    'distilbert',
    'deberta-v2',
    'modernbert',
  ]) {
    for (const dropout of [0, 0.3]) {
      it(`${modelType}, dropout ${dropout}: the same loss and gradients`, async () => {
        const m = model(modelType, dropout);
        await expectSame(m);
        m.dispose();
      });
    }
  }

  it('on the wasm backend (the studio kernels), dropout on', async () => {
    expect((await selectBackend('wasm')).name).toBe('wasm');
    try {
      const m = model('bert', 0.2);
      await expectSame(m);
      m.dispose();
    } finally {
      await tf.setBackend('cpu');
    }
  });

  it('keeps no copy of the weights between the passes on wasm (where a saved clone is a copy)', async () => {
    expect((await selectBackend('wasm')).name).toBe('wasm');
    try {
      const m = model('bert', 0.1);
      m.gradientCheckpointing = true;
      const b = batch();
      let layerBytes = 0;
      for (const [name, v] of m.params)
        if (name.includes('encoder.layer')) layerBytes += v.size * 4;
      const before = tf.memory().numBytes;
      let held = 0;
      const { value, grads } = tf.variableGrads(() => {
        const out = m.forward({ ...b, labels: b.labels }, { training: true, seed: 5 });
        held = tf.memory().numBytes - before;
        return out.loss as tf.Scalar;
      }, [...m.params.values()]);
      tf.dispose([value, ...Object.values(grads), ...Object.values(b)]);
      // What the backward pass reads: each layer's input and the masks, not the layers' weights.
      expect(held).toBeLessThan(layerBytes / 2);
      m.dispose();
    } finally {
      await tf.setBackend('cpu');
    }
  });

  it('keeps fewer bytes between the forward and the backward pass', () => {
    const m = model('bert', 0.1);
    const peakOf = (checkpoint: boolean) => {
      m.gradientCheckpointing = checkpoint;
      const b = batch();
      let peak = 0;
      const vars = [...m.params.values()];
      const { value, grads } = tf.variableGrads(() => {
        const out = m.forward({ ...b, labels: b.labels }, { training: true, seed: 5 });
        // Here the forward pass is done: what the backward pass will read is alive.
        peak = tf.memory().numBytes;
        return out.loss as tf.Scalar;
      }, vars);
      tf.dispose([value, ...Object.values(grads), ...Object.values(b)]);
      return peak;
    };
    const kept = peakOf(false);
    const recomputed = peakOf(true);
    expect(recomputed).toBeLessThan(kept);
    m.dispose();
  });
});

describe('the memory estimate with gradient checkpointing', () => {
  // bert-base-cased's shape at the workflow's max_length 512, batch 8.
  const family = familyForModelType('bert');
  const config = family.scratchConfig({
    vocabSize: 28996,
    maxLength: 512,
    id2label: { 0: 'a', 1: 'b' },
    padTokenId: 0,
    problemType: 'single_label_classification',
    settings: {
      hidden_size: 768,
      num_hidden_layers: 12,
      num_attention_heads: 12,
      intermediate_size: 3072,
    },
  });
  const run = { batchSize: 8, seqLength: 512 };

  it('follows the knob: a layer at a time, and says so', () => {
    const kept = estimateTrainingMemory({ family, config }, run);
    const recomputed = estimateTrainingMemory(
      { family, config },
      { ...run, gradientCheckpointing: true },
    );
    expect(recomputed.weightsBytes).toBe(kept.weightsBytes);
    // Each layer's input [B*T, H] plus one layer's activations.
    const layer = kept.activationBytes / 12;
    expect(recomputed.activationBytes).toBeCloseTo(layer + 12 * 8 * 512 * 768 * 4, -3);
    expect(kept.verdict).toBe('too-large');
    expect(kept.message).toMatch(/With gradient_checkpointing it needs about/);
    expect(recomputed.verdict).toBe('fits');
    expect(recomputed.message).toMatch(/with gradient checkpointing\), within the 4\.29 GB budget/);
  });
});
