/**
 * RoBERTa and XLM-RoBERTa (core/model/roberta) against PyTorch, on the fixture checkpoints of
 * tests/fixtures/auto/{roberta,xlm-roberta} and the references tests/python/make_roberta_reference.py
 * wrote: config round trip and errors, parameters and checkpoint names, initialisation, logits on
 * validation.csv (padded batches), loss and every gradient, and the ONNX graph in onnxruntime.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { familyOnnx } from '../../src/core/io/onnx/familyOnnx';
import { readSafetensors } from '../../src/core/io/safetensors';
import { installWasmKernels } from '../../src/core/kernels/wasmKernels';
import type { HostTensor, ModelFamily } from '../../src/core/model/family';
import { robertaFamily, xlmRobertaFamily, type RobertaConfig } from '../../src/core/model/roberta';
import { robertaPositionIds } from '../../src/core/model/roberta/forward';
import { headLoss } from '../../src/core/train/losses';
import {
  getter,
  lossAndGrads,
  maxAbsDiff,
  norm,
  onnxLogits,
  validationLogits,
  type FamilyReference,
  type GradientReference,
  type ValidationReference,
} from './helpers/familyFixture';
import { TINY_SIZE_FLAGS } from './helpers/cliFixtures';
import { runCli } from './helpers/runCli';

/** The single-label head's loss (torch's CrossEntropyLoss), as a run passes it. */
const loss = headLoss('single_label_classification');

interface Reference {
  max_length: number;
  validation: ValidationReference;
  gradient: GradientReference;
  init: Record<string, { mean: number; std: number }> & { padding_rows_zero: boolean };
}

const CASES = [
  { dirName: 'roberta', family: robertaFamily, arch: 'RobertaForSequenceClassification' },
  { dirName: 'xlm-roberta', family: xlmRobertaFamily, arch: 'XLMRobertaForSequenceClassification' },
] as const;

function fixture(dirName: string) {
  const dir = fileURLToPath(new URL(`../fixtures/auto/${dirName}/`, import.meta.url));
  return {
    ref: JSON.parse(readFileSync(`${dir}reference.json`, 'utf8')) as Reference,
    configText: readFileSync(`${dir}checkpoint/config.json`, 'utf8'),
    tensors: readSafetensors(new Uint8Array(readFileSync(`${dir}checkpoint/model.safetensors`))),
  };
}

type Family = ModelFamily<RobertaConfig>;

/** `from_pretrained`'s name mapping: params by model name, plus missing and unexpected keys. */
function loadWeights(family: Family, config: RobertaConfig, tensors: Map<string, HostTensor>) {
  const specs = family.paramSpecs(config);
  const expected = new Set(specs.map((s) => s.name));
  const prefixed = [...tensors.keys()].some((k) => k.startsWith(family.basePrefix));
  const weights = new Map<string, HostTensor>();
  const unexpected: string[] = [];
  for (const [key, t] of tensors) {
    const name = family.checkpointName(key, prefixed);
    if (name === null) continue;
    if (expected.has(name)) weights.set(name, t);
    else unexpected.push(key);
  }
  const missing = specs.filter((s) => !weights.has(s.name)).map((s) => s.name);
  return { weights, missing, unexpected };
}

function variables(weights: Map<string, HostTensor>): Map<string, tf.Variable> {
  const out = new Map<string, tf.Variable>();
  for (const [n, t] of weights)
    out.set(
      n,
      tf.tidy(() => tf.variable(tf.tensor(t.data, t.shape))),
    );
  return out;
}

const i32 = (rows: number[][]) => tf.tensor2d(rows, undefined, 'int32');

describe.each(CASES)('$dirName family', ({ dirName, family, arch }) => {
  const { ref, configText, tensors } = fixture(dirName);
  const config = family.parseConfig(JSON.parse(configText));
  let start = 0;
  beforeEach(async () => {
    await tf.setBackend('cpu');
    start = tf.memory().numTensors;
  });
  afterEach(() => expect(tf.memory().numTensors).toBe(start));

  it('parses config.json and writes it back as save_pretrained does', () => {
    expect(config.model_type).toBe(dirName);
    expect(family.architectureOf(config)).toBe(arch);
    // the same keys and values (Python writes 0.0 where JSON.stringify writes 0)
    expect(JSON.parse(family.configToJson(config))).toEqual(JSON.parse(configText));
    expect(family.configToJson(config).endsWith('}\n')).toBe(true);
    expect(family.maxInputLength(config)).toBe(50 - 1 - 1);
    expect(family.takesTokenTypeIds(config)).toBe(false);
  });

  it('refuses bad keys and settings it does not implement, naming the key', () => {
    const raw = JSON.parse(configText) as Record<string, unknown>;
    const bad = (patch: Record<string, unknown>) => () => family.parseConfig({ ...raw, ...patch });
    expect(bad({ hidden_size: -4 })).toThrow(/key "hidden_size"/);
    expect(bad({ hidden_act: 'tanh' })).toThrow(/key "hidden_act"/);
    expect(bad({ is_decoder: true })).toThrow(/key "is_decoder": true is not supported/);
    expect(bad({ position_embedding_type: 'relative_key' })).toThrow(
      /key "position_embedding_type": only "absolute"/,
    );
    expect(bad({ model_type: 'bert' })).toThrow(new RegExp(`expected "${dirName}"`));
    expect(bad({ max_position_embeddings: 2 })).toThrow(/key "max_position_embeddings"/);
  });

  it("lists the checkpoint's parameters in order and loads it with nothing missing or unexpected", () => {
    const specs = family.paramSpecs(config);
    // HF's named_parameters() order (the reference's init statistics keep it), the file's shapes
    expect(specs.map((s) => s.name)).toEqual(
      Object.keys(ref.init).filter((k) => k !== 'padding_rows_zero'),
    );
    expect(specs.map((s) => [s.name, s.shape]).sort()).toEqual(
      [...tensors].map(([name, t]) => [name, t.shape]).sort(),
    );
    expect(loadWeights(family, config, tensors)).toMatchObject({ missing: [], unexpected: [] });
    // A base model (RobertaModel: no prefix, with a pooler) loads its encoder; the pooler is unexpected.
    const base = new Map<string, HostTensor>();
    for (const [k, t] of tensors) if (!k.startsWith('classifier.')) base.set(k.slice(8), t);
    base.set('pooler.dense.weight', { shape: [32, 32], data: new Float32Array(1024) });
    base.set('embeddings.position_ids', { shape: [1, 50], data: new Float32Array(50) });
    const loaded = loadWeights(family, config, base);
    expect(loaded.unexpected).toEqual(['pooler.dense.weight']);
    expect(loaded.missing).toEqual([...family.headParamNames(config)]);
    const embeddings = specs.filter((s) => family.isEmbeddingParam(s.name)).map((s) => s.name);
    expect(embeddings).toEqual([
      'roberta.embeddings.word_embeddings.weight',
      'roberta.embeddings.token_type_embeddings.weight',
      'roberta.embeddings.position_embeddings.weight',
    ]);
    // HF: num_parameters(exclude_embeddings=True) of this checkpoint is 18274
    const size = (s: { shape: number[] }) => s.shape.reduce((a, b) => a * b, 1);
    const nonEmbedding = specs.filter((s) => !family.isEmbeddingParam(s.name));
    expect(nonEmbedding.reduce((n, s) => n + size(s), 0)).toBe(18274);
  });

  it("initialises as HF's _init_weights (statistics per parameter, padding rows zero)", async () => {
    const pad = config.pad_token_id;
    for (const spec of family.paramSpecs(config)) {
      const t = family.initParam(config, spec, 7);
      const data = (await t.data()) as Float32Array;
      t.dispose();
      const mean = data.reduce((a, b) => a + b, 0) / data.length;
      const std = Math.sqrt(data.reduce((a, b) => a + (b - mean) ** 2, 0) / (data.length - 1 || 1));
      // two samples of the same distribution: within 6 standard errors of each other
      const hf = ref.init[spec.name];
      const n = data.length;
      expect(Math.abs(mean - hf.mean), spec.name).toBeLessThanOrEqual((6 * hf.std) / Math.sqrt(n));
      expect(Math.abs(std - hf.std), spec.name).toBeLessThanOrEqual(
        (6 * hf.std) / Math.sqrt(2 * n),
      );
      if (
        spec.name.endsWith('word_embeddings.weight') ||
        spec.name.endsWith('position_embeddings.weight')
      ) {
        const H = spec.shape[1];
        expect(
          [...data.slice(pad * H, (pad + 1) * H)].every((x) => x === 0),
          spec.name,
        ).toBe(true);
        expect(ref.init.padding_rows_zero).toBe(true);
      }
    }
  });

  it('counts positions past padding_idx (create_position_ids_from_input_ids)', async () => {
    const ids = i32([
      [0, 5, 6, 2, 1, 1],
      [1, 0, 7, 2, 1, 1],
    ]);
    const pos = robertaPositionIds(ids, 1);
    expect(await pos.array()).toEqual([
      [2, 3, 4, 5, 1, 1],
      [1, 2, 3, 4, 1, 1],
    ]);
    tf.dispose([ids, pos]);
  });

  it('gives initial_logits.json on validation.csv, padded batches (cpu and wasm)', async () => {
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      if (backend === 'wasm') installWasmKernels();
      const params = variables(loadWeights(family, config, tensors).weights);
      expect(ref.validation.batches.some((b) => b.attention_mask.flat().includes(0))).toBe(true);
      const logits = await validationLogits(family, config, params, ref.validation.batches);
      const err = maxAbsDiff(logits.flat(), ref.validation.logits.flat());
      expect(err, backend).toBeLessThan(1e-5);
      for (const v of params.values()) v.dispose();
    }
    await tf.setBackend('cpu');
  });

  it("gives torch's loss and the gradient of every parameter (padded batch, dropout off)", async () => {
    const params = variables(loadWeights(family, config, tensors).weights);
    const g = ref.gradient;
    const trainBatch = g as unknown as FamilyReference['train_batch'];
    const { loss: value, grads } = lossAndGrads(family, config, params, trainBatch, {
      training: true,
    });
    expect(Math.abs((await value.data())[0] - g.loss) / g.loss).toBeLessThan(1e-5);
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
    for (const [name, grad] of grads) {
      const data = await grad.data();
      const want = g.grad_norms[name];
      if (want < 1e-9) expect(norm(data), name).toBeLessThan(1e-9);
      else expect(rel(norm(data), want), name).toBeLessThan(1e-4);
      const full = g.grads[name];
      if (full) {
        const scale = Math.max(...full.map(Math.abs));
        expect(maxAbsDiff(data, full) / scale, name).toBeLessThan(1e-4);
      }
    }
    tf.dispose([value, ...grads.values()]);
    for (const v of params.values()) v.dispose();
  });

  it('trains with seeded dropout: the same seed gives the same loss, another seed another', async () => {
    const dropConfig = { ...config, hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1 };
    const params = variables(loadWeights(family, config, tensors).weights);
    const g = ref.gradient;
    const batch = {
      input_ids: i32(g.input_ids),
      attention_mask: i32(g.attention_mask),
      labels: tf.tensor1d(g.labels, 'int32'),
    };
    const lossAt = async (seed: number) => {
      const out = family.forward(dropConfig, getter(params), batch, { training: true, seed, loss });
      const v = (await (out.loss as tf.Scalar).data())[0];
      tf.dispose([out.logits, out.loss as tf.Scalar]);
      return v;
    };
    const a = await lossAt(1);
    expect(await lossAt(1)).toBe(a);
    expect(await lossAt(2)).not.toBe(a);
    tf.dispose([batch.input_ids, batch.attention_mask, batch.labels]);
    for (const v of params.values()) v.dispose();
  });

  it('exports an ONNX graph giving the initial logits (fp32 1e-4, q8 same argmax)', async () => {
    const { weights } = loadWeights(family, config, tensors);
    expect(family.onnxInputs(config)).toEqual(['input_ids', 'attention_mask']);
    for (const dtype of ['fp32', 'q8'] as const) {
      const model = familyOnnx(family, config, weights, dtype);
      const logits: number[] = [];
      for (const b of ref.validation.batches) logits.push(...(await onnxLogits(model, b)).flat());
      const want = ref.validation.logits;
      if (dtype === 'fp32') expect(maxAbsDiff(logits, want.flat())).toBeLessThan(1e-4);
      else {
        const argmax = (r: number[]) => r.indexOf(Math.max(...r));
        const L = config.num_labels;
        const got = want.map((_, i) => argmax(logits.slice(i * L, (i + 1) * L)));
        expect(got).toEqual(want.map(argmax));
      }
    }
  });
});

describe('RoBERTa from scratch', () => {
  it('sizes positions for max_length past padding_idx and keeps HF defaults', () => {
    const c = robertaFamily.scratchConfig({
      vocabSize: 300,
      id2label: { '0': 'a', '1': 'b', '2': 'c' },
      problemType: null,
      maxLength: 64,
      padTokenId: 1,
    });
    expect(c).toMatchObject({
      hidden_size: 64,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      intermediate_size: 128,
      max_position_embeddings: 66,
      type_vocab_size: 1,
      layer_norm_eps: 1e-12,
      num_labels: 3,
    });
    expect(robertaFamily.maxInputLength(c)).toBe(64);
    expect(robertaFamily.dims(c).hiddenSize).toBe(64);
    expect(robertaFamily.activationBytes(c, 8, 64)).toBeGreaterThan(0);
  });

  it('trains from scratch through the CLI (--model_type roberta) and writes its config.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scratch-roberta-'));
    const train = join(dir, 'train.csv');
    writeFileSync(train, `text,label\n${'good film,pos\nbad film,neg\n'.repeat(4)}`);
    const out = join(dir, 'out');
    const r = await runCli([
      'train',
      '--train_file',
      train,
      '--output_dir',
      out,
      '--model_type',
      'roberta',
      '--max_length',
      '24',
      '--max_steps',
      '2',
      '--eval_strategy',
      'no',
      '--save_strategy',
      'no',
      ...TINY_SIZE_FLAGS,
    ]);
    expect(r.code, r.err).toBe(0);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as RobertaConfig;
    expect(config).toMatchObject({
      model_type: 'roberta',
      architectures: ['RobertaForSequenceClassification'],
      hidden_size: 16,
      type_vocab_size: 1,
    });
    // positions for max_length tokens past padding_idx
    expect(config.max_position_embeddings).toBe(24 + config.pad_token_id + 1);
  }, 120_000);
});
