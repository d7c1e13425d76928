/**
 * The browser's tokenizer pool: `TokenizerPool` (core/tokenize/pool.ts) over Web Workers
 * running `runShard` (tokenizeShard.worker.ts), one per core up to 4. The training worker uses
 * it to prepare large files; the workers are started on first use and kept for the next prepare.
 */
import type { ShardRequest, ShardResult } from '../core/tokenize/parallel';
import { TokenizerPool, type PoolWorker } from '../core/tokenize/pool';
import type { ShardReply } from '../core/tokenize/shardWorker';
import { errorFromWire, StudioError } from '../core/util/errors';

/** At most this many tokenizer workers (each holds its own tokenizer and word cache). */
export const MAX_POOL_WORKERS = 4;

function startWebWorker(): PoolWorker {
  const worker = new Worker(new URL('./tokenizeShard.worker.ts', import.meta.url), {
    type: 'module',
  });
  let pending: { resolve: (r: ShardResult) => void; reject: (e: Error) => void } | null = null;
  const settle = (f: (p: NonNullable<typeof pending>) => void) => {
    const p = pending;
    pending = null;
    if (p) f(p);
  };
  worker.addEventListener('message', (ev: MessageEvent<ShardReply>) => {
    const m = ev.data;
    // The worker's error as a StudioError again (code and remedy kept: a broken tokenizer stays
    // `tokenizer`, and the page shows its remedy).
    settle((p) => (m.ok ? p.resolve(m.result) : p.reject(errorFromWire(m.error))));
  });
  worker.addEventListener('error', (ev) => {
    ev.preventDefault();
    settle((p) =>
      p.reject(
        new StudioError('internal', `A tokenizer worker failed: ${ev.message || 'unknown error'}`),
      ),
    );
  });
  return {
    run(req: ShardRequest): Promise<ShardResult> {
      if (pending) return Promise.reject(new StudioError('internal', 'tokenizer worker is busy'));
      return new Promise<ShardResult>((resolve, reject) => {
        pending = { resolve, reject };
        worker.postMessage(req);
      });
    },
    terminate(): void {
      worker.terminate();
      settle((p) => p.reject(new StudioError('internal', 'The tokenizer worker was stopped.')));
    },
  };
}

/**
 * A pool of Web Workers: `size` defaults to navigator.hardwareConcurrency, capped at
 * {@link MAX_POOL_WORKERS}. Null where this context cannot start workers.
 */
export function createWebTokenizerPool(size?: number): TokenizerPool | null {
  if (typeof Worker === 'undefined') return null;
  const cores = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 2 : 2;
  const n = Math.max(1, Math.min(MAX_POOL_WORKERS, size ?? cores));
  return new TokenizerPool(() => startWebWorker(), n);
}
