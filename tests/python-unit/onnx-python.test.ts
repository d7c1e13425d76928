/**
 * The exported ONNX files in the ONNX reference tools (tests/python/onnx_check.py):
 * `onnx.checker.check_model(full_check=True)` on onnx/model.onnx and onnx/model_quantized.onnx,
 * and onnxruntime's logits against PyTorch's (the fixture BERT) and the studio's (a model trained
 * on real SMS rows, exported in the page's zip); the q8 file is held to onnxruntime's own
 * `quantize_dynamic` of the same fp32 file. Skipped, saying why, where python3 cannot import onnx
 * and onnxruntime (`pip install onnx onnxruntime`); under CI that fails instead (helpers/python.ts).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/core/backend';
import { ONNX_FP32_FILE, ONNX_Q8_FILE, onnxFiles } from '../../src/core/io/onnx/familyOnnx';
import { readSafetensors } from '../../src/core/io/safetensors';
import { bertFamily } from '../../src/core/model/bert';
import { parseBertConfig } from '../../src/core/model/bert/config';
import { encodeDataset } from '../../src/core/tokenize/encode';
import { requirePython, runPythonCheck, type PythonCheck } from '../unit/helpers/python';
import { csvBytes, smsRows, trainedSession, unpackZip } from '../unit/helpers/onnxDeploy';

const python = requirePython('onnx-python', ['onnx', 'onnxruntime']);

type Inputs = { input_ids: number[][]; attention_mask: number[][]; token_type_ids: number[][] };

/** Padded [B, T] rows of `texts` as the studio encodes them. */
function padded(enc: ReturnType<typeof encodeDataset>, padId: number): Inputs {
  const n = enc.offsets.length - 1;
  const len = (i: number) => enc.offsets[i + 1] - enc.offsets[i];
  const T = Math.max(...Array.from({ length: n }, (_, i) => len(i)));
  const rows = (f: (i: number, t: number) => number) =>
    Array.from({ length: n }, (_, i) => Array.from({ length: T }, (_, t) => f(i, t)));
  return {
    input_ids: rows((i, t) => (t < len(i) ? enc.ids[enc.offsets[i] + t] : padId)),
    attention_mask: rows((i, t) => (t < len(i) ? 1 : 0)),
    token_type_ids: rows(() => 0),
  };
}

describe.skipIf(!python)('ONNX files in onnx.checker and onnxruntime (Python)', () => {
  it('pass check_model(full_check=True) and give PyTorch and studio logits', async () => {
    await selectBackend('wasm');
    const tmp = mkdtempSync(join(tmpdir(), 'studio-onnx-py-'));
    const models = [];

    // The fixture BERT, with PyTorch's logits.
    const fx = 'tests/fixtures/bert-tiny-random/';
    const ref = JSON.parse(readFileSync(`${fx}reference.json`, 'utf8')) as Inputs & {
      logits: number[][];
    };
    const config = parseBertConfig(JSON.parse(readFileSync(`${fx}config.json`, 'utf8')));
    const weights = new Map(
      [...readSafetensors(new Uint8Array(readFileSync(`${fx}model.safetensors`)))].map(([k, t]) => [
        k,
        { shape: t.shape, data: t.data },
      ]),
    );
    const files = onnxFiles(bertFamily, config, weights);
    writeFileSync(join(tmp, 'fixture.onnx'), files[ONNX_FP32_FILE]);
    writeFileSync(join(tmp, 'fixture_q8.onnx'), files[ONNX_Q8_FILE]);
    models.push({
      name: 'bert-tiny-random (PyTorch logits)',
      fp32: join(tmp, 'fixture.onnx'),
      q8: join(tmp, 'fixture_q8.onnx'),
      inputs: {
        input_ids: ref.input_ids,
        attention_mask: ref.attention_mask,
        token_type_ids: ref.token_type_ids,
      },
      logits: ref.logits,
    });

    // A model the studio trained on real rows, from its export zip, with the studio's logits.
    const rows = smsRows();
    const s = await trainedSession(csvBytes(['label', 'text'], rows.slice(0, 200)), {
      text: 'text',
      label: 'label',
    });
    const dir = unpackZip(await s.exportZip(), join(tmp, 'sms'));
    const tok = s.tokenizer!;
    const inputs = padded(
      encodeDataset(
        tok,
        rows.slice(200, 232).map(([, t]) => t),
        null,
        48,
      ),
      tok.padId,
    );
    const logits = tf.tidy(() => {
      const t = (r: number[][]) => tf.tensor2d(r, undefined, 'int32');
      return s.model!.forward(
        {
          input_ids: t(inputs.input_ids),
          attention_mask: t(inputs.attention_mask),
          token_type_ids: t(inputs.token_type_ids),
        },
        { training: false },
      ).logits;
    });
    const studio = (await logits.array()) as number[][];
    logits.dispose();
    s.model?.dispose();
    models.push({
      name: 'SMS, trained by the studio (studio logits)',
      fp32: join(dir, ONNX_FP32_FILE),
      q8: join(dir, ONNX_Q8_FILE),
      inputs,
      logits: studio,
    });

    const { report, stderr } = await runPythonCheck<{
      onnx: string;
      onnxruntime: string;
      checks: PythonCheck[];
    }>('onnx_check', { models }, tmp, 120_000);
    console.info(`onnx-python: onnx ${report.onnx}, onnxruntime ${report.onnxruntime}`);
    expect(
      report.checks.filter((c) => !c.ok),
      stderr,
    ).toEqual([]);
    expect(report.checks).toHaveLength(models.length * 4);
  }, 180_000);
});
