/**
 * Each family's exports in Python (RoBERTa, XLM-RoBERTa, DistilBERT, ELECTRA,
 * DeBERTa-v2, ModernBERT): each
 * fixture checkpoint fine-tuned a few steps through the CLI, then tests/python/interop.py on the
 * folder (AutoModelForSequenceClassification and `pipeline("text-classification",
 * truncation=True)` give `studio predict`'s probabilities within 1e-4, TrainingArguments loads,
 * AutoTokenizer gives the studio's ids) and tests/python/onnx_check.py on its ONNX files
 * (onnx.checker, onnxruntime's logits against the studio's, fp32 within 1e-4 and q8 against
 * onnxruntime's own quantizer). Skipped, saying why, where python3 lacks torch, transformers,
 * onnx or onnxruntime; under CI that fails instead.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/core/backend';
import { loadHfModel } from '../../src/core/io/hfModel';
import { familyOf } from '../../src/core/model/families';
import { ONNX_FP32_FILE, ONNX_Q8_FILE } from '../../src/core/io/onnx/familyOnnx';
import { encodeDataset } from '../../src/core/tokenize/encode';
import { fastTokenizer } from '../../src/core/tokenize/fastWordPiece';
import { loadTokenizerFromDir } from '../../src/core/tokenize/tokenizerNode';
import {
  FIXTURE_MAX_LENGTH,
  exportTexts,
  fineTunedFixture,
  fixtureModelTypes,
} from '../unit/helpers/familyExport';
import { requirePython, runPythonCheck, type PythonCheck } from '../unit/helpers/python';
import { studioPredictions } from '../unit/helpers/studioPredict';

const python = requirePython('family-exports', ['torch', 'transformers', 'onnx', 'onnxruntime']);

const FAMILIES = fixtureModelTypes();

/** The studio's padded inputs and logits of `texts` with the exported folder `dir`. */
async function studioLogits(dir: string, texts: string[]) {
  const tok = fastTokenizer(await loadTokenizerFromDir(dir));
  const enc = encodeDataset(tok, texts, null, FIXTURE_MAX_LENGTH);
  const len = (i: number) => enc.offsets[i + 1] - enc.offsets[i];
  const T = Math.max(...texts.map((_, i) => len(i)));
  const rows = (f: (i: number, t: number) => number) =>
    texts.map((_, i) => Array.from({ length: T }, (_, t) => f(i, t)));
  const { model } = loadHfModel({
    config: readFileSync(join(dir, 'config.json'), 'utf8'),
    weights: new Uint8Array(readFileSync(join(dir, 'model.safetensors'))),
  });
  // The inputs the family's ONNX graph declares (token_type_ids: zeros, one text per row).
  const inputs: Record<string, number[][]> = {
    input_ids: rows((i, t) => (t < len(i) ? enc.ids[enc.offsets[i] + t] : tok.padId)),
    attention_mask: rows((i, t) => (t < len(i) ? 1 : 0)),
  };
  if (familyOf(model.config).onnxInputs(model.config).includes('token_type_ids')) {
    inputs.token_type_ids = rows(() => 0);
  }
  const logits = tf.tidy(() => {
    const t = (r: number[][]) => tf.tensor2d(r, undefined, 'int32');
    return model.forward({
      input_ids: t(inputs.input_ids),
      attention_mask: t(inputs.attention_mask),
    }).logits;
  });
  const out = (await logits.array()) as number[][];
  logits.dispose();
  model.dispose();
  return { inputs, logits: out };
}

describe.skipIf(!python)("each family's export in Python", () => {
  it('load in transformers with studio predict probabilities, and their ONNX files check', async () => {
    await selectBackend('wasm');
    const tmp = mkdtempSync(join(tmpdir(), 'studio-roberta-export-'));
    const models = [];
    const tokenizers = [];
    const onnxModels = [];
    // interop.py compares every folder on one list of texts
    const texts = exportTexts(FAMILIES[0]);
    for (const modelType of FAMILIES) {
      const dir = await fineTunedFixture(modelType, tmp);
      const probs = (await studioPredictions(dir, tmp, texts)).rows.map((r) => r.probs);
      const p = probs.map((r) => r[0]);
      expect(Math.max(...p) - Math.min(...p), modelType).toBeGreaterThan(1e-3);
      models.push({ name: modelType, dir, max_length: FIXTURE_MAX_LENGTH, probs });
      const tok = fastTokenizer(await loadTokenizerFromDir(dir));
      const ids = texts.map((t) => tok.encode(t, undefined, tok.modelMaxLength).ids);
      tokenizers.push({ name: modelType, dir, ids });
      const { inputs, logits } = await studioLogits(dir, texts);
      onnxModels.push({
        name: modelType,
        fp32: join(dir, ONNX_FP32_FILE),
        q8: join(dir, ONNX_Q8_FILE),
        inputs,
        logits,
      });
    }
    const interop = await runPythonCheck<{ checks: PythonCheck[]; max_prob_diff?: number }>(
      'interop',
      { texts, models, tokenizers },
      tmp,
    );
    expect(
      interop.report.checks.filter((c) => !c.ok),
      interop.stderr,
    ).toEqual([]);
    expect(interop.report.checks).toHaveLength(models.length * 5 + tokenizers.length);
    expect(interop.report.max_prob_diff).toBeLessThanOrEqual(1e-4);

    const onnx = await runPythonCheck('onnx_check', { models: onnxModels }, tmp);
    expect(
      onnx.report.checks.filter((c) => !c.ok),
      onnx.stderr,
    ).toEqual([]);
    expect(onnx.report.checks).toHaveLength(onnxModels.length * 4);
  }, 300_000);
});
