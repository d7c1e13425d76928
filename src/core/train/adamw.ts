/**
 * AdamW with decoupled weight decay, step for step as `torch.optim.AdamW` (the optimizer HF's
 * Trainer builds by default, `optim="adamw_torch"`).
 *
 * The update runs as TF.js ops or kernels (`adamwBucket.ts`) and reads no tensor data on a GPU
 * backend, so it does not stall a WebGPU queue; moment buffers live in `tf.Variable`s owned by
 * the optimizer.
 *
 * Parameters are updated in flat buckets (see `flatParams.ts`): the small parameters of each
 * weight-decay group concatenated into one buffer, each large one by itself, so a step runs one
 * elementwise chain per bucket (a BERT: 3 buckets) instead of one per parameter. The moments are
 * one flat Variable per bucket; `getState`/`setState` still speak per parameter name.
 *
 * A table's gradient may come row-sparse (`rowSparseGrad`, flatParams.ts: the word embeddings of
 * a data-parallel step): when the table is a bucket of its own it stays rows through clipping,
 * and on wasm the update reads them directly (`wasmAdamWRows`): every row is still updated, as
 * torch updates every element of its dense gradient, in one pass and bit for bit the same.
 */
import * as tf from '@tensorflow/tfjs';

import { wasmAdamW, wasmAdamWInPlace } from '../kernels/wasmKernels';
import { wasmAdamWRows } from '../kernels/wasmAdamWRows';
import { updateBucket } from './adamwBucket';
import {
  type Bucket,
  FlatGrads,
  type SparseRows,
  concatFlat,
  denseRows,
  planBuckets,
  sparseRowsOf,
  splitFlat,
} from './flatParams';
import { ArgumentsError } from './argsError';
import { hfNoDecay, type AdamWOptions, type AdamWState } from './adamwOptions';

export { hfNoDecay, type AdamWOptions, type AdamWState } from './adamwOptions';

/**
 * `torch.optim.AdamW` over named variables. Per step t (1-based), for each parameter p with
 * gradient g: `p *= 1 - lr*wd; m = lerp(m, g, 1-b1); v = b2*v + (1-b2)*g^2;
 * p -= (lr / (1-b1^t)) * m / (sqrt(v) / sqrt(1-b2^t) + eps)`.
 *
 * Two ways to step:
 * - `step(grads: Map, lr)`: per-name gradients, owned by the caller (the original API).
 * - Shared flat gradients, so clipping and the step reuse one concatenation:
 *   ```ts
 *   const flat = optimizer.flattenGrads(grads); // grads may be disposed from here on
 *   const norm = clipFlatGradsByGlobalNorm(flat, maxGradNorm); // clip.ts; scales flat in place
 *   // ... read norm if needed (await norm.data()), decide whether to step ...
 *   optimizer.step(flat, lr);
 *   flat.dispose();
 *   norm.dispose();
 *   ```
 */
export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  private readonly decayFn: (name: string) => boolean;
  private readonly params: Map<string, tf.Variable>;
  private readonly buckets: Bucket[];
  /** Parameter name -> [bucket index, index in the bucket]. */
  private readonly where = new Map<string, [number, number]>();
  /** Flat moments per bucket; `null` until the bucket's first step (torch's lazy state). */
  private m: (tf.Variable | null)[];
  private v: (tf.Variable | null)[];
  /** Names with optimizer state (had a gradient, or came from setState), as torch's `state`. */
  private readonly stateful = new Set<string>();
  private t = 0;
  private disposed = false;

  /**
   * `params`: the model's trainable variables keyed by HF parameter name (not copied, not owned).
   * The bucket layout is fixed here from their names and shapes.
   */
  constructor(params: Map<string, tf.Variable>, options: AdamWOptions = {}) {
    this.params = params;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    this.decayFn = options.decay ?? ((name: string) => !hfNoDecay(name));
    if (!(this.beta1 >= 0 && this.beta1 < 1))
      throw new ArgumentsError(`Invalid beta1: ${this.beta1}`, 'adam_beta1');
    if (!(this.beta2 >= 0 && this.beta2 < 1))
      throw new ArgumentsError(`Invalid beta2: ${this.beta2}`, 'adam_beta2');
    if (!(this.epsilon >= 0))
      throw new ArgumentsError(`Invalid epsilon: ${this.epsilon}`, 'adam_epsilon');
    if (!(this.weightDecay >= 0))
      throw new ArgumentsError(`Invalid weight_decay: ${this.weightDecay}`, 'weight_decay');
    this.buckets = planBuckets(params, (name) => this.decays(name), options.aloneElements);
    this.buckets.forEach((b, i) => b.names.forEach((n, j) => this.where.set(n, [i, j])));
    this.m = this.buckets.map(() => null);
    this.v = this.buckets.map(() => null);
  }

  /** Number of completed optimizer steps. */
  get stepCount(): number {
    return this.t;
  }

  /**
   * Takes back `n` steps whose gate was closed (see {@link AdamW.step}): they counted in the
   * bias correction until the caller learnt they were not applied.
   */
  forgetSteps(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > this.t) {
      throw new Error(`AdamW.forgetSteps: ${n} is not a count of past steps (${this.t} so far)`);
    }
    this.t -= n;
  }

  /** Whether `name` is in the weight-decay group. */
  decays(name: string): boolean {
    return this.weightDecay !== 0 && this.decayFn(name);
  }

  /**
   * Gradients laid out in this optimizer's flat buckets, for {@link AdamW.step} and clip.ts's
   * `clipFlatGradsByGlobalNorm`. Checks names, dtypes and shapes. The returned object owns its
   * tensors (call `dispose()`); the caller keeps ownership of `grads`, which may be disposed
   * right away. With `consume`, each bucket's gradients are disposed as soon as the bucket is
   * built, so a model's gradients exist twice only one bucket at a time (bert-base: 432 MB less
   * at the peak); `grads` is then spent. No GPU read-back.
   */
  flattenGrads(grads: Map<string, tf.Tensor>, consume = false): FlatGrads {
    if (this.disposed) throw new Error('AdamW: optimizer was disposed');
    const byBucket: (tf.Tensor | undefined)[][] = this.buckets.map((b) =>
      b.names.map(() => undefined),
    );
    const sparse: (SparseRows | null)[] = this.buckets.map(() => null);
    for (const [name, g] of grads) {
      const p = this.params.get(name);
      if (!p) throw new Error(`AdamW.step: gradient for unknown parameter '${name}'`);
      const at = this.where.get(name);
      if (!at) throw new Error(`AdamW.step: parameter '${name}' was added after the optimizer`);
      if (g.dtype !== 'float32') throw new Error(`AdamW.step: gradient '${name}' is ${g.dtype}`);
      const shape = this.buckets[at[0]].shapes[at[1]];
      const rows = sparseRowsOf(g);
      const gShape = rows ? rows.shape : g.shape;
      if (!arraysEqual(gShape, p.shape) || !arraysEqual(gShape, shape)) {
        throw new Error(
          `AdamW.step: gradient '${name}' has shape [${g.shape}], parameter has [${p.shape}]`,
        );
      }
      // A row-sparse table alone in its bucket stays rows; in a shared bucket it is filled out.
      if (rows && this.buckets[at[0]].names.length === 1) sparse[at[0]] = rows;
      byBucket[at[0]][at[1]] = g;
    }
    const present: (boolean[] | null)[] = [];
    const tensors: (tf.Tensor1D | null)[] = [];
    byBucket.forEach((gs, i) => {
      const have = gs.map((g) => g !== undefined);
      present.push(have.every((x) => x) ? null : have);
      if (!have.some((x) => x)) {
        tensors.push(null);
        return;
      }
      const shapes = this.buckets[i].shapes;
      tensors.push(
        tf.tidy(() => {
          if (sparse[i]) return (gs[0] as tf.Tensor).reshape([-1]) as tf.Tensor1D;
          const dense = gs.map((g, j) => {
            if (!g) return tf.zeros(shapes[j] as number[]);
            const rows = sparseRowsOf(g);
            return rows ? denseRows(g, rows) : g;
          });
          return concatFlat(dense);
        }),
      );
      if (consume) tf.dispose(gs.filter((g): g is tf.Tensor => g !== undefined));
    });
    if (consume) grads.clear();
    return new FlatGrads(this.buckets, tensors, present, this, sparse);
  }

  /**
   * One update with learning rate `lr`. `grads` maps parameter names to gradients of the same
   * shape (the caller keeps ownership), or is a {@link FlatGrads} from
   * {@link AdamW.flattenGrads} (not consumed: dispose it after). Parameters without a gradient
   * are skipped (as torch skips `p.grad is None`) but the step counter is shared. No GPU
   * read-back.
   *
   * `gate` (float32, one element, from the Trainer's step log): where it is 0 the update leaves
   * parameters and moments exactly as they were, decided on the device; the step still counts
   * until {@link AdamW.forgetSteps} takes it back. Where it is 1 the update is the ungated one,
   * bit for bit. Backends whose tensors are in CPU memory (wasm, cpu) read it; GPU ones do not.
   */
  step(grads: Map<string, tf.Tensor> | FlatGrads, lr: number, gate?: tf.Tensor): void {
    if (this.disposed) throw new Error('AdamW.step: optimizer was disposed');
    if (!Number.isFinite(lr))
      throw new Error(`AdamW.step: learning rate must be finite, got ${lr}`);
    if (grads instanceof FlatGrads) {
      if (!grads.isFrom(this)) throw new Error('AdamW.step: FlatGrads of another optimizer');
      if (grads.isDisposed) throw new Error('AdamW.step: FlatGrads was disposed');
      this.stepFlat(grads, lr, gate);
      return;
    }
    const flat = this.flattenGrads(grads);
    try {
      this.stepFlat(flat, lr, gate);
    } finally {
      flat.dispose();
    }
  }

  private stepFlat(flat: FlatGrads, lr: number, gate?: tf.Tensor): void {
    // Every parameter of a stepped bucket is read: check they are all still there first.
    const params = this.buckets.map((b, i) =>
      flat.get(i) === null
        ? []
        : b.names.map((name, j) => {
            const p = this.params.get(name);
            if (!p || !arraysEqual(p.shape, b.shapes[j])) {
              throw new Error(`AdamW.step: parameter '${name}' is gone or changed shape`);
            }
            return p;
          }),
    );
    this.t += 1;
    const t = this.t;
    // Scalars in float64 on the host, as torch computes them in Python floats.
    const bc1 = 1 - Math.pow(this.beta1, t);
    const bc2Sqrt = Math.sqrt(1 - Math.pow(this.beta2, t));
    const stepSize = lr / bc1;
    // wasm keeps tensors in CPU memory: reading the gate costs nothing, a closed one skips all.
    if (gate && wasmAdamW() && gate.dataSync()[0] === 0) return;
    const deviceGate = gate && !wasmAdamW() ? gate : null;
    // One tidy per bucket: a bucket's old values (its parameters' and, at the first step, the
    // moments' zeros, which the tidy holds) go before the next bucket's new ones are made, so the
    // wasm heap grows by one bucket, not by a second copy of the model and its moments.
    this.buckets.forEach((bucket, i) =>
      tf.tidy(() => {
        const rows = flat.sparse(i);
        const fusedRows = rows ? wasmAdamWRows() : null;
        const g = rows && fusedRows ? rows.values : flat.get(i);
        if (!g) return;
        const { m, v } = this.moments(i);
        const scalars = {
          decayMul: bucket.decay ? 1 - lr * this.weightDecay : 1,
          oneMinusB1: 1 - this.beta1,
          b2: this.beta2,
          oneMinusB2: 1 - this.beta2,
          bc2Sqrt,
          eps: this.epsilon,
          negStep: -stepSize,
        };
        const present = flat.present[i];
        // wasm, every parameter with a gradient: updated where they are, nothing allocated.
        if (!rows && !present && !deviceGate && wasmAdamWInPlace(params[i], g, m, v, scalars)) {
          bucket.names.forEach((n) => this.stateful.add(n));
          return;
        }
        const p = concatFlat(params[i]);
        // wasm, a row-sparse table: the same update of every row, reading only its rows;
        // otherwise the bucket's update on whatever runs it best (adamwBucket.ts).
        let [pNew, mNew, vNew] =
          rows && fusedRows
            ? fusedRows(p, m, v, g, rows.rows, rows.shape[1], scalars)
            : updateBucket(p, g, m, v, scalars, deviceGate);
        if (present) {
          // Some parameters of the bucket have no gradient: keep their values bit for bit.
          const mask = tf.tensor1d(maskOf(bucket, present), 'bool');
          mNew = tf.where(mask, mNew, m);
          vNew = tf.where(mask, vNew, v);
          pNew = tf.where(mask, pNew, p);
        }
        m.assign(mNew);
        v.assign(vNew);
        splitFlat(pNew, bucket).forEach((x, j) => {
          if (!present || present[j]) params[i][j].assign(x);
        });
        bucket.names.forEach((n, j) => {
          if (!present || present[j]) this.stateful.add(n);
        });
      }),
    );
  }

  private moments(i: number): { m: tf.Variable; v: tf.Variable } {
    let m = this.m[i];
    let v = this.v[i];
    if (!m || !v) {
      const size = this.buckets[i].size;
      // tf.keep: created inside step's tidy but owned by the optimizer; each owns its buffer
      // (the zeros it was made from disposed), so the wasm step may update it in place.
      const owned = (name: string) => {
        const zeros = tf.zeros([size]);
        const t = tf.keep(tf.variable(zeros, false, `${name}/${i}/${uid()}`));
        zeros.dispose();
        return t;
      };
      m = owned('adamw_m');
      v = owned('adamw_v');
      this.m[i] = m;
      this.v[i] = v;
    }
    return { m, v };
  }

  /** Copies the state to the host (reads GPU data: call at checkpoint time, not every step). */
  async getState(): Promise<AdamWState> {
    const m: Record<string, Float32Array> = {};
    const v: Record<string, Float32Array> = {};
    for (let i = 0; i < this.buckets.length; i++) {
      const mt = this.m[i];
      const vt = this.v[i];
      if (!mt || !vt) continue;
      const b = this.buckets[i];
      const [md, vd] = (await Promise.all([mt.data(), vt.data()])) as Float32Array[];
      b.names.forEach((name, j) => {
        if (!this.stateful.has(name)) return;
        const lo = b.offsets[j];
        const hi = lo + b.sizes[j];
        m[name] = md.slice(lo, hi);
        v[name] = vd.slice(lo, hi);
      });
    }
    return { step: this.t, m, v };
  }

  /** Restores a state from {@link AdamW.getState} (e.g. a checkpoint); shapes come from params. */
  setState(state: AdamWState): void {
    if (!Number.isInteger(state.step) || state.step < 0) {
      throw new Error(`AdamW.setState: invalid step ${state.step}`);
    }
    const names = new Set([...Object.keys(state.m), ...Object.keys(state.v)]);
    for (const name of names) {
      const p = this.params.get(name);
      if (!p) throw new Error(`AdamW.setState: state for unknown parameter '${name}'`);
      const mv = state.m[name];
      const vv = state.v[name];
      if (!mv || !vv) throw new Error(`AdamW.setState: '${name}' needs both m and v`);
      const at = this.where.get(name);
      const size = at ? this.buckets[at[0]].sizes[at[1]] : p.size;
      if (mv.length !== p.size || vv.length !== p.size || size !== p.size) {
        throw new Error(
          `AdamW.setState: '${name}' has ${mv.length} values, parameter has ${p.size}`,
        );
      }
      if (!at) throw new Error(`AdamW.setState: parameter '${name}' was added after the optimizer`);
    }
    this.disposeMoments();
    // tidy disposes the initial tensors; tf.variable keeps its own reference to their data.
    tf.tidy(() => {
      this.buckets.forEach((b, i) => {
        if (!b.names.some((n) => names.has(n))) return;
        const mFlat = new Float32Array(b.size);
        const vFlat = new Float32Array(b.size);
        b.names.forEach((name, j) => {
          if (!names.has(name)) return;
          mFlat.set(state.m[name], b.offsets[j]);
          vFlat.set(state.v[name], b.offsets[j]);
          this.stateful.add(name);
        });
        const m = tf.variable(tf.tensor1d(mFlat, 'float32'), false, `adamw_m/${i}/${uid()}`);
        const v = tf.variable(tf.tensor1d(vFlat, 'float32'), false, `adamw_v/${i}/${uid()}`);
        this.m[i] = tf.keep(m);
        this.v[i] = tf.keep(v);
      });
    });
    this.t = state.step;
  }

  private disposeMoments(): void {
    for (const t of [...this.m, ...this.v]) t?.dispose();
    this.m = this.buckets.map(() => null);
    this.v = this.buckets.map(() => null);
    this.stateful.clear();
  }

  /** Frees the moment buffers (not the parameters). */
  dispose(): void {
    this.disposeMoments();
    this.disposed = true;
  }
}

/** 1 over the elements of the parameters with a gradient, 0 elsewhere. */
function maskOf(bucket: Bucket, present: readonly boolean[]): Uint8Array {
  const mask = new Uint8Array(bucket.size);
  present.forEach((on, j) => {
    if (on) mask.fill(1, bucket.offsets[j], bucket.offsets[j] + bucket.sizes[j]);
  });
  return mask;
}

let counter = 0;
/** Variable names must be unique per TF.js engine; several optimizers may coexist. */
function uid(): number {
  return counter++;
}

function arraysEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
