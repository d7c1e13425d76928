/**
 * What a WebGPU backend does, counted: compute dispatches, reads of GPU data back to the CPU
 * (and their bytes), bytes uploaded from the CPU, and GPU bytes newly allocated by its buffer
 * manager. Counted by wrapping the
 * backend instance's own methods (`recordAndSubmit` records one dispatch, `getBufferData` copies
 * a buffer back and waits for it, `readSync` of a tensor whose values are not cached on the CPU),
 * so the figures are the backend's, not an estimate. SwiftShader's counts equal a real GPU's:
 * they depend on the program, not on the device.
 *
 * For tests and benchmarks: `installWebGpuCounters()` once the `webgpu` backend is active, then
 * `snapshot()` before and after what is measured.
 */
import * as tf from '@tensorflow/tfjs';

export interface WebGpuCounts {
  /** Compute dispatches recorded (each program run is one `dispatchWorkgroups`). */
  dispatches: number;
  /** GPU-to-CPU reads (each one waits for the GPU queue to drain up to it). */
  reads: number;
  /** Bytes of those reads. */
  readBytes: number;
  /** Bytes uploaded from the CPU (tensors made from host values, on first use on the GPU). */
  uploadBytes: number;
  /** Bytes the buffer manager has allocated so far (new GPUBuffers, reuse not counted). */
  allocatedBytes: number;
  /** Dispatches by program class name. */
  byProgram: Record<string, number>;
}

interface BufferManagerLike {
  numBytesAllocated: number;
}
interface TensorDataLike {
  values: { byteLength?: number } | null;
  resource: unknown;
}
interface WebGpuBackendLike {
  recordAndSubmit(program: object, ...rest: unknown[]): void;
  getBufferData(buffer: { size: number }): Promise<unknown>;
  readSync(dataId: object): unknown;
  uploadToGPU(dataId: object): void;
  bufferManager: BufferManagerLike;
  tensorMap: { get(dataId: object): TensorDataLike | undefined };
}

export interface WebGpuCounters {
  /** The counts so far (a copy). */
  snapshot(): WebGpuCounts;
  /** Counts between two snapshots. */
  readonly backend: object;
}

const installed = new WeakMap<object, WebGpuCounters>();

/** `b - a`, field by field. */
export function countsBetween(a: WebGpuCounts, b: WebGpuCounts): WebGpuCounts {
  const byProgram: Record<string, number> = {};
  for (const [k, v] of Object.entries(b.byProgram)) {
    const d = v - (a.byProgram[k] ?? 0);
    if (d !== 0) byProgram[k] = d;
  }
  return {
    dispatches: b.dispatches - a.dispatches,
    reads: b.reads - a.reads,
    readBytes: b.readBytes - a.readBytes,
    uploadBytes: b.uploadBytes - a.uploadBytes,
    allocatedBytes: b.allocatedBytes - a.allocatedBytes,
    byProgram,
  };
}

/**
 * Counters on the active `webgpu` backend (installed once per backend instance).
 * @throws Error when the active backend is not webgpu
 */
export function installWebGpuCounters(): WebGpuCounters {
  if (tf.getBackend() !== 'webgpu') {
    throw new Error(
      `WebGPU counters need the webgpu backend; the active one is ${tf.getBackend()}`,
    );
  }
  const backend = tf.backend() as unknown as WebGpuBackendLike;
  const existing = installed.get(backend);
  if (existing) return existing;
  let dispatches = 0;
  let reads = 0;
  let readBytes = 0;
  let uploadBytes = 0;
  const byProgram: Record<string, number> = {};
  const record = backend.recordAndSubmit.bind(backend);
  backend.recordAndSubmit = (program: object, ...rest: unknown[]) => {
    dispatches += 1;
    // TF.js's programs are classes; the studio's are plain objects named by their shader key.
    const ctor = program.constructor.name;
    const key = String((program as { shaderKey?: string }).shaderKey);
    const name = ctor === 'Object' ? key.replace(/_\d.*$/, '') : ctor;
    byProgram[name] = (byProgram[name] ?? 0) + 1;
    record(program, ...rest);
  };
  const getBufferData = backend.getBufferData.bind(backend);
  backend.getBufferData = (buffer: { size: number }) => {
    reads += 1;
    readBytes += buffer.size;
    return getBufferData(buffer);
  };
  const readSync = backend.readSync.bind(backend);
  backend.readSync = (dataId: object) => {
    const d = backend.tensorMap.get(dataId);
    // readSync of a tensor still on the GPU reads it back (without getBufferData).
    if (d && d.values == null && d.resource != null) reads += 1;
    return readSync(dataId);
  };
  const uploadToGPU = backend.uploadToGPU.bind(backend);
  backend.uploadToGPU = (dataId: object) => {
    const d = backend.tensorMap.get(dataId);
    if (d && d.resource == null && d.values != null) uploadBytes += d.values.byteLength ?? 0;
    uploadToGPU(dataId);
  };
  const counters: WebGpuCounters = {
    backend,
    snapshot: () => ({
      dispatches,
      reads,
      readBytes,
      uploadBytes,
      allocatedBytes: backend.bufferManager.numBytesAllocated,
      byProgram: { ...byProgram },
    }),
  };
  installed.set(backend, counters);
  return counters;
}
