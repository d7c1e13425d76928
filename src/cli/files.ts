/** Reading the command line's inputs (the output folder is the run service's: core/run/fsStores.ts). */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { StudioError } from '../core/run/errors';

/** The tokenizer that ships with the studio (used when none is given). */
export function bundledTokenizerDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, '../../public/tokenizers/bert-base-uncased');
}

/** A folder's own name ("bert-mini" for "models/bert-mini/" or "."), not its path. */
export function folderName(path: string): string {
  return basename(resolve(path));
}

/** A path given on the command line that is not there. */
function missingFile(what: string, path: string): StudioError {
  return new StudioError('not-found', `${what} ${path} does not exist.`, {
    remedy: `Check the path given to ${what} (relative paths start from ${process.cwd()}).`,
  });
}

/** A file that is there but cannot be read (permissions, a device, a broken link). */
function unreadable(what: string, path: string, cause: unknown): StudioError {
  return new StudioError(
    'not-found',
    `Could not read ${what} ${path}: ${(cause as Error).message}`,
    {
      remedy: `Check that ${path} is a file you may read, or give ${what} another one.`,
      cause,
    },
  );
}

export async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw code === 'ENOENT' ? missingFile(what, path) : unreadable(what, path, e);
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
    if (!info.isFile())
      throw new StudioError('not-found', `${what} ${path} is not a file.`, {
        remedy: `Give ${what} the path of a file (not a folder).`,
      });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw missingFile(what, path);
    throw e instanceof Error && !code ? e : unreadable(what, path, e);
  }
  return Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
}

export async function readJson(path: string, what: string): Promise<object> {
  const text = new TextDecoder().decode(await readBytes(path, what));
  try {
    return JSON.parse(text) as object;
  } catch {
    throw new StudioError('data', `${what} ${path} is not valid JSON.`, {
      remedy: `Give ${what} a JSON file (check it with python -m json.tool ${path}).`,
    });
  }
}
