/**
 * Training throughput of the default from-scratch model on the CPU-side backends Node offers,
 * as a ratio to a matmul-only peak measured in the same run (an MFU-style figure), and the TF.js
 * kernels one full training step runs (forward, backward, clipping, AdamW): `tf.profile` over a
 * separate 3-step run, counting the kernels between the ends of steps 2 and 3 (on_step_end).
 *
 *   npm run bench            # default: 30 steps per backend
 *   npm run bench -- --steps 60 --backends wasm
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { measureMatmulGflops, selectBackend, type BackendName } from '../src/core/backend';
import { StudioSession } from '../src/core/session';
import { loadTokenizerFromDir } from '../src/core/tokenize/tokenizerNode';
import type { TrainerCallback } from '../src/core/train/callbacks';
import { isSummaryLog, type TrainSummaryEntry } from '../src/core/train/state';

// PROD silences TF.js's console banner suggesting tfjs-node (a native build we do not use).
tf.env().set('PROD', true);
const argv = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
};
const steps = Number(flag('steps', '30'));
const backends = flag('backends', 'wasm,cpu').split(',') as BackendName[];
const MODEL = {
  kind: 'scratch' as const,
  hidden_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 128,
  max_length: 64,
};
const BATCH = 16;

/** Forward+backward FLOPs per token of the encoder (6 x dense params + attention scores). */
function flopsPerToken(meanLen: number): number {
  const h = MODEL.hidden_size;
  const dense = MODEL.num_hidden_layers * (4 * h * h + 2 * h * MODEL.intermediate_size) + h * h;
  const attention = MODEL.num_hidden_layers * 2 * meanLen * h;
  return 6 * dense + 3 * 2 * attention;
}

const session = new StudioSession();
await session.loadTable('spam.csv', new Uint8Array(readFileSync('public/demo/spam.csv')));
session.tokenizer = await loadTokenizerFromDir('public/tokenizers/bert-base-uncased');
const ds = session.prepare({
  columns: { text: 'v2', label: 'v1' },
  validationFraction: 0.1,
  maxLength: MODEL.max_length,
  seed: 42,
});
console.log(
  `default model (hidden ${MODEL.hidden_size}, ${MODEL.num_hidden_layers} layers), batch ${BATCH}, ` +
    `SMS spam rows (mean ${ds.meanTokens.toFixed(1)} tokens), ${steps} steps per backend`,
);
const rows: string[][] = [
  ['backend', 'samples/s', 'tokens/s', 'GFLOP/s', 'matmul peak', 'ratio', 'kernels/step'],
];

/** TF.js kernels of one training step (the third of a profiled 3-step run) and the top names. */
async function kernelsPerStep(): Promise<{ count: number; top: string }> {
  const marks: number[] = [];
  const marker: TrainerCallback = {
    on_step_end: () => void marks.push(tf.engine().state.activeProfile.kernels.length),
  };
  const profile = await tf.profile(async () => {
    await session.train(
      MODEL,
      {
        max_steps: 3,
        per_device_train_batch_size: BATCH,
        logging_steps: 1000,
        save_strategy: 'no',
      },
      { callbacks: [marker] },
    );
  });
  const byName = new Map<string, number>();
  for (const k of profile.kernels.slice(marks[1], marks[2])) {
    byName.set(k.name, (byName.get(k.name) ?? 0) + 1);
  }
  const top = [...byName]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return { count: marks[2] - marks[1], top };
}
const kernelTops: string[] = [];
for (const name of backends) {
  const chosen = await selectBackend(name);
  if (chosen.name !== name) {
    console.log(`${name}: unavailable (${chosen.reason})`);
    continue;
  }
  const peak = await measureMatmulGflops(name === 'cpu' ? 256 : 512, 4);
  // One warm-up step so kernel set-up is not timed.
  await session.train(MODEL, {
    max_steps: 1,
    per_device_train_batch_size: BATCH,
    logging_steps: 1000,
    save_strategy: 'no',
  });
  const r = await session.train(MODEL, {
    max_steps: steps,
    per_device_train_batch_size: BATCH,
    logging_steps: 1000,
    save_strategy: 'no',
  });
  const summary = r.logHistory.find(isSummaryLog) as TrainSummaryEntry;
  const samplesPerSecond = summary.train_samples_per_second;
  const tokensPerSecond = r.state.num_input_tokens_seen / summary.train_runtime;
  const gflops = (tokensPerSecond * flopsPerToken(ds.meanTokens)) / 1e9;
  const kernels = await kernelsPerStep();
  kernelTops.push(`${name}: ${kernels.top}`);
  rows.push([
    name,
    samplesPerSecond.toFixed(1),
    tokensPerSecond.toFixed(0),
    gflops.toFixed(2),
    `${peak.toFixed(1)} GFLOP/s`,
    `${((100 * gflops) / peak).toFixed(1)}%`,
    String(kernels.count),
  ]);
  session.model?.dispose();
  session.model = null;
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const r of rows) console.log(r.map((x, c) => x.padEnd(widths[c])).join('  '));
for (const t of kernelTops) console.log(`kernels per step by name, ${t}`);
console.log(`tensors alive at the end: ${tf.memory().numTensors}`);
