/**
 * The ModernBERT family against transformers 5.18 (tests/fixtures/auto/modernbert, reference.json
 * from tests/python/make_modernbert_reference.py): config keys and defaults, parameter names and
 * `_init_weights`, logits on validation.csv (padded), loss and gradients of a padded labelled
 * batch, a second model over every switch the fixture leaves off (cls pooling, every bias, three
 * layers, other activations, a narrower window), the wasm backend, and the ONNX graph in
 * onnxruntime-node (fp32 and q8).
 */
import { readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { familyOnnx } from '../../src/core/io/onnx/familyOnnx';
import { readSafetensors } from '../../src/core/io/safetensors';
import { installWasmKernels } from '../../src/core/kernels/wasmKernels';
import type { ClassifierBatch, HostTensor } from '../../src/core/model/family';
import { modernbertFamily, type ModernBertConfig } from '../../src/core/model/modernbert';
import { initStd } from '../../src/core/model/modernbert/params';
import { AdamW } from '../../src/core/train/adamw';
import { clipByGlobalNorm } from '../../src/core/train/clip';
import { headLoss } from '../../src/core/train/losses';
import { learningRateAt, warmupSteps } from '../../src/core/train/schedules';
import { getter, maxAbsDiff, toBatch, type GradientReference } from './helpers/familyFixture';

const dir = 'tests/fixtures/auto/modernbert/';
/** The head's loss of integer labels (what the model class passes to forward). */
const CE = headLoss('single_label_classification');
const family = modernbertFamily;

interface Reference {
  param_order: string[];
  forward: { input_ids: number[][]; attention_mask: number[][]; logits: number[][] };
  gradient: GradientReference;
  variant: {
    config: Record<string, unknown>;
    logits: number[][];
    labels: number[];
    loss: number;
    grad_norms: Record<string, number>;
  };
  init: {
    config: Record<string, unknown>;
    stats: Record<string, { mean: number; std: number; max_abs: number }>;
  };
  train_rows: { input_ids: number[][]; labels: number[] };
}

const ref = JSON.parse(readFileSync(`${dir}reference.json`, 'utf8')) as Reference;
const configText = readFileSync(`${dir}checkpoint/config.json`, 'utf8');
const initialLogits = (
  JSON.parse(readFileSync(`${dir}initial_logits.json`, 'utf8')) as { logits: number[][] }
).logits;

function weightsOf(file: string): Map<string, HostTensor> {
  return new Map(
    [...readSafetensors(new Uint8Array(readFileSync(file)))].map(([k, t]) => [
      k,
      { shape: t.shape, data: t.data },
    ]),
  );
}
const checkpoint = weightsOf(`${dir}checkpoint/model.safetensors`);
const variantWeights = weightsOf(`${dir}variant.safetensors`);

/** The model's parameters as variables, loaded through `checkpointName` like a checkpoint. */
function load(
  config: ModernBertConfig,
  weights: ReadonlyMap<string, HostTensor>,
): Map<string, tf.Variable> {
  const prefixed = [...weights.keys()].some((k) => k.startsWith(family.basePrefix));
  const byName = new Map<string, HostTensor>();
  for (const [k, t] of weights) {
    const name = family.checkpointName(k, prefixed);
    if (name !== null) byName.set(name, t);
  }
  const params = new Map<string, tf.Variable>();
  for (const spec of family.paramSpecs(config)) {
    const t = byName.get(spec.name);
    if (!t) throw new Error(`missing ${spec.name}`);
    expect(t.shape, spec.name).toEqual(spec.shape);
    const init = tf.tensor(t.data, t.shape);
    params.set(spec.name, tf.variable(init, true));
    init.dispose();
  }
  return params;
}

function batchOf(ids: number[][], mask: number[][], labels?: number[]): ClassifierBatch {
  return toBatch({ input_ids: ids, attention_mask: mask }, labels);
}

const fixtureConfig = () => family.parseConfig(JSON.parse(configText));
const variantConfig = () => family.parseConfig(ref.variant.config);

async function logitsOf(config: ModernBertConfig, weights: ReadonlyMap<string, HostTensor>) {
  const params = load(config, weights);
  const batch = batchOf(ref.forward.input_ids, ref.forward.attention_mask);
  const out = family.forward(config, getter(params), batch, {});
  const data = await out.logits.data();
  tf.dispose([out.logits, batch.input_ids, batch.attention_mask as tf.Tensor]);
  for (const v of params.values()) v.dispose();
  return data;
}

/** Loss and per-parameter gradients (dropout off) on the reference's labelled batch. */
async function gradsOf(
  config: ModernBertConfig,
  weights: ReadonlyMap<string, HostTensor>,
  labels: number[],
): Promise<{ loss: number; grads: Map<string, Float32Array> }> {
  const params = load(config, weights);
  const batch = batchOf(ref.gradient.input_ids, ref.gradient.attention_mask, labels);
  const { value, grads } = tf.variableGrads(
    () =>
      family.forward(config, getter(params), batch, { training: true, loss: CE }).loss as tf.Scalar,
    [...params.values()],
  );
  const out = new Map<string, Float32Array>();
  for (const [name, v] of params) out.set(name, (await grads[v.name].data()) as Float32Array);
  const loss = (await value.data())[0];
  tf.dispose([value, ...Object.values(grads), batch.input_ids, batch.attention_mask as tf.Tensor]);
  tf.dispose(batch.labels as tf.Tensor);
  for (const v of params.values()) v.dispose();
  return { loss, grads: out };
}

const norm = (x: ArrayLike<number>) => Math.sqrt(Array.from(x).reduce((s, v) => s + v * v, 0));

function expectGradNorms(grads: Map<string, Float32Array>, want: Record<string, number>): number {
  expect([...grads.keys()].sort()).toEqual(Object.keys(want).sort());
  let worst = 0;
  for (const [name, g] of grads) {
    const rel = Math.abs(norm(g) - want[name]) / Math.max(want[name], 1e-8);
    worst = Math.max(worst, rel);
    expect(rel, name).toBeLessThan(1e-4);
  }
  return worst;
}

describe('ModernBERT config', () => {
  it('parses the fixture config.json and writes it back as save_pretrained does', () => {
    const c = fixtureConfig();
    expect(c.layer_types).toEqual(['full_attention', 'sliding_attention']);
    expect(c.rope_parameters.sliding_attention.rope_theta).toBe(10000);
    expect(c.classifier_pooling).toBe('mean');
    // the same keys in the same (sorted) order and the same values; Python writes 0.0 where
    // JSON.stringify writes 0, which json.load reads back as the same number
    const written = family.configToJson(c);
    expect(written.endsWith('}\n')).toBe(true);
    expect(Object.keys(JSON.parse(written))).toEqual(Object.keys(JSON.parse(configText)));
    expect(JSON.parse(written)).toEqual(JSON.parse(configText));
    // ModernBertConfig's strict dataclass refuses an int for a float field: 2.0, not 2
    expect(written).toContain('"initializer_cutoff_factor": 2.0,');
    expect(
      family.configToJson(family.parseConfig({ ...JSON.parse(configText), norm_eps: 1 })),
    ).toContain('"norm_eps": 1.0,');
  });

  it('round-trips the second model config (cls pooling, every bias) as transformers wrote it', () => {
    const c = variantConfig();
    expect(JSON.parse(family.configToJson(c))).toEqual({
      ...ref.variant.config,
      architectures: ['ModernBertForSequenceClassification'],
      dtype: 'float32',
    });
  });

  it('reads a 4.x config (global/local rope theta, global_attn_every_n_layers) as transformers 5 does', () => {
    const c = family.parseConfig({
      model_type: 'modernbert',
      num_hidden_layers: 7,
      global_attn_every_n_layers: 3,
      global_rope_theta: 80000,
      local_rope_theta: 5000,
      reference_compile: true,
    });
    expect(c.layer_types).toEqual([
      'full_attention',
      'sliding_attention',
      'sliding_attention',
      'full_attention',
      'sliding_attention',
      'sliding_attention',
      'full_attention',
    ]);
    expect(c.rope_parameters).toEqual({
      full_attention: { rope_theta: 80000, rope_type: 'default' },
      sliding_attention: { rope_theta: 5000, rope_type: 'default' },
    });
    // `sliding_window` is HF's half-window property: it sets local_attention (and wins)
    expect(
      family.parseConfig({ model_type: 'modernbert', sliding_window: 32, local_attention: 100 })
        .local_attention,
    ).toBe(64);
    // HF's defaults where the file says nothing
    const d = family.parseConfig({ model_type: 'modernbert' });
    expect([d.hidden_size, d.intermediate_size, d.local_attention, d.classifier_pooling]).toEqual([
      768,
      1152,
      128,
      'cls',
    ]);
    expect(d.layer_types.filter((t) => t === 'full_attention')).toHaveLength(8);
  });

  it('refuses what would change the classifier, naming the key', () => {
    const base = JSON.parse(configText) as Record<string, unknown>;
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [
        {
          rope_parameters: {
            full_attention: { rope_type: 'linear', factor: 2, rope_theta: 1e4 },
            sliding_attention: { rope_theta: 1e4, rope_type: 'default' },
          },
        },
        /rope_parameters\.full_attention\.rope_type.*"linear"/,
      ],
      [
        { rope_scaling: { rope_type: 'dynamic', factor: 2 } },
        /key "rope_scaling".*not implemented/,
      ],
      [{ layer_types: ['full_attention'] }, /key "layer_types": 1 entries for num_hidden_layers 2/],
      [{ layer_types: ['full_attention', 'chunked_attention'] }, /key "layer_types\.1"/],
      [{ classifier_pooling: 'max' }, /key "classifier_pooling"/],
      [{ hidden_activation: 'quick_gelu' }, /key "hidden_activation"/],
      [{ head_dim: 16 }, /key "head_dim": 16 differs/],
      [{ hidden_size: 30 }, /key "hidden_size": 30 is not a multiple/],
      [{ pad_token_id: 900 }, /key "pad_token_id": 900 is outside/],
      [{ model_type: 'bert' }, /model_type "bert" is not "modernbert"/],
    ];
    for (const [patch, re] of bad) {
      expect(() => family.parseConfig({ ...base, ...patch }), JSON.stringify(patch)).toThrow(re);
    }
    // masked-LM and flash-attention keys change nothing here and are kept
    const ok = family.parseConfig({
      ...base,
      sparse_prediction: true,
      deterministic_flash_attn: true,
    });
    expect([ok.sparse_prediction, ok.deterministic_flash_attn]).toEqual([true, true]);
  });

  it('makes a small scratch config with HF defaults for the rest', () => {
    const c = family.scratchConfig({
      vocabSize: 300,
      id2label: { '0': 'a', '1': 'b', '2': 'c' },
      problemType: null,
      maxLength: 64,
      padTokenId: 0,
    });
    expect([
      c.hidden_size,
      c.num_hidden_layers,
      c.num_attention_heads,
      c.intermediate_size,
    ]).toEqual([64, 2, 4, 128]);
    expect([c.num_labels, c.max_position_embeddings, c.pad_token_id]).toEqual([3, 64, 0]);
    expect(c.layer_types).toEqual(['full_attention', 'sliding_attention']);
    expect(family.maxInputLength(c)).toBe(64);
    expect(family.takesTokenTypeIds(c)).toBe(false);
    expect(family.onnxInputs(c)).toEqual(['input_ids', 'attention_mask']);
    // the run's from-scratch settings come under BERT's names (the default family's)
    const s = family.scratchConfig({
      vocabSize: 300,
      id2label: { '0': 'a', '1': 'b' },
      problemType: null,
      maxLength: 64,
      padTokenId: 0,
      settings: {
        hidden_size: 32,
        hidden_dropout_prob: 0.1,
        attention_probs_dropout_prob: 0.2,
        classifier_dropout: null,
      },
    });
    expect([s.hidden_size, s.embedding_dropout, s.mlp_dropout, s.attention_dropout]).toEqual([
      32, 0.1, 0.1, 0.2,
    ]);
    expect(s.classifier_dropout).toBe(0);
  });
});

describe('ModernBERT parameters', () => {
  it('lists named_parameters() in order with the checkpoint shapes, and loads base-model keys', () => {
    const c = fixtureConfig();
    const specs = family.paramSpecs(c);
    expect(specs.map((s) => s.name)).toEqual(ref.param_order);
    for (const s of specs) expect(checkpoint.get(s.name)?.shape, s.name).toEqual(s.shape);
    expect(new Set(specs.map((s) => s.name))).toEqual(new Set(checkpoint.keys()));
    // ModernBertModel's keys (no "model." prefix) load into the base model
    expect(family.checkpointName('layers.1.attn.Wqkv.weight', false)).toBe(
      'model.layers.1.attn.Wqkv.weight',
    );
    expect(family.checkpointName('head.dense.weight', true)).toBe('head.dense.weight');
    expect(family.headParamNames(c)).toEqual(['classifier.weight', 'classifier.bias']);
    expect(family.isEmbeddingParam('model.embeddings.tok_embeddings.weight')).toBe(true);
    expect(family.isEmbeddingParam('model.layers.0.attn.Wqkv.weight')).toBe(false);
    const v = variantConfig();
    expect(new Set(family.paramSpecs(v).map((s) => s.name))).toEqual(
      new Set(variantWeights.keys()),
    );
  });

  it('initialises as _init_weights does: truncated normals with the per-module stds', async () => {
    await tf.setBackend('cpu');
    const c = family.parseConfig(ref.init.config);
    const cutoff = c.initializer_cutoff_factor as number;
    expect(cutoff).toBe(1.5);
    // a normal truncated at +-k sigma has std sigma * sqrt(1 - 2k phi(k) / (2 Phi(k) - 1))
    const phi = Math.exp((-cutoff * cutoff) / 2) / Math.sqrt(2 * Math.PI);
    const mass = 0.8663855974622838; // 2 Phi(1.5) - 1
    const shrink = Math.sqrt(1 - (2 * cutoff * phi) / mass);
    for (const spec of family.paramSpecs(c)) {
      const want = ref.init.stats[spec.name];
      const t = family.initParam(c, spec, 7);
      const data = Array.from(await t.data());
      t.dispose();
      const n = data.length;
      const mean = data.reduce((s, x) => s + x, 0) / n;
      const std = n > 1 ? Math.sqrt(data.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1)) : 0;
      const maxAbs = data.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      if (spec.kind === 'custom') {
        const sigma = initStd(c, spec.name);
        expect(maxAbs, spec.name).toBeLessThanOrEqual(cutoff * sigma * (1 + 1e-6));
        expect(want.max_abs, spec.name).toBeLessThanOrEqual(cutoff * sigma * (1 + 1e-6));
        // same distribution as HF's draw: std within sampling error of both HF's and theory
        const tol = 4 * (sigma / Math.sqrt(n)) + 0.02 * sigma;
        expect(Math.abs(std - sigma * shrink), spec.name).toBeLessThan(tol);
        expect(Math.abs(std - want.std), spec.name).toBeLessThan(2 * tol);
        expect(Math.abs(mean), spec.name).toBeLessThan(tol);
      } else {
        expect([mean, std], spec.name).toEqual([want.mean, want.std]);
      }
    }
    // the padding row is not zeroed (the truncated normal overwrites HF's zeroed row)
    const emb = family.paramSpecs(c)[0];
    const t = family.initParam(c, emb, 7);
    const row = await tf.slice(t, [c.pad_token_id, 0], [1, c.hidden_size]).data();
    t.dispose();
    expect(norm(row)).toBeGreaterThan(0);
  });
});

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`ModernBERT forward and gradients vs PyTorch (${backend})`, () => {
    let start = 0;
    beforeEach(async () => {
      if (backend === 'wasm') expect(installWasmKernels()).toBe(true);
      await tf.setBackend(backend);
      start = tf.memory().numTensors;
    });
    afterEach(() => {
      expect(tf.memory().numTensors).toBe(start);
    });

    it('gives initial_logits.json on validation.csv (padded batch)', async () => {
      expect(ref.forward.attention_mask.flat()).toContain(0);
      const got = await logitsOf(fixtureConfig(), checkpoint);
      expect(maxAbsDiff(got, initialLogits.flat())).toBeLessThan(1e-5);
      expect(maxAbsDiff(got, ref.forward.logits.flat())).toBeLessThan(1e-5);
    });

    it('gives torch loss and gradients of every parameter (dropout off)', async () => {
      const { loss, grads } = await gradsOf(fixtureConfig(), checkpoint, ref.gradient.labels);
      expect(Math.abs(loss - ref.gradient.loss) / ref.gradient.loss).toBeLessThan(1e-5);
      expectGradNorms(grads, ref.gradient.grad_norms);
      for (const [name, want] of Object.entries(ref.gradient.grads)) {
        const got = grads.get(name) as Float32Array;
        expect(maxAbsDiff(got, want) / norm(want), name).toBeLessThan(1e-4);
      }
    });

    it('gives torch logits, loss and gradients for cls pooling, every bias, three layers', async () => {
      const c = variantConfig();
      const got = await logitsOf(c, variantWeights);
      expect(maxAbsDiff(got, ref.variant.logits.flat())).toBeLessThan(1e-5);
      const { loss, grads } = await gradsOf(c, variantWeights, ref.variant.labels);
      expect(Math.abs(loss - ref.variant.loss) / ref.variant.loss).toBeLessThan(1e-5);
      expectGradNorms(grads, ref.variant.grad_norms);
    });
  });
}

describe('ModernBERT dropout', () => {
  it('draws seeded masks at every site in training and none in eval', async () => {
    await tf.setBackend('cpu');
    const c = family.parseConfig({
      ...ref.variant.config,
      embedding_dropout: 0.1,
      attention_dropout: 0.1,
      mlp_dropout: 0.1,
      classifier_dropout: 0.1,
    });
    const params = load(c, variantWeights);
    const p = getter(params);
    const batch = batchOf(
      ref.forward.input_ids.slice(0, 4),
      ref.forward.attention_mask.slice(0, 4),
    );
    const run = async (training: boolean, seed?: number) => {
      const out = family.forward(c, p, batch, { training, seed });
      const d = await out.logits.data();
      out.logits.dispose();
      return d;
    };
    const evalLogits = await run(false);
    const a = await run(true, 1);
    expect(maxAbsDiff(a, await run(true, 1))).toBe(0);
    expect(maxAbsDiff(a, await run(true, 2))).toBeGreaterThan(1e-4);
    expect(maxAbsDiff(a, evalLogits)).toBeGreaterThan(1e-4);
    tf.dispose([batch.input_ids, batch.attention_mask as tf.Tensor]);
    for (const v of params.values()) v.dispose();
  });
});

describe('ModernBERT training (the fixture Trainer run, replayed with the family)', () => {
  it('gives trainer_state.json loss, grad_norm and learning_rate at each of the 12 steps', async () => {
    // wasm with the studio's kernels, as the CLI trains (cpu takes minutes on a busy machine)
    expect(installWasmKernels()).toBe(true);
    await tf.setBackend('wasm');
    const args = JSON.parse(readFileSync(`${dir}training_args.json`, 'utf8')) as Record<
      string,
      number
    >;
    const logged = (
      JSON.parse(readFileSync(`${dir}trainer_state.json`, 'utf8')) as {
        log_history: Array<{
          step: number;
          loss?: number;
          grad_norm: number;
          learning_rate: number;
        }>;
      }
    ).log_history.filter((e) => e.loss !== undefined);
    const c = fixtureConfig();
    const params = load(c, checkpoint);
    const opt = new AdamW(params, {
      weightDecay: args.weight_decay,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
    });
    const { input_ids: rows, labels } = ref.train_rows;
    const [bs, ga, total] = [
      args.per_device_train_batch_size,
      args.gradient_accumulation_steps,
      logged.length,
    ];
    const schedule = {
      lr_scheduler_type: 'linear' as const,
      learning_rate: args.learning_rate,
      num_warmup_steps: warmupSteps({ warmup_steps: args.warmup_steps }, total),
      num_training_steps: total,
    };
    let next = 0; // batches in file order (sequential sampling), epoch after epoch
    let worst = 0;
    for (let step = 0; step < total; step++) {
      let acc = new Map<string, tf.Tensor>();
      let loss = 0;
      for (let m = 0; m < ga; m++) {
        if (next >= rows.length) next = 0;
        const ids = rows.slice(next, next + bs);
        const y = labels.slice(next, next + bs);
        next += bs;
        const T = Math.max(...ids.map((r) => r.length)); // DataCollatorWithPadding
        const padded = ids.map((r) => [...r, ...Array<number>(T - r.length).fill(c.pad_token_id)]);
        const mask = ids.map((r) => Array.from({ length: T }, (_, t) => (t < r.length ? 1 : 0)));
        const batch = batchOf(padded, mask, y);
        const { value, grads } = tf.variableGrads(
          () =>
            tf.div(
              family.forward(c, getter(params), batch, { training: true, seed: 42, loss: CE })
                .loss as tf.Scalar,
              ga,
            ),
          [...params.values()],
        );
        loss += (await value.data())[0];
        const sum = new Map<string, tf.Tensor>();
        for (const [name, v] of params) {
          const prev = acc.get(name);
          sum.set(name, prev ? tf.add(prev, grads[v.name]) : tf.clone(grads[v.name]));
        }
        tf.dispose([...acc.values(), ...Object.values(grads), value]);
        tf.dispose([batch.input_ids, batch.attention_mask as tf.Tensor, batch.labels as tf.Tensor]);
        acc = sum;
      }
      const clipped = clipByGlobalNorm(acc, args.max_grad_norm);
      const gradNorm = (await clipped.norm.data())[0];
      const lr = learningRateAt(schedule, step);
      opt.step(clipped.grads, lr);
      tf.dispose([...acc.values(), ...clipped.grads.values(), clipped.norm]);
      const want = logged[step];
      expect(want.step).toBe(step + 1);
      expect(lr).toBe(want.learning_rate);
      const errs = [
        Math.abs(loss - (want.loss as number)) / (want.loss as number),
        Math.abs(gradNorm - want.grad_norm) / want.grad_norm,
      ];
      worst = Math.max(worst, ...errs);
      expect(errs[0], `loss at step ${step + 1}`).toBeLessThan(1e-3);
      expect(errs[1], `grad_norm at step ${step + 1}`).toBeLessThan(1e-3);
    }
    // measured here: about 2e-5 relative at worst (wasm), 2e-6 (cpu)
    expect(worst).toBeLessThan(1e-4);
    opt.dispose();
    for (const v of params.values()) v.dispose();
  }, 240_000);
});

describe('ModernBERT activation memory', () => {
  it('estimates what the tape keeps (measured on cpu) plus one layer of backward temporaries', async () => {
    await tf.setBackend('cpu');
    const [B, T] = [8, 64];
    const c = family.scratchConfig({
      vocabSize: 500,
      id2label: { '0': 'a', '1': 'b' },
      problemType: null,
      maxLength: T,
      padTokenId: 0,
      settings: { num_hidden_layers: 3, local_attention: 16 },
    });
    const params = new Map<string, tf.Variable>();
    for (const spec of family.paramSpecs(c)) {
      const t = family.initParam(c, spec, 3);
      params.set(spec.name, tf.variable(t, true));
      t.dispose();
    }
    const rows = Array.from({ length: B }, (_, b) =>
      Array.from({ length: T }, (_, t) => (b + t) % 500),
    );
    const batch = batchOf(
      rows,
      rows.map((r) => r.map(() => 1)),
      rows.map((_, b) => b % 2),
    );
    let kept = 0;
    const { value, grads } = tf.variableGrads(() => {
      const before = tf.memory().numBytes;
      const loss = family.forward(c, getter(params), batch, { training: true, loss: CE })
        .loss as tf.Scalar;
      kept = tf.memory().numBytes - before; // what the tape holds once the forward pass is done
      return loss;
    }, [...params.values()]);
    tf.dispose([
      value,
      ...Object.values(grads),
      batch.input_ids,
      batch.attention_mask as tf.Tensor,
    ]);
    tf.dispose(batch.labels as tf.Tensor);
    for (const v of params.values()) v.dispose();
    const estimate = family.activationBytes(c, B, T);
    expect(kept).toBeLessThan(estimate);
    expect(kept).toBeGreaterThan(0.6 * estimate);
  });
});

describe('ModernBERT ONNX graph (onnxruntime-node)', () => {
  async function onnxLogits(bytes: Uint8Array): Promise<Float32Array> {
    const session = await ort.InferenceSession.create(bytes);
    const feed = (rows: number[][]) =>
      new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [
        rows.length,
        rows[0].length,
      ]);
    const out = await session.run({
      input_ids: feed(ref.forward.input_ids),
      attention_mask: feed(ref.forward.attention_mask),
    });
    await session.release();
    return out.logits.data as Float32Array;
  }

  function argmaxRows(x: ArrayLike<number>, cols: number): number[] {
    const out: number[] = [];
    for (let r = 0; r < x.length / cols; r++) {
      let best = 0;
      for (let k = 1; k < cols; k++) if (x[r * cols + k] > x[r * cols + best]) best = k;
      out.push(best);
    }
    return out;
  }

  for (const [label, config, weights, want] of [
    ['fixture (mean pooling)', fixtureConfig, checkpoint, initialLogits],
    ['second model (cls pooling, biases)', variantConfig, variantWeights, ref.variant.logits],
  ] as const) {
    it(`gives torch logits for the ${label}, fp32 within 1e-4 and q8 the same labels`, async () => {
      const c = config();
      const fp32 = await onnxLogits(familyOnnx(family, c, weights, 'fp32'));
      expect(maxAbsDiff(fp32, want.flat())).toBeLessThan(1e-4);
      const q8 = await onnxLogits(familyOnnx(family, c, weights, 'q8'));
      expect(argmaxRows(q8, c.num_labels)).toEqual(argmaxRows(want.flat(), c.num_labels));
    });
  }
});
