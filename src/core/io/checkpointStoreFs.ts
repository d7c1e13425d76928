/** Checkpoint folders on disk for the Node command line: `output_dir/checkpoint-N/`. */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointFiles, CheckpointStore } from './checkpointStore';

export class FsCheckpointStore implements CheckpointStore {
  constructor(private readonly dir: string) {}

  /** Writes into a temporary folder, then renames it into place: a crash leaves no half folder. */
  async write(name: string, files: CheckpointFiles): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.${name}.tmp-${process.pid}`);
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    for (const [file, bytes] of Object.entries(files)) await writeFile(join(tmp, file), bytes);
    const target = join(this.dir, name);
    await rm(target, { recursive: true, force: true });
    await rename(tmp, target);
  }

  async read(name: string): Promise<CheckpointFiles | null> {
    const folder = join(this.dir, name);
    let entries: string[];
    try {
      entries = await readdir(folder);
    } catch {
      return null;
    }
    const files: CheckpointFiles = {};
    for (const e of entries) files[e] = new Uint8Array(await readFile(join(folder, e)));
    return files;
  }

  async remove(name: string): Promise<void> {
    await rm(join(this.dir, name), { recursive: true, force: true });
  }

  async list(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((n) => n.startsWith('checkpoint-'));
    } catch {
      return [];
    }
  }
}
