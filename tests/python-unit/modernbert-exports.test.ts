/**
 * A ModernBERT fine-tuned with the CLI from the fixture checkpoint (tests/fixtures/auto/modernbert)
 * works in Python unchanged: tests/python/interop.py loads the output folder with
 * AutoModelForSequenceClassification and pipeline(truncation=True) (probabilities within 1e-4 of
 * `studio predict`, a text past max_length among them), runs the model card's snippet, loads
 * TrainingArguments(**training_args.json), and AutoTokenizer gives the studio's ids; and
 * tests/python/onnx_check.py passes its ONNX files through onnx.checker (full check) and
 * onnxruntime against the studio's logits. Skipped, saying why, where python3 lacks torch,
 * transformers, onnx or onnxruntime; under CI that fails instead (helpers/python.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ONNX_FP32_FILE, ONNX_Q8_FILE } from '../../src/core/io/onnx/familyOnnx';
import { readSafetensors } from '../../src/core/io/safetensors';
import { modernbertFamily } from '../../src/core/model/modernbert';
import { fastTokenizer } from '../../src/core/tokenize/fastWordPiece';
import { loadTokenizerFromDir } from '../../src/core/tokenize/tokenizerNode';
import { requirePython } from '../unit/helpers/python';
import { runCli } from '../unit/helpers/runCli';
import { studioPredictions } from '../unit/helpers/studioPredict';

const python = requirePython('modernbert-exports', [
  'torch',
  'transformers',
  'onnx',
  'onnxruntime',
]);
const FIXTURE = 'tests/fixtures/auto/modernbert';
const MAX_LENGTH = 48;

interface Report {
  checks: { name: string; ok: boolean; detail?: string }[];
  max_prob_diff?: number;
}

async function runPython(script: string, manifest: unknown, tmp: string): Promise<Report> {
  const manifestPath = join(tmp, `${script}.manifest.json`);
  const reportPath = join(tmp, `${script}.report.json`);
  writeFileSync(manifestPath, JSON.stringify(manifest));
  const run = await promisify(execFile)(
    'python3',
    [`tests/python/${script}.py`, manifestPath, reportPath],
    { encoding: 'utf8', timeout: 180_000 },
  ).catch((e: { stdout?: string; stderr?: string }) => e);
  console.info(`${script}:\n${run.stdout ?? ''}${run.stderr ?? ''}`);
  return JSON.parse(readFileSync(reportPath, 'utf8')) as Report;
}

/** The fine-tuned model's logits on the reference's padded validation batch (the family's forward). */
function studioLogits(dir: string, inputs: { input_ids: number[][]; attention_mask: number[][] }) {
  const config = modernbertFamily.parseConfig(
    JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')),
  );
  const weights = readSafetensors(new Uint8Array(readFileSync(join(dir, 'model.safetensors'))));
  return tf.tidy(() => {
    const params = new Map<string, tf.Tensor>();
    for (const [k, t] of weights) params.set(k, tf.tensor(t.data, t.shape));
    const t = (rows: number[][]) => tf.tensor2d(rows, undefined, 'int32');
    const out = modernbertFamily.forward(
      config,
      (name) => params.get(name) as tf.Tensor,
      { input_ids: t(inputs.input_ids), attention_mask: t(inputs.attention_mask) },
      {},
    );
    return out.logits.arraySync() as number[][];
  });
}

describe.skipIf(!python)('ModernBERT exports in Python transformers, onnx and onnxruntime', () => {
  it('load and give studio predict within 1e-4; AutoTokenizer ids; ONNX checks', async () => {
    await tf.setBackend('cpu');
    const tmp = mkdtempSync(join(tmpdir(), 'studio-modernbert-'));
    const dir = join(tmp, 'modernbert');
    const train = await runCli([
      'train',
      '--model_name_or_path',
      `${FIXTURE}/checkpoint`,
      '--train_file',
      `${FIXTURE}/train.csv`,
      '--output_dir',
      dir,
      '--max_length',
      String(MAX_LENGTH),
      '--max_steps',
      '8',
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

    const ref = JSON.parse(readFileSync(`${FIXTURE}/reference.json`, 'utf8')) as {
      forward: { input_ids: number[][]; attention_mask: number[][] };
    };
    const validation = readFileSync(`${FIXTURE}/validation.csv`, 'utf8')
      .split('\n')
      .slice(1, 13)
      .map((line) => line.slice(0, line.lastIndexOf(',')).replace(/^"|"$/g, ''));
    const texts = [
      ...validation,
      Array.from({ length: 80 }, (_, i) => validation[i % validation.length]).join(' '),
      'ok',
    ];
    const probs = (await studioPredictions(dir, tmp, texts)).rows.map((r) => r.probs);
    const p0 = probs.map((r) => r[0]);
    expect(Math.max(...p0) - Math.min(...p0), 'probabilities vary over texts').toBeGreaterThan(
      1e-3,
    );
    const tok = fastTokenizer(await loadTokenizerFromDir(dir));
    const ids = texts.map((t) => tok.encode(t, undefined, tok.modelMaxLength).ids);

    const interop = await runPython(
      'interop',
      {
        texts,
        models: [{ name: 'modernbert', dir, max_length: MAX_LENGTH, probs }],
        tokenizers: [{ name: 'modernbert', dir, ids }],
      },
      tmp,
    );
    expect(interop.checks.filter((c) => !c.ok)).toEqual([]);
    expect(interop.checks).toHaveLength(6);
    expect(interop.max_prob_diff).toBeLessThanOrEqual(1e-4);

    const onnx = await runPython(
      'onnx_check',
      {
        models: [
          {
            name: 'modernbert fine-tuned (studio logits)',
            fp32: join(dir, ONNX_FP32_FILE),
            q8: join(dir, ONNX_Q8_FILE),
            inputs: {
              input_ids: ref.forward.input_ids,
              attention_mask: ref.forward.attention_mask,
            },
            logits: studioLogits(dir, ref.forward),
          },
        ],
      },
      tmp,
    );
    expect(onnx.checks.filter((c) => !c.ok)).toEqual([]);
    expect(onnx.checks).toHaveLength(4);
  }, 300_000);
});
