/**
 * Each family's ONNX export in transformers.js (RoBERTa, XLM-RoBERTa, DistilBERT, ELECTRA,
 * DeBERTa-v2; Node, local files only): each fixture checkpoint fine-tuned a few steps through the
 * CLI, then `pipeline("text-classification")` on its folder gives `studio predict`'s
 * probabilities, fp32 within 1e-4 and q8 with the same top label, on the texts that fit
 * max_length (transformers.js cuts a longer text after adding its special tokens;
 * onnx-transformersjs.test.ts shows that).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env, pipeline } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/core/backend';
import { exportTexts, fineTunedFixture, fixtureModelTypes } from './helpers/familyExport';
import { compareProbs, scoresByLabel, spread } from './helpers/onnxDeploy';
import { studioPredictions } from './helpers/studioPredict';

const tmp = mkdtempSync(join(tmpdir(), 'studio-roberta-tjs-'));

type Classify = (
  texts: string[],
  o: { top_k: null },
) => Promise<{ label: string; score: number }[][]>;

describe("each family's ONNX export in transformers.js", () => {
  beforeAll(async () => {
    await selectBackend('wasm');
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = tmp;
  });

  it.each(fixtureModelTypes())(
    '%s: pipeline fp32 and q8 give the studio probabilities',
    async (modelType) => {
      const dir = await fineTunedFixture(modelType, tmp);
      const texts = exportTexts(modelType);
      const { labels, rows } = await studioPredictions(dir, tmp, texts);
      const fits = rows.map((r, i) => (r.truncated ? -1 : i)).filter((i) => i >= 0);
      // a 500-token vocabulary makes long texts: about half of them fit in 48
      expect(fits.length).toBeGreaterThanOrEqual(15);
      const pick = (r: number[][]) => fits.map((i) => r[i]);
      const studio = pick(rows.map((r) => r.probs));
      expect(spread(studio), 'probabilities vary over rows').toBeGreaterThan(1e-3);
      for (const dtype of ['fp32', 'q8'] as const) {
        const classify = (await pipeline('text-classification', modelType, {
          dtype,
        })) as unknown as Classify;
        const out = await classify(texts, { top_k: null });
        const c = compareProbs(studio, pick(out.map((r) => scoresByLabel(r, labels))));
        console.info(
          `${modelType} ${dtype} (${studio.length} rows): max diff ${c.maxDiff.toExponential(2)}, ` +
            `top label ${(c.agree * 100).toFixed(1)} %`,
        );
        if (dtype === 'fp32') expect(c.maxDiff).toBeLessThanOrEqual(1e-4);
        expect(c.agree).toBe(1);
      }
    },
    120_000,
  );
});
