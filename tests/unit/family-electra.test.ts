/**
 * ELECTRA against transformers 5.18 (tests/fixtures/auto/electra, reference.json from
 * tests/python/make_electra_reference.py): config keys and defaults, parameter names and shapes
 * (with and without `embeddings_project`), HF's initialisation, logits on padded batches, the
 * loss and every gradient, the wasm backend, and the ONNX graph in onnxruntime.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { electraFamily as family } from '../../src/core/model/electra';
import { familyFixture } from './helpers/familyFixture';
import {
  checkInitStats,
  checkPretrainedLoading,
  checkScratchRoundTrip,
} from './helpers/familyChecks';
import { describeForwardAgainstTorch, describeOnnxAgainstTorch } from './helpers/familySuites';

const { configJson, tensors, ref, initialLogits } = familyFixture('electra');
const config = family.parseConfig(configJson);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('ELECTRA config', () => {
  it("parses the fixture's config.json and writes it back as save_pretrained does", () => {
    expect(config).toMatchObject({
      model_type: 'electra',
      embedding_size: 16,
      hidden_size: 32,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      intermediate_size: 64,
      hidden_act: 'gelu',
      classifier_dropout: 0,
      num_labels: 2,
      id2label: { 0: 'ham', 1: 'spam' },
    });
    expect(JSON.parse(family.configToJson(config))).toEqual(configJson);
    expect(family.parseConfig(JSON.parse(family.configToJson(config)))).toEqual(config);
    expect(family.takesTokenTypeIds(config)).toBe(true);
    expect(family.maxInputLength(config)).toBe(48);
    expect(family.architectureOf(config)).toBe('ElectraForSequenceClassification');
  });

  it("fills ElectraConfig's defaults for missing keys", () => {
    expect(family.parseConfig({ model_type: 'electra' })).toMatchObject({
      vocab_size: 30522,
      embedding_size: 128,
      hidden_size: 256,
      num_hidden_layers: 12,
      num_attention_heads: 4,
      intermediate_size: 1024,
      hidden_dropout_prob: 0.1,
      attention_probs_dropout_prob: 0.1,
      max_position_embeddings: 512,
      type_vocab_size: 2,
      layer_norm_eps: 1e-12,
      classifier_dropout: null,
      pad_token_id: 0,
      num_labels: 2,
    });
  });

  it.each([
    [{ embedding_size: 0 }, /key "embedding_size"/],
    [{ hidden_size: 30 }, /key "hidden_size": 30 is not a multiple of num_attention_heads \(4\)/],
    [{ classifier_dropout: -1 }, /key "classifier_dropout"/],
    [{ hidden_act: 'mish' }, /key "hidden_act": "mish" is not implemented; use one of "gelu"/],
    [{ is_decoder: true }, /key "is_decoder": true is not supported/],
    [{ add_cross_attention: true }, /key "add_cross_attention": true is not supported/],
    [{ model_type: 'bert' }, /key "model_type"/],
  ])('refuses %j naming the key', (patch, message) => {
    expect(() => family.parseConfig({ ...configJson, ...patch })).toThrow(message);
  });

  it('makes a small scratch config (hidden 64, 2 layers, 4 heads, intermediate 128, embeddings 32)', () => {
    checkScratchRoundTrip(family, {
      hidden_size: 64,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      intermediate_size: 128,
      embedding_size: 32,
    });
    const sized = family.scratchConfig({
      vocabSize: 100,
      id2label: { 0: 'a', 1: 'b' },
      problemType: null,
      maxLength: 32,
      padTokenId: 0,
      settings: { hidden_size: 128, num_attention_heads: 2 },
    });
    expect(sized).toMatchObject({ hidden_size: 128, embedding_size: 64, num_attention_heads: 2 });
  });
});

describe('ELECTRA parameters', () => {
  it("lists the checkpoint's parameters in named_parameters() order; a base-model checkpoint loads too", () => {
    const specs = family.paramSpecs(config);
    expect(specs.map((s) => [s.name, s.shape])).toEqual(Object.entries(ref.param_shapes));
    expect([...tensors.keys()].sort()).toEqual(specs.map((s) => s.name).sort());
    expect(family.checkpointName('embeddings_project.weight', false)).toBe(
      'electra.embeddings_project.weight',
    );
    expect(family.checkpointName('encoder.layer.0.output.LayerNorm.gamma', false)).toBe(
      'electra.encoder.layer.0.output.LayerNorm.weight',
    );
    expect(family.checkpointName('classifier.out_proj.bias', true)).toBe(
      'classifier.out_proj.bias',
    );
    expect(family.checkpointName('electra.embeddings.token_type_ids', true)).toBeNull();
    expect(family.isEmbeddingParam('electra.embeddings.token_type_embeddings.weight')).toBe(true);
    expect(family.isEmbeddingParam('electra.embeddings_project.weight')).toBe(false);
  });

  it('loads a pre-training (ElectraForPreTraining) or base-model checkpoint with a new head', async () => {
    await tf.setBackend('cpu');
    checkPretrainedLoading(family, config, tensors, [
      'discriminator_predictions.dense.bias',
      'discriminator_predictions.dense.weight',
      'discriminator_predictions.dense_prediction.bias',
      'discriminator_predictions.dense_prediction.weight',
    ]);
  });

  it('has no embeddings_project when embedding_size equals hidden_size (as HF)', () => {
    const same = family.parseConfig({ ...configJson, embedding_size: 32 });
    expect(family.paramSpecs(same).map((s) => [s.name, s.shape])).toEqual(
      ref.extra.same_size_params,
    );
  });

  it("initialises as HF's _init_weights (statistics of a fresh transformers model)", () => {
    checkInitStats(family, config, ref.init_stats);
  });
});

const suite = {
  title: 'ELECTRA',
  family,
  config,
  tensors,
  ref,
  initialLogits,
  headActivation: 'exact GELU',
  dropoutConfig: family.parseConfig({
    ...configJson,
    hidden_dropout_prob: 0.1,
    attention_probs_dropout_prob: 0.1,
    classifier_dropout: 0.2,
  }),
};
describeForwardAgainstTorch(suite);
describeOnnxAgainstTorch(suite, ['input_ids', 'attention_mask', 'token_type_ids']);
