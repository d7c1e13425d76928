import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/runCli';

const TINY = ['--hidden_size', '16', '--num_hidden_layers', '1', '--num_attention_heads', '2'];
const TINY2 = ['--intermediate_size', '32', '--max_steps', '1', '--logging_steps', '1'];

describe('studio train: data flags and the data report', () => {
  it('reads a no-header TSV with --no_header --delimiter tab and prints the report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-cli-data-'));
    const r = await runCli([
      'train',
      '--train_file',
      'tests/fixtures/data/SMSSpamCollection-300.tsv',
      '--no_header',
      '--delimiter',
      'tab',
      '--text_column',
      'column_2',
      '--label_column',
      'column_1',
      '--max_length',
      '24',
      '--output_dir',
      dir,
      ...TINY,
      ...TINY2,
    ]);
    expect(r.err).not.toMatch(/error:/);
    expect(r.code).toBe(0);
    const rows = readFileSync('tests/fixtures/data/SMSSpamCollection-300.tsv', 'utf8')
      .split('\n')
      .filter(Boolean).length;
    expect(r.err).toMatch(
      new RegExp(`: ${rows} rows, columns \\[column_1, column_2\\].*no header`),
    );
    expect(r.err).toMatch(
      new RegExp(`data report: rows read ${rows}, rows used ${rows}, 2 columns`),
    );
    expect(r.err).toMatch(/task: single_label_classification/);
    expect(r.err).toMatch(/% of rows truncated at max_length 24/);
    expect(r.err).toMatch(/train \d+ rows, validation \d+ rows/);
  }, 120_000);

  it('rejects a bad --delimiter', async () => {
    const r = await runCli([
      'train',
      '--train_file',
      'tests/fixtures/data/SMSSpamCollection-300.tsv',
      '--delimiter',
      'ab',
      '--output_dir',
      mkdtempSync(join(tmpdir(), 'studio-cli-data-')),
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--delimiter must be one character or "tab"/);
  });

  it('names a missing or non-file --train_file', async () => {
    const out = mkdtempSync(join(tmpdir(), 'studio-cli-data-'));
    const missing = await runCli(['train', '--train_file', 'no/such.csv', '--output_dir', out]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/--train_file no\/such\.csv does not exist\./);
    const folder = await runCli(['train', '--train_file', 'tests/fixtures', '--output_dir', out]);
    expect(folder.code).toBe(1);
    expect(folder.err).toMatch(/--train_file tests\/fixtures is not a file\./);
  });

  it('trains a WordPiece tokenizer with --train_tokenizer_vocab_size and saves it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-cli-data-'));
    const r = await runCli([
      'train',
      '--train_file',
      'tests/fixtures/data/sst2-train-300.tsv',
      '--train_tokenizer_vocab_size',
      '300',
      '--max_length',
      '24',
      '--output_dir',
      dir,
      ...TINY,
      ...TINY2,
    ]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/trained a WordPiece tokenizer on "sentence": 300 tokens/);
    const tok = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')) as {
      model: { vocab: Record<string, number> };
    };
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as {
      vocab_size: number;
    };
    expect(Object.keys(tok.model.vocab)).toHaveLength(300);
    expect(config.vocab_size).toBe(300);
  }, 120_000);
});
