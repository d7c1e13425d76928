/**
 * A ModernBERT fine-tuned with the CLI from the fixture checkpoint (tests/fixtures/auto/modernbert,
 * its byte-level BPE tokenizer) runs in transformers.js's text-classification pipeline (Node,
 * onnxruntime-node, local files only): the ONNX files give `studio predict`'s probabilities, fp32
 * within 1e-4 and q8 with the same top label, on the SMS rows that fit max_length
 * (transformers.js cuts longer rows differently, see onnx-transformersjs.test.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env, pipeline } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/core/backend';
import { smallSmsCsv } from './helpers/cliFixtures';
import { compareProbs, scoresByLabel, smsRows, spread } from './helpers/onnxDeploy';
import { runCli } from './helpers/runCli';
import { studioPredictions } from './helpers/studioPredict';

const tmp = mkdtempSync(join(tmpdir(), 'studio-modernbert-js-'));
type Classify = (
  texts: string[],
  o: { top_k: null },
) => Promise<{ label: string; score: number }[][]>;

describe('ModernBERT ONNX export in transformers.js', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = tmp;
  });

  it('gives studio predict: fp32 within 1e-4, q8 the same top label', async () => {
    const dir = join(tmp, 'modernbert');
    const train = await runCli([
      'train',
      '--model_name_or_path',
      'tests/fixtures/auto/modernbert/checkpoint',
      '--train_file',
      smallSmsCsv(tmp, 200),
      '--output_dir',
      dir,
      '--max_length',
      '48',
      '--max_steps',
      '40',
      '--learning_rate',
      '5e-3',
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
    expect(fits.length).toBeGreaterThanOrEqual(20);
    const pick = (r: number[][]) => fits.map((i) => r[i]);
    const studio = pick(rows.map((r) => r.probs));
    expect(spread(studio), 'probabilities vary over rows').toBeGreaterThan(0.05);
    const probs = async (dtype: 'fp32' | 'q8') => {
      const classify = (await pipeline('text-classification', 'modernbert', {
        dtype,
      })) as unknown as Classify;
      const out = await classify(texts, { top_k: null });
      return pick(out.map((r) => scoresByLabel(r, labels)));
    };
    const fp32 = compareProbs(studio, await probs('fp32'));
    const q8 = compareProbs(studio, await probs('q8'));
    console.info(
      `ModernBERT in transformers.js (${studio.length} rows): fp32 max diff ` +
        `${fp32.maxDiff.toExponential(2)}, q8 max diff ${q8.maxDiff.toExponential(2)}, ` +
        `q8 top label ${(q8.agree * 100).toFixed(1)} %`,
    );
    expect(fp32.maxDiff).toBeLessThanOrEqual(1e-4);
    expect(fp32.agree).toBe(1);
    expect(q8.agree).toBe(1);
  }, 180_000);
});
