/**
 * Training-step speed of a model family against BERT of the same hidden size, layers, heads and
 * intermediate size, on one TF.js backend: forward, backward and an AdamW step on a random
 * batch, timed after warm-up, reported as samples/s and as samples/s per FLOP (FLOPs per sample
 * as transformers' `total_flos` counts them, 6 x tokens x non-embedding parameters) relative to
 * BERT's.
 *
 *   node --import tsx scripts/bench-family.ts          # ModernBERT vs BERT, wasm
 *   node --import tsx scripts/bench-family.ts --hidden 256 --layers 4 --heads 4 --intermediate 512 --length 128
 */
import * as tf from '@tensorflow/tfjs';

import { selectBackend, type BackendName } from '../src/core/backend';
import { BertForSequenceClassification } from '../src/core/model/bert';
import { smallBertConfig } from '../src/core/model/config';
import type { ClassifierBatch } from '../src/core/model/family';
import { modernbertFamily } from '../src/core/model/modernbert';
import { AdamW } from '../src/core/train/adamw';

tf.env().set('PROD', true);
const argv = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
};
const backend = flag('backend', 'wasm') as BackendName;
const H = Number(flag('hidden', '64'));
const L = Number(flag('layers', '2'));
const heads = Number(flag('heads', '4'));
const I = Number(flag('intermediate', '128'));
const T = Number(flag('length', '64'));
const B = Number(flag('batch', '16'));
const steps = Number(flag('steps', '20'));
const rounds = Number(flag('rounds', '3'));
const VOCAB = 1000;

interface Contender {
  name: string;
  params: Map<string, tf.Variable>;
  nonEmbedding: number;
  loss: (batch: ClassifierBatch) => tf.Scalar;
}

function bert(): Contender {
  const config = smallBertConfig({
    vocabSize: VOCAB,
    numLabels: 2,
    maxLength: T,
    hiddenSize: H,
    numLayers: L,
    numHeads: heads,
    intermediateSize: I,
  });
  const model = BertForSequenceClassification.create(config, 1);
  let nonEmbedding = 0;
  for (const [name, v] of model.params)
    if (!/_embeddings\.weight$/.test(name)) nonEmbedding += v.size;
  return {
    name: 'BERT',
    params: model.params,
    nonEmbedding,
    loss: (batch) => model.forward(batch, { training: true, seed: 1 }).loss as tf.Scalar,
  };
}

function modernbert(): Contender {
  const f = modernbertFamily;
  const config = f.scratchConfig({
    vocabSize: VOCAB,
    id2label: { '0': 'a', '1': 'b' },
    problemType: null,
    maxLength: T,
    padTokenId: 0,
    settings: {
      hidden_size: H,
      num_hidden_layers: L,
      num_attention_heads: heads,
      intermediate_size: I,
      // as many sliding layers as full ones, a window of half the length
      global_attn_every_n_layers: 2,
      local_attention: Math.max(2, Math.floor(T / 2)),
    },
  });
  const params = new Map<string, tf.Variable>();
  let nonEmbedding = 0;
  for (const spec of f.paramSpecs(config)) {
    const t = f.initParam(config, spec, 1);
    params.set(spec.name, tf.variable(t, true));
    t.dispose();
    if (!f.isEmbeddingParam(spec.name)) nonEmbedding += t.size;
  }
  const get = (name: string) => params.get(name) as tf.Variable;
  return {
    name: 'ModernBERT',
    params,
    nonEmbedding,
    loss: (batch) => f.forward(config, get, batch, { training: true, seed: 1 }).loss as tf.Scalar,
  };
}

/** Seconds per training step (forward, backward, AdamW), the best of `rounds` runs of `steps`. */
async function secondsPerStep(c: Contender, batch: ClassifierBatch): Promise<number> {
  const opt = new AdamW(c.params, { weightDecay: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
  const step = async () => {
    const { value, grads } = tf.variableGrads(() => c.loss(batch), [...c.params.values()]);
    const byName = new Map<string, tf.Tensor>();
    for (const [name, v] of c.params) byName.set(name, grads[v.name]);
    opt.step(byName, 1e-4);
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
  };
  for (let i = 0; i < 3; i++) await step();
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await step();
    best = Math.min(best, (performance.now() - t0) / 1000 / steps);
  }
  opt.dispose();
  return best;
}

const choice = await selectBackend(backend);
console.log(
  `${choice.name} (${choice.reason}); hidden ${H}, ${L} layers, ${heads} heads, intermediate ` +
    `${I}; batch ${B} x ${T} tokens (a quarter of the rows padded by a quarter); ${steps} steps, best of ${rounds}`,
);
const ids: number[][] = [];
const mask: number[][] = [];
for (let b = 0; b < B; b++) {
  const len = b % 4 === 0 ? Math.floor((3 * T) / 4) : T;
  ids.push(
    Array.from({ length: T }, (_, t) => (t < len ? 5 + ((b * 31 + t * 7) % (VOCAB - 5)) : 0)),
  );
  mask.push(Array.from({ length: T }, (_, t) => (t < len ? 1 : 0)));
}
const batch: ClassifierBatch = {
  input_ids: tf.tensor2d(ids, undefined, 'int32'),
  attention_mask: tf.tensor2d(mask, undefined, 'int32'),
  labels: tf.tensor1d(
    ids.map((_, b) => b % 2),
    'int32',
  ),
};
const results: Array<{ name: string; sps: number; perFlop: number }> = [];
for (const make of [bert, modernbert]) {
  const c = make();
  const s = await secondsPerStep(c, batch);
  const flopsPerSample = 6 * T * c.nonEmbedding;
  results.push({ name: c.name, sps: B / s, perFlop: (B / s) * flopsPerSample });
  for (const v of c.params.values()) v.dispose();
}
const base = results[0];
for (const r of results) {
  console.log(
    `${r.name.padEnd(11)} ${r.sps.toFixed(1).padStart(8)} samples/s  ` +
      `${(r.perFlop / 1e9).toFixed(2).padStart(7)} GFLOP/s (6 x tokens x non-embedding params)  ` +
      `per-FLOP speed ${(r.perFlop / base.perFlop).toFixed(2)}x BERT's`,
  );
}
