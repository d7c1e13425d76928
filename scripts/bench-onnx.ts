/**
 * The exported ONNX files in transformers.js (Node, onnxruntime-node), beside the studio's own
 * TF.js predict in the same process: file sizes fp32/q8, the largest probability difference and
 * top-label agreement of each against the studio on the validation rows of the demo data (SMS
 * spam), the pipeline's load time, and per-row inference time (one text per call, as a page
 * classifies what a user types) with the studio's, as a ratio.
 *
 *   npm run bench:onnx                              # small and default models, 200 rows
 *   npm run bench:onnx -- --sizes default --rows 500 --steps 300
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { env, pipeline } from '@huggingface/transformers';
import { selectBackend } from '../src/core/backend';
import { StudioSession } from '../src/core/session';
import type { Prediction } from '../src/core/session/types';
import { loadTokenizerFromDir } from '../src/core/tokenize/tokenizerNode';
import { compareProbs, scoresByLabel, unpackZip } from '../tests/unit/helpers/onnxDeploy';

tf.env().set('PROD', true);
const argv = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
};
const rowsWanted = Number(flag('rows', '200'));
const steps = Number(flag('steps', '200'));
const SIZES = {
  small: { hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 64 },
  default: {
    hidden_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    intermediate_size: 128,
  },
} as const;
const sizes = flag('sizes', 'small,default').split(',') as (keyof typeof SIZES)[];
const MAX_LENGTH = 128;

type Scores = { label: string; score: number }[];
type Classify = ((text: string, o: { top_k: null }) => Promise<Scores>) & {
  dispose(): Promise<void>;
};

const ms = (t0: number) => performance.now() - t0;
const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;

async function bench(size: keyof typeof SIZES, tmp: string): Promise<void> {
  const s = new StudioSession();
  await s.loadTable('spam.csv', new Uint8Array(readFileSync('public/demo/spam.csv')));
  s.tokenizer = await loadTokenizerFromDir('public/tokenizers/bert-base-uncased');
  s.prepare({
    columns: { text: 'v2', label: 'v1' },
    validationFraction: 0.1,
    maxLength: MAX_LENGTH,
    seed: 42,
  });
  const t0 = performance.now();
  await s.train(
    { kind: 'scratch', max_length: MAX_LENGTH, ...SIZES[size] },
    { max_steps: steps, per_device_train_batch_size: 16, learning_rate: 5e-4, logging_steps: 50 },
  );
  const trainS = ms(t0) / 1000;
  const zip = await s.exportZip();
  const dir = unpackZip(zip, join(tmp, size));
  const texts = s.prepared!.validationTexts.slice(0, rowsWanted);

  // The studio's own predict, one row per call (warm-up first).
  await s.predict([texts[0]]);
  const t1 = performance.now();
  const studio: Prediction[] = [];
  for (const t of texts) studio.push((await s.predict([t]))[0]);
  const studioMs = ms(t1) / texts.length;
  const labels = studio[0].labels;
  const fits = studio.map((p, i) => (p.truncation ? -1 : i)).filter((i) => i >= 0);
  const studioProbs = fits.map((i) => studio[i].probs);

  const sizesOf = (f: string) => readFileSync(join(dir, f)).length;
  console.log(
    `\n${size} model (hidden ${SIZES[size].hidden_size}, ${SIZES[size].num_hidden_layers} ` +
      `layers, vocab 30,522, max_length ${MAX_LENGTH}; ${steps} steps in ${trainS.toFixed(1)} s): ` +
      `${texts.length} validation rows (${fits.length} within max_length)`,
  );
  console.log(
    `  files: onnx/model.onnx ${kb(sizesOf('onnx/model.onnx'))}, onnx/model_quantized.onnx ` +
      `${kb(sizesOf('onnx/model_quantized.onnx'))}, model.safetensors ` +
      `${kb(sizesOf('model.safetensors'))}, zip ${kb(zip.length)}`,
  );
  console.log(`  studio TF.js (wasm) predict: ${studioMs.toFixed(2)} ms per row`);
  for (const dtype of ['fp32', 'q8'] as const) {
    const t2 = performance.now();
    const classify = (await pipeline('text-classification', size, {
      dtype,
    })) as unknown as Classify;
    const loadMs = ms(t2);
    await classify(texts[0], { top_k: null });
    const t3 = performance.now();
    const out: number[][] = [];
    for (const t of texts) out.push(scoresByLabel(await classify(t, { top_k: null }), labels));
    const rowMs = ms(t3) / texts.length;
    const { maxDiff, agree } = compareProbs(
      studioProbs,
      fits.map((i) => out[i]),
    );
    console.log(
      `  transformers.js ${dtype}: load ${loadMs.toFixed(0)} ms, ${rowMs.toFixed(2)} ms per row ` +
        `(${(studioMs / rowMs).toFixed(2)}x the studio's speed); max probability difference ` +
        `${maxDiff.toExponential(2)}, top label agrees on ${(agree * 100).toFixed(1)} %`,
    );
    await classify.dispose();
  }
  s.model?.dispose();
}

await selectBackend('wasm');
const tmp = mkdtempSync(join(tmpdir(), 'bench-onnx-'));
env.allowRemoteModels = false;
env.localModelPath = tmp;
try {
  for (const size of sizes) await bench(size, tmp);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
