/**
 * Each family's token-classification export in Python: the fixture checkpoint as
 * `<Family>ForTokenClassification` with the WNUT 2017 tags (tests/unit/helpers/tokenExport.ts),
 * exported by the studio, then tests/python/token_interop.py on the folder
 * (AutoModelForTokenClassification loads it with no missing or unexpected keys, its logits equal
 * the studio's within 1e-4, `pipeline("token-classification")` tags every token as the studio's
 * logits do and groups entities with `aggregation_strategy="simple"`) and
 * tests/python/onnx_check.py on its ONNX files (logits [batch, sequence, num_labels] in
 * onnxruntime, fp32 within 1e-4, q8 against onnxruntime's own quantizer). Skipped, saying why,
 * where python3 lacks torch, transformers, onnx or onnxruntime; under CI that fails instead.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/core/backend';
import { ONNX_FP32_FILE, ONNX_Q8_FILE } from '../../src/core/io/onnx/familyOnnx';
import { familyForModelType } from '../../src/core/model/families';
import { fixtureModelTypes } from '../unit/helpers/familyExport';
import { requirePython, runPythonCheck, type PythonCheck } from '../unit/helpers/python';
import {
  WNUT_TAGS,
  studioTokenLogits,
  tokenExportFolder,
  tokenExportTexts,
} from '../unit/helpers/tokenExport';

const python = requirePython('token-exports', ['torch', 'transformers', 'onnx', 'onnxruntime']);

describe.skipIf(!python)("each family's token-classification export in Python", () => {
  it('loads in transformers with the studio logits and tags, and its ONNX files check', async () => {
    await selectBackend('wasm');
    const tmp = mkdtempSync(join(tmpdir(), 'studio-token-export-'));
    const types = ['bert', ...fixtureModelTypes()];
    const texts = tokenExportTexts('bert');
    const models = [];
    const onnxModels = [];
    for (const modelType of types) {
      const dir = await tokenExportFolder(modelType, tmp);
      const { inputs, logits } = await studioTokenLogits(dir, texts);
      const family = familyForModelType(modelType);
      const architecture = family.architectureOf(family.parseConfig({}), 'token');
      models.push({ name: modelType, dir, architecture, inputs, logits });
      onnxModels.push({
        name: modelType,
        fp32: join(dir, ONNX_FP32_FILE),
        q8: join(dir, ONNX_Q8_FILE),
        inputs,
        logits,
      });
    }
    const interop = await runPythonCheck<{ checks: PythonCheck[]; max_logit_diff: number }>(
      'token_interop',
      { tags: WNUT_TAGS, texts, models },
      tmp,
    );
    expect(
      interop.report.checks.filter((c) => !c.ok),
      interop.stderr,
    ).toEqual([]);
    expect(interop.report.checks).toHaveLength(models.length * 5);
    expect(interop.report.max_logit_diff).toBeLessThanOrEqual(1e-4);

    const onnx = await runPythonCheck('onnx_check', { models: onnxModels }, tmp);
    expect(
      onnx.report.checks.filter((c) => !c.ok),
      onnx.stderr,
    ).toEqual([]);
    expect(onnx.report.checks).toHaveLength(onnxModels.length * 4);
  }, 300_000);
});
