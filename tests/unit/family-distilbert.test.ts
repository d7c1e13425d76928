/**
 * DistilBERT against transformers 5.18 (tests/fixtures/auto/distilbert, reference.json from
 * tests/python/make_distilbert_reference.py): config keys and defaults, parameter names and
 * shapes, HF's initialisation (sinusoidal positions included), logits on padded batches, the loss
 * and every gradient, the wasm backend, and the ONNX graph in onnxruntime.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { distilBertFamily as family } from '../../src/core/model/distilbert';
import { sinusoidalTable } from '../../src/core/model/distilbert/params';
import { familyFixture, maxAbsDiff } from './helpers/familyFixture';
import {
  checkInitStats,
  checkPretrainedLoading,
  checkScratchRoundTrip,
} from './helpers/familyChecks';
import { describeForwardAgainstTorch, describeOnnxAgainstTorch } from './helpers/familySuites';

const { configJson, tensors, ref, initialLogits } = familyFixture('distilbert');
const config = family.parseConfig(configJson);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('DistilBERT config', () => {
  it("parses the fixture's config.json and writes it back as save_pretrained does", () => {
    expect(config).toMatchObject({
      model_type: 'distilbert',
      dim: 32,
      n_layers: 2,
      n_heads: 4,
      hidden_dim: 64,
      activation: 'gelu',
      sinusoidal_pos_embds: false,
      seq_classif_dropout: 0,
      num_labels: 2,
      id2label: { 0: 'ham', 1: 'spam' },
    });
    expect(JSON.parse(family.configToJson(config))).toEqual(configJson);
    expect(family.parseConfig(JSON.parse(family.configToJson(config)))).toEqual(config);
    expect(family.takesTokenTypeIds(config)).toBe(false);
    expect(family.maxInputLength(config)).toBe(48);
    expect(family.architectureOf(config)).toBe('DistilBertForSequenceClassification');
  });

  it("fills DistilBertConfig's defaults for missing keys", () => {
    const c = family.parseConfig({ model_type: 'distilbert' });
    expect(c).toMatchObject({
      vocab_size: 30522,
      max_position_embeddings: 512,
      n_layers: 6,
      n_heads: 12,
      dim: 768,
      hidden_dim: 3072,
      dropout: 0.1,
      attention_dropout: 0.1,
      seq_classif_dropout: 0.2,
      qa_dropout: 0.1,
      initializer_range: 0.02,
      pad_token_id: 0,
      num_labels: 2,
    });
  });

  it("reads BERT's names of dim, n_heads and n_layers (HF's attribute_map)", () => {
    const c = family.parseConfig({
      model_type: 'distilbert',
      hidden_size: 48,
      num_attention_heads: 3,
      num_hidden_layers: 1,
    });
    expect(c).toMatchObject({ dim: 48, n_heads: 3, n_layers: 1 });
    expect(JSON.parse(family.configToJson(c))).toMatchObject({ dim: 48, n_heads: 3, n_layers: 1 });
  });

  it.each([
    [{ n_heads: 0 }, /key "n_heads"/],
    [{ dim: 30, n_heads: 4 }, /key "dim": 30 is not a multiple of n_heads \(4\)/],
    [{ dropout: 1.5 }, /key "dropout"/],
    [{ activation: 'tanh' }, /key "activation": "tanh" is not implemented; use one of "gelu"/],
    [{ sinusoidal_pos_embds: 'yes' }, /key "sinusoidal_pos_embds"/],
    [{ pad_token_id: 600 }, /key "pad_token_id": 600 is outside the vocabulary \(500\)/],
    [{ model_type: 'bert' }, /key "model_type"/],
  ])('refuses %j naming the key', (patch, message) => {
    expect(() => family.parseConfig({ ...configJson, ...patch })).toThrow(message);
  });

  it('makes a small scratch config (dim 64, 2 layers, 4 heads, hidden_dim 128), settings winning', () => {
    checkScratchRoundTrip(family, { dim: 64, n_layers: 2, n_heads: 4, hidden_dim: 128 });
    const c = family.scratchConfig({
      vocabSize: 100,
      id2label: { 0: 'a', 1: 'b', 2: 'c' },
      problemType: null,
      maxLength: 32,
      padTokenId: 0,
      settings: { sinusoidal_pos_embds: true, n_layers: 3 },
    });
    expect(c).toMatchObject({ sinusoidal_pos_embds: true, n_layers: 3, num_labels: 3 });
    // The studio's from-scratch settings, named as BERT's keys, land on DistilBERT's.
    const sized = family.scratchConfig({
      vocabSize: 100,
      id2label: { 0: 'a', 1: 'b' },
      problemType: null,
      maxLength: 32,
      padTokenId: 0,
      settings: {
        hidden_size: 128,
        num_hidden_layers: 3,
        num_attention_heads: 2,
        intermediate_size: 512,
        hidden_dropout_prob: 0,
        attention_probs_dropout_prob: 0.05,
        classifier_dropout: null,
      },
    });
    expect(sized).toMatchObject({
      dim: 128,
      n_layers: 3,
      n_heads: 2,
      hidden_dim: 512,
      dropout: 0,
      attention_dropout: 0.05,
      seq_classif_dropout: 0.2,
    });
  });
});

describe('DistilBERT parameters', () => {
  it("lists the checkpoint's parameters in named_parameters() order; a base-model checkpoint loads too", () => {
    const specs = family.paramSpecs(config);
    expect(specs.map((s) => [s.name, s.shape])).toEqual(Object.entries(ref.param_shapes));
    expect([...tensors.keys()].sort()).toEqual(specs.map((s) => s.name).sort());
    // DistilBertModel's own checkpoint: no `distilbert.` prefix, no head.
    expect(family.checkpointName('embeddings.word_embeddings.weight', false)).toBe(
      'distilbert.embeddings.word_embeddings.weight',
    );
    expect(family.checkpointName('transformer.layer.1.ffn.lin2.bias', false)).toBe(
      'distilbert.transformer.layer.1.ffn.lin2.bias',
    );
    expect(family.checkpointName('pre_classifier.weight', true)).toBe('pre_classifier.weight');
    expect(family.checkpointName('distilbert.embeddings.position_ids', true)).toBeNull();
    expect(family.headParamNames(config)).toEqual([
      'pre_classifier.weight',
      'pre_classifier.bias',
      'classifier.weight',
      'classifier.bias',
    ]);
    expect(family.isEmbeddingParam('distilbert.embeddings.word_embeddings.weight')).toBe(true);
    expect(family.isEmbeddingParam('distilbert.embeddings.position_embeddings.weight')).toBe(true);
    expect(family.isEmbeddingParam('pre_classifier.weight')).toBe(false);
  });

  it('loads a pre-training (DistilBertForMaskedLM) or base-model checkpoint with a new head', async () => {
    await tf.setBackend('cpu');
    checkPretrainedLoading(family, config, tensors, [
      'vocab_layer_norm.bias',
      'vocab_layer_norm.weight',
      'vocab_projector.bias',
      'vocab_transform.bias',
      'vocab_transform.weight',
    ]);
  });

  it("initialises as HF's _init_weights (statistics of a fresh transformers model)", () => {
    checkInitStats(family, config, ref.init_stats);
  });

  it('with sinusoidal_pos_embds, sets the position table to HF sines and cosines', () => {
    const sin = ref.extra.sinusoidal as { table: number[]; requires_grad: boolean };
    // transformers 5 keeps the table a trained parameter (it is in model.safetensors too).
    expect(sin.requires_grad).toBe(true);
    const c = family.parseConfig({ ...configJson, sinusoidal_pos_embds: true });
    const spec = family.paramSpecs(c).find((s) => s.name.endsWith('position_embeddings.weight'));
    expect(spec?.kind).toBe('custom');
    const t = family.initParam(c, spec!, 7);
    expect(maxAbsDiff(t.dataSync(), sin.table)).toBeLessThan(1e-6);
    t.dispose();
    expect(maxAbsDiff(sinusoidalTable(48, 32), sin.table)).toBeLessThan(1e-6);
  });
});

const suite = {
  title: 'DistilBERT',
  family,
  config,
  tensors,
  ref,
  initialLogits,
  headActivation: 'ReLU',
  dropoutConfig: family.parseConfig({
    ...configJson,
    dropout: 0.1,
    attention_dropout: 0.1,
    seq_classif_dropout: 0.2,
  }),
};
describeForwardAgainstTorch(suite);
describeOnnxAgainstTorch(suite, ['input_ids', 'attention_mask']);
