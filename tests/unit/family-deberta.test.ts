/**
 * The DeBERTa-v2/v3 family against transformers 5.18: the fixture checkpoint's config, parameter
 * names and shapes, torch's log buckets, logits on validation.csv (padded batch) and the loss and
 * gradients on a padded, labelled train batch (tests/python/make_deberta_reference.py), on the
 * cpu and wasm backends; HF's initialisation; the ONNX export through onnxruntime-node.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { familyOnnx } from '../../src/core/io/onnx/familyOnnx';
import { readSafetensors } from '../../src/core/io/safetensors';
import { installWasmKernels } from '../../src/core/kernels/wasmKernels';
import { debertaFamily, type DebertaV2Config } from '../../src/core/model/deberta';
import { logBucketPosition } from '../../src/core/model/deberta/relativePositions';
import { headLoss } from '../../src/core/train/losses';
import {
  getter,
  toBatch,
  type GradientReference,
  type ValidationReference,
} from './helpers/familyFixture';

const dir = 'tests/fixtures/auto/deberta-v2/';
const configText = readFileSync(`${dir}checkpoint/config.json`, 'utf8');
const config = debertaFamily.parseConfig(JSON.parse(configText));
const checkpoint = readSafetensors(
  new Uint8Array(readFileSync(`${dir}checkpoint/model.safetensors`)),
);
interface Reference {
  validation: ValidationReference;
  train: GradientReference;
  buckets: { bucket_size: number; max_position: number; length: number; buckets: number[] }[];
}
const ref = JSON.parse(readFileSync(`${dir}reference.json`, 'utf8')) as Reference;
const initial = JSON.parse(readFileSync(`${dir}initial_logits.json`, 'utf8')) as {
  logits: number[][];
};

function maxAbsDiff(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((row, i) => row.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[i][j])))));
  return m;
}

type Checkpoint = ReturnType<typeof readSafetensors>;

/** One model and what torch computed with it. */
interface Case {
  name: string;
  config: DebertaV2Config;
  weights: Checkpoint;
  /** A padded batch and torch's eval logits on it. */
  inputs: { input_ids: number[][]; attention_mask: number[][]; token_type_ids?: number[][] | null };
  logits: number[][];
  /** A padded, labelled batch and torch's loss and gradients on it (dropout off). */
  train: {
    inputs: Case['inputs'];
    labels: number[];
    loss: number;
    gradNorms: Record<string, number>;
  };
  grads?: Record<string, number[]>;
}

const fixtureCase: Case = {
  name: 'fixture checkpoint',
  config,
  weights: checkpoint,
  inputs: ref.validation.batches[0],
  logits: initial.logits,
  train: {
    inputs: ref.train,
    labels: ref.train.labels,
    loss: ref.train.loss,
    gradNorms: ref.train.grad_norms,
  },
  grads: ref.train.grads,
};

/** The random models of tests/fixtures/deberta-variants (see make_deberta_reference.py). */
function variantCase(name: string): Case {
  const vdir = `tests/fixtures/deberta-variants/${name}/`;
  const r = JSON.parse(readFileSync(`${vdir}reference.json`, 'utf8')) as {
    input_ids: number[][];
    attention_mask: number[][];
    token_type_ids: number[][] | null;
    logits: number[][];
    labels: number[];
    loss: number;
    grad_norms: Record<string, number>;
  };
  return {
    name,
    config: debertaFamily.parseConfig(JSON.parse(readFileSync(`${vdir}config.json`, 'utf8'))),
    weights: readSafetensors(new Uint8Array(readFileSync(`${vdir}model.safetensors`))),
    inputs: r,
    logits: r.logits,
    train: { inputs: r, labels: r.labels, loss: r.loss, gradNorms: r.grad_norms },
  };
}

const cases: Case[] = [fixtureCase, ...['v3-buckets', 'v2-separate', 'c2p-only'].map(variantCase)];

function variables(k: Case): Map<string, tf.Variable> {
  const vars = new Map<string, tf.Variable>();
  for (const spec of debertaFamily.paramSpecs(k.config)) {
    const t = k.weights.get(spec.name);
    if (!t) throw new Error(`checkpoint lacks ${spec.name}`);
    expect(t.shape, spec.name).toEqual(spec.shape);
    vars.set(spec.name, tf.variable(tf.tensor(t.data, t.shape), true, `${k.name}/${spec.name}`));
  }
  return vars;
}

async function logitsOn(k: Case, vars: Map<string, tf.Tensor>): Promise<number[][]> {
  const out = tf.tidy(
    () => debertaFamily.forward(k.config, getter(vars), toBatch(k.inputs), {}).logits,
  );
  const rows = (await out.array()) as number[][];
  out.dispose();
  return rows;
}

async function gradients(
  k: Case,
  vars: Map<string, tf.Variable>,
): Promise<{ loss: number; grads: Map<string, Float32Array> }> {
  const batch = { ...toBatch(k.train.inputs), labels: tf.tensor1d(k.train.labels, 'int32') };
  const loss = headLoss('single_label_classification');
  const { value, grads } = tf.variableGrads(
    () =>
      debertaFamily.forward(k.config, getter(vars), batch, { training: true, seed: 1, loss })
        .loss as tf.Scalar,
    [...vars.values()],
  );
  const out = new Map<string, Float32Array>();
  for (const [name, v] of vars) out.set(name, (await grads[v.name].data()) as Float32Array);
  const l = (await value.data())[0];
  tf.dispose([value, ...Object.values(grads), ...Object.values(batch)]);
  return { loss: l, grads: out };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const norm = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));

describe('DeBERTa-v2 config', () => {
  it('parses the fixture config.json and writes it back as save_pretrained does', () => {
    expect(config.relative_attention).toBe(true);
    expect(config.pos_att_type).toEqual(['p2c', 'c2p']);
    expect(config.num_labels).toBe(2);
    expect(JSON.parse(debertaFamily.configToJson(config))).toEqual(JSON.parse(configText));
    expect(debertaFamily.takesTokenTypeIds(config)).toBe(false);
    expect(debertaFamily.onnxInputs(config)).toEqual(['input_ids', 'attention_mask']);
    const again = debertaFamily.parseConfig(JSON.parse(debertaFamily.configToJson(config)));
    expect(again).toEqual({ ...config, architectures: ['DebertaV2ForSequenceClassification'] });
  });

  it('refuses bad keys and what it does not implement, naming the key', () => {
    const base = JSON.parse(configText) as Record<string, unknown>;
    const bad = (patch: Record<string, unknown>) => () =>
      debertaFamily.parseConfig({ ...base, ...patch });
    expect(bad({ conv_kernel_size: 3 })).toThrow(/conv_kernel_size.*ConvLayer/);
    expect(bad({ pos_att_type: ['c2p', 'p2p'] })).toThrow(/pos_att_type.*"p2p"/);
    expect(bad({ hidden_size: 30 })).toThrow(/hidden_size.*multiple of num_attention_heads/);
    expect(bad({ norm_rel_ebd: 'rms' })).toThrow(/norm_rel_ebd/);
    expect(bad({ hidden_act: 'mish' })).toThrow(/hidden_act/);
    expect(bad({ pooler_hidden_size: 16 })).toThrow(/pooler_hidden_size/);
    expect(bad({ model_type: 'bert' })).toThrow(/model_type/);
    // the pre-list spelling "p2c|c2p" reads as the list
    expect(debertaFamily.parseConfig({ ...base, pos_att_type: 'p2c|c2p' }).pos_att_type).toEqual([
      'p2c',
      'c2p',
    ]);
  });
  it("takes the studio's from-scratch settings, classifier_dropout as its cls_dropout", () => {
    const base = {
      vocabSize: 1000,
      id2label: { '0': 'a', '1': 'b' },
      problemType: null,
      maxLength: 64,
      padTokenId: 0,
    };
    const c = debertaFamily.scratchConfig({
      ...base,
      settings: { hidden_size: 48, num_attention_heads: 3, classifier_dropout: 0.25 },
    });
    expect([c.hidden_size, c.num_attention_heads, c.cls_dropout]).toEqual([48, 3, 0.25]);
    expect(JSON.parse(debertaFamily.configToJson(c))).toMatchObject({ cls_dropout: 0.25 });
    const plain = debertaFamily.scratchConfig({ ...base, settings: { classifier_dropout: null } });
    expect(plain.cls_dropout).toBeNull();
    expect(JSON.parse(debertaFamily.configToJson(plain))).not.toHaveProperty('cls_dropout');
  });
});

describe('DeBERTa-v2 parameters and initialisation', () => {
  it('names and shapes equal the checkpoint, in named_parameters() order', () => {
    const specs = debertaFamily.paramSpecs(config);
    expect(specs.map((s) => s.name)).toEqual(Object.keys(ref.train.grad_norms));
    for (const s of specs) expect(checkpoint.get(s.name)?.shape).toEqual(s.shape);
    expect(specs.length).toBe(checkpoint.size);
  });

  it('maps base-model checkpoint keys under deberta. and ignores the position_ids buffer', () => {
    expect(debertaFamily.checkpointName('encoder.rel_embeddings.weight', false)).toBe(
      'deberta.encoder.rel_embeddings.weight',
    );
    expect(debertaFamily.checkpointName('classifier.bias', false)).toBe('classifier.bias');
    expect(debertaFamily.checkpointName('deberta.embeddings.position_ids', true)).toBeNull();
    expect(debertaFamily.checkpointName('deberta.embeddings.LayerNorm.gamma', true)).toBe(
      'deberta.embeddings.LayerNorm.weight',
    );
    expect(debertaFamily.isEmbeddingParam('deberta.encoder.rel_embeddings.weight')).toBe(true);
    expect(debertaFamily.isEmbeddingParam('pooler.dense.weight')).toBe(false);
  });

  it('initialises as _init_weights: normal(0, 0.02), zero biases, unit LayerNorm, zeroed padding row', async () => {
    const c = debertaFamily.scratchConfig({
      vocabSize: 3000,
      id2label: { '0': 'a', '1': 'b' },
      problemType: null,
      maxLength: 64,
      padTokenId: 3,
    });
    const specs = debertaFamily.paramSpecs(c);
    expect(specs.find((s) => s.name.includes('rel_embeddings'))?.shape).toEqual([512, 64]);
    for (const spec of specs) {
      const t = debertaFamily.initParam(c, spec, 7);
      const data = (await t.data()) as Float32Array;
      t.dispose();
      const mean = data.reduce((s, v) => s + v, 0) / data.length;
      if (spec.kind === 'zeros') expect(data.every((v) => v === 0)).toBe(true);
      else if (spec.kind === 'ones') expect(data.every((v) => v === 1)).toBe(true);
      else {
        const std = Math.sqrt(data.reduce((s, v) => s + (v - mean) ** 2, 0) / data.length);
        if (data.length >= 4096) {
          expect(Math.abs(mean)).toBeLessThan(0.002);
          expect(Math.abs(std - 0.02)).toBeLessThan(0.002);
        }
        if (spec.kind === 'word_embeddings') {
          expect(data.slice(3 * 64, 4 * 64).every((v) => v === 0)).toBe(true);
          expect(data.slice(2 * 64, 3 * 64).some((v) => v !== 0)).toBe(true);
        }
      }
    }
  });

  it('log buckets equal torch make_log_bucket_position (float32)', () => {
    for (const b of ref.buckets) {
      const ours = b.buckets.map((_, k) =>
        logBucketPosition(k - (b.length - 1), b.bucket_size, b.max_position),
      );
      expect(ours).toEqual(b.buckets);
    }
  });
});

describe.each(cases)('DeBERTa-v2 forward and gradients against torch: $name', (k) => {
  let vars: Map<string, tf.Variable>;
  beforeAll(() => {
    expect(installWasmKernels()).toBe(true);
    vars = variables(k);
  });
  afterAll(async () => {
    for (const v of vars.values()) v.dispose();
    await tf.setBackend('cpu');
  });

  for (const backend of ['cpu', 'wasm']) {
    it(`${backend}: logits on a padded batch equal torch's within 1e-5`, async () => {
      await tf.setBackend(backend);
      const logits = await logitsOn(k, vars);
      expect(maxAbsDiff(logits, k.logits)).toBeLessThan(1e-5);
    });

    it(`${backend}: loss and every gradient on a padded labelled batch equal torch's within 1e-4`, async () => {
      await tf.setBackend(backend);
      const { loss, grads } = await gradients(k, vars);
      expect(Math.abs(loss - k.train.loss) / k.train.loss).toBeLessThan(1e-5);
      // The key biases' gradients are zero up to rounding (softmax ignores a shift of a row's
      // scores); they are held to 1e-4 of a thousandth of the largest gradient norm.
      const floor = 1e-3 * Math.max(...Object.values(k.train.gradNorms));
      for (const [name, want] of Object.entries(k.train.gradNorms)) {
        const got = norm(grads.get(name) as Float32Array);
        expect(Math.abs(got - want), name).toBeLessThanOrEqual(1e-4 * Math.max(want, floor));
      }
      for (const [name, want] of Object.entries(k.grads ?? {})) {
        const got = grads.get(name) as Float32Array;
        const scale = Math.max(...want.map(Math.abs));
        const worst = Math.max(...want.map((v, i) => Math.abs(v - got[i])));
        expect(worst / scale, name).toBeLessThan(1e-4);
      }
    });
  }
});

describe.each(cases)('DeBERTa-v2 ONNX export: $name', (k) => {
  const weights = new Map([...k.weights].map(([n, t]) => [n, { shape: t.shape, data: t.data }]));

  /** The logits of `model` in onnxruntime (node, or web: the wasm build a page runs). */
  async function onnxLogits(model: Uint8Array, runtime: typeof ort = ort): Promise<number[][]> {
    const session = await runtime.InferenceSession.create(model);
    const feeds: Record<string, ort.Tensor> = {};
    const rows = k.inputs.input_ids;
    const dims = [rows.length, rows[0].length];
    for (const name of debertaFamily.onnxInputs(k.config)) {
      const v = (k.inputs as Record<string, number[][] | null | undefined>)[name];
      if (!v) throw new Error(`no ${name}`);
      feeds[name] = new runtime.Tensor('int64', BigInt64Array.from(v.flat(), BigInt), dims);
    }
    const out = await session.run(feeds);
    const data = out.logits.data as Float32Array;
    const L = k.config.num_labels;
    return rows.map((_, i) => Array.from(data.slice(i * L, (i + 1) * L)));
  }

  it('fp32 in onnxruntime-web (a page) gives the logits of torch within 1e-4', async () => {
    ortWeb.env.wasm.numThreads = 1;
    const model = familyOnnx(debertaFamily, k.config, weights, 'fp32');
    const logits = await onnxLogits(model, ortWeb as unknown as typeof ort);
    expect(maxAbsDiff(logits, k.logits)).toBeLessThan(1e-4);
  });

  it('fp32 gives the logits of torch within 1e-4', async () => {
    const logits = await onnxLogits(familyOnnx(debertaFamily, k.config, weights, 'fp32'));
    expect(maxAbsDiff(logits, k.logits)).toBeLessThan(1e-4);
  });

  it('q8 gives the same top label', async () => {
    const logits = await onnxLogits(familyOnnx(debertaFamily, k.config, weights, 'q8'));
    const argmax = (r: number[]) => r.indexOf(Math.max(...r));
    expect(logits.map(argmax)).toEqual(k.logits.map(argmax));
  });
});

describe('DeBERTa-v2 dropout', () => {
  it('is seeded (same seed, same logits; another seed, others), and off when not training', async () => {
    const c = { ...variantCase('v3-buckets') };
    const config = {
      ...c.config,
      hidden_dropout_prob: 0.1,
      attention_probs_dropout_prob: 0.1,
      pooler_dropout: 0.1,
    };
    const vars = variables(c);
    const run = async (opts: { training: boolean; seed?: number }) => {
      const out = tf.tidy(
        () => debertaFamily.forward(config, getter(vars), toBatch(c.inputs), opts).logits,
      );
      const rows = (await out.array()) as number[][];
      out.dispose();
      return rows;
    };
    const a = await run({ training: true, seed: 3 });
    expect(maxAbsDiff(a, await run({ training: true, seed: 3 }))).toBe(0);
    expect(maxAbsDiff(a, await run({ training: true, seed: 4 }))).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(await run({ training: false, seed: 3 }), c.logits)).toBeLessThan(1e-5);
    for (const v of vars.values()) v.dispose();
  });
});

describe('DeBERTa-v2 word embeddings', () => {
  it("the padding row takes no gradient (nn.Embedding's padding_idx), even where the mask keeps its token", async () => {
    const k = variantCase('v3-buckets');
    const vars = variables(k);
    const ids = k.inputs.input_ids.map((row) => row.map((id, t) => (t % 3 === 0 ? 0 : id)));
    const batch = {
      input_ids: tf.tensor2d(ids, undefined, 'int32'),
      attention_mask: tf.ones([ids.length, ids[0].length], 'int32') as tf.Tensor2D,
      labels: tf.tensor1d(k.train.labels, 'int32'),
    };
    const name = 'deberta.embeddings.word_embeddings.weight';
    const word = vars.get(name) as tf.Variable;
    const loss = headLoss('single_label_classification');
    const { value, grads } = tf.variableGrads(
      () => debertaFamily.forward(k.config, getter(vars), batch, { loss }).loss as tf.Scalar,
      [word],
    );
    const g = (await grads[word.name].array()) as number[][];
    expect(g[k.config.pad_token_id].every((v) => v === 0)).toBe(true);
    expect(g[ids[0][1]].some((v) => v !== 0)).toBe(true);
    tf.dispose([value, ...Object.values(grads), ...Object.values(batch)]);
    for (const v of vars.values()) v.dispose();
  });
});
