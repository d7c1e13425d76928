/// <reference lib="webworker" />
/**
 * One benchmark run of scripts/bench-page.ts, in a dedicated worker as the studio trains: the
 * backend chosen with the studio's `selectBackend` (wasm paths from Vite `?url` imports, as
 * src/worker/studio.worker.ts does), the studio's BERT trained for a few steps with the Trainer's
 * update (batchGradients, flattenGrads, clipFlatGradsByGlobalNorm, AdamW), timed, one more step
 * profiled, and the wasm module's memory inspected. A fresh worker per run: the wasm backend's
 * thread count is fixed when it first initialises.
 */
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/core/backend';
import { wasmGelu } from '../../src/core/kernels/wasmKernels';
import { SequenceClassifier } from '../../src/core/model/classifier';
import { bertFamily } from '../../src/core/model/bert';
import { smallBertConfig } from '../../src/core/model/bert/config';
import { AdamW, hfNoDecay } from '../../src/core/train/adamw';
import { clipFlatGradsByGlobalNorm } from '../../src/core/train/clip';
import {
  batchGradients,
  type GradientBatch,
  type GradientSource,
} from '../../src/core/train/gradients';
import { pageGradients } from '../../src/worker/replicas';
import { deriveSeed } from '../../src/core/util/rng';
import type { BenchRequest, BenchResult, MemoryReport } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;

/** Where a WebAssembly.Memory sits under the backend's emscripten module (one level deep). */
function findMemories(wasm: Record<string, unknown>): string[] {
  const found: string[] = [];
  const look = (obj: unknown, prefix: string) => {
    if (obj === null || (typeof obj !== 'object' && typeof obj !== 'function')) return;
    for (const key of Object.keys(obj as object)) {
      let v: unknown;
      try {
        v = (obj as Record<string, unknown>)[key];
      } catch {
        continue;
      }
      if (v instanceof WebAssembly.Memory) found.push(`${prefix}.${key}`);
    }
  };
  look(wasm, 'backend.wasm');
  look(wasm.asm, 'backend.wasm.asm');
  look(wasm.wasmExports, 'backend.wasm.wasmExports');
  return found;
}

function memoryReport(): MemoryReport | null {
  if (tf.getBackend() !== 'wasm') return null;
  const wasm = (tf.backend() as unknown as { wasm: Record<string, unknown> }).wasm;
  const asm = wasm.asm as { memory?: unknown } | undefined;
  const memory =
    asm?.memory instanceof WebAssembly.Memory
      ? asm.memory
      : wasm.wasmMemory instanceof WebAssembly.Memory
        ? wasm.wasmMemory
        : null;
  const heap = wasm.HEAPU8 as Uint8Array | undefined;
  const threads = (wasm._get_threads_count as (() => number) | undefined)?.();
  return {
    asmMemory: asm?.memory instanceof WebAssembly.Memory,
    wasmMemory: wasm.wasmMemory instanceof WebAssembly.Memory,
    memoriesAt: findMemories(wasm),
    shared:
      memory !== null &&
      typeof SharedArrayBuffer !== 'undefined' &&
      memory.buffer instanceof SharedArrayBuffer,
    memoryBytes: memory?.buffer.byteLength ?? null,
    heapU8Bytes: heap?.buffer.byteLength ?? null,
    threads: threads ?? null,
  };
}

/** Random ids in [1, vocab), full attention, segment 0, labels in [0, numLabels). */
function randomRows(req: BenchRequest): { ids: Int32Array; labels: Int32Array } {
  const { batch, seqLen, vocab, numLabels } = req;
  const ids = new Int32Array(batch * seqLen);
  const labels = new Int32Array(batch);
  let s = req.seed >>> 0 || 1;
  const next = () => {
    // xorshift32: reproducible ids without pulling a data set in.
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  for (let i = 0; i < ids.length; i++) ids[i] = 1 + Math.floor(next() * (vocab - 1));
  for (let i = 0; i < batch; i++) labels[i] = Math.floor(next() * numLabels);
  return { ids, labels };
}

/** {@link randomRows} as one batch of tensors. */
function randomBatch(req: BenchRequest): GradientBatch {
  const { batch, seqLen } = req;
  const { ids, labels } = randomRows(req);
  return {
    input_ids: tf.tensor2d(ids, [batch, seqLen], 'int32'),
    attention_mask: tf.ones([batch, seqLen], 'int32') as tf.Tensor2D,
    token_type_ids: tf.zeros([batch, seqLen], 'int32') as tf.Tensor2D,
    labels: tf.tensor1d(labels, 'int32'),
  };
}

async function run(req: BenchRequest): Promise<BenchResult> {
  if (req.emulateCores > 0) {
    // Read by emscripten's emscripten_num_logical_cores when the wasm module starts.
    Object.defineProperty(Object.getPrototypeOf(scope.navigator), 'hardwareConcurrency', {
      configurable: true,
      get: () => req.emulateCores,
    });
  }
  const isWasm = req.backend !== 'webgpu';
  const threads = req.backend === 'wasmN' ? Math.max(1, scope.navigator.hardwareConcurrency) : 1;
  const choice = await selectBackend(isWasm ? 'wasm' : 'webgpu', {
    wasmPaths: {
      'tfjs-backend-wasm.wasm': wasmPlain,
      'tfjs-backend-wasm-simd.wasm': wasmSimd,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
    },
    wasmThreads: isWasm ? threads : undefined,
  });
  const want = isWasm ? 'wasm' : 'webgpu';
  if (choice.name !== want || tf.getBackend() !== want) {
    throw new Error(`backend ${want} unavailable: got ${tf.getBackend()} (${choice.reason})`);
  }
  const startMemory = memoryReport();
  const kernelsActive = isWasm ? wasmGelu() !== null : null;

  const config = smallBertConfig({
    vocabSize: req.vocab,
    numLabels: req.numLabels,
    maxLength: req.seqLen,
    hiddenSize: req.shape.hidden,
    numLayers: req.shape.layers,
    numHeads: req.shape.heads,
    intermediateSize: req.shape.intermediate,
  });
  const model = SequenceClassifier.create(bertFamily, config, req.seed);
  // The Trainer's defaults: TrainingArguments' betas/eps, weight_decay 0, HF's no-decay groups.
  const optimizer = new AdamW(model.params, { weightDecay: 0, decay: (n) => !hfNoDecay(n) });
  const batch = randomBatch(req);
  const problemType = 'single_label_classification' as const;
  const source = req.backend === 'workersN' ? workersSource(req, model) : null;
  const rows = Uint32Array.from({ length: req.batch }, (_, r) => r);

  /** One Trainer update step (trainer.ts `updateStep`, one micro-batch, max_grad_norm 1). */
  const parts = { gradients: 0, optimizer: 0 };
  const step = async (i: number): Promise<{ loss: number; norm: number }> => {
    const t0 = performance.now();
    const seed = deriveSeed(req.seed, i, 0);
    const { loss, grads } = source
      ? await source.compute([rows], i)
      : batchGradients(model, problemType, batch, {}, seed, 1);
    // (wasm runs each op as it is called: the gradients are computed here.)
    const t1 = performance.now();
    const flat = optimizer.flattenGrads(grads);
    tf.dispose([...grads.values()]);
    const norm = clipFlatGradsByGlobalNorm(flat, 1);
    const [lossArr, normArr] = await Promise.all([loss.data(), norm.data()]);
    if (Number.isFinite(lossArr[0]) && Number.isFinite(normArr[0])) optimizer.step(flat, req.lr);
    flat.dispose();
    tf.dispose([norm, loss]);
    if (i > req.warmup && i <= req.steps) {
      parts.gradients += t1 - t0;
      parts.optimizer += performance.now() - t1;
    }
    return { loss: lossArr[0], norm: normArr[0] };
  };
  /** Waits for queued work (WebGPU: the last step's AdamW) by reading one small weight. */
  const settle = async () => {
    await model.params.get('classifier.bias')!.data();
  };

  const losses: number[] = [];
  const norms: number[] = [];
  let sourceAtWarmup: Record<string, number> | null = null;
  const stepMs: number[] = [];
  let t = performance.now();
  let measuredFrom = 0;
  for (let i = 1; i <= req.steps; i++) {
    const r = await step(i);
    if (i === req.steps) await settle();
    const now = performance.now();
    stepMs.push(now - t);
    t = now;
    if (i === req.warmup) {
      measuredFrom = now;
      sourceAtWarmup = source ? { ...timingsOf(source) } : null;
    }
    losses.push(r.loss);
    norms.push(r.norm);
    scope.postMessage({ type: 'progress', step: i, ms: stepMs[i - 1], loss: r.loss });
  }
  const measured = req.steps - req.warmup;
  const msPerStep = measured > 0 ? (t - measuredFrom) / measured : null;
  const perStep = (x: number) => (measured > 0 ? x / measured : 0);
  let sourceParts: Record<string, number> | null = null;
  if (source) {
    const now = timingsOf(source);
    sourceParts = Object.fromEntries(
      Object.entries(now).map(([k, v]) => [k, perStep(v - (sourceAtWarmup?.[k] ?? 0))]),
    );
  }

  let kernels: number | null = null;
  let topKernels: string[] = [];
  if (req.profile) {
    const profile = await tf.profile(async () => {
      await step(req.steps + 1);
      await settle();
    });
    kernels = profile.kernels.length;
    const byName = new Map<string, number>();
    for (const k of profile.kernels) byName.set(k.name, (byName.get(k.name) ?? 0) + 1);
    topKernels = [...byName]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([n, c]) => `${n} ${c}`);
  }

  const endMemory = memoryReport();
  const tfMemoryBytes = tf.memory().numBytes;
  const tensorsLive = tf.memory().numTensors;
  await source?.close();
  tf.dispose([batch.input_ids, batch.attention_mask, batch.token_type_ids, batch.labels]);
  optimizer.dispose();
  for (const v of model.params.values()) v.dispose();
  return {
    backend: req.backend,
    workers: source ? req.workers : 1,
    shape: req.shapeName,
    requestedThreads: isWasm ? threads : null,
    tfBackend: tf.getBackend(),
    reason: choice.reason,
    fallbackAdapter: choice.fallbackAdapter,
    crossOriginIsolated: scope.crossOriginIsolated,
    hardwareConcurrency: scope.navigator.hardwareConcurrency,
    kernelsActive,
    startMemory,
    endMemory,
    tfMemoryBytes,
    tensorsLive,
    tensorsLeft: tf.memory().numTensors,
    stepMs,
    msPerStep,
    samplesPerSecond: msPerStep ? (req.batch * 1000) / msPerStep : null,
    kernels,
    topKernels,
    losses,
    norms,
    parts: {
      gradients: perStep(parts.gradients),
      optimizer: perStep(parts.optimizer),
      source: sourceParts,
    },
  };
}

/** The parallel source's StepTimings (summed over its steps so far). */
function timingsOf(source: GradientSource): Record<string, number> {
  const t = (source as { timings?: object }).timings;
  return { ...(t as Record<string, number> | undefined) };
}

/**
 * The page's data-parallel source (src/worker/replicas.ts) over {@link randomRows} as a dataset
 * of `batch` rows: each step's one micro-batch is all of them, split among `req.workers` workers.
 * Every step splits (minSplitFlops 0), whatever its size.
 */
function workersSource(req: BenchRequest, model: SequenceClassifier): GradientSource {
  const { ids, labels } = randomRows(req);
  const factory = pageGradients(req.workers, { minSplitFlops: 0 });
  if (!factory) throw new Error(`workersN needs 2 workers or more (got ${req.workers})`);
  return factory({
    model,
    train: {
      encoded: {
        ids: Uint16Array.from(ids),
        offsets: Uint32Array.from({ length: req.batch + 1 }, (_, r) => r * req.seqLen),
        typeIds: null,
        truncated: 0,
      },
      labels,
      labelWidth: 1,
      size: req.batch,
    },
    problemType: 'single_label_classification',
    numLabels: req.numLabels,
    collate: { padding: 'longest', maxLength: req.seqLen, padId: 0 },
    loss: {},
    seed: req.seed,
  });
}

scope.onmessage = (e: MessageEvent<BenchRequest>) => {
  run(e.data).then(
    (result) => scope.postMessage({ type: 'result', result }),
    (err: unknown) =>
      scope.postMessage({
        type: 'error',
        error: err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err),
      }),
  );
};
