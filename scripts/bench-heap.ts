/**
 * The wasm heap of one training step of a BERT shape on one thread, as the page's worker runs it
 * (the same model, AdamW and clipping calls as the Trainer's step): the heap's size (it only
 * grows: its high-water mark) and the live tensor bytes after the forward/backward pass, the
 * flattening, the clipping and the optimizer step. Opt-in (minutes at bert-base x 512):
 *
 *   node --import tsx scripts/bench-heap.ts                         # bert-base-cased's shape, 4 x 128
 *   node --import tsx scripts/bench-heap.ts --batch 8 --max-length 512 --gradient-checkpointing
 *
 * Flags: --batch (4), --max-length (128), --steps (1), --gradient-checkpointing, and the sizes
 * --hidden 768 --layers 12 --heads 12 --intermediate 3072 --vocab 28996.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/core/backend';
import { memoryOf, type WasmBackendLike } from '../src/core/kernels/wasmModule';
import { SequenceClassifier } from '../src/core/model/classifier';
import { familyForModelType } from '../src/core/model/families';
import { AdamW } from '../src/core/train/adamw';
import { clipFlatGradsByGlobalNorm } from '../src/core/train/clip';
import { batchGradients } from '../src/core/train/gradients';

const argv = process.argv.slice(2);
const num = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const B = num('batch', 4);
const T = num('max-length', 128);

tf.env().set('PROD', true);
await selectBackend('wasm');
const heapMb = () =>
  (memoryOf(tf.backend() as unknown as WasmBackendLike)?.buffer.byteLength ?? 0) / 1e6;
const say = (what: string) =>
  console.log(
    `${what}: wasm heap ${heapMb().toFixed(0)} MB, live tensors ${(tf.memory().numBytes / 1e6).toFixed(0)} MB`,
  );
const family = familyForModelType('bert');
const config = family.scratchConfig({
  vocabSize: num('vocab', 28996),
  maxLength: T,
  id2label: { 0: 'a', 1: 'b' },
  padTokenId: 0,
  problemType: 'single_label_classification',
  settings: {
    hidden_size: num('hidden', 768),
    num_hidden_layers: num('layers', 12),
    num_attention_heads: num('heads', 12),
    intermediate_size: num('intermediate', 3072),
  },
});
const model = SequenceClassifier.create(family, config, 42);
model.gradientCheckpointing = argv.includes('--gradient-checkpointing');
const optimizer = new AdamW(model.params, { weightDecay: 0.01 });
console.log(`batch ${B} x ${T} tokens, gradient_checkpointing ${model.gradientCheckpointing}`);
say('model');
for (let step = 0; step < num('steps', 1); step++) {
  const t0 = performance.now();
  const ids = Array.from({ length: B * T }, (_, i) => 100 + ((i * 7919) % 20000));
  const batch = {
    input_ids: tf.tensor2d(ids, [B, T], 'int32'),
    attention_mask: tf.ones([B, T], 'int32') as tf.Tensor2D,
    token_type_ids: tf.zeros([B, T], 'int32') as tf.Tensor2D,
    labels: tf.tensor1d(
      Array.from({ length: B }, (_, i) => i % 2),
      'int32',
    ),
  };
  const out = batchGradients(model, 'single_label_classification', batch, {}, 7, 1);
  say(`step ${step + 1} forward + backward`);
  const flat = optimizer.flattenGrads(out.grads, true);
  tf.dispose(Object.values(batch));
  say(`step ${step + 1} flattened`);
  const norm = clipFlatGradsByGlobalNorm(flat, 1);
  optimizer.step(flat, 1e-5);
  flat.dispose();
  tf.dispose([norm, out.loss]);
  say(`step ${step + 1} done (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
