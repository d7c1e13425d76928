import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryCheckpointStore } from '../../src/core/io/checkpointStore';
import { SequenceClassifier } from '../../src/core/model/classifier';
import { bertFamily } from '../../src/core/model/bert';
import { smallBertConfig } from '../../src/core/model/bert/config';
import { StudioSession } from '../../src/core/session';
import { loadTokenizerFromDir } from '../../src/core/tokenize/tokenizerNode';
import { parseTrainingArguments, type TrainingArguments } from '../../src/core/train/args';
import { isEvalLog, isTrainLog, type TrainLogEntry } from '../../src/core/train/state';
import { Trainer, type TrainerOptions } from '../../src/core/train/trainer';

const TINY = {
  kind: 'scratch' as const,
  hidden_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_length: 24,
};

/** The first rows of the real demo file (Windows-1252, CRLF), re-joined as bytes. */
function demoHead(rows: number): Uint8Array {
  const bytes = readFileSync('public/demo/spam.csv');
  let lines = 0;
  let end = 0;
  let quoted = false;
  for (; end < bytes.length && lines <= rows; end++) {
    if (bytes[end] === 0x22) quoted = !quoted;
    if (bytes[end] === 0x0a && !quoted) lines++;
  }
  return new Uint8Array(bytes.subarray(0, end));
}

async function preparedSession(rows = 160): Promise<StudioSession> {
  const s = new StudioSession();
  await s.loadTable('spam-head.csv', demoHead(rows));
  s.tokenizer = await loadTokenizerFromDir('public/tokenizers/bert-base-uncased');
  s.prepare({
    columns: { text: 'v2', label: 'v1' },
    validationFraction: 0.2,
    maxLength: 24,
    seed: 7,
  });
  return s;
}

function argsOf(over: Record<string, unknown>): TrainingArguments {
  return parseTrainingArguments({
    output_dir: 'out',
    per_device_train_batch_size: 8,
    per_device_eval_batch_size: 16,
    learning_rate: 1e-3,
    logging_steps: 1,
    save_strategy: 'no',
    ...over,
  }).args;
}

function trainerFor(
  s: StudioSession,
  args: TrainingArguments,
  extra: Partial<TrainerOptions> = {},
) {
  const p = s.prepared!;
  const config = smallBertConfig({
    vocabSize: s.tokenizer!.vocabSize,
    numLabels: 2,
    maxLength: 24,
    hiddenSize: 16,
    numLayers: 1,
    numHeads: 2,
    intermediateSize: 32,
    id2label: p.maps.id2label,
  });
  const model = SequenceClassifier.create(bertFamily, config, args.seed);
  const trainer = new Trainer({
    model,
    args,
    train: p.train,
    eval: p.validation,
    problemType: 'single_label_classification',
    numLabels: 2,
    padId: 0,
    maxLength: 24,
    ...extra,
  });
  return { model, trainer };
}

const losses = (history: unknown[]) =>
  (history as Parameters<typeof isTrainLog>[0][])
    .filter(isTrainLog)
    .map((e) => (e as TrainLogEntry).loss);

describe('Trainer', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('lowers the loss on real data, logs HF entries, and leaks no tensors', async () => {
    const s = await preparedSession();
    const before = tf.memory().numTensors;
    const { model, trainer } = trainerFor(
      s,
      argsOf({ max_steps: 12, eval_strategy: 'steps', eval_steps: 6, learning_rate: 3e-3 }),
    );
    const out = await trainer.train();
    trainer.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const l = losses(out.state.log_history);
    expect(l).toHaveLength(12);
    expect(l.slice(-3).reduce((a, b) => a + b) / 3).toBeLessThan(
      l.slice(0, 3).reduce((a, b) => a + b) / 3,
    );
    const first = out.state.log_history[0] as TrainLogEntry;
    expect(Object.keys(first).sort()).toEqual([
      'epoch',
      'grad_norm',
      'learning_rate',
      'loss',
      'step',
    ]);
    // Linear decay without warmup: update 1 uses the full LR, HF logs the LR of the last update.
    expect(first.learning_rate).toBeCloseTo(3e-3, 10);
    const evals = out.state.log_history.filter(isEvalLog);
    expect(evals.map((e) => e.step)).toEqual([6, 12]);
    expect(evals[0]).toHaveProperty('eval_accuracy');
    expect(evals[0]).toHaveProperty('eval_samples_per_second');
    const summary = out.state.log_history.at(-1)!;
    expect(summary).toHaveProperty('train_runtime');
    expect(summary).toHaveProperty('train_loss');
    expect(out.global_step).toBe(12);
  });

  it('gives the same loss curve for the same seed, and another for another seed', async () => {
    const s = await preparedSession(80);
    const run = async (seed: number) => {
      const { model, trainer } = trainerFor(s, argsOf({ max_steps: 4, seed }));
      const out = await trainer.train();
      trainer.dispose();
      model.dispose();
      return losses(out.state.log_history);
    };
    const a = await run(1);
    const b = await run(1);
    const c = await run(2);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('resumes from a checkpoint with the same losses as an uninterrupted run', async () => {
    const s = await preparedSession(120);
    const store = new MemoryCheckpointStore();
    const full = trainerFor(
      s,
      argsOf({ max_steps: 10, save_strategy: 'steps', save_steps: 4, save_total_limit: 3 }),
      {
        checkpoints: store,
      },
    );
    const outFull = await full.trainer.train();
    full.trainer.dispose();
    full.model.dispose();
    // Every 4 steps, and at max_steps (transformers 5's DefaultFlowCallback saves there too).
    expect((await store.list()).sort()).toEqual(['checkpoint-10', 'checkpoint-4', 'checkpoint-8']);

    const resumed = trainerFor(
      s,
      argsOf({ max_steps: 10, resume_from_checkpoint: 'out/checkpoint-4' }),
      {
        checkpoints: store,
      },
    );
    const outResumed = await resumed.trainer.train();
    resumed.trainer.dispose();
    resumed.model.dispose();
    const a = losses(outFull.state.log_history);
    const b = losses(outResumed.state.log_history);
    expect(b).toHaveLength(10);
    for (let i = 0; i < 10; i++) expect(b[i]).toBeCloseTo(a[i], 5);
  });

  it('divides the loss by the micro-batches under gradient accumulation', async () => {
    const s = await preparedSession(80);
    const { model, trainer } = trainerFor(
      s,
      argsOf({ max_steps: 2, gradient_accumulation_steps: 2 }),
    );
    const out = await trainer.train();
    trainer.dispose();
    model.dispose();
    const l = losses(out.state.log_history);
    // A fresh 2-class model starts near ln 2 per example: a sum over micro-batches would be ~2 ln 2.
    expect(l[0]).toBeGreaterThan(0.4);
    expect(l[0]).toBeLessThan(1.0);
    expect(out.state.max_steps).toBe(2);
  });

  it('stops with a clear error at a non-finite loss and keeps the last good weights', async () => {
    const s = await preparedSession(80);
    const { model, trainer } = trainerFor(
      s,
      argsOf({ max_steps: 30, learning_rate: 1e12, max_grad_norm: 0 }),
    );
    const err = await trainer.train().then(
      () => null,
      (e: Error) => e,
    );
    trainer.dispose();
    expect(err?.name).toBe('NonFiniteLossError');
    expect(err?.message).toMatch(/step \d+/);
    const w = (await model.params.get('classifier.weight')!.data()) as Float32Array;
    expect(w.every(Number.isFinite)).toBe(true);
    model.dispose();
  });
});

describe('StudioSession', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('trains, exports a zip that reloads with the same predictions', async () => {
    const s = await preparedSession(120);
    const r = await s.train(TINY, {
      max_steps: 3,
      per_device_train_batch_size: 8,
      logging_steps: 1,
    });
    expect(r.globalStep).toBe(3);
    expect(r.metrics).toHaveProperty('eval_accuracy');
    const texts = ['WINNER!! Claim your free prize now', 'see you at lunch'];
    const before = await s.predict(texts);
    const zip = await s.exportZip();
    const other = new StudioSession();
    const info = await other.importZip(zip);
    expect(info.labels).toEqual(['ham', 'spam']);
    const after = await other.predict(texts);
    for (let i = 0; i < texts.length; i++) {
      expect(after[i].label).toBe(before[i].label);
      after[i].probs.forEach((p, j) => expect(p).toBeCloseTo(before[i].probs[j], 5));
    }
    s.model?.dispose();
    other.model?.dispose();
  });

  it('rejects a label column with one class, naming it', async () => {
    const s = new StudioSession();
    await s.loadTable('one.csv', new TextEncoder().encode('text,label\nhello,a\nworld,a\n'));
    s.tokenizer = await loadTokenizerFromDir('public/tokenizers/bert-base-uncased');
    expect(() =>
      s.prepare({
        columns: { text: 'text', label: 'label' },
        validationFraction: 0.5,
        maxLength: 8,
        seed: 1,
      }),
    ).toThrow(/"label" has only one distinct value/);
  });
});
