/**
 * Training-step throughput of DeBERTa-v2 (the family's scratch layout: relative attention with
 * c2p and p2c, shared keys, 256 log buckets) beside BERT of the same hidden size, layers, heads
 * and intermediate size, on one backend: forward, backward and an Adam step on the same
 * synthetic padded batches. Reports samples/s, and samples/s per FLOP two ways: HF's
 * `total_flos` (6 x non-embedding parameters x tokens) and the forward+backward FLOPs counted
 * with each model's attention (DeBERTa's c2p and p2c products included).
 *
 *   node --import tsx scripts/bench-deberta.ts [--backend wasm] [--steps 20] [--batch 16] [--len 64]
 *     [--hidden 64 --layers 2 --heads 4 --intermediate 128]
 */
import * as tf from '@tensorflow/tfjs';

import { selectBackend, type BackendName } from '../src/core/backend';
import { bertFamily } from '../src/core/model/bert';
import { SequenceClassifier } from '../src/core/model/classifier';
import { debertaFamily } from '../src/core/model/deberta';
import { relativeRowRange } from '../src/core/model/deberta/relativePositions';
import type { ClassifierBatch } from '../src/core/model/family';
import { headLoss } from '../src/core/train/losses';

tf.env().set('PROD', true);
const argv = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
};
const backend = flag('backend', 'wasm') as BackendName;
const steps = Number(flag('steps', '20'));
const B = Number(flag('batch', '16'));
const T = Number(flag('len', '64'));
const H = Number(flag('hidden', '64'));
const L = Number(flag('layers', '2'));
const nH = Number(flag('heads', '4'));
const I = Number(flag('intermediate', '128'));
const VOCAB = 8000;

await selectBackend(backend);
console.log(
  `backend ${tf.getBackend()}, batch ${B} x ${T}, hidden ${H}, ${L} layers, ${nH} heads, intermediate ${I}`,
);

/** Batches with lengths spread over [T/4, T] (right padding), ids in [1, VOCAB). */
function batches(n: number): ClassifierBatch[] {
  let seed = 7;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return Array.from({ length: n }, () => {
    const ids: number[][] = [];
    const mask: number[][] = [];
    for (let b = 0; b < B; b++) {
      const len = b === 0 ? T : Math.max(2, Math.floor(T / 4 + rand() * (T - T / 4)));
      ids.push(
        Array.from({ length: T }, (_, t) => (t < len ? 1 + Math.floor(rand() * (VOCAB - 1)) : 0)),
      );
      mask.push(Array.from({ length: T }, (_, t) => (t < len ? 1 : 0)));
    }
    return {
      input_ids: tf.tensor2d(ids, undefined, 'int32'),
      attention_mask: tf.tensor2d(mask, undefined, 'int32'),
      labels: tf.tensor1d(
        Array.from({ length: B }, (_, b) => b % 2),
        'int32',
      ),
    };
  });
}

type Forward = (batch: ClassifierBatch) => tf.Scalar;

/** A training step of one model: forward, backward, Adam. */
function stepper(vars: tf.Variable[], forward: Forward) {
  const opt = tf.train.adam(1e-4);
  return async (batch: ClassifierBatch) => {
    const { value, grads } = tf.variableGrads(() => forward(batch), vars);
    opt.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
  };
}

/**
 * Seconds per step of each model (medians over `steps` after 3 warm-up steps), the models'
 * steps interleaved so that a change in the machine's load hits both alike.
 */
async function timeInterleaved(
  models: Array<(batch: ClassifierBatch) => Promise<void>>,
): Promise<number[]> {
  const data = batches(4);
  const times = models.map(() => [] as number[]);
  for (let s = 0; s < steps + 3; s++) {
    for (const [m, step] of models.entries()) {
      const t0 = performance.now();
      await step(data[s % data.length]);
      if (s >= 3) times[m].push((performance.now() - t0) / 1000);
    }
  }
  for (const b of data) tf.dispose([b.input_ids, b.attention_mask ?? [], b.labels ?? []]);
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]);
}

const loss = headLoss('single_label_classification');
const scratch = {
  vocabSize: VOCAB,
  id2label: { '0': 'a', '1': 'b' },
  problemType: null,
  maxLength: T,
  padTokenId: 0,
  settings: {
    hidden_size: H,
    num_hidden_layers: L,
    num_attention_heads: nH,
    intermediate_size: I,
    hidden_dropout_prob: 0.1,
    attention_probs_dropout_prob: 0.1,
  },
};
const debConfig = debertaFamily.scratchConfig(scratch);
const bert = SequenceClassifier.create(bertFamily, bertFamily.scratchConfig(scratch), 1);
const deberta = SequenceClassifier.create(debertaFamily, debConfig, 1);
const steppers = [bert, deberta].map((model) =>
  stepper(
    [...model.params.values()],
    (batch) => model.forward(batch, { training: true, seed: 1, loss }).loss as tf.Scalar,
  ),
);
const [bertSeconds, debSeconds] = await timeInterleaved(steppers);

// FLOPs per sample
const nonEmbedding = (names: Map<string, tf.Variable>, isEmb: (n: string) => boolean) =>
  [...names].reduce((s, [n, v]) => s + (isEmb(n) ? 0 : v.size), 0);
const bertNonEmb = nonEmbedding(bert.params, bertFamily.isEmbeddingParam);
const debNonEmb = nonEmbedding(deberta.params, debertaFamily.isEmbeddingParam);
const rows = relativeRowRange(debConfig, T).rows;
// forward+backward = 3 x forward; attention forward = 2 matmuls of T x T x H per sequence
const attention = 3 * 2 * L * 2 * T * T * H;
// c2p and p2c products per sequence, and the relative rows' projections once per batch
const relative = 3 * 2 * L * (2 * T * rows * H + (2 * rows * H * H) / B);
const bertCounted = 6 * bertNonEmb * T + attention;
const debCounted = 6 * debNonEmb * T + attention + relative;

const report = (name: string, seconds: number, hfFlos: number, counted: number) => {
  const sps = B / seconds;
  return { name, sps, perHf: sps * hfFlos, perCounted: sps * counted };
};
const rb = report('BERT', bertSeconds, 6 * bertNonEmb * T, bertCounted);
const rd = report('DeBERTa-v2', debSeconds, 6 * debNonEmb * T, debCounted);
for (const r of [rb, rd]) {
  console.log(
    `${r.name.padEnd(11)} ${r.sps.toFixed(1).padStart(7)} samples/s  ` +
      `${(r.perHf / 1e9).toFixed(3)} GFLOP/s (total_flos)  ${(r.perCounted / 1e9).toFixed(3)} GFLOP/s (counted)`,
  );
}
console.log(
  `DeBERTa / BERT: samples/s ${(rd.sps / rb.sps).toFixed(2)}x, per total_flos FLOP ` +
    `${(rd.perHf / rb.perHf).toFixed(2)}x, per counted FLOP ${(rd.perCounted / rb.perCounted).toFixed(2)}x ` +
    `(relative rows used at length ${T}: ${rows})`,
);
