/**
 * The studio's WGSL programs for TF.js's WebGPU backend, written against its `WebGPUProgram`
 * interface (tfjs-backend-webgpu/dist/webgpu_program.d.ts): TF.js declares the output `result`,
 * one read-only storage array per name in `variableNames`, and a `uniforms` struct (the shapes,
 * `size` when set, then the fields of `uniforms`); `getUserCode` gives `fn main(index : i32)`.
 * Each program is one dispatch where TF.js's generic kernels took several. The arithmetic is
 * the TF.js ops' it replaces, in the same order, so the results are the generic path's.
 */
import * as tf from '@tensorflow/tfjs';

/** What `backend.runWebGPUProgram` takes (a structural copy of TF.js's WebGPUProgram). */
export interface Program {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size?: boolean;
  uniforms?: string;
  getUserCode: () => string;
}

const WORKGROUP = 64;

/** An elementwise program over `n` outputs: one thread per element. */
function elementwise(
  n: number,
  key: string,
  variableNames: string[],
  body: string,
  uniforms?: string,
  prelude = '',
): Program {
  return {
    variableNames,
    outputShape: [n],
    shaderKey: key,
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(n / WORKGROUP), 1, 1],
    workgroupSize: [WORKGROUP, 1, 1],
    size: true,
    uniforms,
    getUserCode: () => `
      ${prelude}
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${body}
        }
      }`,
  };
}

/** Abramowitz & Stegun 7.1.26, with TF.js's constants (its Erf on every backend). */
const ERF = `
  fn studioErf(a : f32) -> f32 {
    let p = ${tf.backend_util.ERF_P};
    let a1 = ${tf.backend_util.ERF_A1};
    let a2 = ${tf.backend_util.ERF_A2};
    let a3 = ${tf.backend_util.ERF_A3};
    let a4 = ${tf.backend_util.ERF_A4};
    let a5 = ${tf.backend_util.ERF_A5};
    let s = sign(a);
    let absA = abs(a);
    let t = 1.0 / (1.0 + p * absA);
    return s * (1.0 - (((((a5 * t + a4) * t) + a3) * t + a2) * t + a1) * t * exp(-absA * absA));
  }`;

/** Exact GELU `x * 0.5 * (1 + erf(x / sqrt 2))` (layers.ts's `geluExact`). */
export function geluForward(n: number): Program {
  return elementwise(
    n,
    'studio_gelu_forward',
    ['X'],
    `let x = X[index];
     let cdf = (studioErf(x * ${Math.SQRT1_2}) + 1.0) * 0.5;
     result[index] = x * cdf;`,
    undefined,
    ERF,
  );
}

/** GELU's gradient `dy * (Phi(x) + x * phi(x))`. */
export function geluBackward(n: number): Program {
  return elementwise(
    n,
    'studio_gelu_backward',
    ['X', 'Dy'],
    `let x = X[index];
     let cdf = (studioErf(x * ${Math.SQRT1_2}) + 1.0) * 0.5;
     let pdf = exp((x * x) * -0.5) * ${1 / Math.sqrt(2 * Math.PI)};
     result[index] = Dy[index] * (cdf + x * pdf);`,
    undefined,
    ERF,
  );
}

/** The float32 scalars of one AdamW bucket update (as `AdamWScalars` of the wasm kernel). */
export interface AdamWUniforms {
  decayMul: number;
  oneMinusB1: number;
  b2: number;
  oneMinusB2: number;
  bc2Sqrt: number;
  eps: number;
  negStep: number;
}
export const ADAMW_UNIFORM_NAMES: (keyof AdamWUniforms)[] = [
  'decayMul',
  'oneMinusB1',
  'b2',
  'oneMinusB2',
  'bc2Sqrt',
  'eps',
  'negStep',
];

/**
 * One of AdamW's three results over a flat bucket (`which`: 0 the parameters, 1 the first
 * moment, 2 the second), from P, G, M, V and the gate (its element 0; 0 leaves all three as they
 * were). torch's order: `m + (g - m)(1-b1)`, `v b2 + g g (1-b2)`,
 * `p decay + (m / (sqrt(v) / bc2 + eps)) (-step)`.
 */
export function adamw(n: number, which: 0 | 1 | 2): Program {
  const keep = ['P', 'M', 'V'][which];
  const body = [
    `result[index] = p * uniforms.decayMul + (mNew / (sqrt(vNew) / uniforms.bc2Sqrt + uniforms.eps)) * uniforms.negStep;`,
    `result[index] = mNew;`,
    `result[index] = vNew;`,
  ][which];
  return elementwise(
    n,
    `studio_adamw_${which}`,
    ['P', 'G', 'M', 'V', 'Gate'],
    `if (Gate[0] == 0.0) {
       result[index] = ${keep}[index];
       return;
     }
     let p = P[index];
     let g = G[index];
     let m = M[index];
     let v = V[index];
     let mNew = m + (g - m) * uniforms.oneMinusB1;
     let vNew = v * uniforms.b2 + (g * g) * uniforms.oneMinusB2;
     ${body}`,
    ADAMW_UNIFORM_NAMES.map((k) => `${k} : f32,`).join(' '),
  );
}

/**
 * The Trainer's step log (train/stepLog.ts `recordStepOps`, its slots) in one dispatch:
 * State [8], Loss [1], Norm [1] -> the new state; uniforms: the step and stopOnBad.
 */
export function stepLog(): Program {
  return elementwise(
    8,
    'studio_step_log',
    ['State', 'Loss', 'Norm'],
    `let l = Loss[0];
     let n = Norm[0];
     let finite = !(isnan(l) || isinf(l) || isnan(n) || isinf(n));
     let clean = State[3] == 0.0;
     let open = finite && (clean || uniforms.stopOnBad == 0.0);
     let firstBadHere = clean && !finite;
     var out = State[index];
     switch (index) {
       case 0: { if (open) { out = State[0] + l; } }
       case 1: { if (open) { out = State[1] + 1.0; } }
       case 2: { if (open) { out = n; } }
       case 3: { if (firstBadHere) { out = uniforms.step; } }
       case 4: {
         if (firstBadHere) {
           if (isnan(l) || isinf(l)) { out = l; } else { out = n; }
         }
       }
       case 5: { if (!open) { out = State[5] + 1.0; } }
       case 6: { out = select(0.0, 1.0, open); }
       default: {}
     }
     result[index] = out;`,
    'step : f32, stopOnBad : f32,',
  );
}

/**
 * The hashed-mask dropout (model/dropoutMask.ts, the wasm kernel's hash): element i is kept
 * where `lowbias32(i + seed) >> 8` over 2^24 is at least `rate`, and scaled by `scale`.
 */
export function dropout(n: number): Program {
  return elementwise(
    n,
    'studio_dropout',
    ['X'],
    `var h = u32(index) + uniforms.seed;
     h = h ^ (h >> 16u);
     h = h * 0x7feb352du;
     h = h ^ (h >> 15u);
     h = h * 0x846ca68bu;
     h = h ^ (h >> 16u);
     let u = f32(h >> 8u) / 16777216.0;
     result[index] = X[index] * select(0.0, uniforms.scale, u >= uniforms.rate);`,
    'rate : f32, scale : f32, seed : u32,',
  );
}

/** A program with one workgroup of {@link ROW_GROUP} threads per row of `rows` rows. */
function perRow(
  rows: number,
  outputShape: number[],
  key: string,
  variableNames: string[],
  body: string,
  uniforms: string,
): Program {
  return {
    variableNames,
    outputShape,
    shaderKey: key,
    dispatchLayout: { x: [0] },
    dispatch: [rows, 1, 1],
    workgroupSize: [ROW_GROUP, 1, 1],
    uniforms,
    getUserCode: () => `
      var<workgroup> sumA : array<f32, ${ROW_GROUP}>;
      var<workgroup> sumB : array<f32, ${ROW_GROUP}>;
      const blockSize = ${ROW_GROUP};
      fn main(index : i32) {
        let row = index / blockSize;
        let tid = i32(localId.x);
        let cols = uniforms.cols;
        ${body}
      }`,
  };
}
const ROW_GROUP = 64;

/** Sums `a` (and `b`) over the workgroup into sumA[0] (sumB[0]); every thread calls it. */
const REDUCE_BOTH = `
        sumA[tid] = a;
        sumB[tid] = b;
        workgroupBarrier();
        for (var size = blockSize / 2; size > 0; size = size / 2) {
          if (tid < size) {
            sumA[tid] = sumA[tid] + sumA[tid + size];
            sumB[tid] = sumB[tid] + sumB[tid + size];
          }
          workgroupBarrier();
        }`;

/**
 * LayerNorm's row statistics of X [rows, cols]: [rows, 2] (mean, 1 / sqrt(var + eps)), as
 * layers.ts's `layerNormForward` computes them (the mean, then the mean square of x - mean).
 */
export function layerNormStats(rows: number): Program {
  return perRow(
    rows,
    [rows, 2],
    'studio_ln_stats',
    ['X'],
    `var a = 0.0;
     var b = 0.0;
     for (var c = tid; c < cols; c += blockSize) { a += X[row * cols + c]; }
     ${REDUCE_BOTH}
     let mean = sumA[0] / f32(cols);
     workgroupBarrier();
     a = 0.0;
     for (var c = tid; c < cols; c += blockSize) {
       let d = X[row * cols + c] - mean;
       a += d * d;
     }
     ${REDUCE_BOTH}
     if (tid == 0) {
       result[row * 2] = mean;
       result[row * 2 + 1] = inverseSqrt(sumA[0] / f32(cols) + uniforms.eps);
     }`,
    'cols : i32, eps : f32,',
  );
}

/** LayerNorm's output `((x - mean) * rstd) * gamma + beta` from X, its Stats, Gamma and Beta. */
export function layerNormApply(rows: number, cols: number): Program {
  const p = elementwise(
    rows * cols,
    'studio_ln_apply',
    ['X', 'Stats', 'Gamma', 'Beta'],
    `let r = index / uniforms.cols;
     let c = index - r * uniforms.cols;
     let xhat = (X[index] - Stats[r * 2]) * Stats[r * 2 + 1];
     result[index] = xhat * Gamma[c] + Beta[c];`,
    'cols : i32,',
  );
  return { ...p, outputShape: [rows, cols] };
}

/**
 * LayerNorm's input gradient per row from Dy, X, Stats and Gamma:
 * `rstd * (g dy - mean(g dy) - xhat * mean(g dy xhat))` (layers.ts's `layerNormBackward`).
 */
export function layerNormBackwardInput(rows: number, cols: number): Program {
  return perRow(
    rows,
    [rows, cols],
    'studio_ln_dx',
    ['Dy', 'X', 'Stats', 'Gamma'],
    `let mean = Stats[row * 2];
     let rstd = Stats[row * 2 + 1];
     var a = 0.0;
     var b = 0.0;
     for (var c = tid; c < cols; c += blockSize) {
       let i = row * cols + c;
       let gdy = Dy[i] * Gamma[c];
       a += gdy;
       b += gdy * ((X[i] - mean) * rstd);
     }
     ${REDUCE_BOTH}
     let m1 = sumA[0] / f32(cols);
     let m2 = sumB[0] / f32(cols);
     for (var c = tid; c < cols; c += blockSize) {
       let i = row * cols + c;
       let xhat = (X[i] - mean) * rstd;
       result[i] = ((Dy[i] * Gamma[c] - m1) - xhat * m2) * rstd;
     }`,
    'cols : i32,',
  );
}

/**
 * LayerNorm's parameter gradients, one thread per column over all rows: `which` 0 gives
 * dgamma `sum(dy * xhat)`, 1 gives dbeta `sum(dy)`.
 */
export function layerNormBackwardParams(cols: number, which: 0 | 1): Program {
  return elementwise(
    cols,
    `studio_ln_dparams_${which}`,
    // Only the inputs the shader reads: WebGPU leaves unread bindings out of the layout.
    which === 0 ? ['Dy', 'X', 'Stats'] : ['Dy'],
    `var s = 0.0;
     for (var r = 0; r < uniforms.rows; r++) {
       let i = r * uniforms.size + index;
       ${which === 0 ? 's += Dy[i] * ((X[i] - Stats[r * 2]) * Stats[r * 2 + 1]);' : 's += Dy[i];'}
     }
     result[index] = s;`,
    'rows : i32,',
  );
}

/**
 * Softmax's input gradient per row, scaled: `(p * (dp - sum(dp * p))) * scale` from P and Dp
 * [rows, cols] (layers.ts's attention backward).
 */
export function softmaxBackward(rows: number, cols: number): Program {
  return perRow(
    rows,
    [rows, cols],
    'studio_softmax_backward',
    ['P', 'Dp'],
    `var a = 0.0;
     var b = 0.0;
     for (var c = tid; c < cols; c += blockSize) {
       let i = row * cols + c;
       a += Dp[i] * P[i];
     }
     ${REDUCE_BOTH}
     let s = sumA[0];
     for (var c = tid; c < cols; c += blockSize) {
       let i = row * cols + c;
       result[i] = (P[i] * (Dp[i] - s)) * uniforms.scale;
     }`,
    'cols : i32, scale : f32,',
  );
}
