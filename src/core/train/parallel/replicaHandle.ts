/**
 * The workers behind {@link ParallelGradients} (`workerGradients.ts`): starting them on the replica
 * script (TypeScript included, through tsx's hooks), and {@link ReplicaHandle}, one worker and the
 * reply it owes, which turns a worker's failure or exit into a rejected request.
 *
 * Imported only from Node code: it uses node:worker_threads.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorFromWire } from '../../util/errors';
import type { FromReplica, ToReplica } from './protocol';
import type { ParallelOptions } from './workerGradients';

/** The workers of `opts`, started, each told its backend (unref'd until a source takes them). */
export function startWorkers(opts: ParallelOptions): ReplicaHandle[] {
  const n = opts.mainReplica ? opts.replicas - 1 : opts.replicas;
  const url = opts.workerUrl ?? new URL('./replica.ts', import.meta.url);
  return Array.from({ length: Math.max(0, n) }, (_, k) => {
    const h = new ReplicaHandle(k, startTsWorker(url));
    h.worker.unref();
    h.worker.postMessage({ type: 'warm', backend: opts.backend ?? 'wasm' } satisfies ToReplica);
    return h;
  });
}

/**
 * Starts a worker on a TypeScript file: tsx's ESM hooks are registered in the worker first (a
 * worker does not inherit `--import tsx` hooks, nor those `register()`ed by `studio.mjs`). A
 * failure to load it (a rejected import) reaches the parent as the worker's 'error' event.
 */
export function startTsWorker(url: URL): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url);
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = require(pkgPath) as { exports: Record<string, { import: { default: string } }> };
  const api = pathToFileURL(join(dirname(pkgPath), pkg.exports['./esm/api'].import.default)).href;
  const code =
    `import(${JSON.stringify(api)})` +
    `.then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(code, { eval: true });
}

interface Pending {
  resolve: (m: FromReplica) => void;
  reject: (e: Error) => void;
}

/** One worker and the reply it owes. */
export class ReplicaHandle {
  private pending: Pending | null = null;
  private failure: Error | null = null;
  private exited = false;
  readonly exitedPromise: Promise<void>;
  /** float32 [layout.total] (shared): where the worker writes its gradients. */
  grads: Float32Array = new Float32Array(0);

  constructor(
    readonly index: number,
    readonly worker: Worker,
  ) {
    worker.on('message', (m: FromReplica) => {
      const p = this.pending;
      this.pending = null;
      if (m.type === 'error') {
        // The replica's own error, its code and remedy kept: a bad argument stays `arguments`.
        this.fail(errorFromWire(m.error, `gradient replica ${index} failed: `), p);
      } else p?.resolve(m);
    });
    worker.on('error', (e) =>
      this.fail(new Error(`gradient replica ${index} failed: ${e.message}`)),
    );
    this.exitedPromise = new Promise((resolve) =>
      worker.on('exit', (code) => {
        this.exited = true;
        this.fail(new Error(`gradient replica ${index} exited (code ${code}) during a step`));
        resolve();
      }),
    );
  }

  private fail(e: Error, p: Pending | null = this.pending): void {
    this.failure ??= e;
    this.pending = null;
    p?.reject(this.failure);
  }

  /** Posts `message` (transferring `transfer`) and resolves with the reply. */
  request(message: unknown, transfer: ArrayBuffer[] = []): Promise<FromReplica> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(message, transfer);
    });
  }

  async terminate(): Promise<void> {
    this.pending = null;
    this.failure ??= new Error(`gradient replica ${this.index} was closed`);
    if (!this.exited) await this.worker.terminate();
    await this.exitedPromise;
  }
}
