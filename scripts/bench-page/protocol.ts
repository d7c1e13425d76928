/** Messages between scripts/bench-page.ts's page (main.ts) and its worker (bench.worker.ts). */

/**
 * `wasm1`: wasm, one thread; `wasmN`: wasm, a thread per core; `workersN`: wasm, one thread in each
 * of `workers` Web Workers (the page's data parallelism: src/worker/replicas.ts); `webgpu`.
 */
export type BenchBackend = 'wasm1' | 'wasmN' | 'workersN' | 'webgpu';

export interface BenchShape {
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
}

/** One run: a shape trained on a backend. */
export interface BenchRequest {
  shapeName: string;
  shape: BenchShape;
  backend: BenchBackend;
  /** Timed steps, the first `warmup` of them left out of ms/step. */
  steps: number;
  warmup: number;
  batch: number;
  seqLen: number;
  vocab: number;
  numLabels: number;
  lr: number;
  seed: number;
  /** Profile one more step (tf.profile) for the kernel count. */
  profile: boolean;
  /** > 0: the worker's navigator.hardwareConcurrency is made to read this (before TF.js loads). */
  emulateCores: number;
  /** `workersN`: how many workers share each batch (this one and workers - 1 replicas). */
  workers: number;
}

/** What the worker finds of the wasm backend's memory. */
export interface MemoryReport {
  /** `backend.wasm.asm.memory` is a WebAssembly.Memory (what memoryOf in wasmKernels.ts tries first). */
  asmMemory: boolean;
  /** `backend.wasm.wasmMemory` is a WebAssembly.Memory (its fallback). */
  wasmMemory: boolean;
  /** Every property path (one level under the module, its asm and wasmExports) holding one. */
  memoriesAt: string[];
  shared: boolean;
  /** memory.buffer.byteLength of the memory found, or null. */
  memoryBytes: number | null;
  /** `backend.wasm.HEAPU8.buffer.byteLength`. */
  heapU8Bytes: number | null;
  /** `backend.wasm._get_threads_count()`. */
  threads: number | null;
}

export interface BenchResult {
  backend: BenchBackend;
  /** Workers that shared each batch (1 but for `workersN`). */
  workers: number;
  shape: string;
  /** The wasm thread count asked of setThreadsCount (TF.js caps it; see MemoryReport.threads). */
  requestedThreads: number | null;
  tfBackend: string;
  reason: string;
  fallbackAdapter: boolean;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  /** wasmGelu() !== null (wasm runs; null on webgpu). */
  kernelsActive: boolean | null;
  startMemory: MemoryReport | null;
  endMemory: MemoryReport | null;
  /** tf.memory().numBytes before the model was freed. */
  tfMemoryBytes: number;
  tensorsLive: number;
  /** Tensors left after freeing the model, optimizer and batch (0 = no leak). */
  tensorsLeft: number;
  stepMs: number[];
  msPerStep: number | null;
  samplesPerSecond: number | null;
  kernels: number | null;
  topKernels: string[];
  losses: number[];
  norms: number[];
  /**
   * Milliseconds per timed step in each part: the gradients (`gradients`: forward, backward and,
   * for `workersN`, the exchange) and the optimizer (flatten, clip, AdamW); for `workersN` also
   * the gradient source's own parts (StepTimings of src/core/train/parallel/workerGradients.ts,
   * per step), from which bench-page.ts projects the step on idle cores.
   */
  parts: { gradients: number; optimizer: number; source: Record<string, number> | null };
}

export type WorkerMessage =
  | { type: 'progress'; step: number; ms: number; loss: number }
  | { type: 'result'; result: BenchResult }
  | { type: 'error'; error: string };
