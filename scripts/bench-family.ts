/**
 * Training-step speed of a model family against BERT of the same size, on TF.js's wasm backend
 * with the studio's kernels (what `studio train` uses in Node), one thread: forward, backward and
 * an AdamW step on random token ids, timed after warm-up steps. Prints samples/s per family and
 * samples/s per FLOP relative to BERT's, where a sample's FLOPs are transformers'
 * `6 * tokens * num_parameters(exclude_embeddings=True)` (`Trainer.floating_point_ops`).
 *
 *   node --import tsx scripts/bench-family.ts [--families distilbert,electra,...] [--hidden 128]
 *     [--layers 2] [--heads 4] [--intermediate 512] [--batch 16] [--length 64] [--steps 10]
 *     [--rounds 3]
 *
 * Each family runs once per round, the rounds one after another, and each family's best round
 * counts: on a shared machine the slow rounds are the neighbours' doing, not the family's.
 * `--families` defaults to every registered family.
 */
import * as tf from '@tensorflow/tfjs';

import { selectBackend } from '../src/core/backend';
import { FAMILIES, familyForModelType } from '../src/core/model/families';
import type {
  ClassifierBatch,
  ClassifierOutput,
  CommonConfig,
  ForwardOptions,
  ModelFamily,
} from '../src/core/model/family';
import { AdamW } from '../src/core/train/adamw';
import { headLoss } from '../src/core/train/losses';

const argv = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const num = (name: string, fallback: number) => Number(flag(name, String(fallback)));

const size = {
  hidden: num('hidden', 128),
  layers: num('layers', 2),
  heads: num('heads', 4),
  intermediate: num('intermediate', 512),
};
const B = num('batch', 16);
const T = num('length', 64);
const steps = num('steps', 10);
const warmup = 3;
const vocab = 1000;
const id2label = { 0: 'neg', 1: 'pos' };

/** What a step needs of a model: its variables, a forward pass, its non-embedding size. */
interface BenchModel {
  params: Map<string, tf.Variable>;
  forward(batch: ClassifierBatch, opts: ForwardOptions): ClassifierOutput;
  nonEmbeddingParams: number;
}

function familyModel<C extends CommonConfig>(family: ModelFamily<C>, config: C): BenchModel {
  const params = new Map<string, tf.Variable>();
  let nonEmbeddingParams = 0;
  for (const spec of family.paramSpecs(config)) {
    const t = family.initParam(config, spec, 0);
    params.set(spec.name, tf.variable(t, true, spec.name));
    t.dispose();
    if (!family.isEmbeddingParam(spec.name)) nonEmbeddingParams += t.size;
  }
  const get = (name: string) => params.get(name) as tf.Variable;
  return {
    params,
    forward: (batch, opts) => family.forward(config, get, batch, opts),
    nonEmbeddingParams,
  };
}

const scratch = {
  vocabSize: vocab,
  id2label,
  problemType: 'single_label_classification' as const,
  maxLength: T,
  padTokenId: 0,
};
/**
 * Each registered family's from-scratch model at the bench's size: the sizes go in under BERT's
 * names, which every family's `scratchConfig` maps to its own keys (DistilBERT's `dim`, ...).
 */
function build(modelType: string): BenchModel {
  const family = familyForModelType(modelType);
  return familyModel(
    family,
    family.scratchConfig({
      ...scratch,
      settings: {
        hidden_size: size.hidden,
        num_hidden_layers: size.layers,
        num_attention_heads: size.heads,
        intermediate_size: size.intermediate,
      },
    }),
  );
}

/** Samples per second of training steps (forward, backward, AdamW) after warm-up. */
async function samplesPerSecond(model: BenchModel): Promise<number> {
  const ids = tf.randomUniform([B, T], 1, vocab, 'int32', 1);
  // Padding in the second half of the rows, as a real batch has.
  const mask = tf.tidy(() =>
    tf.concat([
      tf.ones([B / 2, T], 'int32'),
      tf.concat([tf.ones([B / 2, T / 2], 'int32'), tf.zeros([B / 2, T / 2], 'int32')], 1),
    ]),
  );
  const batch: ClassifierBatch = {
    input_ids: ids as tf.Tensor2D,
    attention_mask: mask as tf.Tensor2D,
    labels: tf.tensor1d(
      Array.from({ length: B }, (_, i) => i % 2),
      'int32',
    ),
  };
  const optimizer = new AdamW(model.params, { weightDecay: 0.01 });
  const loss = headLoss('single_label_classification');
  let start = 0;
  for (let s = 0; s < warmup + steps; s++) {
    if (s === warmup) start = performance.now();
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(batch, { training: true, seed: s, loss });
      out.logits.dispose();
      return out.loss as tf.Scalar;
    });
    const byName = new Map<string, tf.Tensor>();
    for (const [name, v] of model.params) byName.set(name, grads[v.name]);
    optimizer.step(byName, 1e-4);
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
  }
  const seconds = (performance.now() - start) / 1000;
  optimizer.dispose();
  tf.dispose([batch.input_ids, batch.attention_mask, batch.labels as tf.Tensor]);
  for (const v of model.params.values()) v.dispose();
  return (steps * B) / seconds;
}

async function main() {
  const choice = await selectBackend('wasm');
  const others = FAMILIES.map((f) => f.modelTypes[0]).filter((t) => t !== 'bert');
  const families = ['bert', ...flag('families', others.join(',')).split(',')];
  const rounds = num('rounds', 3);
  console.log(
    `backend ${choice.name}; hidden ${size.hidden}, ${size.layers} layers, ${size.heads} heads, ` +
      `intermediate ${size.intermediate}; batch ${B} x ${T} tokens; ${steps} steps after ` +
      `${warmup}; best of ${rounds} rounds (the families interleaved)`,
  );
  const best = new Map<string, { rate: number; flopsPerSample: number }>();
  for (let r = 0; r < rounds; r++) {
    for (const name of families) {
      const model = build(name);
      const flopsPerSample = 6 * T * model.nonEmbeddingParams;
      const rate = await samplesPerSecond(model);
      if (rate > (best.get(name)?.rate ?? 0)) best.set(name, { rate, flopsPerSample });
    }
  }
  const perFlop = (name: string) => {
    const b = best.get(name) as { rate: number; flopsPerSample: number };
    return b.rate * b.flopsPerSample;
  };
  for (const name of families) {
    console.log(
      `${name.padEnd(11)} ${(best.get(name)?.rate ?? 0).toFixed(1).padStart(7)} samples/s  ` +
        `${(perFlop(name) / 1e9).toFixed(2)} GFLOP/s (HF's count)  ` +
        `${(perFlop(name) / perFlop('bert')).toFixed(2)}x BERT's samples/s per FLOP`,
    );
  }
}

void main();
