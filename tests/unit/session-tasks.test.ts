import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { StudioSession } from '../../src/core/session';
import { loadTokenizerFromDir } from '../../src/core/tokenize/tokenizerNode';

const TINY = {
  kind: 'scratch' as const,
  hidden_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_length: 24,
};
const ARGS = {
  max_steps: 3,
  per_device_train_batch_size: 8,
  logging_steps: 1,
  learning_rate: 1e-3,
};

/** Real SST-2 sentences with labels derived from them for each task. */
function sentences(): string[] {
  return readFileSync('tests/fixtures/data/sst2-train-300.tsv', 'utf8')
    .split('\n')
    .slice(1, 121)
    .map((l) => l.split('\t')[0].trim())
    .filter(Boolean);
}

const csv = (rows: [string, string][]) =>
  new TextEncoder().encode(
    `text,label\n${rows.map(([t, l]) => `"${t.replace(/"/g, '""')}","${l}"`).join('\n')}\n`,
  );

async function session(rows: [string, string][]): Promise<StudioSession> {
  const s = new StudioSession();
  await s.loadTable('data.csv', csv(rows));
  s.tokenizer = await loadTokenizerFromDir('public/tokenizers/bert-base-uncased');
  return s;
}

describe('StudioSession tasks', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('detects regression from numeric labels and trains with MSE', async () => {
    const rows = sentences().map((t): [string, string] => [t, (t.length / 40).toFixed(3)]);
    const s = await session(rows);
    const ds = s.prepare({
      columns: { text: 'text', label: 'label' },
      validationFraction: 0.2,
      maxLength: 24,
      seed: 1,
    });
    expect(ds.task.problemType).toBe('regression');
    const before = tf.memory().numTensors;
    const r = await s.train(TINY, ARGS);
    expect(r.metrics).toHaveProperty('eval_mse');
    expect(r.metrics).toHaveProperty('eval_pearson');
    expect(s.model?.config.num_labels).toBe(1);
    expect(s.model?.config.problem_type).toBe('regression');
    const [p] = await s.predict(['a fine film']);
    expect(Number.isFinite(Number(p.label))).toBe(true);
    s.model?.dispose();
    s.model = null;
    expect(tf.memory().numTensors).toBe(before);
  });

  it('detects multi-label lists and trains with BCE', async () => {
    const tags = ['long', 'short', 'question'];
    const rows = sentences().map((t): [string, string] => {
      const own = [t.length > 60 ? tags[0] : tags[1]];
      if (t.length % 3 === 0) own.push(tags[2]);
      return [t, own.join(';')];
    });
    const s = await session(rows);
    const ds = s.prepare({
      columns: { text: 'text', label: 'label' },
      validationFraction: 0.2,
      maxLength: 24,
      seed: 1,
    });
    expect(ds.task.problemType).toBe('multi_label_classification');
    expect(ds.labels).toEqual(['long', 'question', 'short']);
    const r = await s.train(TINY, ARGS);
    expect(r.metrics).toHaveProperty('eval_f1_micro');
    expect(r.metrics).toHaveProperty('eval_exact_match');
    expect(s.model?.config.problem_type).toBe('multi_label_classification');
    // Each label's probability is the sigmoid of its own logit (not a softmax over the labels),
    // and the predicted labels are those over 0.5: checked on the validation rows' logits.
    const val = await s.evalRows();
    const n = 3;
    const preds = await s.predict(val.texts);
    preds.forEach((p, i) => {
      expect(p.probs).toHaveLength(n);
      const sig = Array.from(
        val.logits.subarray(i * n, (i + 1) * n),
        (z) => 1 / (1 + Math.exp(-z)),
      );
      p.probs.forEach((x, j) => expect(x).toBeCloseTo(sig[j], 5));
      expect(p.label).toBe(ds.labels.filter((_, j) => sig[j] > 0.5).join(';') || '(none)');
    });
    s.model?.dispose();
  });

  it('lets the user override the detected task', async () => {
    const rows = sentences().map((t, i): [string, string] => [t, String(i % 3)]);
    const s = await session(rows);
    const auto = s.prepare({
      columns: { text: 'text', label: 'label' },
      validationFraction: 0.2,
      maxLength: 24,
      seed: 1,
    });
    expect(auto.task.problemType).toBe('single_label_classification');
    const forced = s.prepare({
      columns: { text: 'text', label: 'label' },
      validationFraction: 0.2,
      maxLength: 24,
      seed: 1,
      task: 'regression',
    });
    expect(forced.task.problemType).toBe('regression');
  });
});
