/**
 * `studio train` output folders record the max_length trained with (tokenizer_config.json's
 * model_max_length, also when the tokenizer files are copied from a folder), `studio predict`
 * cuts there and says so, and --model_name_or_path lowers a longer max_length with a notice.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TINY_MODEL_FLAGS, smallSmsCsv } from './helpers/cliFixtures';
import { runCli } from './helpers/runCli';

const POS40 = resolve('tests/fixtures/bert-pos40');
const RUN = ['--max_steps', '2', '--save_strategy', 'no', '--num_replicas', '1'];
const readJson = (dir: string, f: string) =>
  JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
const long = Array.from({ length: 150 }, () => 'free prize call now').join(' ');

/** A CSV of `texts` in `dir` (with a label column: the table reader wants two columns). */
function textsCsv(dir: string, texts: string[]): string {
  const path = join(dir, 'texts.csv');
  writeFileSync(path, `text,label\n${texts.map((t) => `"${t}",ham`).join('\n')}\n`);
  return path;
}

describe('studio train / predict: the trained max_length travels with the folder', () => {
  afterEach(() => vi.restoreAllMocks());

  it('rewrites the copied tokenizer_config.json, and predict marks the texts it cut', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-cli-export-'));
    const out = join(dir, 'out');
    const r = await runCli([
      'train',
      '--train_file',
      smallSmsCsv(dir, 40),
      '--output_dir',
      out,
      ...TINY_MODEL_FLAGS, // max_length 24, the bundled bert-base-uncased tokenizer
      ...RUN,
    ]);
    expect(r.code, r.err).toBe(0);
    const bundled = readJson('public/tokenizers/bert-base-uncased', 'tokenizer_config.json');
    expect(bundled.model_max_length).toBe(512);
    // The bundled file names no tokenizer_class; the export names transformers' BertTokenizer.
    expect(readJson(out, 'tokenizer_config.json')).toEqual({
      ...bundled,
      model_max_length: 24,
      tokenizer_class: 'BertTokenizer',
    });
    expect(readFileSync(join(out, 'vocab.txt'), 'utf8')).toBe(
      readFileSync('public/tokenizers/bert-base-uncased/vocab.txt', 'utf8'),
    );
    expect(readJson(out, 'config.json')).toMatchObject({
      max_position_embeddings: 24,
      transformers_version: '5.18.0',
    });

    const preds = join(dir, 'preds.jsonl');
    const pr = await runCli([
      'predict',
      '--model_dir',
      out,
      '--input_file',
      textsCsv(dir, ['call me', long]),
      '--output_file',
      preds,
    ]);
    expect(pr.code, pr.err).toBe(0);
    const rows = readFileSync(preds, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { truncated: boolean });
    expect(rows.map((x) => x.truncated)).toEqual([false, true]);
    expect(pr.err).toMatch(/notice: 1 of 2 texts were cut to the model's 24 tokens/);
  });

  it('lowers max_length to the checkpoint positions with a notice, and predict cuts at the trained 32, not 40', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-cli-export-'));
    const csv = smallSmsCsv(dir, 40);
    const lowered = join(dir, 'lowered');
    const common = ['train', '--train_file', csv, '--model_name_or_path', POS40, ...RUN];
    const a = await runCli([...common, '--output_dir', lowered]); // default max_length 64
    expect(a.code, a.err).toBe(0);
    expect(a.err).toMatch(
      /notice: max_length lowered from 64 to 40: the checkpoint's max_position_embeddings/,
    );
    expect(readJson(lowered, 'tokenizer_config.json').model_max_length).toBe(40);
    const card = readFileSync(join(lowered, 'README.md'), 'utf8');
    expect(card).toMatch(/fine-tuned version of `bert-pos40`/);
    expect(card).not.toMatch(/base_model/);
    expect(card).not.toContain(POS40);

    const at32 = join(dir, 'at32');
    const b = await runCli([...common, '--max_length', '32', '--output_dir', at32]);
    expect(b.code, b.err).toBe(0);
    expect(b.err).not.toMatch(/lowered/);
    expect(readJson(at32, 'tokenizer_config.json')).toEqual({
      ...readJson(POS40, 'tokenizer_config.json'),
      model_max_length: 32,
      name_or_path: 'bert-pos40', // the folder's name, not its path
    });
    // 32 < tokens <= 40: cut by the trained max_length only.
    const mid = Array.from({ length: 36 }, () => 'a').join(' ');
    const preds = join(dir, 'preds.jsonl');
    const pr = await runCli([
      'predict',
      '--model_dir',
      at32,
      '--input_file',
      textsCsv(dir, [mid]),
      '--output_file',
      preds,
    ]);
    expect(pr.code, pr.err).toBe(0);
    expect(JSON.parse(readFileSync(preds, 'utf8')).truncated).toBe(true);
    expect(pr.err).toMatch(/cut to the model's 32 tokens/);
  });
});
