/** Reading the command line's inputs (the output folder is the run service's: core/run/fsStores.ts). */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

/** The tokenizer that ships with the studio (used when none is given). */
export function bundledTokenizerDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, '../../public/tokenizers/bert-base-uncased');
}

/** A folder's own name ("bert-mini" for "models/bert-mini/" or "."), not its path. */
export function folderName(path: string): string {
  return basename(resolve(path));
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

/**
 * A data file as a stream of chunks: the reader takes what its byte budget allows and stops, so a
 * file of gigabytes is never read whole into memory.
 */
export async function openDataFile(
  path: string,
  what: string,
): Promise<ReadableStream<Uint8Array>> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error(`${what} ${path} is not a file.`);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${what} ${path} does not exist.`);
    throw e instanceof Error && !code
      ? e
      : new Error(`Could not read ${what} ${path}: ${(e as Error).message}`);
  }
  return Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
}

export async function readJson(path: string, what: string): Promise<object> {
  const text = new TextDecoder().decode(await readBytes(path, what));
  try {
    return JSON.parse(text) as object;
  } catch {
    throw new Error(`${what} ${path} is not valid JSON.`);
  }
}
