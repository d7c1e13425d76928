/**
 * Each family's token-classification export in transformers.js (Node, local files only): the
 * fixture checkpoint as `<Family>ForTokenClassification` (tokenExport.ts), exported by the
 * studio, then `pipeline("token-classification")` on its folder with `ignore_labels: []` gives,
 * for every non-special token, the tag and the score of the studio's logits: fp32 within 1e-4,
 * q8 the same tag on nearly every token; `aggregation_strategy: "simple"` groups them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env, pipeline } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/core/backend';
import { fixtureModelTypes } from './helpers/familyExport';
import {
  TOKEN_EXPORT_MAX_LENGTH,
  WNUT_TAGS,
  softmax,
  studioTokenLogits,
  tokenExportFolder,
  tokenExportTexts,
} from './helpers/tokenExport';

const tmp = mkdtempSync(join(tmpdir(), 'studio-token-tjs-'));

interface TokenResult {
  entity: string;
  score: number;
  index: number;
  word: string;
}
type Tag = (text: string, o: Record<string, unknown>) => Promise<TokenResult[]>;

describe("each family's token-classification export in transformers.js", () => {
  beforeAll(async () => {
    await selectBackend('wasm');
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = tmp;
  });

  it.each(['bert', ...fixtureModelTypes()])(
    '%s: pipeline fp32 and q8 give the studio tags and scores on every token',
    async (modelType) => {
      const dir = await tokenExportFolder(modelType, tmp);
      const all = tokenExportTexts(modelType);
      const { ids: allIds } = await studioTokenLogits(dir, all);
      // transformers.js cuts a text at the tokenizer's model_max_length, which the fixtures'
      // tokenizer files may not set: the texts that fit the studio's max_length.
      const texts = all.filter((_, i) => allIds[i].length < TOKEN_EXPORT_MAX_LENGTH);
      expect(texts.length).toBeGreaterThanOrEqual(3);
      const { ids, logits } = await studioTokenLogits(dir, texts);
      for (const dtype of ['fp32', 'q8'] as const) {
        const tag = (await pipeline('token-classification', `${modelType}-token`, {
          dtype,
        })) as unknown as Tag;
        let tokens = 0;
        let same = 0;
        let maxDiff = 0;
        const tagsSeen = new Set<string>();
        for (const [i, text] of texts.entries()) {
          const out = await tag(text, { ignore_labels: [] });
          // every non-special token, once
          expect(out.length, text).toBeGreaterThan(0);
          expect(out.length, text).toBeLessThanOrEqual(ids[i].length - 1);
          for (const r of out) {
            const probs = softmax(logits[i][r.index]);
            const top = probs.indexOf(Math.max(...probs));
            tokens++;
            tagsSeen.add(WNUT_TAGS[top]);
            if (r.entity === WNUT_TAGS[top]) same++;
            maxDiff = Math.max(maxDiff, Math.abs(r.score - probs[WNUT_TAGS.indexOf(r.entity)]));
          }
        }
        console.info(
          `${modelType} ${dtype} (${tokens} tokens): max score diff ${maxDiff.toExponential(2)}, ` +
            `same tag ${((100 * same) / tokens).toFixed(1)} %`,
        );
        expect(tagsSeen.size, 'the tags vary over tokens').toBeGreaterThan(2);
        if (dtype === 'fp32') {
          expect(maxDiff).toBeLessThanOrEqual(1e-4);
          expect(same).toBe(tokens);
        } else {
          expect(same / tokens).toBeGreaterThanOrEqual(0.9);
        }
        const grouped = (await tag(texts[0], { aggregation_strategy: 'simple' })) as unknown as {
          entity_group: string;
          score: number;
        }[];
        expect(Array.isArray(grouped)).toBe(true);
        for (const g of grouped)
          expect(WNUT_TAGS.some((t) => t.endsWith(g.entity_group))).toBe(true);
      }
    },
    120_000,
  );
});
