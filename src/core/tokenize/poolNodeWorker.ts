/** Node-only: the worker_threads entry of the tokenizer pool (see poolNode.ts). */
import { parentPort } from 'node:worker_threads';
import type { ShardRequest } from './parallel';
import { runShard, shardFailure, shardTransfer } from './shardWorker';

const port = parentPort;
if (!port) throw new Error('poolNodeWorker must run in a worker thread');
port.on('message', (req: ShardRequest) => {
  runShard(req).then(
    (result) => port.postMessage({ ok: true, result }, shardTransfer(result)),
    (e: unknown) => port.postMessage(shardFailure(e)),
  );
});
