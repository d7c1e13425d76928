/**
 * A token classifier's files: config.json names `<Family>ForTokenClassification` and the tags,
 * the folder and the TF.js weights load back as a token model with nothing missing or unexpected,
 * a sequence-classification checkpoint loads into a token model as from_pretrained reports it,
 * and the model card says how to run the token-classification pipeline.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { loadHfModel } from '../../src/core/io/hfModel';
import { modelCard } from '../../src/core/io/modelCard';
import { exportTfjsWeights, loadTfjsWeights } from '../../src/core/io/tfjsWeights';
import { WNUT_TAGS, tokenCheckpointDir, tokenExportFolder } from './helpers/tokenExport';

const tmp = mkdtempSync(join(tmpdir(), 'studio-token-files-'));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function loadFolder(dir: string, opts = {}) {
  return loadHfModel(
    {
      config: readFileSync(join(dir, 'config.json'), 'utf8'),
      weights: new Uint8Array(readFileSync(join(dir, 'model.safetensors'))),
    },
    opts,
  );
}

describe('token classifier files', () => {
  it('config.json names the token architecture and the tags; the folder loads back as one', async () => {
    const dir = await tokenExportFolder('distilbert', tmp);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as {
      architectures: string[];
      id2label: Record<string, string>;
    };
    expect(config.architectures).toEqual(['DistilBertForTokenClassification']);
    expect(Object.values(config.id2label)).toEqual(WNUT_TAGS);
    const loaded = loadFolder(dir);
    expect(loaded.model.head).toBe('token');
    expect([loaded.missing, loaded.unexpected, loaded.mismatched]).toEqual([[], [], []]);
    expect(loaded.notices).toEqual([]);

    const files = await exportTfjsWeights(loaded.model);
    const back = loadTfjsWeights(files);
    expect(back.model.head).toBe('token');
    expect([back.missing, back.unexpected]).toEqual([[], []]);
    loaded.model.dispose();
    back.model.dispose();
  });

  it('a sequence-classification checkpoint loads into a token model as from_pretrained reports', () => {
    const loaded = loadFolder(tokenCheckpointDir('bert'), {
      head: 'token',
      id2label: Object.fromEntries(WNUT_TAGS.map((t, i) => [String(i), t])),
    });
    expect(loaded.model.head).toBe('token');
    expect(loaded.unexpected.sort()).toEqual([
      'bert.pooler.dense.bias',
      'bert.pooler.dense.weight',
    ]);
    expect(loaded.mismatched.map((m) => m.name)).toEqual(['classifier.weight', 'classifier.bias']);
    expect(loaded.notices.join('\n')).toContain('BertForTokenClassification');
    // Without a head, the checkpoint's own architectures decide: a sequence classifier.
    const plain = loadFolder(tokenCheckpointDir('bert'));
    expect(plain.model.head).toBe('sequence');
    loaded.model.dispose();
    plain.model.dispose();
  });

  it('the model card tags the task and shows the token-classification pipeline', () => {
    const loaded = loadFolder(tokenCheckpointDir('bert'), { head: 'token' });
    const card = modelCard({
      config: loaded.model.config,
      head: 'token',
      baseModel: null,
      baseModelHubId: null,
      maxLength: 48,
      metrics: { eval_f1: 0.5 },
      trainingArgs: null,
      logHistory: [],
      parameters: loaded.model.parameterCount(),
    });
    expect(card).toContain('pipeline_tag: token-classification');
    expect(card).toContain('`BertForTokenClassification`');
    expect(card).toContain('pipeline("token-classification"');
    loaded.model.dispose();
  });
});
