/** Reading inputs and writing an HF output folder from the command line. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The tokenizer that ships with the studio (used when none is given). */
export function bundledTokenizerDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, '../../public/tokenizers/bert-base-uncased');
}

export async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'ENOENT'
        ? `${what} ${path} does not exist.`
        : `Could not read ${what} ${path}: ${(e as Error).message}`,
    );
  }
}

export async function readJson(path: string, what: string): Promise<object> {
  const text = new TextDecoder().decode(await readBytes(path, what));
  try {
    return JSON.parse(text) as object;
  } catch {
    throw new Error(`${what} ${path} is not valid JSON.`);
  }
}

export async function writeFiles(
  dir: string,
  files: Record<string, Uint8Array | string>,
): Promise<void> {
  for (const [name, data] of Object.entries(files)) {
    const path = join(dir, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, data);
  }
}
