/**
 * A test-only page: the studio's core model code in Chromium, on the `webgpu` backend, against
 * the PyTorch reference (tests/fixtures/bert-tiny-random) and against the `cpu` backend step for
 * step during training (dropout on, seeded); the other registered families' fixtures likewise
 * (familyParity.ts). Results land in `window.__parity`.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { readSafetensors } from '../../../src/core/io/safetensors';
import { SequenceClassifier } from '../../../src/core/model/classifier';
import { bertFamily } from '../../../src/core/model/bert';
import { parseBertConfig, smallBertConfig } from '../../../src/core/model/bert/config';
import { clipByGlobalNorm } from '../../../src/core/train/clip';
import { familiesParity, seededSteps } from './familyParity';

interface Reference {
  input_ids: number[][];
  token_type_ids: number[][];
  attention_mask: number[][];
  labels: number[];
  logits: number[][];
  loss: number;
  pre_clip_grad_norm: number;
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

async function fetchJson<T>(url: string): Promise<T> {
  return (await (await fetch(url)).json()) as T;
}

/** Fixture logits, loss and pre-clip grad norm on the current backend. */
async function fixtureParity(): Promise<Record<string, number>> {
  const ref = await fetchJson<Reference>('fixture/reference.json');
  const config = parseBertConfig(await fetchJson<unknown>('fixture/config.json'));
  const bytes = new Uint8Array(await (await fetch('fixture/model.safetensors')).arrayBuffer());
  const tensors = new Map<string, tf.Tensor>();
  for (const [name, t] of readSafetensors(bytes)) tensors.set(name, tf.tensor(t.data, t.shape));
  const { model } = SequenceClassifier.fromTensors(bertFamily, config, tensors, 0);
  tf.dispose([...tensors.values()]);
  const [B, T] = [ref.input_ids.length, ref.input_ids[0].length];
  const batch = {
    input_ids: tf.tensor2d(ref.input_ids.flat(), [B, T], 'int32'),
    token_type_ids: tf.tensor2d(ref.token_type_ids.flat(), [B, T], 'int32'),
    attention_mask: tf.tensor2d(ref.attention_mask.flat(), [B, T], 'int32'),
    labels: tf.tensor1d(ref.labels, 'int32'),
  };
  const out = model.forward(batch, { training: false });
  const logits = await out.logits.data();
  const loss = (await out.loss!.data())[0];
  tf.dispose([out.logits, out.loss!]);
  const vars = [...model.params.values()];
  const names = new Map([...model.params].map(([k, v]) => [v.name, k]));
  const { value, grads } = tf.variableGrads(
    () => model.forward(batch, { training: false }).loss!,
    vars,
  );
  const named = new Map<string, tf.Tensor>();
  for (const [vn, g] of Object.entries(grads)) named.set(names.get(vn) ?? vn, g);
  const { grads: clipped, norm } = clipByGlobalNorm(named, 1.0);
  const gradNorm = (await norm.data())[0];
  tf.dispose([value, norm, ...named.values(), ...clipped.values(), ...Object.values(batch)]);
  model.dispose();
  return {
    logits: maxAbs(logits, ref.logits.flat()),
    loss: Math.abs(loss - ref.loss),
    gradNorm: Math.abs(gradNorm - ref.pre_clip_grad_norm),
  };
}

/** Losses and grad norms of 4 AdamW steps of a small model with dropout, on the current backend. */
async function trainingCurve(): Promise<{ losses: number[]; norms: number[] }> {
  const config = smallBertConfig({
    vocabSize: 300,
    numLabels: 2,
    maxLength: 24,
    hiddenSize: 16,
    numLayers: 1,
    numHeads: 2,
    intermediateSize: 32,
  });
  const model = SequenceClassifier.create(bertFamily, config, 42);
  const [B, T] = [8, 20];
  const ids = Array.from({ length: B * T }, (_, i) => (i % T === 0 ? 2 : 5 + ((i * 7919) % 290)));
  const batch = {
    input_ids: tf.tensor2d(ids, [B, T], 'int32'),
    token_type_ids: tf.zeros([B, T], 'int32') as tf.Tensor2D,
    attention_mask: tf.ones([B, T], 'int32') as tf.Tensor2D,
    labels: tf.tensor1d([0, 1, 0, 1, 0, 0, 1, 0], 'int32'),
  };
  const { losses, norms } = await seededSteps(model, batch, 4, 1e-2);
  model.dispose();
  tf.dispose(Object.values(batch));
  return { losses, norms };
}

async function main(): Promise<unknown> {
  const result: Record<string, unknown> = {};
  for (const backend of ['cpu', 'webgpu']) {
    if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} is unavailable`);
    await tf.ready();
    const before = tf.memory().numTensors;
    result[backend] = {
      backend: tf.getBackend(),
      fixture: await fixtureParity(),
      curve: await trainingCurve(),
      leaked: tf.memory().numTensors - before,
      families: await familiesParity(),
    };
  }
  return result;
}

const w = window as unknown as { __parity?: unknown };
main().then(
  (r) => (w.__parity = r),
  (e: Error) => (w.__parity = { error: `${e.name}: ${e.message}` }),
);
