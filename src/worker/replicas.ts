/// <reference lib="webworker" />
/**
 * Every core in the page: data-parallel training and evaluation over Web Workers, as the CLI
 * does over worker_threads (src/core/train/parallel/). The training worker starts N-1 replica
 * workers itself (nested dedicated workers: Chromium and Firefox run them, and the training
 * worker, which owns the model and the SharedArrayBuffers, talks to them directly, with no hop
 * through the page's main thread that a chart or an input could delay), and computes the first
 * share of each batch itself.
 *
 * Several workers need the page cross-origin isolated (SharedArrayBuffer: the replicas read the
 * weights and write their gradients there), workers that start workers, and the wasm backend (on
 * WebGPU there is one GPU: one worker). Otherwise the run keeps one worker and
 * {@link PageWorkers.reason} says why, in the compute panel.
 */
import { MAX_WORKERS } from '../core/config/computeArguments';
import type { GradientSourceFactory } from '../core/train/gradients';
import { webWorkerEndpoint } from '../core/train/parallel/transport';
import { parallelGradients } from '../core/train/parallel/workerGradients';

/** How many workers this page can train on, and why only one when so. */
export interface PageWorkers {
  /**
   * Workers a run may use: one per core, the training worker's wasm threads counted (at most
   * {@link MAX_WORKERS}); 1 with a `reason`.
   */
  available: number;
  /** The cores the browser reports (navigator.hardwareConcurrency). */
  cores: number;
  /** The training worker's own wasm threads (it computes the first share on them). */
  mainThreads: number;
  /** Why a run keeps one worker (null when several can run). */
  reason: string | null;
}

/** What {@link pageWorkers} reads of the worker's global scope (tests pass their own). */
export interface WorkerScopeFacts {
  crossOriginIsolated?: boolean;
  SharedArrayBuffer?: unknown;
  Worker?: unknown;
  navigator?: { hardwareConcurrency?: number };
}

/**
 * The workers a run on `backend` can use in this scope. `mainThreads`: the wasm threads of the
 * training worker's backend (TF.js's threaded build gives it several on a machine of many
 * cores); the replicas run one each, so that all of them together use one thread per core.
 */
export function pageWorkers(
  backend: string,
  scope: WorkerScopeFacts = globalThis as WorkerScopeFacts,
  mainThreads = 1,
): PageWorkers {
  const cores = Math.max(1, scope.navigator?.hardwareConcurrency ?? 1);
  const one = (reason: string): PageWorkers => ({ available: 1, cores, mainThreads, reason });
  if (backend !== 'wasm') {
    return one(
      backend === 'webgpu' || backend === 'webgl'
        ? `The ${backend} backend trains on the GPU, which one worker drives; several workers share the CPU's cores on the wasm backend.`
        : `The ${backend} backend trains on one worker; choose the wasm backend to train on several cores.`,
    );
  }
  if (!scope.crossOriginIsolated) {
    return one(
      'This page is not cross-origin isolated (its server does not send the ' +
        'Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy headers), so workers cannot ' +
        'share memory: training runs on one worker. Serve the studio with `npm start` (or send ' +
        'those headers) to train on every core.',
    );
  }
  if (typeof scope.SharedArrayBuffer !== 'function') {
    return one(
      'This browser does not offer shared memory (SharedArrayBuffer) to the page: training runs ' +
        'on one worker.',
    );
  }
  if (typeof scope.Worker !== 'function') {
    return one(
      'This browser cannot start workers from a worker: training runs on one worker. A current ' +
        'Chrome, Edge or Firefox trains on every core.',
    );
  }
  if (cores < 2) return one('This device reports one core: training runs on one worker.');
  const perCore = Math.max(2, cores - Math.max(1, mainThreads) + 1);
  return { available: Math.min(perCore, MAX_WORKERS), cores, mainThreads, reason: null };
}

/** Workers of a run that asks for `requested` (null: one per core), within what can run. */
export function workersOf(requested: number | null | undefined, page: PageWorkers): number {
  if (page.reason !== null) return 1;
  if (requested === null || requested === undefined) return page.available;
  return Math.max(1, Math.min(Math.floor(requested), MAX_WORKERS));
}

/** Starts replica `index` as a nested module worker on replica.worker.ts. */
function spawnReplica(index: number) {
  const name = `gradient replica ${index + 1}`;
  const worker = new Worker(new URL('./replica.worker.ts', import.meta.url), {
    type: 'module',
    name,
  });
  return webWorkerEndpoint(worker, name);
}

/**
 * The gradient source of a run on `workers` workers (undefined for one: the trainer's own
 * thread). This worker computes the first share; `workers - 1` replica workers the others.
 */
export function pageGradients(
  workers: number,
  opts: { minSplitFlops?: number } = {},
): GradientSourceFactory | undefined {
  if (workers <= 1) return undefined;
  return parallelGradients({
    replicas: workers,
    mainReplica: true,
    backend: 'wasm',
    spawn: spawnReplica,
    ...opts,
  });
}
