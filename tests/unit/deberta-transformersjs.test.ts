/**
 * DeBERTa-v2's ONNX export in transformers.js (Node, onnxruntime-node, local files only): the
 * fixture checkpoint (tests/fixtures/auto/deberta-v2) fine-tuned a few steps through the CLI, its
 * output_dir read by `pipeline("text-classification")`, gives `studio predict`'s probabilities:
 * fp32 within 1e-4, q8 with the same top label, on SMS rows that fit max_length (transformers.js
 * cuts longer rows differently, see onnx-transformersjs.test.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env, pipeline } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/core/backend';
import { compareProbs, scoresByLabel, smsRows, spread } from './helpers/onnxDeploy';
import { smallSmsCsv } from './helpers/cliFixtures';
import { runCli } from './helpers/runCli';
import { studioPredictions } from './helpers/studioPredict';

const tmp = mkdtempSync(join(tmpdir(), 'studio-deberta-js-'));

type Scores = { label: string; score: number }[];
type Classify = (texts: string[], o: { top_k: null }) => Promise<Scores[]>;

describe('DeBERTa-v2 ONNX export in transformers.js', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = tmp;
  });

  it('pipeline fp32 gives studio predict within 1e-4 and q8 the same top label', async () => {
    const dir = join(tmp, 'deberta');
    const train = await runCli([
      'train',
      '--model_name_or_path',
      'tests/fixtures/auto/deberta-v2/checkpoint',
      '--train_file',
      smallSmsCsv(tmp, 200),
      '--output_dir',
      dir,
      '--max_length',
      '48',
      '--max_steps',
      '40',
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
    ]);
    expect(train.code, train.err).toBe(0);
    const texts = smsRows()
      .slice(200)
      .map(([, t]) => t);
    const { labels, rows } = await studioPredictions(dir, tmp, texts);
    const fits = rows.map((r, i) => (r.truncated ? -1 : i)).filter((i) => i >= 0);
    expect(fits.length).toBeGreaterThanOrEqual(40);
    const pick = (r: number[][]) => fits.map((i) => r[i]);
    const studio = pick(rows.map((r) => r.probs));
    const probs = async (dtype: 'fp32' | 'q8') => {
      const classify = (await pipeline('text-classification', 'deberta', {
        dtype,
      })) as unknown as Classify;
      const out = await classify(texts, { top_k: null });
      return pick(out.map((r) => scoresByLabel(r, labels)));
    };
    const fp32 = compareProbs(studio, await probs('fp32'));
    const q8 = compareProbs(studio, await probs('q8'));
    console.info(
      `deberta-v2 in transformers.js (${studio.length} rows): fp32 max diff ` +
        `${fp32.maxDiff.toExponential(2)}, q8 max diff ${q8.maxDiff.toExponential(2)}, ` +
        `q8 top label ${(q8.agree * 100).toFixed(1)} %`,
    );
    expect(spread(studio), 'probabilities vary over rows').toBeGreaterThan(0.05);
    expect(fp32.maxDiff).toBeLessThanOrEqual(1e-4);
    expect(fp32.agree).toBe(1);
    expect(q8.agree).toBe(1);
  }, 180_000);
});
