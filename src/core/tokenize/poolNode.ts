/**
 * Node-only: a `TokenizerPool` on `worker_threads` (for the command line and the benchmark).
 * Kept apart from pool.ts so the browser build never pulls in `node:worker_threads`.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { errorFromWire, StudioError } from '../util/errors';
import type { ShardRequest, ShardResult } from './parallel';
import { TokenizerPool, type PoolWorker } from './pool';
import type { ShardReply } from './shardWorker';

/** Room for a shard's texts and the word cache without constant major GCs. */
const LIMITS = { maxYoungGenerationSizeMb: 64, maxOldGenerationSizeMb: 4096 };

/**
 * Start the worker entry. Run from TypeScript sources (tsx, vitest), the entry is bundled once
 * with esbuild into node_modules/.cache (so its imports still resolve): TypeScript loader hooks
 * in a worker thread made tokenizing about 2x slower and loading the tokenizer 5x slower.
 */
let bundled: string | null = null;
function spawn(): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(`./poolNodeWorker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  if (!fromSource) return new Worker(entry, { resourceLimits: LIMITS });
  if (!bundled) {
    const require = createRequire(import.meta.url);
    const esbuild = require('esbuild') as {
      buildSync(o: Record<string, unknown>): unknown;
    };
    // node_modules/esbuild/lib/main.js -> node_modules/.cache/trainer-studio/
    const out = join(
      dirname(require.resolve('esbuild')),
      '../../.cache/trainer-studio/poolNodeWorker.mjs',
    );
    esbuild.buildSync({
      entryPoints: [fileURLToPath(entry)],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: out,
      packages: 'external',
      logLevel: 'silent',
    });
    bundled = out;
  }
  return new Worker(bundled, { resourceLimits: LIMITS });
}

function startNodeWorker(): PoolWorker {
  const worker = spawn();
  worker.unref();
  let pending: { resolve: (r: ShardResult) => void; reject: (e: Error) => void } | null = null;
  worker.on('message', (m: ShardReply) => {
    const p = pending;
    pending = null;
    if (!p) return;
    if (m.ok) p.resolve(m.result);
    // The worker's error as a StudioError again: a broken tokenizer stays `tokenizer`.
    else p.reject(errorFromWire(m.error));
  });
  worker.on('error', (e) => {
    pending?.reject(
      new StudioError('internal', `A tokenizer worker failed: ${e.message}`, { cause: e }),
    );
    pending = null;
  });
  return {
    run(req: ShardRequest): Promise<ShardResult> {
      if (pending) return Promise.reject(new StudioError('internal', 'pool worker is busy'));
      return new Promise((resolve, reject) => {
        pending = { resolve, reject };
        worker.ref();
        worker.postMessage(req);
      }).finally(() => worker.unref()) as Promise<ShardResult>;
    },
    terminate(): void {
      void worker.terminate();
    },
  };
}

/** A pool of `size` worker threads (default: one per core). */
export function createNodeTokenizerPool(size = availableParallelism()): TokenizerPool {
  return new TokenizerPool(() => startNodeWorker(), size);
}
