/**
 * SequenceClassifier against PyTorch (tests/fixtures/bert-tiny-random): logits, loss,
 * gradients, grad norm and one clipped AdamW step; wasm vs cpu; training; initialisation; loading.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { readSafetensors } from '../../src/core/io/safetensors';
import { installWasmKernels } from '../../src/core/kernels/wasmKernels';
import { bertFamily } from '../../src/core/model/bert';
import {
  parseBertConfig,
  smallBertConfig,
  type BertConfig,
} from '../../src/core/model/bert/config';
import { bertParamSpecs } from '../../src/core/model/bert/params';
import { SequenceClassifier } from '../../src/core/model/classifier';
import { defaultId2Label, invertId2Label } from '../../src/core/model/config';
import type { ClassifierBatch as BertBatch } from '../../src/core/model/family';
import { embed, type EmbeddingParams } from '../../src/core/model/embeddings';
import { AdamW } from '../../src/core/train/adamw';
import { clipByGlobalNorm } from '../../src/core/train/clip';
import { bceWithLogits, mse } from '../../src/core/train/losses';

const dir = fileURLToPath(new URL('../fixtures/bert-tiny-random/', import.meta.url));

interface Reference {
  note: string;
  input_ids: number[][];
  token_type_ids: number[][];
  attention_mask: number[][];
  labels: number[];
  logits: number[][];
  loss: number;
  grads: Record<string, number[]>;
  grad_shapes: Record<string, number[]>;
  pre_clip_grad_norm: number;
  logits_after_one_step: number[][];
}

const ref = JSON.parse(readFileSync(`${dir}reference.json`, 'utf8')) as Reference;
const rawConfig = JSON.parse(readFileSync(`${dir}config.json`, 'utf8')) as unknown;
const weightBytes = new Uint8Array(readFileSync(`${dir}model.safetensors`));

function loadFixtureModel(): SequenceClassifier {
  const config = parseBertConfig(rawConfig);
  const tensors = new Map<string, tf.Tensor>();
  for (const [name, t] of readSafetensors(weightBytes))
    tensors.set(name, tf.tensor(t.data, t.shape));
  const { model, missing, unexpected } = SequenceClassifier.fromTensors(
    bertFamily,
    config,
    tensors,
    0,
  );
  for (const t of tensors.values()) t.dispose();
  expect(missing).toEqual([]);
  expect(unexpected).toEqual([]);
  return model;
}

function fixtureBatch(): Required<BertBatch> {
  return {
    input_ids: tf.tensor2d(ref.input_ids, undefined, 'int32'),
    attention_mask: tf.tensor2d(ref.attention_mask, undefined, 'int32'),
    token_type_ids: tf.tensor2d(ref.token_type_ids, undefined, 'int32'),
    labels: tf.tensor1d(ref.labels, 'int32'),
  };
}

function disposeBatch(b: BertBatch): void {
  tf.dispose([b.input_ids, b.attention_mask, b.token_type_ids, b.labels].filter((t) => t != null));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Gradients of the loss by HF parameter name. */
function lossGrads(
  model: SequenceClassifier,
  batch: BertBatch,
): { loss: tf.Scalar; grads: Map<string, tf.Tensor> } {
  const { value, grads } = tf.variableGrads(
    () => model.forward(batch).loss as tf.Scalar,
    [...model.params.values()],
  );
  const out = new Map<string, tf.Tensor>();
  for (const [name, v] of model.params) out.set(name, grads[v.name]);
  return { loss: value, grads: out };
}

/** Measured errors, printed at the end for the report. */
const measured: Record<string, number> = {};

describe('SequenceClassifier of BERT vs PyTorch (cpu)', () => {
  let start = 0;
  beforeEach(async () => {
    await tf.setBackend('cpu');
    start = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(start);
  });

  it('matches logits and loss', async () => {
    const model = loadFixtureModel();
    const batch = fixtureBatch();
    const out = model.forward(batch);
    expect(out.logits.shape).toEqual([4, 3]);
    const logitsErr = maxAbsDiff(await out.logits.data(), ref.logits.flat());
    const loss = (await (out.loss as tf.Scalar).data())[0];
    measured.logits = logitsErr;
    measured.loss = Math.abs(loss - ref.loss);
    expect(logitsErr).toBeLessThan(1e-5);
    expect(Math.abs(loss - ref.loss)).toBeLessThan(1e-5);
    tf.dispose([out.logits, out.loss as tf.Scalar]);
    disposeBatch(batch);
    model.dispose();
  });

  it('matches the gradients and the pre-clip global norm', async () => {
    const model = loadFixtureModel();
    const batch = fixtureBatch();
    const { loss, grads } = lossGrads(model, batch);
    let sq = 0;
    for (const g of grads.values()) for (const x of await g.data()) sq += x * x;
    const norm = Math.sqrt(sq);
    measured.gradNorm = Math.abs(norm - ref.pre_clip_grad_norm);
    expect(Math.abs(norm - ref.pre_clip_grad_norm)).toBeLessThan(1e-5);

    // The fixture's `grads` are the gradients AFTER clip_grad_norm_(1.0) (they equal the raw
    // gradients times 1 / (pre_clip_norm + 1e-6), torch's clip coefficient), although the note says
    // "before clipping". Compare both: raw gradients rescaled, and clip.ts's output.
    const coef = 1 / (ref.pre_clip_grad_norm + 1e-6);
    const clipped = clipByGlobalNorm(grads, 1.0);
    let rawErr = 0;
    let clipErr = 0;
    for (const [name, expected] of Object.entries(ref.grads)) {
      const g = grads.get(name) as tf.Tensor;
      expect(g.shape).toEqual(ref.grad_shapes[name]);
      const raw = await g.data();
      const unclippedRef = expected.map((x) => x / coef);
      rawErr = Math.max(rawErr, maxAbsDiff(raw, unclippedRef));
      clipErr = Math.max(
        clipErr,
        maxAbsDiff(await (clipped.grads.get(name) as tf.Tensor).data(), expected),
      );
    }
    measured.rawGrads = rawErr;
    measured.clippedGrads = clipErr;
    expect(rawErr).toBeLessThan(1e-5);
    expect(clipErr).toBeLessThan(1e-6);
    // The padding-free rows of unused tokens get exactly zero gradient, as in torch.
    const wordRef = ref.grads['bert.embeddings.word_embeddings.weight'];
    const wordGrad = await (
      grads.get('bert.embeddings.word_embeddings.weight') as tf.Tensor
    ).data();
    for (let i = 0; i < wordRef.length; i++) if (wordRef[i] === 0) expect(wordGrad[i]).toBe(0);

    tf.dispose([loss, clipped.norm, ...grads.values(), ...clipped.grads.values()]);
    disposeBatch(batch);
    model.dispose();
  });

  it('matches logits after one clipped AdamW step (lr 1e-3, wd 0.01)', async () => {
    const model = loadFixtureModel();
    const batch = fixtureBatch();
    const { loss, grads } = lossGrads(model, batch);
    const clipped = clipByGlobalNorm(grads, 1.0);
    const opt = new AdamW(model.params, {
      weightDecay: 0.01,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
    });
    opt.step(clipped.grads, 1e-3);
    tf.dispose([loss, clipped.norm, ...grads.values(), ...clipped.grads.values()]);
    const after = model.forward({ ...batch, labels: undefined });
    expect(after.loss).toBeUndefined();
    const err = maxAbsDiff(await after.logits.data(), ref.logits_after_one_step.flat());
    measured.logitsAfterStep = err;
    expect(err).toBeLessThan(1e-5);
    after.logits.dispose();
    opt.dispose();
    disposeBatch(batch);
    model.dispose();
  });
});

describe('wasm backend (with the studio kernels, as selectBackend installs them)', () => {
  beforeAll(() => {
    expect(installWasmKernels()).toBe(true);
  });
  afterEach(async () => {
    await tf.setBackend('cpu');
  });

  it('embeddings: the written-out gradients (duplicate ids summed) equal the tape gradients, on cpu and wasm', async () => {
    const V = 7;
    const H = 4;
    const ids = [
      [1, 3, 1],
      [1, 0, 6],
    ];
    const types = [
      [0, 1, 1],
      [0, 0, 1],
    ];
    const vals = (n: number, k: number) => Array.from({ length: n }, (_, i) => Math.sin(i * k) / 2);
    /** Gradients of sum(embed(...) * w) w.r.t. the five tables, with `embedFn` or the tape. */
    const grads = async (taped: boolean) => {
      const start = tf.memory().numTensors;
      const tables = [
        tf.tensor2d(vals(V * H, 1.3), [V, H]),
        tf.tensor2d(vals(5 * H, 0.7), [5, H]),
        tf.tensor2d(vals(2 * H, 2.1), [2, H]),
        tf.tensor1d(vals(H, 0.4).map((x) => 1 + x)),
        tf.tensor1d(vals(H, 0.9)),
      ];
      const idT = tf.tensor2d(ids, undefined, 'int32');
      const typeT = tf.tensor2d(types, undefined, 'int32');
      const w = tf.tensor2d(vals(6 * H, 0.37), [6, H]);
      const f = (word: tf.Tensor, pos: tf.Tensor, tt: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        if (!taped) {
          const p = { word, position: pos, tokenType: tt, gamma: g, beta: b } as EmbeddingParams;
          return tf.sum(
            tf.mul(embed(p, idT as tf.Tensor2D, typeT as tf.Tensor2D, 1e-12, 0, false), w),
          );
        }
        const x = tf.add(
          tf.add(tf.gather(word, idT), tf.gather(tt, typeT)),
          tf.slice(pos, [0, 0], [3, H]),
        );
        const mean = tf.mean(x, -1, true);
        const c = tf.sub(x, mean);
        const y = tf.add(
          tf.mul(tf.mul(c, tf.rsqrt(tf.add(tf.mean(tf.square(c), -1, true), 1e-12))), g),
          b,
        );
        return tf.sum(tf.mul(tf.reshape(y, [6, H]), w));
      };
      const gs = tf.grads(f)(tables);
      const out = await Promise.all(gs.map(async (t) => Array.from(await t.data())));
      tf.dispose([...tables, idT, typeT, w, ...gs]);
      expect(tf.memory().numTensors).toBe(start);
      return out;
    };
    await tf.setBackend('cpu');
    const want = await grads(true); // tf.gather's own gradient (UnsortedSegmentSum: not on wasm)
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      const got = await grads(false);
      got.forEach((g, i) => expect(maxAbsDiff(g, want[i])).toBeLessThan(1e-5));
    }
    // id 1 appears three times, id 2 never: its rows of the word-table gradient are 0 and not 0.
    expect(want[0].slice(2 * H, 3 * H).every((x) => x === 0)).toBe(true);
    expect(want[0].slice(H, 2 * H).some((x) => x !== 0)).toBe(true);
  });

  it('gives the same logits and gradients as cpu', async () => {
    const results: Record<string, { logits: Float32Array; grads: Map<string, Float32Array> }> = {};
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      const start = tf.memory().numTensors;
      const model = loadFixtureModel();
      const batch = fixtureBatch();
      const logits = model.forward({ ...batch, labels: undefined }).logits;
      const { loss, grads } = lossGrads(model, batch);
      const host = new Map<string, Float32Array>();
      for (const [n, g] of grads) host.set(n, (await g.data()) as Float32Array);
      results[backend] = { logits: (await logits.data()) as Float32Array, grads: host };
      tf.dispose([logits, loss, ...grads.values()]);
      disposeBatch(batch);
      model.dispose();
      expect(tf.memory().numTensors).toBe(start);
    }
    const logitsErr = maxAbsDiff(results.wasm.logits, results.cpu.logits);
    let gradErr = 0;
    for (const [n, g] of results.cpu.grads) {
      gradErr = Math.max(gradErr, maxAbsDiff(results.wasm.grads.get(n) as Float32Array, g));
    }
    measured.wasmLogits = logitsErr;
    measured.wasmGrads = gradErr;
    expect(logitsErr).toBeLessThan(1e-4);
    expect(gradErr).toBeLessThan(1e-4);
    expect(maxAbsDiff(results.wasm.logits, ref.logits.flat())).toBeLessThan(1e-4);
  });
});

describe('training behaviour (cpu)', () => {
  let start = 0;
  beforeEach(async () => {
    await tf.setBackend('cpu');
    start = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(start);
  });

  it('lowers the loss over a few AdamW steps from scratch, without leaking tensors', async () => {
    const config = smallBertConfig({ vocabSize: 120, numLabels: 3, maxLength: 16 });
    const model = SequenceClassifier.create(bertFamily, config, 7);
    const batch = fixtureBatch();
    const opt = new AdamW(model.params, { weightDecay: 0.01 });
    const losses: number[] = [];
    const STEPS = 20;
    const LR = 3e-3;
    const afterSetup = tf.memory().numTensors;
    let afterFirstStep = -1;
    for (let step = 0; step < STEPS; step++) {
      const { loss, grads } = lossGradsTraining(model, batch, 1000 + step);
      const clipped = clipByGlobalNorm(grads, 1.0);
      opt.step(clipped.grads, LR);
      losses.push((await loss.data())[0]);
      tf.dispose([loss, clipped.norm, ...grads.values(), ...clipped.grads.values()]);
      // Only the optimizer's moment buffers (created at step 1, two per bucket) may be new.
      if (step === 0) {
        afterFirstStep = tf.memory().numTensors;
        expect(afterFirstStep).toBeGreaterThan(afterSetup);
        expect(afterFirstStep).toBeLessThanOrEqual(afterSetup + 2 * model.params.size);
      } else expect(tf.memory().numTensors).toBe(afterFirstStep);
    }
    const evalOut = model.forward(batch);
    const finalLoss = (await (evalOut.loss as tf.Scalar).data())[0];
    tf.dispose([evalOut.logits, evalOut.loss as tf.Scalar]);
    expect(losses[0]).toBeGreaterThan(1.0); // ~ln 3 at initialisation
    expect(losses[STEPS - 1]).toBeLessThan(losses[0]);
    expect(finalLoss).toBeLessThan(losses[0] * 0.5);
    opt.dispose();
    disposeBatch(batch);
    model.dispose();
  });

  it('dropout is seeded: same seed same logits, other seed different, eval deterministic', async () => {
    const model = loadFixtureModel();
    const batch = fixtureBatch();
    const run = async (opts: { training?: boolean; seed?: number }): Promise<Float32Array> => {
      const { logits, loss } = model.forward(batch, opts);
      const d = (await logits.data()) as Float32Array;
      tf.dispose([logits, loss as tf.Scalar]);
      return d;
    };
    const a = await run({ training: true, seed: 1 });
    const b = await run({ training: true, seed: 1 });
    const c = await run({ training: true, seed: 2 });
    const e = await run({});
    expect(maxAbsDiff(a, b)).toBe(0);
    expect(maxAbsDiff(a, c)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(a, e)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(e, ref.logits.flat())).toBeLessThan(1e-5);
    disposeBatch(batch);
    model.dispose();
  });

  it('picks the loss from the labels as HF does (multi-label BCE, regression MSE), config unchanged', async () => {
    const ids = tf.tensor2d(ref.input_ids, undefined, 'int32');
    const mask = tf.tensor2d(ref.attention_mask, undefined, 'int32');
    // Multi-label: float multi-hot labels, problem_type unset -> multi_label_classification.
    const ml = SequenceClassifier.create(
      bertFamily,
      smallBertConfig({ vocabSize: 120, numLabels: 3, maxLength: 16, hiddenSize: 32 }),
      1,
    );
    const mlLabels = tf.tensor2d([
      [1, 0, 1],
      [0, 0, 1],
      [1, 1, 0],
      [0, 0, 0],
    ]);
    const mlOut = ml.forward({ input_ids: ids, attention_mask: mask, labels: mlLabels });
    expect(ml.problemTypeOf(mlLabels)).toBe('multi_label_classification');
    // HF's forward writes the problem type it picks into the config; here forward leaves it.
    expect(ml.config.problem_type).toBeNull();
    const mlRef = bceWithLogits(mlOut.logits, mlLabels);
    expect((await (mlOut.loss as tf.Scalar).data())[0]).toBeCloseTo((await mlRef.data())[0], 6);
    // Regression: num_labels 1 -> MSE on logits [B, 1] vs labels [B].
    const rg = SequenceClassifier.create(
      bertFamily,
      smallBertConfig({ vocabSize: 120, numLabels: 1, maxLength: 16, hiddenSize: 32 }),
      1,
    );
    const rgLabels = tf.tensor1d([0.5, -1, 2, 0.25]);
    const rgOut = rg.forward({ input_ids: ids, attention_mask: mask, labels: rgLabels });
    expect(rg.problemTypeOf(rgLabels)).toBe('regression');
    expect(rg.config.problem_type).toBeNull();
    expect(rgOut.logits.shape).toEqual([4, 1]);
    const rgRef = mse(rgOut.logits, rgLabels);
    expect((await (rgOut.loss as tf.Scalar).data())[0]).toBeCloseTo((await rgRef.data())[0], 6);
    tf.dispose([ids, mask, mlLabels, rgLabels, mlOut.logits, mlOut.loss as tf.Scalar, mlRef]);
    tf.dispose([rgOut.logits, rgOut.loss as tf.Scalar, rgRef]);
    ml.dispose();
    rg.dispose();
  });

  it('rejects sequences longer than max_position_embeddings and mismatched masks', () => {
    const model = SequenceClassifier.create(
      bertFamily,
      smallBertConfig({ vocabSize: 50, numLabels: 2, maxLength: 8, hiddenSize: 16, numHeads: 2 }),
      0,
    );
    const long = tf.zeros([1, 9], 'int32') as tf.Tensor2D;
    const short = tf.zeros([1, 4], 'int32') as tf.Tensor2D;
    const mask = tf.ones([1, 5], 'int32') as tf.Tensor2D;
    expect(() => model.forward({ input_ids: long })).toThrow(/max_position_embeddings 8/);
    expect(() => model.forward({ input_ids: short, attention_mask: mask })).toThrow(
      /attention_mask/,
    );
    tf.dispose([long, short, mask]);
    model.dispose();
  });
});

function lossGradsTraining(
  model: SequenceClassifier,
  batch: BertBatch,
  seed: number,
): { loss: tf.Scalar; grads: Map<string, tf.Tensor> } {
  const { value, grads } = tf.variableGrads(
    () => model.forward(batch, { training: true, seed }).loss as tf.Scalar,
    [...model.params.values()],
  );
  const out = new Map<string, tf.Tensor>();
  for (const [name, v] of model.params) out.set(name, grads[v.name]);
  return { loss: value, grads: out };
}

describe('initialisation and loading (cpu)', () => {
  let start = 0;
  beforeEach(async () => {
    await tf.setBackend('cpu');
    start = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(start);
  });

  it("create() follows HF's _init_weights and is reproducible from the seed", async () => {
    const config: BertConfig = smallBertConfig({ vocabSize: 1000, numLabels: 2, maxLength: 128 });
    const a = SequenceClassifier.create(bertFamily, config, 42);
    const b = SequenceClassifier.create(bertFamily, config, 42);
    const c = SequenceClassifier.create(bertFamily, config, 43);
    // 2 layers, H 64, I 128, V 1000, P 128, 2 token types, 2 labels.
    const H = 64;
    const I = 128;
    const perLayer = 4 * (H * H + H) + 2 * 2 * H + (I * H + I) + (H * I + H);
    const expected = 1000 * H + 128 * H + 2 * H + 2 * H + 2 * perLayer + (H * H + H) + (2 * H + 2);
    expect(a.parameterCount()).toBe(expected);
    expect([...a.params.keys()]).toEqual(bertParamSpecs(config).map((s) => s.name));

    const word = (await a.params
      .get('bert.embeddings.word_embeddings.weight')
      ?.data()) as Float32Array;
    expect(word.subarray(0, H).every((x) => x === 0)).toBe(true); // pad_token_id 0 row
    const rest = word.subarray(H);
    const mean = rest.reduce((s, x) => s + x, 0) / rest.length;
    const std = Math.sqrt(rest.reduce((s, x) => s + (x - mean) ** 2, 0) / rest.length);
    expect(Math.abs(mean)).toBeLessThan(1e-3);
    expect(std).toBeGreaterThan(0.019);
    expect(std).toBeLessThan(0.021);
    const q = (await a.params
      .get('bert.encoder.layer.1.attention.self.query.weight')
      ?.data()) as Float32Array;
    const qStd = Math.sqrt(q.reduce((s, x) => s + x * x, 0) / q.length);
    expect(qStd).toBeGreaterThan(0.018);
    expect(qStd).toBeLessThan(0.022);
    for (const [name, v] of a.params) {
      const d = await v.data();
      if (name.endsWith('.bias')) expect(d.every((x) => x === 0)).toBe(true);
      if (name.endsWith('LayerNorm.weight')) expect(d.every((x) => x === 1)).toBe(true);
    }
    const cls = async (m: SequenceClassifier): Promise<Float32Array> =>
      (await m.params.get('classifier.weight')?.data()) as Float32Array;
    expect(maxAbsDiff(await cls(a), await cls(b))).toBe(0);
    expect(maxAbsDiff(await cls(a), await cls(c))).toBeGreaterThan(1e-3);
    // Different parameters get different streams.
    const k = (await a.params
      .get('bert.encoder.layer.1.attention.self.key.weight')
      ?.data()) as Float32Array;
    expect(maxAbsDiff(q, k)).toBeGreaterThan(1e-3);
    a.dispose();
    b.dispose();
    c.dispose();
  });

  it('loads a BertForPreTraining-style checkpoint: HF prefix rules, new head, unexpected cls.*', async () => {
    const config = parseBertConfig(rawConfig);
    const decoded = readSafetensors(weightBytes);
    const tensors = new Map<string, tf.Tensor>();
    for (const [name, t] of decoded) {
      if (name.startsWith('classifier.')) continue;
      // BertModel names (no 'bert.' prefix), old gamma/beta LayerNorm names.
      const base = name
        .replace(/^bert\./, '')
        .replace(/LayerNorm\.weight$/, 'LayerNorm.gamma')
        .replace(/LayerNorm\.bias$/, 'LayerNorm.beta');
      tensors.set(base, tf.tensor(t.data, t.shape));
    }
    tensors.set('cls.predictions.bias', tf.zeros([120]));
    tensors.set('cls.seq_relationship.weight', tf.zeros([2, 32]));
    tensors.set(
      'embeddings.position_ids',
      tf.tidy(() => tf.range(0, 64).reshape([1, 64])),
    );
    const { model, missing, unexpected, mismatched } = SequenceClassifier.fromTensors(
      bertFamily,
      config,
      tensors,
      5,
    );
    expect(missing).toEqual(['classifier.weight', 'classifier.bias']);
    expect(unexpected.sort()).toEqual(['cls.predictions.bias', 'cls.seq_relationship.weight']);
    expect(mismatched).toEqual([]);
    for (const [name, t] of decoded) {
      if (name.startsWith('classifier.')) continue;
      const v = model.params.get(name) as tf.Variable;
      expect(maxAbsDiff(await v.data(), t.data)).toBe(0);
    }
    tf.dispose([...tensors.values()]);
    model.dispose();
  });

  it('reinitialises a classifier of another size and refuses other shape mismatches', () => {
    const config = { ...parseBertConfig(rawConfig) };
    const tensors = new Map<string, tf.Tensor>();
    for (const [name, t] of readSafetensors(weightBytes))
      tensors.set(name, tf.tensor(t.data, t.shape));
    const id2label = defaultId2Label(5);
    const five = { ...config, num_labels: 5, id2label, label2id: invertId2Label(id2label) };
    const { model, missing, mismatched } = SequenceClassifier.fromTensors(
      bertFamily,
      five,
      tensors,
      1,
    );
    expect(missing).toEqual([]);
    expect(mismatched).toEqual([
      { name: 'classifier.weight', checkpointShape: [3, 32], modelShape: [5, 32] },
      { name: 'classifier.bias', checkpointShape: [3], modelShape: [5] },
    ]);
    expect(model.params.get('classifier.weight')?.shape).toEqual([5, 32]);
    model.dispose();
    const wider = { ...config, intermediate_size: 128 };
    expect(() => SequenceClassifier.fromTensors(bertFamily, wider, tensors, 1)).toThrow(
      /intermediate\.dense\.weight' has shape \[64,32\] but the model .* needs \[128,32\]/,
    );
    tf.dispose([...tensors.values()]);
  });
});

describe('report', () => {
  it('prints the measured parity errors', () => {
    console.log('parity (max abs error):', JSON.stringify(measured));
    expect(Object.keys(measured).length).toBeGreaterThan(0);
  });
});
