/// <reference lib="webworker" />
/** A browser tokenizer-pool worker: encodes one shard per message (see tokenizePool.ts). */
import type { ShardRequest } from '../core/tokenize/parallel';
import { runShard, shardTransfer } from '../core/tokenize/shardWorker';

const scope = self as unknown as DedicatedWorkerGlobalScope;
scope.addEventListener('message', (ev: MessageEvent<ShardRequest>) => {
  runShard(ev.data).then(
    (result) => scope.postMessage({ ok: true, result }, shardTransfer(result)),
    (e: unknown) =>
      scope.postMessage({ ok: false, message: e instanceof Error ? e.message : String(e) }),
  );
});
