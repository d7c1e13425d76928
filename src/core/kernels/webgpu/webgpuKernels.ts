/**
 * The studio's kernels for TF.js's WebGPU backend, registered as the wasm ones are
 * (`../wasmKernels.ts`): {@link installWebGpuKernels} adds them under the kernel names the model
 * and the trainer already use (GELU's forward and backward, the AdamW bucket update, the step
 * log), and the accessors ({@link webgpuGelu}, {@link webgpuAdamW}) hand them to callers where
 * the active backend is webgpu with the kernels installed (else null: callers keep TF.js ops).
 * The WGSL is in `programs.ts`.
 */
import * as tf from '@tensorflow/tfjs';

import { DROPOUT, GELU_BACKWARD, GELU_FORWARD } from '../wasmFusedKernels';
import {
  ADAMW_UNIFORM_NAMES,
  type AdamWUniforms,
  type Program,
  adamw,
  dropout,
  geluBackward,
  geluForward,
  layerNormApply,
  layerNormBackwardInput,
  layerNormBackwardParams,
  layerNormStats,
  softmaxBackward,
  stepLog,
} from './programs';

/** Kernel name of the Trainer's step log (train/stepLog.ts); attrs {@link StepLogAttrs}. */
export const STEP_LOG_KERNEL = 'StudioStepLog';

/** Attributes of {@link STEP_LOG_KERNEL}: the step (1-based) and 1 for 'stop', 0 for 'skip'. */
export interface StepLogAttrs {
  step: number;
  stopOnBad: number;
}

/** Kernel name of the AdamW bucket update on WebGPU (attrs: `which` and the scalars). */
export const WEBGPU_ADAMW = 'StudioAdamWWebGpu';
/** LayerNorm on WebGPU: row statistics, output, input gradient, parameter gradients. */
export const LN_STATS = 'StudioLayerNormStats';
export const LN_APPLY = 'StudioLayerNormApply';
export const LN_BACKWARD_INPUT = 'StudioLayerNormBackwardInput';
export const LN_BACKWARD_PARAMS = 'StudioLayerNormBackwardParams';
/** Softmax's scaled input gradient over the last axis (attrs: scale). */
export const SOFTMAX_BACKWARD = 'StudioSoftmaxBackward';

interface UniformData {
  type: 'float32' | 'int32' | 'uint32';
  data: number[];
}
interface WebGpuBackendLike {
  runWebGPUProgram(
    program: Program,
    inputs: tf.TensorInfo[],
    dtype: tf.DataType,
    uniforms?: UniformData[],
  ): tf.TensorInfo;
}

const f32 = (x: number): UniformData => ({ type: 'float32', data: [x] });
const i32 = (x: number): UniformData => ({ type: 'int32', data: [x] });
const u32 = (x: number): UniformData => ({ type: 'uint32', data: [x] });
const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function run(
  backend: unknown,
  program: Program,
  inputs: tf.TensorInfo[],
  uniforms?: UniformData[],
): tf.TensorInfo {
  return (backend as WebGpuBackendLike).runWebGPUProgram(program, inputs, 'float32', uniforms);
}

/** The output of an elementwise program over a flat buffer, shaped as `like`. */
function shapedAs(out: tf.TensorInfo, like: tf.TensorInfo): tf.TensorInfo {
  return { ...out, shape: [...like.shape] };
}

const KERNELS: tf.KernelConfig[] = [
  {
    kernelName: GELU_FORWARD,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { x } = inputs as { x: tf.TensorInfo };
      return shapedAs(run(backend, geluForward(sizeOf(x.shape)), [x]), x);
    },
  },
  {
    kernelName: GELU_BACKWARD,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      return shapedAs(run(backend, geluBackward(sizeOf(x.shape)), [x, dy]), x);
    },
  },
  {
    kernelName: WEBGPU_ADAMW,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { p, g, m, v, gate } = inputs as Record<string, tf.TensorInfo>;
      const a = attrs as unknown as AdamWUniforms & { which: 0 | 1 | 2 };
      const uniforms = ADAMW_UNIFORM_NAMES.map((k) => f32(a[k]));
      return run(backend, adamw(sizeOf(p.shape), a.which), [p, g, m, v, gate], uniforms);
    },
  },
  {
    kernelName: DROPOUT,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x } = inputs as { x: tf.TensorInfo };
      const { rate, seed } = attrs as { rate: number; seed: number };
      const uniforms = [f32(rate), f32(1 / (1 - rate)), u32(seed >>> 0)];
      return shapedAs(run(backend, dropout(sizeOf(x.shape)), [x], uniforms), x);
    },
  },
  {
    kernelName: LN_STATS,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x } = inputs as { x: tf.TensorInfo };
      const [rows, cols] = x.shape;
      const { eps } = attrs as { eps: number };
      return run(backend, layerNormStats(rows), [x], [i32(cols), f32(eps)]);
    },
  },
  {
    kernelName: LN_APPLY,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { x, stats, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
      const [rows, cols] = x.shape;
      return run(backend, layerNormApply(rows, cols), [x, stats, gamma, beta], [i32(cols)]);
    },
  },
  {
    kernelName: LN_BACKWARD_INPUT,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { dy, x, stats, gamma } = inputs as Record<string, tf.TensorInfo>;
      const [rows, cols] = x.shape;
      const program = layerNormBackwardInput(rows, cols);
      return run(backend, program, [dy, x, stats, gamma], [i32(cols)]);
    },
  },
  {
    kernelName: LN_BACKWARD_PARAMS,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, x, stats } = inputs as Record<string, tf.TensorInfo>;
      const [rows, cols] = x.shape;
      const { which } = attrs as { which: 0 | 1 };
      const used = which === 0 ? [dy, x, stats] : [dy];
      return run(backend, layerNormBackwardParams(cols, which), used, [i32(rows)]);
    },
  },
  {
    kernelName: SOFTMAX_BACKWARD,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { p, dp } = inputs as Record<string, tf.TensorInfo>;
      const cols = p.shape[p.shape.length - 1];
      const rows = sizeOf(p.shape) / cols;
      const { scale } = attrs as { scale: number };
      const program = softmaxBackward(rows, cols);
      return shapedAs(run(backend, program, [p, dp], [i32(cols), f32(scale)]), p);
    },
  },
  {
    kernelName: STEP_LOG_KERNEL,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { state, loss, norm } = inputs as Record<string, tf.TensorInfo>;
      const a = attrs as unknown as StepLogAttrs;
      return run(backend, stepLog(), [state, loss, norm], [f32(a.step), f32(a.stopOnBad)]);
    },
  },
];

let installed = false;

/** Registers the studio's WebGPU kernels (idempotent). Call once the webgpu backend is set. */
export function installWebGpuKernels(): void {
  if (installed) return;
  for (const k of KERNELS) {
    if (!tf.getKernel(k.kernelName, 'webgpu')) tf.registerKernel(k);
  }
  installed = true;
}

/** Whether the active backend is webgpu with the studio's kernels. */
function active(): boolean {
  return installed && tf.getBackend() === 'webgpu';
}

/** GELU's forward and backward as one dispatch each, on WebGPU (else null). */
export function webgpuGelu(): {
  forward: (x: tf.Tensor) => tf.Tensor;
  backward: (x: tf.Tensor, dy: tf.Tensor) => tf.Tensor;
} | null {
  if (!active()) return null;
  return {
    forward: (x) => tf.engine().runKernel(GELU_FORWARD, { x }, {}) as tf.Tensor,
    backward: (x, dy) => tf.engine().runKernel(GELU_BACKWARD, { x, dy }, {}) as tf.Tensor,
  };
}

/** The hashed-mask dropout as one dispatch on WebGPU (else null); as `wasmDropout`. */
export function webgpuDropout():
  ((x: tf.Tensor, rate: number, seedHash: number) => tf.Tensor) | null {
  if (!active()) return null;
  return (x, rate, seed) =>
    tf.engine().runKernel(DROPOUT, { x }, { rate: Math.fround(rate), seed }) as tf.Tensor;
}

/**
 * LayerNorm over the last axis of [N, H] on WebGPU (else null), in the shape of layers.ts's
 * `layerNormForward` / `layerNormBackward`: the forward keeps the input itself in `xhat` and the
 * row statistics, [N, 2] (mean, rstd), in `rstd`, and the backward takes them back. Forward two
 * dispatches, backward three.
 */
export function webgpuLayerNorm(): {
  forward: (
    x: tf.Tensor2D,
    gamma: tf.Tensor,
    beta: tf.Tensor,
    eps: number,
  ) => { y: tf.Tensor2D; xhat: tf.Tensor2D; rstd: tf.Tensor2D };
  backward: (
    dy: tf.Tensor2D,
    x: tf.Tensor,
    stats: tf.Tensor,
    gamma: tf.Tensor,
  ) => [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
} | null {
  if (!active()) return null;
  const k = (name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}) =>
    tf.engine().runKernel(name, inputs, attrs) as tf.Tensor;
  return {
    forward: (x, gamma, beta, eps) => {
      const stats = k(LN_STATS, { x }, { eps }) as tf.Tensor2D;
      const y = k(LN_APPLY, { x, stats, gamma, beta }) as tf.Tensor2D;
      return { y, xhat: tf.clone(x), rstd: stats };
    },
    backward: (dy, x, stats, gamma) => [
      k(LN_BACKWARD_INPUT, { dy, x, stats, gamma }) as tf.Tensor2D,
      k(LN_BACKWARD_PARAMS, { dy, x, stats }, { which: 0 }) as tf.Tensor1D,
      k(LN_BACKWARD_PARAMS, { dy, x, stats }, { which: 1 }) as tf.Tensor1D,
    ],
  };
}

/** Softmax's input gradient times `scale`, `p * (dp - sum(dp * p)) * scale`, on WebGPU (else null). */
export function webgpuSoftmaxBackward():
  ((p: tf.Tensor, dp: tf.Tensor, scale: number) => tf.Tensor) | null {
  if (!active()) return null;
  return (p, dp, scale) =>
    tf.engine().runKernel(SOFTMAX_BACKWARD, { p, dp }, { scale }) as tf.Tensor;
}

/**
 * AdamW over a flat bucket on WebGPU, three dispatches (new parameters, first and second
 * moments), the `gate` read on the device (null: always applied). Else null.
 */
export function webgpuAdamW():
  | ((
      p: tf.Tensor,
      g: tf.Tensor,
      m: tf.Tensor,
      v: tf.Tensor,
      gate: tf.Tensor | null,
      s: AdamWUniforms,
    ) => [tf.Tensor, tf.Tensor, tf.Tensor])
  | null {
  if (!active()) return null;
  return (p, g, m, v, gate, s) =>
    tf.tidy(() => {
      const open = gate ?? tf.ones([1]);
      const one = (which: 0 | 1 | 2) =>
        tf.engine().runKernel(WEBGPU_ADAMW, { p, g, m, v, gate: open }, {
          ...s,
          which,
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
      return [one(0), one(1), one(2)];
    });
}
