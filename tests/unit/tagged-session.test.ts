/**
 * Token classification through the session, as the page and `studio train` drive it: a CoNLL
 * file detected and read as tagged sentences (not a two-column table), the task refused where
 * it does not fit the file, the validation file's tag set checked, the sentence split, batches
 * of labels [B, T], a token head trained with the guide's metrics in log_history, best-model
 * selection on f1, class weights refused, the evaluation details and Try it's entities.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { IGNORE_INDEX } from '../../src/core/data/taggedTypes';
import { StudioSession } from '../../src/core/session';
import { taggedDetails } from '../../src/core/session/taggedSession';
import { loadTokenizerFromDir } from '../../src/core/tokenize/tokenizerNode';
import { batchTensors, disposeBatch } from '../../src/core/train/dataset';

const TINY = {
  kind: 'scratch' as const,
  hidden_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_length: 48,
};

/** The first `n` sentences of a WNUT 2017 file, as the file's own text. */
function wnut(file: string, n: number): string {
  const text = readFileSync(`tests/fixtures/data/wnut17/${file}`, 'utf8');
  const blocks = text.split(/\r?\n[ \t]*\r?\n/).filter((b) => b.trim() !== '');
  return `${blocks.slice(0, n).join('\n\n')}\n`;
}
const bytes = (s: string) => new TextEncoder().encode(s);
const TRAIN = wnut('wnut17train.conll', 400);
const DEV = wnut('emerging.dev.conll', 40);

async function session(): Promise<StudioSession> {
  const s = new StudioSession();
  s.tokenizer = await loadTokenizerFromDir('public/tokenizers/bert-base-uncased');
  return s;
}
const prepareOptions = (extra: object = {}) => ({
  columns: { text: 'tokens', label: 'ner_tags' },
  validationFraction: 0.1,
  maxLength: 48,
  seed: 3,
  ...extra,
});

describe('token classification in a session', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('reads a CoNLL file as tagged sentences and splits it by sentence, seeded', async () => {
    const s = await session();
    const t = await s.loadTable('wnut17train.conll', bytes(TRAIN));
    expect(t.taskKind).toBe('token-classification');
    expect(t.rowCount).toBe(400);
    expect(t.tagged).toMatchObject({ format: 'conll', sentences: 400, scheme: 'IOB2' });
    expect(t.tagged?.labelNames).toContain('B-person');
    expect(s.table).toBeNull();
    const ds = s.prepare(prepareOptions());
    expect(ds.taskKind).toBe('token-classification');
    expect(ds.trainRows + ds.validationRows).toBe(400);
    expect(ds.validationRows).toBe(40);
    expect(ds.labels).toEqual(t.tagged?.labelNames);
    expect(ds.tagged?.entitiesPerType.find((e) => e.type === 'person')?.count).toBeGreaterThan(0);
    const again = await session();
    await again.loadTable('wnut17train.conll', bytes(TRAIN));
    again.prepare(prepareOptions());
    expect(again.prepared?.validationTexts).toEqual(s.prepared?.validationTexts);
    again.prepare(prepareOptions({ seed: 4 }));
    expect(again.prepared?.validationTexts).not.toEqual(s.prepared?.validationTexts);
  });

  it('refuses a CoNLL file forced to text-classification, saying why', async () => {
    const s = await session();
    await expect(
      s.loadTable('wnut17train.conll', bytes(TRAIN), {
        tagging: { task: 'text-classification' },
      }),
    ).rejects.toThrow(/tagged CoNLL file.*text-classification.*word classifier/);
    // Loaded as detected, then the task set to text-classification: preparing refuses.
    await s.loadTable('wnut17train.conll', bytes(TRAIN));
    expect(() =>
      s.prepare(
        prepareOptions({
          tagging: { task: 'text-classification', labelNames: null, labelAllTokens: false },
        }),
      ),
    ).toThrow(/tagged file .*text-classification/);
    const table = await session();
    await expect(
      table.loadTable('t.csv', bytes('text,label\nhello there,a\ngood bye,b\n'), {
        tagging: { task: 'token-classification' },
      }),
    ).rejects.toThrow(/t\.csv is not a tagged file/);
  });

  it('a validation file with a tag the training file lacks names the tag and its line', async () => {
    const s = await session();
    await s.loadTable('train.conll', bytes(wnut('wnut17train.conll', 150)));
    await s.loadValidationTable('dev.conll', bytes(DEV));
    expect(() => s.prepare(prepareOptions())).toThrow(
      /dev\.conll has tags the training file does not: I-product \(line \d+\)/,
    );
  });

  it('batches carry labels [B, T]: first sub-tokens tagged, -100 elsewhere and on padding', async () => {
    const s = await session();
    await s.loadTable('wnut17train.conll', bytes(TRAIN));
    s.prepare(prepareOptions());
    const train = s.prepared!.train;
    const b = batchTensors(train, [0, 1, 2], 'single_label_classification', {
      padding: 'longest',
      maxLength: 48,
      padId: 0,
    });
    const [rows, seqLen] = b.labels.shape;
    expect([rows, b.input_ids.shape[1]]).toEqual([3, seqLen]);
    const labels = b.labels.dataSync();
    const mask = b.attention_mask.dataSync();
    for (let i = 0; i < labels.length; i++) if (mask[i] === 0) expect(labels[i]).toBe(IGNORE_INDEX);
    // [CLS] at 0 is ignored; each row has as many labelled tokens as words kept.
    for (let r = 0; r < 3; r++) {
      expect(labels[r * seqLen]).toBe(IGNORE_INDEX);
      const labelled = labels.slice(r * seqLen, (r + 1) * seqLen).filter((y) => y !== IGNORE_INDEX);
      expect(labelled.length).toBe(train.tagged!.words[r]);
    }
    disposeBatch(b);
  });

  it('trains a token head: the guide’s metrics in log_history, best model on f1', async () => {
    const s = await session();
    await s.loadTable('wnut17train.conll', bytes(TRAIN));
    await s.loadValidationTable('emerging.dev.conll', bytes(DEV));
    s.prepare(prepareOptions());
    const r = await s.train(TINY, {
      max_steps: 6,
      per_device_train_batch_size: 16,
      gradient_accumulation_steps: 2,
      learning_rate: 5e-3,
      eval_strategy: 'steps',
      eval_steps: 3,
      save_strategy: 'steps',
      save_steps: 3,
      logging_steps: 3,
      metric_for_best_model: 'f1',
      load_best_model_at_end: true,
      label_smoothing_factor: 0.1,
    });
    expect(s.model?.head).toBe('token');
    const evals = r.logHistory.filter((e) => 'eval_loss' in e);
    expect(evals).toHaveLength(2);
    for (const e of evals as unknown as Record<string, number>[]) {
      for (const k of ['eval_precision', 'eval_recall', 'eval_f1', 'eval_accuracy']) {
        expect(e[k]).toBeGreaterThanOrEqual(0);
        expect(e[k]).toBeLessThanOrEqual(1);
      }
      expect(e.eval_accuracy).toBeGreaterThan(0.5); // 'O' dominates: above chance from step 3
    }
    expect(r.state.best_metric).toBe(Math.max(...evals.map((e) => e.eval_f1 as number)));
    // The views' details (word-level, from first sub-tokens) agree with the logged metrics.
    const d = await taggedDetails(s);
    expect(d.metrics.f1).toBeCloseTo(r.metrics.eval_f1, 12);
    expect(d.metrics.accuracy).toBeCloseTo(r.metrics.eval_accuracy, 12);
    // The confusion's diagonal is the exact-span matches seqeval counts as true positives.
    const k = d.confusion.types.length + 1;
    let tp = 0;
    for (let i = 0; i < k - 1; i++) tp += d.confusion.counts[i * k + i];
    const gold = d.metrics.perType.reduce((n, t) => n + t.number, 0);
    expect(gold > 0 ? tp / gold : 0).toBeCloseTo(d.metrics.recall, 12);
    expect(d.sentenceCount).toBe(40);
    await expect(s.evalRows()).rejects.toThrow(/tags words/);
    for (let i = 1; i < d.sentences.length; i++) {
      expect(d.sentences[i - 1].errors).toBeGreaterThanOrEqual(d.sentences[i].errors);
    }
  });

  it('refuses class_weights and a metric_for_best_model the evaluations will not log', async () => {
    const s = await session();
    await s.loadTable('wnut17train.conll', bytes(TRAIN));
    s.prepare(prepareOptions());
    await expect(s.train(TINY, { max_steps: 1, class_weights: 'balanced' })).rejects.toThrow(
      /class_weights do not apply to token classification/,
    );
    await expect(
      s.train(TINY, { max_steps: 1, eval_strategy: 'steps', metric_for_best_model: 'f1_macro' }),
    ).rejects.toThrow(/eval_precision, eval_recall, eval_f1, eval_accuracy/);
  });
});
