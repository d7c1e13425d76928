/**
 * The {@link RunService}'s stores on a file system (Node: the command line and the tests):
 * checkpoint folders in the output folder (`output_dir/checkpoint-N/`), the output folder itself,
 * and run records as JSON files in a folder of runs.
 */
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FsCheckpointStore } from '../io/checkpointStoreFs';
import type { RunRecord, StorageUse } from '../io/runStore';
import type { CheckpointStores, RunOutput, RunStore } from './stores';
import { migrateRunRecord } from './storedRun';
import { StudioError } from './errors';

/** Every run's checkpoints in `dir` (the command line's output_dir), as HF's Trainer writes them. */
export function fsCheckpointStores(dir: string): CheckpointStores {
  return { forRun: () => new FsCheckpointStore(dir) };
}

/** An output folder: each file written under `dir` (sub-folders made as needed). */
export class FsRunOutput implements RunOutput {
  constructor(readonly dir: string) {}

  async write(files: Record<string, Uint8Array | string>): Promise<void> {
    for (const [name, data] of Object.entries(files)) {
      const path = join(this.dir, name);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, data);
    }
  }
}

/**
 * Run records in a folder: `<id>.json`, and a run's blobs (its data file, its model zip) as
 * `<id>/<what>`. Writes go through a temporary file and a rename, so a crash keeps the last one.
 * A run's checkpoints are its `CheckpointStores`' folders, which `delete` leaves alone.
 */
export class FsRunStore implements RunStore {
  constructor(readonly dir: string) {}

  private async writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, data);
    await rename(tmp, path);
  }

  private recordPath(id: string): string {
    if (id.includes('/') || id.startsWith('.'))
      throw new StudioError('not-found', `Not a run id: ${id}.`);
    return join(this.dir, `${id}.json`);
  }

  async put(record: RunRecord): Promise<void> {
    await this.writeAtomic(this.recordPath(record.id), JSON.stringify(record));
  }

  async get(id: string): Promise<RunRecord | null> {
    try {
      return migrateRunRecord(JSON.parse(await readFile(this.recordPath(id), 'utf8')) as RunRecord);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      if (e instanceof SyntaxError) {
        throw new StudioError('not-resumable', `${this.recordPath(id)} is not valid JSON.`, {
          cause: e,
          remedy: 'Delete or restore that damaged run record; the other runs are kept.',
        });
      }
      throw e;
    }
  }

  async list(): Promise<RunRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const runs: RunRecord[] = [];
    for (const n of names.filter((f) => f.endsWith('.json'))) {
      const r = await this.get(n.slice(0, -'.json'.length));
      if (r) runs.push(r);
    }
    return runs.sort((a, b) => b.created - a.created);
  }

  async delete(id: string): Promise<void> {
    await rm(this.recordPath(id), { force: true });
    await rm(join(this.dir, id), { recursive: true, force: true });
  }

  async putBlob(key: string, bytes: Uint8Array): Promise<void> {
    const [id, what] = key.split('/');
    this.recordPath(id);
    await this.writeAtomic(join(this.dir, id, what), bytes);
  }

  async getBlob(key: string): Promise<Uint8Array | null> {
    const [id, what] = key.split('/');
    this.recordPath(id);
    try {
      return new Uint8Array(await readFile(join(this.dir, id, what)));
    } catch {
      return null;
    }
  }

  async storage(): Promise<StorageUse> {
    return { usage: null, quota: null };
  }
}
