/**
 * The packed matmul kernel of `gemmWat.ts` on its own (the committed binaries, on a memory of
 * their own), both builds: the plain f32x4 mul + add and the relaxed-SIMD FMA one. Every
 * transpose pair and the accumulate mode, on shapes whose edges fall inside the register tile and
 * the cache blocks, against a float64 reference within the float32 rounding bound; then through
 * `tf.matMul` on the wasm backend with the relaxed build bound. Node runs relaxed SIMD behind
 * V8's `--experimental-wasm-relaxed-simd`: the tests turn the flag on only while they compile.
 */
import v8 from 'node:v8';

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../../src/core/backend';
import { GEMM_WASM, GEMM_WASM_RELAXED } from '../../src/core/kernels/gemmWasm.generated';
import { GEMM_TILING, gemmScratchBytes } from '../../src/core/kernels/gemmWat';
import {
  type GemmExports,
  gemmFor,
  relaxedSimdSupported,
  setWasmRelaxedSimd,
  wasmRelaxedSimdActive,
  type WasmBackendLike,
} from '../../src/core/kernels/wasmModule';

/** Runs `fn` with V8's relaxed-SIMD flag on, and puts the flag back as it was. */
function withRelaxedSimd<T>(fn: () => T): T {
  const wasOn = relaxedSimdSupported();
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  try {
    return fn();
  } finally {
    if (!wasOn) v8.setFlagsFromString('--no-experimental-wasm-relaxed-simd');
  }
}

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

interface Kernel {
  memory: WebAssembly.Memory;
  gemm: GemmExports['gemm'];
}

function instantiate(base64: string): Kernel {
  const memory = new WebAssembly.Memory({ initial: 256 });
  const module = new WebAssembly.Module(Buffer.from(base64, 'base64'));
  const { exports } = new WebAssembly.Instance(module, { env: { memory } });
  return { memory, gemm: (exports as unknown as GemmExports).gemm };
}

const { rows: R, vecs, kc: KC, nc: NC } = GEMM_TILING;
const W = 4 * vecs;
/** [M, K, N]: single elements, one short tile, and sizes one past and short of every block. */
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [R, 1, W],
  [R + 1, 3, W + 1],
  [2 * R + 1, KC + 3, 2 * W - 1],
  [7, 2 * KC + 1, NC + W + 5],
  [3 * R, 5, NC - 1],
  [31, 130, 37],
];

/**
 * `op(a) @ op(b) (+ c0)` in float64, and the bound on float32's error: blocked and fused sums
 * each round at most K + 2 times, each by at most 2^-24 of the sum of magnitudes.
 */
function reference(
  a: Float32Array,
  b: Float32Array,
  c0: Float32Array | null,
  [M, K, N]: number[],
  ta: boolean,
  tb: boolean,
): { want: Float64Array; bound: Float64Array } {
  const want = new Float64Array(M * N);
  const bound = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = c0 ? c0[i * N + j] : 0;
      let mag = Math.abs(s);
      for (let k = 0; k < K; k++) {
        const p = a[ta ? k * M + i : i * K + k] * b[tb ? j * K + k : k * N + j];
        s += p;
        mag += Math.abs(p);
      }
      want[i * N + j] = s;
      bound[i * N + j] = (K + 2) * 2 ** -24 * mag + 1e-30;
    }
  }
  return { want, bound };
}

/** Runs the kernel on fresh operands; returns the worst |error| / bound (must stay <= 1). */
function worstError(kernel: Kernel, shape: number[], ta: boolean, tb: boolean, acc: boolean) {
  const [M, K, N] = shape;
  const a = values(M * K, 1 + M);
  const b = values(K * N, 2 + N);
  const c0 = acc ? values(M * N, 3) : null;
  const f32 = new Float32Array(kernel.memory.buffer);
  const pa = 64;
  const pb = pa + 4 * a.length;
  const pc = pb + 4 * b.length;
  const scratch = pc + 4 * M * N + 64;
  expect(scratch + gemmScratchBytes()).toBeLessThan(kernel.memory.buffer.byteLength);
  f32.set(a, pa / 4);
  f32.set(b, pb / 4);
  // c starts as c0 (acc) or as garbage the kernel must overwrite
  f32.set(c0 ?? values(M * N, 99).map((v) => v * 1e6), pc / 4);
  f32.fill(0, pc / 4 + M * N, scratch / 4);
  kernel.gemm(pa, pb, pc, M, K, N, ta ? 1 : 0, tb ? 1 : 0, acc ? 1 : 0, scratch);
  const got = f32.subarray(pc / 4, pc / 4 + M * N);
  const { want, bound } = reference(a, b, c0, shape, ta, tb);
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / bound[i]);
  }
  // nothing written past c
  expect(f32[pc / 4 + M * N]).toBe(0);
  return worst;
}

const builds = {
  plain: () => instantiate(GEMM_WASM),
  relaxed: () => withRelaxedSimd(() => instantiate(GEMM_WASM_RELAXED)),
};

describe.each(Object.entries(builds))('gemm kernel, %s build', (_, build) => {
  const kernel = build();
  const cases = SHAPES.flatMap((shape) =>
    [false, true].flatMap((ta) =>
      [false, true].flatMap((tb) => [false, true].map((acc) => ({ shape, ta, tb, acc }))),
    ),
  );
  it.each(cases)(
    '$shape (transA $ta, transB $tb, acc $acc) is op(a) @ op(b) within float32 rounding',
    ({ shape, ta, tb, acc }) => {
      expect(worstError(kernel, shape, ta, tb, acc)).toBeLessThanOrEqual(1);
    },
  );
});

describe('relaxed SIMD', () => {
  it('the relaxed build needs relaxed SIMD (it holds relaxed_madd), the plain one does not', () => {
    const plain = Buffer.from(GEMM_WASM, 'base64');
    const relaxed = Buffer.from(GEMM_WASM_RELAXED, 'base64');
    if (!relaxedSimdSupported()) expect(WebAssembly.validate(relaxed)).toBe(false);
    expect(WebAssembly.validate(plain)).toBe(true);
    expect(withRelaxedSimd(() => WebAssembly.validate(relaxed))).toBe(true);
  });

  it('the two builds differ by rounding only, and on an FMA CPU they do differ', () => {
    const shape = [2 * R + 1, 300, 3 * W + 3];
    const [M, K, N] = shape;
    const run = (kernel: Kernel) => {
      const f32 = new Float32Array(kernel.memory.buffer);
      f32.set(values(M * K, 5), 0);
      f32.set(values(K * N, 6), M * K);
      const pc = 4 * (M * K + K * N);
      kernel.gemm(0, 4 * M * K, pc, M, K, N, 0, 0, 0, pc + 4 * M * N);
      return f32.slice(pc / 4, pc / 4 + M * N);
    };
    const plain = run(builds.plain());
    const fused = run(builds.relaxed());
    let differ = 0;
    for (let i = 0; i < plain.length; i++) {
      expect(Math.abs(plain[i] - fused[i])).toBeLessThan(1e-4);
      if (plain[i] !== fused[i]) differ++;
    }
    // x64 V8 emits vfmadd for relaxed_madd where the CPU has FMA3 (every x64 CPU since 2013)
    if (process.arch === 'x64') expect(differ).toBeGreaterThan(0);
  });

  it('picks the relaxed build where the runtime validates it and the plain one otherwise', () => {
    try {
      setWasmRelaxedSimd(true);
      expect(withRelaxedSimd(() => wasmRelaxedSimdActive())).toBe(true);
      setWasmRelaxedSimd(false);
      expect(withRelaxedSimd(() => wasmRelaxedSimdActive())).toBe(false);
    } finally {
      setWasmRelaxedSimd(true);
    }
  });
});

describe('tf.matMul on the wasm backend with the relaxed build', () => {
  beforeAll(async () => {
    expect((await selectBackend('wasm')).name).toBe('wasm');
  });
  afterAll(() => setWasmRelaxedSimd(true));

  it.each([
    { a: [37, 300], b: [300, 45], ta: false, tb: false },
    { a: [37, 300], b: [45, 300], ta: false, tb: true },
    { a: [300, 37], b: [300, 45], ta: true, tb: false },
    { a: [5, 13, 64], b: [5, 130, 64], ta: false, tb: true },
  ])('a $a (T $ta) x b $b (T $tb) matches the cpu backend', async (c) => {
    const product = async (backend: string): Promise<Float32Array> => {
      await tf.setBackend(backend);
      const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
      const a = tf.tensor(values(size(c.a), 1), c.a);
      const b = tf.tensor(values(size(c.b), 2), c.b);
      const y = tf.matMul(a, b, c.ta, c.tb);
      const out = (await y.data()) as Float32Array;
      tf.dispose([a, b, y]);
      return out;
    };
    const want = await product('cpu');
    await tf.setBackend('wasm');
    setWasmRelaxedSimd(false); // drops the bound module: the next product binds the plain one
    const plain = await product('wasm');
    setWasmRelaxedSimd(true);
    const backend = tf.backend() as unknown as WasmBackendLike;
    withRelaxedSimd(() => {
      expect(wasmRelaxedSimdActive()).toBe(true);
      gemmFor(backend);
    });
    const fused = await product('wasm');
    let worst = 0;
    let differ = 0;
    for (let i = 0; i < want.length; i++) {
      worst = Math.max(worst, Math.abs(fused[i] - want[i]), Math.abs(plain[i] - want[i]));
      if (fused[i] !== plain[i]) differ++;
    }
    expect(worst).toBeLessThan(1e-4);
    // the relaxed build ran (FMA rounds once where mul + add rounds twice)
    if (process.arch === 'x64') expect(differ).toBeGreaterThan(0);
    setWasmRelaxedSimd(true); // back to the module the flags allow
  });
});
