/**
 * Deploy what you trained: the ONNX files of an export run in transformers.js (Node,
 * onnxruntime-node, local files only) and give the studio's probabilities — fp32 within 1e-4,
 * q8 within 0.02 with the same top label on at least 98 % of the rows — on real rows, for a
 * model trained from scratch (the page's zip), one fine-tuned from a transformers checkpoint
 * (the CLI's output_dir), a text-pair model, multi-label (sigmoid) and regression (which the
 * pipeline cannot express: it applies softmax to the one logit).
 *
 * transformers.js 4.3 cuts a text longer than model_max_length after adding [CLS]/[SEP], so a
 * cut row ends without [SEP] there, where transformers and the studio keep it: the comparisons
 * are on rows that fit, and one test shows what a cut row gives.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AutoModelForSequenceClassification,
  AutoTokenizer,
  env,
  pipeline,
  type Tensor,
} from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/core/backend';
import { softmax } from '../../src/core/train/metrics';
import { predictLogits } from '../../src/core/train/evaluate';
import { encodeDataset } from '../../src/core/tokenize/encode';
import {
  compareProbs,
  csvBytes,
  scoresByLabel,
  smsRows,
  spread,
  sst2Rows,
  trainedSession,
  unpackZip,
} from './helpers/onnxDeploy';
import { FIT_FLAGS, smallSmsCsv } from './helpers/cliFixtures';
import { runCli } from './helpers/runCli';
import { studioPredictions } from './helpers/studioPredict';

const tmp = mkdtempSync(join(tmpdir(), 'studio-onnx-'));

type Scores = { label: string; score: number }[];
type Classify = (texts: string[], o: { top_k: null }) => Promise<Scores[]>;

/** transformers.js's probabilities of `texts` with the folder `name` under `tmp`, in `labels` order. */
async function pipelineProbs(
  name: string,
  dtype: 'fp32' | 'q8',
  texts: string[],
  labels: string[],
): Promise<number[][]> {
  const classify = (await pipeline('text-classification', name, { dtype })) as unknown as Classify;
  const out = await classify(texts, { top_k: null });
  return out.map((r) => scoresByLabel(r, labels));
}

function expectClose(studio: number[][], fp32: number[][], q8: number[][], what: string): void {
  expect(spread(studio), `${what}: probabilities vary over rows`).toBeGreaterThan(0.05);
  const f = compareProbs(studio, fp32);
  const q = compareProbs(studio, q8);
  console.info(
    `onnx ${what} (${studio.length} rows): fp32 max diff ${f.maxDiff.toExponential(2)}, ` +
      `q8 max diff ${q.maxDiff.toExponential(2)}, q8 top label ${(q.agree * 100).toFixed(1)} %`,
  );
  expect(f.maxDiff, what).toBeLessThanOrEqual(1e-4);
  expect(f.agree).toBe(1);
  expect(q.maxDiff, what).toBeLessThanOrEqual(0.02);
  expect(q.agree, what).toBeGreaterThanOrEqual(0.98);
}

describe('ONNX export in transformers.js', () => {
  beforeAll(async () => {
    // The studio's wasm kernels: training the 30,522-row embeddings is ~30x slower on cpu.
    await selectBackend('wasm');
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = tmp;
  });

  it('a model trained from scratch (the page zip): pipeline fp32 and q8 give its probabilities', async () => {
    const rows = smsRows();
    const s = await trainedSession(
      csvBytes(
        ['label', 'text'],
        rows.slice(0, 200).map(([l, t]) => [l, t]),
      ),
      { text: 'text', label: 'label' },
    );
    unpackZip(await s.exportZip(), join(tmp, 'scratch'));
    const texts = rows.slice(200).map(([, t]) => t);
    const studio = await s.predict(texts);
    const fits = studio.map((p, i) => (p.truncation ? -1 : i)).filter((i) => i >= 0);
    expect(fits.length).toBeGreaterThanOrEqual(90);
    const labels = studio[0].labels;
    const fp32 = await pipelineProbs('scratch', 'fp32', texts, labels);
    const q8 = await pipelineProbs('scratch', 'q8', texts, labels);
    const pick = (r: number[][]) => fits.map((i) => r[i]);
    expectClose(pick(studio.map((p) => p.probs)), pick(fp32), pick(q8), 'from scratch');
    s.model?.dispose();
  }, 120_000);

  it('a text cut at model_max_length loses its [SEP] in transformers.js (the studio keeps it)', async () => {
    const words = smsRows()
      .slice(0, 20)
      .map(([, t]) => t)
      .join(' ');
    const tok = await AutoTokenizer.from_pretrained('scratch');
    const enc = tok(words, { truncation: true }) as { input_ids: Tensor };
    const ids = Array.from(enc.input_ids.data as BigInt64Array, Number);
    const sep = tok.sep_token_id as number;
    const maxLength = tok.model_max_length;
    expect(ids).toHaveLength(maxLength);
    expect(ids.at(-1)).not.toBe(sep);
    const cfg = JSON.parse(readFileSync(join(tmp, 'scratch/tokenizer_config.json'), 'utf8')) as {
      model_max_length: number;
    };
    expect(cfg.model_max_length).toBe(maxLength);
  });

  it('a model fine-tuned from a transformers checkpoint (the CLI output_dir)', async () => {
    const dir = join(tmp, 'finetuned');
    const train = await runCli([
      'train',
      '--model_name_or_path',
      'tests/fixtures/bert-pos40',
      '--train_file',
      smallSmsCsv(tmp, 200),
      '--output_dir',
      dir,
      '--max_length',
      '40',
      '--max_steps',
      '80',
      ...FIT_FLAGS,
    ]);
    expect(train.code, train.err).toBe(0);
    const texts = smsRows()
      .slice(200)
      .map(([, t]) => t);
    const { labels, rows } = await studioPredictions(dir, tmp, texts);
    const fits = rows.map((r, i) => (r.truncated ? -1 : i)).filter((i) => i >= 0);
    // bert-pos40's tokenizer has 120 tokens, so SMS rows are long in it: half fit in 40.
    expect(fits.length).toBeGreaterThanOrEqual(40);
    const studio = rows.map((r) => r.probs);
    const fp32 = await pipelineProbs('finetuned', 'fp32', texts, labels);
    const q8 = await pipelineProbs('finetuned', 'q8', texts, labels);
    const pick = (r: number[][]) => fits.map((i) => r[i]);
    expectClose(pick(studio), pick(fp32), pick(q8), 'fine-tuned');
  }, 120_000);

  it('a text-pair model: AutoTokenizer(text, { text_pair }) + AutoModelForSequenceClassification', async () => {
    // SMS rows, each with the start of the next one as its second text (spam or not is the
    // first's); short enough that spam rows, the long ones, fit too.
    const rows = smsRows();
    const next = (i: number) => rows[(i + 1) % rows.length][1].split(' ').slice(0, 6).join(' ');
    const pairs = rows.map(([l, t], i): string[] => [l, t, next(i)]);
    const s = await trainedSession(
      csvBytes(['label', 'text', 'next'], pairs.slice(0, 200)),
      {
        text: 'text',
        label: 'label',
        textPair: 'next',
      },
      { max_steps: 80 },
    );
    unpackZip(await s.exportZip(), join(tmp, 'pairs'));
    const tok = s.tokenizer!;
    const maxLength = 48;
    // Pairs that fit: transformers.js cuts a pair's tail rather than HF's longest_first.
    const test = pairs
      .slice(200)
      .filter(([, a, b]) => tok.encode(a, b).ids.length <= maxLength)
      .slice(0, 100);
    expect(test.length).toBeGreaterThanOrEqual(50);
    const texts = test.map((r) => r[1]);
    const seconds = test.map((r) => r[2]);
    const ds = {
      encoded: encodeDataset(tok, texts, seconds, maxLength),
      labels: new Int32Array(texts.length),
      labelWidth: 1,
      size: texts.length,
    };
    const { logits } = await predictLogits(
      s.model!,
      ds,
      32,
      { padding: 'longest', maxLength, padId: tok.padId },
      'single_label_classification',
    );
    const n = s.model!.config.num_labels;
    const studio = rowsOf(softmax(logits, n), n);
    const jsTok = await AutoTokenizer.from_pretrained('pairs');
    const probs = async (dtype: 'fp32' | 'q8') => {
      const model = await AutoModelForSequenceClassification.from_pretrained('pairs', { dtype });
      const inputs = jsTok(texts, { text_pair: seconds, padding: true, truncation: true });
      const out = (await model(inputs)) as { logits: Tensor };
      return rowsOf(softmax(out.logits.data as Float32Array, n), n);
    };
    expectClose(studio, await probs('fp32'), await probs('q8'), 'text pairs');
    s.model?.dispose();
  }, 120_000);

  it('multi-label: config.json says multi_label_classification and the pipeline applies sigmoid', async () => {
    const rows = sst2Rows().map(([l, t]): string[] => {
      const labels = [l === '1' ? 'positive' : 'negative'];
      if (t.split(' ').length > 10) labels.push('long');
      return [labels.join(';'), t];
    });
    const s = await trainedSession(csvBytes(['label', 'text'], rows.slice(0, 200)), {
      text: 'text',
      label: 'label',
    });
    expect(s.model!.config.problem_type).toBe('multi_label_classification');
    unpackZip(await s.exportZip(), join(tmp, 'multilabel'));
    const config = JSON.parse(readFileSync(join(tmp, 'multilabel/config.json'), 'utf8')) as {
      problem_type: string;
    };
    expect(config.problem_type).toBe('multi_label_classification');
    const texts = rows.slice(200, 300).map((r) => r[1]);
    const studio = await s.predict(texts);
    const labels = studio[0].labels;
    const fits = studio.map((p, i) => (p.truncation ? -1 : i)).filter((i) => i >= 0);
    const pick = (r: number[][]) => fits.map((i) => r[i]);
    const fp32 = await pipelineProbs('multilabel', 'fp32', texts, labels);
    const q8 = await pipelineProbs('multilabel', 'q8', texts, labels);
    // Sigmoid scores: a row's scores need not sum to 1.
    expect(Math.max(...fp32.map((r) => Math.abs(r.reduce((a, b) => a + b) - 1)))).toBeGreaterThan(
      0.1,
    );
    expectClose(pick(studio.map((p) => p.probs)), pick(fp32), pick(q8), 'multi-label');
    s.model?.dispose();
  }, 120_000);

  it('regression: the pipeline softmaxes the one logit to 1; the model gives the studio value', async () => {
    const rows = sst2Rows().map(([, t]): string[] => [(t.split(' ').length / 10).toFixed(2), t]);
    const s = await trainedSession(csvBytes(['label', 'text'], rows.slice(0, 200)), {
      text: 'text',
      label: 'label',
    });
    expect(s.model!.config.problem_type).toBe('regression');
    unpackZip(await s.exportZip(), join(tmp, 'regression'));
    const texts = rows
      .slice(200, 300)
      .map((r) => r[1])
      .filter((t) => s.tokenizer!.encode(t).ids.length <= 48);
    const studio = (await s.predict(texts)).map((p) => p.probs[0]);
    const classify = (await pipeline('text-classification', 'regression', {
      dtype: 'fp32',
    })) as unknown as Classify;
    const piped = await classify(texts, { top_k: null });
    expect(piped.every((r) => r.length === 1 && r[0].score === 1)).toBe(true);
    const tok = await AutoTokenizer.from_pretrained('regression');
    const model = await AutoModelForSequenceClassification.from_pretrained('regression', {
      dtype: 'fp32',
    });
    const out = (await model(tok(texts, { padding: true, truncation: true }))) as {
      logits: Tensor;
    };
    const values = Array.from(out.logits.data as Float32Array);
    expect(Math.max(...studio) - Math.min(...studio)).toBeGreaterThan(0.05);
    expect(Math.max(...values.map((v, i) => Math.abs(v - studio[i])))).toBeLessThanOrEqual(1e-4);
    s.model?.dispose();
  }, 120_000);
});

function rowsOf(flat: Float32Array, width: number): number[][] {
  return Array.from({ length: flat.length / width }, (_, i) =>
    Array.from(flat.subarray(i * width, (i + 1) * width)),
  );
}
