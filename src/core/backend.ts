/**
 * Backend choice, in one place: WebGPU first, then WebGL, WASM, CPU, with the reason recorded so
 * the user sees why. A software WebGPU adapter (SwiftShader: `isFallbackAdapter`) is correct but
 * slow, so under 'auto' it is measured against WASM and the faster one wins.
 */
import * as tf from '@tensorflow/tfjs';

import { installWasmKernels } from './kernels/wasmKernels';
import { releaseSavedTensorsEarly } from './model/tapeRelease';
import { installWebGpuKernels } from './kernels/webgpu/webgpuKernels';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export interface BackendChoice {
  name: BackendName;
  reason: string;
  fallbackAdapter: boolean;
  maxBufferBytes?: number;
}

export interface BackendOptions {
  /** URLs of the TF.js WASM binaries (browser builds); Node finds them on its own. */
  wasmPaths?: Record<string, string>;
  /**
   * Threads of the multi-threaded WASM backend (used where the page is cross-origin isolated).
   * Default: TF.js' own (one per core).
   */
  wasmThreads?: number;
}

interface GpuLimitsLike {
  maxStorageBufferBindingSize: number;
  maxBufferSize?: number;
}
interface GpuAdapterLike {
  info?: { isFallbackAdapter?: boolean; vendor?: string; architecture?: string };
  isFallbackAdapter?: boolean;
  limits: GpuLimitsLike;
}

/**
 * The largest tensor the webgpu backend's device can hold and bind: TF.js asks for the adapter's
 * maxima (maxBufferSize, maxStorageBufferBindingSize) when it creates the device; this reads
 * what the device was granted. Null when the active backend is not webgpu.
 */
export function webgpuMaxTensorBytes(): number | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const limits = (tf.backend() as unknown as { device?: { limits?: GpuLimitsLike } }).device
    ?.limits;
  if (!limits) return null;
  return Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize ?? Infinity);
}
interface GpuLike {
  requestAdapter(): Promise<GpuAdapterLike | null>;
}

function gpuApi(): GpuLike | undefined {
  return (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
}

async function registerWasm(opts: BackendOptions): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (opts.wasmPaths) wasm.setWasmPaths(opts.wasmPaths);
  if (opts.wasmThreads) wasm.setThreadsCount(opts.wasmThreads);
  // The studio's SIMD matmul (attention's batched and the backward pass's transposed products).
  installWasmKernels();
}

/** "N threads" of the wasm backend (1 unless the page is cross-origin isolated). */
async function wasmThreadsLabel(): Promise<string> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const n = wasm.getThreadsCount();
  return n === 1 ? '1 thread' : `${n} threads`;
}

async function tryBackend(name: BackendName, opts: BackendOptions): Promise<boolean> {
  try {
    if (name === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
    if (name === 'wasm') await registerWasm(opts);
    const ok = await tf.setBackend(name);
    if (ok) await tf.ready();
    // The studio's WGSL kernels (LayerNorm, GELU, dropout, softmax backward, AdamW, step log).
    if (ok && name === 'webgpu') installWebGpuKernels();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/** Matmul throughput of the current backend, GFLOP/s (a short warm-up, then a few runs). */
export async function measureMatmulGflops(size = 256, runs = 4): Promise<number> {
  const a = tf.randomNormal([size, size]);
  const warm = tf.matMul(a, a);
  await warm.data();
  warm.dispose();
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) {
    const c = tf.matMul(a, a);
    await c.data();
    c.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  a.dispose();
  return (runs * 2 * size ** 3) / seconds / 1e9;
}

/**
 * Selects and initialises a TF.js backend.
 * @param preferred a backend to use if it works, or 'auto' to pick the fastest sensible one.
 */
export async function selectBackend(
  preferred: BackendName | 'auto',
  opts: BackendOptions = {},
): Promise<BackendChoice> {
  // The backward pass frees each op's saved tensors once its gradient is taken (every backend).
  releaseSavedTensorsEarly();
  const gpu = gpuApi();
  const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
  const fallbackAdapter = Boolean(adapter?.info?.isFallbackAdapter ?? adapter?.isFallbackAdapter);
  const maxBufferBytes = adapter?.limits.maxStorageBufferBindingSize;
  const facts = { fallbackAdapter, maxBufferBytes };
  // On webgpu: what the device was granted (the adapter's maxima, as TF.js requests them).
  const gpuFacts = () => ({ ...facts, maxBufferBytes: webgpuMaxTensorBytes() ?? maxBufferBytes });

  if (preferred !== 'auto') {
    if (preferred === 'webgpu' && !adapter) {
      // Fall through to auto, but say why the requested backend was not used.
    } else if (await tryBackend(preferred, opts)) {
      return { name: preferred, reason: `${preferred} was requested`, ...gpuFacts() };
    }
    const choice = await selectBackend('auto', opts);
    return { ...choice, reason: `${preferred} is unavailable here; ${choice.reason}` };
  }

  if (adapter && !fallbackAdapter && (await tryBackend('webgpu', opts))) {
    const vendor = adapter.info?.vendor ? ` (${adapter.info.vendor})` : '';
    return { name: 'webgpu', reason: `WebGPU adapter found${vendor}`, ...gpuFacts() };
  }
  if (adapter && fallbackAdapter && (await tryBackend('webgpu', opts))) {
    const gpuSpeed = await measureMatmulGflops(128, 3);
    if (await tryBackend('wasm', opts)) {
      const wasmSpeed = await measureMatmulGflops(128, 3);
      if (wasmSpeed > gpuSpeed) {
        return {
          name: 'wasm',
          reason: `the WebGPU adapter is a software fallback (${gpuSpeed.toFixed(1)} GFLOP/s); WASM measured ${wasmSpeed.toFixed(1)} GFLOP/s on ${await wasmThreadsLabel()}`,
          ...gpuFacts(),
        };
      }
      await tryBackend('webgpu', opts);
    }
    return {
      name: 'webgpu',
      reason: `software WebGPU adapter, measured ${gpuSpeed.toFixed(1)} GFLOP/s`,
      ...gpuFacts(),
    };
  }
  const noGpu = gpu ? 'no WebGPU adapter was offered' : 'this browser has no WebGPU';
  const g = globalThis as { document?: unknown; OffscreenCanvas?: unknown };
  if (g.document !== undefined || g.OffscreenCanvas !== undefined) {
    if (await tryBackend('webgl', opts)) {
      return { name: 'webgl', reason: `${noGpu}; using WebGL`, ...gpuFacts() };
    }
  }
  if (await tryBackend('wasm', opts)) {
    return {
      name: 'wasm',
      reason: `${noGpu}; using WebAssembly on ${await wasmThreadsLabel()}`,
      ...gpuFacts(),
    };
  }
  await tryBackend('cpu', opts);
  return {
    name: 'cpu',
    reason: `${noGpu} and WebAssembly failed; using plain JavaScript`,
    ...gpuFacts(),
  };
}
