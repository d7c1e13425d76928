/**
 * The workers behind {@link ParallelGradients} (`workerGradients.ts`): starting them through the
 * options' spawner (`transport.ts`; Node's worker_threads by default, `nodeReplicas.ts`), and
 * {@link ReplicaHandle}, one worker and the reply it owes, which turns a worker's failure or exit
 * into a rejected request.
 *
 * Browser-safe: the page passes its Web Workers' spawner.
 */
import { errorFromWire } from '../../util/errors';
import { nodeReplicas } from './nodeReplicas';
import type { FromReplica, ToReplica } from './protocol';
import type { ReplicaEndpoint } from './transport';
import type { ParallelOptions } from './options';

/** The workers of `opts`, started, each told its backend (not keeping Node alive until taken). */
export function startWorkers(opts: ParallelOptions): ReplicaHandle[] {
  const n = opts.mainReplica ? opts.replicas - 1 : opts.replicas;
  const spawn = opts.spawn ?? nodeReplicas(opts.workerUrl);
  return Array.from({ length: Math.max(0, n) }, (_, k) => {
    const h = new ReplicaHandle(k, spawn(k));
    h.worker.keepAlive(false);
    h.worker.postMessage({ type: 'warm', backend: opts.backend ?? 'wasm' } satisfies ToReplica, []);
    return h;
  });
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

  constructor(
    readonly index: number,
    readonly worker: ReplicaEndpoint,
  ) {
    worker.onMessage((m) => {
      const p = this.pending;
      this.pending = null;
      if (m.type === 'error') {
        // The replica's own error, its code and remedy kept: a bad argument stays `arguments`.
        this.fail(errorFromWire(m.error, `gradient replica ${index} failed: `), p);
      } else p?.resolve(m);
    });
    worker.onError((e) => this.fail(new Error(`gradient replica ${index} failed: ${e.message}`)));
    this.exitedPromise = new Promise((resolve) =>
      worker.onExit((code) => {
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
  request(message: ToReplica, transfer: Transferable[] = []): Promise<FromReplica> {
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
