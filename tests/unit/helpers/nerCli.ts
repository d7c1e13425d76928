/**
 * Slices of the WNUT 2017 files (tests/fixtures/data/wnut17) and a short `studio train` of a
 * token classifier on them, for the CLI's token-classification tests.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './runCli';

/** The first `n` sentences of a WNUT 2017 file as its own text (blank line between). */
export function wnutSlice(file: 'wnut17train.conll' | 'emerging.dev.conll', n: number): string {
  const text = readFileSync(join('tests/fixtures/data/wnut17', file), 'utf8');
  const blocks = text.split(/\r?\n[ \t]*\r?\n/).filter((b) => b.trim() !== '');
  return `${blocks.slice(0, n).join('\n\n')}\n`;
}

/** Writes a slice into `dir` and returns its path. */
export function writeSlice(
  dir: string,
  name: string,
  file: 'wnut17train.conll' | 'emerging.dev.conll',
  n: number,
): string {
  const path = join(dir, name);
  writeFileSync(path, wnutSlice(file, n));
  return path;
}

/** A tiny BERT from scratch, trained hard enough on a small slice to predict entities. */
export const NER_TRAIN_FLAGS = [
  '--hidden_size',
  '32',
  '--num_hidden_layers',
  '1',
  '--num_attention_heads',
  '2',
  '--intermediate_size',
  '64',
  '--max_length',
  '48',
  '--learning_rate',
  '1e-2',
  '--per_device_train_batch_size',
  '16',
  '--logging_steps',
  '40',
  '--save_strategy',
  'no',
];

/** `studio train` on the first 120 training sentences (20% held out); the run's output. */
export async function trainNerCli(dir: string, extra: string[] = []) {
  const train = writeSlice(dir, 'train.conll', 'wnut17train.conll', 120);
  const outDir = join(dir, 'out');
  const r = await runCli([
    'train',
    '--train_file',
    train,
    '--validation_split',
    '0.2',
    '--output_dir',
    outDir,
    ...NER_TRAIN_FLAGS,
    '--max_steps',
    '80',
    ...extra,
  ]);
  return { ...r, train, outDir };
}
