/** HF config parsing, HF folder export/import and TF.js weight files for the BERT classifier. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { exportHfModel, loadHfModel } from '../../src/core/io/hfModel';
import { SafetensorsError, readSafetensors, writeSafetensors } from '../../src/core/io/safetensors';
import { exportTfjsWeights, loadTfjsWeights } from '../../src/core/io/tfjsWeights';
import { SequenceClassifier } from '../../src/core/model/classifier';
import { bertFamily } from '../../src/core/model/bert';
import { parseBertConfig, smallBertConfig } from '../../src/core/model/bert/config';
import { problemTypeFor } from '../../src/core/model/config';

const dir = fileURLToPath(new URL('../fixtures/bert-tiny-random/', import.meta.url));
const configText = readFileSync(`${dir}config.json`, 'utf8');
const weights = new Uint8Array(readFileSync(`${dir}model.safetensors`));
const ref = JSON.parse(readFileSync(`${dir}reference.json`, 'utf8')) as {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  logits: number[][];
};

async function logitsOf(model: SequenceClassifier): Promise<Float32Array> {
  const batch = {
    input_ids: tf.tensor2d(ref.input_ids, undefined, 'int32'),
    attention_mask: tf.tensor2d(ref.attention_mask, undefined, 'int32'),
    token_type_ids: tf.tensor2d(ref.token_type_ids, undefined, 'int32'),
  };
  const { logits } = model.forward(batch);
  const out = (await logits.data()) as Float32Array;
  tf.dispose([logits, batch.input_ids, batch.attention_mask, batch.token_type_ids]);
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('parseBertConfig', () => {
  it('reads the fixture config', () => {
    const c = parseBertConfig(JSON.parse(configText));
    expect(c).toMatchObject({
      model_type: 'bert',
      vocab_size: 120,
      hidden_size: 32,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      intermediate_size: 64,
      max_position_embeddings: 64,
      num_labels: 3,
      problem_type: 'single_label_classification',
      hidden_act: 'gelu',
      layer_norm_eps: 1e-12,
      classifier_dropout: null,
      torch_dtype: 'float32',
    });
    expect(c.id2label).toEqual({ 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2' });
  });

  it("fills HF's defaults and derives num_labels from id2label", () => {
    const c = parseBertConfig({ model_type: 'bert' });
    expect(c).toMatchObject({
      vocab_size: 30522,
      hidden_size: 768,
      num_hidden_layers: 12,
      num_attention_heads: 12,
      intermediate_size: 3072,
      hidden_act: 'gelu',
      hidden_dropout_prob: 0.1,
      attention_probs_dropout_prob: 0.1,
      max_position_embeddings: 512,
      type_vocab_size: 2,
      initializer_range: 0.02,
      layer_norm_eps: 1e-12,
      pad_token_id: 0,
      position_embedding_type: 'absolute',
      num_labels: 2,
      problem_type: null,
    });
    expect(c.id2label).toEqual({ 0: 'LABEL_0', 1: 'LABEL_1' });
    expect(c.label2id).toEqual({ LABEL_0: 0, LABEL_1: 1 });
    // id2label wins over num_labels, as in PretrainedConfig.__init__.
    const d = parseBertConfig({ num_labels: 7, id2label: { 0: 'neg', 1: 'neu', 2: 'pos' } });
    expect(d.num_labels).toBe(3);
    expect(d.label2id).toEqual({ neg: 0, neu: 1, pos: 2 });
    expect(parseBertConfig({ num_labels: 4 }).id2label[3]).toBe('LABEL_3');
  });

  it('rejects bad values naming the key, other architectures and relative positions', () => {
    expect(() => parseBertConfig({ hidden_size: -1 })).toThrow(/key "hidden_size".*got -1/);
    expect(() => parseBertConfig({ hidden_act: 'mish' })).toThrow(/key "hidden_act".*"mish"/);
    expect(() => parseBertConfig({ hidden_dropout_prob: 1.5 })).toThrow(
      /key "hidden_dropout_prob"/,
    );
    expect(() => parseBertConfig({ hidden_size: 30, num_attention_heads: 4 })).toThrow(
      /"hidden_size": 30 is not a multiple of num_attention_heads \(4\)/,
    );
    expect(() => parseBertConfig({ model_type: 'roberta' })).toThrow(
      /model_type "roberta" is not supported/,
    );
    expect(() => parseBertConfig({ model_type: 'distilbert' })).toThrow(/BERT architecture/);
    expect(() => parseBertConfig({ position_embedding_type: 'relative_key' })).toThrow(
      /position_embedding_type.*only "absolute"/,
    );
    expect(() => parseBertConfig({ id2label: { 0: 'a', 5: 'b' } })).toThrow(/key "id2label"/);
    expect(() => parseBertConfig([1])).toThrow(/expected a JSON object/);
    expect(() => parseBertConfig({ pad_token_id: 200, vocab_size: 100 })).toThrow(/pad_token_id/);
  });

  it('smallBertConfig is the studio default from-scratch model', () => {
    const c = smallBertConfig({ vocabSize: 30522, numLabels: 2, maxLength: 128 });
    expect(c).toMatchObject({
      hidden_size: 64,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      intermediate_size: 128,
      max_position_embeddings: 128,
      vocab_size: 30522,
      num_labels: 2,
    });
    expect(() =>
      smallBertConfig({ vocabSize: 10, numLabels: 2, maxLength: 8, hiddenSize: 30 }),
    ).toThrow(/not a multiple/);
  });

  it('problemTypeFor decides as HF does', () => {
    const two = parseBertConfig({ num_labels: 2 });
    expect(problemTypeFor(two, 'int')).toBe('single_label_classification');
    expect(problemTypeFor(two, 'float')).toBe('multi_label_classification');
    expect(problemTypeFor(parseBertConfig({ num_labels: 1 }), 'int')).toBe('regression');
    expect(problemTypeFor(parseBertConfig({ num_labels: 1 }), 'float')).toBe('regression');
    const set = parseBertConfig({ num_labels: 2, problem_type: 'multi_label_classification' });
    expect(problemTypeFor(set, 'int')).toBe('multi_label_classification');
  });
});

describe('HF folders and TF.js weights', () => {
  let start = 0;
  beforeEach(async () => {
    await tf.setBackend('cpu');
    start = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(start);
  });

  it('loads the PyTorch fixture with its reference logits', async () => {
    const { model, missing, unexpected, mismatched, notices } = loadHfModel({
      config: configText,
      weights,
    });
    expect([missing, unexpected, mismatched, notices]).toEqual([[], [], [], []]);
    expect(maxAbsDiff(await logitsOf(model), ref.logits.flat())).toBeLessThan(1e-5);
    model.dispose();
  });

  it('exports an HF folder that reloads to identical logits', async () => {
    const id2label = { 0: 'ham', 1: 'spam' };
    const config = smallBertConfig({
      vocabSize: 120,
      numLabels: 2,
      maxLength: 16,
      hiddenSize: 32,
      id2label,
      problemType: 'single_label_classification',
    });
    const model = SequenceClassifier.create(bertFamily, config, 3);
    const files = await exportHfModel(model);
    const json = JSON.parse(files['config.json']) as Record<string, unknown>;
    expect(json).toMatchObject({
      architectures: ['BertForSequenceClassification'],
      model_type: 'bert',
      hidden_size: 32,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      intermediate_size: 128,
      vocab_size: 120,
      max_position_embeddings: 16,
      id2label: { 0: 'ham', 1: 'spam' },
      label2id: { ham: 0, spam: 1 },
      problem_type: 'single_label_classification',
      dtype: 'float32',
    });
    expect(json.transformers_version).toBe('5.18.0');
    expect(json).not.toHaveProperty('torch_dtype');
    expect(json).not.toHaveProperty('num_labels');
    expect(Object.keys(json)).toEqual([...Object.keys(json)].sort());
    expect(files['config.json'].endsWith('}\n')).toBe(true);
    const names = [...readSafetensors(files['model.safetensors']).keys()];
    expect(names).toEqual([...model.params.keys()].sort());

    const back = loadHfModel({
      config: JSON.parse(files['config.json']),
      weights: files['model.safetensors'],
    });
    expect(back.missing).toEqual([]);
    expect(back.model.config.id2label).toEqual(id2label);
    expect(maxAbsDiff(await logitsOf(back.model), await logitsOf(model))).toBe(0);
    // Re-exporting gives the same bytes.
    const again = await exportHfModel(back.model);
    expect(again['config.json']).toBe(files['config.json']);
    expect(
      Buffer.compare(
        Buffer.from(again['model.safetensors']),
        Buffer.from(files['model.safetensors']),
      ),
    ).toBe(0);
    model.dispose();
    back.model.dispose();
  });

  it('overrides num_labels / id2label like from_pretrained, with a new head and notices', async () => {
    const res = loadHfModel(
      { config: configText, weights },
      {
        id2label: { 0: 'a', 1: 'b', 2: 'c', 3: 'd', 4: 'e' },
        problemType: 'multi_label_classification',
        seed: 1,
      },
    );
    expect(res.model.config.num_labels).toBe(5);
    expect(res.model.config.label2id).toEqual({ a: 0, b: 1, c: 2, d: 3, e: 4 });
    expect(res.model.config.problem_type).toBe('multi_label_classification');
    expect(res.mismatched.map((m) => m.name)).toEqual(['classifier.weight', 'classifier.bias']);
    expect(res.notices.join('\n')).toMatch(/classifier\.weight: checkpoint shape \[3,32\] differs/);
    expect(res.model.params.get('classifier.weight')?.shape).toEqual([5, 32]);
    res.model.dispose();

    const two = loadHfModel({ config: configText, weights }, { numLabels: 2 });
    expect(two.model.config.id2label).toEqual({ 0: 'LABEL_0', 1: 'LABEL_1' });
    two.model.dispose();
  });

  it('loads a base BertModel checkpoint with a fresh head and HF-style notices', async () => {
    const decoded = readSafetensors(weights);
    const base = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, t] of decoded) {
      if (!name.startsWith('classifier.')) base.set(name.replace(/^bert\./, ''), t);
    }
    base.set('cls.predictions.bias', { shape: [120], data: new Float32Array(120) });
    const cfg = {
      ...(JSON.parse(configText) as Record<string, unknown>),
      architectures: ['BertModel'],
    };
    const res = loadHfModel({ config: cfg, weights: writeSafetensors(base) }, { seed: 9 });
    expect(res.missing).toEqual(['classifier.weight', 'classifier.bias']);
    expect(res.unexpected).toEqual(['cls.predictions.bias']);
    expect(res.notices[0]).toMatch(
      /were not used when initializing BertForSequenceClassification: cls\.predictions\.bias/,
    );
    expect(res.notices[1]).toMatch(/newly initialized: classifier\.weight, classifier\.bias/);
    const pooler = await res.model.params.get('bert.pooler.dense.weight')?.data();
    expect(maxAbsDiff(pooler ?? [], decoded.get('bert.pooler.dense.weight')?.data ?? [])).toBe(0);
    res.model.dispose();
  });

  it('refuses broken inputs with clear errors', () => {
    expect(() => loadHfModel({ config: '{oops', weights })).toThrow(
      /config.json is not valid JSON/,
    );
    expect(() => loadHfModel({ config: configText, weights: weights.subarray(0, 100) })).toThrow(
      SafetensorsError,
    );
    const wrong = { ...(JSON.parse(configText) as Record<string, unknown>), hidden_size: 64 };
    expect(() => loadHfModel({ config: wrong, weights })).toThrow(
      /'bert\.embeddings\.word_embeddings\.weight' has shape \[120,32\] but the model .* needs \[120,64\]/,
    );
  });

  it('round-trips TF.js weight files (model.json + shard)', async () => {
    const { model } = loadHfModel({ config: configText, weights });
    const files = await exportTfjsWeights(model);
    const manifest = JSON.parse(files['model.json']) as {
      weightsManifest: Array<{
        paths: string[];
        weights: Array<{ name: string; shape: number[]; dtype: string }>;
      }>;
      userDefinedMetadata: { hf_config: { model_type: string; id2label: Record<string, string> } };
    };
    expect(manifest.weightsManifest[0].paths).toEqual(['group1-shard1of1.bin']);
    expect(manifest.weightsManifest[0].weights[0]).toEqual({
      name: 'bert.embeddings.word_embeddings.weight',
      shape: [120, 32],
      dtype: 'float32',
    });
    expect(manifest.userDefinedMetadata.hf_config.model_type).toBe('bert');
    expect(files['group1-shard1of1.bin'].byteLength).toBe(model.parameterCount() * 4);
    const back = loadTfjsWeights(files);
    expect(back.missing).toEqual([]);
    expect(back.unexpected).toEqual([]);
    expect(back.model.config.id2label).toEqual(model.config.id2label);
    expect(maxAbsDiff(await logitsOf(back.model), ref.logits.flat())).toBeLessThan(1e-5);
    expect(() =>
      loadTfjsWeights({
        'model.json': files['model.json'],
        'group1-shard1of1.bin': new Uint8Array(8),
      }),
    ).toThrow(/shards hold 8 bytes/);
    model.dispose();
    back.model.dispose();
  });
});
