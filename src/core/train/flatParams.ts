/**
 * Flat buffers over named parameters, so the optimizer step and gradient clipping run a handful of
 * TF.js kernels per step instead of a dozen per parameter.
 *
 * Parameters are grouped into buckets (one weight-decay setting per bucket): a large parameter
 * gets a bucket of its own, used in place (a reshape, no copy); small ones are concatenated into
 * one 1-D buffer per bucket, so the elementwise AdamW chain runs once over all of them. Element
 * order never matters for AdamW (elementwise) and only the summation order for the norm.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * A parameter of at least this many elements (4 MiB of float32) gets a bucket of its own: copying
 * it into a concatenation and back costs more than the kernels it would save.
 */
export const ALONE_ELEMENTS = 1 << 20;
/**
 * Elements of small parameters per concatenated bucket at most (64 MiB of float32), under
 * WebGPU's default `maxStorageBufferBindingSize` (128 MiB).
 */
export const BUCKET_ELEMENTS = 1 << 24;
/**
 * Inputs per `tf.concat` at most: on WebGPU a concat binds one storage buffer per input plus one
 * for the output, and SwiftShader allows 8 per shader stage (beyond it, results came back zero).
 */
export const CONCAT_FANIN = 7;

/**
 * A row-sparse gradient: the gradient of a 2-D table (the word embeddings) that is zero outside
 * some rows, held as those rows only. `values` [rows.length, width] is an ordinary tensor; this
 * record of which rows it holds travels beside it (see {@link rowSparseGrad}).
 */
export interface SparseRows {
  /** The table rows `values` holds, sorted and distinct. */
  readonly rows: Int32Array;
  /** The table's shape [rows, width]. */
  readonly shape: readonly [number, number];
}

const sparseGrads = new WeakMap<tf.Tensor, SparseRows>();

/**
 * Marks `values` ([rows.length, width]) as the gradient of a table of `shape` that is zero
 * outside `rows` (sorted, distinct), and returns it: a gradient map may hold it under the table's
 * name (`StepGradients.grads`), and `AdamW.flattenGrads` then never builds the dense table.
 */
export function rowSparseGrad(
  values: tf.Tensor2D,
  rows: Int32Array,
  shape: readonly [number, number],
): tf.Tensor2D {
  if (values.shape[0] !== rows.length || values.shape[1] !== shape[1]) {
    throw new Error(
      `rowSparseGrad: values [${values.shape}] do not hold ${rows.length} rows of width ${shape[1]}`,
    );
  }
  sparseGrads.set(values, { rows, shape });
  return values;
}

/** The rows a gradient made by {@link rowSparseGrad} holds; undefined for a dense one. */
export function sparseRowsOf(t: tf.Tensor): SparseRows | undefined {
  return sparseGrads.get(t);
}

/**
 * The dense gradient of a table from its rows: a new tensor of the table's shape (zeros outside
 * the rows). Call inside `tf.tidy`.
 */
export function denseRows(values: tf.Tensor, sparse: SparseRows): tf.Tensor2D {
  const [n, width] = sparse.shape;
  const k = sparse.rows.length;
  if (k === 0) return tf.zeros([n, width]);
  return tf.scatterND(tf.tensor2d(sparse.rows, [k, 1], 'int32'), values.reshape([k, width]), [
    n,
    width,
  ]);
}

/** A gradient as its parameter's shape: dense as it is, a row-sparse one filled out. */
export function denseGrad(t: tf.Tensor): tf.Tensor {
  const sparse = sparseRowsOf(t);
  return sparse ? denseRows(t, sparse) : t;
}

/** A run of parameters updated as one flat buffer. */
export interface Bucket {
  /** Whether the bucket's parameters get weight decay. */
  readonly decay: boolean;
  readonly names: readonly string[];
  readonly shapes: readonly (readonly number[])[];
  readonly sizes: readonly number[];
  /** Start of each parameter in the flat buffer. */
  readonly offsets: readonly number[];
  /** Total elements. */
  readonly size: number;
}

/**
 * Buckets over `params` in map order: decay and no-decay parameters apart, each parameter of
 * `alone` elements or more by itself, the others packed up to `maxElements` per bucket.
 */
export function planBuckets(
  params: Map<string, tf.Variable>,
  decays: (name: string) => boolean,
  alone = ALONE_ELEMENTS,
  maxElements = BUCKET_ELEMENTS,
): Bucket[] {
  const out: Bucket[] = [];
  const open = new Map<boolean, { names: string[]; shapes: number[][]; size: number }>();
  const close = (decay: boolean) => {
    const b = open.get(decay);
    if (b && b.names.length > 0) out.push(makeBucket(decay, b.names, b.shapes));
    open.delete(decay);
  };
  for (const [name, p] of params) {
    const decay = decays(name);
    if (p.size >= alone) {
      out.push(makeBucket(decay, [name], [p.shape.slice()]));
      continue;
    }
    let b = open.get(decay);
    if (b && b.size + p.size > maxElements) {
      close(decay);
      b = undefined;
    }
    if (!b) {
      b = { names: [], shapes: [], size: 0 };
      open.set(decay, b);
    }
    b.names.push(name);
    b.shapes.push(p.shape.slice());
    b.size += p.size;
  }
  close(true);
  close(false);
  return out;
}

function makeBucket(decay: boolean, names: string[], shapes: number[][]): Bucket {
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const offsets: number[] = [];
  let size = 0;
  for (const n of sizes) {
    offsets.push(size);
    size += n;
  }
  return { decay, names, shapes, sizes, offsets, size };
}

/**
 * The tensors flattened and concatenated into one 1-D tensor, at most {@link CONCAT_FANIN} inputs
 * per concat (a tree). One tensor: a reshape, sharing its data. Call inside `tf.tidy`.
 */
export function concatFlat(tensors: readonly tf.Tensor[]): tf.Tensor1D {
  let level: tf.Tensor1D[] = tensors.map(
    (t) => (t.rank === 1 ? t : t.reshape([-1])) as tf.Tensor1D,
  );
  if (level.length === 1)
    return level[0] === tensors[0] ? (level[0].clone() as tf.Tensor1D) : level[0];
  while (level.length > 1) {
    const next: tf.Tensor1D[] = [];
    for (let i = 0; i < level.length; i += CONCAT_FANIN) {
      const chunk = level.slice(i, i + CONCAT_FANIN);
      next.push(chunk.length === 1 ? chunk[0] : tf.concat1d(chunk));
    }
    level = next;
  }
  return level[0];
}

/** The flat buffer of `bucket` cut back into its parameters' shapes. Call inside `tf.tidy`. */
export function splitFlat(flat: tf.Tensor, bucket: Bucket): tf.Tensor[] {
  if (bucket.names.length === 1) return [flat.reshape(bucket.shapes[0] as number[])];
  const sizes = bucket.sizes as number[];
  // One split (on wasm the studio's SplitV copies each piece once; TF.js's own copied the
  // whole input per piece, which a tree of two-way splits worked around).
  return tf.split(flat, sizes).map((t, i) => t.reshape(bucket.shapes[i] as number[]));
}

/**
 * Gradients laid out in an optimizer's buckets (from `AdamW.flattenGrads`): per bucket one flat
 * float32 tensor, or `null` when no parameter of the bucket has a gradient. A bucket where only
 * some parameters have one holds zeros for the others and lists which are present, so the
 * optimizer leaves the missing ones untouched (as torch skips `p.grad is None`).
 *
 * A bucket of one table whose gradient came row-sparse ({@link rowSparseGrad}) stays so: its
 * tensor is the compact rows (flat), {@link FlatGrads.sparse} says which; clipping works on the
 * rows alone (the other elements are zeros), and {@link FlatGrads.get} fills it out on demand.
 *
 * Owns its tensors: `dispose()` it after the step (`tf.dispose(flat)` frees them too). The input
 * gradients can be disposed as soon as it is built.
 */
export class FlatGrads {
  // The layout and owner in #private fields: `tf.dispose(flat)` walks an object's enumerable
  // properties, and must reach this object's tensors only, never the optimizer's moments.
  readonly #owner: object;
  readonly #buckets: readonly Bucket[];
  readonly #present: readonly (readonly boolean[] | null)[];
  readonly #sparse: readonly (SparseRows | null)[];
  private tensors: (tf.Tensor1D | null)[];
  /** Row-sparse buckets filled out by {@link FlatGrads.get}, kept until the next change. */
  private dense: (tf.Tensor1D | null)[] = [];
  private disposed = false;

  /**
   * Built by `AdamW.flattenGrads`: per bucket a flat tensor (taken over) or `null`, which of the
   * bucket's parameters have a gradient (`null`: all), the optimizer whose layout it is, and per
   * bucket the rows its tensor holds when it is a row-sparse table's (absent or null: dense).
   */
  constructor(
    buckets: readonly Bucket[],
    tensors: (tf.Tensor1D | null)[],
    present: readonly (readonly boolean[] | null)[],
    owner: object,
    sparse: readonly (SparseRows | null)[] = [],
  ) {
    this.#buckets = buckets;
    this.#present = present;
    this.#sparse = buckets.map((_, i) => sparse[i] ?? null);
    this.#owner = owner;
    this.tensors = tensors;
  }

  /** The bucket layout (shared with the optimizer; do not modify). */
  get buckets(): readonly Bucket[] {
    return this.#buckets;
  }

  /** Per bucket, which of its parameters have a gradient (`null`: all of them). */
  get present(): readonly (readonly boolean[] | null)[] {
    return this.#present;
  }

  /** Whether `owner` built this (an optimizer checks a FlatGrads is laid out for it). */
  isFrom(owner: object): boolean {
    return this.#owner === owner;
  }

  /**
   * The flat gradient of bucket `i` (a row-sparse one filled out with zeros), or `null`. Owned by
   * this object.
   */
  get(i: number): tf.Tensor1D | null {
    this.check();
    const t = this.tensors[i];
    const sparse = this.#sparse[i];
    if (!t || !sparse) return t;
    // tf.keep: owned by this object even when asked for inside a tidy (AdamW's step).
    this.dense[i] ??= tf.keep(tf.tidy(() => denseRows(t, sparse).reshape([-1]) as tf.Tensor1D));
    return this.dense[i];
  }

  /**
   * Bucket `i`'s gradient as rows, when it is a row-sparse table's: the rows and their values
   * (flat, [rows.length * width], owned by this object); null for a dense one.
   */
  sparse(i: number): (SparseRows & { values: tf.Tensor1D }) | null {
    this.check();
    const t = this.tensors[i];
    const sparse = this.#sparse[i];
    return t && sparse ? { ...sparse, values: t } : null;
  }

  /** Names that have a gradient. */
  names(): string[] {
    const out: string[] = [];
    this.buckets.forEach((b, i) => {
      if (this.tensors[i] === null) return;
      const pr = this.present[i];
      b.names.forEach((n, j) => {
        if (!pr || pr[j]) out.push(n);
      });
    });
    return out;
  }

  /**
   * Sum of the squares of all gradient elements, a new scalar owned by the caller (one Square and
   * one Sum per bucket, added pairwise: no AddN, whose inputs WebGPU binds one buffer each).
   */
  sumOfSquares(): tf.Scalar {
    this.check();
    return tf.tidy(() => {
      let total: tf.Scalar | null = null;
      for (const g of this.tensors) {
        if (!g) continue;
        const s = tf.sum(tf.square(g)) as tf.Scalar;
        total = total ? (tf.add(total, s) as tf.Scalar) : s;
      }
      return total ?? tf.scalar(0);
    });
  }

  /** Multiplies every gradient by the scalar `coef` (in place: the old buffers are freed). */
  scale(coef: tf.Scalar): void {
    this.check();
    this.dropDense();
    this.tensors = this.tensors.map((g) => {
      if (!g) return null;
      const s = tf.keep(tf.mul(g, coef) as tf.Tensor1D);
      g.dispose();
      return s;
    });
  }

  /** The gradients by name, shaped as their parameters: new tensors owned by the caller. */
  toMap(): Map<string, tf.Tensor> {
    this.check();
    const out = new Map<string, tf.Tensor>();
    tf.tidy(() => {
      this.buckets.forEach((b, i) => {
        const g = this.get(i);
        if (!g) return;
        const pr = this.present[i];
        splitFlat(g, b).forEach((t, j) => {
          if (!pr || pr[j]) out.set(b.names[j], tf.keep(t));
        });
      });
    });
    return out;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.dropDense();
    for (const g of this.tensors) g?.dispose();
    this.tensors = [];
    this.disposed = true;
  }

  private dropDense(): void {
    for (const d of this.dense) d?.dispose();
    this.dense = [];
  }

  private check(): void {
    if (this.disposed) throw new Error('FlatGrads: used after dispose()');
  }
}
