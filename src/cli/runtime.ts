/** What every command shares: the log on stderr, the TF.js backend, the worker_threads replicas. */
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendName } from '../core/backend';
import { parallelGradients } from '../core/train/parallel/workerGradients';
import { StudioError } from '../core/run/errors';

export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

export async function useBackend(name: string): Promise<void> {
  if (!['wasm', 'cpu'].includes(name)) {
    throw new StudioError('arguments', `--backend must be wasm or cpu in Node (got "${name}").`, {
      remedy: 'Give --backend wasm (fast on CPU) or cpu; WebGPU runs in the page only.',
    });
  }
  // PROD silences TF.js's console banner suggesting tfjs-node (a native build we do not use).
  tf.env().set('PROD', true);
  const b = await selectBackend(name as BackendName);
  log(`backend: ${b.name}`);
}

/**
 * The replicas' source factory for `replicas` > 1 (undefined for one thread), started now so the
 * workers load meanwhile. This thread computes a share too: as fast as only coordinating, and one
 * model copy fewer.
 */
export function startReplicas(replicas: number, backend: string) {
  if (replicas <= 1) return undefined;
  return parallelGradients({
    replicas,
    mainReplica: true,
    backend: backend as 'wasm' | 'cpu',
    prestart: true,
  });
}

/**
 * --num_replicas, or one per core (at most one per row of a batch) on the wasm backend: its Node
 * build runs on one thread.
 */
export function replicasOf(v: Record<string, unknown>, backend: string, batchSize: number): number {
  if (v.num_replicas === undefined) {
    return backend === 'wasm' ? Math.max(1, Math.min(availableParallelism(), batchSize)) : 1;
  }
  return checkedReplicas(Number(v.num_replicas), v.num_replicas, '--num_replicas');
}

/**
 * A replica count given as `where` (the flag, or a run config's key): a positive integer, else
 * an error naming `where` and what it got (`given`).
 */
export function checkedReplicas(n: number, given: unknown, where: string): number {
  if (!Number.isInteger(n) || n < 1) {
    throw new StudioError(
      'arguments',
      `${where} must be a positive integer (got ${typeof given === 'number' ? String(given) : JSON.stringify(given)}).`,
      {
        remedy: where.startsWith('--')
          ? `Give ${where} a whole number from 1 (one thread), or leave it out for one per core.`
          : `Give ${where} a whole number from 1 (one thread), or null for one per core; --num_replicas overrides it.`,
      },
    );
  }
  return n;
}
