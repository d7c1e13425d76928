/**
 * Where checkpoints go: a folder per checkpoint (`checkpoint-N`) holding named files. The Node
 * command line writes real folders (`checkpointStoreFs.ts`); the browser keeps them in memory or in
 * IndexedDB. Writes are all-or-nothing so a crash mid-write leaves the previous checkpoint intact.
 */

export type CheckpointFiles = Record<string, Uint8Array>;

export interface CheckpointStore {
  /** Writes a whole checkpoint atomically (replacing one of the same name). */
  write(name: string, files: CheckpointFiles): Promise<void>;
  /** The files of a checkpoint, or null when there is none of that name. */
  read(name: string): Promise<CheckpointFiles | null>;
  remove(name: string): Promise<void>;
  /** Checkpoint names, in no particular order. */
  list(): Promise<string[]>;
}

/** Keeps checkpoints in memory (the browser's default for a run in progress). */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly folders = new Map<string, CheckpointFiles>();

  async write(name: string, files: CheckpointFiles): Promise<void> {
    this.folders.set(name, { ...files });
  }
  async read(name: string): Promise<CheckpointFiles | null> {
    return this.folders.get(name) ?? null;
  }
  async remove(name: string): Promise<void> {
    this.folders.delete(name);
  }
  async list(): Promise<string[]> {
    return [...this.folders.keys()];
  }
}

/** The step number of a `checkpoint-N` name, or NaN. */
export function checkpointStep(name: string): number {
  const m = /^checkpoint-(\d+)$/.exec(name);
  return m ? Number(m[1]) : NaN;
}

/**
 * Names to delete so that at most `limit` checkpoints remain, oldest first, never the best one
 * (HF's `_rotate_checkpoints`).
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
