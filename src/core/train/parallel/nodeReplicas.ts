/**
 * Replicas on Node's worker_threads (the CLI, the unit tests): the default
 * {@link ReplicaSpawner} of `replicaHandle.ts`, starting `nodeReplica.ts` (TypeScript, through
 * tsx's hooks) or a test's script.
 *
 * Node's modules are taken with `process.getBuiltinModule` when a worker starts, not imported:
 * this module is part of the page's bundle too (through `workerGradients.ts`), where the page
 * passes its own spawner (src/worker/replicas.ts) and this code never runs.
 */
import type { Worker as NodeWorker } from 'node:worker_threads';
import type { FromReplica } from './protocol';
import type { ReplicaEndpoint, ReplicaSpawner } from './transport';

/** The replica script's file name beside this module (a variable: no bundler follows it). */
const REPLICA_FILE = './nodeReplica.ts';

function node() {
  if (typeof process === 'undefined' || typeof process.getBuiltinModule !== 'function') {
    throw new Error(
      'Gradient replicas need a spawner here: worker_threads replicas run only in Node.',
    );
  }
  return {
    threads: process.getBuiltinModule('node:worker_threads'),
    module: process.getBuiltinModule('node:module'),
    path: process.getBuiltinModule('node:path'),
    url: process.getBuiltinModule('node:url'),
  };
}

/**
 * Starts a worker on a TypeScript file: tsx's ESM hooks are registered in the worker first (a
 * worker does not inherit `--import tsx` hooks, nor those `register()`ed by `studio.mjs`). A
 * failure to load it (a rejected import) reaches the parent as the worker's 'error' event.
 */
export function startTsWorker(url: URL): NodeWorker {
  const { threads, module, path, url: nodeUrl } = node();
  if (!url.pathname.endsWith('.ts')) return new threads.Worker(url);
  const require = module.createRequire(import.meta.url);
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = require(pkgPath) as { exports: Record<string, { import: { default: string } }> };
  const api = nodeUrl.pathToFileURL(
    path.join(path.dirname(pkgPath), pkg.exports['./esm/api'].import.default),
  ).href;
  const code =
    `import(${JSON.stringify(api)})` +
    `.then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new threads.Worker(code, { eval: true });
}

/** A worker_threads worker as an endpoint. */
export function nodeWorkerEndpoint(worker: NodeWorker): ReplicaEndpoint {
  return {
    postMessage: (message, transfer) =>
      worker.postMessage(message, transfer as readonly ArrayBuffer[]),
    onMessage: (fn) => worker.on('message', (m: FromReplica) => fn(m)),
    onError: (fn) => worker.on('error', fn),
    onExit: (fn) => worker.on('exit', fn),
    terminate: async () => {
      await worker.terminate();
    },
    keepAlive: (on) => (on ? worker.ref() : worker.unref()),
  };
}

/** Replicas on worker_threads, running `workerUrl` (default: `nodeReplica.ts`). */
export function nodeReplicas(workerUrl?: URL): ReplicaSpawner {
  const url = workerUrl ?? new URL(REPLICA_FILE, import.meta.url);
  return () => nodeWorkerEndpoint(startTsWorker(url));
}
