/**
 * Training-step speed of a model family against BERT of the same hidden size, layers, heads and
 * intermediate size, on one TF.js backend: forward, backward and an AdamW step on a random
 * batch, timed after warm-up, reported as samples/s and as samples/s per FLOP (FLOPs per sample
 * as transformers' `total_flos` counts them, 6 x tokens x non-embedding parameters) relative to
 * BERT's. Both models are from-scratch configs of their family (`scratchConfig`) with the sizes
 * set; `--settings` adds config keys (JSON) for the family under test.
 *
 *   node --import tsx scripts/bench-family.ts                      # ModernBERT vs BERT, wasm
 *   node --import tsx scripts/bench-family.ts --family modernbert --hidden 256 --layers 4 \
 *     --heads 4 --intermediate 512 --length 128
 */
import * as tf from '@tensorflow/tfjs';

import { selectBackend, type BackendName } from '../src/core/backend';
import type { ClassifierBatch, ModelFamily } from '../src/core/model/family';
import { familyForModelType } from '../src/core/model/families';
import { AdamW } from '../src/core/train/adamw';
import { headLoss } from '../src/core/train/losses';

tf.env().set('PROD', true);
const argv = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
};
const backend = flag('backend', 'wasm') as BackendName;
const familyName = flag('family', 'modernbert');
const H = Number(flag('hidden', '64'));
const L = Number(flag('layers', '2'));
const heads = Number(flag('heads', '4'));
const I = Number(flag('intermediate', '128'));
const T = Number(flag('length', '64'));
const B = Number(flag('batch', '16'));
const steps = Number(flag('steps', '20'));
const rounds = Number(flag('rounds', '3'));
/** ModernBERT's default: as many sliding layers as full ones, a window of half the length. */
const DEFAULT_SETTINGS: Record<string, Record<string, unknown>> = {
  modernbert: { global_attn_every_n_layers: 2, local_attention: Math.max(2, Math.floor(T / 2)) },
};
const settings = JSON.parse(
  flag('settings', JSON.stringify(DEFAULT_SETTINGS[familyName] ?? {})),
) as Record<string, unknown>;
const VOCAB = 1000;

interface Contender {
  name: string;
  params: Map<string, tf.Variable>;
  nonEmbedding: number;
  loss: (batch: ClassifierBatch) => tf.Scalar;
}

/** A from-scratch model of `family` at the benchmark's sizes (plus `extra` config keys). */
function contender(family: ModelFamily, extra: Record<string, unknown>): Contender {
  const config = family.scratchConfig({
    vocabSize: VOCAB,
    id2label: { '0': 'a', '1': 'b' },
    problemType: 'single_label_classification',
    maxLength: T,
    padTokenId: 0,
    settings: {
      hidden_size: H,
      num_hidden_layers: L,
      num_attention_heads: heads,
      intermediate_size: I,
      ...extra,
    },
  });
  const params = new Map<string, tf.Variable>();
  let nonEmbedding = 0;
  for (const spec of family.paramSpecs(config)) {
    const t = family.initParam(config, spec, 1);
    params.set(spec.name, tf.variable(t, true));
    if (!family.isEmbeddingParam(spec.name)) nonEmbedding += t.size;
    t.dispose();
  }
  const get = (name: string) => params.get(name) as tf.Variable;
  const loss = headLoss('single_label_classification');
  const fed = (batch: ClassifierBatch): ClassifierBatch =>
    family.takesTokenTypeIds(config) ? batch : { ...batch, token_type_ids: undefined };
  return {
    name: family.displayName,
    params,
    nonEmbedding,
    loss: (batch) =>
      family.forward(config, get, fed(batch), { training: true, seed: 1, loss }).loss as tf.Scalar,
  };
}

/** A training step of `c` (forward, backward, AdamW) on `batch`, and the optimizer to free. */
function stepper(c: Contender, batch: ClassifierBatch) {
  const opt = new AdamW(c.params, { weightDecay: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
  const step = async () => {
    const { value, grads } = tf.variableGrads(() => c.loss(batch), [...c.params.values()]);
    const byName = new Map<string, tf.Tensor>();
    for (const [name, v] of c.params) byName.set(name, grads[v.name]);
    opt.step(byName, 1e-4);
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
  };
  return { step, opt };
}

const choice = await selectBackend(backend);
console.log(
  `${choice.name} (${choice.reason}); hidden ${H}, ${L} layers, ${heads} heads, intermediate ` +
    `${I}; batch ${B} x ${T} tokens (a quarter of the rows padded by a quarter); ${steps} steps a round, best of ${rounds} alternating rounds`,
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
// Rounds alternate between the models (a busy machine slows both alike); best round of each.
const contenders = [
  contender(familyForModelType('bert'), {}),
  contender(familyForModelType(familyName), settings),
];
const steppers = contenders.map((c) => stepper(c, batch));
for (const s of steppers) for (let i = 0; i < 3; i++) await s.step();
const best = contenders.map(() => Infinity);
for (let r = 0; r < rounds; r++) {
  for (const [k, s] of steppers.entries()) {
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await s.step();
    best[k] = Math.min(best[k], (performance.now() - t0) / 1000 / steps);
  }
}
const results = contenders.map((c, k) => {
  const sps = B / best[k];
  return { name: c.name, sps, perFlop: sps * 6 * T * c.nonEmbedding };
});
for (const [k, c] of contenders.entries()) {
  steppers[k].opt.dispose();
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
