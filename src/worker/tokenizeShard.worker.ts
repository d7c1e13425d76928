/// <reference lib="webworker" />
/** A browser tokenizer-pool worker: encodes one shard per message (see tokenizePool.ts). */
import type { ShardRequest } from '../core/tokenize/parallel';
import { runShard, shardFailure, shardTransfer } from '../core/tokenize/shardWorker';

const scope = self as unknown as DedicatedWorkerGlobalScope;
scope.addEventListener('message', (ev: MessageEvent<ShardRequest>) => {
  runShard(ev.data).then(
    (result) => scope.postMessage({ ok: true, result }, shardTransfer(result)),
    (e: unknown) => scope.postMessage(shardFailure(e)),
  );
});
