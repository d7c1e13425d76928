/** A gradient replica that starts, then fails its first step (parallel-gradients.test.ts). */
import { parentPort } from 'node:worker_threads';
import type { FromReplica, ToReplica } from '../../../src/core/train/parallel/protocol';

const port = parentPort!;
port.on('message', (m: ToReplica) => {
  const post = (r: FromReplica) => port.postMessage(r);
  if (m.type === 'init') post({ type: 'ready' });
  else if (m.type === 'weights') post({ type: 'ack', id: m.id });
  else if (m.type === 'step') throw new Error('deliberate failure in a step');
});
