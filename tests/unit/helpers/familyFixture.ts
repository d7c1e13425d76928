/**
 * A family's fixture (tests/fixtures/auto/<family>) as its unit test uses it: the checkpoint's
 * config and tensors, loaded through the family's own rules, and the PyTorch reference that
 * tests/python/make_<family>_reference.py wrote (reference.json).
 */
import { readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs';
import * as ortNode from 'onnxruntime-node';

import { readSafetensors } from '../../../src/core/io/safetensors';
import type { ClassifierBatch, CommonConfig, ModelFamily } from '../../../src/core/model/family';
import { headLoss } from '../../../src/core/train/losses';

/** A padded batch of token ids as AutoTokenizer gave them. */
export interface RefBatch {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids?: number[][] | null;
}

/** A labelled padded batch with torch's loss, every gradient's norm and some of its entries. */
export interface GradientReference extends RefBatch {
  labels: number[];
  loss: number;
  grad_norms: Record<string, number>;
  grads: Record<string, number[]>;
}

/** Padded validation batches with torch's logits (rows in batch order). */
export interface ValidationReference {
  batches: RefBatch[];
  logits: number[][];
}

export interface FamilyReference {
  validation: ValidationReference;
  train_batch: GradientReference & { logits: number[][] };
  /** `named_parameters()` of the classifier, in order. */
  param_shapes: Record<string, number[]>;
  init_stats: Record<
    string,
    { zero_rows: number[]; mean: number; std: number; min: number; max: number }
  >;
  /** The first validation batch's logits with the head's weights (`params`) times `scale`. */
  scaled_head: { scale: number; params: string[]; logits: number[][] };
  extra: Record<string, unknown>;
}

/** The fixture of `family` (a folder name under tests/fixtures/auto). */
export function familyFixture(folder: string) {
  const dir = `tests/fixtures/auto/${folder}/`;
  const configJson = JSON.parse(readFileSync(`${dir}checkpoint/config.json`, 'utf8')) as Record<
    string,
    unknown
  >;
  const tensors = readSafetensors(
    new Uint8Array(readFileSync(`${dir}checkpoint/model.safetensors`)),
  );
  const ref = JSON.parse(readFileSync(`${dir}reference.json`, 'utf8')) as FamilyReference;
  const initialLogits = (
    JSON.parse(readFileSync(`${dir}initial_logits.json`, 'utf8')) as { logits: number[][] }
  ).logits;
  return { dir, configJson, tensors, ref, initialLogits };
}

/** Host weights by checkpoint name (as `familyOnnx` takes them). */
export function hostWeights(
  tensors: Map<string, { shape: number[]; data: Float32Array }>,
): Map<string, { shape: number[]; data: Float32Array }> {
  return new Map([...tensors].map(([k, t]) => [k, { shape: t.shape, data: t.data }]));
}

/**
 * The checkpoint's tensors as the model's variables, through `family.checkpointName`; throws
 * unless every parameter is found with its shape and every key is used or ignored.
 */
export function loadParams<C extends CommonConfig>(
  family: ModelFamily<C>,
  config: C,
  tensors: Map<string, { shape: number[]; data: Float32Array }>,
): Map<string, tf.Variable> {
  const prefixed = [...tensors.keys()].some((k) => k.startsWith(family.basePrefix));
  const byName = new Map<string, { shape: number[]; data: Float32Array }>();
  const unexpected: string[] = [];
  for (const [key, t] of tensors) {
    const name = family.checkpointName(key, prefixed);
    if (name === null) continue;
    byName.set(name, t);
  }
  const params = new Map<string, tf.Variable>();
  const missing: string[] = [];
  for (const spec of family.paramSpecs(config)) {
    const t = byName.get(spec.name);
    if (!t || t.shape.join() !== spec.shape.join()) missing.push(spec.name);
    else {
      const init = tf.tensor(t.data, t.shape);
      params.set(spec.name, tf.variable(init, true, spec.name));
      init.dispose();
    }
    byName.delete(spec.name);
  }
  unexpected.push(...byName.keys());
  if (missing.length || unexpected.length) {
    for (const v of params.values()) v.dispose();
    throw new Error(`missing ${missing.join(', ')}; unexpected ${unexpected.join(', ')}`);
  }
  return params;
}

/** A getter over `params` (throws for an unknown name, as the model's does). */
export function getter(params: Map<string, tf.Tensor>): (name: string) => tf.Tensor {
  return (name) => {
    const v = params.get(name);
    if (!v) throw new Error(`no parameter '${name}'`);
    return v;
  };
}

/** A reference batch as int32 tensors (labels when given). */
export function toBatch(b: RefBatch, labels?: number[]): ClassifierBatch {
  return {
    input_ids: tf.tensor2d(b.input_ids, undefined, 'int32'),
    attention_mask: tf.tensor2d(b.attention_mask, undefined, 'int32'),
    ...(b.token_type_ids
      ? { token_type_ids: tf.tensor2d(b.token_type_ids, undefined, 'int32') }
      : {}),
    ...(labels ? { labels: tf.tensor1d(labels, 'int32') } : {}),
  };
}

export function disposeBatch(b: ClassifierBatch): void {
  tf.dispose([b.input_ids, b.attention_mask, b.token_type_ids, b.labels].filter((t) => t != null));
}

/** Logits of every validation batch, in row order. */
export async function validationLogits<C extends CommonConfig>(
  family: ModelFamily<C>,
  config: C,
  params: Map<string, tf.Tensor>,
  batches: RefBatch[],
): Promise<number[][]> {
  const rows: number[][] = [];
  for (const b of batches) {
    const batch = toBatch(b);
    const { logits } = family.forward(config, getter(params), batch, {});
    rows.push(...((await logits.array()) as number[][]));
    logits.dispose();
    disposeBatch(batch);
  }
  return rows;
}

/** Cross-entropy loss and the gradient of every parameter on the reference's train batch. */
export function lossAndGrads<C extends CommonConfig>(
  family: ModelFamily<C>,
  config: C,
  params: Map<string, tf.Variable>,
  b: FamilyReference['train_batch'],
  opts: { training?: boolean; seed?: number } = {},
): { loss: tf.Scalar; grads: Map<string, tf.Tensor> } {
  const batch = toBatch(b, b.labels);
  const lossOf = headLoss('single_label_classification');
  const { value, grads } = tf.variableGrads(() => {
    const out = family.forward(config, getter(params), batch, { ...opts, loss: lossOf });
    out.logits.dispose();
    if (!out.loss) throw new Error('no loss');
    return out.loss;
  }, [...params.values()]);
  disposeBatch(batch);
  const byName = new Map<string, tf.Tensor>();
  for (const [name, v] of params) byName.set(name, grads[v.name]);
  return { loss: value, grads: byName };
}

/** L2 norm of a host array, in double precision. */
export function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths ${a.length} and ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The logits of an ONNX model in onnxruntime-node on `b` (the inputs the graph declares). */
export async function onnxLogits(model: Uint8Array, b: RefBatch): Promise<number[][]> {
  const session = await ortNode.InferenceSession.create(model);
  const feeds: Record<string, ortNode.Tensor> = {};
  for (const name of session.inputNames) {
    const rows = b[name as keyof RefBatch];
    if (!rows) throw new Error(`the graph wants '${name}', the batch has none`);
    feeds[name] = new ortNode.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [
      rows.length,
      rows[0].length,
    ]);
  }
  const out = await session.run(feeds);
  await session.release();
  const data = out.logits.data as Float32Array;
  const L = data.length / b.input_ids.length;
  return b.input_ids.map((_, r) => Array.from(data.slice(r * L, (r + 1) * L)));
}
