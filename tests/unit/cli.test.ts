import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
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

  it('predicts on a file of texts alone (one column)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-cli-predict-'));
    const texts = join(dir, 'texts.csv');
    writeFileSync(texts, 'text\nfree prize call now\nsee you at lunch\n');
    const r = await runCli([
      'predict',
      '--model_dir',
      'tests/fixtures/hf-trainer-run/checkpoint',
      '--input_file',
      texts,
    ]);
    expect(r.code, r.err).toBe(0);
    const rows = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((x) => x.text)).toEqual(['free prize call now', 'see you at lunch']);
    expect(Object.keys(rows[0].probs)).toEqual(['ham', 'spam']);
  });

  it('reads one arguments JSON as HfArgumentParser splits it, and writes it back as two files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-cli-args-'));
    const csv = smallCsv(dir);
    const argsFile = join(dir, 'args.json');
    writeFileSync(
      argsFile,
      JSON.stringify({
        train_file: csv,
        validation_split: 0.2,
        max_seq_length: 20,
        hidden_size: 16,
        num_hidden_layers: 1,
        num_attention_heads: 2,
        intermediate_size: 32,
        hidden_dropout_prob: 0.05,
        max_steps: 3,
        warmup_ratio: 0.5,
        group_by_length: true,
        nan_policy: 'skip',
        per_device_train_batch_size: 8,
        logging_steps: 1,
      }),
    );
    const out = join(dir, 'out');
    const r = await runCli(['train', '--args_json', argsFile, '--output_dir', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/notice: Read 'max_seq_length' .* as 'max_length'/);
    expect(r.err).toMatch(
      /notice: 'warmup_ratio' is the transformers 4 name: read 0.5 as warmup_steps 0.5/,
    );
    expect(r.err).toMatch(/notice: 'group_by_length' is the transformers 4 name/);
    const hf = JSON.parse(readFileSync(join(out, 'training_args.json'), 'utf8'));
    expect(hf).toMatchObject({ warmup_steps: 0.5, train_sampling_strategy: 'group_by_length' });
    for (const k of [
      'nan_policy',
      'class_weights',
      'early_stopping_patience',
      'warmup_ratio',
      'max_length',
    ]) {
      expect(hf, k).not.toHaveProperty(k);
    }
    const studio = JSON.parse(readFileSync(join(out, 'studio_args.json'), 'utf8'));
    expect(studio).toMatchObject({
      nan_policy: 'skip',
      max_length: 20,
      hidden_size: 16,
      hidden_dropout_prob: 0.05,
    });
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ hidden_dropout_prob: 0.05, attention_probs_dropout_prob: 0.1 });
    // The warmup ratio: ceil(3 * 0.5) = 2 steps, so step 2's learning rate is half the peak.
    const logged = JSON.parse(readFileSync(join(out, 'trainer_state.json'), 'utf8')).log_history;
    expect(logged.slice(0, 2).map((e: { learning_rate: number }) => e.learning_rate)).toEqual([
      0, 2.5e-5,
    ]);
    // Read back: training_args.json brings its studio_args.json along.
    const again = await runCli([
      'train',
      '--train_file',
      csv,
      '--args_json',
      join(out, 'training_args.json'),
      '--output_dir',
      join(dir, 'again'),
      '--max_steps',
      '1',
    ]);
    expect(again.code, again.err).toBe(0);
    expect(again.err).toMatch(/notice: read .*studio_args\.json too/);
    expect(again.err).toMatch(/truncated at 20 tokens/);
    const studio2 = JSON.parse(readFileSync(join(dir, 'again', 'studio_args.json'), 'utf8'));
    expect(studio2).toMatchObject({
      nan_policy: 'skip',
      max_length: 20,
      hidden_size: 16,
      hidden_dropout_prob: 0.05,
    });
    // A data key of the wrong type is named.
    writeFileSync(argsFile, JSON.stringify({ train_file: csv, max_length: '64' }));
    const bad = await runCli(['train', '--args_json', argsFile, '--output_dir', join(dir, 'bad')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--args_json: 'max_length' must be a number \(got "64"\)/);
  });

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
