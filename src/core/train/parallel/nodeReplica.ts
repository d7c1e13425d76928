/**
 * The entry of a gradient replica in a worker_threads worker (started by `nodeReplicas.ts`): the
 * replica (`replica.ts`) on the worker's parent port.
 */
import { parentPort } from 'node:worker_threads';
import type { FromReplica, ToReplica } from './protocol';
import { serveReplica } from './replica';

const port = parentPort;
if (!port) throw new Error('nodeReplica.ts runs as a worker_threads worker.');
serveReplica({
  post: (m: FromReplica) => port.postMessage(m),
  onMessage: (fn) => port.on('message', (m: ToReplica) => fn(m)),
  close: () => port.close(),
});
