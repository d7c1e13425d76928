/**
 * Which checkpoints a run keeps: `save_total_limit` applied as transformers' `_rotate_checkpoints`
 * does (oldest first, never the best model's). The store (`io/checkpointStore.ts`) only holds them.
 */

/** The step number of a `checkpoint-N` name, or NaN. */
export function checkpointStep(name: string): number {
  const m = /^checkpoint-(\d+)$/.exec(name);
  return m ? Number(m[1]) : NaN;
}

/**
 * Names to delete so that at most `limit` checkpoints remain, oldest first, never the best one
 * (HF's `_rotate_checkpoints`). Names that are not `checkpoint-N` are left alone.
 */
export function checkpointsToRotate(
  names: string[],
  limit: number | null,
  best: string | null,
): string[] {
  if (limit === null || limit <= 0) return [];
  const sorted = names
    .filter((n) => Number.isFinite(checkpointStep(n)))
    .sort((a, b) => checkpointStep(a) - checkpointStep(b));
  // HF keeps the best checkpoint even when that means keeping limit + 1 with limit 1.
  const effectiveLimit = best !== null && limit === 1 && sorted.at(-1) !== best ? 2 : limit;
  const excess = sorted.length - effectiveLimit;
  if (excess <= 0) return [];
  return sorted.filter((n) => n !== best).slice(0, excess);
}
