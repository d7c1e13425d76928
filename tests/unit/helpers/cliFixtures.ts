/** Inputs of the command-line tests: a tiny model's flags and a small CSV of real SMS rows. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `studio train` flags of a one-layer model from scratch (hidden 16, 2 heads, intermediate 32). */
export const TINY_SIZE_FLAGS = [
  '--hidden_size',
  '16',
  '--num_hidden_layers',
  '1',
  '--num_attention_heads',
  '2',
  '--intermediate_size',
  '32',
];

/** `studio train` flags of a one-layer BERT (hidden 16) at 24 tokens. */
export const TINY_MODEL_FLAGS = [...TINY_SIZE_FLAGS, '--max_length', '24'];

/**
 * `studio train` flags of a fine-tuning run whose predictions depend on the text (not only the
 * bias): a high rate, batches of 16, one replica, seed 7, no checkpoints (add `--max_steps`).
 */
export const FIT_FLAGS = [
  '--learning_rate',
  '1e-2',
  '--per_device_train_batch_size',
  '16',
  '--save_strategy',
  'no',
  '--num_replicas',
  '1',
  '--seed',
  '7',
];

/** The first `rows` rows of the real SMS data as `dir/sms.csv` (header `label,text`). */
export function smallSmsCsv(dir: string, rows: number): string {
  const lines = readFileSync('tests/fixtures/data/SMSSpamCollection-300.tsv', 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(0, rows)
    .map((l) => {
      const [label, text] = l.split('\t');
      return `${label},"${text.replace(/"/g, '""')}"`;
    });
  const path = join(dir, 'sms.csv');
  writeFileSync(path, `label,text\n${lines.join('\n')}\n`);
  return path;
}

/**
 * `studio export-script` flags of the bundle tests: the tiny model, 7 steps with class weights,
 * early stopping and an evaluation every 3 steps (what train.py must carry over).
 */
export function bundleFlags(csv: string, out: string): string[] {
  return [
    'export-script',
    '--train_file',
    csv,
    '--output_dir',
    out,
    ...TINY_MODEL_FLAGS,
    '--learning_rate',
    '1e-3',
    '--max_steps',
    '7',
    '--class_weights',
    'balanced',
    '--early_stopping_patience',
    '2',
    '--eval_strategy',
    'steps',
    '--eval_steps',
    '3',
    '--metric_for_best_model',
    'eval_accuracy',
  ];
}
