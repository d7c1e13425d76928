import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TINY_MODEL_FLAGS, smallSmsCsv } from './helpers/cliFixtures';
import { runCli } from './helpers/runCli';

const TINY = TINY_MODEL_FLAGS;
const smallCsv = (dir: string): string => smallSmsCsv(dir, 120);

const losses = (dir: string): number[] =>
  (
    JSON.parse(readFileSync(join(dir, 'trainer_state.json'), 'utf8')).log_history as {
      loss?: number;
    }[]
  )
    .filter((e) => e.loss !== undefined)
    .map((e) => e.loss as number);

describe('studio CLI', () => {
  afterEach(() => vi.restoreAllMocks());

  it('trains, writes an HF output_dir, evaluates and predicts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-cli-'));
    const csv = smallCsv(dir);
    const out = join(dir, 'out');
    const r = await runCli([
      'train',
      '--train_file',
      csv,
      '--validation_split',
      '0.2',
      '--output_dir',
      out,
      ...TINY,
      '--max_steps',
      '4',
      '--logging_steps',
      '1',
      '--save_steps',
      '2',
      '--learning_rate',
      '1e-3',
      '--per_device_train_batch_size',
      '8',
      '--eval_strategy',
      'steps',
      '--eval_steps',
      '2',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/read .*sms\.csv: 120 rows/);
    expect(r.err).toMatch(/\{'loss': [\d.]+, 'grad_norm': [\d.e-]+, 'learning_rate'/);
    for (const f of [
      'config.json',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
      'training_args.json',
      'trainer_state.json',
      'eval_results.json',
      'checkpoint-2/optimizer.safetensors',
      'checkpoint-4/trainer_state.json',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.id2label).toEqual({ 0: 'ham', 1: 'spam' });
    expect(config.architectures).toEqual(['BertForSequenceClassification']);
    const state = JSON.parse(readFileSync(join(out, 'trainer_state.json'), 'utf8'));
    expect(state.global_step).toBe(4);
    expect(state.max_steps).toBe(4);
    expect(losses(out)).toHaveLength(4);
    const metrics = JSON.parse(r.out);
    expect(metrics.eval_accuracy).toBeGreaterThan(0);

    const ev = await runCli(['evaluate', '--model_dir', out, '--validation_file', csv]);
    expect(ev.code, ev.err).toBe(0);
    const evMetrics = JSON.parse(ev.out);
    expect(evMetrics).toHaveProperty('eval_accuracy');
    expect(evMetrics).toHaveProperty('eval_loss');

    const preds = join(dir, 'preds.jsonl');
    const pr = await runCli([
      'predict',
      '--model_dir',
      out,
      '--input_file',
      csv,
      '--output_file',
      preds,
    ]);
    expect(pr.code, pr.err).toBe(0);
    const rows = readFileSync(preds, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(120);
    expect(['ham', 'spam']).toContain(rows[0].label);
  });

  it('resumes from a checkpoint with the same losses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-cli-'));
    const csv = smallCsv(dir);
    const common = [
      'train',
      '--train_file',
      csv,
      ...TINY,
      '--max_steps',
      '6',
      '--logging_steps',
      '1',
      '--save_steps',
      '3',
      '--learning_rate',
      '1e-3',
      '--per_device_train_batch_size',
      '8',
    ];
    const a = join(dir, 'a');
    expect((await runCli([...common, '--output_dir', a])).code).toBe(0);
    const full = losses(a);
    expect(full).toHaveLength(6);
    const r = await runCli([
      ...common,
      '--output_dir',
      a,
      '--resume_from_checkpoint',
      `${a}/checkpoint-3`,
    ]);
    expect(r.code, r.err).toBe(0);
    const resumed = losses(a);
    expect(resumed).toHaveLength(6);
    resumed.forEach((l, i) => expect(l).toBeCloseTo(full[i], 4));
  });

  it('exits non-zero with a clear message on a misspelt flag or a missing file', async () => {
    const bad = await runCli(['train', '--train_file', 'x.csv', '--learnig_rate', '1e-3']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/learnig_rate/);
    expect(bad.err).toMatch(/learning_rate/);
    const missing = await runCli(['train', '--train_file', '/nonexistent/data.csv']);
    expect(missing.code).not.toBe(0);
    expect(missing.err).toMatch(/does not exist/);
  });
});
