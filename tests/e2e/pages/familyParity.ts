/**
 * The parity page's part for the registered families beside BERT: each family's fixture
 * checkpoint (tests/fixtures/auto/<model_type>, copied under `auto/` with `auto/families.json`
 * listing the model types, and `batch.json`: the first 16 validation rows as the studio
 * tokenizes them) on the current backend: its logits on them against transformers'
 * (initial_logits.json), and three seeded training steps (forward, backward, clipping, AdamW)
 * whose losses and grad norms the test compares between backends.
 */
import * as tf from '@tensorflow/tfjs';
import { readSafetensors } from '../../../src/core/io/safetensors';
import { SequenceClassifier } from '../../../src/core/model/classifier';
import { familyForModelType } from '../../../src/core/model/families';
import type { ClassifierBatch } from '../../../src/core/model/family';
import { AdamW } from '../../../src/core/train/adamw';
import { clipByGlobalNorm } from '../../../src/core/train/clip';

interface RefBatch {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids?: number[][];
}

/** One family's numbers on the current backend. */
export interface FamilyParity {
  /** Largest |logit - transformers' logit| over the 16 rows. */
  logits: number;
  losses: number[];
  norms: number[];
  leaked: number;
}

async function fetchJson<T>(url: string): Promise<T> {
  return (await (await fetch(url)).json()) as T;
}

function toBatch(b: RefBatch) {
  const t = (rows: number[][]) => tf.tensor2d(rows, undefined, 'int32');
  return {
    input_ids: t(b.input_ids),
    attention_mask: t(b.attention_mask),
    ...(b.token_type_ids ? { token_type_ids: t(b.token_type_ids) } : {}),
  };
}

async function familyParity(modelType: string): Promise<FamilyParity> {
  const before = tf.memory().numTensors;
  const dir = `auto/${modelType}`;
  const family = familyForModelType(modelType);
  const config = family.parseConfig(await fetchJson<unknown>(`${dir}/config.json`));
  const first = await fetchJson<RefBatch>(`${dir}/batch.json`);
  const want = (await fetchJson<{ logits: number[][] }>(`${dir}/initial_logits.json`)).logits;
  const bytes = new Uint8Array(await (await fetch(`${dir}/model.safetensors`)).arrayBuffer());
  const tensors = new Map<string, tf.Tensor>();
  for (const [name, t] of readSafetensors(bytes)) tensors.set(name, tf.tensor(t.data, t.shape));
  const { model } = SequenceClassifier.fromTensors(family, config, tensors, 0);
  tf.dispose([...tensors.values()]);

  let logits = 0;
  const scored = toBatch(first);
  const out = model.forward(scored, { training: false });
  const got = await out.logits.data();
  const width = got.length / first.input_ids.length;
  for (let i = 0; i < got.length; i++) {
    logits = Math.max(logits, Math.abs(got[i] - want[Math.floor(i / width)][i % width]));
  }
  tf.dispose([out.logits, ...Object.values(scored)]);

  const batch = {
    ...toBatch(first),
    labels: tf.tensor1d(
      first.input_ids.map((_, i) => i % 2),
      'int32',
    ),
  };
  const { losses, norms } = await seededSteps(model, batch, 3, 5e-3);
  model.dispose();
  tf.dispose(Object.values(batch));
  return { logits, losses, norms, leaked: tf.memory().numTensors - before };
}

/**
 * `steps` training steps of `model` on `batch` as the Trainer takes them: dropout seeded by the
 * step, gradients clipped to global norm 1, AdamW (weight decay 0.01) at `lr`; returns each step's
 * loss and pre-clip gradient norm. Disposes the optimizer, not the model or the batch.
 */
export async function seededSteps(
  model: SequenceClassifier,
  batch: ClassifierBatch,
  steps: number,
  lr: number,
): Promise<{ losses: number[]; norms: number[] }> {
  const optimizer = new AdamW(model.params, { weightDecay: 0.01 });
  const vars = [...model.params.values()];
  const names = new Map([...model.params].map(([k, v]) => [v.name, k]));
  const losses: number[] = [];
  const norms: number[] = [];
  for (let step = 0; step < steps; step++) {
    const { value, grads } = tf.variableGrads(
      () => model.forward(batch, { training: true, seed: step }).loss!,
      vars,
    );
    const named = new Map<string, tf.Tensor>();
    for (const [vn, g] of Object.entries(grads)) named.set(names.get(vn) ?? vn, g);
    const { grads: clipped, norm } = clipByGlobalNorm(named, 1.0);
    losses.push((await value.data())[0]);
    norms.push((await norm.data())[0]);
    optimizer.step(clipped, lr);
    tf.dispose([value, norm, ...named.values(), ...clipped.values()]);
  }
  optimizer.dispose();
  return { losses, norms };
}

/** Every family that `auto/families.json` lists, by model_type. */
export async function familiesParity(): Promise<Record<string, FamilyParity>> {
  const out: Record<string, FamilyParity> = {};
  for (const t of await fetchJson<string[]>('auto/families.json')) out[t] = await familyParity(t);
  return out;
}
