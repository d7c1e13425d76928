/**
 * AdamW with decoupled weight decay, step for step as `torch.optim.AdamW` (the optimizer HF's
 * Trainer builds by default, `optim="adamw_torch"`).
 *
 * The update runs entirely as TF.js ops and never reads tensor data, so it does not stall a
 * WebGPU queue; moment buffers live in `tf.Variable`s owned by the optimizer.
 */
import * as tf from '@tensorflow/tfjs';

/** AdamW hyper-parameters; names follow `TrainingArguments` (adam_beta1, ...). */
export interface AdamWOptions {
  /** Default 0.9 (`adam_beta1`). */
  beta1?: number;
  /** Default 0.999 (`adam_beta2`). */
  beta2?: number;
  /** Default 1e-8 (`adam_epsilon`). */
  epsilon?: number;
  /** Decoupled weight decay coefficient, default 0 (`weight_decay`). */
  weightDecay?: number;
  /**
   * Whether a parameter gets weight decay. Default: `name => !hfNoDecay(name)` (HF's grouping:
   * no decay on biases and normalisation weights).
   */
  decay?: (name: string) => boolean;
}

/** Serialisable optimizer state: completed steps and first/second moments by parameter name. */
export interface AdamWState {
  step: number;
  m: Record<string, Float32Array>;
  v: Record<string, Float32Array>;
}

/**
 * HF's rule for parameters excluded from weight decay (`Trainer.get_decay_parameter_names`):
 * any name containing `bias`, or a normalisation layer's parameter (`LayerNorm`, `layer_norm`,
 * `layernorm`, `rmsnorm`, a `norm` or `*_norm` module). Case-insensitive.
 */
export function hfNoDecay(name: string): boolean {
  const n = name.toLowerCase();
  return (
    n.includes('bias') ||
    n.includes('layernorm') ||
    n.includes('layer_norm') ||
    n.includes('rmsnorm') ||
    /(^|\.)norm($|\.)/.test(n) ||
    /_norm($|\.)/.test(n)
  );
}

/**
 * `torch.optim.AdamW` over named variables. Per step t (1-based), for each parameter p with
 * gradient g: `p *= 1 - lr*wd; m = lerp(m, g, 1-b1); v = b2*v + (1-b2)*g^2;
 * p -= (lr / (1-b1^t)) * m / (sqrt(v) / sqrt(1-b2^t) + eps)`.
 */
export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  private readonly decayFn: (name: string) => boolean;
  private readonly params: Map<string, tf.Variable>;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private t = 0;
  private disposed = false;

  /** `params`: the model's trainable variables keyed by HF parameter name (not copied, not owned). */
  constructor(params: Map<string, tf.Variable>, options: AdamWOptions = {}) {
    this.params = params;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    this.decayFn = options.decay ?? ((name: string) => !hfNoDecay(name));
    if (!(this.beta1 >= 0 && this.beta1 < 1)) throw new Error(`Invalid beta1: ${this.beta1}`);
    if (!(this.beta2 >= 0 && this.beta2 < 1)) throw new Error(`Invalid beta2: ${this.beta2}`);
    if (!(this.epsilon >= 0)) throw new Error(`Invalid epsilon: ${this.epsilon}`);
    if (!(this.weightDecay >= 0)) throw new Error(`Invalid weight_decay: ${this.weightDecay}`);
  }

  /** Number of completed optimizer steps. */
  get stepCount(): number {
    return this.t;
  }

  /** Whether `name` is in the weight-decay group. */
  decays(name: string): boolean {
    return this.weightDecay !== 0 && this.decayFn(name);
  }

  /**
   * One update with learning rate `lr`. `grads` maps parameter names to gradients of the same
   * shape; parameters without a gradient are skipped (as torch skips `p.grad is None`) but the step
   * counter is shared. The caller keeps ownership of `grads`. No GPU read-back.
   */
  step(grads: Map<string, tf.Tensor>, lr: number): void {
    if (this.disposed) throw new Error('AdamW.step: optimizer was disposed');
    if (!Number.isFinite(lr))
      throw new Error(`AdamW.step: learning rate must be finite, got ${lr}`);
    for (const name of grads.keys()) {
      if (!this.params.has(name))
        throw new Error(`AdamW.step: gradient for unknown parameter '${name}'`);
    }
    this.t += 1;
    const t = this.t;
    // Scalars in float64 on the host, as torch computes them in Python floats.
    const bc1 = 1 - Math.pow(this.beta1, t);
    const bc2Sqrt = Math.sqrt(1 - Math.pow(this.beta2, t));
    const stepSize = lr / bc1;
    tf.tidy(() => {
      const decayMul = tf.scalar(1 - lr * this.weightDecay);
      const oneMinusB1 = tf.scalar(1 - this.beta1);
      const b2 = tf.scalar(this.beta2);
      const oneMinusB2 = tf.scalar(1 - this.beta2);
      const bc2SqrtT = tf.scalar(bc2Sqrt);
      const epsT = tf.scalar(this.epsilon);
      const negStep = tf.scalar(-stepSize);
      for (const [name, g] of grads) {
        const p = this.params.get(name) as tf.Variable;
        if (g.dtype !== 'float32') throw new Error(`AdamW.step: gradient '${name}' is ${g.dtype}`);
        if (!arraysEqual(g.shape, p.shape)) {
          throw new Error(
            `AdamW.step: gradient '${name}' has shape [${g.shape}], parameter has [${p.shape}]`,
          );
        }
        const { m, v } = this.moments(name, p);
        // torch: param.mul_(1 - lr * weight_decay), skipped when the group's decay is 0.
        let pNew: tf.Tensor = this.decays(name) ? p.mul(decayMul) : p;
        // torch: exp_avg.lerp_(grad, 1 - beta1) = m + (1-b1) * (g - m) (weight < 0.5 branch).
        const mNew = m.add(g.sub(m).mul(oneMinusB1));
        // torch: exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2).
        const vNew = v.mul(b2).add(g.mul(g).mul(oneMinusB2));
        // torch: denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps).
        const denom = vNew.sqrt().div(bc2SqrtT).add(epsT);
        // torch: param.addcdiv_(exp_avg, denom, value=-step_size).
        pNew = pNew.add(mNew.div(denom).mul(negStep));
        m.assign(mNew);
        v.assign(vNew);
        p.assign(pNew);
      }
    });
  }

  private moments(name: string, p: tf.Variable): { m: tf.Variable; v: tf.Variable } {
    let m = this.m.get(name);
    let v = this.v.get(name);
    if (!m || !v) {
      // tf.keep: created inside step's tidy but owned by the optimizer.
      m = tf.keep(tf.variable(tf.zerosLike(p), false, `adamw_m/${name}/${uid()}`));
      v = tf.keep(tf.variable(tf.zerosLike(p), false, `adamw_v/${name}/${uid()}`));
      this.m.set(name, m);
      this.v.set(name, v);
    }
    return { m, v };
  }

  /** Copies the state to the host (reads GPU data: call at checkpoint time, not every step). */
  async getState(): Promise<AdamWState> {
    const m: Record<string, Float32Array> = {};
    const v: Record<string, Float32Array> = {};
    for (const [name, t] of this.m) m[name] = (await t.data()) as Float32Array;
    for (const [name, t] of this.v) v[name] = (await t.data()) as Float32Array;
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
      if (mv.length !== p.size || vv.length !== p.size) {
        throw new Error(
          `AdamW.setState: '${name}' has ${mv.length} values, parameter has ${p.size}`,
        );
      }
    }
    this.disposeMoments();
    // tidy disposes the initial tensors; tf.variable keeps its own reference to their data.
    tf.tidy(() => {
      for (const name of names) {
        const p = this.params.get(name) as tf.Variable;
        const m = tf.variable(
          tf.tensor(state.m[name], p.shape, 'float32'),
          false,
          `adamw_m/${name}/${uid()}`,
        );
        const v = tf.variable(
          tf.tensor(state.v[name], p.shape, 'float32'),
          false,
          `adamw_v/${name}/${uid()}`,
        );
        this.m.set(name, tf.keep(m));
        this.v.set(name, tf.keep(v));
      }
    });
    this.t = state.step;
  }

  private disposeMoments(): void {
    for (const t of this.m.values()) t.dispose();
    for (const t of this.v.values()) t.dispose();
    this.m.clear();
    this.v.clear();
  }

  /** Frees the moment buffers (not the parameters). */
  dispose(): void {
    this.disposeMoments();
    this.disposed = true;
  }
}

let counter = 0;
/** Variable names must be unique per TF.js engine; several optimizers may coexist. */
function uid(): number {
  return counter++;
}

function arraysEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
