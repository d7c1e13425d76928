/**
 * A token-classification run through the run service, as the page's worker drives it: a CoNLL
 * training file and a CoNLL validation file loaded (the validation file recorded with the run),
 * a run of the page's config (task detected, columns the tagged file's), and Reopen evaluating
 * the stored model on the stored files with the views' details; Continue from its checkpoint.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RUN_CONFIG_VERSION, type RunConfig } from '../../src/core/config/runConfig';
import { FsRunStore, fsCheckpointStores } from '../../src/core/run/fsStores';
import { RunService } from '../../src/core/run/service';
import { loadTokenizerFromDir } from '../../src/core/tokenize/tokenizerNode';
import { wnutSlice } from './helpers/nerCli';

const bytes = (s: string) => new TextEncoder().encode(s);

function newService(dir: string) {
  const runIds: string[] = [];
  const runs = new FsRunStore(join(dir, 'runs'));
  const service = new RunService({
    events: { warning: () => {}, run: (id) => runIds.push(id) },
    runs,
    checkpoints: {
      forRun: (id, hooks) => fsCheckpointStores(join(dir, id ?? 'unrecorded')).forRun(id, hooks),
    },
    resumable: true,
  });
  return { service, runIds, runs };
}

const CONFIG: RunConfig = {
  version: RUN_CONFIG_VERSION,
  data: { max_length: 48 },
  model: { hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32 },
  training: {
    max_steps: 4,
    per_device_train_batch_size: 16,
    learning_rate: 5e-3,
    eval_strategy: 'steps',
    eval_steps: 2,
    save_steps: 2,
    logging_steps: 2,
    seed: 5,
  },
};

describe('a token-classification run in the run service', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('records its CoNLL files, reopens with the tagged details, and continues from a checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tagged-run-'));
    const t = newService(dir);
    const train = bytes(wnutSlice('wnut17train.conll', 400));
    const dev = bytes(wnutSlice('emerging.dev.conll', 30));
    const summary = await t.service.loadTable('wnut-train.conll', train);
    expect(summary.taskKind).toBe('token-classification');
    const val = await t.service.loadValidationTable('wnut-dev.conll', dev);
    expect(val.tagged?.sentences).toBe(30);
    t.service.useTokenizer(
      await loadTokenizerFromDir('public/tokenizers/bert-base-uncased'),
      'bert-base-uncased',
    );
    const result = await t.service.startRun(CONFIG);
    expect(result.metrics).toHaveProperty('eval_f1');
    const [id] = t.runIds;
    const rec = await t.runs.get(id);
    expect(rec).toMatchObject({
      fileName: 'wnut-train.conll',
      validationFileName: 'wnut-dev.conll',
    });
    expect(rec?.config).toMatchObject({
      data: { validation_file: 'wnut-dev.conll', text_column: 'tokens', label_column: 'ner_tags' },
    });
    // Reopened by a fresh service (a reload): evaluated on the stored validation file.
    const page = newService(dir);
    const opened = await page.service.openRun(id);
    expect(opened.notices).toEqual([]);
    expect(opened.evalRows).toBeNull();
    expect(opened.dataset?.validationRows).toBe(30);
    expect(opened.taggedDetails?.sentenceCount).toBe(30);
    expect(opened.taggedDetails?.metrics.f1).toBeCloseTo(result.metrics.eval_f1, 10);
    expect(opened.taggedDetails?.metrics.accuracy).toBeCloseTo(result.metrics.eval_accuracy, 10);
    // Continue from its last checkpoint (the page's tokenizer loaded): the same record.
    page.service.useTokenizer(
      await loadTokenizerFromDir('public/tokenizers/bert-base-uncased'),
      'bert-base-uncased',
    );
    const again = await page.service.continueRun(id);
    expect(again.globalStep).toBe(4);
    expect(readFileSync(join(dir, id, 'checkpoint-4', 'trainer_state.json'), 'utf8')).toContain(
      'eval_f1',
    );
  });
});
