/**
 * DeBERTa-v2's exports in Python: the fixture checkpoint (tests/fixtures/auto/deberta-v2)
 * fine-tuned a few steps through the CLI loads in transformers 5 with
 * AutoModelForSequenceClassification, and `pipeline("text-classification", truncation=True)`
 * gives `studio predict`'s probabilities within 1e-4 (tests/python/interop.py). The ONNX files
 * of the fixture and of two random models of other settings pass
 * `onnx.checker.check_model(full_check=True)`, and onnxruntime gives PyTorch's logits
 * (tests/python/onnx_check.py). Skipped, saying why, where python3 lacks the packages
 * (helpers/python.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ONNX_FP32_FILE, ONNX_Q8_FILE, onnxFiles } from '../../src/core/io/onnx/familyOnnx';
import { readSafetensors } from '../../src/core/io/safetensors';
import { debertaFamily } from '../../src/core/model/deberta';
import { smallSmsCsv } from '../unit/helpers/cliFixtures';
import { requirePython } from '../unit/helpers/python';
import { runCli } from '../unit/helpers/runCli';
import { studioPredictions } from '../unit/helpers/studioPredict';

const python = requirePython('deberta-export', ['torch', 'transformers', 'onnx', 'onnxruntime']);
const FIXTURE = 'tests/fixtures/auto/deberta-v2/';
const VARIANTS = 'tests/fixtures/deberta-variants/';

/** A batch and PyTorch's logits: the fixture's reference.json keeps them under `validation`. */
interface Batch {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids?: number[][] | null;
  logits: number[][];
}
type Reference = Batch & { validation?: Batch };

interface Report {
  checks: { name: string; ok: boolean; detail?: string }[];
  max_prob_diff?: number;
}

/** Runs a tests/python script on a manifest; returns its report and output. */
async function pythonCheck(script: string, tmp: string, manifest: unknown) {
  const manifestPath = join(tmp, `${script}.manifest.json`);
  const reportPath = join(tmp, `${script}.report.json`);
  writeFileSync(manifestPath, JSON.stringify(manifest));
  const run = await promisify(execFile)(
    'python3',
    [`tests/python/${script}.py`, manifestPath, reportPath],
    { encoding: 'utf8', timeout: 120_000 },
  ).catch((e: { stdout?: string; stderr?: string }) => e);
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as Report;
  return { report, out: `${run.stdout ?? ''}${run.stderr ?? ''}` };
}

describe.skipIf(!python)('DeBERTa-v2 exports in transformers and the ONNX tools', () => {
  it('a fine-tuned export loads in transformers with studio predict probabilities; its ONNX checks', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'studio-deberta-'));
    const dir = join(tmp, 'deberta');
    const train = await runCli([
      'train',
      '--model_name_or_path',
      `${FIXTURE}checkpoint`,
      '--train_file',
      smallSmsCsv(tmp, 120),
      '--output_dir',
      dir,
      '--max_length',
      '48',
      '--max_steps',
      '20',
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
    const texts = readFileSync('tests/fixtures/data/SMSSpamCollection-300.tsv', 'utf8')
      .split('\n')
      .filter(Boolean)
      .slice(200, 230)
      .map((l) => l.split('\t')[1]);
    texts.push(texts.join(' ')); // past max_length: truncation
    const { rows } = await studioPredictions(dir, tmp, texts);
    const probs = rows.map((r) => r.probs);
    const p0 = probs.map((r) => r[0]);
    expect(Math.max(...p0) - Math.min(...p0), 'probabilities vary over texts').toBeGreaterThan(
      1e-3,
    );

    const interop = await pythonCheck('interop', tmp, {
      texts,
      models: [{ name: 'deberta-v2', dir, max_length: 48, probs }],
      tokenizers: [],
    });
    console.info(`deberta interop: ${interop.out}`);
    expect(interop.report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(interop.report.checks.length).toBe(5);
    expect(interop.report.max_prob_diff).toBeLessThanOrEqual(1e-4);

    // ONNX of the fixture (PyTorch's logits on validation.csv, padded) and of two random models
    // whose attention shapes the logits (tests/fixtures/deberta-variants, make_deberta_reference.py).
    const models = [];
    for (const [name, folder, checkpointDir] of [
      ['deberta-v2 fixture', FIXTURE, `${FIXTURE}checkpoint/`],
      ['v3-buckets', `${VARIANTS}v3-buckets/`, `${VARIANTS}v3-buckets/`],
      ['v2-separate', `${VARIANTS}v2-separate/`, `${VARIANTS}v2-separate/`],
    ]) {
      const ref = JSON.parse(readFileSync(`${folder}reference.json`, 'utf8')) as Reference;
      const { input_ids, attention_mask, token_type_ids, logits } = ref.validation ?? ref;
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
    const onnx = await pythonCheck('onnx_check', tmp, { models });
    console.info(`deberta onnx_check: ${onnx.out}`);
    expect(onnx.report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(onnx.report.checks).toHaveLength(4 * models.length);
  }, 240_000);
});
