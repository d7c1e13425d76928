/**
 * Where checkpoints go: a folder per checkpoint (`checkpoint-N`) holding named files. The Node
 * command line writes real folders (`checkpointStoreFs.ts`); the browser keeps them in memory or in
 * IndexedDB. Writes are all-or-nothing so a crash mid-write leaves the previous checkpoint intact.
 * Which checkpoints a run keeps is the trainer's (`train/checkpointRotation.ts`).
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
