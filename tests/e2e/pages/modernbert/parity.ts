/**
 * A test-only page: the ModernBERT family on the `webgpu` and `cpu` backends against the
 * transformers reference (tests/fixtures/auto/modernbert/reference.json): logits of the padded
 * validation batch, loss and every parameter's gradient norm, for the fixture checkpoint (mean
 * pooling, sliding windows shorter than the batch) and the second model (cls pooling, biases).
 * Results land in `window.__parity`.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { readSafetensors } from '../../../../src/core/io/safetensors';
import { modernbertFamily as family } from '../../../../src/core/model/modernbert';
import { headLoss } from '../../../../src/core/train/losses';

const CE = headLoss('single_label_classification');

interface Reference {
  forward: { input_ids: number[][]; attention_mask: number[][]; logits: number[][] };
  gradient: {
    input_ids: number[][];
    attention_mask: number[][];
    labels: number[];
    loss: number;
    grad_norms: Record<string, number>;
  };
  variant: {
    config: unknown;
    logits: number[][];
    labels: number[];
    loss: number;
    grad_norms: Record<string, number>;
  };
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const fetchJson = async <T>(url: string): Promise<T> => (await (await fetch(url)).json()) as T;
const fetchBytes = async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer());

/** Errors against the reference for one model on the current backend (NaN shows as null). */
async function modelErrors(
  ref: Reference,
  rawConfig: unknown,
  bytes: Uint8Array,
  want: { logits: number[][]; labels: number[]; loss: number; norms: Record<string, number> },
): Promise<Record<string, number>> {
  const config = family.parseConfig(rawConfig);
  const params = new Map<string, tf.Variable>();
  for (const [k, t] of readSafetensors(bytes)) {
    params.set(k, tf.variable(tf.tensor(t.data, t.shape), true));
  }
  const get = (name: string) => params.get(name) as tf.Variable;
  const start = tf.memory().numTensors;
  const ints = (rows: number[][]) => tf.tensor2d(rows, undefined, 'int32');
  const fwd = {
    input_ids: ints(ref.forward.input_ids),
    attention_mask: ints(ref.forward.attention_mask),
  };
  const out = family.forward(config, get, fwd, {});
  const logits = maxAbs(await out.logits.data(), want.logits.flat());
  const batch = {
    input_ids: ints(ref.gradient.input_ids),
    attention_mask: ints(ref.gradient.attention_mask),
    labels: tf.tensor1d(want.labels, 'int32'),
  };
  const { value, grads } = tf.variableGrads(
    () => family.forward(config, get, batch, { training: true, loss: CE }).loss as tf.Scalar,
    [...params.values()],
  );
  const loss = Math.abs((await value.data())[0] - want.loss);
  let gradNorm = 0;
  for (const [name, v] of params) {
    let sq = 0;
    for (const x of await grads[v.name].data()) sq += x * x;
    gradNorm = Math.max(gradNorm, Math.abs(Math.sqrt(sq) - want.norms[name]) / want.norms[name]);
  }
  tf.dispose([
    out.logits,
    value,
    ...Object.values(grads),
    ...Object.values(fwd),
    ...Object.values(batch),
  ]);
  const leaked = tf.memory().numTensors - start;
  for (const v of params.values()) v.dispose();
  return { logits, loss, gradNorm, leaked };
}

async function run(backend: string): Promise<Record<string, unknown>> {
  await tf.setBackend(backend);
  await tf.ready();
  const ref = await fetchJson<Reference>('fixture/reference.json');
  const fixture = await modelErrors(
    ref,
    await fetchJson<unknown>('fixture/checkpoint/config.json'),
    await fetchBytes('fixture/checkpoint/model.safetensors'),
    {
      logits: ref.forward.logits,
      labels: ref.gradient.labels,
      loss: ref.gradient.loss,
      norms: ref.gradient.grad_norms,
    },
  );
  const variant = await modelErrors(
    ref,
    ref.variant.config,
    await fetchBytes('fixture/variant.safetensors'),
    {
      logits: ref.variant.logits,
      labels: ref.variant.labels,
      loss: ref.variant.loss,
      norms: ref.variant.grad_norms,
    },
  );
  return { backend: tf.getBackend(), fixture, variant };
}

const w = window as unknown as { __parity?: unknown };
(async () => ({ webgpu: await run('webgpu'), cpu: await run('cpu') }))().then(
  (r) => (w.__parity = r),
  (e: Error) => (w.__parity = { error: `${e.name}: ${e.message}` }),
);
