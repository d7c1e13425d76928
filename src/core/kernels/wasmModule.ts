/**
 * The studio's kernel module (`gemmWat.ts`) bound to TF.js's wasm backend, and the state the
 * kernels share: the parts of the backend they use ({@link WasmBackendLike}), the module's
 * exports ({@link GemmExports}), one instance per backend ({@link gemmFor}), the on/off switch
 * ({@link setWasmKernelsEnabled}), whether they are installed, and small helpers (sizes, tensor
 * pointers).
 */
import * as tf from '@tensorflow/tfjs';

import {
  GEMM_WASM,
  GEMM_WASM_RELAXED,
  GEMM_WASM_SHARED,
  GEMM_WASM_SHARED_RELAXED,
} from './gemmWasm.generated';

/** The parts of TF.js's `BackendWasm` this kernel uses (internal, stable across 4.x). */
export interface WasmBackendLike {
  wasm: {
    asm?: { memory?: WebAssembly.Memory };
    wasmMemory?: WebAssembly.Memory;
    _get_threads_count?(): number;
    _malloc(bytes: number): number;
    _free(ptr: number): void;
  };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

export interface GemmExports {
  /**
   * `c[m x n] (+)= op(a) @ op(b)` over byte offsets, op a transpose where its flag is 1, with
   * `gemmScratchBytes()` of scratch: see gemmWat.ts.
   */
  gemm(
    a: number,
    b: number,
    c: number,
    m: number,
    k: number,
    n: number,
    transA: number,
    transB: number,
    acc: number,
    scratch: number,
  ): void;
  gemv(a: number, b: number, c: number, k: number, n: number): void;
  geluForward(x: number, unused: number, y: number, n: number): void;
  geluBackward(x: number, dy: number, dx: number, n: number): void;
  dropout(x: number, out: number, n: number, rate: number, scale: number, seed: number): void;
  adamw(
    p: number,
    g: number,
    m: number,
    v: number,
    pOut: number,
    mOut: number,
    vOut: number,
    n: number,
    decayMul: number,
    oneMinusB1: number,
    b2: number,
    oneMinusB2: number,
    bc2Sqrt: number,
    eps: number,
    negStep: number,
  ): void;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  gatherRows(
    table: number,
    rows: number,
    ids: number,
    n: number,
    out: number,
    rowBytes: number,
  ): void;
}

let enabled = true;
let installed = false;
let relaxedPreferred = true;

/**
 * A module of one function `(v128, v128, v128) -> f32x4.relaxed_madd` of them: it validates
 * where the runtime has relaxed SIMD (Chrome; Node with `--experimental-wasm-relaxed-simd`).
 */
const RELAXED_PROBE = 'AGFzbQEAAAABCAFgA3t7ewF7AwIBAAcFAQFmAAAKDQELACAAIAEgAv2FAgs=';

/**
 * Whether this runtime runs relaxed SIMD (`f32x4.relaxed_madd`): a validation of 44 bytes, done
 * when a module is bound (once per backend), so it follows V8's flags as they are then.
 */
export function relaxedSimdSupported(): boolean {
  return WebAssembly.validate(decodeBase64(RELAXED_PROBE));
}

/**
 * Prefers the relaxed-SIMD kernels where the runtime has them (the default) or the plain f32x4
 * ones; the choice applies to the modules bound from now on (tests and benchmarks run both).
 */
export function setWasmRelaxedSimd(on: boolean): void {
  relaxedPreferred = on;
  instances = new WeakMap();
}

/** Whether the kernels bound from now on use relaxed-SIMD FMA. */
export function wasmRelaxedSimdActive(): boolean {
  return relaxedPreferred && relaxedSimdSupported();
}

/** Turns the studio kernels off (TF.js's own runs) or on, for side-by-side benchmarks. */
export function setWasmKernelsEnabled(on: boolean): void {
  enabled = on;
}

/** Whether the studio kernels are on ({@link setWasmKernelsEnabled}). */
export function wasmKernelsEnabled(): boolean {
  return enabled;
}

/** Whether `installWasmKernels` has registered the kernels. */
export function wasmKernelsInstalled(): boolean {
  return installed;
}

/** Records that `installWasmKernels` has registered the kernels. */
export function markWasmKernelsInstalled(): void {
  installed = true;
}

let instances = new WeakMap<object, GemmExports | null>();

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The backend's heap (where TF.js 4.x keeps it). */
export function memoryOf(backend: WasmBackendLike): WebAssembly.Memory | undefined {
  return backend.wasm.asm?.memory ?? backend.wasm.wasmMemory;
}

/** The kernel module bound to this backend's memory, or null where it cannot be (then: TF.js's). */
export function gemmFor(backend: WasmBackendLike): GemmExports | null {
  let inst = instances.get(backend);
  if (inst !== undefined) return inst;
  inst = null;
  const memory = memoryOf(backend);
  if (memory) {
    const shared =
      typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const relaxed = wasmRelaxedSimdActive();
    const bytes = shared
      ? relaxed
        ? GEMM_WASM_SHARED_RELAXED
        : GEMM_WASM_SHARED
      : relaxed
        ? GEMM_WASM_RELAXED
        : GEMM_WASM;
    const module = new WebAssembly.Module(decodeBase64(bytes));
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    inst = instance.exports as unknown as GemmExports;
  }
  instances.set(backend, inst);
  return inst;
}

/**
 * Whether the current backend runs the studio kernels: installed, enabled, the backend is wasm
 * and the module binds to its memory.
 */
export function studioKernelsActive(): boolean {
  if (!installed || !enabled || tf.getBackend() !== 'wasm') return false;
  return gemmFor(tf.backend() as unknown as WasmBackendLike) !== null;
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/** The byte offset of a tensor's data in the backend's heap. */
export function ptrOf(backend: WasmBackendLike, t: tf.TensorInfo): number {
  return (backend.dataIdMap.get(t.dataId) as { memoryOffset: number }).memoryOffset;
}
