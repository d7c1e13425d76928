/**
 * The token-classification head (`<Family>ForTokenClassification`) of every family against
 * transformers 5.18 (tests/fixtures/token-head/<type>.json from
 * tests/python/make_token_head_reference.py): what loading a sequence-classification or base
 * checkpoint into the token model reports, `named_parameters()` order, the logits [B, T, C] on
 * WNUT 2017 sentences tokenized with `is_split_into_words`, the loss over labelled tokens (-100
 * elsewhere), gradients, and label smoothing as the Trainer's `LabelSmoother` computes it.
 */
import { readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { readSafetensors } from '../../src/core/io/safetensors';
import { SequenceClassifier } from '../../src/core/model/classifier';
import { familyForModelType, headOfArchitectures } from '../../src/core/model/families';
import { countParameters, estimateTrainingMemory } from '../../src/core/model/memory';
import type { ClassifierBatch } from '../../src/core/model/family';
import { tokenClassificationLoss } from '../../src/core/train/losses';
import { fixtureModelTypes } from './helpers/familyExport';
import { maxAbsDiff, norm } from './helpers/familyFixture';
import { WNUT_TAGS as TAGS } from './helpers/tokenExport';

interface TokenHeadReference {
  architecture: string;
  loading: { missing: string[]; unexpected: string[]; mismatched: string[]; param_order: string[] };
  batch: {
    input_ids: number[][];
    attention_mask: number[][];
    token_type_ids?: number[][];
    labels: number[][];
    logits: number[][][];
    loss: number;
    grad_norms: Record<string, number>;
    grads: Record<string, number[]>;
  };
  label_smoothing: { epsilon: number; loss: number };
}

/** The checkpoint each reference was made from. */
const CHECKPOINTS: Record<string, string> = {
  bert: 'tests/fixtures/bert-tiny-random',
};

function checkpointDir(modelType: string): string {
  return CHECKPOINTS[modelType] ?? `tests/fixtures/auto/${modelType}/checkpoint`;
}

/** The token model of `modelType` from its fixture checkpoint, with the reference's head weights. */
function tokenModel(modelType: string) {
  const dir = checkpointDir(modelType);
  const configJson = JSON.parse(readFileSync(`${dir}/config.json`, 'utf8')) as Record<
    string,
    unknown
  >;
  const family = familyForModelType(modelType);
  const config = family.parseConfig({
    ...configJson,
    id2label: Object.fromEntries(TAGS.map((t, i) => [String(i), t])),
    label2id: Object.fromEntries(TAGS.map((t, i) => [t, i])),
  });
  const tensors = new Map<string, tf.Tensor>();
  for (const [name, t] of readSafetensors(
    new Uint8Array(readFileSync(`${dir}/model.safetensors`)),
  )) {
    tensors.set(name, tf.tensor(t.data, t.shape, 'float32'));
  }
  const loaded = SequenceClassifier.fromTensors(family, config, tensors, 42, 'token');
  tf.dispose([...tensors.values()]);
  const head = readSafetensors(
    new Uint8Array(readFileSync(`tests/fixtures/token-head/${modelType}.head.safetensors`)),
  );
  for (const [name, t] of head) loaded.model.params.get(name)!.assign(tf.tensor(t.data, t.shape));
  return loaded;
}

function batchOf(b: TokenHeadReference['batch']): ClassifierBatch {
  return {
    input_ids: tf.tensor2d(b.input_ids, undefined, 'int32'),
    attention_mask: tf.tensor2d(b.attention_mask, undefined, 'int32'),
    ...(b.token_type_ids
      ? { token_type_ids: tf.tensor2d(b.token_type_ids, undefined, 'int32') }
      : {}),
    labels: tf.tensor2d(b.labels, undefined, 'int32'),
  };
}

/** The families whose token head is built, with a reference each. */
const MODEL_TYPES = ['bert', ...fixtureModelTypes()];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('headOfArchitectures', () => {
  it("reads the head from config.json's architectures", () => {
    expect(headOfArchitectures(['BertForTokenClassification'])).toBe('token');
    expect(headOfArchitectures(['RobertaForSequenceClassification'])).toBe('sequence');
    expect(headOfArchitectures(['BertForMaskedLM'])).toBeNull();
    expect(headOfArchitectures([])).toBeNull();
  });
});

describe.each(MODEL_TYPES)('%s token-classification head against transformers', (modelType) => {
  const ref = JSON.parse(
    readFileSync(`tests/fixtures/token-head/${modelType}.json`, 'utf8'),
  ) as TokenHeadReference;

  it('loads the checkpoint as from_pretrained does: no pooler, same order, same reports', () => {
    const { model, missing, unexpected, mismatched } = tokenModel(modelType);
    expect(model.head).toBe('token');
    expect(model.family.architectureOf(model.config, 'token')).toBe(ref.architecture);
    expect([...model.params.keys()]).toEqual(ref.loading.param_order);
    expect([...missing].sort()).toEqual(ref.loading.missing);
    expect([...unexpected].sort()).toEqual(ref.loading.unexpected);
    expect(mismatched.map((m) => m.name).sort()).toEqual(ref.loading.mismatched);
    model.dispose();
  });

  it('gives the logits [B, T, C], the loss over labelled tokens and the gradients', async () => {
    const { model } = tokenModel(modelType);
    const batch = batchOf(ref.batch);
    const vars = [...model.params.values()];
    let logits: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(batch);
      logits = tf.keep(out.logits);
      return out.loss!;
    }, vars);
    const [B, T] = [ref.batch.input_ids.length, ref.batch.input_ids[0].length];
    expect(logits!.shape).toEqual([B, T, TAGS.length]);
    // Logits at attended tokens: at padding, DeBERTa-v2 (which zeroes padded embeddings and
    // masks padded query rows) and ModernBERT differ from the studio's, and no loss, metric or
    // prediction reads them (the loss and gradients below take every position's labels).
    const got = (await logits!.array()) as number[][][];
    const mask = ref.batch.attention_mask;
    const attended = (rows: number[][][]) => rows.flatMap((r, i) => r.filter((_, j) => mask[i][j]));
    expect(maxAbsDiff(attended(got).flat(), attended(ref.batch.logits).flat())).toBeLessThan(2e-5);
    expect(Math.abs(value.dataSync()[0] - ref.batch.loss)).toBeLessThan(2e-5);
    for (const [name, v] of model.params) {
      const g = grads[v.name].dataSync();
      const want = ref.batch.grad_norms[name];
      expect(Math.abs(norm(g) - want), name).toBeLessThanOrEqual(1e-4 * want + 1e-7);
      if (ref.batch.grads[name]) {
        expect(maxAbsDiff(g, ref.batch.grads[name]), name).toBeLessThan(1e-5);
      }
    }
    const smoothed = tokenClassificationLoss({ labelSmoothing: ref.label_smoothing.epsilon })(
      logits!,
      batch.labels!,
    );
    expect(Math.abs(smoothed.dataSync()[0] - ref.label_smoothing.loss)).toBeLessThan(2e-5);
    tf.dispose([value, logits!, smoothed, ...Object.values(grads)]);
    tf.dispose(Object.values(batch) as tf.Tensor[]);
    model.dispose();
  });

  it('sizes the token model: its own parameters, activations on every token', () => {
    const { model } = tokenModel(modelType);
    const { family, config } = model;
    expect(countParameters(family, config, 'token')).toBe(model.parameterCount());
    expect(family.activationBytes(config, 8, 64, 'token')).toBeGreaterThan(
      family.activationBytes(config, 8, 64, 'sequence'),
    );
    const run = { batchSize: 8, seqLength: 64 };
    const token = estimateTrainingMemory({ family, config, head: 'token' }, run);
    expect(token.parameters).toBe(model.parameterCount());
    expect(token.activationBytes).toBe(family.activationBytes(config, 8, 64, 'token'));
    model.dispose();
  });
});
