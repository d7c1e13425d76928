/**
 * Exported folders work in Python transformers unchanged: trains tiny models with the CLI (from
 * scratch on the bundled tokenizer, fine-tuned from the bert-pos40 checkpoint, and from scratch
 * on a WordPiece and a byte-level BPE tokenizer trained by the studio), predicts with `studio
 * predict`, and runs tests/python/interop.py on the folders: pipeline(truncation=True) and
 * AutoModelForSequenceClassification must give the same probabilities within 1e-4 (a 600-word
 * text among the inputs), TrainingArguments(**training_args.json) must load, and AutoTokenizer
 * must give the studio's ids. Skipped, saying why, where python3 cannot import torch and
 * transformers (`pip install "torch<2.14" transformers`); under CI that fails instead.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fastTokenizer } from '../../src/core/tokenize/fastWordPiece';
import { loadTokenizerFromDir } from '../../src/core/tokenize/tokenizerNode';
import { FIT_FLAGS, smallSmsCsv } from '../unit/helpers/cliFixtures';
import { requirePython } from '../unit/helpers/python';
import { runCli } from '../unit/helpers/runCli';
import { studioPredictions } from '../unit/helpers/studioPredict';

const python = requirePython('python-interop', ['torch', 'transformers']);

const TINY = [
  '--hidden_size',
  '32',
  '--num_hidden_layers',
  '1',
  '--num_attention_heads',
  '2',
  '--intermediate_size',
  '64',
];
/** Enough steps at a high rate that the probabilities depend on the text (not only the bias). */
const RUN = ['--max_steps', '20', ...FIT_FLAGS];
const MAX_LENGTH = 32;

/** Texts to compare on: unseen SMS rows, a 600-word text, a long headline, accents and emoji. */
function interopTexts(): string[] {
  const sms = readFileSync('tests/fixtures/data/SMSSpamCollection-300.tsv', 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(200, 206)
    .map((l) => l.split('\t')[1]);
  const words = sms.join(' ').split(/\s+/);
  return [
    ...sms,
    Array.from({ length: 600 }, (_, i) => words[i % words.length]).join(' '),
    'Markets rally as the central bank holds rates steady; analysts expect two cuts before ' +
      'the end of the year, while oil prices slip on weaker demand from China and Europe, ' +
      'and the dollar weakens against the yen and the euro in early trading on Tuesday',
    'Café naïve £100 prize!!! Call 0800-123 now 😀 日本 résumé',
    'ok',
  ];
}

/** `studio predict` probabilities of `texts` with the folder `dir`, in the model's label order. */
async function studioProbs(dir: string, tmp: string, texts: string[]): Promise<number[][]> {
  return (await studioPredictions(dir, tmp, texts)).rows.map((r) => r.probs);
}

/** The studio's ids of `texts` with the tokenizer in `dir`, cut at its model_max_length. */
async function studioIds(dir: string, texts: string[]): Promise<number[][]> {
  const tok = fastTokenizer(await loadTokenizerFromDir(dir));
  return texts.map((t) => tok.encode(t, undefined, tok.modelMaxLength).ids);
}

interface Check {
  name: string;
  ok: boolean;
  detail?: string;
  max_diff?: number;
}

describe.skipIf(!python)('Python interop: exported folders in transformers', () => {
  it('pipeline and AutoModel match studio predict, TrainingArguments and AutoTokenizer load', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'studio-interop-'));
    const csv = smallSmsCsv(tmp, 120);
    const train = async (name: string, flags: string[]) => {
      const dir = join(tmp, name);
      const r = await runCli(['train', '--train_file', csv, '--output_dir', dir, ...RUN, ...flags]);
      expect(r.code, r.err).toBe(0);
      return dir;
    };
    const length = ['--max_length', String(MAX_LENGTH)];
    const scratch = await train('scratch', [...TINY, ...length]);
    const finetuned = await train('finetuned', [
      '--model_name_or_path',
      'tests/fixtures/bert-pos40',
      ...length,
    ]);
    const wordpiece = await train('wordpiece', [
      ...TINY,
      ...length,
      '--train_tokenizer_vocab_size',
      '300',
    ]);
    const bpe = await train('bpe', [
      ...TINY,
      ...length,
      '--train_tokenizer_vocab_size',
      '400',
      '--train_tokenizer_model',
      'bpe',
    ]);

    const texts = interopTexts();
    const models = [];
    for (const [name, dir] of Object.entries({ scratch, finetuned, wordpiece, bpe })) {
      models.push({ name, dir, max_length: MAX_LENGTH, probs: await studioProbs(dir, tmp, texts) });
    }
    // The comparison means something only where the probabilities differ between texts.
    for (const m of models) {
      const p = m.probs.map((r) => r[0]);
      expect(Math.max(...p) - Math.min(...p), m.name).toBeGreaterThan(1e-3);
    }
    const tokenizers = [];
    for (const [name, dir] of Object.entries({ wordpiece, bpe, 'bert-base-uncased': scratch })) {
      tokenizers.push({ name, dir, ids: await studioIds(dir, texts) });
    }
    const manifest = join(tmp, 'manifest.json');
    const reportPath = join(tmp, 'report.json');
    writeFileSync(manifest, JSON.stringify({ texts, models, tokenizers }));
    const run = await promisify(execFile)(
      'python3',
      ['tests/python/interop.py', manifest, reportPath],
      { encoding: 'utf8', timeout: 120_000 },
    ).catch((e: { stdout?: string; stderr?: string }) => e);
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as {
      transformers: string;
      max_prob_diff: number;
      checks: Check[];
    };
    console.info(
      `python-interop (transformers ${report.transformers}): max probability difference ` +
        `studio vs Python ${report.max_prob_diff.toExponential(2)}\n${run.stdout ?? ''}`,
    );
    const failed = report.checks.filter((c) => !c.ok);
    expect(failed, `${run.stderr ?? ''}`).toEqual([]);
    expect(report.checks.length).toBe(models.length * 5 + tokenizers.length);
    expect(report.max_prob_diff).toBeLessThanOrEqual(1e-4);
  }, 240_000);
});
