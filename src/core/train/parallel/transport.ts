/**
 * How the main thread reaches a gradient replica, whatever runs it: a Node worker_threads worker
 * (the CLI, `nodeReplicas.ts`) or a Web Worker (the page, src/worker/replicas.ts). A
 * {@link ReplicaEndpoint} is the main thread's side of one replica; a {@link ReplicaPort} is the
 * replica's side of its main thread. Both carry the messages of `protocol.ts`, with transfers.
 *
 * Browser-safe: nothing here imports Node.
 */
import type { FromReplica, ToReplica } from './protocol';

/** The main thread's side of one replica. */
export interface ReplicaEndpoint {
  postMessage(message: ToReplica, transfer: Transferable[]): void;
  /** Every reply of the replica. */
  onMessage(fn: (message: FromReplica) => void): void;
  /** The replica failed outside a request (its script did not load, an uncaught error). */
  onError(fn: (error: Error) => void): void;
  /** The replica ended (a Web Worker never reports this: it ends only when terminated). */
  onExit(fn: (code: number) => void): void;
  /** Ends the replica; resolves once it has. */
  terminate(): Promise<void>;
  /** Whether an idle replica keeps the process alive (Node's ref/unref; no-op elsewhere). */
  keepAlive(on: boolean): void;
}

/** Starts replica `index` (0-based among the workers, the main thread's own share not counted). */
export type ReplicaSpawner = (index: number) => ReplicaEndpoint;

/** The replica's side of its main thread. */
export interface ReplicaPort {
  post(message: FromReplica): void;
  onMessage(fn: (message: ToReplica) => void): void;
  close(): void;
}

/** What a Web Worker (`Worker` in a page or a worker) offers, as {@link webWorkerEndpoint} uses it. */
export interface WebWorkerLike {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', fn: (ev: MessageEvent) => void): void;
  addEventListener(type: 'error', fn: (ev: ErrorEvent) => void): void;
  addEventListener(type: 'messageerror', fn: (ev: MessageEvent) => void): void;
  terminate(): void;
}

/**
 * A Web Worker as an endpoint. A module worker whose script fails to load or throws at the top
 * level reports an 'error' event (its message is often empty: the browser hides cross-context
 * details); that fails the replica's pending and later requests.
 */
export function webWorkerEndpoint(worker: WebWorkerLike, name: string): ReplicaEndpoint {
  const exits: ((code: number) => void)[] = [];
  return {
    postMessage: (message, transfer) => worker.postMessage(message, transfer),
    onMessage: (fn) => worker.addEventListener('message', (ev) => fn(ev.data as FromReplica)),
    onError: (fn) => {
      worker.addEventListener('error', (ev) => {
        ev.preventDefault();
        fn(new Error(`${name} could not run: ${ev.message || 'its script failed to load'}`));
      });
      worker.addEventListener('messageerror', () =>
        fn(new Error(`${name} received a message it could not read`)),
      );
    },
    onExit: (fn) => exits.push(fn),
    terminate: async () => {
      worker.terminate();
      for (const fn of exits) fn(0);
    },
    keepAlive: () => {},
  };
}

/** What a Web Worker's global scope offers, as {@link webWorkerPort} uses it. */
export interface WorkerScopeLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', fn: (ev: MessageEvent) => void): void;
  close(): void;
}

/** A Web Worker's own scope as a replica's port. */
export function webWorkerPort(scope: WorkerScopeLike): ReplicaPort {
  return {
    post: (message) => scope.postMessage(message),
    onMessage: (fn) => scope.addEventListener('message', (ev) => fn(ev.data as ToReplica)),
    close: () => scope.close(),
  };
}
