/**
 * DeBERTa-v2's ONNX graph in the ONNX reference tools (tests/python/onnx_check.py), on models
 * whose logits PyTorch computed: the fixture checkpoint (tests/fixtures/auto/deberta-v2) and two
 * random models whose attention shapes the logits, over the settings the fixture lacks
 * (tests/fixtures/deberta-variants, make_deberta_reference.py). Both files pass
 * `onnx.checker.check_model(full_check=True)`, onnxruntime's fp32 logits are PyTorch's within 1e-4
 * and the q8 file is held to onnxruntime's own quantize_dynamic. (The fine-tuned fixture's
 * export in transformers and transformers.js: family-exports.test.ts and
 * family-exports-transformersjs.test.ts.) Skipped, saying why, where python3 lacks onnx or
 * onnxruntime (helpers/python.ts).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ONNX_FP32_FILE, ONNX_Q8_FILE, onnxFiles } from '../../src/core/io/onnx/familyOnnx';
import { readSafetensors } from '../../src/core/io/safetensors';
import { debertaFamily } from '../../src/core/model/deberta';
import { requirePython, runPythonCheck } from '../unit/helpers/python';

const python = requirePython('deberta-export', ['onnx', 'onnxruntime']);
const FIXTURE = 'tests/fixtures/auto/deberta-v2/';
const VARIANTS = 'tests/fixtures/deberta-variants/';

/** A padded batch. */
interface Batch {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids?: number[][] | null;
}
/**
 * PyTorch's logits on a batch: the variants' reference.json holds one batch at the top, the
 * fixture's under `validation` (the families' layout: `batches`, here one).
 */
type Reference = Batch & {
  logits: number[][];
  validation?: { batches: Batch[]; logits: number[][] };
};

describe.skipIf(!python)('DeBERTa-v2 ONNX in the ONNX tools', () => {
  it('passes check_model(full_check=True) and gives PyTorch logits, fp32 and q8', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'studio-deberta-onnx-'));
    const models = [];
    for (const [name, folder, checkpointDir] of [
      ['deberta-v2 fixture', FIXTURE, `${FIXTURE}checkpoint/`],
      ['v3-buckets', `${VARIANTS}v3-buckets/`, `${VARIANTS}v3-buckets/`],
      ['v2-separate', `${VARIANTS}v2-separate/`, `${VARIANTS}v2-separate/`],
    ]) {
      const ref = JSON.parse(readFileSync(`${folder}reference.json`, 'utf8')) as Reference;
      const { input_ids, attention_mask, token_type_ids } = ref.validation?.batches[0] ?? ref;
      const logits = ref.validation?.logits ?? ref.logits;
      const config = debertaFamily.parseConfig(
        JSON.parse(readFileSync(`${checkpointDir}config.json`, 'utf8')),
      );
      const weights = new Map(
        [...readSafetensors(new Uint8Array(readFileSync(`${checkpointDir}model.safetensors`)))].map(
          ([k, t]) => [k, { shape: t.shape, data: t.data }],
        ),
      );
      const files = onnxFiles(debertaFamily, config, weights);
      const fp32 = join(tmp, `${name}.onnx`);
      const q8 = join(tmp, `${name}_q8.onnx`);
      writeFileSync(fp32, files[ONNX_FP32_FILE]);
      writeFileSync(q8, files[ONNX_Q8_FILE]);
      const inputs = { input_ids, attention_mask, ...(token_type_ids ? { token_type_ids } : {}) };
      models.push({ name: `${name} (PyTorch logits)`, fp32, q8, inputs, logits });
    }
    const { report, stderr } = await runPythonCheck('onnx_check', { models }, tmp, 120_000);
    expect(
      report.checks.filter((c) => !c.ok),
      stderr,
    ).toEqual([]);
    expect(report.checks).toHaveLength(4 * models.length);
  }, 120_000);
});
